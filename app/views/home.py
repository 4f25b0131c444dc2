"""Clusterlab home: what it does, samples one click away, and a guided demo."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app import projects
from app.demo import (
    COMPARE_SENTENCE,
    DATA_SENTENCE,
    DEMO_METHODS,
    DEMO_SAMPLE,
    DEMO_SECONDS,
    DEMO_STEPS,
    EXPLAIN_SENTENCE,
    LAYOUT_SENTENCE,
    REPLAY_SENTENCE,
    SCORES_SENTENCE,
    STEP_TITLES,
    demo_step,
    honest_sentence,
)
from app.exports import project_report_button, scatter_buttons
from app.jobs import show_job, start_job
from app.page import page_setup, show_flash
from app.replay import replay_figure
from app.scatter import colour_codes, hover_lines, matched_colour_codes, scatter
from app.state import add_run, cached_sample, choose_sample, dataset, sample_caption
from app.text import plain
from clustering.data import DataError
from clustering.explain.masks import mean_image, rule_mask
from clustering.samples import sample_names
from clustering.store import StoreError, export_config


def demo_section(data) -> None:
    """The guided story: one step at a time, Next computes the next step (a job with progress), Back revisits."""
    st.subheader("Demo mode")
    st.caption(
        f"A guided story for teaching, one step at a time (about {DEMO_SECONDS // 60} minutes in all, each step "
        "a few seconds): three very different methods on 1,797 handwritten digits."
    )
    story = st.session_state.get("demo")
    if story is None:
        if st.button("Start the demo", type="primary", disabled="job" in st.session_state, key="start-demo"):
            choose_sample(DEMO_SAMPLE)
            st.session_state["demo"] = {"step": 0, "done": {"data": True}, "run_ids": {}}
            st.rerun()
        return
    step = story["step"]
    name = DEMO_STEPS[step]
    back, label, forward = st.columns([1, 4, 1])
    if back.button("◀ Back", key="demo-back", disabled=step == 0 or "job" in st.session_state):
        story["step"] = step - 1
        st.rerun()
    label.markdown(f"**Step {step + 1} of {len(DEMO_STEPS)}: {STEP_TITLES[name]}**")
    last = step == len(DEMO_STEPS) - 1
    if forward.button("Next ▶", key="demo-next", type="primary", disabled=last or "job" in st.session_state):
        next_step(story, step + 1)
        st.rerun()
    if st.button("End the demo", key="demo-end", type="tertiary"):
        st.session_state.pop("demo", None)
        st.rerun()
    demo_data = cached_sample(DEMO_SAMPLE)
    show_step(name, story, demo_data)


def next_step(story: dict, step: int) -> None:
    """Move to a step, computing it first (as a job) when it does not exist yet."""
    name = DEMO_STEPS[step]
    if name in story["done"]:
        story["step"] = step
        return
    done = story["done"]
    kwargs: dict[str, Any] = {"name": name}
    if name in ("compare", "explain"):
        kwargs["labels"] = {method: done[method].labels for method, _, _ in DEMO_METHODS if method in done}
        kwargs["layout"] = done.get("picture")

    def keep(value, name=name, step=step) -> None:
        done[name] = value
        if name in {method for method, _, _ in DEMO_METHODS}:
            story["run_ids"][name] = add_run(cached_sample(DEMO_SAMPLE), value).id
        story["step"] = step

    start_job(f"demo step {step + 1}: {STEP_TITLES[name]}", demo_step, kwargs, keep)


def show_step(name: str, story: dict, data) -> None:
    """One step of the story on screen."""
    done = story["done"]
    truth = data.labels()
    if name == "data":
        st.markdown(DATA_SENTENCE)
        images = data.vectors[:16].reshape(-1, *data.image_shape) / 16.0
        st.image([1.0 - image for image in images], width=56, caption=[f"{d}" for d in truth[:16]])
        return
    layout = done.get("picture")
    if name == "picture":
        st.markdown(LAYOUT_SENTENCE)
        codes, legend = colour_codes(data.metadata["label"], noise_negative=False)
        demo_scatter(layout, codes, legend, data, key="demo-picture", title="digits by true digit")
        return
    methods = {method: sentence for method, _, sentence in DEMO_METHODS}
    if name in methods:
        result = done[name]
        st.markdown(methods[name])
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("Clusters", result.n_clusters)
        m2.metric("ARI vs digit", f"{result.metrics['ari']:.3f}")
        m3.metric("ACC", f"{result.metrics['acc']:.3f}")
        m4.metric("Seconds", f"{result.seconds['total']:.1f}")
        st.info(honest_sentence(name, result.labels, truth, result.metrics["acc"]))
        st.caption(SCORES_SENTENCE + " Colours are matched to the true digits, so a colour means the same digit.")
        codes, legend = matched_colour_codes(result.labels, truth)
        demo_scatter(layout, codes, legend, data, key=f"demo-{name}", title=f"{STEP_TITLES[name]} clusters")
        if name == "n2d":
            replay_section(story, truth)
        return
    if name == "compare":
        st.markdown(COMPARE_SENTENCE)
        panels = st.columns(len(DEMO_METHODS))
        for panel, (method, _, _) in zip(panels, DEMO_METHODS):
            with panel:
                st.markdown(f"**{STEP_TITLES[method]}**")
                codes, legend = matched_colour_codes(done[method].labels, truth)
                scatter(
                    layout,
                    codes,
                    legend,
                    hover_text=hover_lines(data.metadata, ["label"]),
                    height=300,
                    key=f"demo-panel-{method}",
                    link="demo",
                )
                scatter_buttons(
                    layout, codes, legend, f"{STEP_TITLES[method]} matched to the digits", key=f"demo-panel-{method}"
                )
        st.dataframe(pd.DataFrame(done["compare"]["table"]), hide_index=True, key="demo-verdicts")
        return
    explanation = done["explain"]
    st.markdown(EXPLAIN_SENTENCE)
    st.metric(
        "Rules' accuracy",
        f"{explanation.accuracy:.1%}",
        help="share of images whose own cluster's rule holds for them, and no other rule",
    )
    leiden = done["leiden"].labels
    columns = st.columns(5)
    for index, rule in enumerate(explanation.clusters):
        with columns[index % 5]:
            members = np.flatnonzero(leiden == rule.cluster)
            st.image(
                [
                    rule_mask(explanation, rule.cluster, data.image_shape, 12),
                    mean_image(data.vectors, members, data.image_shape, 12),
                ],
                width=72,
            )
            st.caption(f"cluster {rule.cluster}: {len(members)} images, precision {rule.precision:.2f}")
    st.dataframe(
        pd.DataFrame(
            [
                {"cluster": c.cluster, "rule": c.rule, "precision": round(c.precision, 2), "recall": round(c.recall, 2)}
                for c in explanation.clusters
            ]
        ),
        hide_index=True,
        key="demo-rules-table",
        column_config={"rule": st.column_config.TextColumn(width="large")},
    )
    with st.expander("Every rule in full"):
        for c in explanation.clusters:
            st.markdown(f"**Cluster {c.cluster}**: {plain(c.rule)}")
    st.caption("Every demo run is also in the run history: open **Explore** to hover, lasso and drill down.")


def replay_section(story: dict, truth: np.ndarray) -> None:
    """DEC's self-training as an animation (optional: about a minute of training)."""
    st.markdown(REPLAY_SENTENCE)
    done = story["done"]
    if "dec" not in done:
        if st.button("Watch DEC learn (about a minute)", key="demo-dec", disabled="job" in st.session_state):

            def keep(value) -> None:
                done["dec"] = value

            start_job("demo: DEC self-training", demo_step, {"name": "dec"}, keep)
            st.rerun()
        return
    result = done["dec"]
    st.caption(f"DEC: ACC {result.metrics['acc']:.3f}, ARI {result.metrics['ari']:.3f}.")
    replay = result.artifacts.get("replay")
    if replay is not None and len(replay) > 1:
        st.plotly_chart(replay_figure(replay), width="stretch", key="demo-replay")


