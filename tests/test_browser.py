"""The app in Debian's Chromium: load a sample, run Leiden, see the scatter, select, re-cluster, bad upload."""

import os
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    NON_BLANK_JS,
    StreamlitServer,
    chromium_path,
    nav,
    scatter_frame,
    settled,
    upload,
    wait_for_text,
)

from clustering.backends import BACKENDS

pytestmark = pytest.mark.browser

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (make test installs it as root)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is None or failed.failed:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"), full_page=True)
    context.close()


def colour_shown(box) -> str:
    inputs = box.locator("input")
    return box.inner_text() + " " + " ".join(inputs.nth(i).input_value() for i in range(inputs.count()))


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_digits_on_cluster_page(page, url: str, screenshot: str | None = None):
    page.goto(url)
    wait_for_text(page, "Sample datasets", 60)
    page.get_by_role("button", name="Open digits").click()
    wait_for_text(page, "Loaded digits")
    if screenshot:
        shot(page, screenshot)
    nav(page, "Cluster")
    wait_for_text(page, "Score against ground truth")


def test_load_cluster_explore_select_recluster(server, page):
    open_digits_on_cluster_page(page, server.url, "01-home-digits")
    page.get_by_role("button", name="Run", exact=True).click()
    wait_for_text(page, "Labels with metadata (CSV)", 180)
    with page.expect_download() as download:  # the joined table is made when clicked
        page.get_by_role("button", name="Labels with metadata (CSV)").click()
    joined = pd.read_csv(download.value.path())
    assert list(joined.columns[:3]) == ["id", "cluster", "cluster_name"] and len(joined) == 1797
    shot(page, "02-cluster-leiden")
    assert page.get_by_label("Rename").input_value().startswith("leiden #1")

    nav(page, "Explore")
    frame = scatter_frame(page)
    coloured = frame.evaluate(NON_BLANK_JS)
    assert coloured > 500, "the scatter canvas is blank"
    assert frame.locator("canvas#plot").get_attribute("data-n") == "1797"
    shot(page, "03-explore-scatter")
    with page.expect_download() as download:  # a PNG of the scatter as drawn
        page.get_by_role("button", name="PNG").first.click()
    assert download.value.suggested_filename.endswith(".png")
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # hover shows the row's metadata and its 8x8 image
    box = page.locator("iframe[title*='clusterlab_scatter']").bounding_box()
    px, py = frame.evaluate("() => window.__scatterPoint(5)")
    page.mouse.move(box["x"] + px, box["y"] + py)
    tip = frame.locator("#tip")
    tip.wait_for(state="visible", timeout=10_000)
    assert "label:" in tip.inner_text() and tip.locator("canvas").count() == 1
    shot(page, "03b-hover")

    frame.locator("#mode-box").click()
    box = page.locator("iframe[title*='clusterlab_scatter']").bounding_box()  # the PNG button's click scrolled
    x0, y0 = box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.15
    x1, y1 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.75
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    wait_for_text(page, "Selection:", 60)
    shot(page, "04-selection")
    heading = page.get_by_text("Selection:").first.inner_text()
    selected = int(heading.split(":")[1].split()[0].replace(",", ""))
    assert 0 < selected < 1797

    choose(page, "Method", "k-means")  # the drill-down's own method and parameters
    clusters = page.get_by_role("spinbutton", name="Clusters (k): choose it")
    clusters.fill("3")
    clusters.press("Enter")
    time.sleep(1.0)
    page.get_by_role("button", name="Re-cluster selection").click()
    colour_box = page.locator("[data-testid='stSelectbox']", has_text="Colour by")
    wanted = f"on {selected:,} selected rows"
    deadline = time.time() + 180
    while wanted not in colour_shown(colour_box) and time.time() < deadline:
        time.sleep(0.5)
    assert wanted in colour_shown(colour_box) and "n_clusters=3" in colour_shown(colour_box)
    wait_for_text(page, "zoomed in", 60)
    frame = scatter_frame(page)
    assert frame.evaluate(NON_BLANK_JS) > 500
    assert frame.locator("canvas#plot").get_attribute("data-n") == str(selected)  # only the drill-down's rows
    assert frame.locator("#legend .item").count() == 3  # its legend, shown
    shot(page, "05-reclustered")


