"""MNIST protocol mechanics: model file round trip, targets, checkpoint and resume."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest
from brian2 import ms
from brian_dendrites.protocols import mnist as protocol

from brian_dendrites import PyramidalParams
from brian_dendrites import mnist as mnist_data
from brian_dendrites.cli import main
from brian_dendrites.errors import DivergenceError, FileFormatError, OutputError, ParameterError


def test_one_hot_targets_are_the_papers_rates():
    rates = protocol.one_hot(np.array([3, 0]))
    assert rates[0, 3] == pytest.approx(0.8) and rates[0, 0] == pytest.approx(0.1) and rates[1, 0] == pytest.approx(0.8)


def test_model_file_round_trip(tmp_path, rng):
    variant = protocol.VARIANTS["a"]
    model = protocol.Model.initial(variant, rng)
    model.biases["bottom_up_1"][:] = rng.normal(size=500)
    model.seed = 7
    path = protocol.save_model(model, variant.params, tmp_path / "model.npz")
    with np.load(path) as data:
        assert data["format_version"] == 1 and data["format_version"].dtype.kind == "i" and data["seed"] == 7
    loaded, params = protocol.load_model(path)
    assert loaded.variant == "a" and params.phi == variant.params.phi and loaded.seed == 7
    for name, w in model.weights.items():
        np.testing.assert_array_equal(loaded.weights[name], w)
    images = rng.uniform(0, 1, (50, 784)).astype(np.float32)
    np.testing.assert_array_equal(protocol.predict(loaded, params, images), protocol.predict(model, params, images))


@pytest.mark.slow
def test_training_checkpoints_every_epoch_and_resumes(tmp_path, mnist_dir):
    first = protocol.run("a", 1, tmp_path, mnist_dir, limit=200, progress=False)
    assert first["epoch"] == [1]
    saved, _ = protocol.load_model(tmp_path / "model_a.npz")
    assert saved.log["test_error"] == first["test_error"] and saved.seed == 0
    resumed = protocol.run("a", 2, tmp_path, mnist_dir, limit=200, progress=False)
    assert resumed["epoch"] == [1, 2] and resumed["test_error"][0] == first["test_error"][0]

    # The same two epochs in one go give the same model: resuming loses nothing.
    straight = protocol.run("a", 2, tmp_path / "straight", mnist_dir, limit=200, progress=False)
    assert straight["test_error"] == resumed["test_error"]
    again, _ = protocol.load_model(tmp_path / "straight" / "model_a.npz")
    resumed_model, _ = protocol.load_model(tmp_path / "model_a.npz")
    for name, w in again.weights.items():
        np.testing.assert_array_equal(resumed_model.weights[name], w)
    with pytest.raises(ValueError, match="variant"):
        protocol.run("z", 1, tmp_path, mnist_dir)


def _no_mnist(monkeypatch) -> None:
    """Make loading MNIST fail the test: what is checked must be checked before any work."""

    def load(*args, **kwargs):
        raise AssertionError("MNIST was loaded before the check")

    monkeypatch.setattr(mnist_data, "load", load)


def _saved(tmp_path, variant_name: str = "shallow", seed: int | None = 0):
    variant = protocol.VARIANTS[variant_name]
    model = protocol.Model.initial(variant, np.random.default_rng(5))
    model.seed = seed
    return protocol.save_model(model, variant.params, tmp_path / f"model_{variant_name}.npz")


def test_resuming_with_another_seed_is_refused(tmp_path, monkeypatch, mnist_dir):
    path = _saved(tmp_path, seed=0)
    before = path.read_bytes()
    _no_mnist(monkeypatch)
    message = f"seed 1 differs from the seed 0 that {re.escape(str(path))} was trained with: pass seed 0"
    with pytest.raises(ParameterError, match=message):
        protocol.run("shallow", 2, tmp_path, mnist_dir, seed=1, limit=20, progress=False)
    with pytest.raises(ParameterError, match=message):
        protocol.run_all(("shallow",), 2, tmp_path, mnist_dir, seed=1, jobs=1, progress=False)
    assert path.read_bytes() == before


def test_a_file_without_a_seed_is_evaluated_but_not_resumed(tmp_path, monkeypatch, rng, as_version_0, mnist_dir):
    """Format version 0: no format_version, no seed."""
    path = _saved(tmp_path)
    with np.load(path) as data:
        np.savez(path, **as_version_0(dict(data)))
    old, params = protocol.load_model(path)
    assert old.seed is None
    current, _ = protocol.load_model(_saved(tmp_path / "current"))
    images = rng.uniform(0, 1, (20, 784)).astype(np.float32)
    np.testing.assert_array_equal(protocol.predict(old, params, images), protocol.predict(current, params, images))
    _no_mnist(monkeypatch)
    with pytest.raises(FileFormatError, match=f"{re.escape(str(path))} records no seed"):
        protocol.run("shallow", 2, tmp_path, mnist_dir, limit=20, progress=False)


def test_an_output_path_that_is_a_file_is_refused_before_any_work(tmp_path, monkeypatch, capsys, mnist_dir):
    regular = tmp_path / "results"
    regular.write_text("not a folder")
    _no_mnist(monkeypatch)
    message = f"{re.escape(str(regular))} is a file, not a folder"
    with pytest.raises(OutputError, match=message):
        protocol.run("shallow", 1, regular, mnist_dir, limit=20, progress=False)
    with pytest.raises(OutputError, match=message):
        protocol.run_all(("shallow",), 1, regular / "sub", mnist_dir, jobs=1, progress=False)
    argv = ["mnist", "train", "--out", str(regular), "--variants", "shallow", "--epochs", "1", "--jobs", "1"]
    assert main([*argv, "--data-dir", str(mnist_dir), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("brian-dendrites mnist: error: output folder ")
    assert "is a file, not a folder" in err


@pytest.mark.slow
def test_divergence_stops_and_keeps_the_last_epoch(tmp_path, monkeypatch, mnist_dir):
    protocol.run("backprop", 1, tmp_path, mnist_dir, limit=100, progress=False)
    before = (tmp_path / "model_backprop.npz").read_bytes()
    monkeypatch.setattr(protocol, "BACKPROP_RATE", 1e39)  # float32 overflow
    with pytest.raises(DivergenceError, match="NaN or infinite"):
        protocol.run("backprop", 2, tmp_path, mnist_dir, limit=100, progress=False)
    assert (tmp_path / "model_backprop.npz").read_bytes() == before


@pytest.mark.slow
def test_cli_evaluates_a_saved_model(tmp_path, rng, capsys, mnist_dir):
    variant = protocol.VARIANTS["shallow"]
    model = protocol.Model.initial(variant, rng)
    path = protocol.save_model(model, variant.params, tmp_path / "model_shallow.npz")
    assert main(["mnist", "evaluate", str(path), "--data-dir", str(mnist_dir)]) == 0
    reported = json.loads(capsys.readouterr().out)
    images, labels = mnist_data.split(mnist_data.load(mnist_dir))["test"]
    independent = np.argmax(_forward(model, variant.params, images), axis=1)
    assert reported["images"] == 10_000
    assert reported["errors"] == int(np.sum(independent != labels))
    with pytest.raises(SystemExit):
        main(["mnist", "train", "--out", str(tmp_path), "--variants", "a,z"])
    assert "--variants: must be a comma-separated subset" in capsys.readouterr().err


@pytest.mark.slow
def test_results_cover_every_model_file_in_the_folder(tmp_path, rng, mnist_dir):
    variant = protocol.VARIANTS["shallow"]
    model = protocol.Model.initial(variant, rng)
    model.log = {"epoch": [1, 2], "validation_error": [0.5, 0.4], "test_error": [0.5, 0.45], "wall_s": [3.0, 4.0]}
    protocol.save_model(model, variant.params, tmp_path / "model_shallow.npz")
    results = protocol.run_all((), 1, tmp_path, mnist_dir, progress=False)  # trains nothing, evaluates the file
    entry = results["variants"]["shallow"]
    images, labels = mnist_data.split(mnist_data.load(mnist_dir))["test"]
    assert entry["test_error"] == np.mean(np.argmax(_forward(model, variant.params, images), axis=1) != labels)
    assert entry["epochs"] == 2 and entry["best_validation_epoch"] == 2 and entry["wall_s"] == 7.0
    json_path, figure = protocol.write_outputs(tmp_path, results)
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
    protocol.run("shallow", 1, tmp_path, mnist_dir, limit=2000, progress=False)
    path = tmp_path / "model_shallow.npz"
    before = protocol.evaluate(path, mnist_dir)
    with np.load(path) as data:
        np.savez(tmp_path / "version_0.npz", **as_version_0(dict(data)))  # takes its parameters from the code
    assert protocol.evaluate(tmp_path / "version_0.npz", mnist_dir)["errors"] == before["errors"]

    changed = dataclasses.replace(
        protocol.VARIANTS["shallow"],
        params=protocol.VARIANTS["shallow"].params.replace(hidden=PyramidalParams(g_A=0.1 / ms, sigma=0 * ms**-0.5)),
    )
    monkeypatch.setitem(protocol.VARIANTS, "shallow", changed)
    assert protocol.evaluate(path, mnist_dir)["errors"] == before["errors"]
    assert protocol.evaluate(tmp_path / "version_0.npz", mnist_dir)["errors"] != before["errors"]  # the change matters
    with pytest.raises(ParameterError, match="was trained with other parameters than variant 'shallow' has now"):
        protocol.run("shallow", 2, tmp_path, mnist_dir, limit=2000, progress=False)
