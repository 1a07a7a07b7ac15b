"""Room for the user's own Brian2 code: record any labelled variable of any group or synapse, add
objects to the same standalone build, add a current to a membrane equation; all of it keys the build."""

from __future__ import annotations

import brian2
import numpy as np
import pytest
from brian2 import NeuronGroup, StateMonitor, ms
from networks import QUIET

from brian_dendrites import FIG1, LearningRates, NetworkState, ParameterError, Simulation, random_weights
from brian_dendrites.models.microcircuit import InterneuronParams, PyramidalParams
from brian_dendrites.recording import Probe
from brian_dendrites.state import matrix_to_synapses

PARAMS = FIG1.replace(
    hidden=PyramidalParams(sigma=QUIET),
    output=PyramidalParams(g_A=0 / ms, sigma=QUIET),
    interneuron=InterneuronParams(sigma=QUIET),
)
INJECTED = 0.05  # 1/ms: I_inj = 0.05/ms * (1 - u) pulls the output potentials toward 1
RECORD = {
    "bottom_up_2": ["w"],
    "pyramidal_1": Probe(("u", "v_B", "e_B"), indices=(0, 3)),
    "pyramidal_2": ["u", "v_B"],
}


def _my_monitor(circuit):
    return [StateMonitor(circuit.groups["interneuron_1"], "u", record=[2], dt=5 * ms, name="my_monitor")]


@pytest.fixture(scope="module")
def extended_run():
    rng = np.random.default_rng(8)
    sim = Simulation(
        PARAMS,
        2,
        record=RECORD,
        objects=_my_monitor,
        currents={"pyramidal_2": [f"I_inj = {INJECTED}/ms*(1 - u) : 1/second"]},
    )
    state = NetworkState(random_weights(PARAMS, rng))
    x = np.tile(rng.uniform(0, 1, 30), (2, 1))
    return sim, state, sim.run(state, x, eta=LearningRates())  # no target, weights fixed


@pytest.mark.slow
@pytest.mark.standalone
def test_weights_error_factors_and_neuron_subsets_are_recorded(extended_run):
    sim, state, result = extended_run
    w = result.recording["bottom_up_2.w"]
    assert w.quantity == "weight" and w.compartment == "synapse" and w.values.shape == (200, 200)
    np.testing.assert_array_equal(w.values, np.tile(matrix_to_synapses(state.weights["bottom_up_2"]), (200, 1)))
    e_B = result.recording["pyramidal_1.e_B"]
    assert list(e_B.neuron_ids) == [0, 3] and e_B.compartment == "basal" and e_B.values.shape == (200, 2)
    # Settled: Eq. 7's error factor is phi(u) - phi(a_B v_B) of the recorded potentials.
    u, v_B = (result.recording[f"pyramidal_1.{v}"].values[-1] for v in ("u", "v_B"))
    expected = PARAMS.phi(u) - PARAMS.phi(PARAMS.hidden_layer(1).basal_attenuation * v_B)
    np.testing.assert_allclose(e_B.values[-1], expected, atol=1e-9)
    assert np.abs(expected).max() > 1e-3  # the apical input makes it non-zero


@pytest.mark.slow
@pytest.mark.standalone
def test_the_users_objects_and_currents_run_in_the_same_build(extended_run):
    sim, _, result = extended_run
    monitor = result.objects["my_monitor"]
    assert monitor.u.shape == (1, 40)  # 200 ms every 5 ms, neuron 2 only
    np.testing.assert_allclose(monitor.u[0, -1], result.state.potentials["interneuron_1.u"][2], atol=1e-6)
    directory = sim._built.directory.name  # keyed by the user's objects, not only by the structure
    assert directory.endswith(sim._structure_key([monitor])) and not directory.endswith(sim._structure_key())
    # The output soma settles where leak, basal input and the injected current balance.
    g = {name: float(getattr(PARAMS.output, name) * ms) for name in ("g_lk", "g_B")}
    v_B = result.recording["pyramidal_2.v_B"].values[-1]
    settled = (g["g_B"] * v_B + INJECTED) / (g["g_lk"] + g["g_B"] + INJECTED)
    np.testing.assert_allclose(result.recording["pyramidal_2.u"].values[-1], settled, atol=1e-6)


def test_objects_and_currents_key_the_build():
    brian2.set_device("runtime")
    group = NeuronGroup(3, "v : 1", name="keyed_group")
    every_5, every_2 = (StateMonitor(group, "v", record=True, dt=d * ms, name="keyed_monitor") for d in (5, 2))
    plain = Simulation(PARAMS, 2, record=RECORD)
    key = plain._structure_key()
    assert Simulation(PARAMS, 2, record=RECORD)._structure_key([every_5]) != key
    assert plain._structure_key([every_5]) == plain._structure_key([every_5])
    assert plain._structure_key([every_5]) != plain._structure_key([every_2])
    current = Simulation(PARAMS, 2, record=RECORD, currents={"pyramidal_2": ["I : 1/second (shared)"]})
    assert current._structure_key() != key
    assert Simulation(PARAMS, 2, record={**RECORD, "pyramidal_1": ["u"]})._structure_key() != key


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"currents": {"input_0": ["I : 1/second"]}}, r"'input_0' has no membrane potential u; choose from"),
        ({"currents": {"pyramidal_1": "I : 1/second"}}, r"currents\['pyramidal_1'\] must be a list"),
        ({"objects": [StateMonitor]}, "objects must be a function of the built circuit"),
    ],
)
def test_bad_extensions_name_the_argument(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        Simulation(PARAMS, 2, **kwargs)


def test_bad_probes_are_refused():
    with pytest.raises(ParameterError, match="Probe.indices must be distinct indices >= 0"):
        Probe(("u",), indices=(-1,))
    with pytest.raises(ParameterError, match="Probe.variables must be a list of variable names"):
        Probe("u")
    with pytest.raises(ParameterError, match=r"record\['pyramidal_1'\]: indices must lie in \[0, 20\)"):
        sim = Simulation(PARAMS, 1, 10 * ms, target="numpy", record={"pyramidal_1": Probe(("u",), indices=(20,))})
        sim.run(NetworkState(random_weights(PARAMS, np.random.default_rng(0))), np.zeros((1, 30)))


def test_a_current_of_the_wrong_unit_is_refused_at_build():
    sim = Simulation(PARAMS, 1, 10 * ms, target="numpy", currents={"pyramidal_2": ["I_inj = 0.1*(1 - u) : 1"]})
    weights = random_weights(PARAMS, np.random.default_rng(0))
    with pytest.raises(ParameterError, match=r"currents\['pyramidal_2'\]: I_inj must be a new variable in 1/second"):
        sim.run(NetworkState(weights), np.zeros((1, 30)))