def test_a_labels_file_imports_joined_by_id_with_its_names(server, page, tmp_path):
    from clustering.io.samples import load_input

    digits = load_input("sample:digits")
    names = np.array([f"digit-{d}" for d in range(10)])[digits.metadata["label"].to_numpy()]
    frame = pd.DataFrame({"row": np.arange(1797), "cluster": names}).sample(frac=1, random_state=0)
    frame.to_csv(tmp_path / "theirs.csv", index=False)
    frame.iloc[[0, 0, *range(1, 1797)]].to_csv(tmp_path / "twice.csv", index=False)
    open_digits_on_cluster_page(page, server.url)
    page.get_by_text("Import labels from a file").click()
    page.locator("input[type='file']").set_input_files(str(tmp_path / "twice.csv"))
    time.sleep(2)
    settled(page)
    page.get_by_role("button", name="Import as a run").click()
    wait_for_text(page, "Not imported", 60)
    assert "appear more than once" in page.get_by_text("Not imported").first.inner_text()
    assert "/tmp/" not in page.get_by_text("Not imported").first.inner_text()
    page.locator("input[type='file']").set_input_files(str(tmp_path / "theirs.csv"))
    time.sleep(2)  # the upload's own rerun starts after a moment; a click during it can be lost
    settled(page)
    page.get_by_role("button", name="Import as a run").click()
    wait_for_text(page, "Imported theirs.csv: 10 clusters joined by row", 60)
    wait_for_text(page, "Confidence: calibrated from neighbours", 60)  # an imported run is as sure as its neighbours
    with page.expect_download() as download:
        page.get_by_role("button", name="Labels with metadata (CSV)").click()
    joined = pd.read_csv(download.value.path())
    assert (joined["cluster_name"] == names).all()  # in the data's order, with their own names
    shot(page, "02b-imported-labels")


def test_bad_upload_shows_error(server, page, tmp_path):
    bad = tmp_path / "vectors.npy"
    np.save(bad, np.arange(10.0))
    page.goto(server.url)
    wait_for_text(page, "Sample datasets", 60)
    nav(page, "Data")
    wait_for_text(page, "Preprocessing")
    page.get_by_text("Upload a file").click()
    page.locator("input[type='file']").set_input_files(str(bad))  # a picked file loads at once
    wait_for_text(page, "Could not load vectors.npy", 60)
    text = page.get_by_text("Could not load vectors.npy").first.inner_text()
    assert "1-D array" in text and "reshape" in text
    assert page.get_by_text("Traceback").count() == 0
    shot(page, "06-bad-upload")


def test_products_csv_keeps_price_as_metadata_and_clusters_by_the_embedding(server, page, tmp_path):
    from sklearn.datasets import make_blobs

    x, y = make_blobs(600, n_features=16, centers=5, random_state=0)
    frame = pd.DataFrame(x, columns=[f"emb_{i}" for i in range(16)])
    frame["price"] = np.random.default_rng(0).gamma(2, 50, 600)
    frame["category"] = np.array(["shoes", "books", "toys", "games", "tools"])[y]
    frame.to_csv(tmp_path / "products.csv", index=False)
    upload(page, server.url, tmp_path / "products.csv")
    wait_for_text(page, "price kept as metadata", 60)  # said, not silent
    assert page.get_by_text("Features (16)").count() == 1
    shot(page, "06b-products-split")
    nav(page, "Cluster")
    wait_for_text(page, "Score against ground truth")
    page.get_by_role("button", name="Run", exact=True).click()
    wait_for_text(page, "Labels with metadata (CSV)", 180)
    with page.expect_download() as download:
        page.get_by_role("button", name="Labels with metadata (CSV)").click()
    joined = pd.read_csv(download.value.path())
    assert joined["cluster"].nunique() == 5 and {"price", "category"} <= set(joined.columns)
    nav(page, "Compare")  # the truth's categories by name, in the legend and the tables
    box = page.locator("[data-testid='stSelectbox']", has_text="Ground truth").first
    box.wait_for(timeout=60_000)
    box.click()
    page.keyboard.type("category")
    page.keyboard.press("Enter")
    wait_for_text(page, "Agreement", 120)
    panel = frames_of(page, 2)[0]  # the truth's panel comes first
    panel.locator("#legend-toggle").click()  # narrow panels start with the legend folded away
    assert "shoes" in panel.locator("#legend").inner_text()
    on_map = panel.locator("canvas#plot").get_attribute("aria-label")  # the truth's names on its map too
    assert "shoes" in on_map and "cluster" not in on_map, on_map
    shot(page, "06c-products-compare")


