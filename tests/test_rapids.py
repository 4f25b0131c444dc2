"""RAPIDS (cuML, cuGraph) chosen by device=auto when installed; without it, CPU and a clear refusal of device=gpu."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from clustering.data import Dataset
from clustering.evaluate import metrics
from clustering.graph import rapids
from clustering.params import ParamError
from clustering.run.pipeline import run

REASON = rapids.unavailable()


def blobs() -> tuple[Dataset, np.ndarray]:
    x, y = make_blobs(3_000, n_features=16, centers=4, random_state=0)
    return Dataset(vectors=x.astype(np.float32), name="blobs"), y


@pytest.mark.skipif(REASON is None, reason="RAPIDS is installed here: the CPU-only behaviour is not what runs")
@pytest.mark.parametrize("method", ["leiden", "hdbscan"])
def test_without_rapids_auto_runs_on_cpu_and_gpu_is_refused(method):
    data, truth = blobs()
    result = run(data, method, {})
    assert result.device == "cpu" and result.params["device"] == "auto"
    assert metrics.ari(truth, result.labels) > 0.95
    with pytest.raises(ParamError, match="device=gpu: .*Use device=auto or cpu"):
        run(data, method, {"device": "gpu"})


@pytest.mark.skipif(REASON is not None, reason=f"no GPU path here: {REASON}")
@pytest.mark.parametrize("method", ["leiden", "hdbscan"])
def test_rapids_runs_the_method_on_the_gpu(method):
    data, truth = blobs()
    result = run(data, method, {})
    assert result.device is not None and result.device.startswith("gpu (RAPIDS")
    assert metrics.ari(truth, result.labels) > 0.9
    assert run(data, method, {"device": "cpu"}).device == "cpu"


@pytest.mark.skipif(REASON is not None, reason=f"no GPU path here: {REASON}")
def test_rapids_umap_layout_keeps_neighbourhoods():
    from sklearn.manifold import trustworthiness

    from clustering.graph.projection import umap_embed

    data, _ = blobs()
    xy = umap_embed(data.vectors, device="gpu")
    assert xy.shape == (3_000, 2) and trustworthiness(data.vectors, xy, n_neighbors=10) > 0.9
