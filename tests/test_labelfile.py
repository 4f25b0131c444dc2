"""Label and truth files are joined to the data by their ids: order never changes an answer, bad ids are refused."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering.cli import main
from clustering.data import DataError, Dataset
from clustering.io.labels import read_label_file
from clustering.io.samples import load_input


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def digits():
    return load_input("sample:digits")


@pytest.fixture(scope="module")
def km_labels(tmp_path_factory):
    folder = tmp_path_factory.mktemp("km")
    assert (
        main(
            [
                "cluster",
                "sample:digits",
                "--method",
                "kmeans",
                "--param",
                "n_clusters=10",
                "--out",
                str(folder / "km.csv"),
            ]
        )
        == 0
    )
    return pd.read_csv(folder / "km.csv")


def _ari(capsys, path):
    code, out, err = run_cli(["compare", "sample:digits", "--labels", str(path), "--truth", "label", "--json"], capsys)
    assert code == 0, err
    return json.loads(out)["ari"][0][1]


def test_sorted_labels_file_gives_the_same_ari(tmp_path, capsys, km_labels):
    """The red team's case: rows sorted by cluster used to score ARI -0.004 instead of 0.666."""
    km_labels.to_csv(tmp_path / "km.csv", index=False)
    km_labels.sort_values("cluster", kind="stable").to_csv(tmp_path / "s.csv", index=False)
    plain, sorted_ = _ari(capsys, tmp_path / "km.csv"), _ari(capsys, tmp_path / "s.csv")
    assert plain > 0.5 and sorted_ == pytest.approx(plain)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.assign(row=f["row"] + 5), "5 row value(s) are not in the data (1797, 1798, 1799, 1800, 1801)"),
        (lambda f: f.assign(row=np.r_[f["row"][:-1], 0]), "1 row value(s) appear more than once (0)"),
        (lambda f: f.iloc[:-3], "3 of the data's 1,797 rows have no label (for example row 1794, 1795, 1796)"),
        (lambda f: f.assign(row=f["row"].astype(str).replace("7", "seven")), "line 9: row 'seven' is not a row number"),
        (lambda f: f.drop(columns="row"), "no id column"),
        (lambda f: f.assign(cluster=f["cluster"].astype(object).where(f["row"] != 3, "")), "line 5 has no 'cluster'"),
    ],
)
def test_bad_ids_are_refused_with_counts_and_examples(tmp_path, capsys, km_labels, change, message):
    change(km_labels.copy()).to_csv(tmp_path / "bad.csv", index=False)
    for command in (["compare", "--truth", "label"], ["export", "--out", str(tmp_path / "e.csv")]):
        code, out, err = run_cli(
            [command[0], "sample:digits", "--labels", str(tmp_path / "bad.csv"), *command[1:]], capsys
        )
        assert code == 2 and err.startswith("error: ") and message in err, err
    assert not (tmp_path / "e.csv").exists()


def test_unlabelled_rows_only_when_asked_and_said(tmp_path, capsys, km_labels):
    km_labels.iloc[:-3].to_csv(tmp_path / "part.csv", index=False)
    code, out, err = run_cli(
        [
            "export",
            "sample:digits",
            "--labels",
            str(tmp_path / "part.csv"),
            "--allow-unlabelled",
            "--out",
            str(tmp_path / "e.csv"),
        ],
        capsys,
    )
    assert code == 0 and "3 data rows have no label" in err
    exported = pd.read_csv(tmp_path / "e.csv")
    assert (exported["cluster"].iloc[-3:] == -1).all() and (exported["cluster"].iloc[:-3] >= 0).all()


def test_dataset_key_joins_before_row_numbers():
    ids = [f"p{i}" for i in range(6)]
    data = Dataset(np.eye(6, 3, dtype=np.float32), metadata=pd.DataFrame({"sku": ids}), id_column="sku")
    frame = pd.DataFrame({"sku": ids[::-1], "cluster": [5, 4, 3, 2, 1, 0]})
    path = _write(frame)
    assert read_label_file(path, data).labels.tolist() == [0, 1, 2, 3, 4, 5]
    frame = pd.DataFrame({"id": ids[::-1], "cluster": [5, 4, 3, 2, 1, 0]})  # `id` means the key's values here
    assert read_label_file(_write(frame), data).labels.tolist() == [0, 1, 2, 3, 4, 5]
    with pytest.raises(DataError, match="1 sku value"):
        read_label_file(_write(pd.DataFrame({"sku": ids[:5] + ["zz"], "cluster": range(6)})), data)


