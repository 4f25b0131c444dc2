"""Cluster: choose a method, tune it, run with progress and cancel; run history; sweeps."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from clustering.app import projector, projects
from clustering.app.exports import labels_buttons
from clustering.app.history import find_run, runs
from clustering.app.jobs import start_job
from clustering.app.page import page_data
from clustering.app.replay import replay_figure
from clustering.app.state import add_run, runs_for
from clustering.app.text import plain
from clustering.app.views.confidence_panel import confidence_section
from clustering.app.views.suggest_panel import suggest_section
from clustering.app.widgets import keep_choice, kept_choice, parameter_form
from clustering.backends import BACKENDS
from clustering.backends.base import ParamError
from clustering.data import DataError
from clustering.evaluate.metrics import agreement
from clustering.evaluate.profiles import suggested_names
from clustering.io.labels import read_label_file
from clustering.run.imported import imported_result
from clustering.run.levels import layer_levels
from clustering.run.model import VOTERS
from clustering.run.pipeline import refusal as run_refusal
from clustering.run.pipeline import run, sample_size
from clustering.run.sweep import sweep


def neighbours_text(knn: dict | None) -> str:
    """How a run's kNN graph was found: exact, or approximate with its measured recall."""
    if not knn:
        return ""
    return "exact" if knn["exact"] else f"approximate, recall {knn['recall']:.3f}"


def cluster_names_editor(data, run_id: str, labels: np.ndarray) -> None:
    """Name a cluster and note what it is; saved to the project at once, shown in legends, tables and exports.

    The panel stays open after a save, and offers names from the cluster's keywords and its over-represented
    categories.
    """
    if projects.current() is None:
        return
    saved = projects.cluster_names(run_id)
    ids, sizes = np.unique(labels[labels >= 0], return_counts=True)
    if not len(ids):
        return
    named = sum(1 for name, _ in saved.values() if name)
    opened = st.session_state.get(f"naming-open-{run_id}", False)
    # the count is in the label (seen folded); a save keeps the panel open through the label's change
    with st.expander(f"Name clusters ({named} of {len(ids)} named)", expanded=opened):
        size_of = dict(zip(ids.tolist(), sizes.tolist()))
        c1, c2, c3 = st.columns([1, 2, 3])
        cluster = c1.selectbox(
            "Cluster", ids.tolist(), key=f"name-cluster-{run_id}", format_func=lambda c: f"{c} ({size_of[c]:,} rows)"
        )
        name_now, note_now = saved.get(int(cluster), ("", ""))
        offers = name_suggestions(data, run_id, labels).get(int(cluster), [])
        name_key, note_key = f"name-text-{run_id}-{cluster}", f"name-note-{run_id}-{cluster}"
        st.session_state.setdefault(name_key, name_now)  # the widgets' state is the source (no value= as well)
        st.session_state.setdefault(note_key, note_now)
        if offers and not name_now:
            picked = st.pills("Suggested names", offers, key=f"name-offer-{run_id}-{cluster}")
            if picked and st.session_state.get(f"name-picked-{run_id}-{cluster}") != picked:
                st.session_state[f"name-picked-{run_id}-{cluster}"] = picked
                st.session_state[name_key] = picked
        name = c2.text_input("Name", key=name_key, max_chars=120)
        note = c3.text_input("Note", key=note_key, max_chars=2000)
        if st.button("Save name", key=f"name-save-{run_id}", disabled=(name, note) == (name_now, note_now)):
            projects.name_cluster(run_id, int(cluster), name, note)
            st.session_state[f"naming-open-{run_id}"] = True  # stays open for the next cluster
            st.rerun()
        if saved:
            st.dataframe(
                pd.DataFrame(
                    [
                        {"cluster": c, "rows": size_of.get(c, 0), "name": n, "note": t}
                        for c, (n, t) in sorted(saved.items())
                    ]
                ),
                hide_index=True,
                key=f"names-table-{run_id}",
            )


@st.cache_data(max_entries=16, show_spinner=False)
def _suggestions(fingerprint: str, run_id: str, _data, _labels: np.ndarray) -> dict[int, list[str]]:

    return suggested_names(_data.metadata, _labels, _data.text_column, skip=(_data.id_column,))


