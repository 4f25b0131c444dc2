"""Scatter at 10k, 100k and 1M points in headless Chromium: payload size, first draw, panning.

The first-draw time is measured inside the component from the moment its data arrive to the end
of the WebGL draw (gl.finish); page-load time is reported beside it. Panning must not rerun Python:
the page's script-run counter is read before and after. Writes benchmarks/results/app_scatter.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import BENCHMARK_ARGS, StreamlitServer, chromium_path, pan_and_zoom  # noqa: E402


def measure(page, url: str, n: int) -> dict:
    start = time.perf_counter()
    page.goto(f"{url}/?n={n}")
    frame_locator = page.frame_locator("iframe[title*='clusterlab_scatter']")
    frame_locator.locator("canvas#plot[data-ready='1']").wait_for(state="attached", timeout=300_000)
    page_seconds = time.perf_counter() - start
    frame = next(f for f in page.frames if "clusterlab_scatter" in (f.url or ""))
    stats = frame.evaluate("() => window.__scatterStats")
    runs_before = page.get_by_text("script runs:").first.inner_text()
    box = page.locator("iframe[title*='clusterlab_scatter']").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    frame.evaluate(
        "() => { window.__frames = 0; const f = () => { window.__frames++; requestAnimationFrame(f); }; f(); }"
    )
    pan_seconds = pan_and_zoom(page, cx, cy)
    frames = frame.evaluate("() => window.__frames")
    time.sleep(1.0)
    runs_after = page.get_by_text("script runs:").first.inner_text()
    return {
        "n": n,
        "payload_mb": n * (8 + 2) / 2**20,
        "first_draw_ms": stats["totalMs"],
        "gl_draw_ms": stats["drawMs"],
        "page_load_seconds": page_seconds,
        "pan_seconds": pan_seconds,
        "pan_fps": frames / pan_seconds,
        "python_reruns_during_pan": runs_before != runs_after,
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    server = StreamlitServer("benchmarks/scatter_page.py")
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=BENCHMARK_ARGS)
            for n in (10_000, 100_000, 1_000_000):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                row = measure(page, server.url, n)
                rows.append(row)
                print(
                    f"{n:>9,} points: first draw {row['first_draw_ms']:.0f} ms (WebGL {row['gl_draw_ms']:.0f} ms), "
                    f"page load {row['page_load_seconds']:.1f} s, pan {row['pan_fps']:.0f} fps, "
                    f"python reruns while panning: {row['python_reruns_during_pan']}",
                    flush=True,
                )
                page.close()
            browser.close()
    finally:
        server.stop()
    (ROOT / "benchmarks" / "results" / "app_scatter.json").write_text(json.dumps(rows, indent=2))
    big = rows[-1]
    print(
        f"app_scatter: 1M points first draw {big['first_draw_ms'] / 1000:.2f} s (target < 5 s, "
        f"x{big['first_draw_ms'] / 5000:.2f} of budget), payload {big['payload_mb']:.1f} MB binary"
    )


if __name__ == "__main__":
    main()
