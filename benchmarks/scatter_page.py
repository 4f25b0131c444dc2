"""A bare page with the WebGL scatter, for benchmarks/app_scatter.py (N from the ?n= query parameter)."""

import numpy as np
import streamlit as st

from clustering.app.scatter import colour_codes, scatter

st.set_page_config(layout="wide")
n = int(st.query_params.get("n", "10000"))
st.session_state["runs"] = st.session_state.get("runs", 0) + 1


@st.cache_data
def points(n: int):
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=10, size=(20, 2))
    labels = rng.integers(0, 20, size=n)
    xy = centres[labels] + rng.normal(size=(n, 2))
    labels[rng.random(n) < 0.05] = -1
    return xy.astype(np.float32), labels


xy, labels = points(n)
codes, legend = colour_codes(labels)
st.write(f"script runs: {st.session_state['runs']}")
scatter(xy, codes, legend, key="bench")