def test_text_search_and_a_word_tree_on_python_docs(server, page):
    from clustering.io.samples import load_sample
    from clustering.visual.search import search_rows

    expected = len(search_rows(load_sample("python-docs").metadata, "file"))
    page.goto(server.url)
    wait_for_text(page, "Sample datasets", 60)
    page.get_by_role("button", name="Open python-docs").click()
    wait_for_text(page, "Loaded python-docs")
    nav(page, "Cluster")
    wait_for_text(page, "Score against ground truth")
    page.get_by_role("button", name="Run", exact=True).click()
    wait_for_text(page, "Labels with metadata (CSV)", 180)

    nav(page, "Explore")
    frame = scatter_frame(page)
    search = page.get_by_role("textbox", name="Search points")
    search.fill("file")
    search.press("Enter")
    frame.wait_for_function(f"() => window.__scatterMarked === {expected}", timeout=30_000)
    assert f"{expected} matches" in frame.locator("#status").inner_text()
    shot(page, "13-search")

    nav(page, "Explain")  # words in the text, with quotes in them: the tree diagram must still draw
    wait_for_text(page, "Explain in", 60)
    page.get_by_role("button", name="Explain", exact=True).click()
    wait_for_text(page, "Description accuracy", 120)
    tree = page.locator("[data-testid='stGraphVizChart'] svg").first
    tree.wait_for(state="visible", timeout=30_000)
    assert tree.locator("g.node").count() >= 3
    shot(page, "14-word-tree")


def choose(page, label, option_text):
    box = page.locator("[data-testid='stSelectbox']", has_text=label).first
    box.click()
    page.keyboard.type(option_text)
    page.keyboard.press("Enter")


def test_long_run_shows_progress_and_cancels(server, page):
    open_digits_on_cluster_page(page, server.url)
    choose(page, "Method", "DEC (deep")
    epochs = page.get_by_role("spinbutton", name="Pretrain epochs")
    epochs.wait_for(state="visible", timeout=30_000)
    epochs.fill("3000")
    epochs.press("Enter")
    time.sleep(1.5)
    page.get_by_role("button", name="Run", exact=True).click()
    wait_for_text(page, "Running DEC", 60)
    # the progress bar names the stage, epoch and loss
    page.get_by_text(re.compile(r"pretrain \d+/3000 · loss")).first.wait_for(state="visible", timeout=60_000)
    shot(page, "07-progress")
    page.get_by_role("button", name="Cancel").click()
    wait_for_text(page, "was cancelled", 60)
    shot(page, "08-cancelled")
    # the app stays usable: a quick run still works afterwards
    choose(page, "Method", "k-means")
    page.get_by_role("button", name="Run", exact=True).click()
    wait_for_text(page, "Labels with metadata (CSV)", 120)


def test_two_tabs_are_independent_sessions(server, browser):
    first = browser.new_context().new_page()
    second = browser.new_context().new_page()
    try:
        first.goto(server.url)
        second.goto(server.url)
        wait_for_text(first, "Sample datasets", 60)
        wait_for_text(second, "Sample datasets", 60)
        first.get_by_role("button", name="Open pbmc").click()
        wait_for_text(first, "Loaded pbmc")
        second.reload()
        wait_for_text(second, "Sample datasets", 60)
        assert "Loaded mnist-test" in second.get_by_text("Loaded").first.inner_text()
    finally:
        first.context.close()
        second.context.close()


