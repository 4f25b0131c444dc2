"""Embeddings (UMAP, PCA, t-SNE) and the one layout rule every caller uses."""

import numpy as np
import pytest

from clustering.data import Dataset
from clustering.graph.projection import execution, pca_embed, project
from clustering.limits import LAYOUT_SAMPLE_ROWS
from clustering.params import ParamError
from clustering.run import fit_rows
from clustering.run.layout import layout, layout_note


def blobs(n=600, d=6, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, (3, d))
    return (centres[rng.integers(0, 3, n)] + rng.normal(size=(n, d))).astype(np.float32)


def test_pca_embeds_in_two_dimensions_reproducibly():
    x = blobs()
    a, b = pca_embed(x, 2, seed=0), pca_embed(x, 2, seed=0)
    assert a.shape == (600, 2) and np.array_equal(a, b)


def test_unknown_projection_is_refused_with_the_choices():
    with pytest.raises((ParamError, ValueError), match="umap"):
        project(blobs(), "mds")


def test_umap_runs_on_one_thread_so_a_seed_reproduces_it():
    assert execution("umap")["threads"] == 1 and execution("umap")["reproducible"]
    x = blobs(300)
    assert np.array_equal(project(x, "umap", seed=3), project(x, "umap", seed=3))


def test_the_layout_rule_fits_a_sample_above_the_limit(monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_LAYOUT_FULL_ROWS", "400")
    monkeypatch.setenv("CLUSTERLAB_LAYOUT_SAMPLE_ROWS", "300")
    data = Dataset(blobs(900))
    xy, info = layout(data, "umap", seed=0)
    assert xy.shape == (900, 2) and xy.dtype == np.float32 and np.isfinite(xy).all()
    assert info["fitted_on_sample_rows"] == 300 and info["placed_by"]
    assert "UMAP fitted on 300 rows that cover the data" in layout_note(info, 900) and "the other 600" in layout_note(
        info, 900
    )
    assert info["sampling"] == "covering"
    xy, info = layout(data, "pca")  # PCA fits every row
    assert info["fitted_on_sample_rows"] is None and layout_note(info, 900) is None
    xy, info = layout(data, "umap", sample="none")
    assert info["fitted_on_sample_rows"] is None


def test_given_layouts_take_two_columns_as_they_are():
    xy = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    out, info = layout(Dataset(xy), "given")
    assert np.array_equal(out, xy) and info["method"] == "given"
    with pytest.raises(ValueError, match="two feature columns"):
        layout(Dataset(blobs(50)), "given")


def test_rows_fitted_follow_one_rule():
    assert fit_rows.layout_rows("umap", 10_000, "auto") is None
    assert fit_rows.layout_rows("umap", 1_000_000, "auto") == LAYOUT_SAMPLE_ROWS.whole()
    assert fit_rows.layout_rows("pca", 1_000_000, "auto") is None
    assert fit_rows.layout_rows("umap", 1_000, 500) == 500 and fit_rows.layout_rows("umap", 1_000, 5_000) is None
    with pytest.raises(ParamError, match="at least 100"):
        fit_rows.layout_rows("umap", 1_000, 10)