def name_suggestions(data, run_id: str, labels: np.ndarray) -> dict[int, list[str]]:
    """Names offered per cluster (keywords, over-represented categories), once per run."""
    return _suggestions(data.fingerprint, run_id, data, labels)


def import_labels(data, preprocess: str) -> None:
    """A clustering made elsewhere as a run: a labels file joined to this data by its ids, names kept."""
    with st.expander("Import labels from a file (CSV or parquet, joined by row, id or the data's key)"):
        st.caption(
            "The file names each row by an id column (`row`, `id` or this data's key) and gives its label in "
            "`cluster` or `label`: integers (-1 = noise) or text, kept with their names. Rows may be in any order."
        )
        upload = st.file_uploader("Labels file", type=["csv", "tsv", "parquet"], key="labels-upload")
        allow = st.checkbox("Leave data rows the file does not name unlabelled", key="labels-allow")
        if upload is None or not st.button("Import as a run", key="labels-import"):
            return

        file_name = Path(upload.name).name
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / file_name
            path.write_bytes(upload.getvalue())
            try:
                found = read_label_file(path, data, option="app", allow_unlabelled=allow)
            except DataError as error:
                st.error(f"Not imported: {plain(str(error).replace(folder + '/', ''))}")
                return
        with st.spinner("Calibrating its confidence from neighbours…"):
            result = imported_result(data, found, file_name, preprocess)
        entry = add_run(data, result, name=Path(file_name).stem)
        for code, name in found.names.items():
            projects.name_cluster(entry.id, code, name[:120], "")
        st.session_state["flash"] = (
            "success",
            f"Imported {file_name}: {result.n_clusters} clusters joined by {found.id_column}"
            + (f"; {found.unlabelled:,} rows left unlabelled" if found.unlabelled else ""),
        )
        st.rerun()


def render() -> None:
    data, preprocess = page_data("Cluster")
    st.caption(
        f"**{plain(data.name)}** · {data.n:,} × {data.d:,} · preprocessing {preprocess} (change on the Data page)"
    )
    method, params, problem, truth = run_section(data, preprocess)
    suggest_section(data, preprocess, method, truth)
    history_section(data, preprocess, truth)
    sweep_section(data, preprocess, method, params, problem, truth)


def fit_sample_choice(data, method: str) -> int | None:
    """Rows the method is fitted on: a sample above its limit (a checkbox fits every row), else None."""
    backend = BACKENDS[method]
    sampled_rows = sample_size(method, data.n, "auto")
    if sampled_rows is None:
        return None
    every = st.checkbox(
        f"Fit on every row (slow: {backend.title} fits on a sample above {backend.full_fit_rows:,} rows)",
        value=False,
        key="fit-every-row",
    )
    if every:
        return None
    st.caption(
        f"{data.n:,} rows: the method is fitted on {sampled_rows:,} rows that cover the data (half at random, "
        "half spread over it, so small separate groups are in the sample), and every other row takes the label "
        f"most of its {VOTERS} nearest sample rows have (distance-weighted). Rows far from every sample row, and rows "
        "the sample's noise took, are clustered again in a second pass; the run says how many."
    )
    return sampled_rows


