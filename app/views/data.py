"""Data: pick a sample or upload a file; preview, warnings, preprocessing."""

from __future__ import annotations

import streamlit as st

import projects
from clustering.data import DataError
from clustering.io import FORMATS
from common import cached_upload, choose_sample, dataset, page_setup, plain, sample_caption, sample_names, upload_digest


def render() -> None:
    page_setup("Data")
    st.title("Data")
    limit_mb = st.get_option("server.maxUploadSize")

    source = st.radio("Source", ["Sample dataset", "Upload a file"], horizontal=True, key="data-source")
    if source == "Sample dataset":
        names = sample_names()
        current = st.session_state.get("dataset_spec", {}).get("name")
        choice = st.selectbox(
            "Sample",
            names,
            index=names.index(current) if current in names else 0,
            format_func=lambda n: f"{n} — {sample_caption(n)}",
        )
        if st.button("Load sample", type="primary"):
            choose_sample(choice)
            st.rerun()
    else:
        st.caption(
            f"Formats: {', '.join(FORMATS)} · up to {limit_mb:,} MB. An upload stays in this session until you "
            "run something on it; then the project keeps a copy (in CLUSTERLAB_HOME), so its link reopens it."
        )
        upload = st.file_uploader("Embeddings file", type=[f.lstrip(".") for f in FORMATS], key="uploader")
        with st.expander("Options"):
            key = st.text_input("Key: array in .npz, obsm key in .h5ad, vector column in .parquet", "")
            columns = st.text_input("Feature columns (comma-separated, CSV/parquet; empty = all numeric)", "")
            drop = st.checkbox("Drop rows with NaN/inf values instead of refusing the file")
        if upload is not None and st.button("Load file", type="primary"):
            data_bytes = upload.getvalue()
            spec = {
                "kind": "upload",
                "digest": upload_digest(data_bytes),
                "filename": upload.name,
                "key": key.strip(),
                "columns": tuple(c.strip() for c in columns.split(",") if c.strip()) or None,
                "drop_nonfinite": drop,
            }
            try:
                cached_upload(spec["digest"], spec["filename"], data_bytes, spec["key"], spec["columns"], drop)
            except DataError as error:
                st.error(f"Could not load {plain(error)}")  # the loader's message starts with the file name
            else:
                projects.close_project()  # new data, new work: an open project stays saved as it is
                st.session_state["upload_bytes"] = data_bytes
                st.session_state["dataset_spec"] = spec
                st.session_state.pop("selection", None)
                st.rerun()

    try:
        data = dataset()
    except DataError as error:
        st.error(plain(error))
        st.stop()

    st.subheader(plain(data.name))
    left, middle, right = st.columns(3)
    left.metric("Rows", f"{data.n:,}")
    middle.metric("Dimensions", f"{data.d:,}")
    right.metric("Metadata columns", len(data.metadata.columns))
    st.caption(f"Source: {plain(data.source)} · fingerprint {data.fingerprint[:12]}")
    for warning in data.warnings:
        st.warning(plain(warning))

    preview = data.metadata.head(200).copy()
    shown = min(data.d, 8)
    names = data.features()
    for j in range(shown):
        preview[names[j]] = data.vectors[:200, j]
    st.dataframe(preview, width="stretch", height=260)
    if data.d > shown:
        st.caption(f"First {shown} of {data.d} dimensions shown.")

    st.subheader("Preprocessing")
    options = ["none", "standardize", "l2", "pca"]
    current = st.session_state.get("preprocess", "none")
    kind = st.radio(
        "Before neighbours and clustering",
        options,
        horizontal=True,
        index=options.index(current.split(":")[0]) if current.split(":")[0] in options else 0,
        help="standardize: zero mean, unit variance per dimension · l2: unit-length rows (cosine geometry) · "
        "pca: keep the first N principal components",
    )
    chosen_spec: str = kind
    if kind == "pca":
        default_n = int(current.split(":")[1]) if current.startswith("pca:") else 50
        n_components = st.number_input(
            "PCA components", min_value=2, max_value=max(2, min(data.d, 1000)), value=min(default_n, data.d)
        )
        chosen_spec = f"pca:{int(n_components)}"
    st.session_state["preprocess"] = chosen_spec
    st.caption(f"Runs on this page's data use preprocessing **{chosen_spec}**.")