def frames_of(page, count: int, timeout: float = 180) -> list:
    """The first `count` scatter iframes on the page, in page order, once each has drawn."""
    iframes = page.locator("iframe[title*='clusterlab_scatter']")
    deadline = time.time() + timeout
    while iframes.count() < count and time.time() < deadline:
        time.sleep(0.5)
    frames = []
    for i in range(count):
        frame = iframes.nth(i).element_handle().content_frame()
        frame.locator("canvas#plot[data-ready='1']").wait_for(state="attached", timeout=timeout * 1000)
        frames.append(frame)
    return frames


@pytest.mark.slow  # a minute; Compare (AppTest) and the lessons' facts (test_lessons.py) stay in the fast suite
def test_lesson_comparison_and_compare_page_with_three_runs(server, page, tmp_path):
    page.goto(server.url)
    wait_for_text(page, "Sample datasets", 60)
    nav(page, "Learn")
    wait_for_text(page, "Two lessons to teach clustering", 60)
    started = time.perf_counter()
    page.get_by_role("button", name="Start the lesson").click()
    wait_for_text(page, "Step 1 of 7: The data", 30)
    seconds = {1: round(time.perf_counter() - started, 1)}
    for step, title in enumerate(["The picture", "Leiden", "HDBSCAN", "Deep clustering", "Compare"], start=2):
        settled(page)  # a click during a rerun of the previous step can be lost
        clicked = time.perf_counter()
        page.get_by_role("button", name="Next ▶").click()
        wait_for_text(page, f"Step {step} of 7: {title}", 240)
        seconds[step] = round(time.perf_counter() - clicked, 1)
        if step == 3:
            shot(page, "09a-lesson-leiden")
    print(f"lesson: seconds per step {seconds}, {time.perf_counter() - started:.0f} s to the comparison")  # reported
    wait_for_text(page, "shares a region with others", 60)
    compared = frames_of(page, 3)  # the three runs, colours matched to the digits and named by them
    compared[0].locator("#legend-toggle").click()  # narrow panels start with the legend folded
    assert "≈ 0" in compared[0].locator("#legend").inner_text()
    shot(page, "09-lesson-comparison")
    page.get_by_role("button", name="◀ Back").click()
    wait_for_text(page, "Step 5 of 7: Deep clustering", 60)
    page.get_by_role("button", name="Next ▶").click()
    wait_for_text(page, "Step 6 of 7: Compare", 60)
    page.get_by_role("button", name="Next ▶").click()
    wait_for_text(page, "Step 7 of 7", 120)
    wait_for_text(page, "The loosest rule is cluster", 60)
    shot(page, "09b-lesson-explain")

    # the lesson leaves the room: one offline page, opened with every request blocked
    page.get_by_role("button", name=re.compile("Make the lesson page")).click()
    wait_for_text(page, "Download the lesson (7 steps)", 120)
    settled(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name=re.compile("Download the lesson")).click()
    lesson_path = tmp_path / "lesson.html"
    download.value.save_as(lesson_path)
    offline = page.context.browser.new_context(offline=True)
    requests: list[str] = []
    lesson_page = offline.new_page()
    lesson_page.on("request", lambda request: requests.append(request.url))
    lesson_page.goto(lesson_path.as_uri())
    assert lesson_page.locator("section").count() == 7
    assert lesson_page.get_by_text("The loosest rule is cluster").count() == 1
    images = lesson_page.locator("figure img")
    assert images.count() >= 4 and all(
        lesson_page.evaluate("(img) => img.naturalWidth", images.nth(i).element_handle()) > 0
        for i in range(images.count())
    )
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    offline.close()

    nav(page, "Compare")
    wait_for_text(page, "What the picture shows", 240)
    frames = frames_of(page, 4)  # three runs side by side, then the visual clustering
    for frame in frames:
        assert frame.evaluate(NON_BLANK_JS) > 500
    assert page.locator(".js-plotly-plot").count() >= 5  # ARI, AMI, VI, contingency, Sankey
    assert page.get_by_text("Visual clustering").count() > 0
    shot(page, "10-compare")

    # the report of the three runs downloads as one file that draws offline
    page.get_by_text("Report of these runs").click()
    page.get_by_role("button", name="Make the report (HTML)").click()  # a job: progress and Cancel, then the file
    wait_for_text(page, "Download the report (HTML)", 240)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download the report (HTML)").click()
    report_path = tmp_path / "report.html"
    download.value.save_as(report_path)
    offline = page.context.browser.new_context(offline=True)
    report_page = offline.new_page()
    report_page.goto(report_path.as_uri())
    report_frame = report_page.frame_locator("#scatter-frame")
    report_frame.locator("canvas#plot[data-ready='1']").wait_for(state="attached", timeout=30_000)
    assert report_page.locator("section[id^='run-']").count() == 3
    offline.close()

    # hovering a point in the first panel rings the same row in the second
    boxes = page.locator("iframe[title*='clusterlab_scatter']")
    first_box = boxes.nth(0).bounding_box()
    px, py = frames[0].evaluate("() => window.__scatterPoint(7)")
    page.mouse.move(first_box["x"] + px, first_box["y"] + py)
    frames[1].wait_for_function("() => window.__scatterPeer !== undefined && window.__scatterPeer >= 0", timeout=10_000)

    # a box selection in the first panel marks the same rows in the others
    frames[0].locator("#mode-box").click()
    x0, y0 = first_box["x"] + first_box["width"] * 0.15, first_box["y"] + first_box["height"] * 0.15
    x1, y1 = first_box["x"] + first_box["width"] * 0.7, first_box["y"] + first_box["height"] * 0.8
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=6)
    page.mouse.up()
    selected = frames[0].evaluate("() => window.__scatterSelected")
    assert selected > 0
    frames[2].wait_for_function(f"() => window.__scatterSelected === {selected}", timeout=10_000)
    assert "in a linked panel" in frames[2].locator("#status").inner_text()
    shot(page, "11-compare-linked-selection")

    # Explain the Leiden run of the lesson: rules, a tree diagram, and a rule highlighted on the scatter
    nav(page, "Explain")
    wait_for_text(page, "Explain in", 60)
    choose(page, "Run", "leiden")
    page.get_by_role("button", name="Explain", exact=True).click()
    wait_for_text(page, "Description accuracy", 120)
    frame = frames_of(page, 1)[0]
    assert frame.evaluate(NON_BLANK_JS) > 500
    page.locator("[data-testid='stGraphVizChart'] svg").first.wait_for(state="visible", timeout=30_000)
    choose(page, "Highlight the rule of cluster", "2")
    wait_for_text(page, "Cluster 2:", 30)
    legend = frame.locator("#legend").inner_text()
    assert "rule holds, in the cluster" in legend
    shot(page, "12-explain")


