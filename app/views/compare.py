"""Compare: runs and truth side by side, agreement, contingency and flows, stability, and the perception view."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from app import projects
from app.exports import heatmap_buttons, report_buttons, scatter_buttons
from app.history import RunEntry, find_run
from app.jobs import start_job
from app.layouts import page_layout
from app.page import page_data
from app.scatter import colour_codes, hover_lines, matched_colour_codes, palette, scatter
from app.state import runs_for
from app.text import plain
from clustering.compare import Labeling, compare, contingency, flows, matched_order, splits_and_merges
from clustering.data import Dataset, encode_labels
from clustering.metrics import ari
from clustering.perception import ViewModel, neighbourhood_preservation, perceive, trustworthiness_continuity, verdicts
from clustering.perception import advice as perception_advice
from clustering.pipeline import prepared
from clustering.projection import PROJECTIONS

RAMP = [
    "#b2182b",
    "#d6604d",
    "#f4a582",
    "#fddbc7",
    "#f7f7f7",
    "#d1e5f0",
    "#92c5de",
    "#4393c3",
    "#2166ac",
    "#1a4f8a",
    "#053061",
]  # red = neighbours lost, blue = kept
VERDICT_TEXT = {
    "visible": "one clear region of its own",
    "split": "spread over several regions",
    "merged": "shares its region with other clusters",
    "hidden": "mostly in sparse areas: not seen",
}


@dataclass
class Comparison:
    """What every section of the page works on: the chosen runs (and truth) on one layout."""

    data: Dataset
    preprocess: str
    history: list[RunEntry]
    names: dict[str, str]  # run id -> run name
    chosen_ids: list[str]
    labelings: list[Labeling]  # the runs, then the truth when chosen
    cluster_names: dict[str, dict[int, str]]  # labeling name -> cluster id -> name (truth: its categories)
    truth_column: str | None
    layout_method: str
    xy: np.ndarray
    hover: str | None
    full_data: Dataset  # the whole dataset (reports and stability run on it)
    full_xy: np.ndarray
    rows: np.ndarray | None = None  # drill-downs: compared on the rows they all clustered

    def label(self, labeling: str, cluster: object) -> str:
        """A cluster as people call it: the truth's category, or 'id · name' for a named cluster."""
        names = self.cluster_names.get(labeling, {})
        if labeling.startswith("truth: "):
            try:
                return names.get(int(cluster), str(cluster)) if int(cluster) >= 0 else "unlabelled"  # type: ignore[call-overload]
            except (TypeError, ValueError):
                return "–"
        return projects.cluster_label(cluster, names)


def keep_stability(run_id: str, repeats: int, out: dict) -> None:
    st.session_state["stability"] = {"run": run_id, **out}
    projects.keep_stability(run_id, {"repeats": repeats}, out)


def truth_names(values) -> dict[int, str]:
    """Each truth code's category name (codes as `encode_labels` gives them)."""
    codes = encode_labels(values)
    series = pd.Series(values).reset_index(drop=True)
    return {int(code): str(series[int(np.flatnonzero(codes == code)[0])]) for code in np.unique(codes[codes >= 0])}


def render() -> None:
    data, preprocess = page_data("Compare")
    chosen = choose(data, preprocess)
    if chosen is None:
        st.info(
            "Choose at least two runs, or one run and a ground-truth column. Runs come from the **Cluster** page "
            "(or the demo on **Home**)."
        )
        st.stop()
        return
    report_section(chosen)
    side_by_side(chosen)
    report, short = agreement(chosen)
    pair_detail(chosen, report)
    stability_section(chosen)
    perception_section(chosen, short)


