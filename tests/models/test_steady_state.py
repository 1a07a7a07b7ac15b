"""The steady-state engine against the Brian2 network (noise off, small g_A, run to equilibrium)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from brian2 import ms
from networks import DEEP, DEEP_RECORD

from brian_dendrites import LearningRates, NetworkState, Simulation, random_weights
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine

#: Weak apical coupling, lambda = g_A / (g_lk + g_B + g_A) ~ 0.009: one top-down visit then
#: differs from the full relaxation by O(lambda) in the apical part, hence TOLERANCE.
#: The interneurons' leak differs from the pyramidal one, so that neither can stand in for the other.
WEAK = DEEP.replace(
    hidden=replace(DEEP.hidden_layer(1), g_A=0.01 / ms),
    interneuron=replace(DEEP.interneuron_layer(1), g_lk=0.2 / ms),
)
TOLERANCE = 1e-3
ETA = LearningRates(bottom_up=1e-4 / ms, ip=1e-4 / ms, pi=1e-4 / ms, top_down=1e-4 / ms)


@pytest.mark.slow
@pytest.mark.standalone
def test_engine_matches_the_brian2_network(rng):
    sim = Simulation(DEEP, 3, record=DEEP_RECORD)
    weights = random_weights(WEAK, rng, 0.5)
    zero = {name: np.zeros(w.shape[0]) for name, w in weights.items()}
    x, u_tgt = rng.uniform(0, 1, DEEP.sizes[0]), rng.uniform(-1, 1, DEEP.sizes[-1])
    held = lambda a: np.tile(a, (3, 1))  # noqa: E731
    values = sim.steady_state(NetworkState(weights), held(x), held(u_tgt), params=WEAK)
    engine = SteadyStateEngine(WEAK.replace(eta=ETA))
    state = engine.settle(weights, zero, x[None], u_tgt[None])
    for k in (1, 2, 3):
        np.testing.assert_allclose(state.u[k][0], values[f"pyramidal_{k}.u"][-1], atol=TOLERANCE, err_msg=f"u_{k}")
    for k in (1, 2):
        np.testing.assert_allclose(state.u_I[k][0], values[f"interneuron_{k}.u"][-1], atol=TOLERANCE)
        np.testing.assert_allclose(state.v_A[k][0], values[f"pyramidal_{k}.v_A"][-1], atol=TOLERANCE)

    # Weight changes of Eqs. 7-10 over one run, against the engine's rate of change.
    settled = sim.run(NetworkState(weights), held(x), held(u_tgt), eta=LearningRates(), noise=False, params=WEAK)
    learned = sim.run(settled.state, held(x), held(u_tgt), eta=ETA, noise=False, params=WEAK).state
    duration = float(sim.duration / ms)
    for name, (rate, _) in engine.weight_changes(state).items():
        brian = (learned.weights[name] - weights[name]).ravel()
        predicted = (rate * duration).ravel()
        cosine = brian @ predicted / (np.linalg.norm(brian) * np.linalg.norm(predicted))
        assert cosine > 0.999, (name, cosine)
        np.testing.assert_allclose(np.linalg.norm(brian), np.linalg.norm(predicted), rtol=0.02, err_msg=name)


def test_batch_average_learning_step_and_float32(rng):
    engine = SteadyStateEngine(DEEP.replace(eta=ETA))
    weights = random_weights(DEEP, rng)
    biases = {name: rng.normal(size=w.shape[0]) for name, w in weights.items()}
    x, u_tgt = rng.uniform(0, 1, (10, DEEP.sizes[0])), rng.uniform(-1, 1, (10, DEEP.sizes[-1]))
    batch = engine.weight_changes(engine.settle(weights, biases, x, u_tgt))
    single = [engine.weight_changes(engine.settle(weights, biases, x[i : i + 1], u_tgt[i : i + 1])) for i in range(10)]
    for name, (dw, db) in batch.items():
        np.testing.assert_allclose(dw, np.mean([s[name][0] for s in single], axis=0), rtol=1e-10, atol=1e-15)
        if db is not None:
            np.testing.assert_allclose(db, np.mean([s[name][1] for s in single], axis=0), rtol=1e-10, atol=1e-15)

    # learn() applies dt times the batch average in place, and leaves frozen projections alone.
    learned_w = {k: v.copy() for k, v in weights.items()}
    learned_b = {k: v.copy() for k, v in biases.items()}
    engine.learn(engine.settle(weights, biases, x, u_tgt), learned_w, learned_b, dt=2.0, frozen=("bottom_up_1",))
    np.testing.assert_array_equal(learned_w["bottom_up_1"], weights["bottom_up_1"])
    np.testing.assert_array_equal(learned_b["bottom_up_1"], biases["bottom_up_1"])
    for name, (dw, db) in batch.items():
        if name != "bottom_up_1":
            np.testing.assert_allclose(learned_w[name], weights[name] + 2.0 * dw, rtol=1e-12, atol=1e-15)
            if db is not None:
                np.testing.assert_allclose(learned_b[name], biases[name] + 2.0 * db, rtol=1e-12, atol=1e-15)

    low = {k: v.astype(np.float32) for k, v in weights.items()}
    state32 = engine.settle(
        low, {k: v.astype(np.float32) for k, v in biases.items()}, x.astype(np.float32), u_tgt.astype(np.float32)
    )
    assert state32.u[1].dtype == np.float32
    np.testing.assert_allclose(state32.u[1], engine.settle(weights, biases, x, u_tgt).u[1], atol=1e-4)
    low_b = {k: v.astype(np.float32) for k, v in biases.items()}
    engine.learn(state32, low, low_b, dt=2.0, frozen=("bottom_up_1",))  # float32: the in-place BLAS path
    for name in batch:
        assert low[name].dtype == np.float32
        np.testing.assert_allclose(low[name], learned_w[name], atol=1e-5, err_msg=name)
