"""DEC / IDEC / N2D: hand-computed kernel and target, improvement over the k-means start, save/load, cancel."""

import threading

import numpy as np
import pytest
import torch

from clustering.backends import get_backend
from clustering.backends.deep.dec import DEC
from clustering.backends.deep.n2d import N2D
from clustering.backends.deep.torch_core import kl_divergence, pick_device, soft_assignment, target_distribution
from clustering.data import Dataset
from clustering.evaluate import metrics
from clustering.io.samples import load_sample
from clustering.progress import Cancelled
from clustering.run.pipeline import run

SMALL = {"hidden": "128,128,256", "pretrain_epochs": 40, "max_iter": 3000, "update_interval": 50}


def test_soft_assignment_and_target_hand_computed():
    z = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    mu = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    # squared distances: row0 [0, 2], row1 [1, 1], row2 [4, 2]; alpha=1 -> kernel 1/(1+d2)
    kernel = np.array([[1.0, 1 / 3], [1 / 2, 1 / 2], [1 / 5, 1 / 3]])
    q_expected = kernel / kernel.sum(1, keepdims=True)
    q = soft_assignment(z, mu, alpha=1.0)
    np.testing.assert_allclose(q.numpy(), q_expected, rtol=1e-6)
    f = q_expected.sum(0)
    weight = q_expected**2 / f
    p_expected = weight / weight.sum(1, keepdims=True)
    np.testing.assert_allclose(target_distribution(q).numpy(), p_expected, rtol=1e-6)
    kl = (p_expected * np.log(p_expected / q_expected)).sum(1).mean()
    assert float(kl_divergence(torch.tensor(p_expected), torch.tensor(q_expected))) == pytest.approx(kl, rel=1e-6)


def test_alpha_changes_kernel():
    z = torch.tensor([[0.0, 0.0]])
    mu = torch.tensor([[1.0, 0.0], [2.0, 0.0]])
    # alpha=2: (1 + d2/2)^(-1.5): [1.5^-1.5, 3^-1.5]
    k = np.array([1.5**-1.5, 3**-1.5])
    np.testing.assert_allclose(soft_assignment(z, mu, 2.0).numpy()[0], k / k.sum(), rtol=1e-6)


@pytest.fixture(scope="module")
def digits01():
    data = load_sample("digits")
    return Dataset(vectors=data.vectors / 16.0, metadata=data.metadata, name="digits01"), data.labels()


@pytest.mark.parametrize("method", ["dec", "idec"])
def test_improves_over_kmeans_start_on_digits(digits01, method):
    data, truth = digits01
    result = run(data, method, SMALL, seed=0, truth=truth)
    estimator = result.artifacts["estimator"]
    start_acc = metrics.acc(truth, estimator.init_labels_)
    assert result.metrics["acc"] > start_acc + 0.01  # measured (seed 0, 1500 iterations): 0.703 -> 0.767
    assert result.device == "cpu" == estimator.device_
    assert result.probabilities.shape == (data.n, 10)
    replay = result.artifacts["replay"]
    assert len(replay) >= 3 and replay.positions[0].shape == (data.n, 2)
    assert replay.iterations == sorted(replay.iterations)
    np.testing.assert_array_equal(replay.labels[-1], result.labels)


def test_same_seed_same_labels_on_cpu(digits01):
    data, _ = digits01
    params = {**SMALL, "max_iter": 300, "pretrain_epochs": 5, "hidden": "64,64,128"}
    a = run(data, "dec", params, seed=3).labels
    b = run(data, "dec", params, seed=3).labels
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", [DEC, N2D])
def test_save_load_predict_identical(digits01, tmp_path, cls):
    data, _ = digits01
    params = {"hidden": "64,64,128", "pretrain_epochs": 5, "random_state": 1}
    if cls is DEC:
        params["max_iter"] = 200
    model = cls(**params).fit(data.vectors)
    before = model.predict(data.vectors[:300])
    model.save(tmp_path / "model.pt")
    loaded = cls.load(tmp_path / "model.pt")
    np.testing.assert_array_equal(loaded.predict(data.vectors[:300]), before)
    if cls is DEC:
        np.testing.assert_array_equal(before, model.labels_[:300])


def test_load_refuses_other_files(tmp_path):
    torch.save({"a": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a Clusterlab deep clustering model"):
        DEC.load(tmp_path / "other.pt")


def test_cancel_stops_within_an_epoch(digits01):
    data, _ = digits01
    cancel = threading.Event()
    steps = []

    def progress(stage, step, total, loss, changed):
        steps.append((stage, step))
        if stage == "pretrain" and step == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        DEC(hidden="64,64,128", pretrain_epochs=50, random_state=11).fit(data.vectors, progress=progress, cancel=cancel)
    assert steps[-1] == ("pretrain", 2)


def test_progress_reports_loss_and_changed_share(digits01):
    data, _ = digits01
    events = []
    DEC(hidden="64,64,128", pretrain_epochs=3, max_iter=120, update_interval=40, random_state=5).fit(
        data.vectors, progress=lambda *event: events.append(event)
    )
    stages = [e[0] for e in events]
    assert stages.count("pretrain") == 3 and "cluster" in stages
    cluster_events = [e for e in events if e[0] == "cluster"]
    assert all(e[4] is not None and 0 <= e[4] <= 1 for e in cluster_events)


def test_n2d_on_blobs(blobs):
    x, y = blobs
    model = get_backend("n2d").from_params({"n_clusters": 4, "hidden": "32,32,64", "pretrain_epochs": 10})
    labels = model.fit_predict(x)
    assert metrics.ari(y, labels) > 0.9
    assert model.probabilities_.shape == (len(x), 4)


def test_device_choice_shares_one_code_path():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device("auto") == expected
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            pick_device("cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
def test_cuda_matches_cpu_quality(digits01):
    data, truth = digits01
    gpu = run(data, "dec", {**SMALL, "device": "cuda"}, seed=0, truth=truth)
    assert gpu.device == "cuda" and gpu.metrics["acc"] > 0.7
