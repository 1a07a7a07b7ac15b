"""Fig. 2 regression protocol: alignment angle, quick run, backprop link, checkpoint and resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from brian_dendrites import FileFormatError, NetworkState, ParameterError, Simulation, checkpoint, random_weights
from brian_dendrites.canonical import from_json
from brian_dendrites.cli import main
from brian_dendrites.datasets.teachers import Teacher
from brian_dendrites.models.microcircuit import RECORD_TYPES, REGRESSION
from brian_dendrites.protocols import regression
from brian_dendrites.protocols.regression import RegressionConfig, alignment_angle, train
from brian_dendrites.transfer import SoftRectifier


def test_alignment_angle_of_known_configurations(rng):
    w21 = rng.normal(size=(10, 50))
    other = rng.normal(size=(50, 10))
    orthogonal = other - (np.sum(other * w21.T) / np.sum(w21**2)) * w21.T
    # arccos resolves angles near 0 and 180 degrees only to sqrt(2 eps) rad ~ 1e-6 degrees.
    assert alignment_angle({"bottom_up_2": w21, "top_down_1": w21.T}) == pytest.approx(0, abs=1e-5)
    assert alignment_angle({"bottom_up_2": w21, "top_down_1": -2 * w21.T}) == pytest.approx(180, abs=1e-5)
    assert alignment_angle({"bottom_up_2": w21, "top_down_1": orthogonal}) == pytest.approx(90, abs=1e-9)


def test_teacher_is_the_papers_network(rng):
    phi = SoftRectifier()
    teacher = Teacher.draw(rng, phi)
    x = rng.uniform(-1, 1, (4, 30))
    expected = phi(10 * teacher.w21 @ phi(2 * teacher.w10 @ x.T)).T
    np.testing.assert_allclose(teacher.rates(x), expected)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("regression")
    assert main(["regression", "--out", str(out), "--quick", "--quiet"]) == 0
    return out, json.loads((out / "regression_results_seed0.json").read_text())


@pytest.mark.slow
@pytest.mark.standalone
def test_quick_run_learns_and_approximates_backprop(quick_run):
    summary = quick_run[1]["summary"]
    assert summary["full"]["loss_end"] < 0.97 * summary["full"]["loss_start"]
    assert summary["full"]["angle_end"] < summary["full"]["angle_start"] - 2  # forward weights start to align
    cosines = summary["backprop_cosine"]
    assert cosines["0.01"] >= 0.99  # section 3.1: backprop in the weak-feedback limit
    assert cosines["0.01"] > cosines["0.1"] > cosines["0.3"]


@pytest.mark.slow
@pytest.mark.standalone
def test_quick_run_writes_figures_and_checkpoints(quick_run):
    out = quick_run[0]
    for name in ("fig2b_seed0.png", "fig2c_seed0.png", "fig_s1_alignment_seed0.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert (out / "checkpoint_full_seed0.npz").exists() and (out / "checkpoint_shallow_seed0.npz").exists()


#: The run that is interrupted and resumed: 4 chunks, a checkpoint after every 2.
_RESUMED = {"patterns": 400, "evaluate_every": 2, "seed": 3}

#: Run with CONFIG (the keyword arguments) and PATH (the checkpoint) set before it.
_INTERRUPTED = """
from brian_dendrites.protocols.regression import RegressionConfig, train
from brian_dendrites.simulation import Simulation

original, calls = Simulation.run, {"n": 0}


def interrupted(self, *args, **kwargs):
    calls["n"] += 1
    if calls["n"] == 4:  # the 4th chunk, after the checkpoint at chunk 2
        raise KeyboardInterrupt
    return original(self, *args, **kwargs)


Simulation.run = interrupted
try:
    train(RegressionConfig(**CONFIG), PATH, progress=False)
except KeyboardInterrupt:
    print("interrupted")
"""


@pytest.fixture(scope="module")
def reference_run():
    return train(RegressionConfig(**_RESUMED), progress=False)


@pytest.mark.slow
@pytest.mark.standalone
def test_an_interrupted_run_resumes_under_another_hash_seed(tmp_path, python_process, reference_run):
    """Interrupted in one process (hash seed 1), resumed in another (hash seed 2): nothing is lost."""
    path = tmp_path / "checkpoint.npz"
    first = python_process(f"CONFIG = {_RESUMED!r}\nPATH = {str(path)!r}\n{_INTERRUPTED}", PYTHONHASHSEED="1")
    assert first.returncode == 0 and "interrupted" in first.stdout, first.stderr
    config = RegressionConfig(**_RESUMED)
    info = checkpoint.load(path, _fingerprint(config)).info
    assert info["next_chunk"] == 2
    assert info["config"] == config.learner_record("full")  # self-describing:
    assert from_json(info["config"]["params"], RECORD_TYPES) == REGRESSION
    resume = f"""
