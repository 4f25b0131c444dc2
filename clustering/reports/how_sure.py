"""The report's "How sure is this?" section: the runs' level tree, a kept suggestion's ladder (stability and
agreement per level), consensus runs against their members, and each run's confidence (histogram, uncertain
rows, and with a truth its reliability).

Every figure is plain numbers placed in SVG coordinates here; the template draws them (autoescaped), so the
report needs no script for them and works offline.
"""

from __future__ import annotations

import numpy as np

from clustering.evaluate.metrics import ari
from clustering.evidence.confidence import UNCERTAIN_BELOW, majority_correct, reliability
from clustering.evidence.consensus import CONSENSUS
from clustering.evidence.level_tree import level_tree

WIDTH, ROW_HEIGHT, PLOT_HEIGHT = 640, 70, 160
HISTOGRAM_BINS = 20


def tree_svg(runs) -> dict | None:
    """The level tree of two runs or more, as SVG nodes and edges (coarse at the top)."""
    if len(runs) < 2:
        return None
    tree = level_tree([(run.name, run.labels) for run in runs])
    biggest = max((node.rows for node in tree.nodes), default=1)
    left = 170

    def place(node) -> tuple[float, float]:
        return left + node.x * (WIDTH - left - 10), 20 + node.level * ROW_HEIGHT

    nodes = []
    for node in tree.nodes:
        x, y = place(node)
        radius = 3 + 12 * float(np.sqrt(node.rows / biggest))
        nodes.append({"x": round(x, 1), "y": y, "r": round(radius, 1), "cluster": node.cluster, "rows": node.rows})
    edges = []
    for edge in tree.edges:
        (x1, y1), (x2, y2) = place(tree.nodes[edge.parent]), place(tree.nodes[edge.child])
        edges.append(
            {
                "x1": round(x1, 1),
                "y1": y1,
                "x2": round(x2, 1),
                "y2": y2,
                "width": round(0.5 + 8 * edge.rows / biggest, 2),
                "opacity": round(0.25 + 0.6 * edge.share, 2),
                "rows": edge.rows,
            }
        )
    levels = [{"name": name, "y": 20 + i * ROW_HEIGHT} for i, name in enumerate(tree.names)]
    return {
        "width": WIDTH,
        "height": 40 + (len(tree.names) - 1) * ROW_HEIGHT,
        "nodes": nodes,
        "edges": edges,
        "levels": levels,
        "mixed": sum(tree.mixed),
    }


def line_points(values: list[float], width: float = WIDTH, height: float = PLOT_HEIGHT) -> str:
    """SVG polyline points of values in 0..1, spread evenly across the width."""
    step = (width - 60) / max(len(values) - 1, 1)
    return " ".join(f"{40 + i * step:.1f},{10 + (1 - v) * (height - 30):.1f}" for i, v in enumerate(values))


def ladder_svg(suggestion: dict | None) -> dict | None:
    """A kept suggestion (`Suggestion.summary()`): found again and agreement per level, the recommended marked."""
    if not suggestion:
        return None
    levels = suggestion["levels"]
    step = (WIDTH - 60) / max(len(levels) - 1, 1)
    lines = [
        {"name": "clusters found again", "points": line_points([lv["cluster_stability"] for lv in levels]), "dash": ""},
        {
            "name": "agreement with the other levels",
            "points": line_points([lv["agreement"] for lv in levels]),
            "dash": "4 3",
        },
    ]
    if all(lv.get("ari") is not None for lv in levels):
        lines.append({"name": "ARI with the truth", "points": line_points([lv["ari"] for lv in levels]), "dash": "1 3"})
    ticks = [
        {"x": round(40 + i * step, 1), "text": f"{lv['value']:g} ({lv['n_clusters']})"} for i, lv in enumerate(levels)
    ]
    chosen = levels[suggestion["chosen"]]
    return {
        "width": WIDTH,
        "height": PLOT_HEIGHT + 30,
        "lines": lines,
        "ticks": ticks,
        "marker": round(40 + suggestion["chosen"] * step, 1),
        "param": suggestion["param"],
        "method": suggestion["method"],
        "recommended": f"{suggestion['param']} {chosen['value']:g} ({chosen['n_clusters']} clusters)",
        "reason": suggestion["reason"],
    }


