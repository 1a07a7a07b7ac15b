"""The steady-state engine on NumPy and PyTorch, one network or a stack of networks at once."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms
from networks import DEEP

from brian_dendrites import LearningRates, ParameterError, random_weights, self_predicting_weights
from brian_dendrites.cli import parser
from brian_dendrites.datasets.mnist import one_hot
from brian_dendrites.models.microcircuit.classifier_file import load_classifier
from brian_dendrites.models.microcircuit.stacked import train_stack
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.protocols import mnist
from brian_dendrites.protocols.mnist_variants import VARIANTS

torch = pytest.importorskip("torch")

#: Variant (a)'s record (rates, conductances, logistic phi) with narrower hidden layers.
SMALL_A = VARIANTS["a"].params.replace(sizes=(784, 64, 32, 10))


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
    return x, params.phi.inverse(one_hot(rng.integers(0, classes, n), classes))


def _epoch(engine, weights, biases, x, u_tgt, as_array, batch: int = 10):
    """One pass of Eqs. 7-10 over the data, a mini-batch at a time (as learning.train_epoch)."""
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


@pytest.mark.slow
def test_seeds_train_at_once_on_torch_as_one_after_another_on_numpy(tmp_path, mnist_dir, monkeypatch):
    """`train_seeds`: variant (a), two seeds, an epoch of 300 images; the stacked PyTorch run writes the same
    model files (to float32 round-off) and logs as the seeds run one after another on NumPy."""
    arguments = {"epochs": 1, "data_dir": mnist_dir, "seeds": (0, 1), "limit": 300, "progress": False}
    logs = {b: mnist.train_seeds("a", out=tmp_path / b, backend=b, **arguments) for b in mnist.BACKENDS}
    for seed in (0, 1):
        numpy_model, _ = load_classifier(tmp_path / "numpy" / f"seed_{seed}" / "model_a.npz")
        torch_model, _ = load_classifier(tmp_path / "torch" / f"seed_{seed}" / "model_a.npz")
        assert torch_model.seed == seed and len(torch_model.log["epoch"]) == 1
        for name, w in numpy_model.weights.items():
            np.testing.assert_allclose(torch_model.weights[name], w, rtol=1e-3, atol=2e-5, err_msg=name)
        for part in ("validation_error", "test_error"):
            np.testing.assert_allclose(logs["torch"][seed][part], logs["numpy"][seed][part], atol=2e-3)
    # The seeds differ (their own initial weights and shuffling).
    first, _ = load_classifier(tmp_path / "torch" / "seed_0" / "model_a.npz")
    second, _ = load_classifier(tmp_path / "torch" / "seed_1" / "model_a.npz")
    assert np.abs(first.weights["bottom_up_1"] - second.weights["bottom_up_1"]).max() > 0.1
    # Resuming: a model that is ahead waits; the other catches up.
    ahead = mnist.train_seeds(
        "a", out=tmp_path / "torch", backend="torch", **(arguments | {"epochs": 2, "seeds": (0,)})
    )
    resumed = mnist.train_seeds("a", out=tmp_path / "torch", backend="torch", **(arguments | {"epochs": 2}))
    assert [len(resumed[seed]["epoch"]) for seed in (0, 1)] == [2, 2]
    assert resumed[0] == ahead[0]  # seed 0 was not trained again
    # The command trains on all 55,000 images: it refuses to resume files trained on the first 300.
    config = mnist.TrainConfig(tmp_path / "torch", ("a",), epochs=2, data_dir=mnist_dir, seeds=(0, 1), backend="torch")
    with pytest.raises(ParameterError, match="model_a.npz was written by a different configuration"):
        mnist.Train.run(config, progress=False)
    # Its multi-seed results: every seed's folder evaluated, the errors summarised.
    monkeypatch.setattr(mnist, "train_seeds", lambda *args: None)  # trains nothing more
    results = mnist.Train.run(config, progress=False)
    assert [r["variants"]["a"]["epochs"] for r in results["runs"].values()] == [2, 2]
    errors = [results["runs"][seed]["variants"]["a"]["test_error"] for seed in (0, 1)]
    assert results["variants"]["a"]["mean"] == pytest.approx(np.mean(errors))
    paths = mnist.Train.write(results, config)
    assert {p.relative_to(tmp_path / "torch").as_posix() for p in paths} == {
        "seed_0/mnist_results.json",
        "seed_0/fig3b.png",
        "seed_1/mnist_results.json",
        "seed_1/fig3b.png",
        "mnist_seeds.json",
    }


def test_train_options():
    config = mnist.Train.config_from_args(
        parser().parse_args(["mnist", "train", "--out", "x", "--seeds", "0-2", "--backend", "torch"])
    )
    assert (config.seeds, config.backend, config.device) == ((0, 1, 2), "torch", "cpu")
    with pytest.raises(ParameterError, match="needs backend 'torch'"):
        mnist.TrainConfig("x", device="cuda")
    with pytest.raises(ParameterError, match="seeds must be distinct"):
        mnist.TrainConfig("x", seeds=(1, 1))
    with pytest.raises(ParameterError, match="backend must be one of"):
        mnist.TrainConfig("x", backend="jax")
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match="not available to PyTorch"):
            mnist.TrainConfig("x", backend="torch", device="cuda")
    with pytest.raises(ParameterError, match="runs on the numpy backend only"):
        train_stack([], VARIANTS["backprop"], np.zeros((1, 784)), np.zeros(1, int), [])


def test_settle_checks_pytorch_tensors():
    """The engine checks tensors as it checks NumPy arrays (issue 24; more in test_api_values.py)."""
    rng = np.random.default_rng(0)
    weights = {k: torch.from_numpy(v) for k, v in random_weights(DEEP, rng).items()}
    biases = {k: torch.zeros(v.shape[0], dtype=torch.float64) for k, v in weights.items()}
    x = torch.from_numpy(rng.uniform(0, 1, (4, 5)))
    engine = SteadyStateEngine(DEEP)
    assert engine.settle(weights, biases, x).r[-1].shape == (4, 2)
    with pytest.raises(ParameterError, match=r"^x must be finite, found NaN or inf$"):
        engine.settle(weights, biases, x * np.nan)
    with pytest.raises(ParameterError, match=r"^x must be a NumPy array or PyTorch tensor .*got ndarray"):
        engine.settle(weights, biases, x.numpy())
    with pytest.raises(ParameterError, match=r"^x must be a NumPy array or PyTorch tensor .*torch\.bool$"):
        engine.settle(weights, biases, x > 0.5)