def demo_scatter(layout, codes, legend, data, key: str, title: str) -> None:
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


def render() -> None:
    page_setup("Home")
    st.title("Clusterlab")
    st.markdown(
        "Cluster a matrix of embeddings with **Leiden, HDBSCAN, deep clustering and the classics side by side**.  \n"
        "See the clusters on a fast scatterplot, hover any point, lasso a group and re-cluster it.  \n"
        "The same engine runs from the `clusterlab` command line and Python."
    )
    show_flash()
    show_job()
    data = dataset()
    st.success(
        f"Loaded **{plain(data.name)}**: {data.n:,} rows × {data.d:,} dimensions. "
        "Go to **Cluster** to run a method, or pick another dataset below."
    )
    samples_section()
    projects_section()
    new_project_section(data)
    demo_section(data)


def samples_section() -> None:
    """One button per bundled sample."""
    st.subheader("Sample datasets")
    columns = st.columns(len(sample_names()))
    for column, name in zip(columns, sample_names()):
        with column:
            st.markdown(f"**{name}**")
            st.caption(sample_caption(name))
            if st.button(f"Open {name}", key=f"open-{name}", width="stretch"):
                choose_sample(name)
                st.rerun()


def projects_section() -> None:
    """The saved projects: open, close, the open one's config and report, rename and delete."""
    st.subheader("Projects")
    st.caption(
        "Every run is saved as it is made, with its exact settings, into a project that reopens from its link "
        "(the address bar names it). Projects live in CLUSTERLAB_HOME (default ~/.local/share/clusterlab)."
    )
    try:
        saved = projects.store().projects()
    except (StoreError, DataError) as error:
        st.error(plain(error))
        saved = []
    open_now = projects.current()
    if open_now:
        st.info(f"Open project: **{plain(open_now)}**. New runs are saved into it.")
        try:
            st.download_button(
                "Download the project's config (YAML)",
                export_config(projects.store(), open_now),
                file_name=f"{open_now}.yaml",
                mime="application/x-yaml",
                key="project-config",
                help="`clusterlab run THIS.yaml --project NEW` re-runs every run to identical labels.",
            )
            if projects.store().project(open_now)["runs"]:
                project_report_button(projects.store(), open_now)
        except StoreError as error:
            st.error(plain(error))
    if saved:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "project": p["name"],
                        "dataset": p["dataset"].get("name") or p["dataset"]["source"],
                        "rows": p["dataset"].get("n_rows"),
                        "runs": p["runs"],
                        "last change": pd.to_datetime(p["updated"], unit="s").strftime("%Y-%m-%d %H:%M"),
                    }
                    for p in saved
                ]
            ),
            hide_index=True,
            key="projects-table",
        )
        names = [p["name"] for p in saved]
        p1, p2, p3 = st.columns([3, 1, 1])
        picked = p1.selectbox(
            "Project", names, index=names.index(open_now) if open_now in names else 0, key="project-pick"
        )
        if p2.button("Open", key="project-open", width="stretch"):
            projects.open_project(picked)
            st.rerun()
        if p3.button("Close", key="project-close", width="stretch", disabled=open_now is None):
            projects.close_project()
            st.rerun()
        manage_project(picked, open_now)


