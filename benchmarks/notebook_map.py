"""The notebook map against the app's scatter, side by side in one run, in headless Chromium: the same points
(benchmarks/scatter_page.py's 20 blobs with 5% noise) at 100k and 1M, drawn by `cl.Map` in JupyterLab and by the
app's component in Streamlit. For each: the first draw (from the data's arrival to the end of the WebGL draw) and
the frame gaps while the mouse pans and zooms (median and p95, requestAnimationFrame in the scatter's frame).
Writes benchmarks/results/notebook_map.json.
Usage: .venv/bin/python benchmarks/notebook_map.py [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import BENCHMARK_ARGS, StreamlitServer, chromium_path, free_port, pan_and_zoom  # noqa: E402

CELL = """import numpy as np
import clustering as cl
from clustering.data import Dataset
from clustering.result import ClusterResult

n = {n}
rng = np.random.default_rng(0)  # benchmarks/scatter_page.py's points
centres = rng.normal(scale=10, size=(20, 2))
labels = rng.integers(0, 20, size=n)
xy = (centres[labels] + rng.normal(size=(n, 2))).astype(np.float32)
labels[rng.random(n) < 0.05] = -1
data = Dataset(xy)
given = ClusterResult(labels, "given", {{}}, None, "none", data.fingerprint)
res = cl.Clustering(data, given)
m = cl.Map(res, xy=xy)
m"""


def pan(page, frame, box: dict) -> dict:
    """Drag across the map and wheel-zoom, as benchmarks/app_scatter.py does; frame gaps meanwhile."""
    frame.evaluate(
        "() => { window.__gaps = []; let last = performance.now(); window.__panning = true;"
        " const f = (t) => { window.__gaps.push(t - last); last = t; if (window.__panning) requestAnimationFrame(f); };"
        " requestAnimationFrame(f); }"
    )
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    seconds = pan_and_zoom(page, cx, cy)
    time.sleep(0.3)
    gaps = frame.evaluate("() => { window.__panning = false; return window.__gaps.slice(1); }")
    return {
        "pan_seconds": seconds,
        "frame_ms_median": statistics.median(gaps),
        "frame_ms_p95": sorted(gaps)[int(0.95 * (len(gaps) - 1))],
        "frames": len(gaps),
    }


def app_row(browser, url: str, n: int) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    start = time.perf_counter()
    page.goto(f"{url}/?n={n}")
    page.frame_locator("iframe[title*='clusterlab_scatter']").locator("canvas#plot[data-ready='1']").wait_for(
        state="attached", timeout=300_000
    )
    seconds = time.perf_counter() - start
    frame = next(f for f in page.frames if "clusterlab_scatter" in (f.url or ""))
    stats = frame.evaluate("() => window.__scatterStats")
    row = {"n": n, "where": "app", "first_draw_ms": stats["totalMs"], "open_seconds": seconds}
    row.update(pan(page, frame, frame.locator("#plot").bounding_box()))
    page.close()
    return row


def widget_row(browser, url: str, n: int) -> dict:
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.goto(f"{url}/lab/tree/map-{n}.ipynb")
    cell = page.locator(".jp-Notebook .jp-CodeCell").first
    cell.wait_for(timeout=120_000)
    prompt = cell.locator(".jp-InputPrompt")
    start = time.perf_counter()
    # Run is pressed again until the prompt shows [*] or a count: one pressed while the kernel starts is dropped
    while not re.search(r"\[(\*|\d+)\]", prompt.inner_text()) and time.perf_counter() - start < 120:
        cell.locator(".jp-InputArea-editor").click()
        page.locator("[data-command='notebook:run-cell-and-select-next']").first.click()  # the toolbar's Run
        time.sleep(1)
    try:
        page.frame_locator("iframe[title='clusterlab map']").locator("canvas#plot[data-ready='1']").wait_for(
            state="attached", timeout=300_000
        )
    except Exception:
        page.screenshot(path=f"/tmp/notebook-map-{n}.png")
        raise
    seconds = time.perf_counter() - start
    frame = next(f for f in page.frames if f.url == "about:srcdoc" and f.evaluate("() => !!window.__scatterStats"))
    stats = frame.evaluate("() => window.__scatterStats")
    assert stats["n"] == n, stats
    row = {"n": n, "where": "notebook", "first_draw_ms": stats["totalMs"], "open_seconds": seconds}
    page.locator("iframe[title='clusterlab map']").scroll_into_view_if_needed()
    row.update(pan(page, frame, frame.locator("#plot").bounding_box()))
    page.close()
    return row


def start_lab(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={folder}",
               "--ServerApp.allow_root=True", "--LabApp.news_url="]  # fmt: skip
    workspaces = Path(tempfile.mkdtemp(prefix="workspaces-", dir=folder))  # no tab restored from an earlier run
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
    }
    log = open(folder / "lab.log", "w")
    process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            return process, url
        except OSError:
            time.sleep(0.5)
    raise SystemExit("JupyterLab did not start")


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    chromium = chromium_path()
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    folder = Path(tempfile.mkdtemp(prefix="clusterlab-notebook-bench-"))
    for n in sizes:
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL.format(n=n))])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, folder / f"map-{n}.ipynb")
    app = StreamlitServer("benchmarks/scatter_page.py")
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=BENCHMARK_ARGS)
            for n in sizes:
                lab, lab_url = start_lab(folder)  # one server and kernel per size: a second notebook in the same
                try:  # server did not run its cell when asked (seen twice), so each size starts as a user would
                    pair = [app_row(browser, app.url, n), widget_row(browser, lab_url, n)]
                finally:
                    lab.terminate()
                    lab.wait(timeout=30)
                rows += pair
                mine, theirs = pair[1], pair[0]
                print(
                    f"{n:>9,} points: notebook first draw {mine['first_draw_ms']:.0f} ms, pan p95 "
                    f"{mine['frame_ms_p95']:.0f} ms (median {mine['frame_ms_median']:.0f}); app first draw "
                    f"{theirs['first_draw_ms']:.0f} ms, pan p95 {theirs['frame_ms_p95']:.0f} ms (median "
                    f"{theirs['frame_ms_median']:.0f}); ratio notebook/app: draw "
                    f"{mine['first_draw_ms'] / theirs['first_draw_ms']:.2f}x, pan p95 "
                    f"{mine['frame_ms_p95'] / theirs['frame_ms_p95']:.2f}x",
                    flush=True,
                )
            browser.close()
    finally:
        app.stop()
    (ROOT / "benchmarks" / "results" / "notebook_map.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
