import time

import numpy as np
import pytest

from clustering.io.samples import SAMPLES, load_sample, sample_names


@pytest.mark.parametrize("name", list(SAMPLES))
def test_each_sample_loads_fast_with_label(name):
    assert name in sample_names() or not SAMPLES[name].listed  # the lessons' samples are not on Home
    start = time.perf_counter()
    ds = load_sample(name)
    assert time.perf_counter() - start < 2.0
    assert ds.n >= 700 and ds.vectors.dtype == np.float32
    labelled = "label" in ds.metadata.columns
    assert labelled or name == "python-docs"
    if name == "mnist-test":
        assert ds.vectors.shape == (10000, 784) and 0 <= ds.vectors.min() and ds.vectors.max() <= 1
        assert ds.image_shape == (28, 28)
    if name == "python-docs":
        assert ds.d == 384 and {"text", "topic"} <= set(ds.metadata.columns)


def test_search_finds_words_and_metadata_values_ignoring_case():
    import pandas as pd

    from clustering.visual.search import search_rows

    metadata = pd.DataFrame({"text": ["Open a FILE", "read files", "sockets"], "price": [12, 120, 3]})
    assert search_rows(metadata, "file").tolist() == [0, 1]
    assert search_rows(metadata, "12").tolist() == [0, 1]  # 12 and 120
    assert search_rows(metadata, "  ").tolist() == []
    assert search_rows(metadata, "file", columns=["price"]).tolist() == []
