"""Clusterlab home: what it does, samples one click away, and a guided demo."""

import pandas as pd
import streamlit as st

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
from demo import COMPARE_SENTENCE, DEMO_STEPS, EXPLAIN_SENTENCE, LAYOUT_SENTENCE, run_demo
from scatter import colour_codes, hover_lines, matched_colour_codes, scatter

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
st.success(f"Loaded **{plain(data.name)}**: {data.n:,} rows × {data.d:,} dimensions. "
           "Go to **Cluster** to run a method, or pick another dataset below.")

st.subheader("Sample datasets")
columns = st.columns(len(sample_names()))
for column, name in zip(columns, sample_names()):
    with column:
        st.markdown(f"**{name}**")
        st.caption(sample_caption(name))
        if st.button(f"Open {name}", key=f"open-{name}", width="stretch"):
            choose_sample(name)
            st.rerun()

st.subheader("Demo mode")
st.caption("A two-minute guided story for teaching: three very different methods on 1,797 handwritten digits.")
if st.button("Start the demo", type="primary", disabled="job" in st.session_state, key="start-demo"):
    def keep(story):
        choose_sample(story["sample"])
        demo_data = cached_sample(story["sample"])
        story["run_ids"] = [add_run(demo_data, result)["id"] for result in story["results"]]
        st.session_state["demo"] = story

    start_job("the demo", run_demo, {}, keep)
    st.rerun()

story = st.session_state.get("demo")
if story:
    demo_data = cached_sample(story["sample"])
    known = {r["id"] for r in runs_for(demo_data)}
    rows = []
    for (method, _, sentence), result in zip(DEMO_STEPS, story["results"]):
        st.markdown(f"{len(rows) + 1}. {sentence}")
        rows.append({"method": method, "clusters": result.n_clusters, "noise %": round(100 * result.noise_share, 1),
                     "ARI vs digit": round(result.metrics["ari"], 3), "ACC": round(result.metrics["acc"], 3),
                     "seconds": round(result.seconds["total"], 1)})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.markdown(f"{len(rows) + 1}. {LAYOUT_SENTENCE}")
    names = [m for m, _, _ in DEMO_STEPS] + ["true digit"]
    shown = st.radio("Colour by", names, horizontal=True, key="demo-colour")
    if shown == "true digit":
        codes, legend = colour_codes(demo_data.metadata["label"], noise_negative=False)
    else:
        codes, legend = colour_codes(story["results"][names.index(shown)].labels)
    scatter(story["layout"], codes, legend, hover_text=hover_lines(demo_data.metadata, ["label"]),
            images=demo_data.vectors, image_shape=demo_data.image_shape, height=460, key="demo-scatter")
    if "comparison" in story:
        st.markdown(f"{len(rows) + 2}. {COMPARE_SENTENCE}")
        panels = st.columns(len(DEMO_STEPS))
        reference = demo_data.labels()
        for panel, (method, _, _), result in zip(panels, DEMO_STEPS, story["results"]):
            with panel:
                st.markdown(f"**{method}**")
                codes, legend = matched_colour_codes(result.labels, reference)
                scatter(story["layout"], codes, legend, hover_text=hover_lines(demo_data.metadata, ["label"]),
                        height=300, key=f"demo-panel-{method}", link="demo")
        st.dataframe(pd.DataFrame(story["comparison"]["table"]), hide_index=True, key="demo-verdicts")
    if "explanations" in story:
        st.markdown(f"{len(rows) + 3}. {EXPLAIN_SENTENCE}")
        kind = st.radio("Rules", ["tree", "polyhedra"], horizontal=True, key="demo-rules")
        explanation = story["explanations"][kind]
        codes, legend = colour_codes(story["results"][0].labels)
        colours = {int(entry["name"]): entry["colour"] for entry in legend}
        shapes = [{"points": polygon, "colour": colours.get(cluster, "#888888"), "opacity": 0.10}
                  for cluster, polygons in explanation.polygons.items() for polygon in polygons if len(polygon) >= 3]
        e1, e2 = st.columns([3, 2])
        with e1:
            scatter(story["layout"], codes, legend, height=420, key="demo-explain", shapes=shapes)
        with e2:
            size = explanation.complexity.get("literals", explanation.complexity.get("halfspaces"))
            st.metric(f"{kind} accuracy", f"{explanation.accuracy:.1%}",
                      help=f"{size} {'conditions' if kind == 'tree' else 'half-spaces'} in all")
            st.dataframe(pd.DataFrame([{"cluster": c.cluster, "rule": c.rule, "precision": round(c.precision, 2)}
                                       for c in explanation.clusters]), hide_index=True, height=300,
                         key="demo-rules-table")
    if not known.issuperset(story.get("run_ids", [])):
        st.caption("Some demo runs were deleted from the history.")
    st.caption("Every demo run is also in the run history: open **Explore** to hover, lasso and drill down.")