def manage_project(picked: str, open_now: str | None) -> None:
    """Rename or delete a project (deleting asks to be sure)."""
    with st.expander("Rename or delete a project"):
        r1, r2 = st.columns([3, 1])
        new_name = r1.text_input("New name", value=picked, key="project-new-name")
        if r2.button("Rename", key="project-rename", disabled=new_name.strip() in ("", picked)):
            try:
                projects.store().rename(picked, new_name.strip())
                if open_now == picked:
                    st.session_state["project"] = new_name.strip()
                st.rerun()
            except StoreError as error:
                st.error(plain(error))
        sure = st.checkbox(f"Yes, delete {picked} and all its runs", key="project-delete-sure")
        if st.button("Delete project", key="project-delete", disabled=not sure, type="secondary"):
            projects.store().delete(picked)
            if open_now == picked:
                projects.close_project()
            st.session_state.pop("project-delete-sure", None)
            st.rerun()


def new_project_section(data) -> None:
    """A new project on the current dataset, opened at once."""
    n1, n2 = st.columns([3, 1])
    new_project = n1.text_input(
        "New project on the current dataset", placeholder="project name", key="project-create-name"
    )
    if n2.button("Create", key="project-create", disabled=not new_project.strip()):
        try:
            ref = projects.dataset_reference(data, st.session_state.get("preprocess", "none"))
            projects.store().create(new_project.strip(), ref)
            projects.open_project(new_project.strip())
            st.rerun()
        except (StoreError, DataError) as error:
            st.error(plain(error))