import json
from brian_dendrites.protocols.regression import RegressionConfig, train
result = train(RegressionConfig(**{_RESUMED!r}), {str(path)!r}, progress=False)
print(json.dumps({{"log": result["log"], "traces": result["traces"]}}))
"""
    second = python_process(resume, PYTHONHASHSEED="2")
    assert second.returncode == 0, second.stderr
    resumed = json.loads(second.stdout.splitlines()[-1])
    assert resumed["log"] == reference_run["log"]
    assert resumed["traces"] == reference_run["traces"]
    with pytest.raises(ParameterError, match="different configuration; run with the same arguments to resume"):
        train(RegressionConfig(**_RESUMED | {"seed": 4}), path, progress=False)


#: The configuration of the checkpoints below.
_CONFIG = RegressionConfig(patterns=600, evaluate_every=3, seed=3)


def _fingerprint(config: RegressionConfig, learner: str = "full") -> str:
    return checkpoint.fingerprint(config.learner_record(learner))


def test_checkpoints_of_the_one_learner_record_of_earlier_code_resume():
    """The fingerprints are those that the code before one record served both learners wrote, of
    ``digest(RegressionConfig(learner, params, ...))``, computed there."""
    assert _fingerprint(_CONFIG) == "c1cd51461f413669"
    assert _fingerprint(_CONFIG, "shallow") == "9a17a5b8a7b32ff0"
    spiking = RegressionConfig(mode="spiking", psi=50.0, patterns=2000, evaluate_every=5, seed=1)
    assert _fingerprint(spiking) == "5fe016dc7e2e3ac2"


def _damaged_checkpoints(tmp_path, valid: Path) -> dict[str, tuple[Path, str]]:
    fingerprint = _fingerprint(_CONFIG)
    saved = checkpoint.load(valid, fingerprint)
    state, info, arrays = saved.state, saved.info, saved.arrays
    cases = {}

    def write(name: str, damage, message: str) -> None:
        path = tmp_path / f"{name}.npz"
        damage(path)
        cases[name] = (path, message)

    write("not_a_zip", lambda path: path.write_text("weights"), r"not a readable checkpoint \(NPZ\)")
    write("truncated", lambda path: path.write_bytes(valid.read_bytes()[:2000]), r"not a readable checkpoint \(NPZ\)")

    def nan_weight(path):
        bad = state.copy()
        bad.weights["bottom_up_1"][0, 0] = np.nan
        checkpoint.save(path, fingerprint, info, bad, arrays)

    write("nan_weight", nan_weight, "'weights/bottom_up_1' is not a finite floating-point array")

    def wrong_shape(path):
        bad = state.copy()
        bad.weights["bottom_up_2"] = bad.weights["bottom_up_2"][:, :3]
        checkpoint.save(path, fingerprint, info, bad, arrays)

    write("wrong_shape", wrong_shape, r"does not fit its configuration.*bottom_up_2.*must have shape")

    def missing(path):
        bad = state.copy()
        del bad.weights["pi_1"]
        checkpoint.save(path, fingerprint, info, bad, arrays)

    write("missing_array", missing, r"does not fit its configuration.*lacks \['pi_1'\]")

    def version(path):
        with np.load(valid) as data:
            content = dict(data) | {"format_version": np.array(99)}
        np.savez(path, **content)

    write("future_version", version, "format version 99, this package reads 1 and 2")

    def no_info(path):
        with np.load(valid) as data:
            content = {k: v for k, v in data.items() if k != "info"}
        np.savez(path, **content)

    write("no_info", no_info, "'info' record is missing or not JSON")
    return cases


#: A checkpoint of RegressionConfig(patterns=600, evaluate_every=3): 6 chunks, saved after chunk 3 (2 evaluations).
_LOG = {"time_s": [0.0, 30.0], "loss": [1.0, 0.9], "rms_apical": [0.5, 0.4], "angle": [90.0, 80.0]}
_TRACES = {f"before_{key}": np.zeros(1000) for key in ("r_out", "r_target", "v_apical", "r_in")}


def _checkpoint(path: Path, config: RegressionConfig, log=None, next_chunk=3, traces=None, **info) -> Path:
    weights = random_weights(config.params, np.random.default_rng(0))
    info = {"log": _LOG if log is None else log, "next_chunk": next_chunk} | info
    checkpoint.save(path, _fingerprint(config), info, NetworkState(weights), _TRACES if traces is None else traces)
    return path


@pytest.fixture
def no_run(monkeypatch):
    """No network runs: a test that reaches one has not refused its checkpoint before training."""

    class Ran(Exception):
        pass

    def run(*args, **kwargs):
        raise Ran

    monkeypatch.setattr(Simulation, "_run", run)
    return Ran


def test_damaged_checkpoints_are_refused_with_one_clear_line(tmp_path, no_run):
    config = RegressionConfig(patterns=600, evaluate_every=3, seed=3)
    valid = _checkpoint(tmp_path / "valid.npz", config)
    with pytest.raises(no_run):  # the valid checkpoint resumes: its first run is chunk 3's
        train(config, valid, progress=False)
    for name, (path, message) in _damaged_checkpoints(tmp_path, valid).items():
        with pytest.raises(FileFormatError, match=message) as error:
            train(config, path, progress=False)
        assert str(path) in str(error.value) and "\n" not in str(error.value), name


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ({"log": {key: [] for key in _LOG}}, "log 'time_s' must be a non-empty list of finite numbers"),
        ({"log": _LOG | {"loss": ["1.0", "0.9"]}}, "log 'loss' must be a non-empty list of finite numbers"),
        ({"log": _LOG | {"angle": [90.0]}}, r"the log's lists have unequal lengths \{.*'angle': 1\}"),
        ({"log": _LOG | {"loss": [1.0, float("inf")]}}, "log 'loss' must be a non-empty list of finite numbers"),
        ({"log": [1.0, 0.9]}, "its log must be a record of lists, got list"),
        ({"log": {"loss": [1.0, 0.9]}}, r"its log lacks \['time_s', 'rms_apical', 'angle'\]"),
        ({"next_chunk": "3"}, r"next_chunk must be 6 or a multiple of 3 in \[1, 6\], got '3'"),
        ({"next_chunk": 4}, r"next_chunk must be 6 or a multiple of 3 in \[1, 6\], got 4"),
        ({"next_chunk": 9}, r"next_chunk must be 6 or a multiple of 3 in \[1, 6\], got 9"),
        ({"next_chunk": None}, r"next_chunk must be 6 or a multiple of 3 in \[1, 6\], got None"),
        ({"next_chunk": 6}, "its log has 2 evaluations, next_chunk=6 needs 3"),
        ({"traces": {}}, r"its traces must be \['before_r_in', 'before_r_out', 'before_r_target', 'before_v_apical'\]"),
        ({"traces": _TRACES | {"before_r_in": np.zeros((2, 500))}}, "trace 'before_r_in' must be a 1-d array"),
        ({"traces": _TRACES | {"before_r_in": np.full(1000, np.nan)}}, "trace 'before_r_in' must be a 1-d array"),
    ],
)
def test_a_damaged_checkpoint_log_or_progress_is_refused_before_training(tmp_path, no_run, damage, message):
    config = RegressionConfig(patterns=600, evaluate_every=3, seed=3)
    path = _checkpoint(tmp_path / "damaged.npz", config, **damage)
    with pytest.raises(FileFormatError, match=message) as error:
        train(config, path, progress=False)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_quick_and_patterns_exclude_each_other(tmp_path, capsys, no_run):
    assert main(["regression", "--out", str(tmp_path), "--quick", "--patterns", "500", "--jobs", "1", "--quiet"]) == 1
    expected = "--quick runs 2000 patterns: give --quick or --patterns, not both"
    assert capsys.readouterr().err == f"brian-dendrites regression: error: {expected}\n"
    assert not list(tmp_path.iterdir())  # refused before the run


def test_bad_config_is_rejected_with_the_field_name():
    with pytest.raises(ParameterError, match="seed must be an integer >= 0"):
        RegressionConfig(seed=-1)
    with pytest.raises(ParameterError, match="patterns must be an integer >= 1"):
        RegressionConfig(patterns=0)


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match="learner must be one of"):
        train(RegressionConfig(), learner="deep")
    with pytest.raises(ValueError, match="multiple of chunk"):
        RegressionConfig(patterns=150)
    assert regression.LEARNERS == ("full", "shallow")
