"""The batched spiking engine against the Brian2 spiking network: exactly, given Brian2's spike counts, and
statistically, its spike-driven weight changes against the rate rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from brian2 import ms, second

from brian_dendrites.errors import ParameterError
from brian_dendrites.models.microcircuit import FIG1, PATHWAYS, LearningRates, SpikingParams, random_weights
from brian_dendrites.models.microcircuit.model import MICROCIRCUIT
from brian_dendrites.models.microcircuit.spiking_engine import SpikingEngine
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.protocols.mnist_variants import spiking_variant
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState

NO_NOISE = {"sigma": 0 * ms**-0.5}
#: A small network, every pathway plastic, Fig. 1's filtered inputs, no noise (Brian2 and the engine draw
#: their noise from different generators).
SMALL = FIG1.replace(
    sizes=(4, 3, 2),
    plastic=frozenset(PATHWAYS),
    tau_w=None,
    eta=LearningRates(*(0.05 / ms,) * 4),
    mode="spiking",
    spiking=SpikingParams(psi=20 / ms),
    hidden=replace(FIG1.hidden, **NO_NOISE),
    output=replace(FIG1.output, **NO_NOISE),
    interneuron=replace(FIG1.interneuron, **NO_NOISE),
)
GROUPS = ("input_0", "pyramidal_1", "pyramidal_2", "interneuron_1")
RECORD = {"pyramidal_1": ["u", "v_B", "v_TD", "v_PI"], "pyramidal_2": ["u", "v_B"], "interneuron_1": ["u", "v_D"]}
PATTERNS, DURATION = 3, 10 * ms  # 300 steps


def _brian2_counts(result, params, steps: int) -> dict[str, np.ndarray]:
    """The spike counts per step and neuron of each group, (steps, n), from the run's spike trains."""
    counts = {}
    for name in GROUPS:
        spikes = result.recording.spike_train(name)
        step = np.round(np.asarray(spikes.times) / float(params.dt / second)).astype(int)
        counts[name] = np.zeros((steps, len(spikes.unit_names)))
        np.add.at(counts[name], (step, np.asarray(spikes.units)), 1)
    return counts


#: The cases: (changes of SMALL, of its spiking record, the nudging switch per pattern).
CASES = {
    "somatic": ({}, {}, (1.0, 1.0, 1.0)),
    "lookahead": ({}, {"lookahead": True}, (1.0, 1.0, 1.0)),
    # MNIST's inputs (no filter); the Urbanczik-Senn factor; teaching switched down and off
    "unfiltered-spikes": ({"tau_input": None}, {"postsynaptic": "spikes"}, (1.0, 0.5, 0.0)),
    # spiking MNIST's record: thresholds (plastic, nonzero from the start), lookahead, no input filter
    "thresholds": ({"tau_input": None, "thresholds": True}, {"lookahead": True}, (1.0, 0.5, 1.0)),
}
#: Each threshold's projection -> the potential it drives.
DRIVEN = {"bottom_up_1": "pyramidal_1.v_B", "bottom_up_2": "pyramidal_2.v_B", "ip_1": "interneuron_1.v_D"}


@pytest.fixture(scope="module", params=list(CASES))
def replayed(request):
    """The Brian2 spiking network (numpy target) and the engine fed its spike counts, 300 steps.

    With thresholds, the engine's potentials are recorded as Brian2 holds them, the trace plus the threshold."""
    changes, spiking, switch = CASES[request.param]
    params = SMALL.replace(**changes, spiking=replace(SMALL.spiking, **spiking))
    rng = np.random.default_rng(1)
    weights = random_weights(params, rng, 1.0)
    x, targets = rng.uniform(0, 1, (PATTERNS, 4)), rng.uniform(-0.5, 0.5, (PATTERNS, 2))
    biases = {name: rng.uniform(-0.5, 0.5, weights[name].shape[0]) for name in DRIVEN} if params.thresholds else {}
    sim = Simulation(params, PATTERNS, DURATION, record=RECORD, record_dt=params.dt, target="numpy", spikes=GROUPS)
    brian2 = sim.run(NetworkState(weights, thresholds=biases), x, targets, np.array(switch))
    steps, per = PATTERNS * round(float(DURATION / params.dt)), round(float(DURATION / params.dt))
    counts = _brian2_counts(brian2, params, steps)
    engine, own = SpikingEngine(params), {k: w.copy() for k, w in weights.items()}
    own_biases = {k: b.copy() for k, b in biases.items()}
    state, history = engine.initial(1, own["bottom_up_1"]), []
    for t in range(steps):
        values = {key: value[0].copy() for key, value in state.values.items()}
        for name, b in own_biases.items():
            values[DRIVEN[name]] = values[DRIVEN[name]] + b
        history.append(values)
        i = t // per
        given = {group: c[t : t + 1] for group, c in counts.items()}
        engine.step(state, own, own_biases, x[i : i + 1], targets[i : i + 1], switch[i], counts=given)
    return (weights, biases), brian2, (own, own_biases), history


