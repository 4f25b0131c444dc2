"""The Learn page: two lessons for a class, step by step, each exportable as one offline page."""

from __future__ import annotations

import streamlit as st

from clustering.app.jobs import show_job
from clustering.app.page import page_setup, show_flash
from clustering.app.state import cached_sample
from clustering.app.views.learn import digits, dimensions
from clustering.lessons.export import digits_sections, dimension_sections, render_lesson

LESSONS = {"Three methods on handwritten digits": digits, "Does the dimension matter? (MNIST-Nd)": dimensions}


def render() -> None:
    page_setup("Learn")
    st.title("Learn")
    st.caption(
        "Two lessons to teach clustering in front of a class: every sentence on screen is computed from the step's "
        "own numbers. Turn on **Projector mode** in the sidebar for large type and high-contrast colours."
    )
    show_flash()
    show_job()
    chosen = st.radio("Lesson", list(LESSONS), horizontal=True, key="lesson-pick", disabled="job" in st.session_state)
    LESSONS[chosen].show()
    export_button(chosen)


def export_button(chosen: str) -> None:
    """The lesson's computed steps as one offline HTML page: made on request, then downloaded (bytes, not a deferred
    callable: the lesson's scatter reruns the page, and a deferred download would be gone by the click)."""
    module = LESSONS[chosen]
    story = st.session_state.get(module.KEY)
    if story is None:
        return
    steps = len(story["computed"])
    made = st.session_state.get(f"{module.KEY}-html")
    if st.button(
        f"Make the lesson page ({steps} steps so far, one offline HTML file)",
        key=f"{module.KEY}-make",
        disabled="job" in st.session_state,
    ):
        with st.spinner("Drawing the lesson's figures…"):
            made = {"steps": steps, "html": lesson_page(module, story)}
        st.session_state[f"{module.KEY}-html"] = made
    if made is None:
        return
    if made["steps"] != steps:
        st.caption(f"The page made holds {made['steps']} steps; make it again to add the new ones.")
    st.download_button(
        f"Download the lesson ({made['steps']} steps)",
        made["html"].encode("utf-8"),
        file_name="lesson.html",
        mime="text/html",
        key=f"{module.KEY}-export",
    )


def lesson_page(module, story: dict) -> str:
    if module is digits:
        sections = digits_sections(story["done"], cached_sample(digits.lesson.SAMPLE))
        title = "Three methods on handwritten digits"
    else:
        sections = dimension_sections(dimensions.results_so_far(story))
        title = "Does the dimension matter? Clustering MNIST in 2 to 64 dimensions"
    return render_lesson(title, sections, "Opens in any browser without a server or a network.")