def choose(data: Dataset, preprocess: str) -> Comparison | None:
    """The runs, truth and layout to compare, from the pickers at the top; None with fewer than two."""
    history = runs_for(data)
    c1, c2, c3 = st.columns([3, 1, 1])
    names = {r.id: r.name for r in history}
    chosen_ids = c1.multiselect(
        "Runs to compare", list(names), default=list(names)[-3:], format_func=lambda i: names[i], key="compare-runs"
    )
    truth_column = c2.selectbox("Ground truth", ["(none)", *data.truth_candidates()], key="compare-truth")
    layout_method = c3.selectbox(
        "Layout", list(PROJECTIONS), key="compare-layout", format_func=lambda m: PROJECTIONS[m]
    )
    entries = [find_run(history, i) for i in chosen_ids]
    drilled = [np.asarray(e.rows) for e in entries if e.rows is not None]
    rows = functools.reduce(np.intersect1d, drilled) if drilled else None  # drill-downs: their common rows only
    view = data if rows is None else data.subset(rows)
    labelings = [Labeling(names[e.id], e.result.labels if rows is None else e.result.labels[rows]) for e in entries]
    cluster_names = {names[i]: projects.legend_names(i) for i in chosen_ids}  # the user's names, by run name
    if truth_column != "(none)":
        values = view.metadata[truth_column]
        labelings.append(Labeling(f"truth: {truth_column}", encode_labels(values), is_truth=True))
        cluster_names[f"truth: {truth_column}"] = truth_names(values)
    if len(labelings) < 2:
        return None
    if rows is not None:
        st.caption(
            f"Drill-downs are compared on the {len(rows):,} rows they all clustered; the other rows are left "
            "out (they would count as noise)."
        )
    hover = hover_lines(view.metadata, [view.text_column] if view.text_column else list(data.metadata.columns)[:1])
    full_xy = page_layout(data, preprocess, layout_method)
    return Comparison(
        view,
        preprocess,
        history,
        names,
        list(chosen_ids),
        labelings,
        cluster_names,
        None if truth_column == "(none)" else truth_column,
        layout_method,
        full_xy if rows is None else full_xy[rows],
        hover,
        data,
        full_xy,
        rows,
    )


def report_section(chosen: Comparison) -> None:
    with st.expander("Report of these runs (HTML, opens offline)"):
        entries = [find_run(chosen.history, i) for i in chosen.chosen_ids]
        kept_rules = {
            i: kept[0]["result"] if (kept := projects.kept_explanations(i)) else None for i in chosen.chosen_ids
        }
        names = {i: projects.legend_names(i) for i in chosen.chosen_ids}
        report_buttons(
            chosen.full_data,
            entries,
            names,
            kept_rules,
            chosen.truth_column,
            chosen.layout_method,
            chosen.full_xy,
            key="compare",
        )


def side_by_side(chosen: Comparison) -> None:
    """The same layout coloured by each clustering, colours matched to the truth (or the first run)."""
    st.subheader("Side by side")
    st.caption(
        "The same layout coloured by each clustering. Colours are matched to the first panel (Hungarian "
        "matching), so a group keeps its colour; hovering or lassoing in one panel marks the same rows in all."
    )
    labelings, data = chosen.labelings, chosen.data
    reference = labelings[-1].labels if labelings[-1].is_truth else labelings[0].labels
    per_row = 3 if len(labelings) >= 3 else 2
    ordered = ([labelings[-1]] + labelings[:-1]) if labelings[-1].is_truth else labelings
    for start in range(0, len(ordered), per_row):
        columns = st.columns(per_row)
        for column, labeling in zip(columns, ordered[start : start + per_row]):
            with column:
                st.markdown(f"**{plain(labeling.name if len(labeling.name) <= 34 else labeling.name[:33] + '…')}**")
                if labeling.is_truth:
                    codes, legend = matched_colour_codes(labeling.labels, reference)
                    for entry in legend:  # the categories' own names, not their codes
                        entry["name"] = ", ".join(
                            chosen.label(labeling.name, part)
                            for part in entry["name"].removeprefix("cluster ").split(", ")
                            if part
                        )
                else:
                    codes, legend = matched_colour_codes(
                        labeling.labels, reference, chosen.cluster_names.get(labeling.name)
                    )
                scatter(
                    chosen.xy,
                    codes,
                    legend,
                    hover_text=chosen.hover,
                    images=data.vectors if data.image_shape else None,
                    image_shape=data.image_shape,
                    height=340,
                    key=f"compare-{labeling.name}",
                    link=f"compare-{data.fingerprint[:12]}",
                )
                scatter_buttons(chosen.xy, codes, legend, labeling.name, key=f"compare-{labeling.name}")


