"""Cross-filtering a million points in headless Chromium: frame time while brushing a histogram.

Ours: the metadata charts under the map filter in the browser (one pass over the rows per change, no Python).
Peer in the same run: the usual Streamlit way, a number input that filters in Python and sends the scatter again
(a rerun per change), timed from the key press to the redrawn scatter. Prints the ratio per size and writes
benchmarks/results/brushing.json.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import BENCHMARK_ARGS, StreamlitServer, chromium_path  # noqa: E402


def scatter_frame(page):
    page.frame_locator("iframe[title*='clusterlab_scatter']").last.locator("canvas#plot[data-ready='1']").wait_for(
        state="attached", timeout=600_000
    )
    return next(f for f in reversed(page.frames) if "clusterlab_scatter" in (f.url or ""))


def ours(page, url: str, n: int) -> dict:
    page.goto(f"{url}/?n={n}&mode=browser")
    frame = scatter_frame(page)
    # a real brush: the mouse dragged across the price histogram, frames counted meanwhile
    chart = frame.locator(".chart[data-column='price'] canvas")
    chart.wait_for(timeout=60_000)
    box = page.locator("iframe[title*='clusterlab_scatter']").last.bounding_box()
    inner = chart.bounding_box()
    frame.evaluate(
        "() => { window.__gaps = []; let last = performance.now();"
        " const f = (t) => { window.__gaps.push(t - last); last = t; if (window.__gaps.length < 100000)"
        " requestAnimationFrame(f); }; requestAnimationFrame(f); }"
    )
    x0, y0 = inner["x"] + 2, inner["y"] + 40
    del box
    page.mouse.move(x0, y0)
    page.mouse.down()
    start = time.perf_counter()
    for step in range(40):
        page.mouse.move(x0 + (inner["width"] - 4) * step / 40, y0)
    page.mouse.up()
    seconds = time.perf_counter() - start
    gaps = frame.evaluate("() => window.__gaps.slice(1)")
    passes = [frame.evaluate(f"() => window.__scatterBrush(0, 0, {b})") for b in range(2, 24, 2)]
    filtered = frame.evaluate("() => window.__scatterFiltered")
    return {
        "frame_ms_median": statistics.median(gaps),
        "frame_ms_p95": sorted(gaps)[int(0.95 * (len(gaps) - 1))],
        "filter_pass_ms_median": statistics.median(passes),
        "brush_seconds": seconds,
        "last_filtered": filtered,
    }


def peer(page, url: str, n: int) -> dict:
    page.goto(f"{url}/?n={n}&mode=rerun")
    scatter_frame(page)
    box = page.get_by_label("price at most")
    times = []
    for cap in (200, 150, 100, 70, 50):
        before = page.get_by_text("kept ").first.inner_text()
        start = time.perf_counter()
        box.fill(str(cap))
        box.press("Enter")  # one change of the filter: a rerun, the kept rows sent and drawn again
        page.wait_for_function(
            "(before) => { const t = [...document.querySelectorAll('p')].map(p => p.innerText)"
            ".find(x => x.startsWith('kept ')); if (!t || t === before) return false;"
            " const frame = [...document.querySelectorAll('iframe')].find(f => f.title.includes('clusterlab_scatter'));"
            " const plot = frame && frame.contentDocument && frame.contentDocument.getElementById('plot');"
            " return plot && plot.dataset.n === t.slice(5); }",
            arg=before,
            timeout=600_000,
        )
        times.append(1000 * (time.perf_counter() - start))
    stats = scatter_frame(page).evaluate("() => window.__scatterStats")
    return {"update_ms_median": statistics.median(times), "redraw_ms_last": stats["totalMs"], "kept_last": stats["n"]}


def main() -> None:
    from playwright.sync_api import sync_playwright

    if chromium_path() is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    server = StreamlitServer("benchmarks/brushing_page.py")
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=BENCHMARK_ARGS)
            for n in (100_000, 1_000_000):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                mine = ours(page, server.url, n)
                page.close()
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                theirs = peer(page, server.url, n)
                page.close()
                row = {"n": n, **mine, **{f"peer_{k}": v for k, v in theirs.items()}}
                row["ratio_update"] = mine["frame_ms_p95"] / theirs["update_ms_median"]
                rows.append(row)
                print(
                    f"{n:>9,} points: brushing frames median {mine['frame_ms_median']:.0f} ms, p95 "
                    f"{mine['frame_ms_p95']:.0f} ms (one filter pass {mine['filter_pass_ms_median']:.0f} ms); "
                    f"peer (input + rerun) {theirs['update_ms_median']:.0f} ms per change; "
                    f"ratio p95 frame / peer update {row['ratio_update']:.3f}",
                    flush=True,
                )
            browser.close()
    finally:
        server.stop()
    out = ROOT / "benchmarks" / "results" / "brushing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    print("wrote", out)


if __name__ == "__main__":
    main()