def test_parquet_label_files_are_joined_too(tmp_path, digits, km_labels):
    km_labels.sample(frac=1, random_state=1).to_parquet(tmp_path / "km.parquet")
    found = read_label_file(tmp_path / "km.parquet", digits)
    assert found.labels.tolist() == km_labels["cluster"].tolist()


def _write(frame, suffix=".csv"):
    import tempfile

    path = tempfile.NamedTemporaryFile(suffix=suffix, delete=False).name
    frame.to_csv(path, index=False)
    return path


# --- label values ---------------------------------------------------------------------------------------------


def _tiny():
    return Dataset(np.arange(12, dtype=np.float32).reshape(6, 2))


def test_text_labels_keep_their_names():
    found = read_label_file(
        _write(pd.DataFrame({"row": range(6), "cluster": ["grp-b", "grp-a", "grp-a", "-1", "x", "grp-b"]})), _tiny()
    )
    assert found.labels.tolist() == [1, 0, 0, -1, 2, 1]
    assert found.names == {0: "grp-a", 1: "grp-b", 2: "x"}


def test_float_labels_keep_their_names_and_integral_floats_stay_integers():
    found = read_label_file(
        _write(pd.DataFrame({"row": range(6), "cluster": [0.5, 1.5, 0.5, 2.25, 0.5, 1.5]})), _tiny()
    )
    assert found.names == {0: "0.5", 1: "1.5", 2: "2.25"} and found.labels.tolist() == [0, 1, 0, 2, 0, 1]
    found = read_label_file(
        _write(pd.DataFrame({"row": range(6), "cluster": [3.0, 7.0, -1.0, 3.0, 7.0, 7.0]})), _tiny()
    )
    assert found.names == {} and found.labels.tolist() == [3, 7, -1, 3, 7, 7]


@pytest.mark.parametrize(
    "value, message",
    [
        ("9223372036854775808", "9223372036854775808 is out of range (too large)"),
        ("1e20", "1e20 is out of range (too large)"),
        ("2147483648", "out of range"),
        ("-2", "-2 is out of range (negative labels other than -1 (noise) mean nothing)"),
        ("-9223372036854775809", "out of range"),
    ],
)
def test_out_of_range_integer_labels_are_refused(value, message):
    frame = pd.DataFrame({"row": range(6), "cluster": ["0", "1", value, "1", "0", "1"]})
    with pytest.raises(DataError, match="line 4: cluster") as error:
        read_label_file(_write(frame), _tiny())
    assert message in str(error.value)


def test_confidence_is_checked_and_joined():
    frame = pd.DataFrame(
        {"row": [5, 4, 3, 2, 1, 0], "cluster": [0, 0, 1, 1, 2, 2], "confidence": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}
    )
    found = read_label_file(_write(frame), _tiny())
    assert found.confidence.tolist() == pytest.approx([0.6, 0.5, 0.4, 0.3, 0.2, 0.1])
    with pytest.raises(DataError, match="confidence '1.5' is not a number from 0 to 1"):
        read_label_file(_write(frame.assign(confidence=[0.1, 1.5, 0.3, 0.4, 0.5, 0.6])), _tiny())


def test_text_labels_named_in_export_figure_and_report(tmp_path, capsys):
    groups = np.where(np.arange(1797) % 2 == 0, "grp-a", "grp-b")
    pd.DataFrame({"row": np.arange(1797), "cluster": groups}).to_csv(tmp_path / "t.csv", index=False)
    assert (
        run_cli(
            ["export", "sample:digits", "--labels", str(tmp_path / "t.csv"), "--out", str(tmp_path / "e.csv")], capsys
        )[0]
        == 0
    )
    exported = pd.read_csv(tmp_path / "e.csv")
    assert (exported["cluster_name"] == groups).all()
    assert (
        run_cli(
            [
                "figure",
                "sample:digits",
                "--labels",
                str(tmp_path / "t.csv"),
                "--projection",
                "pca",
                "--out",
                str(tmp_path / "f.svg"),
            ],
            capsys,
        )[0]
        == 0
    )
    svg = (tmp_path / "f.svg").read_text()
    assert "grp-a" in svg and "grp-b" in svg
    code, _, err = run_cli(
        [
            "report",
            "sample:digits",
            "--labels",
            str(tmp_path / "t.csv"),
            "--projection",
            "pca",
            "--explain",
            "none",
            "--out",
            str(tmp_path / "r.html"),
        ],
        capsys,
    )
    assert code == 0, err
    html = (tmp_path / "r.html").read_text()
    assert "grp-a" in html and "grp-b" in html


