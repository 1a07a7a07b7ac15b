"""The Brian2 network against an independent NumPy computation of Eqs. 1-10."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms
from networks import DEEP, DEEP_RECORD
from numpy_reference import error_factors
from numpy_reference import steady_state as reference_steady_state

from brian_dendrites import FIG1, LearningRates, NetworkState, Simulation, random_weights, self_predicting_weights


def _held(x: np.ndarray, n: int) -> np.ndarray:
    return np.tile(x, (n, 1))


def _last(values: dict, name: str) -> np.ndarray:
    return values[name][-1]


@pytest.mark.slow
@pytest.mark.standalone
def test_self_predicting_weights_silence_the_apical_compartment(fig1_simulation, rng):
    p, n = FIG1, fig1_simulation.n_patterns
    weights = self_predicting_weights(p, random_weights(p, rng))
    x = rng.uniform(0, 1, p.sizes[0])
    values = fig1_simulation.steady_state(NetworkState(weights), _held(x, n))
    u, u_int, _ = reference_steady_state(p, weights, x)
    assert np.max(np.abs(_last(values, "pyramidal_1.v_A"))) < 1e-10
    np.testing.assert_allclose(_last(values, "interneuron_1.u"), _last(values, "pyramidal_2.u"), atol=1e-10)
    np.testing.assert_allclose(_last(values, "pyramidal_1.u"), u[1], atol=1e-9)
    np.testing.assert_allclose(_last(values, "pyramidal_2.u"), u[2], atol=1e-9)


@pytest.mark.slow
@pytest.mark.standalone
def test_nudged_steady_state_matches_reference(fig1_simulation, rng):
    p, n = FIG1, fig1_simulation.n_patterns
    weights = random_weights(p, rng, 0.5)
    x = rng.uniform(0, 1, p.sizes[0])
    u_tgt = rng.uniform(-1, 1, p.sizes[-1])
    values = fig1_simulation.steady_state(NetworkState(weights), _held(x, n), _held(u_tgt, n))
    u, u_int, v = reference_steady_state(p, weights, x, u_tgt)
    np.testing.assert_allclose(_last(values, "pyramidal_1.u"), u[1], atol=1e-9)
    np.testing.assert_allclose(_last(values, "pyramidal_2.u"), u[2], atol=1e-9)
    np.testing.assert_allclose(_last(values, "interneuron_1.u"), u_int[1], atol=1e-9)
    np.testing.assert_allclose(_last(values, "pyramidal_1.v_A"), v[1]["v_A"], atol=1e-9)
    # The apical error is not zero: the target is not predicted.
    assert np.max(np.abs(v[1]["v_A"])) > 1e-2


def _weight_change(sim: Simulation, params, weights, x, u_tgt, eta: LearningRates):
    """Settle with plasticity off (the tau_w filter converges), then learn for one run."""
    n = sim.n_patterns
    inputs, targets = _held(x, n), _held(u_tgt, n)
    settled = sim.run(NetworkState(weights), inputs, targets, eta=LearningRates(), noise=False).state
    learned = sim.run(settled, inputs, targets, eta=eta, noise=False).state
    return {name: learned.weights[name] - weights[name] for name in weights}


def _expected_change(params, weights, x, u_tgt, eta: LearningRates, duration_ms: float):
    u, u_int, v = reference_steady_state(params, weights, x, u_tgt)
    factors = error_factors(params, weights, x, u, u_int, v)
    n = len(params.sizes) - 1
    return {
        name: float(eta.for_projection(name.rsplit("_", 1)[0], int(name.rsplit("_", 1)[1]), n) * ms)
        * duration_ms
        * factor
        for name, factor in factors.items()
    }


@pytest.mark.slow
@pytest.mark.standalone
def test_weight_changes_follow_eqs_7_to_9(fig1_simulation, rng):
    """Dendritic attenuation factors and error terms, against the paper's formulas."""
    p = FIG1
    weights = random_weights(p, rng, 0.5)
    x, u_tgt = rng.uniform(0, 1, p.sizes[0]), rng.uniform(-1, 1, p.sizes[-1])
    eta = LearningRates(bottom_up=(2e-7 / ms, 1e-6 / ms), ip=1e-6 / ms, pi=5e-7 / ms)
    change = _weight_change(fig1_simulation, p, weights, x, u_tgt, eta)
    duration = float(fig1_simulation.duration / ms)
    expected = _expected_change(p, weights, x, u_tgt, eta, duration)
    for name in ("bottom_up_1", "bottom_up_2", "ip_1", "pi_1"):
        scale = np.max(np.abs(expected[name]))
        assert scale > 1e-4, name
        np.testing.assert_allclose(change[name], expected[name], atol=0.02 * scale, err_msg=name)
    np.testing.assert_array_equal(change["top_down_1"], 0)  # not plastic in Fig. 1


