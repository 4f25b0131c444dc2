"""Lesson 1 on screen: three methods on 1,797 handwritten digits, every sentence computed from the step's numbers."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from clustering.app import projector, projects
from clustering.app.exports import scatter_buttons
from clustering.app.jobs import start_job
from clustering.app.replay import replay_figure
from clustering.app.scatter import colour_codes, hover_lines, scatter
from clustering.app.state import add_run, cached_sample, choose_sample
from clustering.app.text import plain
from clustering.app.views.learn.common import end_button, facts_box, mark_done, new_story, started, stepper
from clustering.explainers.masks import mean_image, rule_mask
from clustering.lessons import digits as lesson
from clustering.store import StoreError

KEY = "lesson-digits"


def start() -> None:
    """Open the digits sample in a project of the lesson's own, named so it can be found and deleted."""
    choose_sample(lesson.SAMPLE)
    data = cached_sample(lesson.SAMPLE)
    name = f"digits lesson {time.strftime('%Y-%m-%d %H.%M.%S')}"
    try:
        projects.store().create(name, projects.dataset_reference(data, "none"))
        projects.open_project(name)
    except StoreError as error:
        st.session_state["flash"] = ("warning", f"The lesson's runs will not be saved: {error}")
    st.session_state[KEY] = {**new_story(), "project": name}


def show() -> None:
    """The lesson: a start button, then one step at a time."""
    intro = (
        "Three very different methods on 1,797 handwritten digits, one step at a time "
        f"(about {sum(s.seconds for s in lesson.STEPS)} s of computing in all on 2 cores)."
    )
    note = "Starting opens the digits sample and saves the lesson's runs in a new project of its own."
    story = started(KEY, intro, start, note)
    if story is None:
        return
    st.caption(
        f"This lesson's runs are saved in the project **{plain(story['project'])}** (Home → Projects; "
        "open it in Explore to hover, lasso and drill down, or delete it there)."
    )
    titles = [s.title for s in lesson.STEPS]
    step = stepper(story, titles, [s.seconds for s in lesson.STEPS], compute, KEY)
    end_button(KEY)
    show_step(lesson.STEPS[step], story, cached_sample(lesson.SAMPLE))


def compute(story: dict, step: int) -> None:
    """Start the job computing one step; its result lands in story['done']."""
    key = lesson.STEPS[step].key
    done = story["done"]
    kwargs: dict = {"key": key}
    if key in ("compare", "explain"):
        kwargs["labels"] = {s.key: done[s.key].labels for s in lesson.METHOD_STEPS}
        kwargs["layout"] = done["picture"]

    def keep(value, key=key, step=step) -> None:
        done[key] = value
        if key in {s.key for s in lesson.METHOD_STEPS}:
            story.setdefault("run_ids", {})[key] = add_run(cached_sample(lesson.SAMPLE), value).id
        mark_done(story, step)

    start_job(f"lesson step {step + 1}: {lesson.STEPS[step].title}", lesson.compute_step, kwargs, keep)


def show_step(step: lesson.Step, story: dict, data) -> None:
    done = story["done"]
    truth = data.labels()
    st.markdown(step.about)
    if step.key == "data":
        images = data.vectors[:16].reshape(-1, *data.image_shape) / 16.0
        st.image([1.0 - image for image in images], width=56, caption=[f"{d}" for d in truth[:16]])
        return
    layout = done["picture"]
    if step.key == "picture":
        facts_box(lesson.layout_facts(layout, truth))
        st.caption("Hover a dot to see its image.")
        codes, legend = colour_codes(data.metadata["label"], noise_negative=False)
        lesson_scatter(layout, codes, legend, data, key=f"{KEY}-picture", title="digits by true digit")
        return
    if step.method is not None:
        method_step(step, done[step.key], story, data, layout)
        return
    if step.key == "compare":
        compare_step(done, data, layout)
        return
    rules_step(done["explain"], done["leiden"].labels, data)