def test_truth_file_keeps_its_class_names(tmp_path, capsys, km_labels):
    km_labels.to_csv(tmp_path / "km.csv", index=False)
    digits = load_input("sample:digits")
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])
    truth = pd.DataFrame({"row": np.arange(1797), "label": names[digits.metadata["label"].to_numpy()]})
    truth.sample(frac=1, random_state=0).to_csv(tmp_path / "truth.csv", index=False)
    with_names = _ari(capsys, tmp_path / "km.csv")
    code, out, err = run_cli(
        [
            "compare",
            "sample:digits",
            "--labels",
            str(tmp_path / "km.csv"),
            "--truth",
            str(tmp_path / "truth.csv"),
            "--json",
        ],
        capsys,
    )
    assert code == 0 and json.loads(out)["ari"][0][1] == pytest.approx(with_names)
    code, _, err = run_cli(
        [
            "report",
            "sample:digits",
            "--labels",
            str(tmp_path / "km.csv"),
            "--truth",
            str(tmp_path / "truth.csv"),
            "--projection",
            "pca",
            "--explain",
            "none",
            "--out",
            str(tmp_path / "r.html"),
        ],
        capsys,
    )
    assert code == 0, err
    assert "seven" in (tmp_path / "r.html").read_text()


# --- any permutation gives identical results -----------------------------------------------------------------


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_any_permutation_gives_identical_compare_report_and_export(tmp_path_factory, capsys, km_labels, seed):
    folder = tmp_path_factory.mktemp("perm")
    order = np.random.default_rng(seed).permutation(len(km_labels))
    results = []
    for name, frame in (("a", km_labels), ("b", km_labels.iloc[order])):
        (folder / name).mkdir()
        path = str(folder / name / "km.csv")
        frame.to_csv(path, index=False)
        code, out, err = run_cli(["compare", "sample:digits", "--labels", path, "--truth", "label", "--json"], capsys)
        assert code == 0, err
        payload = json.loads(out)
        export = folder / f"{name}-export.csv"
        assert run_cli(["export", "sample:digits", "--labels", path, "--out", str(export)], capsys)[0] == 0
        report = folder / f"{name}.html"
        args = [
            "report",
            "sample:digits",
            "--labels",
            path,
            "--truth",
            "label",
            "--projection",
            "pca",
            "--explain",
            "none",
        ]
        assert run_cli([*args, "--title", "t", "--out", str(report)], capsys)[0] == 0
        html = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", report.read_text()).replace(path, "")  # not the time made
        results.append((payload["ari"], payload["ami"], export.read_bytes(), html))
    assert results[0] == results[1]


# --- exports: computed columns win, spreadsheet formulas neutralised ------------------------------------------


def test_export_never_passes_metadata_off_as_the_runs_own_columns(tmp_path):
    from clustering.reports.export import joined_labels, write_table

    metadata = pd.DataFrame(
        {
            "confidence": [0.9] * 6,
            "cluster": ["m"] * 6,
            "title": ['=HYPERLINK("http://x")', "+1", "-2", "@a", "ok", "\tx"],
        }
    )
    data = Dataset(np.arange(12, dtype=np.float32).reshape(6, 2), metadata=metadata)
    frame = joined_labels(data, np.array([0, 0, 1, 1, -1, 1]), cluster_names={0: "=cmd|' /C calc'!A0"})
    assert list(frame.columns[:3]) == ["id", "cluster", "cluster_name"] and "confidence" not in frame.columns
    assert {"metadata_confidence", "metadata_cluster"} <= set(frame.columns)
    write_table(frame, tmp_path / "e.csv")
    written = pd.read_csv(tmp_path / "e.csv", keep_default_na=False)
    assert written["title"].tolist() == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@a", "ok", "'\tx"]
    assert written["cluster_name"][0] == "'=cmd|' /C calc'!A0" and written["cluster"].tolist() == [0, 0, 1, 1, -1, 1]


