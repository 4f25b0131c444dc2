"""Every schema refuses non-finite and out-of-range values with a ParamError; valid values run or are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from commands import clusterlab
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering.backends import BACKENDS
from clustering.backends.base import ParamError
from clustering.explainers import EXPLAINERS

ROOT = Path(__file__).resolve().parent.parent


# --- 5. non-finite numbers refused by the schema itself ------------------------------------------------------


@pytest.mark.parametrize(
    "method, name, value",
    [
        ("leiden", "resolution", "nan"),
        ("dec", "lr", "nan"),
        ("dec", "alpha", "nan"),
        ("kmeans", "n_clusters", "inf"),
        ("kmeans", "n_clusters", float("inf")),
        ("leiden", "resolution", float("-inf")),
        ("gmm", "reg_covar", "1e400"),
    ],
)
def test_non_finite_parameters_are_refused(method, name, value):
    with pytest.raises(ParamError, match=name):
        BACKENDS[method].checked({name: value})


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["cluster", "sample:digits", "--method", "leiden", "--param", "resolution=nan", "--out", "l.csv"],
            "resolution",
        ),
        (
            ["cluster", "sample:digits", "--method", "kmeans", "--param", "n_clusters=inf", "--out", "l.csv"],
            "n_clusters",
        ),
        (["perceive", "sample:digits", "--projection", "pca", "--bandwidth", "nan"], "bandwidth"),
        (["perceive", "sample:digits", "--projection", "pca", "--width", "0"], "width"),
        (
            ["cluster", "small.npy", "--method", "kmedoids", "--param", "n_clusters=50", "--out", "l.csv"],
            "more than the 40 rows",
        ),
        (["cluster", "sample:digits", "--method", "dec", "--param", "hidden=abc", "--out", "l.csv"], "hidden"),
    ],
)
def test_cli_bad_numbers_one_clear_line(tmp_path, args, message):
    np.save(tmp_path / "small.npy", np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32))
    done = clusterlab(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr and "Overflow" not in done.stderr


def test_kernel_imm_zero_bandwidth_is_a_param_error():
    from clustering.explainers import Space, explain

    space = Space("features", np.random.default_rng(0).normal(size=(40, 2)), ["a", "b"])
    with pytest.raises(ParamError, match="bandwidth"):
        explain(space, np.arange(40) % 2, "kernel-imm", bandwidth=0.0)
    with pytest.raises(ParamError, match="time_limit"):
        explain(space, np.arange(40) % 2, "polyhedra", time_limit=float("nan"))


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["nan", "inf", "-1", "0", "1e400", "", "auto", " 3 ", "2.5", "abc,1"]),
)


SCHEMATIC = {
    **{f"cluster:{name}": cls for name, cls in BACKENDS.items()},
    **{f"explain:{name}": cls for name, cls in EXPLAINERS.items() if cls.schema},
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(sorted(SCHEMATIC)), data=st.data())
def test_every_schema_accepts_valid_values_or_raises_param_error(method, data):
    backend = SCHEMATIC[method]  # clustering backends and explainers share the contract
    param = data.draw(st.sampled_from(backend.schema))
    value = data.draw(VALUES)
    try:
        checked = backend.checked({param.name: value})
    except ParamError as error:
        assert param.name in str(error)
        return
    got = checked[param.name]
    if got is None:
        assert param.nullable
        return
    assert isinstance(got, param.kind)
    if param.kind is float:
        assert np.isfinite(got)
    if param.low is not None:
        assert got >= param.low
    if param.high is not None:
        assert got <= param.high
    if param.choices is not None:
        assert got in param.choices


FAST = ["kmeans", "gmm", "agglomerative", "kmedoids", "leiden", "hdbscan", "spectral"]


def schema_value(param):
    if param.choices is not None:
        return st.sampled_from(param.choices)
    if param.kind is bool:
        return st.booleans()
    if param.kind is int:
        low = int(param.low) if param.low is not None else -5
        high = int(param.high) if param.high is not None else low + 200
        return st.integers(low, min(high, low + 200))
    low = param.low if param.low is not None else -10.0
    high = param.high if param.high is not None else low + 100
    return st.floats(low, high, allow_nan=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(FAST), data=st.data())
def test_any_valid_value_gives_a_valid_run_or_a_clear_refusal(method, data):
    """Runs on 70 rows with one schema value drawn per example: labels for every row, or a ParamError."""
    from clustering.run.pipeline import run_array

    backend = BACKENDS[method]
    param = data.draw(st.sampled_from([p for p in backend.schema if p.name not in ("random_state",)]))
    if param.name in ("max_iter", "n_init", "n_iterations"):
        value = data.draw(st.integers(int(param.low or 1), 5))
    elif param.name in ("reduction", "implementation") and method == "hdbscan":
        value = data.draw(st.sampled_from(["auto", "none", "pca"]))
    else:
        value = data.draw(schema_value(param))
    x = np.random.default_rng(0).normal(size=(70, 5)).astype(np.float32)
    x[35:] += 4
    try:
        result = run_array(x, method, {param.name: value})
    except ParamError:
        return
    labels = result.labels
    assert labels.shape == (70,) and labels.min() >= -1
    assert result.n_clusters <= 70
    if method in ("kmeans", "gmm", "agglomerative", "kmedoids", "spectral"):
        assert (labels >= 0).all()


def test_spectral_refuses_as_many_clusters_as_rows():
    """Found by the property test: 70 clusters of 70 rows reached scipy's eigensolver, which raised."""
    from clustering.run.pipeline import run_array

    x = np.random.default_rng(0).normal(size=(70, 5)).astype(np.float32)
    with pytest.raises(ParamError, match="at most 69"):
        run_array(x, "spectral", {"n_clusters": 70})