def method_step(step: lesson.Step, result, story: dict, data, layout) -> None:
    truth = data.labels()
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Clusters", result.n_clusters)
    m2.metric("ARI vs digit", f"{result.metrics['ari']:.3f}")
    m3.metric("ACC", f"{result.metrics['acc']:.3f}")
    m4.metric("Seconds", f"{result.seconds['total']:.1f}")
    facts_box(lesson.method_facts(result, truth))
    st.caption(lesson.SCORES + " Each cluster is coloured and named by the digit it is matched to (≈ 7).")
    codes, legend = lesson.digit_legend(result.labels, truth)
    lesson_scatter(layout, codes, legend, data, key=f"{KEY}-{step.key}", title=f"{step.title} clusters")
    if step.key == "n2d":
        replay_section(story, truth)


def compare_step(done: dict, data, layout) -> None:
    truth = data.labels()
    panels = st.columns(len(lesson.METHOD_STEPS))
    for panel, step in zip(panels, lesson.METHOD_STEPS):
        with panel:
            st.markdown(f"**{step.title}**")
            codes, legend = lesson.digit_legend(done[step.key].labels, truth)
            scatter(
                layout,
                codes,
                legend,
                hover_text=hover_lines(data.metadata, ["label"]),
                height=300,
                key=f"{KEY}-panel-{step.key}",
                link="lesson",
            )
    table = done["compare"]["table"]
    facts_box([lesson.best_run_fact(table)])
    projector.table(pd.DataFrame(table), key=f"{KEY}-verdicts")


def rules_step(explanation, labels: np.ndarray, data) -> None:
    """Pixel masks first, then the accuracy and the loosest rule in words, then every rule in full."""
    truth = data.labels()
    names = lesson.cluster_digit_names(labels, truth)
    columns = st.columns(5)
    for index, rule in enumerate(explanation.clusters):
        with columns[index % 5]:
            members = np.flatnonzero(labels == rule.cluster)
            st.image(
                [
                    rule_mask(explanation, rule.cluster, data.image_shape, 12),
                    mean_image(data.vectors, members, data.image_shape, 12),
                ],
                width=112 if projector.on() else 72,
            )
            st.caption(f"cluster {rule.cluster} ({names.get(rule.cluster, '')}): {len(members)} images")
    facts_box(lesson.rules_facts(explanation, labels, truth))
    st.markdown("**Every rule in full**, one condition a line:")
    rule_columns = st.columns(3)
    for index, c in enumerate(explanation.clusters):
        conditions = "\n".join(f"- {plain(line)}" for line in lesson.readable_rule(c.rule))
        rule_columns[index % 3].markdown(
            f"**Cluster {c.cluster} ({plain(names.get(c.cluster, ''))})** · precision {c.precision:.2f} · "
            f"recall {c.recall:.2f}\n\n{conditions}"
        )
    st.caption("Every lesson run is also in the run history: open **Explore** to hover, lasso and drill down.")


def replay_section(story: dict, truth: np.ndarray) -> None:
    """DEC's self-training as an animation, coloured by matched digit (optional)."""
    st.markdown(lesson.REPLAY.about)
    done = story["done"]
    if "dec" not in done:
        if st.button(
            f"Watch DEC learn (about {lesson.REPLAY.seconds} s)", key=f"{KEY}-dec", disabled="job" in st.session_state
        ):

            def keep(value) -> None:
                done["dec"] = value

            start_job("lesson: DEC self-training", lesson.compute_step, {"key": "dec"}, keep)
            st.rerun()
        return
    result = done["dec"]
    facts_box(lesson.replay_facts(result, done["n2d"]))
    replay = result.artifacts.get("replay")
    if replay is not None and len(replay) > 1:
        projector.chart(replay_figure(replay, truth), key=f"{KEY}-replay")


def lesson_scatter(layout, codes, legend, data, key: str, title: str) -> None:
    scatter(
        layout,
        codes,
        legend,
        hover_text=hover_lines(data.metadata, ["label"]),
        images=data.vectors,
        image_shape=data.image_shape,
        height=460,
        key=key,
    )
    scatter_buttons(layout, codes, legend, title, key=key)
