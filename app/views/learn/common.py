"""What both lessons share: Back / Next through the steps (Next computes the step it opens: a worker job with
progress and Cancel) and the box of computed sentences."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from clustering.app.text import plain


def stepper(story: dict, titles: list[str], seconds: list[int], compute: Callable[[dict, int], None], key: str) -> int:
    """Draw Back, 'Step i of n: title (about s)' and Next; returns the step on screen.

    `compute(story, step)` starts the job that fills `story["done"]` for a step not computed yet (it moves there
    when the job ends); a computed step opens at once.
    """
    step = story["step"]
    busy = "job" in st.session_state
    # one row sized to its contents (fixed columns cut "Next ▶" to "Next…" in projector mode's large type)
    row = st.container(horizontal=True, vertical_alignment="center", horizontal_alignment="distribute")
    if row.button("◀ Back", key=f"{key}-back", disabled=step == 0 or busy):
        story["step"] = step - 1
        st.rerun()
    row.markdown(f"**Step {step + 1} of {len(titles)}: {titles[step]}**", width="content")
    last = step == len(titles) - 1
    pressed = row.button("Next ▶", key=f"{key}-next", type="primary", disabled=last or busy)
    if not last and step + 1 not in story["computed"]:
        st.caption(f"Next computes “{titles[step + 1]}”: about {seconds[step + 1]} s on 2 cores.")
    if pressed:
        if step + 1 in story["computed"]:
            story["step"] = step + 1
        else:
            compute(story, step + 1)
        st.rerun()
    return story["step"]


def new_story() -> dict:
    return {"step": 0, "computed": {0}, "done": {}}


def mark_done(story: dict, step: int) -> None:
    story["computed"].add(step)
    story["step"] = step


def facts_box(facts) -> None:
    """A step's computed sentences, one bullet each."""
    st.info("\n".join(f"- {plain(fact.text)}" for fact in facts))


def started(key: str, intro: str, start, note: str | None = None) -> dict | None:
    """The lesson's introduction, and its Start button until it starts (`start()` sets it up); its story once
    started, else None."""
    st.markdown(intro)
    story = st.session_state.get(key)
    if story is None:
        if note:
            st.caption(note)
        if st.button("Start the lesson", type="primary", key=f"{key}-start", disabled="job" in st.session_state):
            start()
            st.rerun()
    return story


def end_button(key: str) -> None:
    """End the lesson: its story forgotten (its runs stay in their project)."""
    if st.button("End the lesson", key=f"{key}-end", type="tertiary"):
        st.session_state.pop(key, None)
        st.rerun()
