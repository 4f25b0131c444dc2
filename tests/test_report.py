"""Reports, figures and joined label tables: contents, safety (in Chromium, offline) and the CLI."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree

import numpy as np
import pandas as pd
import pytest
from browser import CHROMIUM_ARGS, chromium_path

from clustering.cli import main
from clustering.data import Dataset, column_kinds
from clustering.evaluate.profiles import cluster_profiles
from clustering.limits import FIGURE_VECTOR_POINTS
from clustering.reports import ReportOptions, ReportRun, build_report, script_json
from clustering.reports.export import joined_labels, write_table
from clustering.reports.figures import figure_bytes, heatmap_figure, scatter_figure
from clustering.visual.colours import colour_codes

PAYLOADS = [
    "<script>window.__pwned = 1</script>",
    '<img src=x onerror="window.__pwned = 2">',
    "</script><script>window.__pwned = 3</script>",
    "[click](javascript:window.__pwned=4)",
    "\u2028<svg onload=window.__pwned=5>",
    "{{ 7 * 7 }}",
]


def hostile_dataset(n: int = 240) -> tuple[Dataset, np.ndarray]:
    """Three blobs whose every metadata value, column name and name is an injection attempt."""
    rng = np.random.default_rng(0)
    truth = np.repeat([0, 1, 2], n // 3)
    vectors = rng.normal(size=(n, 6)).astype(np.float32) + truth[:, None] * 6
    metadata = pd.DataFrame(
        {
            PAYLOADS[1]: [PAYLOADS[i % len(PAYLOADS)] for i in range(n)],  # a column named as an attack
            "kind": [PAYLOADS[t] for t in truth],  # categories: appear in legends, profiles and contingency tables
            "price": rng.normal(size=n) * 10 + truth * 50,
        }
    )
    dataset = Dataset(
        vectors,
        metadata,
        name=PAYLOADS[0],
        source=PAYLOADS[2],
        feature_names=[f"f{j}{PAYLOADS[1] if j == 0 else ''}" for j in range(6)],
    )
    return dataset, truth


def test_script_json_cannot_end_its_script_block():
    value = {"a": "</script><!-- <script>", "b": "\u2028\u2029 & > <", PAYLOADS[1]: [1.5, float("nan")]}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {**value, PAYLOADS[1]: [1.5, None]}


def test_profiles_show_what_sets_each_cluster_apart():
    metadata = pd.DataFrame(
        {
            "colour": ["red"] * 8 + ["blue"] * 2 + ["blue"] * 10,
            "price": list(range(20)),
            "id": [f"p{i}" for i in range(20)],
        }
    )
    labels = np.array([0] * 10 + [1] * 9 + [-1])
    kinds = column_kinds(metadata)
    assert kinds == {"colour": "category", "price": "number", "id": "id"}
    profiles = cluster_profiles(metadata, labels, np.arange(20, dtype=np.float32)[:, None])
    first = profiles[0]
    assert first.cluster == 0 and first.size == 10
    assert first.categories[0]["values"][0][:2] == ("red", 0.8)
    assert first.medians[0]["median"] == pytest.approx(4.5)
    assert first.exemplars[0] in (4, 5)  # nearest the cluster's mean
    assert [p.cluster for p in profiles] == [0, 1]  # noise is not a cluster


def test_report_of_two_runs_with_truth_holds_every_part(tmp_path):
    from clustering.io.samples import load_sample
    from clustering.run.pipeline import run

    data = load_sample("digits")
    runs = []
    for method, params in (("kmeans", {"n_clusters": 10}), ("leiden", {})):
        result = run(data, method, params, seed=0, preprocess="standardize")
        runs.append(
            ReportRun(
                name=method,
                labels=result.labels,
                method=method,
                params=result.params,
                seed=0,
                preprocess="standardize",
                versions=result.versions,
                seconds=result.seconds,
                cluster_names={0: "zeros & <friends>"} if method == "kmeans" else {},
            )
        )
    html = build_report(data, runs, ReportOptions(title="Digits", truth="label", projection="pca"))
    for part in (
        "Dataset",
        "Scatter",
        "Comparison",
        "Run: kmeans",
        "Run: leiden",
        "Contingency: kmeans",
        data.fingerprint,
        "n_clusters=10",
        "ari",
        "precision",
        "recall",
        "Exemplars",
    ):
        assert part in html, part
    assert "zeros &amp; &lt;friends&gt;" in html and "<friends>" not in html
    assert html.count("<tr><th>Against the truth</th>") == 2
    assert "data:image/png;base64," in html  # digit exemplars drawn as images
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    payload = json.loads(
        re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S).group(1)
    )
    assert len(payload["xy"]) == 4 * ((8 * data.n + 2) // 3)  # float32 pairs, base64: binary, not JSON numbers
    assert [view["name"] for view in payload["views"]][:3] == ["run: kmeans", "run: leiden", "truth: label"]
    # each view names its groups on the map: one label per cluster (noise has none), largest first
    labels = payload["views"][0]["labels"]
    assert len(labels) == 10 and labels[0]["rows"] == max(label["rows"] for label in labels)
    assert "zeros & <friends>" in [label["text"] for label in labels]  # as data, escaped by the JSON block
    # what sets each cluster apart: its digit first among the significant differences
    assert "Sets it apart" in html
    assert len(re.findall(r"<div>label = \d: \d+% against \d+% \(large\)</div>", html)) >= 10


def test_report_at_scale_packs_coordinates(tmp_path):
    rng = np.random.default_rng(1)
    n = 20_000
    data = Dataset(
        rng.normal(size=(n, 4)).astype(np.float32),
        pd.DataFrame({"group": rng.integers(0, 5, n).astype(str)}),
        name="wide",
    )
    labels = rng.integers(-1, 8, n)
    html = build_report(
        data,
        [ReportRun("r", labels)],
        ReportOptions(projection="pca", explain="none"),
        xy=rng.normal(size=(n, 2)).astype(np.float32),
    )
    per_point = len(html.encode()) / n
    assert per_point < 60, per_point  # xy (8 bytes) + codes (2 per view) + short hover text, base64


def test_figures_are_valid_files_of_the_asked_size():
    from PIL import Image

    rng = np.random.default_rng(0)
    small, large = rng.normal(size=(300, 2)), rng.normal(size=(FIGURE_VECTOR_POINTS.whole() + 1000, 2))
    for xy in (small, large):
        codes, legend = colour_codes(rng.integers(-1, 4, len(xy)))
        png = figure_bytes(scatter_figure(xy, codes, legend, title="t", width=5, height=4), "png", dpi=60)
        image = Image.open(__import__("io").BytesIO(png))
        assert image.format == "PNG" and image.size == (300, 240)
        svg = figure_bytes(scatter_figure(xy, codes, legend, title="t"), "svg")
        root = ElementTree.fromstring(svg)
        assert root.tag.endswith("svg")
        images = svg.count(b"<image")
        assert images == (1 if len(xy) > FIGURE_VECTOR_POINTS.whole() else 0)  # rasterised points only above the limit
    svg = figure_bytes(heatmap_figure(np.eye(3), ["a", "b", "<c>"], ["a", "b", "<c>"], title="ARI"), "svg")
    assert b"&lt;c&gt;" in svg
    ElementTree.fromstring(svg)
    with pytest.raises(ValueError, match="dpi"):
        figure_bytes(heatmap_figure(np.eye(2), ["a", "b"], ["a", "b"]), "png", dpi=5000)


def test_joined_labels_keep_ids_names_confidence_and_metadata(tmp_path):
    data = Dataset(
        np.zeros((4, 2), dtype=np.float32),
        pd.DataFrame({"pid": ["a", "b", "c", "d"], "cluster": [9, 9, 9, 9], "price": [1.0, 2, 3, 4]}),
        id_column="pid",
    )
    frame = joined_labels(
        data, np.array([0, 0, 1, -1]), cluster_names={0: "cheap"}, confidence=np.array([0.9, 0.8, 0.7, 0.0])
    )
    assert list(frame.columns) == ["id", "cluster", "cluster_name", "confidence", "metadata_cluster", "price"]
    assert frame["id"].tolist() == ["a", "b", "c", "d"]
    assert frame["cluster_name"].tolist() == ["cheap", "cheap", "", "noise"]
    write_table(frame, tmp_path / "j.parquet")
    write_table(frame, tmp_path / "j.csv")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "j.parquet"), frame)
    assert pd.read_csv(tmp_path / "j.csv", keep_default_na=False)["cluster_name"].tolist()[-1] == "noise"
    with pytest.raises(ValueError, match="csv or .parquet"):
        write_table(frame, tmp_path / "j.xlsx")


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_report_figure_and_export(tmp_path, capsys):
    for method, extra in (("kmeans", ["--param", "n_clusters=10"]), ("gmm", ["--param", "n_components=10"])):
        code, _, err = run_cli(
            [
                "cluster",
                "sample:digits",
                "--method",
                method,
                *extra,
                "--seed",
                "0",
                "--out",
                str(tmp_path / f"{method}.csv"),
            ],
            capsys,
        )
        assert code == 0, err
    labels = [str(tmp_path / "kmeans.csv"), str(tmp_path / "gmm.csv")]
    code, out, err = run_cli(
        [
            "report",
            "sample:digits",
            "--labels",
            *labels,
            "--truth",
            "label",
            "--projection",
            "pca",
            "--title",
            "Two runs",
            "--out",
            str(tmp_path / "r.html"),
        ],
        capsys,
    )
    assert code == 0, err
    html = (tmp_path / "r.html").read_text()
    assert "<title>Two runs</title>" in html and "Run: kmeans" in html and "Run: gmm" in html
    code, out, err = run_cli(
        [
            "figure",
            "sample:digits",
            "--labels",
            labels[0],
            "--truth",
            "label",
            "--projection",
            "pca",
            "--dpi",
            "50",
            "--width",
            "4",
            "--height",
            "3",
            "--out",
            str(tmp_path / "s.png"),
        ],
        capsys,
    )
    assert code == 0, err
    from PIL import Image

    assert Image.open(tmp_path / "s.png").size == (200, 150)
    code, out, err = run_cli(
        ["export", "sample:digits", "--labels", labels[1], "--out", str(tmp_path / "j.parquet")], capsys
    )
    assert code == 0, err
    joined = pd.read_parquet(tmp_path / "j.parquet")
    assert list(joined.columns) == ["id", "cluster", "cluster_name", "confidence", "label"] and len(joined) == 1797
    assert joined["confidence"].between(0, 1).all()


@pytest.mark.parametrize(
    "args, message",
    [
        (["report", "sample:digits", "--out", "{tmp}/r.html"], "either --labels"),
        (["report", "sample:digits", "--labels", "{tmp}/missing.csv", "--out", "{tmp}/r.html"], "no such file"),
        (["report", "sample:digits", "--labels", "{tmp}/l.csv", "--out", "{tmp}/l.csv"], "also an input"),
        (["report", "sample:digits", "--labels", "{tmp}/l.csv", "--out", "{tmp}/r.txt"], ".html"),
        (["report", "sample:digits", "--labels", "{tmp}/l.csv", "--truth", "nope", "--out", "{tmp}/r.html"], "nope"),
        (["report", "--project", "no-such-project", "--out", "{tmp}/r.html"], "no project"),
        (["figure", "sample:digits", "--labels", "{tmp}/l.csv", "--out", "{tmp}/s.jpg"], ".png or .svg"),
        (
            ["figure", "sample:digits", "--labels", "{tmp}/short.csv", "--out", "{tmp}/s.png"],
            "1,795 of the data's 1,797 rows have no label",
        ),
        (["export", "sample:digits", "--labels", "{tmp}/l.csv", "--out", "{tmp}/j.json"], ".csv or .parquet"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys, args, message):
    pd.DataFrame({"row": np.arange(1797), "cluster": np.zeros(1797, dtype=int)}).to_csv(tmp_path / "l.csv", index=False)
    pd.DataFrame({"row": [0, 1], "cluster": [0, 1]}).to_csv(tmp_path / "short.csv", index=False)
    code, out, err = run_cli([a.replace("{tmp}", str(tmp_path)) for a in args], capsys)
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err


def test_cli_report_of_a_project_uses_names_rules_and_kept_layout(tmp_path, capsys):
    from clustering.store import Store

    config = tmp_path / "digits.yaml"
    config.write_text(
        "data:\n  path: sample:digits\n  preprocess: standardize\nruns:\n"
        "  - {name: km, method: kmeans, params: {n_clusters: 10}, seed: 0}\n"
        "  - {name: gm, method: gmm, params: {n_components: 10}, seed: 0}\n"
    )
    code, _, err = run_cli(["run", str(config), "--project", "report-test"], capsys)
    assert code == 0, err
    store = Store()
    run_id = store.project("report-test")["runs"][0].id
    store.name_cluster("report-test", run_id, 3, "round <ones>")
    store.save_explanation(
        "report-test",
        run_id,
        {"method": "imm"},
        {
            "method": "imm",
            "space": "pixels",
            "accuracy": 0.5,
            "clusters": [{"cluster": 3, "rule": "pixel(1,1) ≤ 2", "precision": 0.25, "recall": 0.75, "size": 10}],
        },
    )
    out_path = tmp_path / "p.html"
    code, out, err = run_cli(
        [
            "report",
            "--project",
            "report-test",
            "--runs",
            "km",
            "--projection",
            "pca",
            "--truth",
            "label",
            "--out",
            str(out_path),
        ],
        capsys,
    )
    assert code == 0, err
    html = out_path.read_text()
    assert "Run: km" in html and "Run: gm" not in html
    assert "round &lt;ones&gt;" in html and "pixel(1,1) ≤ 2" in html and "precision 0.25" in html
    assert store.layout("report-test", "pca", "standardize", 0, 1797) is None  # a report never writes the store


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed (make browser)")
def test_hostile_report_runs_nothing_offline_and_draws(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    data, truth = hostile_dataset()
    runs = [
        ReportRun(
            name=PAYLOADS[2],
            labels=truth,
            method=PAYLOADS[1],
            params={PAYLOADS[0]: PAYLOADS[3]},
            cluster_names={0: PAYLOADS[1], 1: PAYLOADS[3], 2: PAYLOADS[4]},
        ),
        ReportRun(name=PAYLOADS[4], labels=np.where(truth == 2, 1, truth)),
    ]
    data.metadata["truth"] = truth
    html = build_report(data, runs, ReportOptions(title=PAYLOADS[0], truth="kind", projection="pca", perception=True))
    path = tmp_path / "hostile.html"
    path.write_text(html)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(offline=True, viewport={"width": 1300, "height": 1000})
        requests, problems = [], []
        context.route(
            "**/*",
            lambda route: (
                requests.append(route.request.url),
                route.continue_() if route.request.url.startswith("file:") else route.abort(),
            ),
        )
        page = context.new_page()
        page.on("dialog", lambda dialog: (problems.append(f"dialog {dialog.message}"), dialog.dismiss()))
        page.on(
            "console",
            lambda message: (
                problems.append(message.text)
                if "Content Security Policy" in message.text or message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"page error {error}"))
        page.goto(path.as_uri())
        frame = page.frame_locator("#scatter-frame")
        frame.locator("canvas#plot[data-ready='1']").wait_for(state="attached", timeout=30_000)
        assert frame.locator("#status").inner_text().startswith(f"{data.n:,} points")
        # the clusters' names are on the map (canvas text, never HTML), one per cluster that fits
        assert int(frame.locator("canvas#plot").get_attribute("data-labels-placed")) >= 2
        # the scatter really drew: a point's pixel differs from the white background
        xy = page.frames[1].evaluate("() => window.__scatterPoint(0)")
        page.frames[1].mouse.move if False else None  # noqa: B018  (hover through the page below)
        box = page.locator("#scatter-frame").bounding_box()
        page.mouse.move(box["x"] + xy[0], box["y"] + xy[1])
        frame.locator("#tip").wait_for(state="visible", timeout=10_000)
        tip = frame.locator("#tip").inner_text()
        assert any(payload.strip() in tip for payload in PAYLOADS), tip  # hover shows the payload as text
        legend = frame.locator("#legend").inner_text()
        assert PAYLOADS[1] in legend  # a cluster name shown as text in the legend
        page.select_option("#colour-by", index=2)  # truth: the categories' own names
        frame.locator("#legend", has_text=PAYLOADS[0]).wait_for(timeout=10_000)
        text = page.locator("main").inner_text()
        for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[3], "{{ 7 * 7 }}"):
            assert payload in text, payload  # every attack is on screen as plain text
        assert page.evaluate("() => window.__pwned") is None
        assert page.frames[1].evaluate("() => window.__pwned") is None
        assert page.locator("img[src='x'], svg[onload], a[href^='javascript']").count() == 0
        assert page.locator("script").count() == 2  # the data block and the report's own script
        assert problems == [], problems
        assert [url for url in requests if not url.startswith("file:")] == []
        page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
        browser.close()


def test_cli_project_labels_joined_with_metadata_as_parquet(tmp_path, capsys):
    config = tmp_path / "d.yaml"
    config.write_text(
        "data:\n  path: sample:digits\nruns:\n  - {name: km, method: kmeans, params: {n_clusters: 10}, seed: 0}\n"
    )
    assert run_cli(["run", str(config), "--project", "joined-test"], capsys)[0] == 0
    out = tmp_path / "km.parquet"
    code, _, err = run_cli(["project", "labels", "joined-test", "--run", "km", "--metadata", "--out", str(out)], capsys)
    assert code == 0, err
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["id", "cluster", "cluster_name", "confidence", "label"] and len(frame) == 1797


@pytest.mark.browser
@pytest.mark.skipif(chromium_path() is None, reason="Debian chromium is not installed (make browser)")
def test_ten_thousand_clusters_are_drawn_in_colour_with_a_counted_legend(tmp_path):
    """10,000 clusters once drew every point black: a one-row palette texture over the GPU's size limit."""
    import matplotlib.image

    playwright = pytest.importorskip("playwright.sync_api")
    n = 20_000
    x = np.random.default_rng(0).normal(size=(n, 2)).astype(np.float32)
    run = ReportRun(name="many", labels=np.arange(n) % 10_000)
    path = tmp_path / "many.html"
    path.write_text(build_report(Dataset(x), [run], ReportOptions(projection="given", explain="none")))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_context(offline=True, viewport={"width": 1300, "height": 1000}).new_page()
        page.goto(path.as_uri())
        frame = page.frame_locator("#scatter-frame")
        frame.locator("canvas#plot[data-ready='1']").wait_for(state="attached", timeout=30_000)
        frame.locator("canvas#plot").screenshot(path=str(tmp_path / "canvas.png"))
        legend = frame.locator("#legend").inner_text()
        browser.close()
    pixels = (matplotlib.image.imread(tmp_path / "canvas.png")[..., :3] * 255).astype(int).reshape(-1, 3)
    drawn = pixels[~(pixels > 240).all(axis=1)]
    assert len(drawn) > 1000
    assert (drawn < 40).all(axis=1).mean() < 0.05  # the old texture drew 88% of them black
    assert len(np.unique(drawn, axis=0)) > 1000
    assert "300 of 10,000 groups listed" in legend