def agreement(chosen: Comparison) -> tuple[dict, list[str]]:
    """ARI, AMI and VI heatmaps, darker where the two clusterings agree more."""
    report = compare(chosen.labelings)
    short = [f"{i + 1}. {name if len(name) <= 24 else name[:23] + '…'}" for i, name in enumerate(report["runs"])]
    st.subheader("Agreement")
    st.caption(
        "ARI and AMI: 1 = identical, 0 = chance. Variation of information (VI, nats): 0 = identical, larger = "
        "further apart. Darker cells agree more. Noise counts as singletons; unlabelled truth rows are left out."
    )
    for column, key, scale in zip(st.columns(3), ("ari", "ami", "vi"), ("Blues", "Blues", "Blues")):
        matrix = np.asarray(report[key])
        figure = go.Figure(
            go.Heatmap(
                z=matrix,
                x=short,
                y=short,
                colorscale=scale,
                text=np.round(matrix, 2),
                texttemplate="%{text}",
                showscale=False,
                reversescale=key == "vi",  # VI is a distance: small = agreement = dark
            )
        )
        figure.update_layout(
            title=key.upper(), height=320, margin=dict(l=10, r=10, t=40, b=10), yaxis_autorange="reversed"
        )
        column.plotly_chart(figure, width="stretch", key=f"heat-{key}")
        with column:
            heatmap_buttons(matrix, short, short, f"{key.upper()} agreement", key=f"heat-{key}")
    return report, short


def pair_detail(chosen: Comparison, report: dict) -> None:
    """Two clusterings in detail: best matches, the contingency table and the flows between them, by name."""
    pair_names = [lab.name for lab in chosen.labelings]
    p1, p2 = st.columns(2)
    name_a = p1.selectbox("Run A", pair_names, index=0, key="pair-a")
    name_b = p2.selectbox("Run B", pair_names, index=1 if len(pair_names) > 1 else 0, key="pair-b")
    a = next(lab for lab in chosen.labelings if lab.name == name_a)
    b = next(lab for lab in chosen.labelings if lab.name == name_b)

    def label_a(c: object) -> str:
        return chosen.label(name_a, c)

    def label_b(c: object) -> str:
        return chosen.label(name_b, c)

    matches = pd.DataFrame([m for m in report["matches"] if m["run"] == name_a and m["other"] == name_b])
    if not matches.empty:
        st.markdown("**Best match in B for each cluster of A** (Jaccard index of the two sets of rows)")
        matches["cluster"] = [label_a(c) for c in matches["cluster"]]
        matches["best_match"] = [label_b(c) for c in matches["best_match"]]
        st.dataframe(
            matches[["cluster", "size", "best_match", "jaccard", "overlap"]].round(3),
            hide_index=True,
            height=min(320, 40 + 35 * len(matches)),
        )
    keep = a.valid & b.valid
    table, rows, cols = contingency(a.labels[keep], b.labels[keep])
    if not (len(rows) and len(cols)):
        return
    order_r, order_c = matched_order(table)
    shown = table[np.ix_(order_r, order_c)]
    row_names = [label_a(v) for v in rows[order_r]]
    col_names = [label_b(v) for v in cols[order_c]]
    figure = go.Figure(
        go.Heatmap(
            z=shown, x=col_names, y=row_names, colorscale="Blues", text=shown, texttemplate="%{text}", showscale=False
        )
    )
    figure.update_layout(
        title=f"Contingency (rows: {name_a}, columns: {name_b}, matched order)",
        height=420,
        margin=dict(l=10, r=10, t=40, b=10),
        yaxis_autorange="reversed",
        xaxis_type="category",
        yaxis_type="category",
    )
    st.plotly_chart(figure, width="stretch", key="contingency")
    heatmap_buttons(shown, row_names, col_names, f"Contingency {name_a} x {name_b}", key="contingency")
    flows_chart(a.labels[keep], b.labels[keep], name_a, name_b, label_a, label_b)
    changes = splits_and_merges(a.labels[keep], b.labels[keep])
    lines = [
        f"A's cluster {plain(label_a(c))} is split by B into {', '.join(plain(label_b(p)) for p in parts)}"
        for c, parts in changes["split"].items()
    ]
    lines += [
        f"B's cluster {plain(label_b(c))} merges A's {', '.join(plain(label_a(p)) for p in parts)}"
        for c, parts in changes["merged"].items()
    ]
    st.markdown(
        "\n".join(f"- {line}" for line in lines) if lines else "No cluster is split or merged (at 20% of its rows)."
    )


