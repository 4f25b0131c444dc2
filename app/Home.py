"""Clusterlab home: what it does, samples one click away."""

import streamlit as st

from common import choose_sample, dataset, page_setup, sample_caption, sample_names

page_setup("Home")
st.title("Clusterlab")
st.markdown(
    "Cluster a matrix of embeddings with **Leiden, HDBSCAN, deep clustering and the classics side by side**.  \n"
    "See the clusters on a fast scatterplot, hover any point, lasso a group and re-cluster it.  \n"
    "The same engine runs from the `clusterlab` command line and Python."
)

data = dataset()
st.success(f"Loaded **{data.name}**: {data.n:,} rows × {data.d:,} dimensions. "
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