@pytest.mark.parametrize("key", [f"{g}.{v}" for g, variables in RECORD.items() for v in variables])
def test_engine_potentials_equal_brian2_given_its_spikes(replayed, key):
    """Every potential and trace of every step agrees with Brian2's to float precision."""
    _, brian2, _, history = replayed
    expected, own = brian2.recording[key].values, np.array([h[key] for h in history])
    assert np.max(np.abs(own - expected)) < 1e-12 * np.max(np.abs(expected))


def test_engine_weights_equal_brian2_given_its_spikes(replayed):
    """The weights and thresholds after 300 steps of Eqs. 7-10 agree to float precision, relative to their change."""
    (initial, initial_biases), brian2, (own, own_biases), _ = replayed
    assert brian2.state.thresholds.keys() == initial_biases.keys()
    for group, start, learned in (("weights", initial, own), ("thresholds", initial_biases, own_biases)):
        for name, value in learned.items():
            final = getattr(brian2.state, group)[name]
            change = np.max(np.abs(final - start[name]))
            assert change > 0.01, name
            assert np.max(np.abs(value - final)) < 1e-12 * change, name


def test_thresholds_start_the_traces_and_are_refused_where_they_do_not_fit():
    """A network with thresholds starts v_B and v_D at them (the potentials are the traces plus the
    thresholds); a state's thresholds are checked by name, shape and value; rate mode and a tau_w filter of
    plastic thresholds are refused, naming the field."""
    params = SMALL.replace(tau_input=None, thresholds=True)
    model = MICROCIRCUIT
    assert list(model.zero_state(params).thresholds) == ["bottom_up_1", "bottom_up_2", "ip_1"]
    assert model.zero_state(params).thresholds["ip_1"].shape == (2,)
    assert model.zero_state(SMALL).thresholds == {}
    weights = random_weights(params, np.random.default_rng(0), 1.0)
    sim = Simulation(params, 1, 1 * ms, target="numpy")
    for thresholds, message in (
        ({"bottom_up_1": np.zeros(2)}, r"state.thresholds\['bottom_up_1'\] must have shape \(post,\) = \(3,\)"),
        ({"ip_1": np.array([0.0, np.nan])}, r"state.thresholds\['ip_1'\] must be finite"),
        ({"pi_1": np.zeros(3)}, "state.thresholds has an unknown entry 'pi_1'"),
    ):
        with pytest.raises(ParameterError, match=message):
            sim.run(NetworkState(weights, thresholds=thresholds), np.zeros((1, 4)))
    none = "state.thresholds has an unknown entry 'bottom_up_1'; this network has none"
    with pytest.raises(ParameterError, match=none):
        Simulation(SMALL, 1, 1 * ms, target="numpy").run(
            NetworkState(weights, thresholds={"bottom_up_1": np.zeros(3)}), np.zeros((1, 4))
        )
    with pytest.raises(ParameterError, match="thresholds=True needs mode='spiking'"):
        params.replace(mode="rate")
    with pytest.raises(ParameterError, match=r"thresholds=True with plastic \['bottom_up', 'ip'\] needs tau_w=None"):
        params.replace(tau_w=30 * ms)
    params.replace(tau_w=30 * ms, plastic=frozenset({"pi", "top_down"}))  # fixed thresholds: no filter to refuse
    with pytest.raises(ParameterError, match="thresholds must be True or False"):
        params.replace(thresholds=1)


