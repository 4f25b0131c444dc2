"""The fit core and the pipeline that dispatches to it: full or sampled fits, seeds, layout, metrics, progress."""

import threading

import numpy as np
import pytest

from clustering.backends.base import ParamError
from clustering.data import Dataset
from clustering.evaluate import metrics
from clustering.progress import Cancelled
from clustering.run.fit import checked_params, fit, training_progress
from clustering.run.pipeline import refusal, run


def blobs(n=900, d=6, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, n)
    centres = np.random.default_rng(9).uniform(-10, 10, (4, d))
    return (centres[truth] + rng.normal(size=(n, d))).astype(np.float32), truth


def test_the_core_fits_a_graph_method_and_records_its_graph():
    x, truth = blobs()
    fitted = fit(x, "leiden", checked_params("leiden", {}))
    assert metrics.ari(truth, fitted.labels) > 0.95
    assert fitted.info["knn"]["k"] >= 2 and "neighbors" in fitted.seconds and "cluster" in fitted.seconds


def test_the_core_refuses_a_hopeless_run_with_the_reason():
    x, _ = blobs(20)
    with pytest.raises(ParamError, match="more than the 20 rows"):
        fit(x, "kmeans", checked_params("kmeans", {"n_clusters": 50}))


def test_a_seed_given_to_run_overrides_the_schemas():
    assert checked_params("kmeans", {"seed": 1}, seed=7)["random_state"] == 7
    x, _ = blobs()
    data = Dataset(x)
    a = run(data, "kmeans", {"n_clusters": 4, "seed": 5})
    b = run(data, "kmeans", {"n_clusters": 4}, seed=5)
    assert a.seed == b.seed == 5 and np.array_equal(a.labels, b.labels)


def test_run_records_metrics_timings_and_a_layout():
    x, truth = blobs()
    result = run(Dataset(x), "kmeans", {"n_clusters": 4}, truth=truth, layout="pca")
    assert result.metrics["ari"] > 0.95 and result.seconds["total"] >= result.seconds["cluster"]
    assert result.artifacts["layout"].shape == (900, 2) and result.info["layout"]["method"] == "pca"


def test_run_dispatches_to_a_sample_fit_and_labels_every_row():
    x, truth = blobs(3_000)
    result = run(Dataset(x), "kmeans", {"n_clusters": 4}, sample=500, truth=truth)
    assert result.info["sample"]["sample_rows"] == 500 and len(result.labels) == 3_000
    assert result.metrics["ari"] > 0.95 and result.confidence() is not None


def test_progress_rises_to_done_and_cancel_stops_the_run():
    x, _ = blobs()
    shares: list[float] = []
    run(Dataset(x), "leiden", progress=lambda stage, share: shares.append(share))
    assert shares == sorted(shares) and shares[-1] == 1.0
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        run(Dataset(x), "leiden", cancel=cancel)


def test_training_stages_span_what_their_backend_declares():
    from clustering.backends.deep import N2D

    seen: list[tuple[str, float]] = []
    update = training_progress(N2D, lambda message, share: seen.append((message, share)))
    update("pretrain", 5, 10, 0.5, None)
    update("gmm", 10, 10, float("nan"), None)
    assert seen[0][0] == "pretrain 5/10 · loss 0.5000" and seen[0][1] == pytest.approx(0.3 + 0.7 * 0.225)
    assert seen[1][1] == pytest.approx(1.0)


def test_refusal_judges_the_rows_a_sample_would_fit():
    x, _ = blobs(3_000)
    data = Dataset(x)
    assert refusal(data, "kmeans", {"n_clusters": 800}, sample=500) is not None
    assert refusal(data, "kmeans", {"n_clusters": 800}) is None
