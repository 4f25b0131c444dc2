"""Clusterlab home: what it does, samples one click away, and a guided demo."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import projects
from clustering.data import DataError
from clustering.store import StoreError, export_config
from common import (
    add_run,
    cached_sample,
    choose_sample,
    dataset,
    page_setup,
    plain,
    runs_for,
    sample_caption,
    sample_names,
    show_flash,
    show_job,
    start_job,
)
from demo import COMPARE_SENTENCE, DEMO_STEPS, EXPLAIN_SENTENCE, LAYOUT_SENTENCE, SCORES_SENTENCE, run_demo
from exports import project_report_button
from scatter import colour_codes, hover_lines, matched_colour_codes, scatter


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

    st.subheader("Sample datasets")
    columns = st.columns(len(sample_names()))
    for column, name in zip(columns, sample_names()):
        with column:
            st.markdown(f"**{name}**")
            st.caption(sample_caption(name))
            if st.button(f"Open {name}", key=f"open-{name}", width="stretch"):
                choose_sample(name)
                st.rerun()

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
        with st.expander("Rename or delete a project"):
            r1, r2 = st.columns([3, 1])
            new_name = r1.text_input("New name", value=picked, key="project-new-name")
            if r2.button("Rename", key="project-rename", disabled=new_name.strip() in ("", picked)):
                try:
                    projects.store().rename(picked, new_name)
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
    n1, n2 = st.columns([3, 1])
    new_project = n1.text_input(
        "New project on the current dataset", placeholder="project name", key="project-create-name"
    )
    if n2.button("Create", key="project-create", disabled=not new_project.strip()):
        try:
            ref = projects.dataset_reference(data, st.session_state.get("preprocess", "none"))
            projects.store().create(new_project, ref)
            projects.open_project(new_project.strip())
            st.rerun()
        except (StoreError, DataError) as error:
            st.error(plain(error))

    st.subheader("Demo mode")
    st.caption("A two-minute guided story for teaching: three very different methods on 1,797 handwritten digits.")
    if st.button("Start the demo", type="primary", disabled="job" in st.session_state, key="start-demo"):

        def keep(story):
            choose_sample(story["sample"])
            demo_data = cached_sample(story["sample"])
            story["run_ids"] = [add_run(demo_data, result).id for result in story["results"]]
            st.session_state["demo"] = story

        start_job("the demo", run_demo, {}, keep)
        st.rerun()

    story = st.session_state.get("demo")
    if story:
        demo_data = cached_sample(story["sample"])
        known = {r.id for r in runs_for(demo_data)}
        rows: list[dict] = []
        for (method, _, sentence), result in zip(DEMO_STEPS, story["results"]):
            st.markdown(f"{len(rows) + 1}. {sentence}")
            rows.append(
                {
                    "method": method,
                    "clusters": result.n_clusters,
                    "noise %": round(100 * result.noise_share, 1),
                    "ARI vs digit": round(result.metrics["ari"], 3),
                    "ACC": round(result.metrics["acc"], 3),
                    "seconds": round(result.seconds["total"], 1),
                }
            )
        st.dataframe(pd.DataFrame(rows), hide_index=True)
        st.caption(SCORES_SENTENCE)
        st.markdown(f"{len(rows) + 1}. {LAYOUT_SENTENCE}")
        names = [m for m, _, _ in DEMO_STEPS] + ["true digit"]
        shown = st.radio("Colour by", names, horizontal=True, key="demo-colour")
        if shown == "true digit":
            codes, legend = colour_codes(demo_data.metadata["label"], noise_negative=False)
        else:
            codes, legend = colour_codes(story["results"][names.index(shown)].labels)
        scatter(
            story["layout"],
            codes,
            legend,
            hover_text=hover_lines(demo_data.metadata, ["label"]),
            images=demo_data.vectors,
            image_shape=demo_data.image_shape,
            height=460,
            key="demo-scatter",
        )
        if "comparison" in story:
            st.markdown(f"{len(rows) + 2}. {COMPARE_SENTENCE}")
            panels = st.columns(len(DEMO_STEPS))
            reference = demo_data.labels()
            for panel, (method, _, _), result in zip(panels, DEMO_STEPS, story["results"]):
                with panel:
                    st.markdown(f"**{method}**")
                    codes, legend = matched_colour_codes(result.labels, reference)
                    scatter(
                        story["layout"],
                        codes,
                        legend,
                        hover_text=hover_lines(demo_data.metadata, ["label"]),
                        height=300,
                        key=f"demo-panel-{method}",
                        link="demo",
                    )
            st.dataframe(pd.DataFrame(story["comparison"]["table"]), hide_index=True, key="demo-verdicts")
        if "explanations" in story:
            st.markdown(f"{len(rows) + 3}. {EXPLAIN_SENTENCE}")
            kind = st.radio("Rules", ["tree", "polyhedra"], horizontal=True, key="demo-rules")
            explanation = story["explanations"][kind]
            codes, legend = colour_codes(story["results"][0].labels)
            colours = {int(entry["name"]): entry["colour"] for entry in legend}
            shapes = [
                {"points": polygon, "colour": colours.get(cluster, "#888888"), "opacity": 0.10}
                for cluster, polygons in explanation.polygons.items()
                for polygon in polygons
                if len(polygon) >= 3
            ]
            e1, e2 = st.columns([3, 2])
            with e1:
                scatter(story["layout"], codes, legend, height=420, key="demo-explain", shapes=shapes)
            with e2:
                size = explanation.complexity.get("literals", explanation.complexity.get("halfspaces"))
                st.metric(
                    f"{kind} accuracy",
                    f"{explanation.accuracy:.1%}",
                    help=f"{size} {'conditions' if kind == 'tree' else 'half-spaces'} in all",
                )
                st.dataframe(
                    pd.DataFrame(
                        [
                            {"cluster": c.cluster, "rule": c.rule, "precision": round(c.precision, 2)}
                            for c in explanation.clusters
                        ]
                    ),
                    hide_index=True,
                    height=300,
                    key="demo-rules-table",
                )
        if not known.issuperset(story.get("run_ids", [])):
            st.caption("Some demo runs were deleted from the history.")
        st.caption("Every demo run is also in the run history: open **Explore** to hover, lasso and drill down.")
