"""HTML report at 10k and 100k points: build time, file size and time to a drawn scatter in Chromium (offline);
and `clusterlab report` of 1M x 32 rows from a parquet file in a cold process (UMAP layout by the library's one
rule: fitted on a sample, the rest placed; the scatter carries a 100,000-point sample), with the same peer.

Peer in the same run: plotly's self-contained scatter (`write_html(include_plotlyjs=True)`, WebGL `Scattergl`,
coloured by cluster with the same hover text), the usual way to hand over an interactive scatter today. Ours holds
much more (profiles, rules, comparisons, every colouring), so the ratios are conservative.
Writes benchmarks/results/report.json and one line per size.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM_ARGS, chromium_path  # noqa: E402

from clustering.data import Dataset  # noqa: E402
from clustering.reports import ReportOptions, ReportRun, build_report  # noqa: E402
from clustering.visual.colours import hover_lines  # noqa: E402


def dataset(n: int) -> tuple[Dataset, np.ndarray, np.ndarray]:
    from sklearn.datasets import make_blobs

    x, truth = make_blobs(n_samples=n, centers=12, n_features=32, cluster_std=2.0, random_state=0)
    rng = np.random.default_rng(0)
    metadata = pd.DataFrame(
        {
            "category": np.array(list("ABCDEFGHIJKL"))[truth],
            "price": rng.gamma(2, 20, n).round(2),
            "title": [f"item {i} of shelf {i % 97}" for i in range(n)],
        }
    )
    xy = (x[:, :2] + rng.normal(size=(n, 2))).astype(np.float32)
    return Dataset(x.astype(np.float32), metadata, name=f"blobs-{n}"), truth, xy


def cli_case(n: int, work: Path) -> dict:
    """`clusterlab report` in a cold process on n x 32 rows (parquet + labels file), and the plotly peer."""
    import subprocess

    import plotly.graph_objects as go

    data, truth, _ = dataset(n)
    frame = pd.DataFrame(data.vectors, columns=[f"emb_{j}" for j in range(data.d)])
    frame = pd.concat([frame, data.metadata], axis=1)
    frame.to_parquet(work / "data.parquet")
    pd.DataFrame({"row": np.arange(n), "cluster": truth}).to_csv(work / "labels.csv", index=False)
    command = [sys.executable, "-m", "clustering.cli", "report", str(work / "data.parquet")]
    command += ["--labels", str(work / "labels.csv"), "--truth", "category", "--out", str(work / "ours.html")]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    ours_build = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"clusterlab report failed: {done.stderr.strip()}")
    start = time.perf_counter()
    meta = data.metadata  # hover text for every point, as a plotly user writes it (hover_lines stops at 200k rows)
    hover = (
        "title: " + meta["title"] + "<br>category: " + meta["category"] + "<br>price: " + meta["price"].astype(str)
    ).tolist()
    xy = data.vectors[:, :2]
    figure = go.Figure(
        go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", text=hover, hoverinfo="text", marker=dict(color=truth))
    )
    figure.write_html(work / "plotly.html", include_plotlyjs=True)
    peer_build = time.perf_counter() - start
    ours_draw, peer_draw = draw_times(work / "ours.html", work / "plotly.html")
    return {
        "n": n,
        "cli": True,
        "ours": {
            "build_s": round(ours_build, 2),
            "mb": round((work / "ours.html").stat().st_size / 1e6, 2),
            "drawn_s": round(ours_draw, 2),
        },
        "plotly": {
            "build_s": round(peer_build, 2),
            "mb": round((work / "plotly.html").stat().st_size / 1e6, 2),
            "drawn_s": round(peer_draw, 2),
        },
    }


def draw_times(ours: Path, peer: Path) -> tuple[float, float]:
    """Seconds from opening each file (offline) to its scatter drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_context(offline=True, viewport={"width": 1300, "height": 1000}).new_page()
        start = time.perf_counter()
        page.goto(ours.as_uri())
        page.frame_locator("#scatter-frame").locator("canvas#plot[data-ready='1']").wait_for(
            state="attached", timeout=600_000
        )
        ours_draw = time.perf_counter() - start
        start = time.perf_counter()
        page.goto(peer.as_uri(), timeout=600_000)
        page.wait_for_function(
            "() => document.querySelector('.js-plotly-plot') && "
            "document.querySelector('.js-plotly-plot')._fullLayout !== undefined",
            timeout=600_000,
        )
        peer_draw = time.perf_counter() - start
        browser.close()
    return ours_draw, peer_draw


def say(row: dict) -> None:
    ours, peer = row["ours"], row["plotly"]
    kind = "clusterlab report (cold CLI, UMAP)" if row.get("cli") else "report"
    print(
        f"n={row['n']:,}: {kind} {ours['build_s']:.1f} s, {ours['mb']} MB, drawn in {ours['drawn_s']:.1f} s | plotly "
        f"scatter only {peer['build_s']:.1f} s, {peer['mb']} MB, drawn in {peer['drawn_s']:.1f} s | size ratio "
        f"{ours['mb'] / peer['mb']:.2f}, draw ratio {ours['drawn_s'] / max(peer['drawn_s'], 1e-9):.2f}"
    )


def main() -> None:
    import plotly.graph_objects as go

    from clustering.backends.kmeans import KMeans  # noqa: F401  (import cost outside the timings)

    out_dir = ROOT / "benchmarks" / "results"
    work = out_dir / "report-files"
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for n in () if "--million-only" in sys.argv else (10_000, 100_000):
        data, truth, xy = dataset(n)
        rng = np.random.default_rng(1)
        second = np.where(rng.random(n) < 0.1, rng.integers(0, 12, n), truth)
        runs = [ReportRun("truth-like", truth, method="given"), ReportRun("noisy", second, method="given")]
        data.metadata["truth"] = truth
        start = time.perf_counter()
        html = build_report(data, runs, ReportOptions(truth="category", projection="given"), xy=xy)
        ours_build = time.perf_counter() - start
        ours = work / f"ours-{n}.html"
        ours.write_text(html)

        start = time.perf_counter()
        hover = hover_lines(data.metadata, ["title", "category", "price"]).split("\n")
        figure = go.Figure(
            go.Scattergl(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="markers",
                text=hover,
                hoverinfo="text",
                marker=dict(color=truth, colorscale="Turbo", size=3),
            )
        )
        peer = work / f"plotly-{n}.html"
        figure.write_html(peer, include_plotlyjs=True)
        peer_build = time.perf_counter() - start

        ours_draw, peer_draw = draw_times(ours, peer)
        row = {
            "n": n,
            "ours": {
                "build_s": round(ours_build, 2),
                "mb": round(ours.stat().st_size / 1e6, 2),
                "drawn_s": round(ours_draw, 2),
            },
            "plotly": {
                "build_s": round(peer_build, 2),
                "mb": round(peer.stat().st_size / 1e6, 2),
                "drawn_s": round(peer_draw, 2),
            },
        }
        results.append(row)
        say(row)
    if "--no-million" not in sys.argv:
        row = cli_case(1_000_000, work)
        results.append(row)
        say(row)
    path = out_dir / "report.json"
    if path.exists():  # a partial run (--million-only, --no-million) keeps the other sizes' figures
        measured = {row["n"] for row in results}
        kept = [row for row in json.loads(path.read_text()).get("results", []) if row.get("n") not in measured]
        results = sorted(kept + results, key=lambda row: row["n"])
    path.write_text(json.dumps({"results": results, "machine_cores": __import__("os").cpu_count()}, indent=2))
    for path in work.iterdir():
        path.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
