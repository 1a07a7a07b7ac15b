"""MNIST protocol mechanics: model file round trip, targets, checkpoint and resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
from brian_dendrites.protocols import mnist as protocol
from test_mnist import SHARED


def test_one_hot_targets_are_the_papers_rates():
    rates = protocol.one_hot(np.array([3, 0]))
    assert rates[0, 3] == pytest.approx(0.8) and rates[0, 0] == pytest.approx(0.1) and rates[1, 0] == pytest.approx(0.8)


def test_model_file_round_trip(tmp_path, rng):
    variant = protocol.VARIANTS["a"]
    model = protocol.Model.initial(variant, rng)
    model.biases["bottom_up_1"][:] = rng.normal(size=500)
    path = protocol.save_model(model, variant.params, tmp_path / "model.npz")
    loaded, params = protocol.load_model(path)
    assert loaded.variant == "a" and params.phi == variant.params.phi
    for name, w in model.weights.items():
        np.testing.assert_array_equal(loaded.weights[name], w)
    images = rng.uniform(0, 1, (50, 784)).astype(np.float32)
    np.testing.assert_array_equal(protocol.predict(loaded, params, images), protocol.predict(model, params, images))


def test_training_checkpoints_every_epoch_and_resumes(tmp_path):
    if not (SHARED / "train-images-idx3-ubyte.gz").exists():
        pytest.skip("MNIST not in ../shared")
    first = protocol.run("a", 1, tmp_path, SHARED, limit=200, progress=False)
    assert first["epoch"] == [1]
    assert (tmp_path / "checkpoint_a.npz").exists()
    resumed = protocol.run("a", 2, tmp_path, SHARED, limit=200, progress=False)
    assert resumed["epoch"] == [1, 2]
    assert resumed["test_error"][0] == first["test_error"][0]
    assert json.loads((tmp_path / "log_a.json").read_text())["epoch"] == [1, 2]
    with pytest.raises(ValueError, match="variant"):
        protocol.run("z", 1, tmp_path, SHARED)
