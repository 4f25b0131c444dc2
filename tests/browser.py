"""Helpers to run the app in a real Chromium through Playwright (see tests/test_browser.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# the scatter benchmarks' Chromium: WebGL drawn in software (SwiftShader), the same on every machine
BENCHMARK_ARGS = [*CHROMIUM_ARGS, "--use-gl=swiftshader", "--enable-unsafe-swiftshader"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    def __init__(self, script: str = "app/Home.py", env: dict | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = ARTIFACTS / f"streamlit-{self.port}.log"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            stdout=open(self.log, "w"),
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {self.log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def nav(page, label: str) -> None:
    """Open an app page from the sidebar."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=label).first.click()


def open_sample(page, url: str, name: str = "digits") -> None:
    """Open the app and load a bundled sample from Home."""
    page.goto(url)
    wait_for_text(page, "Sample datasets", 60)
    page.get_by_role("button", name=f"Open {name}").click()
    wait_for_text(page, f"Loaded {name}")


def upload(page, url: str, path) -> None:
    """Open the app, go to the Data page and upload a file (the caller waits for what it expects)."""
    page.goto(url)
    wait_for_text(page, "Sample datasets", 60)
    nav(page, "Data")
    wait_for_text(page, "Preprocessing")
    page.get_by_text("Upload a file").click()
    page.locator("input[type='file']").set_input_files(str(path))


def wait_for_text(page, text: str, timeout: float = 120) -> None:
    page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=timeout * 1000)


def settled(page, timeout: float = 60) -> None:
    """Wait until Streamlit has finished running the page (its running indicator gone), so a click is not lost."""
    time.sleep(0.3)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=timeout * 1000)


def scatter_frame(page, timeout: float = 180):
    """The scatter component's iframe, once its canvas has drawn (the newest one: while Streamlit swaps a scatter for
    one under another key, both are briefly on the page)."""
    locator = page.frame_locator("iframe[title*='clusterlab_scatter']").last.locator("canvas#plot[data-ready='1']")
    locator.wait_for(state="attached", timeout=timeout * 1000)
    settled(page, timeout)
    for frame in reversed(page.frames):
        if frame.url and "clusterlab_scatter" in frame.url:
            return frame
    raise AssertionError("scatter iframe not found")


NON_BLANK_JS = """() => {
  const c = document.getElementById('plot');
  const t = document.createElement('canvas'); t.width = c.width; t.height = c.height;
  const ctx = t.getContext('2d'); ctx.drawImage(c, 0, 0);
  const d = ctx.getImageData(0, 0, t.width, t.height).data;
  let coloured = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240) coloured++;
  return coloured;
}"""


def pan_and_zoom(page, cx: float, cy: float) -> float:
    """The benchmarks' map gesture: drag 30 steps from (cx, cy), then five wheel zooms; returns its seconds."""
    start = time.perf_counter()
    page.mouse.move(cx, cy)
    page.mouse.down()
    for step in range(30):
        page.mouse.move(cx + 4 * step, cy + 2 * step)
    page.mouse.up()
    for _ in range(5):
        page.mouse.wheel(0, -200)
    return time.perf_counter() - start


def names_zoomed_at_rows(page, frame, rows, zooms: int = 1) -> list[list[int]]:
    """Names in view as a person zooms in on points: for each row, from the home view (Reset), a wheel doubling of the
    zoom about the row's point, `zooms` times; the names placed at the home view, then after each doubling."""
    plot = frame.locator("canvas#plot")
    box = page.locator("iframe[title*='clusterlab_scatter']").last.bounding_box()
    counts = []
    for row in rows:
        frame.locator("button", has_text="Reset").click()
        page.wait_for_timeout(300)
        seen = [int(plot.get_attribute("data-labels-placed"))]
        x, y = frame.evaluate(f"() => window.__scatterPoint({int(row)})")
        page.mouse.move(box["x"] + x, box["y"] + y)
        for _ in range(zooms):
            page.mouse.wheel(0, -462.1)  # scatter.js: factor exp(deltaY x 0.0015), so this halves the view's width
            page.wait_for_timeout(400)
            seen.append(int(plot.get_attribute("data-labels-placed")))
        counts.append(seen)
    return counts
