"""The error-neuron model (Max et al. 2025) against an independent Euler scheme, its own fixed point
and backprop in the limit where the model claims equality."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms
from error_neuron_reference import simulate
from nwbinspector import Importance, inspect_nwbfile

from brian_dendrites import ParameterError, Simulation
from brian_dendrites.export import export_recording, read_nwb
from brian_dendrites.model import Projection
from brian_dendrites.models import microcircuit
from brian_dendrites.models.error_neurons import (
    ERROR_NEURONS,
    ErrorNeuronParams,
    feedback_matrices,
    projections,
    random_weights,
)
from brian_dendrites.models.error_neurons.steady_state import SteadyStateEngine
from brian_dendrites.state import NetworkState

PARAMS = ErrorNeuronParams(sizes=(4, 3, 2, 1), eta=(2 / ms, 0.5 / ms, 0.1 / ms))
ENGINE = SteadyStateEngine(PARAMS)
N_PATTERNS, STEPS = 30, 20  # the authors' T_pres = 20 steps of 0.01 ms
RECORD = {"representation_3": ["r"], **{f"error_{k}": ["r"] for k in (1, 2, 3)}, "representation_1": ["r"]}


def _data(rng):
    return rng.uniform(0, 1, (N_PATTERNS, 4)), np.tanh(rng.uniform(-1, 1, (N_PATTERNS, 1)))


def _simulation(params):
    return Simulation(params, N_PATTERNS, pattern_duration=STEPS * params.dt, record=RECORD, record_dt=params.dt)


@pytest.mark.standalone
@pytest.mark.parametrize("feedback", ["BP", "FA"])
def test_learning_matches_the_authors_euler_scheme(rng, tmp_path, feedback):
    params = PARAMS.replace(feedback=feedback)
    state = NetworkState(random_weights(params, rng))
    x, y = _data(rng)
    result = _simulation(params).run(state, x, y)
    expected, outputs = simulate(params, state.weights, x, y, STEPS, [2, 0.5, 0.1])
    for name, w in expected.items():
        assert np.abs(w - state.weights[name]).max() > 1e-4  # the weights did learn
        np.testing.assert_allclose(result.state.weights[name], w, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.recording["representation_3.r"].values[:, 0], outputs[:, 0], rtol=0, atol=1e-12)
    # The recording exports with the model's labels, and reads back exactly.
    nwb, _ = export_recording(result.recording, tmp_path / "run", formats=("nwb", "npz"))
    back = read_nwb(nwb)["error_1.r"]
    assert (back.population, back.compartment, back.quantity) == ("error", "rate", "rate")
    np.testing.assert_array_equal(back.values, result.recording["error_1.r"].values)
    serious = {Importance.ERROR, Importance.PYNWB_VALIDATION, Importance.CRITICAL}
    assert [m for m in inspect_nwbfile(nwbfile_path=nwb) if m.importance in serious] == []


@pytest.mark.standalone
def test_network_settles_to_the_engines_fixed_point(rng):
    held = 10  # patterns per input: 200 steps
    state = NetworkState(random_weights(PARAMS, rng))
    x = np.repeat(rng.uniform(0, 1, (3, 4)), held, axis=0)
    y = np.repeat([[0.6], [-0.4], [0.1]], held, axis=0)
    sim = _simulation(PARAMS)
    nudged = sim.steady_state(state, x, y)
    free = sim.steady_state(state, x)
    for i in range(held - 1, N_PATTERNS, held):
        fixed = ENGINE.settle(state.weights, x[i], y[i])
        np.testing.assert_allclose(nudged["representation_3.r"][i], fixed.rates[3], atol=1e-10)
        for k in (1, 2, 3):
            np.testing.assert_allclose(nudged[f"error_{k}.r"][i], fixed.errors[k - 1], atol=1e-10)
            assert np.abs(fixed.errors[k - 1]).max() > 1e-3
        # Without a target every error vanishes: the closed-form feedforward pass.
        np.testing.assert_allclose(
            free["representation_3.r"][i], ENGINE.feedforward(state.weights, x[i]).rates[3], atol=1e-12
        )
        np.testing.assert_allclose(free["error_1.r"][i], 0, atol=1e-12)


def test_settle_without_convergence_runs_the_given_steps(rng):
    state = NetworkState(random_weights(PARAMS, rng))
    x, y = rng.uniform(0, 1, 4), np.array([0.5])
    first = ENGINE.settle(state.weights, x, y, steps=1, converge=False)
    # One step from the free state: only the output error neurons have seen the target yet.
    assert np.abs(first.errors[2]).max() > 1e-3 and not np.any(first.errors[0]) and not np.any(first.errors[1])
    np.testing.assert_allclose(first.rates[3], ENGINE.feedforward(state.weights, x).rates[3], rtol=0, atol=1e-15)
    long = ENGINE.settle(state.weights, x, y, steps=2000, converge=False)
    np.testing.assert_allclose(long.rates[3], ENGINE.settle(state.weights, x, y).rates[3], atol=1e-13)


def test_weak_nudging_weight_change_is_backprops_gradient(rng):
    """Lateral weights at identity, B^II = W^T, g_ntgt -> 0: each layer's change is backprop's, scaled by
    (g_api/g_tot) c_out (c_den/a)^(N-k)/a with a = g_bas/g_tot, c = g/(g_l + g) (docs/error_neurons.md)."""
    params = PARAMS.replace(g_ntgt=1e-6 / ms)
    state = NetworkState(random_weights(params, rng, lateral_noise=0.0, feedback_noise=0.0))
    x, y = rng.uniform(0, 1, 4), np.array([0.7])
    engine = SteadyStateEngine(params)
    changes = engine.weight_changes(engine.settle(state.weights, x, y))
    g = {f: float(getattr(params, f) * ms) for f in ("g_l", "g_bas", "g_api", "g_den", "g_ntgt")}
    g_tot = g["g_l"] + g["g_bas"] + g["g_api"]
    a, c_den, c_out = g["g_bas"] / g_tot, g["g_den"] / (g["g_l"] + g["g_den"]), g["g_ntgt"] / (g["g_l"] + g["g_ntgt"])
    # Backprop through r_k = phi(a W_k r_{k-1}) on L = |r* - r_N|^2 / 2, written out here.
    rates = engine.feedforward(state.weights, x).rates
    delta = params.phi.derivative(np.arctanh(rates[3])) * (y - rates[3])
    for k in (3, 2, 1):
        gradient = a * np.outer(delta, rates[k - 1])
        scale = g["g_api"] / g_tot * c_out * (c_den / a) ** (3 - k) / a
        np.testing.assert_allclose(changes[f"forward_{k}"], scale * gradient, rtol=1e-4, atol=0)
        delta = (
            params.phi.derivative(np.arctanh(rates[k - 1])) * (a * state.weights[f"forward_{k}"].T @ delta)
            if k > 1
            else None
        )


def test_feedback_matrices_follow_the_mode(rng):
    state = NetworkState(random_weights(PARAMS, rng))
    bp = feedback_matrices(PARAMS, state.weights)
    fa = feedback_matrices(PARAMS.replace(feedback="FA"), state.weights)
    np.testing.assert_array_equal(bp[1], state.weights["forward_2"].T + state.weights["feedback_1"])
    np.testing.assert_array_equal(fa[2], state.weights["feedback_2"])


def test_both_models_list_their_projections_as_the_contracts_records():
    """One record type (brian_dendrites.model.Projection) in both models; its shapes are the state's."""
    for sizes, listed in (((4, 3, 2, 1), projections), ((4, 3, 2), microcircuit.projections)):
        assert {type(p) for p in listed(sizes)} == {Projection}
    shapes = {p.name: (p.n_post, p.n_pre) for p in projections(PARAMS.sizes)}
    zero = ERROR_NEURONS.zero_state(PARAMS).weights
    assert shapes == {name: w.shape for name, w in zero.items() if not name.startswith("feedback")}
    listed = projections((4, 3, 2, 1))
    assert [(p.pathway, p.layer, p.pre, p.post) for p in (listed[1], listed[4])] == [
        ("forward", 2, "representation_1", "representation_2"),
        ("lateral_pi", 1, "error_1", "representation_1"),
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sizes": (4,)}, "sizes must be at least 2 integers"),
        ({"g_bas": -0.1 / ms}, "g_bas must be a finite rate"),
        ({"g_api": 0.1 * ms}, "g_api must be a finite rate"),
        ({"eta": (1 / ms,)}, "eta must have one rate per forward projection"),
        ({"eta": (1 / ms, -1 / ms, 0 / ms)}, r"eta\[1\] \(W_2\) must be a finite rate"),
        ({"feedback": "bp"}, "feedback must be one of"),
        ({"dt": 10 * ms}, "Euler stability"),
    ],
)
def test_bad_parameters_fail_naming_the_field(changes, message):
    with pytest.raises(ParameterError, match=message):
        PARAMS.replace(**changes)