def test_report_says_how_sure_it_is(tmp_path):
    """Level tree, a kept suggestion's ladder, a consensus against its members and each run's confidence with its
    reliability; names that are injection attempts stay text."""
    from clustering.evidence.consensus import consensus_result
    from clustering.run.levels import ladder_levels
    from clustering.run.suggest import suggest

    dataset, truth = hostile_dataset()
    levels = ladder_levels(dataset, "leiden", (0.05, 0.5, 2.0))
    runs = [
        ReportRun(
            name=PAYLOADS[i],
            labels=r.labels,
            method="leiden",
            params=r.params,
            run_id=f"id{i}",
            confidence=r.confidence(),
            confidence_note=r.info["confidence"],
        )
        for i, r in enumerate(levels)
    ]
    together = consensus_result(dataset, [(run.run_id, run.labels) for run in runs])
    runs.append(
        ReportRun(
            name="agreed",
            labels=together.labels,
            method="consensus",
            params=together.params,
            confidence=together.confidence(),
        )
    )
    found = suggest(dataset, "leiden", values=[0.05, 0.5, 2.0], repeats=2, truth=truth, n_jobs=1)
    dataset = dataset.with_metadata(truth=truth)
    html = build_report(
        dataset, runs, ReportOptions(truth="truth", projection="pca", explain="none", suggestion=found.summary())
    )
    section = html[
        html.index('<section id="how-sure">') : html.index("</section>", html.index('<section id="how-sure">'))
    ]
    assert "How sure is this?" in section and '<a href="#how-sure">' in html
    tree = section[section.index('class="figure level-tree"') :]
    tree = tree[: tree.index("</svg>")]
    assert tree.count("<circle") == sum(len(np.unique(run.labels[run.labels >= 0])) for run in runs)
    assert "Recommended: <b>resolution" in section and found.reason.split(":")[0] in section
    assert section.count('class="ladder-line"') == 3  # found again, agreement, ARI (the truth was given)
    assert "Consensus: agreed" in section and "ARI with each member in this report" in section
    assert section.count("expected calibration error") == len(runs)  # each run has a confidence; the truth is known
    assert "calibrated from neighbours" in section
    for payload in PAYLOADS[:3]:
        assert payload not in section  # run names are escaped in the tree and the confidence entries