def test_explain_and_perceive_read_a_sorted_file_as_the_plain_one(tmp_path, capsys, km_labels):
    km_labels.to_csv(tmp_path / "km.csv", index=False)
    km_labels.sort_values("cluster", kind="stable").to_csv(tmp_path / "s.csv", index=False)
    rules, verdicts = [], []
    for name in ("km", "s"):
        labels = str(tmp_path / f"{name}.csv")
        out = tmp_path / f"{name}.json"
        code, _, err = run_cli(
            ["explain", "sample:digits", "--labels", labels, "--space", "pca", "--out", str(out)], capsys
        )
        assert code == 0, err
        found = json.loads(out.read_text())
        rules.append((found["accuracy"], [c["rule"] for c in found["clusters"]]))
        code, printed, err = run_cli(
            ["perceive", "sample:digits", "--labels", labels, "--projection", "pca", "--json"], capsys
        )
        assert code == 0, err
        verdicts.append((json.loads(printed)["ari"], json.loads(printed)["verdicts"]))
    assert rules[0] == rules[1] and verdicts[0] == verdicts[1]


@pytest.mark.parametrize("marker", ["NA", "N/A", "", "nan", "null", "NULL", "<NA>"])
def test_missing_markers_in_a_truth_file_are_missing_not_a_class(marker, capsys):
    """A truth file written by pandas (`NA`) or by hand: those rows are left out of the scores, and said."""
    from clustering.evaluate.metrics import agreement

    data = _tiny()
    truth_values = ["a", "a", marker, "b", "b", marker]
    found = read_label_file(_write(pd.DataFrame({"row": range(6), "label": truth_values})), data, truth=True)
    assert found.missing == 2 and found.labels.tolist().count(-1) == 2
    assert set(found.names.values()) == {"a", "b"}
    scores = agreement(found.labels, np.array([0, 0, 1, 1, 1, 0]))
    assert scores["n_labelled"] == 4


def test_missing_markers_in_a_truth_column_are_missing():
    from clustering.data import encode_labels

    codes = encode_labels(pd.Series(["x", "NA", "y", "N/A", "null", None, "x"]))
    assert codes.tolist() == [0, -1, 1, -1, -1, -1, 0]


def test_labels_far_above_the_row_count_are_renumbered_and_named():
    found = read_label_file(
        _write(pd.DataFrame({"row": range(6), "cluster": [2**31 - 1, 5, 5, -1, 5, 2**31 - 1]})), _tiny()
    )
    assert found.labels.tolist() == [1, 0, 0, -1, 0, 1]
    assert found.names == {0: "5", 1: str(2**31 - 1)}


def _keyed():
    metadata = pd.DataFrame({"sku": ["7", "8", "9", "10", "11", "12"]})
    return Dataset(np.arange(12, dtype=np.float32).reshape(6, 2), metadata=metadata, id_column="sku")


def test_unknown_ids_are_shown_as_written_and_zero_padding_is_named():
    frame = pd.DataFrame({"sku": ["007", "8", "9", "10", "11", "12.0"], "cluster": [0, 0, 1, 1, 2, 2]})
    with pytest.raises(DataError) as error:
        read_label_file(_write(frame), _keyed())
    message = str(error.value)
    assert "(007, 12.0)" in message and "'007' is not '7'" in message and "without leading zeros" in message


@pytest.mark.parametrize(
    "option, advice",
    [(None, "--allow-unlabelled"), ("labels:", "allow_unlabelled: true"), ("app", "tick 'Leave data rows")],
)
def test_advice_names_a_choice_that_exists_where_the_file_was_given(option, advice):
    frame = pd.DataFrame({"row": [0, 1, 2], "cluster": [0, 0, 1]})
    with pytest.raises(DataError, match=re.escape(advice)):
        read_label_file(_write(frame), _tiny(), option=option)


def test_the_tools_own_labels_output_reads_back_when_an_id_is_blank(tmp_path, capsys):
    """`cluster --out` writes `row` and the data's key; a blank key value must not make it unreadable."""
    pd.DataFrame(
        {"sku": ["a1", "", "c3", "d4", "e5", "f6"], "x": [0, 0, 1, 5, 5, 6.0], "y": [0, 1, 0, 5, 6, 5.0]}
    ).to_csv(tmp_path / "data.csv", index=False)
    code, _, err = run_cli(
        [
            "cluster",
            str(tmp_path / "data.csv"),
            "--key",
            "sku",
            "--method",
            "kmeans",
            "--param",
            "n_clusters=2",
            "--out",
            str(tmp_path / "labels.csv"),
        ],
        capsys,
    )
    assert code == 0, err
    data = load_input(str(tmp_path / "data.csv"), key="sku")
    found = read_label_file(tmp_path / "labels.csv", data)
    assert found.id_column == "row" and (found.labels >= 0).all()