def run_section(data, preprocess: str) -> tuple[str, dict, str | None, np.ndarray | None]:
    """Method, its parameters, the truth to score against, and the Run button (a job)."""
    names = list(BACKENDS)
    method = st.selectbox(
        "Method", names, format_func=lambda n: f"{BACKENDS[n].title} — {BACKENDS[n].description}", key="method"
    )
    backend = BACKENDS[method]
    params, problem = parameter_form(backend)
    truth_options = ["(none)"] + data.truth_candidates()
    default_truth = data.label_column if data.label_column in truth_options else "(none)"
    kept_choice("truth-column", "truth", truth_options, default_truth)
    truth_column = st.selectbox("Score against ground truth", truth_options, key="truth-column")
    keep_choice("truth", truth_column)  # Compare opens with the same truth, and so does this page next time
    truth = data.labels(truth_column) if truth_column != "(none)" else None
    sample = fit_sample_choice(data, method)
    confidence = st.radio(
        "Confidence per row",
        ["neighbours", "resampled"],
        format_func=lambda c: {
            "neighbours": "from neighbours (fast)",
            "resampled": "from resampled runs (7 fits more)",
        }[c],
        horizontal=True,
        key="confidence-kind",
        help="Both are calibrated: a row's confidence estimates the chance it is in its cluster's majority class.",
    )
    refusal = None
    if problem is None:
        try:
            refusal = run_refusal(data, method, params, preprocess, sample=sample)
        except ParamError as error:
            refusal = str(error)
    if problem:
        st.error(problem)
    elif refusal:
        st.error(f"Not started: {plain(refusal)}")
    if st.button("Run", type="primary", disabled=bool(problem or refusal) or "job" in st.session_state, key="run"):
        kwargs = {"dataset": data, "method": method, "params": dict(params), "preprocess": preprocess}
        kwargs |= {"truth": truth, "sample": sample, "confidence": confidence}
        start_job(backend.title, run, kwargs, lambda result: add_run(data, result))
        st.rerun()
    return method, params, problem, truth


def run_scores(entry, truth) -> dict | None:
    """A run's ARI and ACC against the truth chosen now (every run alike, imported and edited ones too; a
    drill-down on its own rows), else the scores it was made with."""
    if truth is None:
        return entry.result.metrics
    labels, known = entry.result.labels, np.asarray(truth)
    if entry.rows is not None:
        labels, known = labels[entry.rows], known[entry.rows]
    return agreement(known, labels)


def history_table(history: list, truth=None) -> None:
    """One row per run: method, clusters, noise, time, scores, device, graph, rows fitted, parameters."""
    scores: dict[str, dict] = {r.id: run_scores(r, truth) or {} for r in history}
    table = pd.DataFrame(
        [
            {
                "name": r.name,
                "method": r.result.method,
                "clusters": r.result.n_clusters,
                "noise %": round(100 * r.result.noise_share, 1),
                "seconds": round(r.result.total_seconds, 2),
                "ARI": None if not scores[r.id] else round(scores[r.id]["ari"], 3),
                "ACC": None if not scores[r.id] else round(scores[r.id]["acc"], 3),
                "device": r.result.device or "cpu",
                "kNN graph": neighbours_text(r.result.info.get("knn")),
                "fitted on": f"{r.result.info['sample']['sample_rows']:,} sampled rows"
                if "sample" in r.result.info
                else "every row",
                "params": str(dict(r.result.params.items())),
            }
            for r in history
        ]
    )
    st.dataframe(table, width="stretch", hide_index=True)
    if any(scores.values()):
        st.caption(
            "ARI: how many pairs of rows the run groups as the truth does (1 = the same grouping, 0 = chance). "
            "ACC: the share of rows in their true class once each cluster is matched to one class."
        )


def history_section(data, preprocess: str, truth) -> None:
    """The runs on this data: import, table, the active run (rename, delete, names, exports, replay)."""
    history = runs_for(data)
    st.subheader("Runs")
    import_labels(data, preprocess)
    if not history:
        st.caption("No runs yet on this dataset.")
        return
    history_table(history, truth)
    ids = [r.id for r in history]
    if st.session_state.get("active-select") not in ids:  # the picker's state is the source; the newest by default
        active = st.session_state.get("active_run")
        st.session_state["active-select"] = active if active in ids else ids[-1]
    chosen = st.selectbox(
        "Active run (colours the scatter on Explore)",
        ids,
        format_func=lambda i: find_run(history, i).name,
        key="active-select",
    )
    st.session_state["active_run"] = chosen
    projects.write_url()  # now, not on the next rerun: a link copied at once opens this run
    active_run(data, find_run(history, chosen), truth)