def test_engine_weight_changes_are_unbiased():
    """Given the engine's own trajectory, each weight change is eta/psi times a Poisson sum of e_post over
    the presynaptic spikes: the Mahalanobis distance from eta sum e_post r_pre dt, per synapse, is
    1 +- 4 sqrt(2/n), as in tests/models/test_spiking.py for Brian2."""
    eta, psi = 1e-5, 100.0
    params = SMALL.replace(eta=LearningRates(*(eta / ms,) * 4), spiking=SpikingParams(psi=psi / ms))
    engine, rng = SpikingEngine(params), np.random.default_rng(0)
    weights = random_weights(params, rng, 1.0)
    initial, x = {k: w.copy() for k, w in weights.items()}, rng.uniform(0, 1, (1, 4))
    state, dt = engine.initial(1, weights["bottom_up_1"]), float(params.dt / ms)
    drift = {name: 0.0 for name in engine.rates}
    trajectory = {name: [] for name in engine.rates}
    for _ in range(5000):  # 0.5 s
        rates = _rates_of_step(engine, state, x)
        engine.step(state, weights, {}, x, generator=rng)
        for p in engine.projections:
            error, pre = state.errors[p.name][0], rates[p.pre]
            drift[p.name] = drift[p.name] + eta * dt * np.outer(error, pre)
            trajectory[p.name].append((error, pre))
    for p in engine.projections:
        deviation = weights[p.name] - initial[p.name] - drift[p.name]
        e = np.array([a for a, _ in trajectory[p.name]])
        r = np.array([b for _, b in trajectory[p.name]])
        distance = sum(
            deviation[:, j] @ np.linalg.solve(eta**2 / psi * dt * (e * r[:, j : j + 1]).T @ e, deviation[:, j])
            for j in range(r.shape[1])
        )
        n = deviation.size
        assert abs(distance / n - 1) < 4 * np.sqrt(2 / n), f"{p.name}: {distance / n:.3f} per synapse"


def _rates_of_step(engine: SpikingEngine, state, x) -> dict:
    """The presynaptic rates r(t) the next step draws its counts from (input: the filtered rate after it)."""
    phi, v = engine.phi, state.values
    rates = {f"pyramidal_{k}": phi(v[f"pyramidal_{k}.u"]) for k in range(1, engine.n + 1)}
    for k in range(1, engine.n):
        rates[f"interneuron_{k}"] = engine.interneuron[k]["gamma"] * phi(v[f"interneuron_{k}.u"])
    r0 = v["input_0.r"]
    rates["input_0"] = r0 + engine.dt * (x - r0) / engine.tau_input
    return {name: r[0] for name, r in rates.items()}


def test_engine_on_torch_equals_numpy_given_the_same_counts():
    """PyTorch (float64, CPU) steps the same equations: the same counts give the same state and weights."""
    torch = pytest.importorskip("torch")
    engine, rng = SpikingEngine(SMALL), np.random.default_rng(2)
    weights = random_weights(SMALL, rng, 1.0)
    tensors = {k: torch.tensor(w) for k, w in weights.items()}
    x, target = rng.uniform(0, 1, (5, 4)), rng.uniform(-0.5, 0.5, (5, 2))
    numpy_state, torch_state = engine.initial(5, weights["bottom_up_1"]), engine.initial(5, tensors["bottom_up_1"])
    for _ in range(50):
        counts = engine.step(numpy_state, weights, {}, x, target, 1.0, generator=rng)
        as_tensors = {g: torch.tensor(c) for g, c in counts.items()}
        engine.step(torch_state, tensors, {}, torch.tensor(x), torch.tensor(target), 1.0, counts=as_tensors)
    for key, value in numpy_state.values.items():
        np.testing.assert_allclose(torch_state.values[key].numpy(), value, rtol=1e-10, atol=1e-12, err_msg=key)
    for name, w in weights.items():
        np.testing.assert_allclose(tensors[name].numpy(), w, rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (SMALL.replace(mode="rate"), "params.mode must be 'spiking'"),
        (SMALL.replace(tau_w=30 * ms), "params.tau_w must be None"),
        (SMALL.replace(spiking=SpikingParams(interneuron_nudging="spikes")), "interneuron_nudging"),
    ],
)
def test_engine_refuses_what_it_does_not_step(params, message):
    with pytest.raises(ParameterError, match=message):
        SpikingEngine(params)


def test_pathways_come_from_the_table():
    """The engine's plastic projections and their error factors are the pathway table's."""
    engine = SpikingEngine(SMALL)
    state = engine.initial(1, np.zeros((1, 1)))
    weights = random_weights(SMALL, np.random.default_rng(0), 1.0)
    engine.step(state, weights, {}, np.full((1, 4), 0.5))
    assert set(state.errors) == {p.name for p in engine.projections}


