"""MNIST model files: damaged, foreign or unknown-version files are refused with one line naming the file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from brian_dendrites.canonical import dumps
from brian_dendrites.cli import main
from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.errors import FileFormatError
from brian_dendrites.models.microcircuit.classifier import Classifier
from brian_dendrites.models.microcircuit.classifier_file import load_classifier, resumable, save_classifier
from brian_dendrites.protocols.mnist_variants import VARIANTS


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> dict[str, np.ndarray]:
    """The arrays of a valid model file: variant 'shallow' with random weights, seed 3."""
    variant = VARIANTS["shallow"]
    model = Classifier.initial(variant, np.random.default_rng(3))
    model.seed = 3
    path = save_classifier(model, variant.params, tmp_path_factory.mktemp("model") / "model_shallow.npz")
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _write(path: Path, content: dict[str, np.ndarray]) -> Path:
    np.savez(path, **content)
    return path


W = "weights/bottom_up_2"


def _with(changes: dict) -> Callable[[dict], dict]:
    return lambda content: content | changes


def _without(name: str) -> Callable[[dict], dict]:
    return lambda content: {k: v for k, v in content.items() if k != name}


#: A valid log of two epochs.
LOG = {"epoch": [1, 2], "validation_error": [0.5, 0.4], "test_error": [0.5, 0.45], "wall_s": [3.0, 4.0]}


def _log(**changes) -> Callable[[dict], dict]:
    return _with({"log": np.array(json.dumps(LOG | changes))})


def _nan(content: dict) -> dict:
    weights = content[W].copy()
    weights[3, 5] = np.nan
    return content | {W: weights}


#: case -> (damage to a valid file's arrays, what the message says after the file name)
CASES = {
    "missing-array": (_without(W), r"missing \['weights/bottom_up_2'\]"),
    "extra-array": (_with({"weights/pi_7": np.zeros((2, 2), np.float32)}), r"unexpected \['weights/pi_7'\]"),
    "wrong-shape": (_with({W: np.zeros((500, 499), np.float32)}), r"'weights/bottom_up_2' is float32 \(500, 499\)"),
    "wrong-dtype": (
        _with({W: np.zeros((500, 500))}),
        r"'weights/bottom_up_2' is float64 \(500, 500\), expected float32",
    ),
    "nan-weight": (_nan, "'weights/bottom_up_2' holds NaN"),
    "inf-threshold": (_with({"biases/ip_1": np.full(500, np.inf, np.float32)}), "'biases/ip_1' holds NaN or infinite"),
    "unknown-version": (_with({"format_version": np.array(99)}), "format_version 99 is unknown"),
    "text-version": (_with({"format_version": np.array("1")}), r"'format_version' is <U1 \(\), expected one integer"),
    "no-variant": (_without("variant"), r"lacks \['variant'\]"),
    "no-params": (_without("params"), r"lacks \['params'\]"),
    "bad-params-json": (_with({"params": np.array("{sizes")}), "unusable parameter record 'params'"),
    "unknown-record-type": (
        _with({"params": np.array('{"type": "os.system", "command": "true"}')}),
        r"unknown record type 'os.system'",
    ),
    "refused-params": (
        _with({"params": np.array('{"type": "PyramidalParams", "g_B": {"value": -1.0, "unit": "s^-1"}}')}),
        "unusable parameter record .*PyramidalParams.g_B must be a finite conductance",
    ),
    "not-a-network-record": (
        _with({"params": np.array('{"type": "LearningRates"}')}),
        "'params' holds a LearningRates, not a MicrocircuitParams",
    ),
    "bad-log-json": (_with({"log": np.array("[1, ")}), "'log' is not valid JSON"),
    "log-not-a-record": (_with({"log": np.array("[]")}), "'log' must map epoch"),
    "extra-entry": (_with({"notes": np.zeros(3)}), r"unexpected entries \['notes'\]; a model file of format version 2"),
    "no-info": (_without("info"), r"lacks \['info'\]"),
    "bad-info-json": (_with({"info": np.array("{fingerprint")}), "'info' is not valid JSON"),
    "info-without-fingerprint": (_with({"info": np.array("{}")}), "'info' must be a record of one 'fingerprint'"),
    "log-unequal-lengths": (_log(validation_error=[0.5]), "'log' lists of unequal lengths .*'validation_error': 1"),
    "log-empty-list": (_log(test_error=[]), "'log' lists of unequal lengths .*'test_error': 0"),
    "log-lists-as-strings": (_log(epoch="12"), "'log' must map epoch, .* to lists"),
    "log-extra-key": (_log(rate=[1.0, 1.0]), "'log' must map .* and nothing else"),
    "log-epoch-gap": (_log(epoch=[1, 3]), r"'log' epochs must be 1, 2, \.\.\., 2, got 3 as entry 2"),
    "log-epoch-strings": (_log(epoch=["1", "2"]), "'log' epochs must be .*, got '1' as entry 1"),
    "log-epoch-float": (_log(epoch=[1.0, 2.0]), "'log' epochs must be .*, got 1.0 as entry 1"),
    "log-error-above-1": (_log(test_error=[0.5, 1.5]), r"'log' test_error must be fractions in \[0, 1\], got 1.5"),
    "log-nan-error": (
        _log(validation_error=[float("nan"), 0.4]),
        "'log' validation_error must be fractions .*, got nan",
    ),
    "log-error-string": (_log(test_error=["0.5", 0.45]), "'log' test_error must be fractions .*, got '0.5'"),
    "log-negative-wall": (_log(wall_s=[3.0, -1.0]), "'log' wall_s must be finite seconds >= 0, got -1.0"),
    "log-infinite-wall": (_log(wall_s=[float("inf"), 1.0]), "'log' wall_s must be finite seconds >= 0, got inf"),
}


@pytest.mark.parametrize("case", CASES)
def test_damaged_model_files_are_refused(content, tmp_path, case):
    damage, message = CASES[case]
    path = _write(tmp_path / "model_shallow.npz", damage(content))
    with pytest.raises(FileFormatError, match=f"^{re.escape(str(path))}: .*{message}") as error:
        load_classifier(path, VARIANTS)
    assert "\n" not in str(error.value)


VERSION_0_CASES = {
    # A version-1 file carries its own record (e.g. the attention protocol's variant).
    "unknown-variant": ({"variant": np.array("z")}, "unknown variant 'z'"),
    "bad-phi-json": ({"phi_parameters": np.array("{gamma")}, "unusable transfer function"),
    "unknown-phi": ({"phi": np.array("relu")}, "unusable transfer function .*'relu'"),
    "foreign-phi-parameters": ({"phi_parameters": np.array('{"gamma": 1}')}, "unusable transfer function"),
}


@pytest.mark.parametrize("case", VERSION_0_CASES)
def test_damaged_version_0_files_are_refused(content, tmp_path, as_version_0, case):
    changes, message = VERSION_0_CASES[case]
    path = _write(tmp_path / "model_shallow.npz", as_version_0(content) | changes)
    with pytest.raises(FileFormatError, match=f"^{re.escape(str(path))}: .*{message}"):
        load_classifier(path, VARIANTS)


def test_files_that_are_not_npz_archives_are_refused(content, tmp_path):
    whole = _write(tmp_path / "whole.npz", content).read_bytes()
    cases = {
        "text.npz": b"weights: none\n",  # np.load would try to unpickle this
        "truncated.npz": whole[: len(whole) // 2],
        "corrupt.npz": whole[:1000] + bytes(8) + whole[1008:],  # inside weights/bottom_up_1: bad CRC
        "empty.npz": b"",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    np.save(tmp_path / "array.npy", np.zeros(3))
    for name in [*cases, "array.npy"]:
        with pytest.raises(FileFormatError, match=f"^{re.escape(str(tmp_path / name))}: not a readable model file"):
            load_classifier(tmp_path / name, VARIANTS)
    with pytest.raises(FileNotFoundError):
        load_classifier(tmp_path / "absent.npz", VARIANTS)


def test_a_valid_log_and_an_empty_one_load(content, tmp_path):
    loaded, _ = load_classifier(_write(tmp_path / "model_shallow.npz", _log()(content)), VARIANTS)
    assert loaded.log == LOG
    untrained, _ = load_classifier(_write(tmp_path / "untrained.npz", content), VARIANTS)
    assert untrained.log == {k: [] for k in LOG}


def test_a_version_1_file_loads_and_resumes_as_before(content, tmp_path):
    """Format version 1 (before the fingerprint): no 'info'; it loads the same and resumes without one."""
    version_1 = {k: v for k, v in content.items() if k != "info"} | {"format_version": np.array(1)}
    old, old_params = load_classifier(_write(tmp_path / "model_shallow.npz", version_1), VARIANTS)
    new, new_params = load_classifier(_write(tmp_path / "new.npz", content), VARIANTS)
    assert dumps(old_params) == dumps(new_params) and old.seed == new.seed == 3 and old.log == new.log
    for group in ("weights", "biases"):
        for name, array in getattr(new, group).items():
            np.testing.assert_array_equal(getattr(old, group)[name], array, strict=True)
    assert resumable(tmp_path / "model_shallow.npz", VARIANTS["shallow"], 3, VARIANTS, limit=20).seed == 3


@pytest.mark.parametrize("case", ["extra-entry", "log-unequal-lengths"])
def test_training_does_not_resume_from_a_damaged_model(content, tmp_path, monkeypatch, capsys, mnist_dir, case):
    """Once a file with an extra array was resumed, and one with unequal log lists failed after another epoch."""
    path = _write(tmp_path / "model_shallow.npz", CASES[case][0](content))

    def load(*args, **kwargs):
        raise AssertionError("MNIST was loaded: training started")

    monkeypatch.setattr(mnist_data, "load", load)
    argv = ["mnist", "train", "--out", str(tmp_path), "--variants", "shallow", "--epochs", "3", "--seed", "3"]
    assert main([*argv, "--jobs", "1", "--data-dir", str(mnist_dir), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"brian-dendrites mnist: error: {path}: ")


@pytest.mark.parametrize("case", ["nan-weight", "missing-array", "extra-entry", "log-unequal-lengths"])
def test_cli_refuses_a_damaged_model_in_one_line(content, tmp_path, capsys, case, mnist_dir):
    path = _write(tmp_path / "model_shallow.npz", CASES[case][0](content))
    assert main(["mnist", "evaluate", str(path), "--data-dir", str(mnist_dir)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith(f"brian-dendrites mnist: error: {path}: ")
