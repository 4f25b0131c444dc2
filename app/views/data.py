"""Data: pick a sample or upload a file; preview, warnings, preprocessing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import streamlit as st

from clustering.app import projects
from clustering.app.dataref import UPLOAD, current_ref, upload_ref
from clustering.app.jobs import show_job, start_job
from clustering.app.page import page_setup, show_flash
from clustering.app.state import cached_upload, choose_sample, dataset, sample_caption, upload_digest
from clustering.app.text import plain
from clustering.app.views.out_of_core import section
from clustering.data import DataError, Dataset
from clustering.embed.models import DEFAULT_MODEL, MODEL_CHOICES
from clustering.io import FORMATS, NeedsEmbedding, load, load_bytes
from clustering.io.checks import text_columns
from clustering.io.samples import sample_names
from clustering.limits import EMBED_FAST_ADVISED_ROWS
from clustering.store import DatasetRef


def load_upload(ref: DatasetRef, data_bytes: bytes) -> None:
    """Parse an upload now: an error is shown at once; a good file becomes the session's data."""
    try:
        cached_upload(ref.source[len(UPLOAD) :], ref.name, data_bytes, ref.key, None, ref.drop_nonfinite)
    except NeedsEmbedding:
        pass  # a table of texts: kept, and the page offers to embed it
    except DataError as error:
        st.error(f"Could not load {plain(error)}")  # the loader's message starts with the file name
        return
    projects.close_project()  # new data, new work: an open project stays saved as it is
    st.session_state["upload_bytes"] = data_bytes
    st.session_state["dataset_ref"] = ref
    st.session_state.pop("selection", None)
    st.rerun()


def embed_form(error: NeedsEmbedding) -> None:
    """A table of texts: which column to embed and with which model; the embedding runs as a job with its progress
    (texts per second, time left) and Cancel, and the vectors are cached for every later read."""
    ref = current_ref()
    st.subheader(plain(ref.name or ref.source))
    st.info(
        f"{error.rows:,} rows and no numeric columns: the text can be embedded into vectors here, on this machine "
        "(the models ship with Clusterlab; nothing is downloaded)."
    )
    show_flash()  # a refused embedding (empty texts, a missing model) says why here
    show_job()
    advised = "fast" if error.rows > EMBED_FAST_ADVISED_ROWS.whole() else DEFAULT_MODEL
    with st.form("embed-form"):
        column = st.selectbox("Text column", error.columns, key="embed-column")
        model = st.radio(
            "Model",
            list(MODEL_CHOICES),
            index=list(MODEL_CHOICES).index(advised),
            format_func=lambda key: f"{key}: {MODEL_CHOICES[key]}",
            key="embed-model",
            help=f"fast is advised above {EMBED_FAST_ADVISED_ROWS.whole():,} texts (seconds instead of minutes).",
        )
        drop = st.checkbox("Leave out rows whose text is empty (else such a file is refused)", key="embed-drop")
        go = st.form_submit_button("Embed the text column", type="primary", disabled="job" in st.session_state)
    if not go:
        return
    chosen = replace(ref, text_column=column, embed=model, drop_empty_text=drop)
    options = {"text_column": column, "embed": model, "drop_empty_text": drop}
    fn: Callable[..., Dataset] = load
    kwargs: dict = {"path": ref.source, **options}
    if ref.source.startswith(UPLOAD):
        fn, kwargs = load_bytes, {"data": st.session_state.get("upload_bytes", b""), "filename": ref.name, **options}

    def done(_dataset) -> None:  # the vectors are in the embedding cache now: the page reads them from there
        st.session_state["dataset_ref"] = chosen

    start_job(f"Embedding {error.rows:,} texts ({model})", fn, kwargs, done)
    st.rerun()


def feature_split(data: Dataset) -> None:
    """Which columns of a table are the embedding and which are metadata; changeable with a multiselect."""
    ref = current_ref()
    if ref.source.startswith("sample:") or not data.feature_names:
        return
    candidates = list(data.feature_names) + [
        str(c)
        for c in data.metadata.columns
        if pd.api.types.is_numeric_dtype(data.metadata[c]) and not pd.api.types.is_bool_dtype(data.metadata[c])
    ]
    st.markdown(
        f"**Features** ({data.d}): the columns that form the embedding. **Metadata** "
        f"({len(data.metadata.columns)}): {plain(', '.join(map(str, data.metadata.columns))) or 'none'}."
    )
    chosen = st.multiselect(
        "Feature columns",
        candidates,
        default=list(data.feature_names),
        key=f"features-{data.fingerprint[:8]}",
        help="Numeric columns that are not part of the embedding (a price, a count) belong in the metadata: as "
        "features they change every distance.",
    )
    if chosen and chosen != list(data.feature_names) and st.button("Use these feature columns", key="use-features"):
        changed = replace(ref, columns=tuple(chosen), fingerprint="")
        try:
            if ref.source.startswith(UPLOAD):
                data_bytes = st.session_state.get("upload_bytes", b"")
                digest = ref.source[len(UPLOAD) :]
                cached_upload(digest, ref.name, data_bytes, ref.key, tuple(chosen), ref.drop_nonfinite, ref.text_column)
        except DataError as error:
            st.error(plain(error))
            return
        projects.close_project()
        st.session_state["dataset_ref"] = changed
        st.rerun()