def test_weight_and_threshold_changes_follow_the_steady_state_engine():
    """With thresholds, at a small learning rate and psi 20,000/ms (little spike noise): after 8 ms at rest on
    a batch, 8 ms of the engine's Eqs. 7-10 change weights and thresholds as the rate network's steady state
    does (its fixed point, SteadyStateEngine with 50 sweeps), per ms: cosine > 0.99, norms within 10 %."""
    variant = spiking_variant("a")
    params = variant.params.replace(sizes=(20, 15, 10, 5), spiking=replace(variant.params.spiking, psi=2e4 / ms))
    rate = params.replace(mode="rate", spiking=SpikingParams())
    rng = np.random.default_rng(4)
    weights = random_weights(params, rng, 0.5)
    biases = {k: rng.uniform(-0.5, 0.5, w.shape[0]) for k, w in weights.items() if k.startswith(("bottom_up", "ip"))}
    x, u_tgt = rng.uniform(0, 1, (30, 20)), rng.uniform(-2, 2, (30, 5))
    settled = SteadyStateEngine(rate).settle(weights, biases, x, u_tgt, sweeps=50)
    expected = SteadyStateEngine(rate).weight_changes(settled)
    engine, scale = SpikingEngine(params), 1e-4
    engine.rates = {name: r * scale for name, r in engine.rates.items()}
    own_w, own_b = {k: w.copy() for k, w in weights.items()}, {k: b.copy() for k, b in biases.items()}
    state, steps = engine.initial(30, own_w["bottom_up_1"]), 20  # 8 ms at dt 0.4 ms
    for step in range(2 * steps):
        engine.step(state, own_w, own_b, x, u_tgt, 1.0, learn=step >= steps, generator=rng)
    learned = steps * float(params.dt / ms) * scale
    for name, (dw, db) in expected.items():
        for own, initial, rate_change in ((own_w, weights, dw), (own_b, biases, db)):
            if rate_change is None:
                continue
            change = (own[name] - initial[name]).ravel() / learned
            cosine = change @ rate_change.ravel() / np.linalg.norm(change) / np.linalg.norm(rate_change)
            assert cosine > 0.99 and abs(np.linalg.norm(change) / np.linalg.norm(rate_change) - 1) < 0.1, name


def test_engine_draws_its_own_spikes_on_pytorch():
    """Without a generator, PyTorch draws fresh Poisson counts every step (mean psi r dt), in the weights' dtype."""
    torch = pytest.importorskip("torch")
    weights = {
        k: torch.tensor(w, dtype=torch.float32) for k, w in random_weights(SMALL, np.random.default_rng(0), 1.0).items()
    }
    engine, x = SpikingEngine(SMALL), torch.full((2000, 4), 0.5, dtype=torch.float64)
    state = engine.initial(2000, weights["bottom_up_1"])
    first = engine.step(state, weights, {}, x, learn=False)["input_0"]
    second = engine.step(state, weights, {}, x, learn=False)["input_0"]
    assert not torch.equal(first, second)
    state.values["input_0.r"][:] = 0.5  # the filtered input at the step's rate: counts of mean psi r dt
    counts = torch.stack([engine.step(state, weights, {}, x, learn=False)["input_0"] for _ in range(5)])
    mean = float(SMALL.spiking.psi * SMALL.dt) * 0.5
    assert abs(float(counts.mean()) / mean - 1) < 5 / np.sqrt(counts.numel() * mean)
    assert state.values["pyramidal_1.u"].dtype == torch.float32


def test_engine_refuses_arguments_that_do_not_fit():
    engine, weights = SpikingEngine(SMALL), random_weights(SMALL, np.random.default_rng(0), 1.0)
    state = engine.initial(3, weights["bottom_up_1"])
    with pytest.raises(ParameterError, match=r"x must have shape \(batch, n_0\) = \(3, 4\)"):
        engine.step(state, weights, {}, np.zeros((3, 5)))
    with pytest.raises(ParameterError, match="u_tgt must have shape"):
        engine.step(state, weights, {}, np.zeros((3, 4)), np.zeros((3, 3)), 1.0)
    with pytest.raises(ParameterError, match="nudging must be a number in"):
        engine.step(state, weights, {}, np.zeros((3, 4)), np.zeros((3, 2)), 2.0)
    with pytest.raises(ParameterError, match="weights lacks 'pi_1'"):
        engine.step(state, {k: w for k, w in weights.items() if k != "pi_1"}, {}, np.zeros((3, 4)))
