"""Which clustering to believe, in Chromium: the Cluster page suggests a level and keeps every level as runs;
Compare draws their level tree and checks each run's confidence against the truth."""

import time

import pytest
from browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path, nav, open_sample, settled, wait_for_text

pytestmark = pytest.mark.browser

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (make test installs it as root)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1400})
        yield context.new_page()
        browser.close()


# slow suite for now: in two of three full clean-clone runs (not alone, not in its module) the job keeping the 9
# levels stayed at "levels done" past two minutes; the cause is not found yet (see the closing note of 2026-12-07)
@pytest.mark.slow
def test_suggested_levels_become_runs_and_compare_draws_their_tree_and_calibration(server, page):
    open_sample(page, server.url, "digits")
    nav(page, "Cluster")
    wait_for_text(page, "How many clusters?")
    settled(page)
    page.get_by_text("How many clusters?").first.click()
    page.get_by_role("button", name="Suggest", exact=True).click()
    wait_for_text(page, "Recommended: resolution", 180)
    settled(page)
    recommended = page.get_by_text("Recommended: resolution").first.inner_text()
    assert "clusters:" in recommended and "agrees most with the other levels" in recommended, recommended
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # the ladder's chart
    page.get_by_role("button", name="Keep all 9 levels as runs").click()
    time.sleep(1)
    settled(page, 180)
    # the job keeps the levels in the background: leave only once it is done (the Compare page read the runs list
    # while it was still filling, the flake seen in earlier sessions)
    page.get_by_text("Running 9 levels of leiden").wait_for(state="detached", timeout=180_000)
    settled(page, 60)
    page.screenshot(path=str(ARTIFACTS / "25-suggest.png"), full_page=True)
    nav(page, "Compare")
    wait_for_text(page, "Levels: how the clusters split", 120)
    wait_for_text(page, "Is the confidence calibrated?", 60)
    settled(page)
    caption = page.get_by_text("Expected calibration error").first.inner_text()
    assert caption.count("(level)") == 3  # the three newest runs, each with its ECE
    tree = page.locator(".js-plotly-plot").filter(has_text="(level)").first
    tree.scroll_into_view_if_needed()
    box = tree.bounding_box()
    assert box and box["height"] > 300  # three levels drawn
    page.screenshot(path=str(ARTIFACTS / "25-compare-levels.png"), full_page=True)
