"""Fig. 2 regression protocol: alignment angle, quick run, backprop link, checkpoint and resume."""

from __future__ import annotations

import json

import numpy as np
import pytest
from brian_dendrites.protocols import regression
from brian_dendrites.protocols.regression import RegressionConfig, Teacher, alignment_angle, train

from brian_dendrites.cli import main
from brian_dendrites.simulation import Simulation
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


def test_quick_run_learns_and_approximates_backprop(quick_run):
    summary = quick_run[1]["summary"]
    assert summary["full"]["loss_end"] < 0.97 * summary["full"]["loss_start"]
    assert summary["full"]["angle_end"] < summary["full"]["angle_start"] - 2  # forward weights start to align
    cosines = summary["backprop_cosine"]
    assert cosines["0.01"] >= 0.99  # section 3.1: backprop in the weak-feedback limit
    assert cosines["0.01"] > cosines["0.1"] > cosines["0.3"]


def test_quick_run_writes_figures_and_checkpoints(quick_run):
    out = quick_run[0]
    for name in ("fig2b_seed0.png", "fig2c_seed0.png", "fig_s1_alignment_seed0.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert (out / "checkpoint_full_seed0.npz").exists() and (out / "checkpoint_shallow_seed0.npz").exists()


def test_an_interrupted_run_resumes_and_loses_nothing(tmp_path, monkeypatch):
    config = RegressionConfig(patterns=1000, evaluate_every=5, seed=3)
    reference = train(config, progress=False)

    original, calls = Simulation.run, {"n": 0}

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 9:  # after the checkpoint at chunk 5 (+ 2 evaluations)
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    checkpoint = tmp_path / "checkpoint.npz"
    monkeypatch.setattr(Simulation, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(config, checkpoint, progress=False)
    monkeypatch.setattr(Simulation, "run", original)
    assert checkpoint.exists()
    resumed = train(config, checkpoint, progress=False)
    assert resumed["log"] == reference["log"]
    assert resumed["traces"] == reference["traces"]
    with pytest.raises(ValueError, match="different configuration"):
        train(RegressionConfig(patterns=1000, evaluate_every=5, seed=4), checkpoint, progress=False)


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match="learner"):
        RegressionConfig(learner="deep")
    with pytest.raises(ValueError, match="multiple of chunk"):
        RegressionConfig(patterns=150)
    assert regression.LEARNERS == ("full", "shallow")