def active_run_name(page, timeout: float = 120) -> str:
    """The name in the Cluster page's Rename box (the active run), once the box is shown."""
    box = page.get_by_label("Rename")
    box.first.wait_for(state="visible", timeout=timeout * 1000)
    deadline = time.time() + timeout
    while True:  # while the page reruns, the old box can stand beside the new one for a moment
        if box.count() == 1:
            try:
                return box.input_value(timeout=2000)
            except playwright.Error:
                pass
        assert time.time() < deadline, "the Rename box did not settle"
        time.sleep(0.2)


def run_method(page, method: str) -> None:
    """Pick a method on the Cluster page, run it with its defaults, and wait until it is the active run."""
    page.locator("[data-testid='stSelectbox']").filter(has_text="Method").first.click()
    page.get_by_role("option", name=re.compile(f"^{re.escape(BACKENDS[method].title)}")).first.click()
    page.get_by_role("button", name="Run", exact=True).click()
    deadline = time.time() + 180
    while not active_run_name(page).startswith(f"{method} #1"):
        assert time.time() < deadline, f"{method} did not become the active run"
        time.sleep(0.5)


# 53 s, the longest fast test. The fast suite keeps its parts: a page opened from a ?project= link after a reload
# brings back an edited run from the store (test_browser_map.py), and a project reopened in AppTest (test_app.py)
@pytest.mark.slow
def test_project_survives_reload_and_restart(browser, tmp_path):
    """Run two methods, name a cluster, reload: all back; restart the server and open /?project=NAME: the same."""
    from urllib.parse import unquote_plus

    from clustering.store import Store

    home = {"CLUSTERLAB_HOME": str(tmp_path / "home")}
    first = StreamlitServer(env=home)
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    try:
        open_digits_on_cluster_page(page, first.url)
        run_method(page, "kmeans")
        run_method(page, "leiden")  # the newest run becomes the active one
        project = unquote_plus(re.search(r"project=([^&]+)", page.url).group(1))
        page.get_by_text("Name clusters").first.click()
        page.get_by_label("Name", exact=True).fill("the zeros")
        page.get_by_label("Name", exact=True).press("Enter")  # a text box commits on Enter or leaving it
        page.get_by_label("Note", exact=True).fill("round ones")
        page.get_by_label("Note", exact=True).press("Enter")
        page.get_by_role("button", name="Save name").click()  # waits until the changed text enables it
        wait_for_text(page, "Name clusters (1 of", 60)
        page.reload()
        assert active_run_name(page).startswith("leiden #1")
        page.locator("[data-testid='stSelectbox']").filter(has_text="Active run").first.click()
        assert page.get_by_role("option", name=re.compile("^kmeans #1")).count() == 1
        page.keyboard.press("Escape")
        wait_for_text(page, "Name clusters (1 of", 60)
        shot(page, "project-after-reload")
    except Exception:
        shot(page, "project-reload-failure")
        raise
    finally:
        context.close()
        first.stop()
    store = Store(tmp_path / "home")
    saved = store.project(project)
    assert [r.method for r in saved["runs"]] == ["kmeans", "leiden"]
    assert store.cluster_names(project, saved["runs"][-1].id) == {0: ("the zeros", "round ones")}

    second = StreamlitServer(env=home)
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    try:
        page.goto(f"{second.url}/Cluster?project={project}")
        assert active_run_name(page).startswith("leiden #1")
        wait_for_text(page, "Name clusters (1 of", 60)
        nav(page, "Explore")
        frame = scatter_frame(page)
        frame.get_by_text("cluster 0 · the zeros").first.wait_for(state="visible", timeout=60_000)  # in the legend
        shot(page, "project-after-restart")
    except Exception:
        shot(page, "project-restart-failure")
        raise
    finally:
        context.close()
        second.stop()


