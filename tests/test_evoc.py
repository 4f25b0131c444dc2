"""EVoC as a backend: its layers kept with the run, any layer a reproducible run of its own, the layers as levels."""

from __future__ import annotations

import numpy as np

from clustering.io.samples import load_sample
from clustering.run.levels import layer_levels
from clustering.run.pipeline import run


def test_evoc_keeps_its_layers_and_any_layer_is_a_run():
    data = load_sample("digits")
    chosen = run(data, "evoc", {}, truth=data.metadata["label"].to_numpy())
    layers = chosen.artifacts["layers"]
    assert chosen.info["layers"] == [int(len(np.unique(layer[layer >= 0]))) for layer in layers]
    assert len(layers) >= 2 and any(np.array_equal(chosen.labels, layer) for layer in layers)
    assert chosen.n_noise > 0 and chosen.confidence() is not None
    levels = layer_levels(data, "evoc")
    assert [level.n_clusters for level in levels] == sorted(chosen.info["layers"])
    coarse = levels[0]
    again = run(data, "evoc", {"layer": coarse.params["layer"]})
    np.testing.assert_array_equal(again.labels, coarse.labels)  # a level replays as a plain run
    assert coarse.confidence() is not None and coarse.info["confidence"] == "calibrated from neighbours"