def flows_chart(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, label_a, label_b) -> None:
    """A Sankey of the rows moving from A's clusters to B's; each node and its outgoing links share a colour."""
    links = flows(a, b)
    sources = sorted({link["source"] for link in links})
    targets = sorted({link["target"] for link in links})
    source_colours = palette(max(len(sources), 1))
    target_colour = {}
    for target in targets:  # a target takes the colour of the source that sends it the most rows
        biggest = max((link for link in links if link["target"] == target), key=lambda link: link["count"])
        target_colour[target] = source_colours[sources.index(biggest["source"]) % len(source_colours)]
    figure = go.Figure(
        go.Sankey(
            node=dict(
                label=[f"A {label_a(v)}" for v in sources] + [f"B {label_b(v)}" for v in targets],
                color=[source_colours[i % len(source_colours)] for i in range(len(sources))]
                + [target_colour[t] for t in targets],
                pad=8,
                thickness=12,
            ),
            link=dict(
                source=[sources.index(link["source"]) for link in links],
                target=[len(sources) + targets.index(link["target"]) for link in links],
                value=[link["count"] for link in links],
                color=[source_colours[sources.index(link["source"]) % len(source_colours)] + "66" for link in links],
            ),
        )
    )
    figure.update_layout(title=f"Flows from {name_a} to {name_b}", height=460, margin=dict(l=10, r=10, t=40, b=10))
    st.plotly_chart(figure, width="stretch", key="sankey")


def stability_section(chosen: Comparison) -> None:
    """Agreement across seeds and 80% subsamples of one chosen run (a worker job), kept in the project."""
    names = chosen.names
    st.subheader("Stability")
    st.caption(
        "Agreement (ARI) between runs of the same method and parameters with different seeds, and on random "
        "80% subsamples (on their common rows): the MNIST-Nd protocol."
    )
    run_choices = list(chosen.chosen_ids)
    s1, s2, s3 = st.columns([3, 1, 1])
    stability_run = (
        s1.selectbox("Run", run_choices, format_func=lambda i: names[i], key="stability-run") if run_choices else None
    )
    repeats = s2.number_input("Repeats", min_value=2, max_value=10, value=4, key="stability-repeats")

    if stability_run and s3.button("Measure stability", disabled="job" in st.session_state, key="measure-stability"):
        result = find_run(chosen.history, stability_run).result

        from clustering.sweep import stability as measure_stability

        start_job(
            "stability",
            measure_stability,
            {
                "dataset": chosen.full_data,
                "method": result.method,
                "params": dict(result.params),
                "preprocess": result.preprocess,
                "seed": result.seed or 0,
                "repeats": int(repeats),
            },
            lambda out, run_id=stability_run, repeats=int(repeats): keep_stability(run_id, repeats, out),
        )
        st.rerun()
    stability = st.session_state.get("stability") or projects.kept_stability(list(names))
    if stability and stability["run"] in names:
        m1, m2 = st.columns(2)
        m1.metric(
            "Seed stability (mean ARI)",
            "n/a" if stability["seed_stability"] is None else f"{stability['seed_stability']:.3f}",
        )
        m2.metric(
            "Subsample stability (mean ARI)",
            "n/a" if stability["subsample_stability"] is None else f"{stability['subsample_stability']:.3f}",
        )
        spread = pd.DataFrame(
            [{"kind": "seeds", "ARI": v} for v in stability["seed_ari"]]
            + [{"kind": "80% subsamples", "ARI": v} for v in stability["subsample_ari"]]
        )
        if not spread.empty:
            figure = go.Figure(
                [go.Box(y=group["ARI"], name=kind, boxpoints="all") for kind, group in spread.groupby("kind")]
            )
            figure.update_layout(height=300, margin=dict(l=10, r=10, t=20, b=10), yaxis_title="pairwise ARI")
            st.plotly_chart(figure, width="stretch", key="stability-box")
        st.caption(
            f"Stability of {plain(names[stability['run']])}; seeds without effect (deterministic methods) give n/a."
        )


