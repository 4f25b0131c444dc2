"""Agreement between every pair of clusterings: ARI, AMI and VI as heatmaps."""

from __future__ import annotations

import numpy as np
import streamlit as st

from clustering.app.views.compare.comparison import Comparison
from clustering.app.views.compare.heatmap import show_heatmap
from clustering.evaluate.compare import compare


def agreement(chosen: Comparison) -> tuple[dict, list[str]]:
    """ARI, AMI and VI heatmaps, darker where the two clusterings agree more."""
    report = compare(chosen.labelings)
    short = [f"{i + 1}. {name if len(name) <= 24 else name[:23] + '…'}" for i, name in enumerate(report["runs"])]
    st.subheader("Agreement")
    st.caption(
        "ARI and AMI: 1 = identical, 0 = chance. Variation of information (VI, nats): 0 = identical, larger = "
        "further apart. Darker cells agree more. Noise counts as singletons; unlabelled truth rows are left out."
    )
    for column, key in zip(st.columns(3), ("ari", "ami", "vi")):
        matrix = np.asarray(report[key])
        show_heatmap(
            matrix,
            short,
            short,
            key.upper(),
            f"heat-{key}",
            text=np.round(matrix, 2),
            reverse=key == "vi",
            where=column,
            scale=(0.0, 1.0) if key != "vi" else (0.0, max(float(np.nanmax(matrix)), 1e-9)),
        )  # VI is a distance: small = agreement = dark; ARI and AMI on their own 0..1 scale
    return report, short
