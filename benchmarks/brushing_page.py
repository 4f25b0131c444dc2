"""A page with the WebGL scatter and its metadata charts, for benchmarks/brushing.py (N from ?n=).

?mode=browser: the charts cross-filter in the browser (Clusterlab's way). ?mode=rerun: the peer, the usual
Streamlit way: a number input filters in Python and the scatter is sent again with the rows kept.
"""

import numpy as np
import pandas as pd
import streamlit as st

from clustering.app.scatter import colour_codes, scatter
from clustering.visual.filters import filter_charts

st.set_page_config(layout="wide")
n = int(st.query_params.get("n", "10000"))
mode = st.query_params.get("mode", "browser")


@st.cache_data
def points(n: int):
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=10, size=(20, 2))
    labels = rng.integers(0, 20, size=n)
    xy = (centres[labels] + rng.normal(size=(n, 2))).astype(np.float32)
    metadata = pd.DataFrame(
        {
            "price": rng.gamma(2, 20, n).round(2),
            "score": rng.normal(size=n),
            "shop": rng.choice([f"shop {i}" for i in range(12)], n),
        }
    )
    return xy, labels, metadata


xy, labels, metadata = points(n)
codes, legend = colour_codes(labels)
if mode == "browser":
    charts = filter_charts(metadata, ["price", "score", "shop"])
    scatter(xy, codes, legend, key="bench", charts=charts, map_labels=False)
else:
    high = st.number_input("price at most", 0.0, 10_000.0, 10_000.0, key="cap")
    keep = np.flatnonzero(metadata["price"].to_numpy() <= high)
    st.write(f"kept {len(keep)}")
    scatter(xy[keep], codes[keep], legend, key="bench-rerun", map_labels=False)