def active_run(data, entry, truth) -> None:
    """Rename or delete the active run, name its clusters, download its labels, watch its replay."""
    chosen = entry.id
    left, right = st.columns([3, 1])
    new_name = left.text_input("Rename", value=entry.name, key=f"rename-{chosen}")
    if new_name.strip() and new_name != entry.name:
        entry.name = new_name
        projects.rename_run(chosen, new_name)
        st.rerun()
    if right.button("Delete run", key=f"delete-{chosen}"):
        runs()[:] = [r for r in runs() if r.id != chosen]
        projects.delete_run(chosen)
        st.session_state.pop("active_run", None)
        st.rerun()
    result = entry.result
    if "auto" in result.info:  # what auto chose and why
        st.info(f"Auto chose: {plain(result.info['auto']['why'])}")
    cluster_names_editor(data, chosen, result.labels)
    labels_buttons(data, result.labels, projects.legend_names(chosen), result.confidence(), entry.name, key=chosen)
    confidence_section(data, entry, truth, st.session_state.get("truth-column"), key=chosen)
    if result.method in BACKENDS and BACKENDS[result.method].has_layers:
        layers_button(data, result, chosen)
    replay = result.artifacts.get("replay")
    if replay is not None and len(replay) > 1:
        st.markdown("**How the clusters formed** (deep clustering replay: press Play)")
        projector.chart(replay_figure(replay), key=f"replay-{chosen}")


def layers_button(data, result, run_id: str) -> None:
    """A run's layers (coarse to fine, from one fit: EVoC's) kept as runs: levels to colour by and compare."""

    title, method = BACKENDS[result.method].title, result.method
    layers = result.info.get("layers") or []
    label = f"Keep this run's {len(layers)} layers as runs ({', '.join(map(str, sorted(layers)))} clusters)"
    if st.button(label, key=f"{method}-layers-{run_id}", disabled="job" in st.session_state):
        params = {k: v for k, v in result.params.items() if k not in ("layer", "seed", "random_state")}
        kwargs = {"dataset": data, "method": method, "params": params, "preprocess": result.preprocess}
        start_job(
            f"{title}: layers",
            layer_levels,
            {**kwargs, "seed": result.seed or 0},
            lambda levels: [
                add_run(data, r, f"{method} layer {r.params['layer']} ({r.n_clusters} clusters)") for r in levels
            ],
        )
        st.rerun()


def sweep_section(data, preprocess: str, method: str, params: dict, problem: str | None, truth) -> None:
    """Sweep one numeric parameter: clusters and stability across seeds and 80% subsamples."""
    backend = BACKENDS[method]
    with st.expander("Sweep a parameter (clusters and stability across seeds and 80% subsamples)"):
        numeric = [p for p in backend.schema if p.kind in (int, float) and not p.nullable and p.name != "random_state"]
        if not numeric:
            st.caption("This method has no numeric parameter to sweep.")
        else:
            sweep_param = st.selectbox("Parameter", [p.name for p in numeric], key="sweep-param")
            spec = backend.param(sweep_param)
            low_default = float(spec.low if spec.low is not None else 0.5 * spec.default) or 0.1
            c1, c2, c3 = st.columns(3)
            start = c1.number_input(
                "From", value=float(max(low_default, 0.2 * float(spec.default or 1))), key="sweep-from"
            )
            stop = c2.number_input("To", value=float(2 * (spec.default or 1)), key="sweep-to")
            count = c3.number_input("Values", min_value=2, max_value=30, value=6, key="sweep-count")
            if st.button("Run sweep", disabled="job" in st.session_state or bool(problem), key="run-sweep"):
                values = [float(v) for v in np.linspace(start, stop, int(count))]
                base = {k: v for k, v in params.items() if k != sweep_param}

                def keep(report):
                    st.session_state["sweep_report"] = report

                start_job(
                    f"sweep of {sweep_param}",
                    sweep,
                    {
                        "dataset": data,
                        "method": method,
                        "name": sweep_param,
                        "values": values,
                        "base_params": base,
                        "preprocess": preprocess,
                        "n_seeds": 3,
                        "n_subsamples": 3,
                        "truth": truth,
                    },
                    keep,
                )
                st.rerun()
        report = st.session_state.get("sweep_report")
        if report:
            frame = pd.DataFrame(report["rows"]).set_index("value")
            st.line_chart(frame[["n_clusters"]], height=220)
            st.line_chart(frame[["seed_stability", "subsample_stability"]], height=220)
            st.dataframe(frame.drop(columns=["seed_ari", "subsample_ari"]), width="stretch")
