"""The app at scale in Chromium: a sampled scatter whose selections cover every row, and an out-of-core run."""

import re

import numpy as np
import pandas as pd
import pytest
from browser import ARTIFACTS, CHROMIUM_ARGS, NON_BLANK_JS, StreamlitServer, chromium_path, scatter_frame, wait_for_text

pytestmark = pytest.mark.browser

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (make test installs it as root)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server():
    srv = StreamlitServer(env={"CLUSTERLAB_BROWSER_POINTS": "1000"})  # a budget small data goes over
    yield srv
    srv.stop()


@pytest.fixture
def page(server, request):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        yield page
        failed = getattr(request.node, "rep_call", None)
        if failed is None or failed.failed:
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"), full_page=True)
        browser.close()


def blobs(n: int, d: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = rng.uniform(-10, 10, (5, d))
    truth = rng.integers(0, 5, n)
    return (centres[truth] + rng.standard_normal((n, d))).astype(np.float32), truth


@pytest.mark.slow  # 17 s; the fast suite keeps the rule (rows_in_polygon in tests/test_app.py) and the sampled map
def test_sampled_scatter_selects_every_row_in_the_box(server, page, tmp_path):
    x, _ = blobs(5_000)
    np.save(tmp_path / "five-thousand.npy", x)
    page.goto(f"{server.url}/Data")
    wait_for_text(page, "Preprocessing", 60)
    page.get_by_text("Upload a file").click()
    page.locator("input[type='file']").set_input_files(str(tmp_path / "five-thousand.npy"))
    page.locator("[data-testid='stMetric']", has_text="5,000").wait_for(timeout=60_000)  # loaded, not just picked
    page.locator("[data-testid='stSidebarNav'] a", has_text="Explore").first.click()  # same session
    page.locator("[data-testid='stSelectbox']", has_text="Projection").click()
    page.get_by_role("option", name="PCA").click()
    wait_for_text(page, "Showing 1,000 of 5,000 points (20%)")
    frame = scatter_frame(page)
    assert frame.locator("canvas#plot").get_attribute("data-n") == "1000"
    assert frame.evaluate(NON_BLANK_JS) > 200
    box = page.locator("iframe[title*='clusterlab_scatter']").bounding_box()
    frame.locator("#mode-box").click()
    page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.1)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.9, steps=8)
    page.mouse.up()
    wait_for_text(page, "Selection:", 60)
    drawn = int(frame.evaluate("() => window.__scatterSelected"))
    heading = page.get_by_text("Selection:").first.inner_text()
    selected = int(heading.split(":")[1].split()[0].replace(",", ""))
    assert drawn > 0 and 3.5 * drawn < selected < 6.5 * drawn  # every row in the box, not only the 20% drawn


def test_out_of_core_run_from_the_data_page(server, page, tmp_path):
    x, truth = blobs(20_000)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(x)), 4)):
        frame = pd.DataFrame(x[rows], columns=[f"emb_{j}" for j in range(8)])
        frame["label"] = truth[rows]
        frame.to_parquet(folder / f"p{i}.parquet")
    page.goto(f"{server.url}/Data")
    wait_for_text(page, "Preprocessing", 60)
    page.get_by_text("Out of core (Dask)").click()
    page.get_by_label("Input on the server").fill(str(folder))
    page.locator("[data-testid='stSelectbox']", has_text="Method").click()
    page.get_by_role("option", name=re.compile("k-means")).click()
    clusters = page.get_by_role("spinbutton", name=re.compile("Clusters"))
    clusters.fill("5")
    clusters.press("Enter")
    page.locator("[data-testid='stSelectbox']", has_text="Layout").click()
    page.get_by_role("option", name="pca").click()
    page.get_by_label("Truth column (parquet, optional)").fill("label")
    page.get_by_label("Truth column (parquet, optional)").press("Enter")
    out = tmp_path / "run"
    page.get_by_label("Output folder (created; must be new or empty)").fill(str(out))
    page.get_by_label("Output folder (created; must be new or empty)").press("Enter")
    page.get_by_role("button", name="Run out of core").click()
    wait_for_text(page, "ARI vs truth", 240)
    assert "1.000" in page.locator("[data-testid='stMetric']", has_text="ARI vs truth").inner_text()
    wait_for_text(page, "of 20,000 points")
    frame = scatter_frame(page)
    assert frame.evaluate(NON_BLANK_JS) > 200
    assert len(list(out.glob("part-*.parquet"))) == 4 and (out / "run.json").exists()
