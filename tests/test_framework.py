"""A model defined only in this test runs through the framework: Simulation, recording and NWB export.

The model: two-compartment neurons (soma u, dendrite v_D = W r_in) nudged toward a target potential,
with the Urbanczik-Senn dendritic rule dW/dt = eta (phi(u) - phi(a v_D)) r_in^T, a = g_D/(g_lk + g_D).
It reaches the framework only through the contract of brian_dendrites.model and one register() call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pytest
from brian2 import NeuronGroup, Quantity, Synapses, ms

from brian_dendrites import Logistic, NetworkState, Simulation
from brian_dendrites.canonical import to_json
from brian_dendrites.export import read_nwb, write_nwb
from brian_dendrites.model import Label, register
from brian_dendrites.transfer import TransferFunction
from brian_dendrites.validation import finite_array


@dataclass(frozen=True)
class TwoCompartmentParams:
    sizes: tuple[int, int] = (4, 3)  # inputs, neurons
    phi: TransferFunction = field(default_factory=Logistic)
    g_lk: Quantity = field(default_factory=lambda: 0.1 / ms)
    g_D: Quantity = field(default_factory=lambda: 1.0 / ms)
    g_som: Quantity = field(default_factory=lambda: 0.8 / ms)
    eta: Quantity = field(default_factory=lambda: 0.0002 / ms)
    dt: Quantity = field(default_factory=lambda: 0.1 * ms)

    @property
    def attenuation(self) -> float:
        return float(self.g_D / (self.g_lk + self.g_D))


class TwoCompartmentModel:
    name = "two_compartment"
    description = "two-compartment neurons that learn by the Urbanczik-Senn dendritic rule"
    inputs = ("rates", "target")

    def structure(self, params):
        return {"sizes": list(params.sizes), "phi": to_json(params.phi), "dt": to_json(params.dt)}

    def labels(self, params):
        soma, dendrite = Label("neuron", 1, "soma", "voltage"), Label("neuron", 1, "dendrite", "voltage")
        return {"input_0": {"r": Label("input", 0, "rate", "rate")}, "neuron_1": {"u": soma, "v_D": dendrite}}

    def check_run(self, params, n_patterns, inputs, targets=None, nudging=None, eta=None):
        n_in, n_out = params.sizes
        targets = np.zeros((n_patterns, n_out)) if targets is None else targets
        rates = finite_array("inputs", inputs, (n_patterns, n_in), "(n_patterns, n_input)")
        return {"rates": rates, "target": finite_array("targets", targets, (n_patterns, n_out), "")}, eta

    def build(self, params, timed, currents=None):
        if currents:
            raise ValueError("this test model takes no extra currents")
        phi = params.phi
        source = NeuronGroup(
            params.sizes[0],
            "r = rates(t, i) : 1 (constant over dt)",
            namespace={"rates": timed["rates"]},
            name="input_0",
        )
        neuron = NeuronGroup(
            params.sizes[1],
            f"""du/dt = -g_lk*u + g_D*(v_D - u) + g_som*(target(t, i) - u) : 1
            v_D : 1
            r = {phi.expression("u")} : 1 (constant over dt)
            g_lk : 1/second (shared, constant)
            g_D : 1/second (shared, constant)
            g_som : 1/second (shared, constant)""",
            method="euler",
            namespace={"target": timed["target"]},
            name="neuron_1",
        )
        synapses = Synapses(
            source,
            neuron,
            f"""v_D_post = w*r_pre : 1 (summed)
            dw/dt = eta*(r_post - {phi.expression("g_D_post/(g_lk_post + g_D_post)*v_D_post")})*r_pre : 1 (clock-driven)
            eta : 1/second (shared, constant)""",
            method="euler",
            name="dendrite_1",
        )
        synapses.connect()  # presynaptic-major: index i * n_post + j
        groups = {"input_0": source, "neuron_1": neuron}
        return SimpleNamespace(objects=[source, neuron, synapses], groups=groups, synapses=synapses, params=params)

    def zero_state(self, params):
        n_in, n_out = params.sizes
        return NetworkState({"dendrite_1": np.zeros((n_out, n_in))}, {}, {"neuron_1.u": np.zeros(n_out)})

    def load_state(self, circuit, params, state, eta, noise):
        neuron, synapses = circuit.groups["neuron_1"], circuit.synapses
        return {
            neuron.g_lk: params.g_lk,
            neuron.g_D: params.g_D,
            neuron.g_som: params.g_som,
            neuron.u: state.potentials.get("neuron_1.u", np.zeros(len(neuron))),
            synapses.w: np.asarray(state.weights["dendrite_1"]).T.ravel(),
            synapses.eta: 0 / ms if eta is None else eta,
        }

    def read_state(self, circuit):
        n_in, n_out = circuit.params.sizes
        weights = {"dendrite_1": np.asarray(circuit.synapses.w[:]).reshape(n_in, n_out).T.copy()}
        return NetworkState(weights, {}, {"neuron_1.u": np.asarray(circuit.groups["neuron_1"].u[:])})


register(TwoCompartmentParams, TwoCompartmentModel())


@pytest.mark.slow
def test_a_test_only_model_runs_records_learns_and_exports(tmp_path):
    params, rng = TwoCompartmentParams(), np.random.default_rng(5)
    n = 4  # patterns of 50 ms, one input and target held throughout
    sim = Simulation(params, n, 50 * ms, record={"neuron_1": ["u", "v_D"], "input_0": ["r"]}, target="numpy")
    weights = rng.uniform(-1, 1, (3, 4))
    x, u_tgt = rng.uniform(0, 1, 4), rng.uniform(-1, 1, 3)
    inputs, targets = np.tile(x, (n, 1)), np.tile(u_tgt, (n, 1))
    settled = sim.steady_state(NetworkState({"dendrite_1": weights}), inputs, targets)  # no plasticity
    result = sim.run(NetworkState({"dendrite_1": weights}), inputs, targets, eta=params.eta)

    # The settled potentials are the analytic fixed point, and the weight change the rule at that point
    # (eta is small enough that the weights, and with them the fixed point, move by < 1 % in 200 ms).
    v_D = weights @ x
    g = {name: float(getattr(params, name) * ms) for name in ("g_lk", "g_D", "g_som")}
    u = (g["g_D"] * v_D + g["g_som"] * u_tgt) / sum(g.values())
    np.testing.assert_allclose(settled["neuron_1.u"][-1], u, rtol=1e-6)
    np.testing.assert_allclose(settled["neuron_1.v_D"][-1], v_D, rtol=1e-9)
    expected = float(params.eta * 200 * ms) * np.outer(params.phi(u) - params.phi(params.attenuation * v_D), x)
    change = result.state.weights["dendrite_1"] - weights
    np.testing.assert_allclose(change, expected, rtol=0.01, atol=0.01 * np.abs(expected).max())

    recording = result.recording
    assert {t.name for t in recording.traces} == {"neuron_1.u", "neuron_1.v_D", "input_0.r"}
    assert recording["neuron_1.v_D"].compartment == "dendrite" and recording["input_0.r"].quantity == "rate"
    back = read_nwb(write_nwb(recording, tmp_path / "two_compartment.nwb"))
    np.testing.assert_array_equal(back["neuron_1.u"].values, recording["neuron_1.u"].values)
    assert back["neuron_1.u"].population == "neuron"


def test_the_contract_checks_a_test_only_models_state():
    sim = Simulation(TwoCompartmentParams(), 2, 10 * ms, target="numpy")
    with pytest.raises(ValueError, match=r"state.weights\['dendrite_1'\] must have shape"):
        sim.run(NetworkState({"dendrite_1": np.zeros((2, 2))}), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"record\['neuron_1'\]: unknown or no variables \['v_A'\]"):
        Simulation(TwoCompartmentParams(), 2, record={"neuron_1": ["v_A"]})


@pytest.mark.slow
def test_a_users_own_network_loads_and_reads_the_state_like_simulation(rng):
    """load_state and read_state let a user run a model's circuit in a Network of their own."""
    import brian2
    from brian2 import Network, StateMonitor, TimedArray
    from brian_dendrites.models.microcircuit import MICROCIRCUIT

    from brian_dendrites import FIG1, random_weights
    from brian_dendrites.model import load_state, read_state

    state = NetworkState(random_weights(FIG1, rng))
    x, u_tgt = rng.uniform(0, 1, (1, 30)), rng.uniform(-1, 1, (1, 10))
    reference = Simulation(FIG1, 1, 10 * ms, target="numpy").run(state, x, u_tgt, noise=False)

    brian2.set_device("runtime")
    brian2.prefs.codegen.target = "numpy"
    arrays = {"r_pattern": x, "u_target": u_tgt, "nudging": np.ones(1)}
    circuit = MICROCIRCUIT.build(FIG1, {k: TimedArray(v, dt=10 * ms, name=k) for k, v in arrays.items()})
    monitor = StateMonitor(circuit.groups["pyramidal_2"], "u", record=True, name="my_monitor")
    load_state(circuit, state, noise=False)
    Network(*circuit.objects, monitor).run(10 * ms, namespace={})
    mine = read_state(circuit)
    for name, weights in reference.state.weights.items():
        np.testing.assert_array_equal(mine.weights[name], weights)
    for name, values in reference.state.potentials.items():
        np.testing.assert_array_equal(mine.potentials[name], values)
    assert monitor.u.shape == (10, 100)  # the user's own object ran in the same network, every step
    assert not np.array_equal(mine.weights["bottom_up_2"], state.weights["bottom_up_2"])  # plasticity ran