def text_choice(data: Dataset) -> None:
    """Which metadata column is free text (keywords, word rules, hover, search): found, chosen, or none."""
    ref = current_ref()
    if ref.source.startswith("sample:"):
        return

    candidates = [str(c) for c in data.metadata.columns if not pd.api.types.is_numeric_dtype(data.metadata[c])]
    if not candidates:
        return
    found = text_columns(data.metadata)
    options = ["", *candidates]
    current = data.text_column or ""
    choice = st.selectbox(
        "Text column",
        options,
        index=options.index(current) if current in options else 0,
        format_func=lambda c: c or "none (no column of text)",
        key=f"text-column-{data.fingerprint[:8]}",
        help="A column of free text (titles, descriptions) gives each cluster its keywords, word rules in Explain, "
        "and the hover text. "
        + (f"Found from the data: {found[0]}." if found else "None was found from the data (values look like codes)."),
    )
    if choice != current:
        changed = replace(ref, text_column=choice)
        try:
            if ref.source.startswith(UPLOAD):
                digest = ref.source[len(UPLOAD) :]
                data_bytes = st.session_state.get("upload_bytes", b"")
                cached_upload(digest, ref.name, data_bytes, ref.key, ref.columns, ref.drop_nonfinite, choice)
        except DataError as error:
            st.error(plain(error))
            return
        st.session_state["dataset_ref"] = changed
        project = projects.current()
        if project is not None and st.session_state.get("project_fingerprint") == data.fingerprint:
            projects.store().set_text_column(project, choice)  # the open project keeps the choice too
        st.rerun()


def show_images(data: Dataset, count: int = 12) -> None:
    """The first rows of an image dataset as images (a table of pixel values says little)."""
    shape = data.image_shape
    assert shape is not None
    images = data.vectors[:count].reshape(-1, *shape)
    peak = max(float(images.max()), 1e-9)
    st.image([1.0 - image / peak for image in images], width=56, caption=[f"row {i}" for i in range(len(images))])


def sample_picker() -> None:
    """Pick a bundled sample and load it."""
    names = sample_names()
    source = current_ref().source
    current = source.split(":", 1)[1] if source.startswith("sample:") else None
    if current is None:
        st.caption(f"Loaded now: {plain(current_ref().name or source)}. Pick a sample and load it to switch.")
    choice = st.selectbox(
        "Sample",
        names,
        index=names.index(current) if current in names else 0,
        format_func=lambda n: f"{n} — {sample_caption(n)}",
    )
    if st.button("Load sample", type="primary"):
        choose_sample(choice)
        st.rerun()


def render() -> None:
    page_setup("Data")
    st.title("Data")
    limit_mb = st.get_option("server.maxUploadSize")
    if "data-source" not in st.session_state and not current_ref().source.startswith("sample:"):
        st.session_state["data-source"] = "Upload a file"  # a reloaded upload is shown as one, not as a sample
    source = st.radio(
        "Source", ["Sample dataset", "Upload a file", "Out of core (Dask)"], horizontal=True, key="data-source"
    )
    if source == "Out of core (Dask)":
        section()
        return
    if source == "Sample dataset":
        sample_picker()
    else:
        st.caption(
            f"Formats: {', '.join(FORMATS)} · up to {limit_mb:,} MB. An upload stays in this session until you "
            "run something on it; then the project keeps a copy (in CLUSTERLAB_HOME), so its link reopens it."
        )
        upload = st.file_uploader(
            "Embeddings, or a table of texts", type=[f.lstrip(".") for f in FORMATS], key="uploader"
        )
        with st.expander("Options"):
            key = st.text_input("Key: array in .npz, obsm key in .h5ad, vector column in .parquet", "")
            drop = st.checkbox("Drop rows with NaN/inf values instead of refusing the file")
        if upload is not None:  # a picked file loads at once; options changed afterwards reload it
            data_bytes = upload.getvalue()
            ref = upload_ref(upload_digest(data_bytes), upload.name, key.strip(), None, drop)
            now = current_ref()
            same = (now.source, now.key, now.drop_nonfinite) == (ref.source, ref.key, ref.drop_nonfinite)
            if not same:
                load_upload(ref, data_bytes)

    try:
        data = dataset()
    except NeedsEmbedding as error:
        embed_form(error)
        st.stop()
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
    feature_split(data)
    text_choice(data)

    preview = data.metadata.head(200).copy()
    shown = min(data.d, 8)
    names = data.features()
    for j in range(shown):
        preview[names[j]] = data.vectors[:200, j]
    if data.image_shape is not None:
        show_images(data)
    st.dataframe(preview, width="stretch", height=260)
    if data.d > shown:
        st.caption(f"First {shown} of {data.d} dimensions shown.")

    preprocessing_choice(data)


def preprocessing_choice(data: Dataset) -> None:
    """The preprocessing runs on this data use, kept in the session."""
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
