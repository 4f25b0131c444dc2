"""Both Learn-page lessons in headless Chromium, cold: seconds from Next to each step on screen, and screenshots.

A fresh server with an empty cache and project home (cold), Next pressed when the page is idle, the clock stopped
when the step's title is shown and the page has settled. Prints each step's seconds beside the seconds the page
promises, writes benchmarks/results/lessons.json and the screenshots docs/lesson-*.png (the lessons, and one in
projector mode). Usage: .venv/bin/python benchmarks/lessons.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM_ARGS, StreamlitServer, chromium_path, nav, settled, wait_for_text  # noqa: E402

from clustering.lessons import digits, dimensions  # noqa: E402

DOCS = ROOT / "docs"
DIGIT_SHOTS = {"picture": "lesson-digits-picture", "n2d": "lesson-digits-deep", "explain": "lesson-digits-rules"}


def step_through(page, titles: list[str], promised: list[int], key: str, shots: dict[int, str]) -> list[dict]:
    """Press Next through every step; the seconds each took against the seconds promised."""
    rows = []
    for index in range(1, len(titles)):
        settled(page, 120)
        clicked = time.perf_counter()
        page.get_by_role("button", name="Next ▶").click()
        wait_for_text(page, f"Step {index + 1} of {len(titles)}: {titles[index]}", 300)
        settled(page, 300)
        seconds = time.perf_counter() - clicked
        rows.append({"lesson": key, "step": titles[index], "seconds": round(seconds, 1), "promised": promised[index]})
        print(json.dumps(rows[-1]), flush=True)
        if index in shots:
            top(page, page.get_by_text(f"Step {index + 1} of {len(titles)}:").first)
            page.screenshot(path=str(DOCS / f"{shots[index]}.png"))
    return rows


def top(page, locator) -> None:
    """Scroll the element to the top of the window (the sentences and the figure under it in one screenshot)."""
    locator.evaluate("(element) => element.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)


def main() -> None:
    from playwright.sync_api import sync_playwright

    home = tempfile.mkdtemp(prefix="clusterlab-lessons-")
    server = StreamlitServer(env={"CLUSTERLAB_HOME": home, "CLUSTERLAB_CACHE": f"{home}/cache"})
    rows: list[dict] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1700})
            page.goto(server.url)
            wait_for_text(page, "Sample datasets", 120)
            nav(page, "Learn")
            wait_for_text(page, "Two lessons to teach clustering")
            page.get_by_role("button", name="Start the lesson").click()
            wait_for_text(page, "Step 1 of 7: The data")
            steps = digits.STEPS
            shots = {i: DIGIT_SHOTS[s.key] for i, s in enumerate(steps) if s.key in DIGIT_SHOTS}
            rows += step_through(page, [s.title for s in steps], [s.seconds for s in steps], "digits", shots)
            for _ in range(2):
                settled(page)
                page.get_by_role("button", name="◀ Back").click()
            wait_for_text(page, "Step 5 of 7: Deep clustering")
            settled(page)
            clicked = time.perf_counter()
            page.get_by_role("button", name=f"Watch DEC learn (about {digits.REPLAY.seconds} s)").click()
            wait_for_text(page, "DEC reaches ARI", 300)
            settled(page, 300)
            rows.append(
                {
                    "lesson": "digits",
                    "step": "DEC replay",
                    "seconds": round(time.perf_counter() - clicked, 1),
                    "promised": digits.REPLAY.seconds,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
            page.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=60_000)
            top(page, page.get_by_text("DEC reaches ARI").first)
            page.screenshot(path=str(DOCS / "lesson-digits-replay.png"))

            page.get_by_text("Does the dimension matter?").first.click()
            wait_for_text(page, "Does clustering get harder")
            page.get_by_role("button", name="Start the lesson").click()
            wait_for_text(page, "Step 1 of 8: The question")
            titles = ["The question", *[f"{d} dimensions" for d in dimensions.DIMENSIONS], "What we found"]
            promised = [1, *[dimensions.STEP_SECONDS[d] for d in dimensions.DIMENSIONS], 1]
            rows += step_through(
                page, titles, promised, "dimensions", {3: "lesson-dimensions-8d", 7: "lesson-dimensions-finding"}
            )
            page.locator("[data-testid='stSidebar'] label", has_text="Projector mode").click()
            settled(page)
            page.wait_for_timeout(1500)  # the page redraws in large type
            top(page, page.get_by_text("Step 8 of 8:").first)
            page.screenshot(path=str(DOCS / "lesson-dimensions-projector.png"))
            browser.close()
    finally:
        server.stop()
    worst = max(rows, key=lambda row: row["seconds"])
    over = [row for row in rows if row["seconds"] > row["promised"] * 1.5 + 2]
    print(f"slowest step: {worst['lesson']} / {worst['step']} {worst['seconds']} s (goal <= 20 s)")
    print(f"steps slower than promised (x1.5 + 2 s): {over or 'none'}")
    out = ROOT / "benchmarks" / "results" / "lessons.json"
    out.write_text(json.dumps(rows, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
