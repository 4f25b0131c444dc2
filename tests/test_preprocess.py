"""Preprocessing: specs parsed and refused in words, transforms fitted on some rows and applied to any, a cache."""

import numpy as np
import pytest

from clustering.data import DataError, Dataset
from clustering.graph.preprocess import Preprocessing, parse, prepared, preprocess


@pytest.mark.parametrize(
    "spec, parsed", [(None, ("none", None)), ("PCA:7", ("pca", 7)), ("pca", ("pca", 50)), (" l2 ", ("l2", None))]
)
def test_specs_are_parsed(spec, parsed):
    assert parse(spec) == parsed


@pytest.mark.parametrize("spec, message", [("pca:x", "whole number"), ("pca:0", "at least 1"), ("zscore", "unknown")])
def test_bad_specs_say_what_to_write(spec, message):
    with pytest.raises(DataError, match=message):
        parse(spec)


def test_standardize_l2_and_pca_do_what_they_say():
    x = np.random.default_rng(0).normal(3, 5, size=(300, 6)).astype(np.float32)
    z = preprocess(x, "standardize")
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(preprocess(x, "l2"), axis=1), 1, atol=1e-5)
    reduced = preprocess(x, "pca:3")
    assert reduced.shape == (300, 3) and reduced.dtype == np.float32
    assert reduced[:, 0].var() >= reduced[:, 1].var() >= reduced[:, 2].var()


def test_a_transform_fitted_on_a_sample_is_the_same_for_every_chunk():
    x = np.random.default_rng(1).normal(size=(1_000, 8)).astype(np.float32)
    fitted = Preprocessing.fit(x[:200], "pca:4", seed=0)
    whole = fitted.apply(x)
    np.testing.assert_allclose(np.vstack([fitted.apply(x[:500]), fitted.apply(x[500:])]), whole, atol=1e-6)
    assert not np.shares_memory(whole, x)


def test_huge_values_are_rescaled_by_a_power_of_two_first():
    x = (np.random.default_rng(2).normal(size=(50, 3)) * 1e35).astype(np.float32)
    fitted = Preprocessing.fit(x, "none")
    assert fitted.exponent > 0 and np.isfinite(fitted.apply(x)).all()


def test_prepared_vectors_are_cached_per_spec_and_seed():
    data = Dataset(np.random.default_rng(3).normal(size=(100, 5)).astype(np.float32))
    assert prepared(data, "pca:2", seed=0) is prepared(data, "pca:2", seed=0)
    assert prepared(data, "pca:2", seed=1) is not prepared(data, "pca:2", seed=0)
    np.testing.assert_allclose(prepared(data, "standardize"), preprocess(data.vectors, "standardize"))
