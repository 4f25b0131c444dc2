"""The Learn page: two lessons for a class, step by step, each exportable as one offline page."""

from __future__ import annotations

import streamlit as st

from app.jobs import show_job
from app.page import page_setup, show_flash
from app.state import cached_sample
from app.views.learn import digits, dimensions
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
    """The lesson's computed steps as one offline HTML page."""
    module = LESSONS[chosen]
    story = st.session_state.get(module.KEY)
    if story is None:
        return
    if module is digits:
        title = "Three methods on handwritten digits"

        def sections():
            return digits_sections(story["done"], cached_sample(digits.lesson.SAMPLE))

    else:
        title = "Does the dimension matter? Clustering MNIST in 2 to 64 dimensions"

        def sections():
            return dimension_sections(dimensions.results_so_far(story))

    st.download_button(
        f"Download the lesson so far ({len(story['computed'])} steps, one offline HTML page)",
        lambda: render_lesson(title, sections(), "Opens in any browser without a server or a network."),
        file_name="lesson.html",
        mime="text/html",
        key=f"{module.KEY}-export",
    )