@pytest.mark.slow
@pytest.mark.parametrize("target", ["cpp_standalone", "numpy", pytest.param("cython", marks=pytest.mark.cython)])
def test_deep_network_on_each_target(target, rng):
    """Two hidden layers, all four plasticity rules (Eqs. 7-10), on each code-generation target."""
    p = DEEP
    sim = Simulation(p, 3, record=DEEP_RECORD, target=target)
    weights = self_predicting_weights(p, random_weights(p, rng))
    x = rng.uniform(0, 1, p.sizes[0])
    values = sim.steady_state(NetworkState(weights), _held(x, 3))
    for k in (1, 2):
        assert np.max(np.abs(_last(values, f"pyramidal_{k}.v_A"))) < 1e-10
        np.testing.assert_allclose(
            _last(values, f"interneuron_{k}.u"), _last(values, f"pyramidal_{k + 1}.u"), atol=1e-10
        )

    weights = random_weights(p, rng, 0.5)
    u_tgt = rng.uniform(-1, 1, p.sizes[-1])
    eta = LearningRates(bottom_up=1e-4 / ms, ip=1e-4 / ms, pi=1e-4 / ms, top_down=1e-4 / ms)
    change = _weight_change(sim, p, weights, x, u_tgt, eta)
    expected = _expected_change(p, weights, x, u_tgt, eta, float(sim.duration / ms))
    for name in expected:
        scale = np.max(np.abs(expected[name]))
        assert scale > 1e-5, name
        np.testing.assert_allclose(change[name], expected[name], atol=0.03 * scale, err_msg=name)


@pytest.mark.slow
@pytest.mark.standalone
def test_consecutive_runs_continue_exactly(rng):
    """Two runs of 3 patterns equal one run of 6: the state carries everything."""
    p = DEEP
    weights = random_weights(p, rng, 0.5)
    x, u_tgt = rng.uniform(0, 1, (6, p.sizes[0])), rng.uniform(-1, 1, (6, p.sizes[-1]))
    eta = LearningRates(bottom_up=1e-3 / ms, ip=1e-3 / ms, pi=1e-3 / ms, top_down=1e-3 / ms)
    # The long run on the numpy target: no second compile, and the C++ code must agree with it anyway.
    long = Simulation(p, 6, record=DEEP_RECORD, target="numpy").run(NetworkState(weights), x, u_tgt, eta=eta).state
    short = Simulation(p, 3, record=DEEP_RECORD)
    first = short.run(NetworkState(weights), x[:3], u_tgt[:3], eta=eta).state
    second = short.run(first, x[3:], u_tgt[3:], eta=eta).state
    for name in weights:
        np.testing.assert_allclose(second.weights[name], long.weights[name], rtol=1e-9, atol=1e-12, err_msg=name)
    for key, value in long.potentials.items():
        np.testing.assert_allclose(second.potentials[key], value, rtol=1e-9, atol=1e-12, err_msg=key)
