"""The framework runs a model it has never seen: the example of a user's own model
(examples/two_compartment.py, made of the model kit) runs, records, learns and exports through
Simulation and the NWB writer.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from brian2 import ms

from brian_dendrites import NetworkState, Simulation
from brian_dendrites.export import read_nwb, write_nwb

_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "two_compartment.py"
if "two_compartment" not in sys.modules:  # loaded once: it registers its record class (test_kit loads it too)
    _spec = importlib.util.spec_from_file_location("two_compartment", _EXAMPLE)
    sys.modules["two_compartment"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["two_compartment"])
two_compartment = sys.modules["two_compartment"]
TwoCompartmentParams = two_compartment.TwoCompartmentParams


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
    attenuation = g["g_D"] / (g["g_lk"] + g["g_D"])
    expected = float(params.eta * 200 * ms) * np.outer(params.phi(u) - params.phi(attenuation * v_D), x)
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

    from brian_dendrites import FIG1, random_weights
    from brian_dendrites.model import load_state, read_state
    from brian_dendrites.models.microcircuit import MICROCIRCUIT

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


def test_register_refuses_a_model_that_misses_the_contract():
    from types import SimpleNamespace

    from brian_dendrites import ParameterError
    from brian_dendrites.model import register

    class Record:
        pass

    with pytest.raises(ParameterError, match=r"lacks \['description', 'inputs', 'structure'"):
        register(Record, SimpleNamespace(name="mine"))
    bad = two_compartment.TwoCompartmentModel()
    bad.name = "two-compartment"  # a C++ identifier in the generated code
    with pytest.raises(ParameterError, match="model.name must be a Python identifier, e.g. 'my_model', got 'two-comp"):
        register(Record, bad)
