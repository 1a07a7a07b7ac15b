"""MNIST protocol mechanics: model file round trip, targets, checkpoint and resume."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest
from brian2 import ms

from brian_dendrites import PyramidalParams
from brian_dendrites.cli import main
from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.errors import DivergenceError, FileFormatError, OutputError, ParameterError
from brian_dendrites.files import prepare_output
from brian_dendrites.models.microcircuit import learning
from brian_dendrites.models.microcircuit.classifier import Classifier, predict
from brian_dendrites.models.microcircuit.classifier_file import load_classifier, save_classifier, training_fingerprint
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.protocols import mnist as protocol
from brian_dendrites.protocols import mnist_figures
from brian_dendrites.protocols.mnist_variants import VARIANTS


def test_seed_and_seeds_together_are_refused(tmp_path, capsys):
    """--seed 5 --seeds 0 once trained seed 0 only."""
    message = r"give seed \(--seed\) or seeds \(--seeds\), not both: seed 5 would be ignored for seeds \(0,\)"
    with pytest.raises(ParameterError, match=message):
        protocol.TrainConfig("out", seed=5, seeds=(0,))
    with pytest.raises(ParameterError, match="seed 0 would be ignored"):
        protocol.TrainConfig("out", seed=0, seeds=(1, 2))
    assert main(["mnist", "train", "--out", str(tmp_path), "--seed", "5", "--seeds", "0", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("brian-dendrites mnist: error: give seed (--seed) or seeds")


def test_the_test_error_at_the_best_validation_epoch_is_reported():
    log = {"epoch": [1, 2, 3, 4], "validation_error": [0.5, 0.2, 0.3, 0.2], "test_error": [0.6, 0.25, 0.3, 0.22]}
    assert protocol.best_validation(log) == {"best_validation_epoch": 2, "test_error_at_best_validation": 0.25}
    assert protocol.best_validation({k: [] for k in log}) == {
        "best_validation_epoch": None,
        "test_error_at_best_validation": None,
    }
    entry = {"test_error": 0.3, "epochs": 4, **protocol.best_validation(log), "wall_s": 1.0, "log": log}
    assert protocol.Train.summary({"seed": 0, "variants": {"a": entry}}) == {
        "a": {"test_error": 0.3, "best_validation_epoch": 2, "test_error_at_best_validation": 0.25}
    }


def test_the_seeds_summary_reports_the_test_error_at_the_best_validation_epoch(tmp_path, monkeypatch):
    logs = {
        0: {"epoch": [1, 2], "validation_error": [0.2, 0.3], "test_error": [0.1, 0.4], "wall_s": [1.0, 1.0]},
        1: {"epoch": [1, 2], "validation_error": [0.3, 0.2], "test_error": [0.5, 0.3], "wall_s": [1.0, 1.0]},
    }
    variant = VARIANTS["shallow"]
    for seed, log in logs.items():
        model = Classifier.initial(variant, np.random.default_rng(seed))
        model.seed, model.log = seed, log
        save_classifier(model, variant.params, prepare_output(tmp_path / f"seed_{seed}") / "model_shallow.npz")

    def evaluate(path, data_dir):  # the last logged test error: no MNIST needed
        return {"error": load_classifier(path)[0].log["test_error"][-1]}

    monkeypatch.setattr(protocol, "evaluate", evaluate)
    results = protocol.run(protocol.TrainConfig(tmp_path, (), 2, seeds=(0, 1)), progress=False)  # trains nothing
    assert [results["runs"][s]["variants"]["shallow"]["test_error_at_best_validation"] for s in (0, 1)] == [0.1, 0.3]
    summary = results["variants"]["shallow"]
    assert summary["best_validation_epochs"] == [1, 2] and summary["test_errors_at_best_validation"] == [0.1, 0.3]
    assert summary["mean"] == pytest.approx(0.35) and summary["mean_at_best_validation"] == pytest.approx(0.2)
    assert protocol.Train.summary(results)["shallow"]["mean_at_best_validation"] == pytest.approx(0.2)


def test_model_file_round_trip(tmp_path, rng):
    variant = VARIANTS["a"]
    model = Classifier.initial(variant, rng)
    model.biases["bottom_up_1"][:] = rng.normal(size=500)
    model.seed = 7
    path = save_classifier(model, variant.params, tmp_path / "model.npz")
    with np.load(path) as data:
        assert data["format_version"] == 2 and data["format_version"].dtype.kind == "i" and data["seed"] == 7
    loaded, params = load_classifier(path)
    assert loaded.variant == "a" and params.phi == variant.params.phi and loaded.seed == 7
    for name, w in model.weights.items():
        np.testing.assert_array_equal(loaded.weights[name], w)
    images = rng.uniform(0, 1, (50, 784)).astype(np.float32)
    np.testing.assert_array_equal(predict(loaded, params, images), predict(model, params, images))


@pytest.mark.slow
def test_training_checkpoints_every_epoch_and_resumes(tmp_path, mnist_dir):
    first = protocol.train("a", 1, tmp_path, mnist_dir, limit=200, progress=False)
    assert first["epoch"] == [1]
    saved, _ = load_classifier(tmp_path / "model_a.npz")
    assert saved.log["test_error"] == first["test_error"] and saved.seed == 0
    resumed = protocol.train("a", 2, tmp_path, mnist_dir, limit=200, progress=False)
    assert resumed["epoch"] == [1, 2] and resumed["test_error"][0] == first["test_error"][0]

    # The same two epochs in one go give the same model: resuming loses nothing.
    straight = protocol.train("a", 2, tmp_path / "straight", mnist_dir, limit=200, progress=False)
    assert straight["test_error"] == resumed["test_error"]
    again, _ = load_classifier(tmp_path / "straight" / "model_a.npz")
    resumed_model, _ = load_classifier(tmp_path / "model_a.npz")
    for name, w in again.weights.items():
        np.testing.assert_array_equal(resumed_model.weights[name], w)
    with pytest.raises(ValueError, match="variant"):
        protocol.train("z", 1, tmp_path, mnist_dir)


def _no_mnist(monkeypatch) -> None:
    """Make loading MNIST fail the test: what is checked must be checked before any work."""

    def load(*args, **kwargs):
        raise AssertionError("MNIST was loaded before the check")

    monkeypatch.setattr(mnist_data, "load", load)


def _saved(tmp_path, variant_name: str = "shallow", seed: int | None = 0):
    variant = VARIANTS[variant_name]
    model = Classifier.initial(variant, np.random.default_rng(5))
    model.seed = seed
    return save_classifier(model, variant.params, tmp_path / f"model_{variant_name}.npz")


def test_resuming_with_another_seed_is_refused(tmp_path, monkeypatch, mnist_dir):
    path = _saved(tmp_path, seed=0)
    before = path.read_bytes()
    _no_mnist(monkeypatch)
    message = f"seed 1 differs from the seed 0 that {re.escape(str(path))} was trained with: pass seed 0"
    with pytest.raises(ParameterError, match=message):
        protocol.train("shallow", 2, tmp_path, mnist_dir, seed=1, limit=20, progress=False)
    with pytest.raises(ParameterError, match=message):
        protocol.run(protocol.TrainConfig(tmp_path, ("shallow",), 2, mnist_dir, seed=1, jobs=1), progress=False)
    assert path.read_bytes() == before


def test_resuming_on_other_training_images_is_refused(tmp_path, monkeypatch, mnist_dir):
    """The model file keeps the fingerprint of its training (brian_dendrites.checkpoint), which covers the
    training images too: a file trained on the first 20 images once resumed silently on others."""
    variant = VARIANTS["shallow"]
    model = Classifier.initial(variant, np.random.default_rng(5))
    model.seed = 0
    path = save_classifier(model, variant.params, tmp_path / "model_shallow.npz", limit=20)
    with np.load(path) as data:
        assert json.loads(str(data["info"])) == {"fingerprint": training_fingerprint(variant.params, 0, None, 20)}
    _no_mnist(monkeypatch)
    message = f"model file {re.escape(str(path))} was written by a different configuration; run with the same"
    for limit in (30, None):
        with pytest.raises(ParameterError, match=message):
            protocol.train("shallow", 2, tmp_path, mnist_dir, limit=limit, progress=False)
    with pytest.raises(AssertionError, match="MNIST was loaded"):  # the same training resumes
        protocol.train("shallow", 2, tmp_path, mnist_dir, limit=20, progress=False)


def test_a_file_without_a_seed_is_evaluated_but_not_resumed(tmp_path, monkeypatch, rng, as_version_0, mnist_dir):
    """Format version 0: no format_version, no seed."""
    path = _saved(tmp_path)
    with np.load(path) as data:
        np.savez(path, **as_version_0(dict(data)))
    old, params = load_classifier(path, VARIANTS)
    assert old.seed is None
    current, _ = load_classifier(_saved(tmp_path / "current"))
    images = rng.uniform(0, 1, (20, 784)).astype(np.float32)
    np.testing.assert_array_equal(predict(old, params, images), predict(current, params, images))
    _no_mnist(monkeypatch)
    with pytest.raises(FileFormatError, match=f"{re.escape(str(path))} records no seed"):
        protocol.train("shallow", 2, tmp_path, mnist_dir, limit=20, progress=False)


def test_an_output_path_that_is_a_file_is_refused_before_any_work(tmp_path, monkeypatch, capsys, mnist_dir):
    regular = tmp_path / "results"
    regular.write_text("not a folder")
    _no_mnist(monkeypatch)
    message = f"{re.escape(str(regular))} is a file, not a folder"
    with pytest.raises(OutputError, match=message):
        protocol.train("shallow", 1, regular, mnist_dir, limit=20, progress=False)
    with pytest.raises(OutputError, match=message):
        protocol.run(protocol.TrainConfig(regular / "sub", ("shallow",), 1, mnist_dir, jobs=1), progress=False)
    argv = ["mnist", "train", "--out", str(regular), "--variants", "shallow", "--epochs", "1", "--jobs", "1"]
    assert main([*argv, "--data-dir", str(mnist_dir), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("brian-dendrites mnist: error: output folder ")
    assert "is a file, not a folder" in err


@pytest.mark.slow
def test_divergence_stops_and_keeps_the_last_epoch(tmp_path, monkeypatch, mnist_dir):
    protocol.train("backprop", 1, tmp_path, mnist_dir, limit=100, progress=False)
    before = (tmp_path / "model_backprop.npz").read_bytes()
    monkeypatch.setattr(learning, "backprop_rate", lambda epoch: 1e39)  # float32 overflow
    with pytest.raises(DivergenceError, match="NaN or infinite"):
        protocol.train("backprop", 2, tmp_path, mnist_dir, limit=100, progress=False)
    assert (tmp_path / "model_backprop.npz").read_bytes() == before


@pytest.mark.slow
def test_cli_evaluates_a_saved_model(tmp_path, rng, capsys, mnist_dir):
    variant = VARIANTS["shallow"]
    model = Classifier.initial(variant, rng)
    path = save_classifier(model, variant.params, tmp_path / "model_shallow.npz")
    assert main(["mnist", "evaluate", str(path), "--data-dir", str(mnist_dir)]) == 0
    reported = json.loads(capsys.readouterr().out)
    images, labels = mnist_data.split(mnist_data.load(mnist_dir))["test"]
    independent = np.argmax(_forward(model, variant.params, images), axis=1)
    assert reported["images"] == 10_000
    assert reported["errors"] == int(np.sum(independent != labels))
    assert main(["mnist", "evaluate", str(path), "--data-dir", str(mnist_dir), "--quick"]) == 0
    quick = json.loads(capsys.readouterr().out)
    assert quick["images"] == 1000 and quick["errors"] == int(np.sum(independent[:1000] != labels[:1000]))
    with pytest.raises(SystemExit):
        main(["mnist", "train", "--out", str(tmp_path), "--variants", "a,z"])
    assert "--variants: must be a comma-separated subset" in capsys.readouterr().err


@pytest.mark.slow
def test_results_cover_every_model_file_in_the_folder(tmp_path, rng, mnist_dir):
    variant = VARIANTS["shallow"]
    model = Classifier.initial(variant, rng)
    model.log = {"epoch": [1, 2], "validation_error": [0.5, 0.4], "test_error": [0.5, 0.45], "wall_s": [3.0, 4.0]}
    save_classifier(model, variant.params, tmp_path / "model_shallow.npz")
    results = protocol.run(protocol.TrainConfig(tmp_path, (), 1, mnist_dir), progress=False)  # evaluates the file
    entry = results["variants"]["shallow"]
    images, labels = mnist_data.split(mnist_data.load(mnist_dir))["test"]
    assert entry["test_error"] == np.mean(np.argmax(_forward(model, variant.params, images), axis=1) != labels)
    assert entry["epochs"] == 2 and entry["best_validation_epoch"] == 2 and entry["wall_s"] == 7.0
    assert entry["test_error_at_best_validation"] == 0.45
    json_path, figure = mnist_figures.write(results, tmp_path)
    assert json.loads(json_path.read_text())["variants"]["shallow"]["log"]["test_error"] == [0.5, 0.45]
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _forward(model, params, images):
    """The output rates without nudging, written out layer by layer (u_k = a_B v_B,k)."""
    r = images.astype(np.float64)
    for k in (1, 2, 3):
        layer = params.pyramidal_layer(k)
        a_B = float(layer.g_B / (layer.g_lk + layer.g_B + layer.g_A))
        r = 1 / (1 + np.exp(-a_B * (r @ model.weights[f"bottom_up_{k}"].T + model.biases[f"bottom_up_{k}"])))
    return r


@pytest.mark.slow
def test_a_saved_model_keeps_its_parameters_when_a_default_changes(tmp_path, monkeypatch, as_version_0, mnist_dir):
    """The parameter record is read back from the file, so a changed default changes no saved result."""
    protocol.train("shallow", 1, tmp_path, mnist_dir, limit=2000, progress=False)
    path, version_0 = tmp_path / "model_shallow.npz", tmp_path / "version_0.npz"

    def errors(file):
        return protocol.evaluate(file, mnist_dir, images=2000)["errors"]

    before = errors(path)
    with np.load(path) as data:
        np.savez(version_0, **as_version_0(dict(data)))  # takes its parameters from the code
    assert errors(version_0) == before

    changed = dataclasses.replace(
        VARIANTS["shallow"],
        params=VARIANTS["shallow"].params.replace(hidden=PyramidalParams(g_A=0.1 / ms, sigma=0 * ms**-0.5)),
    )
    monkeypatch.setitem(VARIANTS, "shallow", changed)
    assert errors(path) == before
    assert errors(version_0) != before  # the change matters
    with pytest.raises(ParameterError, match="was trained with other parameters than variant 'shallow' has now"):
        protocol.train("shallow", 2, tmp_path, mnist_dir, limit=2000, progress=False)


def test_backprop_steps_shrink_by_the_decay_after_the_hold(rng):
    """One mini-batch's weight change is linear in the rate: after BACKPROP_HOLD epochs each epoch's
    step is BACKPROP_DECAY times the one before."""
    variant = VARIANTS["backprop"]
    images, labels = rng.uniform(0, 1, (10, 784)).astype(np.float32), np.arange(10)
    start = Classifier.initial(variant, np.random.default_rng(0))

    def change(epoch: int) -> np.ndarray:
        copies = {group: {k: v.copy() for k, v in getattr(start, group).items()} for group in ("weights", "biases")}
        model = dataclasses.replace(start, **copies)
        learning.train_epoch(model, variant, images, labels, np.random.default_rng(1), epoch=epoch)
        return (model.weights["bottom_up_1"] - start.weights["bottom_up_1"]).astype(float)

    held, first, third = (
        change(learning.BACKPROP_HOLD - 1),
        change(learning.BACKPROP_HOLD),
        change(learning.BACKPROP_HOLD + 2),
    )
    assert np.linalg.norm(held) > 0
    np.testing.assert_allclose(change(0), held)
    np.testing.assert_allclose(
        first, learning.BACKPROP_DECAY * held, rtol=1e-3, atol=5e-8
    )  # float32 weights: ulp 1.5e-8
    np.testing.assert_allclose(
        third, learning.BACKPROP_DECAY**3 * held, rtol=1e-3, atol=5e-8
    )  # float32 weights: ulp 1.5e-8


def test_backprop_resumes_only_on_the_schedule_it_was_trained_with(tmp_path, monkeypatch, mnist_dir):
    """A backprop model file records its learning-rate schedule; another schedule, or a file from before
    schedules were recorded (a constant rate), is refused for training, not silently continued."""
    protocol.train("backprop", 1, tmp_path, mnist_dir, limit=100, progress=False)
    path = tmp_path / "model_backprop.npz"
    model, _ = load_classifier(path)
    assert model.schedule == {"rate": 0.5, "hold": 50, "decay": 0.92, "loss": "cross_entropy", "l2": 1.5e-5}
    monkeypatch.setattr(learning, "BACKPROP_DECAY", 0.5)
    with pytest.raises(
        ParameterError,
        match=r"schedule of rate 0.5 for 50 epochs, then x0\.92 per epoch, on the cross entropy with L2 1\.5e-05, "
        r"not the .* x0\.5",
    ):
        protocol.train("backprop", 2, tmp_path, mnist_dir, limit=100, progress=False)
    monkeypatch.undo()
    content = dict(np.load(path))
    del content["schedule"]
    np.savez(path, **content)
    with pytest.raises(
        ParameterError,
        match="records no learning-rate schedule .*, not the present rate 0.5 for 50 epochs",
    ):
        protocol.train("backprop", 2, tmp_path, mnist_dir, limit=100, progress=False)
    assert load_classifier(path)[0].log["epoch"] == [1]  # evaluated, not trained further
    content["schedule"] = np.array('{"rate": "1", "hold": 50, "decay": 0.9}')
    np.savez(path, **content)
    with pytest.raises(FileFormatError, match="'schedule' must map rate, decay and l2 to numbers, hold to an integer"):
        load_classifier(path)
    content["schedule"] = np.array('{"rate": 0.5, "hold": 50, "decay": 0.9, "loss": "hinge", "l2": 0}')
    np.savez(path, **content)
    with pytest.raises(FileFormatError, match="loss to one of"):
        load_classifier(path)
    content["schedule"] = np.array('{"rate": 1.0, "hold": 50, "decay": 0.9}')  # before the cross-entropy
    np.savez(path, **content)
    with pytest.raises(
        ParameterError, match="rate 1 for 50 epochs, then x0.9 per epoch, on the squared error with L2 0"
    ):
        protocol.train("backprop", 2, tmp_path, mnist_dir, limit=100, progress=False)


@pytest.mark.parametrize("name", ["bottom_up_1", "bottom_up_2", "bottom_up_3"])
def test_backprop_step_is_the_gradient_of_the_feedforward_networks_loss(rng, name):
    """The step's weight change is -rate times the gradient of the mini-batch's mean cross-entropy of r_N
    against r_trgt, plus L2/2 times the squared weights, through u_k = a_B (W_k r_{k-1} + b_k), checked by
    central differences. The weights are moved off the
    self-predicting start, so that the fixed interneurons no longer cancel the top-down input: backprop
    through settle's hidden rates, which add that apical input, was not this gradient."""
    variant = VARIANTS["backprop"]
    model = Classifier.initial(variant, np.random.default_rng(0))
    for k in (1, 2, 3):
        model.weights[f"bottom_up_{k}"] += rng.normal(0, 0.1, model.weights[f"bottom_up_{k}"].shape).astype(np.float32)
    x, labels = rng.uniform(0, 1, (10, 784)).astype(np.float32), np.arange(10)
    engine = SteadyStateEngine(variant.params)
    weights = {k: v.astype(float) for k, v in model.weights.items()}
    biases = {k: v.astype(float) for k, v in model.biases.items()}

    def loss(w: np.ndarray) -> float:
        r, t = engine.feedforward(weights | {name: w}, biases, x.astype(float)).r[-1], mnist_data.one_hot(labels)
        cross_entropy = -np.mean(np.sum(t * np.log(r) + (1 - t) * np.log1p(-r), axis=1))
        return float(cross_entropy) + learning.BACKPROP_L2 / 2 * float(np.sum(w**2))

    before = weights[name]
    learning._backprop_step(model, engine, x, mnist_data.one_hot(labels), 1.0)
    step = model.weights[name].astype(float) - before
    eps = 1e-4
    for flat in np.argsort(np.abs(step).ravel())[-5:]:  # entries well above float32 rounding
        i, j = np.unravel_index(flat, step.shape)
        plus, minus = before.copy(), before.copy()
        plus[i, j] += eps
        minus[i, j] -= eps
        assert step[i, j] == pytest.approx(-(loss(plus) - loss(minus)) / (2 * eps), rel=1e-2)
