"""Explain: rules for each cluster of a run, in features a person can read; trees, polyhedra, keywords."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from clustering.app import projects
from clustering.app.exports import scatter_buttons
from clustering.app.history import find_run
from clustering.app.jobs import start_job
from clustering.app.layouts import page_layout
from clustering.app.page import page_data
from clustering.app.scatter import NOISE_CODE, hover_lines, scatter
from clustering.app.state import runs_for
from clustering.app.text import plain
from clustering.app.widgets import parameter_form
from clustering.data import Dataset
from clustering.evaluate.profiles import cluster_profiles, exemplar_text
from clustering.explainers import EXPLAINERS, SPACES, available_spaces, explain_in_space
from clustering.explainers.keywords import keyword_labels
from clustering.explainers.masks import mean_image, rule_mask
from clustering.graph.projection import PROJECTIONS

COVERAGE = [
    ("rule holds, in the cluster", "#2f9e44"),
    ("rule holds, other cluster (wrong)", "#e03131"),
    ("in the cluster, rule misses", "#f08c00"),
]


def profiles_table(data: Dataset, labels: np.ndarray) -> None:
    """What each cluster holds in the metadata's own terms, beside its rule."""
    profiles = cluster_profiles(data.metadata, labels, data.vectors)
    if not profiles or not any(p.categories or p.medians for p in profiles):
        return
    text_columns = [data.text_column] if data.text_column else None
    rows = []
    for profile in profiles:
        rows.append(
            {
                "cluster": profile.cluster,
                "size": profile.size,
                "top categories": " · ".join(
                    f"{c['column']}: " + ", ".join(f"{v} {100 * share:.0f}%" for v, share, _ in c["values"])
                    for c in profile.categories
                ),
                "medians (all rows)": " · ".join(
                    f"{m['column']} {m['median']:.3g} ({m['overall']:.3g})" for m in profile.medians
                ),
                "nearest the centre": exemplar_text(data.metadata, profile.exemplars[0], text_columns, width=90)
                if profile.exemplars
                else "",
            }
        )
    st.markdown("**Profiles**: what each cluster holds in the metadata (shares within the cluster)")
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="profiles-table")


def render() -> None:
    data, preprocess = page_data("Explain")
    history = runs_for(data)
    if not history:
        st.info(
            "Run a clustering on the **Cluster** page first (or the demo on **Home**); its clusters are explained here."
        )
        st.stop()
    choice = choose(data, preprocess, history)
    found = choice.store.get(choice.key)
    if found is None:
        st.caption("Choose a run, a feature space and a method, then press **Explain**.")
        st.stop()
        return
    explanation = found["explanation"]
    measures(explanation)
    cluster = rules_table(data, choice, explanation)
    coverage(data, choice, explanation, cluster)
    if found.get("curve"):
        st.markdown("**Accuracy against the number of leaves** (ExKMC grows the IMM tree one leaf at a time)")
        st.line_chart(pd.DataFrame(found["curve"]).set_index("leaves"), height=240)
    with st.expander("Rules as JSON"):
        st.json(explanation.to_json(), expanded=False)


@dataclass
class Choice:
    """What is explained: the run, the feature space, the method and its settings, the layout drawn."""

    run_id: str
    labels: np.ndarray
    space_name: str
    method: str
    params: dict
    components: int
    layout_method: str
    xy: np.ndarray
    key: tuple
    store: dict