@pytest.mark.standalone
def test_inputs_that_are_views_run_like_copies(rng):
    """A strided view (here every other column of a wider array) is not C-contiguous; Brian2 needs it so."""
    state = NetworkState(random_weights(PARAMS, rng))
    wide, y = rng.uniform(0, 1, (N_PATTERNS, 8)), rng.uniform(-0.5, 0.5, (N_PATTERNS, 1))
    sim = _simulation(PARAMS)
    view = sim.run(state, wide[:, ::2], y).state.weights
    copy = sim.run(state, wide[:, ::2].copy(), y).state.weights
    for name, w in view.items():
        np.testing.assert_array_equal(w, copy[name])


def test_bad_run_input_fails_before_building(rng):
    sim = _simulation(PARAMS)
    state = NetworkState(random_weights(PARAMS, rng))
    x, y = _data(rng)
    with pytest.raises(ParameterError, match="inputs must have shape"):
        sim.run(state, x[:, :3], y)
    with pytest.raises(ParameterError, match="nudging must lie in"):
        sim.run(state, x, y, nudging=np.full(N_PATTERNS, 2.0))
    with pytest.raises(ParameterError, match="currents"):
        Simulation(PARAMS, 1, pattern_duration=PARAMS.dt, currents={"representation_1": ["I : 1/second"]}).run(
            state, x[:1], y[:1]
        )
