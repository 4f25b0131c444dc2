"""Text in, in Chromium: `clusterlab app docs.csv` from another folder opens on the named map of an `auto` run, and an
uploaded table of texts is embedded from the Data page (model choice, progress, then the map)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest
from browser import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    chromium_path,
    free_port,
    nav,
    scatter_frame,
    settled,
    upload,
    wait_for_text,
)
from test_text_input import docs_csv

pytestmark = pytest.mark.browser

CHROMIUM = chromium_path()
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (make test installs it as root)", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def page():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        yield context.new_page()
        browser.close()


def serve(command: list[str], cwd, env: dict) -> tuple[subprocess.Popen, str]:
    """Start a server command and wait for its health check; returns the process and its URL."""
    port = free_port()
    log = open(ARTIFACTS / f"app-{port}.log", "w")
    process = subprocess.Popen([*command, "--port", str(port)], cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return process, url
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise AssertionError(f"the app did not start; see {log.name}")


def map_names(page, url: str) -> str:
    """Open the URL and wait for the Explore map with its legend; returns the legend's text."""
    page.goto(url)
    frame = scatter_frame(page, 300)
    return frame.locator("#legend").inner_text()


def test_clusterlab_app_file_opens_on_the_named_map(page, tmp_path):
    docs_csv(tmp_path / "docs.csv", copies=2)
    env = {**os.environ, "CLUSTERLAB_HOME": str(tmp_path / "home")}
    command = [sys.executable, "-m", "clustering.cli", "app", "docs.csv", "--embed", "fast", "--no-browser"]
    process, url = serve(command, tmp_path, env)
    try:
        legend = map_names(page, url)
        assert "Edits of auto make a new run" in page.locator("body").inner_text()  # the auto run, kept
        assert any(word in legend for word in ("pet", "market", "match")), legend  # named by the text's words
        box = page.locator("iframe[title*='clusterlab_scatter']").last.bounding_box()
        assert box["y"] < 450  # the map above the fold at 1600 x 1000, its tools in one row above it
        page.screenshot(path=str(ARTIFACTS / "30-app-file-map.png"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    with pytest.raises(OSError):  # a terminated `clusterlab app` leaves no server behind (it was its child once)
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)


def test_an_uploaded_table_of_texts_is_embedded_from_the_data_page(page, tmp_path):
    from browser import StreamlitServer

    docs_csv(tmp_path / "docs.csv")
    server = StreamlitServer(env={"CLUSTERLAB_HOME": str(tmp_path / "home")})
    try:
        upload(page, server.url, tmp_path / "docs.csv")
        wait_for_text(page, "the text can be embedded into vectors here", 60)
        settled(page)
        page.get_by_text("fast: WordLlama").click()
        page.get_by_role("button", name="Embed the text column").click()
        wait_for_text(page, "embedded the text column 'body' (18 texts) with WordLlama", 120)
        nav(page, "Cluster")
        wait_for_text(page, "Score against ground truth")
        page.get_by_role("button", name="Run", exact=True).click()
        wait_for_text(page, "Labels with metadata (CSV)", 180)
        nav(page, "Explore")
        scatter_frame(page)
    finally:
        server.stop()


@pytest.mark.slow  # builds and installs the wheel (40 s): `make test-slow`
def test_the_installed_wheel_serves_clusterlab_app_from_any_folder(page, tmp_path):
    """The wheel in a new virtual environment outside the checkout (its dependencies seen through a .pth file, so
    nothing is downloaded): `clusterlab app docs.csv` from a temporary folder draws the file's map."""
    import site
    import venv
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("clusterlab-*.whl")
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    packages = Path(
        subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True,
                       text=True, check=True).stdout.strip()
    )  # fmt: skip
    (packages / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    assert not (packages / "app").exists() and (packages / "clustering" / "app" / "Home.py").exists()
    work = tmp_path / "somewhere"
    work.mkdir()
    docs_csv(work / "docs.csv", copies=2)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["CLUSTERLAB_HOME"] = str(tmp_path / "home")
    process, url = serve([str(env_dir / "bin" / "clusterlab"), "app", "docs.csv", "--no-browser"], work, env)
    try:
        legend = map_names(page, url)
        assert any(word in legend for word in ("pet", "market", "match")), legend
        where = subprocess.run([python, "-c", "import clustering; print(clustering.__file__)"], capture_output=True,
                               text=True, cwd=work, env=env).stdout  # fmt: skip
        assert str(packages) in where and str(root) not in where  # the installed package served it, not the checkout
    finally:
        process.terminate()
        process.wait(timeout=10)