CLI_WRITER = """
import sys, numpy as np
from clustering.run.pipeline import run
from clustering.io.samples import load_sample
from clustering.store import Store
data, store = load_sample("digits"), Store()
for i in range(int(sys.argv[2])):
    store.add_run(sys.argv[1], run(data, "kmeans", {"n_clusters": 3 + i}), f"cli {i}")
"""


@pytest.mark.slow  # 33 s; the store's two sessions and a CLI writing at once: tests/test_store.py (4 s)
def test_two_browser_sessions_and_a_cli_share_a_project(browser, tmp_path):
    """Two tabs run methods in one project while a CLI process writes runs into it: nothing is lost."""
    import subprocess
    import sys

    from clustering.io.samples import load_sample
    from clustering.store import Store, reference

    home = {"CLUSTERLAB_HOME": str(tmp_path / "home")}
    store = Store(tmp_path / "home")
    store.create("shared", reference(load_sample("digits"), "sample:digits"))
    server = StreamlitServer(env=home)
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1100}) for _ in range(2)]
    pages = [context.new_page() for context in contexts]
    try:
        for page in pages:
            page.goto(f"{server.url}/Cluster?project=shared")
            wait_for_text(page, "Score against ground truth", 120)
        writer = subprocess.Popen([sys.executable, "-c", CLI_WRITER, "shared", "6"], env={**os.environ, **home})
        for page in pages:  # both start before either finishes
            page.get_by_role("button", name="Run", exact=True).click()
        for page in pages:
            deadline = time.time() + 180
            while not active_run_name(page).startswith("leiden #1"):
                assert time.time() < deadline, "a tab's run did not finish"
                time.sleep(0.5)
        assert writer.wait(timeout=300) == 0
    finally:
        for context in contexts:
            context.close()
        server.stop()
    names = sorted(run.name for run in store.project("shared")["runs"])
    assert names == sorted(["leiden #1", "leiden #1"] + [f"cli {i}" for i in range(6)])
    for run in store.project("shared")["runs"]:
        assert len(store.labels("shared", run.id)[0]) == 1797
