"""Lesson 2 on screen: does the dimension matter? MNIST-test in 2 to 64 latent dimensions, one size a step."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from clustering.app import projector
from clustering.app.jobs import start_job
from clustering.app.scatter import colour_codes, scatter
from clustering.app.views.learn.common import end_button, facts_box, mark_done, new_story, started, stepper
from clustering.io.samples import load_sample
from clustering.lessons import dimensions as lesson

KEY = "lesson-dims"
TITLES = ["The question", *[f"{d} dimensions" for d in lesson.DIMENSIONS], "What we found"]


def show() -> None:
    intro = (
        "Does clustering get harder as the data gets more dimensions? Four methods on the same digits in six sizes "
        f"(about {sum(lesson.STEP_SECONDS.values())} s of computing in all on 2 cores). This lesson saves no runs."
    )
    story = started(KEY, intro, lambda: st.session_state.update({KEY: new_story()}))
    if story is None:
        return
    seconds = [1, *[lesson.STEP_SECONDS[d] for d in lesson.DIMENSIONS], 1]
    step = stepper(story, TITLES, seconds, compute, KEY)
    end_button(KEY)
    results = results_so_far(story)
    if step == 0:
        question_step()
    elif step <= len(lesson.DIMENSIONS):
        dimension_step(story["done"][lesson.DIMENSIONS[step - 1]], results)
    else:
        finding_step(results)


def compute(story: dict, step: int) -> None:
    if step > len(lesson.DIMENSIONS):
        mark_done(story, step)  # the conclusion reads the sizes already computed
        return
    dimension = lesson.DIMENSIONS[step - 1]

    def keep(value, step=step, dimension=dimension) -> None:
        value.pop("labels", None)  # the lesson shows scores only
        story["done"][dimension] = value
        mark_done(story, step)

    start_job(f"lesson: four methods on {dimension} dimensions", lesson.run_dimension, {"dimension": dimension}, keep)


def results_so_far(story: dict) -> list[dict]:
    return [story["done"][d] for d in lesson.DIMENSIONS if d in story["done"]]


def question_step() -> None:
    st.markdown(lesson.ABOUT)
    st.markdown(lesson.PAPER_FINDING + " Does it hold here? Press Next to find out, one size at a time.")
    data = load_sample(lesson.sample_name(2))
    codes, legend = colour_codes(data.metadata["label"], noise_negative=False)
    st.caption("The 2-dimensional version needs no layout: these are its two numbers, coloured by the true digit.")
    scatter(data.vectors, codes, legend, height=420, key=f"{KEY}-latent-2d")


def dimension_step(result: dict, results: list[dict]) -> None:
    index = [r["dimension"] for r in results].index(result["dimension"])
    previous = results[index - 1] if index > 0 else None
    facts_box(lesson.dimension_facts(result, previous))
    projector.chart(ari_chart(results), key=f"{KEY}-chart-{result['dimension']}")
    projector.table(score_frame(result), key=f"{KEY}-table-{result['dimension']}")


def finding_step(results: list[dict]) -> None:
    if len(results) < 2:
        st.warning("Compute at least two sizes first.")
        return
    facts_box(lesson.finding_facts(results))
    projector.chart(ari_chart(results), key=f"{KEY}-chart-all")
    table = lesson.ari_table(results)
    frame = pd.DataFrame({lesson.METHOD_TITLES[m]: table[m] for m in table}).rename_axis("dimensions").round(3)
    projector.table(frame, key=f"{KEY}-table-all", hide_index=False)


def score_frame(result: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "method": lesson.METHOD_TITLES[m],
                "ARI vs digit": round(s["ari"], 3),
                "clusters": s["clusters"],
                "noise": f"{100 * s['noise']:.0f}%",
                "seconds": round(s["seconds"], 1),
            }
            for m, s in result["scores"].items()
        ]
    )


def ari_chart(results: list[dict]) -> go.Figure:
    """ARI against dimension (log scale), one line per method, over the sizes computed so far."""
    table = lesson.ari_table(results)
    figure = go.Figure()
    for method, by_dimension in table.items():
        dims = sorted(by_dimension)
        figure.add_scatter(
            x=dims, y=[by_dimension[d] for d in dims], mode="lines+markers", name=lesson.METHOD_TITLES[method]
        )
    figure.update_layout(
        height=380,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis=dict(title="latent dimensions", type="log", tickvals=list(lesson.DIMENSIONS)),
        yaxis=dict(title="ARI vs the true digits", range=[0, 1]),
        title="ARI against dimension",
    )
    return figure