def test_one_column_is_the_same_kind_on_every_page():
    """A 1-40 score in 1,000 rows was a category in profiles, a number in the filter charts and colours."""
    from clustering.data import Dataset, column_kind
    from clustering.visual.colours import colour_codes
    from clustering.visual.filters import chart_columns, filter_chart

    rng = np.random.default_rng(0)
    metadata = pd.DataFrame(
        {"score": rng.integers(1, 41, 1000), "price": rng.gamma(2, 30, 1000), "group": rng.choice(list("abc"), 1000)}
    )
    data = Dataset(vectors=rng.normal(size=(1000, 2)).astype(np.float32), metadata=metadata)
    assert column_kinds(metadata) == {"score": "category", "price": "number", "group": "category"}
    assert column_kind(metadata["score"]) == "category" and "score" in data.truth_candidates()
    assert filter_chart(metadata["score"], "score").kind == "category" and "score" in chart_columns(metadata)
    assert filter_chart(metadata["price"], "price").kind == "numeric" and "price" not in data.truth_candidates()
    _, score_legend = colour_codes(metadata["score"], noise_negative=False)
    _, price_legend = colour_codes(metadata["price"], noise_negative=False)
    assert len(score_legend) == 40 and len(price_legend) == 10  # 40 categories; a number in deciles