def perception_section(chosen: Comparison, short: list[str]) -> None:
    """The regions a person sees in the scatter, each cluster's verdict, and the layout's faithfulness."""
    st.subheader("What the picture shows")
    st.caption(
        "A model of perception, not a learned one: the points are drawn at screen resolution, smoothed over a "
        "few pixels, and dense areas form the regions a person would group together. Each cluster is then "
        "*visible*, *split*, *merged* or *hidden* in this picture."
    )
    n = chosen.data.n
    marker_default = 6.0 if n <= 5000 else 4.0 if n <= 20000 else 3.0 if n <= 100000 else 2.0
    with st.expander("How the picture is looked at"):
        v1, v2, v3, v4 = st.columns(4)
        plot_px = v1.slider("Plot size (px)", 200, 1200, 600, step=50, key="view-size")
        marker_px = v2.slider("Marker size (px)", 1.0, 10.0, marker_default, step=0.5, key="view-marker")
        level = v3.slider("Density threshold (share of the median)", 0.02, 0.5, 0.1, step=0.01, key="view-level")
        bandwidth = v4.number_input(
            "Smoothing (px, 0 = automatic)", min_value=0.0, max_value=100.0, value=0.0, key="view-bandwidth"
        )
    view = ViewModel(
        width_px=plot_px, height_px=plot_px, marker_px=marker_px, bandwidth_px=bandwidth or None, level=level
    )
    visual = perceive(chosen.xy, None, view)
    perceived = {lab.name: verdicts(lab.labels, visual["visual_labels"]) for lab in chosen.labelings}
    summary = []
    for index, lab in enumerate(chosen.labelings):
        counts = pd.Series([d["verdict"] for d in perceived[lab.name].values()]).value_counts()
        summary.append(
            {
                "clustering": short[index],
                "ARI vs picture": round(ari(visual["visual_labels"], lab.labels), 3),
                **{verdict: int(counts.get(verdict, 0)) for verdict in VERDICT_TEXT},
            }
        )
    left, right = st.columns([1, 1])
    with left:
        st.markdown(
            f"**Visual clustering**: {visual['n_regions']} regions, "
            f"{100 * visual['unassigned_share']:.1f}% of points in sparse areas (grey)"
        )
        codes, legend = colour_codes(visual["visual_labels"])
        legend = [{**entry, "name": f"region {entry['name']}"} for entry in legend]
        scatter(
            chosen.xy,
            codes,
            legend,
            hover_text=chosen.hover,
            height=360,
            key="perceived",
            link=f"compare-{chosen.data.fingerprint[:12]}",
        )
        scatter_buttons(chosen.xy, codes, legend, "regions a person sees", key="perceived")
    with right:
        detail_name = st.selectbox("Verdicts per cluster of", [lab.name for lab in chosen.labelings], key="verdict-run")
        details = perceived[detail_name]
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "cluster": int(c),
                        "verdict": d["verdict"],
                        "meaning": VERDICT_TEXT[d["verdict"]],
                        "size": d["size"],
                        "in a region %": round(100 * d["shown_share"], 1),
                        "regions": ", ".join(map(str, d["regions"])),
                    }
                    for c, d in details.items()
                ]
            ),
            hide_index=True,
            height=320,
        )
    st.dataframe(pd.DataFrame(summary), hide_index=True, key="verdict-summary")
    st.caption(
        "ARI vs picture: how closely a clustering matches the groups a person sees in this scatter (1 = the same "
        "groups, 0 = no more alike than chance)."
    )
    for lab in chosen.labelings:
        tip = perception_advice(perceived[lab.name], visual["n_regions"])
        if tip:
            st.info(f"{plain(lab.name)}: {tip}")

    st.markdown("**Projection faithfulness** (k = 10): does the layout keep each point's neighbours?")
    if st.toggle("Measure trustworthiness, continuity and per-point neighbourhood preservation", key="faithfulness"):
        with st.spinner("Measuring neighbourhoods…"):
            x = prepared(chosen.data, chosen.preprocess)
            faith = trustworthiness_continuity(x, chosen.xy, k=10)
            from clustering.neighbors import knn_graph

            kept = neighbourhood_preservation(
                x, chosen.xy, k=10, high_neighbours=knn_graph(x, 10).indices
            )  # shared, cached
        f1, f2, f3 = st.columns(3)
        f1.metric("Trustworthiness", f"{faith['trustworthiness']:.3f}", help="1 = no false neighbours in the layout")
        f2.metric("Continuity", f"{faith['continuity']:.3f}", help="1 = no true neighbours torn apart")
        f3.metric("Neighbours kept (mean)", f"{kept.mean():.2f}")
        steps = np.rint(kept * 10).astype(int)  # 0..10 tenths kept
        codes = steps.astype(np.uint16)
        legend = [
            {
                "name": f"{10 * step}% kept",
                "colour": RAMP[step],
                "size": int((steps == step).sum()),
                "hidden": not (steps == step).any(),
            }
            for step in range(11)
        ]
        scatter(chosen.xy, codes, legend, hover_text=chosen.hover, height=380, key="faithfulness-scatter")
        scatter_buttons(chosen.xy, codes, legend, "neighbours kept by the layout", key="faithfulness-scatter")
        st.caption(
            f"Estimated on {faith['queries']:,} query points. Colour: share of each point's 10 nearest neighbours "
            "in the original space that stay among its 10 nearest on the layout."
        )
