"""Compare: runs and truth side by side, agreement, contingency and flows, the level tree, stability,
calibration, and the perception view.

One module per section; `render` lays them out."""

from __future__ import annotations

import streamlit as st

from clustering.app.page import page_data
from clustering.app.views.compare.agreement import agreement
from clustering.app.views.compare.comparison import choose
from clustering.app.views.compare.consensus import consensus_section
from clustering.app.views.compare.how_sure import level_tree_section, reliability_section
from clustering.app.views.compare.pairs import pair_detail
from clustering.app.views.compare.panels import report_section, side_by_side
from clustering.app.views.compare.perception import perception_section
from clustering.app.views.compare.stability import stability_section


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
    consensus_section(chosen)
    level_tree_section(chosen)
    pair_detail(chosen, report)
    stability_section(chosen)
    reliability_section(chosen)
    perception_section(chosen, short)