def choose(data, preprocess: str, history: list) -> Choice:
    """The run, space, method and settings; the kept explanations; the Explain button (a job)."""
    names = {r.id: r.name for r in history}
    c1, c2, c3 = st.columns([2, 1, 2])
    active = st.session_state.get("active_run")
    ids = list(reversed(list(names)))
    run_id = c1.selectbox(
        "Run", ids, index=ids.index(active) if active in ids else 0, format_func=lambda i: names[i], key="explain-run"
    )
    spaces = available_spaces(data)
    space_name = c2.selectbox(
        "Explain in",
        spaces,
        key="explain-space",
        help="\n".join(f"**{k}**: {v}" for k, v in SPACES.items() if k in spaces),
    )
    method = c3.selectbox("Method", list(EXPLAINERS), format_func=lambda m: EXPLAINERS[m].title, key="explain-method")
    st.caption(EXPLAINERS[method].description)
    result = find_run(history, run_id).result
    with st.expander("Settings", expanded=bool(EXPLAINERS[method].schema)):
        s1, s2 = st.columns(2)
        components = s1.number_input(
            "Principal components", 2, 50, 10, key="explain-components", disabled=space_name != "pca"
        )
        layout_method = s2.selectbox(
            "Layout (for the scatter and the projection space)",
            list(PROJECTIONS),
            format_func=lambda m: PROJECTIONS[m],
            key="explain-layout",
        )
        params, problem = parameter_form(EXPLAINERS[method], columns=4, key_prefix="explain")
    if problem:
        st.error(plain(problem))

    xy = page_layout(data, preprocess, layout_method)

    key = (run_id, space_name, int(components), layout_method, method, tuple(sorted(params.items())))
    store = st.session_state.setdefault("explanations", {})

    def keep(out: dict) -> None:
        """The explanation for this page, and its rules and measures in the project."""
        store[key] = out
        settings = {
            "method": method,
            "space": space_name,
            "components": int(components),
            "layout": layout_method,
            "params": dict(params),
        }
        projects.keep_explanation(run_id, settings, out["explanation"].to_json())

    choice = Choice(run_id, result.labels, space_name, method, params, int(components), layout_method, xy, key, store)
    kept_explanations(run_id)
    explain_button(data, choice, keep, result.n_clusters, problem)
    return choice


def kept_explanations(run_id: str) -> None:
    """The explanations this project keeps for the run."""
    kept = projects.kept_explanations(run_id)
    if kept:
        with st.expander(f"Explanations kept in the project for this run ({len(kept)})"):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "method": e["result"].get("method"),
                            "space": e["result"].get("space"),
                            "accuracy": round(float(e["result"].get("accuracy") or 0), 3),
                            "rules": len(e["result"].get("clusters", [])),
                            "made": pd.to_datetime(e["created"], unit="s").strftime("%Y-%m-%d %H:%M"),
                        }
                        for e in kept
                    ]
                ),
                hide_index=True,
                key="kept-explanations",
            )


def explain_button(data, choice: Choice, keep, k: int, problem: str | None) -> None:
    """Start the explanation as a job; it is kept in the project when it ends."""
    if st.button(
        "Explain", type="primary", disabled="job" in st.session_state or k < 2 or bool(problem), key="explain-go"
    ):
        start_job(
            f"{EXPLAINERS[choice.method].title} explanation",
            explain_in_space,
            {
                "dataset": data,
                "labels": np.asarray(choice.labels),
                "space_name": choice.space_name,
                "method": choice.method,
                "params": dict(choice.params),
                "xy": choice.xy,
                "n_components": choice.components,
            },
            lambda out: keep(out),
        )
        st.rerun()
    if k < 2:
        st.warning("This run has fewer than two clusters: there is nothing to explain.")


def measures(explanation) -> None:
    """Accuracy and complexity of the explanation, as metrics."""
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        "Description accuracy",
        f"{explanation.accuracy:.1%}",
        help="share of points whose own cluster's rule holds for them, and no other cluster's",
    )
    complexity = explanation.complexity
    if explanation.tree is not None:
        m2.metric("Leaves / depth", f"{complexity['leaves']} / {complexity['depth']}")
        m3.metric("Conditions in the rules", complexity["literals"])
        m4.metric(
            "Price of explainability",
            f"{explanation.price:.3f}",
            help="k-means cost of the tree's clusters / of the run's clusters, in this space (1 = no loss)",
        )
    else:
        m2.metric("Half-spaces", complexity["halfspaces"])
        m3.metric("Non-zeros / features used", f"{complexity['nonzeros']} / {complexity['features_used']}")
        m4.metric("Solver", explanation.info.get("status", "").split(";")[0], help=explanation.info.get("status", ""))
    if explanation.info.get("n_noise"):
        st.caption(f"{explanation.info['n_noise']:,} noise points are not a cluster and are left out of the measures.")


