"""Clusterlab home: what it does, samples one click away, projects, and the way to the lessons."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import streamlit as st

from clustering.app import projects
from clustering.app.exports import project_report_button
from clustering.app.jobs import show_job
from clustering.app.page import page_setup, show_flash
from clustering.app.state import choose_sample, dataset, sample_caption
from clustering.app.text import plain
from clustering.data import DataError
from clustering.io.samples import sample_names
from clustering.store import StoreError
from clustering.store.export import export_project


def config_download(project: str) -> None:
    """The project's config: the YAML alone, or a zip of it and the files it names (drill-downs' rows, imported
    labels), so every run re-runs to identical labels."""

    stem = "".join(c if c.isalnum() or c in "-_ " else "-" for c in project)[:80] or "project"
    exported = export_project(projects.store(), project, files_folder=f"{stem}.files")
    hint = "`clusterlab run THIS.yaml --project NEW` re-runs every run to identical labels."
    if not exported.files:
        st.download_button(
            "Download the project's config (YAML)",
            exported.text,
            file_name=f"{stem}.yaml",
            mime="application/x-yaml",
            key="project-config",
            help=hint,
        )
        return
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.yaml", exported.text)
        for name, payload in exported.files.items():
            archive.writestr(name, payload)
    st.download_button(
        "Download the project's config (YAML and its files, zip)",
        buffer.getvalue(),
        file_name=f"{stem}.zip",
        mime="application/zip",
        key="project-config",
        help=f"Unzip, then {hint} The zip holds the drill-downs' rows and imported labels it names.",
    )


def render() -> None:
    page_setup("Home")
    st.title("Clusterlab")
    st.markdown(
        "Cluster a matrix of embeddings with **Leiden, HDBSCAN, deep clustering and the classics side by side**.  \n"
        "See the clusters on a fast scatterplot, hover any point, lasso a group and re-cluster it.  \n"
        "The same engine runs from the `clusterlab` command line and Python."
    )
    show_flash()
    show_job()
    st.info("Teaching a class? Two step-by-step lessons are on the **Learn** page (in the sidebar).", icon="🎓")
    data = dataset()
    st.success(
        f"Loaded **{plain(data.name)}**: {data.n:,} rows × {data.d:,} dimensions. "
        "Go to **Cluster** to run a method, or pick another dataset below."
    )
    samples_section()
    projects_section()
    new_project_section(data)


def samples_section() -> None:
    """One button per bundled sample."""
    st.subheader("Sample datasets")
    columns = st.columns(len(sample_names()))
    for column, name in zip(columns, sample_names()):
        with column:
            st.markdown(f"**{name}**")
            st.caption(sample_caption(name))
            if st.button(f"Open {name}", key=f"open-{name}", width="stretch"):
                choose_sample(name)
                st.rerun()


def projects_section() -> None:
    """The saved projects: open, close, the open one's config and report, rename and delete."""
    st.subheader("Projects")
    st.caption(
        "Every run is saved as it is made, with its exact settings, into a project that reopens from its link "
        "(the address bar names it). Projects live in CLUSTERLAB_HOME (default ~/.local/share/clusterlab)."
    )
    try:
        saved = projects.store().projects()
    except (StoreError, DataError) as error:
        st.error(plain(error))
        saved = []
    open_now = projects.current()
    if open_now:
        st.info(f"Open project: **{plain(open_now)}**. New runs are saved into it.")
        try:
            config_download(open_now)
            if projects.store().project(open_now)["runs"]:
                project_report_button(projects.store(), open_now)
        except StoreError as error:
            st.error(plain(error))
    if saved:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "project": p["name"],
                        "dataset": p["dataset"].get("name") or p["dataset"]["source"],
                        "rows": p["dataset"].get("n_rows"),
                        "runs": p["runs"],
                        "last change": pd.to_datetime(p["updated"], unit="s").strftime("%Y-%m-%d %H:%M"),
                    }
                    for p in saved
                ]
            ),
            hide_index=True,
            key="projects-table",
        )
        names = [p["name"] for p in saved]
        p1, p2, p3 = st.columns([3, 1, 1])
        picked = p1.selectbox(
            "Project", names, index=names.index(open_now) if open_now in names else 0, key="project-pick"
        )
        if p2.button("Open", key="project-open", width="stretch"):
            projects.open_project(picked)
            st.rerun()
        if p3.button("Close", key="project-close", width="stretch", disabled=open_now is None):
            projects.close_project()
            st.rerun()
        manage_project(picked, open_now)


def manage_project(picked: str, open_now: str | None) -> None:
    """Rename or delete a project (deleting asks for its name to be typed)."""
    with st.expander("Rename or delete a project"):
        r1, r2 = st.columns([3, 1])
        new_name = r1.text_input("New name", value=picked, key="project-new-name")
        if r2.button("Rename", key="project-rename", disabled=new_name.strip() in ("", picked)):
            try:
                projects.store().rename(picked, new_name.strip())
                if open_now == picked:
                    st.session_state["project"] = new_name.strip()
                st.rerun()
            except StoreError as error:
                st.error(plain(error))
        typed = st.text_input(
            f"To delete {picked} and all its runs (other people's too), type its name",
            key="project-delete-confirm",
            placeholder=picked,
        )
        if st.button("Delete project", key="project-delete", disabled=typed != picked, type="secondary"):
            try:
                projects.store().delete(picked)
            except StoreError as error:  # deleted or renamed meanwhile in another session
                st.error(plain(error))
                return
            if open_now == picked:
                projects.close_project()
            st.session_state.pop("project-delete-confirm", None)
            st.rerun()


def new_project_section(data) -> None:
    """A new project on the current dataset, opened at once."""
    n1, n2 = st.columns([3, 1])
    new_project = n1.text_input(
        "New project on the current dataset", placeholder="project name", key="project-create-name"
    )
    if n2.button("Create", key="project-create", disabled=not new_project.strip()):
        try:
            ref = projects.dataset_reference(data, st.session_state.get("preprocess", "none"))
            projects.store().create(new_project.strip(), ref)
            projects.open_project(new_project.strip())
            st.rerun()
        except (StoreError, DataError) as error:
            st.error(plain(error))
