"""The report's comparison: ARI/AMI between its runs (and the truth), contingency tables, and, with drill-downs
among the runs, the rows they all clustered."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from clustering.evaluate.compare import Labeling, agreement_matrices, contingency, matched_order
from clustering.limits import CONTINGENCY_MAX
from clustering.reports.values import ReportOptions, ReportRun, fmt
from clustering.visual.colours import colour_codes, shown_name


def _contingency(
    a: np.ndarray, b: np.ndarray, a_name: str, b_name: str, a_names: dict[int, str], b_names: dict[int, str]
) -> dict:

    keep = b >= 0 if b_name == "truth" else np.ones(len(b), dtype=bool)
    table, rows, cols = contingency(a[keep], b[keep])
    row_order, col_order = matched_order(table)
    row_order, col_order = row_order[: CONTINGENCY_MAX.whole()], col_order[: CONTINGENCY_MAX.whole()]

    def label(value: int, names: dict[int, str]) -> str:
        if value < 0:
            return "noise"
        return f"{value} · {names[value]}" if names.get(value) and names[value] != str(value) else str(value)

    shown = table[np.ix_(row_order, col_order)]
    peak = max(int(shown.max(initial=0)), 1)
    return {
        "a": a_name,
        "b": b_name,
        "columns": [label(int(cols[c]), b_names) for c in col_order],
        "rows": [
            {
                "name": label(int(rows[r]), a_names),
                "cells": [{"count": int(v), "shade": round(float(v) / peak, 3)} for v in table[r, col_order]],
            }
            for r in row_order
        ],
        "cut": table.shape[0] > CONTINGENCY_MAX.whole() or table.shape[1] > CONTINGENCY_MAX.whole(),
    }


def shared_rows(runs: list[ReportRun]) -> np.ndarray | None:
    """The rows every drill-down among `runs` clustered (None when none is a drill-down): where they compare."""
    drilled = [np.asarray(run.rows, dtype=np.int64) for run in runs if run.rows is not None]
    if not drilled:
        return None
    common = drilled[0]
    for rows in drilled[1:]:
        common = np.intersect1d(common, rows)
    return common


def comparisons(
    runs: list[ReportRun], truth: np.ndarray | None, truth_names: dict, options: ReportOptions, views: list
) -> dict | None:
    """ARI/AMI matrices and contingency tables (the truth joins the views as one more colouring); with drill-downs
    among the runs, on the rows they all clustered only, and said so."""

    common = shared_rows(runs)
    if common is not None:
        if truth is not None:
            views.append(_truth_view(truth, truth_names, options))
        n = len(runs[0].labels)
        runs = [replace(run, labels=run.labels[common], rows=None) for run in runs]
        truth = None if truth is None else truth[common]
        found = comparisons(runs, truth, truth_names, options, []) if len(common) else None
        if found is not None:
            found["rows_note"] = (
                f"Compared on the {len(common):,} rows every drill-down here clustered (of the data's {n:,}): "
                "a drill-down's other rows were never clustered, so they are left out of every score."
            )
        return found
    labelings = [Labeling(run.name, run.labels) for run in runs]
    names_of = {run.name: {c: n for c, n in run.cluster_names.items() if n} for run in runs}
    contingencies = []
    if truth is not None:
        labelings.append(Labeling("truth", truth, is_truth=True))
        views.append(_truth_view(truth, truth_names, options))
        for run in runs:
            contingencies.append(_contingency(run.labels, truth, run.name, "truth", names_of[run.name], truth_names))
    elif len(runs) >= 2:
        contingencies.append(
            _contingency(
                runs[0].labels,
                runs[1].labels,
                runs[0].name,
                runs[1].name,
                names_of[runs[0].name],
                names_of[runs[1].name],
            )
        )
    comparison = None
    if len(labelings) >= 2:
        found = agreement_matrices(labelings)
        comparison = {
            "names": found["runs"],
            "ari": [
                [{"text": fmt(float(v)), "shade": round(max(float(np.nan_to_num(v)), 0.0), 3)} for v in row]
                for row in found["ari"]
            ],
            "ami": [
                [{"text": fmt(float(v)), "shade": round(max(float(np.nan_to_num(v)), 0.0), 3)} for v in row]
                for row in found["ami"]
            ],
            "contingencies": contingencies,
            "rows_note": None,
        }
    return comparison


def _truth_view(truth: np.ndarray, truth_names: dict, options: ReportOptions) -> dict:
    """The truth as one more colouring of the map."""
    truth_codes, truth_legend = colour_codes(np.where(truth >= 0, truth, -1))
    for entry in truth_legend:
        entry["name"] = shown_name(truth_names.get(int(entry["name"]), entry["name"]))
    return {"name": f"truth: {options.truth}", "codes": truth_codes, "legend": truth_legend}