def rules_table(data, choice: Choice, explanation) -> int:
    """The rules with precision and recall, the profiles, and the cluster whose rule is highlighted."""
    run_id, labels = choice.run_id, choice.labels
    table = pd.DataFrame(
        [
            {
                "cluster": c.cluster,
                "size": c.size,
                "precision": round(c.precision, 3),
                "recall": round(c.recall, 3),
                "rule": c.rule,
            }
            for c in explanation.clusters
        ]
    )
    user_names = projects.legend_names(run_id)
    if user_names:
        table.insert(1, "name", [user_names.get(c, "") for c in table["cluster"]])
    if data.text_column:
        terms = keyword_labels(data.metadata[data.text_column], labels)
        table.insert(1, "keywords", [terms.get(c, "") for c in table["cluster"]])
    st.markdown("**Rules** (click a row, or pick a cluster below, to see where its rule holds)")
    picked = st.dataframe(
        table,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="rules-table",
        column_config={"rule": st.column_config.TextColumn(width="large")},
    )
    rows_picked = picked.selection.rows if picked is not None and hasattr(picked, "selection") else []
    profiles_table(data, labels)
    clusters = [c.cluster for c in explanation.clusters]
    if rows_picked and rows_picked != st.session_state.get("rules-picked"):  # a newly clicked row wins once
        st.session_state["rule-cluster"] = clusters[rows_picked[0]]
    st.session_state["rules-picked"] = rows_picked
    if st.session_state.get("rule-cluster") not in clusters:
        st.session_state.pop("rule-cluster", None)
    cluster = st.selectbox(
        "Highlight the rule of cluster",
        clusters,
        key="rule-cluster",
        format_func=lambda c: projects.cluster_label(c, user_names),
    )
    rule = next(c for c in explanation.clusters if c.cluster == cluster)
    st.markdown(f"**Cluster {plain(projects.cluster_label(cluster, user_names))}**: {plain(rule.rule)}")

    return int(cluster)


def coverage(data, choice: Choice, explanation, cluster: int) -> None:
    """Where the highlighted rule holds on the layout, its pixel mask and the tree."""
    xy, space_name = choice.xy, choice.space_name
    members = choice.labels == cluster
    holds = explanation.covers(cluster)
    codes = np.full(len(choice.labels), NOISE_CODE, dtype=np.uint16)
    codes[holds & members] = 0
    codes[holds & ~members] = 1
    codes[~holds & members] = 2
    legend = [
        {"name": name, "colour": colour, "size": int((codes == i).sum())} for i, (name, colour) in enumerate(COVERAGE)
    ]
    shapes = []
    if space_name == "projection" and explanation.polygons:
        for polygon in explanation.polygons.get(cluster, []):
            if len(polygon) >= 3:
                shapes.append({"points": polygon, "colour": "#3b5bdb", "opacity": 0.12})
    left, right = st.columns([3, 2]) if explanation.tree is not None or data.image_shape else (st.container(), None)
    with left:
        scatter(
            xy,
            codes,
            legend,
            hover_text=hover_lines(data.metadata, list(data.metadata.columns)[:2]),
            images=data.vectors if data.image_shape else None,
            image_shape=data.image_shape,
            height=460,
            key="explain-scatter",
            shapes=shapes,
        )
        st.caption(
            "Green: the rule holds and the point is in the cluster; red: the rule holds for a point of another "
            "cluster; orange: a point of the cluster the rule misses; grey: the rest."
            + (" The shaded region is the rule on the layout." if shapes else "")
        )
        scatter_buttons(xy, codes, legend, f"{data.name} rule of cluster {cluster}", key="explain-scatter")
    if right is not None:
        with right:
            if data.image_shape and space_name == "pixels":
                scale = max(1, 168 // data.image_shape[1])
                i1, i2 = st.columns(2)
                i1.image(
                    rule_mask(explanation, cluster, data.image_shape, scale),
                    caption="rule mask: red = ink required, blue = blank required",
                    width="content",
                )
                i2.image(
                    mean_image(data.vectors, members, data.image_shape, scale),
                    caption=f"mean image of cluster {cluster}",
                    width="content",
                )
            if explanation.tree is not None:
                st.graphviz_chart(explanation.to_dot(), width="stretch")
