"""The steady-state engine on NumPy and PyTorch, one network or a stack of networks at once."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.protocols import mnist
from networks import DEEP

from brian_dendrites import LearningRates, random_weights, self_predicting_weights

torch = pytest.importorskip("torch")

#: Variant (a)'s record (rates, conductances, logistic phi) with narrower hidden layers.
SMALL_A = mnist.VARIANTS["a"].params.replace(sizes=(784, 64, 32, 10))


def _network(params, seed: int, dtype=np.float64):
    rng = np.random.default_rng(seed)
    weights = self_predicting_weights(params, random_weights(params, rng, 0.2))
    weights = {name: w.astype(dtype) for name, w in weights.items()}
    biases = {name: rng.normal(0, 0.1, w.shape[0]).astype(dtype) for name, w in weights.items()}
    return weights, biases


def _data(params, seed: int, n: int = 200):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, params.sizes[0])) * (rng.random((n, params.sizes[0])) < 0.2)
    classes = params.sizes[-1]
    return x, params.phi.inverse(mnist.one_hot(rng.integers(0, classes, n), classes))


def _epoch(engine, weights, biases, x, u_tgt, as_array, batch: int = 10):
    """One pass of Eqs. 7-10 over the data, a mini-batch at a time (as mnist.train_epoch)."""
    for start in range(0, x.shape[-2], batch):
        rows = slice(start, start + batch)
        state = engine.settle(weights, biases, as_array(x[..., rows, :]), as_array(u_tgt[..., rows, :]))
        engine.learn(state, weights, biases, dt=1.0, frozen=("bottom_up_1",))


def _tensors(arrays: dict) -> dict:
    return {name: torch.from_numpy(a.copy()) for name, a in arrays.items()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pytorch_learns_the_same_weights_as_numpy(dtype):
    """One epoch of variant (a)'s learning (frozen first layer) on both backends: the same weights,
    to float64 round-off, or to float32 round-off accumulated over 20 mini-batches."""
    engine = SteadyStateEngine(SMALL_A)
    weights, biases = _network(SMALL_A, 0, dtype)
    x, u_tgt = (a.astype(dtype) for a in _data(SMALL_A, 1))
    tw, tb = _tensors(weights), _tensors(biases)
    _epoch(engine, weights, biases, x, u_tgt, lambda a: a)
    _epoch(engine, tw, tb, x, u_tgt, torch.from_numpy)
    tolerance = {"rtol": 1e-10, "atol": 1e-12} if dtype == np.float64 else {"rtol": 2e-4, "atol": 2e-6}
    for name, w in weights.items():
        assert tw[name].dtype == torch.from_numpy(w).dtype
        np.testing.assert_allclose(tw[name].numpy(), w, **tolerance, err_msg=name)
    for name, b in biases.items():
        np.testing.assert_allclose(tb[name].numpy(), b, **tolerance, err_msg=name)
    # The epoch changed the weights by much more than the tolerance.
    assert np.abs(weights["bottom_up_2"] - _network(SMALL_A, 0, dtype)[0]["bottom_up_2"]).max() > 1e-2


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_stack_of_networks_learns_as_each_alone(backend):
    """Three seeds stacked along a leading axis, each with its own data, equal three separate runs."""
    as_array = (lambda a: a) if backend == "numpy" else torch.from_numpy
    eta = LearningRates(bottom_up=0.1 / ms, ip=0.05 / ms, pi=0.05 / ms, top_down=0.01 / ms)
    engine = SteadyStateEngine(DEEP.replace(eta=eta))
    networks = [_network(DEEP, seed) for seed in range(3)]
    data = [_data(DEEP, 10 + seed, 40) for seed in range(3)]
    stacked_w = {name: as_array(np.stack([w[name] for w, _ in networks])) for name in networks[0][0]}
    stacked_b = {name: as_array(np.stack([b[name] for _, b in networks])) for name in networks[0][1]}
    x, u_tgt = (np.stack([d[i] for d in data]) for i in (0, 1))
    _epoch(engine, stacked_w, stacked_b, x, u_tgt, as_array)
    for s, ((weights, biases), (xs, us)) in enumerate(zip(networks, data, strict=True)):
        _epoch(engine, weights, biases, xs, us, lambda a: a)
        for name, w in weights.items():
            np.testing.assert_allclose(np.asarray(stacked_w[name][s]), w, rtol=1e-12, atol=1e-14, err_msg=name)
        for name, b in biases.items():
            np.testing.assert_allclose(np.asarray(stacked_b[name][s]), b, rtol=1e-12, atol=1e-14, err_msg=name)
