"""YAML configs: no aliases, no duplicate keys, a schema with the closest valid key named, bounded sizes."""

from __future__ import annotations

import pytest

from clustering.cli import main
from clustering.store import ConfigError, DatasetRef, Store, load_config
from clustering.store.export import export_config

GOOD_RUN = "runs:\n  - {name: km, method: kmeans, params: {n_clusters: 3}}\n"


def write(tmp_path, text, name="c.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def refused(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert message in str(error.value), str(error.value)
    return str(error.value)


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    text = "\n".join(lines) + "\ndata: {path: sample:digits}\nruns:\n  - {name: *a9, method: kmeans}\n"
    refused(tmp_path, text, "anchors and aliases (&, *) are not accepted")


def test_duplicate_keys_are_refused(tmp_path):
    message = refused(
        tmp_path, "data: {path: sample:digits}\n" + GOOD_RUN + "runs: []\n", "the key 'runs' appears twice"
    )
    assert "line 4" in message
    refused(tmp_path, "data: {path: sample:digits, path: sample:pbmc}\n" + GOOD_RUN, "the key 'path' appears twice")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "data: {path: sample:digits}\nruns:\n  - {method: kmeans, param: {n_clusters: 3}}\n",
            "unknown key 'param'; did you mean 'params'?",
        ),
        ("data: {path: sample:digits, preproces: none}\n" + GOOD_RUN, "did you mean 'preprocess'?"),
        ("data: {path: sample:digits}\nrun:\n  - {method: kmeans}\n", "did you mean 'runs'?"),
        ("data: {path: x.npy, drop_nonfinite: 'false'}\n" + GOOD_RUN, "drop_nonfinite: true or false (without quotes)"),
        ("data: {path: sample:digits, columns: [a, b]}\n" + GOOD_RUN, "applies to files only"),
        ("data: {path: sample:digits, key: X}\n" + GOOD_RUN, "applies to files only"),
        ("data: {path: x.csv, columns: 5}\n" + GOOD_RUN, "columns: a list of column names"),
        ("data: {path: x.csv, columns: [a, 5]}\n" + GOOD_RUN, "each column is a name"),
        ("data: {path: 5}\n" + GOOD_RUN, "path: a file path or sample:NAME"),
        ("data: {path: sample:digits}\nruns:\n  - {method: [kmeans]}\n", "method: a method name"),
        ("data: {path: sample:digits}\n" + GOOD_RUN + "versions: [1, 2]\n", "versions: a mapping"),
        ("data: {path: sample:digits}\nruns:\n  - {method: kmeans, name: [a]}\n", "name: text"),
    ],
)
def test_the_schema_names_the_mistake(tmp_path, text, message):
    refused(tmp_path, text, message)


def test_deep_yaml_is_refused_without_a_recursion_error(tmp_path):
    refused(
        tmp_path,
        "data: {path: sample:digits}\n" + GOOD_RUN + "versions: " + "[" * 5000 + "]" * 5000 + "\n",
        "nested more than 16 levels",
    )


def test_too_many_runs_and_too_large_files_are_refused(tmp_path, monkeypatch):
    runs = "".join("  - {method: kmeans}\n" for _ in range(501))
    refused(
        tmp_path,
        "data: {path: sample:digits}\nruns:\n" + runs,
        "501 runs is over the limit of 500 (setting CLUSTERLAB_CONFIG_MAX_RUNS)",
    )
    monkeypatch.setenv("CLUSTERLAB_CONFIG_MAX_KB", "1")
    refused(tmp_path, "data: {path: sample:digits}\nruns:\n" + runs, "over the 1 KB limit")


def test_the_cli_says_one_line(tmp_path, capsys):
    path = write(tmp_path, "data: {path: sample:digits}\nruns:\n  - {method: kmeans, param: {n_clusters: 3}}\n")
    assert main(["run", str(path), "--project", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "did you mean 'params'" in err


def test_export_of_repeated_run_names_re_runs(tmp_path, monkeypatch):
    from clustering.io.samples import load_input
    from clustering.run.pipeline import run
    from clustering.store.data_refs import reference

    store = Store(tmp_path / "home")
    digits = load_input("sample:digits")
    store.create("p", reference(digits, "sample:digits"))
    for seed in (0, 1):
        store.add_run("p", run(digits, "kmeans", {"n_clusters": 3}, seed=seed), "km")
    text = export_config(store, "p")
    config = load_config(write(tmp_path, text, "e.yaml"))
    assert [r.name for r in config.runs] == ["km", "km (2)"] and [r.seed for r in config.runs] == [0, 1]


def test_good_configs_still_load(tmp_path):
    config = load_config(write(tmp_path, "data: {path: x.csv, columns: 'a, b', drop_nonfinite: true}\n" + GOOD_RUN))
    assert config.data == DatasetRef(source="x.csv", columns=("a", "b"), drop_nonfinite=True)
    assert config.runs[0].params == {"n_clusters": 3}