def histogram_svg(confidence: np.ndarray) -> dict:
    """Bars of the clustered rows' confidence (uncertain bins flagged)."""
    counts, edges = np.histogram(confidence, np.linspace(0, 1, HISTOGRAM_BINS + 1))
    top = max(int(counts.max()), 1)
    width = (WIDTH - 60) / HISTOGRAM_BINS
    bars = [
        {
            "x": round(40 + i * width, 1),
            "y": round(10 + (1 - count / top) * (PLOT_HEIGHT - 30), 1),
            "w": round(width - 1, 1),
            "h": round((count / top) * (PLOT_HEIGHT - 30), 1),
            "uncertain": bool((edges[i] + edges[i + 1]) / 2 < UNCERTAIN_BELOW),
            "rows": int(count),
        }
        for i, count in enumerate(counts)
    ]
    return {"width": WIDTH, "height": PLOT_HEIGHT, "bars": bars, "top": top}


def reliability_svg(confidence: np.ndarray, correct: np.ndarray) -> dict:
    """Reliability points (mean confidence, share correct) per non-empty bin, and the ECE."""
    found = reliability(confidence, correct)
    size = PLOT_HEIGHT
    used = found.rows > 0
    points = " ".join(
        f"{30 + c * (size - 40):.1f},{10 + (1 - a) * (size - 40):.1f}"
        for c, a in zip(found.confidence[used], found.accuracy[used])
    )
    return {"size": size, "points": points, "ece": round(found.ece, 3), "diagonal": f"30,{size - 30} {size - 10},10"}


def run_confidence(run, truth: np.ndarray | None) -> dict | None:
    """One run's confidence entry, or None without a confidence per row."""
    if run.confidence is None or len(run.confidence) != len(run.labels):
        return None
    clustered = run.labels >= 0
    if not clustered.any():
        return None
    confidence = np.asarray(run.confidence, dtype=np.float64)[clustered]
    entry = {
        "name": run.name,
        "source": run.confidence_note or "the method's own membership strength (not calibrated)",
        "mean": round(float(confidence.mean()), 3),
        "uncertain": int((confidence < UNCERTAIN_BELOW).sum()),
        "clustered": int(clustered.sum()),
        "histogram": histogram_svg(confidence),
        "reliability": None,
    }
    if truth is not None:
        entry["reliability"] = reliability_svg(confidence, majority_correct(run.labels, truth)[clustered])
    return entry


def consensus_rows(runs) -> list[dict]:
    """For each consensus run: its members among the reported runs and its ARI with each."""

    by_id = {run.run_id: run for run in runs if run.run_id}
    rows = []
    for run in runs:
        if run.method != CONSENSUS:
            continue
        members = [by_id[i] for i in run.params.get("members", []) if i in by_id]
        rows.append(
            {
                "name": run.name,
                "members": len(run.params.get("members", [])),
                "agreement": [(m.name, round(ari(m.labels, run.labels), 3)) for m in members],
            }
        )
    return rows


def how_sure_content(runs, truth: np.ndarray | None, suggestion: dict | None = None) -> dict | None:
    """Everything the section shows, or None when there is nothing to show."""
    confidence = [entry for entry in (run_confidence(run, truth) for run in runs) if entry]
    content = {
        "tree": tree_svg(runs),
        "ladder": ladder_svg(suggestion),
        "consensus": consensus_rows(runs),
        "confidence": confidence,
        "uncertain_below": UNCERTAIN_BELOW,
    }
    if not (content["tree"] or content["ladder"] or content["consensus"] or confidence):
        return None
    return content
