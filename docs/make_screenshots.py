"""Screenshots of every page for the README (docs/pages/*.png): `.venv/bin/python docs/make_screenshots.py`.

Starts the app on a free port with a throw-away project store, loads digits, runs two methods and visits each page
in Debian's Chromium.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM_ARGS, StreamlitServer, chromium_path, scatter_frame, wait_for_text  # noqa: E402

OUT = ROOT / "docs" / "pages"


def main() -> None:
    """Start the app on a fresh home and save each page's screenshot under docs/pages."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    server = StreamlitServer(env={"CLUSTERLAB_HOME": tempfile.mkdtemp(prefix="clusterlab-shots-")})
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def nav(label: str) -> None:
                page.locator("[data-testid='stSidebarNav'] a", has_text=label).first.click()

            def shot(name: str) -> None:
                time.sleep(1.5)
                page.screenshot(path=str(OUT / f"{name}.png"))
                print("wrote", OUT / f"{name}.png")

            page.goto(server.url)
            wait_for_text(page, "Sample datasets", 60)
            page.get_by_role("button", name="Open digits").click()
            wait_for_text(page, "Loaded digits")
            shot("1-home")
            nav("Data")
            wait_for_text(page, "Preprocessing")
            shot("2-data")
            nav("Cluster")
            wait_for_text(page, "Score against ground truth")
            page.get_by_role("button", name="Run", exact=True).click()
            wait_for_text(page, "Labels with metadata (CSV)", 180)
            shot("3-cluster")
            nav("Explore")
            scatter_frame(page)
            shot("4-explore")
            nav("Compare")
            page.get_by_text("Ground truth").first.wait_for()
            box = page.locator("[data-testid='stSelectbox']", has_text="Ground truth").first
            box.click()
            page.keyboard.type("label")
            page.keyboard.press("Enter")
            wait_for_text(page, "Agreement", 240)
            shot("5-compare")
            nav("Explain")
            wait_for_text(page, "Explain in", 60)
            page.get_by_role("button", name="Explain", exact=True).click()
            wait_for_text(page, "Description accuracy", 120)
            shot("6-explain")
            map_shots(page, nav, shot)
            browser.close()
    finally:
        server.stop()


def map_shots(page, nav, shot) -> None:
    """A products upload (embeddings, department, price, titles): the map with its labels and filter charts, then
    filtered to one department (docs/pages/7-map.png, 8-map-filtered.png)."""
    from test_browser_map import products

    folder = Path(tempfile.mkdtemp(prefix="clusterlab-products-"))
    products(folder / "products.csv")
    nav("Data")
    wait_for_text(page, "Preprocessing")
    page.get_by_text("Upload a file").click()
    page.locator("input[type='file']").set_input_files(str(folder / "products.csv"))
    wait_for_text(page, "Text column", 60)
    time.sleep(2)
    nav("Cluster")
    wait_for_text(page, "Score against ground truth")
    page.get_by_role("button", name="Run", exact=True).click()
    wait_for_text(page, "Labels with metadata (CSV)", 180)
    nav("Explore")
    frame = scatter_frame(page)
    shot("7-map")
    chart = frame.locator(".chart[data-column='department'] canvas")
    chart.click(position={"x": chart.bounding_box()["width"] * 0.7, "y": 9})
    wait_for_text(page, "Selection:", 60)
    shot("8-map-filtered")


if __name__ == "__main__":
    main()
