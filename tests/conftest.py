import os
import tempfile

# Every test run gets its own cache so results never leak between runs.
os.environ.setdefault("CLUSTERLAB_CACHE", tempfile.mkdtemp(prefix="clusterlab-test-cache-"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# ...and its own project store, so app sessions never write into the user's CLUSTERLAB_HOME.
os.environ.setdefault("CLUSTERLAB_HOME", tempfile.mkdtemp(prefix="clusterlab-test-home-"))

import numpy as np
import pytest


@pytest.fixture
def blobs():
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=600, centers=4, n_features=8, cluster_std=1.0, random_state=0)
    return x.astype(np.float32), y


@pytest.fixture(scope="module")
def server():
    """The app on a free port for a module's browser tests (a module may define its own, with settings)."""
    from browser import StreamlitServer

    srv = StreamlitServer()
    yield srv
    srv.stop()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
