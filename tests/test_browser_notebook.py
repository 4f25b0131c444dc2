"""The notebook map in a real JupyterLab and Chromium (issue 39): the example notebook runs, the map is drawn, a box
drawn on it selects points, and `.selection` read back in the kernel holds exactly those points' ids."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import ARTIFACTS, CHROMIUM_ARGS, chromium_path, free_port

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (make test installs it as root)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")
pytest.importorskip("jupyterlab")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a free port, serving a folder with the example notebook; every cell rendered (no windowing)."""
    folder = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "examples" / "notebook.ipynb", folder / "notebook.ipynb")
    settings = folder / ".settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    port = free_port()
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(folder / ".settings"),
        "JUPYTER_CONFIG_DIR": str(folder / ".config"),
        "JUPYTERLAB_WORKSPACES_DIR": str(folder / ".workspaces"),  # no tab restored from an earlier run
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"jupyterlab-{port}.log", "w")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={folder}",
               "--ServerApp.allow_root=True", "--LabApp.news_url=", "--LabServerApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]  # fmt: skip
    process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.terminate()
        raise AssertionError(f"JupyterLab did not start; see {log.name}")
    yield url, folder
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        browser.close()


def run_cell(page, index: int) -> None:
    """Run the notebook's code cell `index` (0-based among code cells) and wait until it has finished: its prompt
    turns from "[ ]" or an earlier count to "[*]", then to a new count (pressed again while the kernel starts)."""
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    deadline = time.time() + 120
    while not re.search(r"\[(\*|\d+)\]", prompt.inner_text()) or prompt.inner_text() == before:
        assert time.time() < deadline, "the cell did not start"
        cell.locator(".jp-InputArea-editor").click()
        page.locator("[data-command='notebook:run-cell-and-select-next']").first.click()  # the toolbar's Run
        time.sleep(2)
    deadline = time.time() + 300
    while "*" in prompt.inner_text():
        assert time.time() < deadline, "the cell did not finish"
        time.sleep(0.5)


def test_a_box_on_the_notebook_map_is_read_back_as_selection_in_the_kernel(lab, page):
    url, _ = lab
    page.goto(f"{url}/lab/tree/notebook.ipynb")
    page.locator(".jp-Notebook .jp-CodeCell").first.wait_for(timeout=120_000)
    run_cell(page, 0)  # the map
    frame = page.frame_locator(".jp-CodeCell iframe[title='clusterlab map']")
    frame.locator("canvas#plot[data-ready='1']").wait_for(state="attached", timeout=120_000)
    inner = next(f for f in page.frames if f.url == "about:srcdoc" and f.evaluate("() => !!window.__scatterPoint"))
    n = int(inner.evaluate("() => window.__scatterStats.n"))
    assert n == 956
    legend = inner.locator("#legend").inner_text()
    assert len(legend.splitlines()) >= 5  # named clusters
    page.locator(".jp-CodeCell iframe[title='clusterlab map']").scroll_into_view_if_needed()
    inner.locator("#mode-box").click()
    canvas = inner.locator("#plot").bounding_box()  # in the page's coordinates, as the mouse moves
    left, top = canvas["x"] + canvas["width"] * 0.35, canvas["y"] + canvas["height"] * 0.3
    right, bottom = left + canvas["width"] * 0.25, top + canvas["height"] * 0.3
    page.mouse.move(left, top)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(left + (right - left) * step / 10, top + (bottom - top) * step / 10)
    page.mouse.up()
    box = [left - canvas["x"], top - canvas["y"], right - canvas["x"], bottom - canvas["y"]]  # the canvas's pixels

    def rows_in(margin: float) -> set[int]:
        """Rows drawn inside the box grown by `margin` pixels (negative: shrunk)."""
        grown = [box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin]
        return set(
            inner.evaluate(
                """([n, box]) => { const rows = [];
                     for (let i = 0; i < n; i++) { const [x, y] = window.__scatterPoint(i);
                       if (x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3]) rows.push(i); }
                     return rows; }""",
                [n, grown],
            )
        )

    surely, maybe = rows_in(-2), rows_in(2)  # a point within 2 pixels of the edge may fall either way
    inside = surely
    assert len(inside) >= 3, "the box should hold some points"
    page.locator(".clusterlab-selected").filter(has_text="selected").wait_for(timeout=30_000)
    run_cell(page, 1)  # selected = m.selection; print(...)
    output = page.locator(".jp-Notebook .jp-CodeCell").nth(1).locator(".jp-OutputArea-output").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "40-notebook-map.png"))
    count, ids = output.split(" selected: ", 1)
    found = json.loads(ids.splitlines()[0])
    assert surely <= set(found) <= maybe, (sorted(found), sorted(surely))  # the ids are the rows (ids = row numbers)
    assert int(count) == len(found)
