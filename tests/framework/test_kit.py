"""The model kit: its pieces' equation strings, and the bookkeeping its ModelBase derives (both built-in
models and the example use it), checked on circuits built for Brian2's runtime device, never run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import brian2
import numpy as np
import pytest
from brian2 import TimedArray, ms

from brian_dendrites import Logistic, NetworkState, ParameterError, kit
from brian_dendrites.model import Label, model_for
from brian_dendrites.models.error_neurons import ErrorNeuronParams
from brian_dendrites.models.microcircuit import FIG1, LearningRates, PyramidalParams
from brian_dendrites.models.microcircuit.pathways import PATHWAY_TABLE

_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "two_compartment.py"
if "two_compartment" not in sys.modules:  # the example registers its model once (as test_own_model loads it)
    _spec = importlib.util.spec_from_file_location("two_compartment", _EXAMPLE)
    sys.modules["two_compartment"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["two_compartment"])
TwoCompartmentParams = sys.modules["two_compartment"].TwoCompartmentParams

PHI = Logistic()


def test_compartments_and_outputs_spell_the_paper_equations():
    assert kit.soma([("g_B", "v_B"), ("g_A", "v_A")], currents=[kit.noise()[0]]) == (
        "du/dt = -g_lk*u + g_B*(v_B - u) + g_A*(v_A - u) + sigma*xi : 1"
    )
    assert kit.soma([("g_a", "v_a"), ("g_b", "v_b")], leak="g_l", total="g_t") == (
        "du/dt = g_a*v_a + g_b*v_b - g_t*u : 1\ng_t = g_l + g_a + g_b : 1/second"
    )
    assert kit.soma([("g_E", "v")], leak="g_l", factored=True) == "du/dt = g_E*v - (g_l + g_E)*u : 1"
    assert kit.traces(["v_B"]) == ["dv_B/dt = -v_B/tau_s : 1", "tau_s : second (shared, constant)"]
    teaching = kit.balanced_teaching()
    assert kit.prospective([("g_B", "v_B"), *teaching.drives]) == (
        "(g_B*v_B + g_exc*E_exc + g_inh*E_inh)/(g_lk + g_B + g_exc + g_inh)"
    )
    assert kit.prospective([("g_E", "v")], leak="g_l") == "g_E*v/(g_l + g_E)"
    assert kit.rate(PHI, gain="gamma*") == "r = gamma*(1.0/(1.0 + exp(-(u)))) : 1 (constant over dt)"
    assert teaching.current == "g_exc*(E_exc - u) + g_inh*(E_inh - u)"
    assert kit.noise() == ("sigma*xi", "sigma : second**-0.5 (shared, constant)")


def test_balanced_teaching_pulls_toward_the_target_with_nonnegative_conductances():
    """g_exc (E_exc - u) + g_inh (E_inh - u) = g (u_tgt - u), g_exc + g_inh = g, evaluated from the strings."""
    g, u_tgt, u, E_exc, E_inh = 0.8, 0.3, -0.4, 5.0, -5.0
    values = {"g_teach": g, "u_tgt": u_tgt, "u": u, "E_exc": E_exc, "E_inh": E_inh}
    for line in kit.balanced_teaching().lines:
        name, expression = line.split(" : ")[0].split(" = ")
        values[name] = eval(expression, {}, values)
    assert min(values["g_exc"], values["g_inh"]) >= 0 and values["g_exc"] + values["g_inh"] == pytest.approx(g)
    assert eval(kit.balanced_teaching().current, {}, values) == pytest.approx(g * (u_tgt - u))


def test_synapses_and_error_factors():
    assert kit.summed("a_lat", "q") == "a_lat_post = w*q_pre : 1 (summed)"
    assert kit.plastic() == ["w : 1"]
    assert kit.plastic("e_B_post*r_pre", filtered=True) == [
        "dw/dt = eta*induction : 1 (clock-driven)",
        "dinduction/dt = (e_B_post*r_pre - induction)/tau_w : 1 (clock-driven)",
        "eta : 1/second (shared, constant)",
    ]
    spiking = kit.spiking_synapses("v_B", "e_B")
    assert spiking["on_pre"] == "v_B_post += w*n_spikes_pre/psi_pre/tau_s_post\nw += eta*e_B_post*n_spikes_pre/psi_pre"
    # The mechanism reads any model's table; here the microcircuit's, in table order.
    factors = kit.error_factors(PATHWAY_TABLE, {"top_down", "bottom_up", "pi"}, PHI, PyramidalParams.EXPRESSIONS)
    assert list(factors) == ["e_B", "e_A", "e_TD"]
    assert factors["e_A"] == "-v_A" and factors["e_TD"] == "r - (1.0/(1.0 + exp(-(v_TD))))"
    assert factors["e_B"] == f"r - {PHI.expression(PyramidalParams.EXPRESSIONS['basal_attenuation'] + '*v_B')}"
    assert kit.error_code({"e_B": "r - 1", "e_A": "-v_A"}) == "e_B = r - 1\ne_A = -v_A"
    assert kit.prediction_error(PHI, "v", "a", rate=kit.spike_rate()) == "n_spikes/(psi*dt) - (1.0/(1.0 + exp(-(a*v))))"


def test_check_arrays_defaults_and_refusals():
    inputs, targets, nudging = kit.check_arrays(2, np.ones((2, 3)), None, None, 3, 1)
    assert targets.shape == (2, 1) and not nudging.any()
    assert kit.check_arrays(2, np.ones((2, 3)), np.ones((2, 1)), None, 3, 1)[2].tolist() == [1.0, 1.0]
    with pytest.raises(ParameterError, match=r"nudging must lie in \[0, 1\], got range \[2, 2\]"):
        kit.check_arrays(1, np.ones((1, 3)), np.ones((1, 1)), [2.0], 3, 1)
    with pytest.raises(ParameterError, match=r"inputs"):
        kit.check_arrays(1, np.ones((1, 2)), None, None, 3, 1)


def test_the_base_derives_the_examples_bookkeeping():
    params = TwoCompartmentParams(sizes=(9, 30, 3), eta=0.001 / ms)
    model = model_for(params)
    zero = model.zero_state(params)
    assert {k: v.shape for k, v in zero.weights.items()} == {"dendrite_1": (30, 9), "dendrite_2": (3, 30)}
    assert list(zero.potentials) == ["neuron_1.u", "neuron_1.v_D", "neuron_2.u", "neuron_2.v_D"]
    labels = model.labels(params)
    assert labels["neuron_2"]["v_D"] == Label("neuron", 2, "dendrite", "voltage")
    assert labels["dendrite_2"]["w"].population == "dendrite" and labels["dendrite_2"]["w"].layer == 2
    assert set(model.structure(params)) == {"type", "sizes", "phi", "dt"}  # conductances and eta: run time
    arrays, eta = model.check_run(params, 2, np.zeros((2, 9)), np.zeros((2, 3)))
    assert list(arrays) == ["rates", "target", "nudging"] and arrays["nudging"].tolist() == [1, 1] and eta == params.eta


def _build(params):
    model = model_for(params)
    timed = {name: TimedArray(np.zeros((1, 40)) if name != "nudging" else np.zeros(1), dt=ms) for name in model.inputs}
    return model, model.build(params, timed, {})


@pytest.fixture
def runtime():
    previous = brian2.prefs.codegen.target
    brian2.set_device("runtime")
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.codegen.target = previous


@pytest.mark.parametrize("name", ["microcircuit", "error_neurons", "two_compartment"])
def test_load_state_then_read_state_gives_the_state_back(runtime, rng, name):
    params = {
        "microcircuit": FIG1.replace(sizes=(3, 4, 2, 2), eta=LearningRates(0.001 / ms, 0.001 / ms, 0.001 / ms)),
        "error_neurons": ErrorNeuronParams(sizes=(3, 4, 2, 2)),
        "two_compartment": TwoCompartmentParams(sizes=(3, 4, 2), eta=0.002 / ms),
    }[name]
    model, circuit = _build(params)
    zero = model.zero_state(params)
    state = NetworkState(
        {k: rng.normal(size=v.shape) for k, v in zero.weights.items()},
        {k: rng.normal(size=v.shape) for k, v in zero.synapses.items()},
        {k: rng.normal(size=v.shape) for k, v in zero.potentials.items()},
    )
    for view, value in model.load_state(circuit, params, state, getattr(params, "rates", params.eta), True).items():
        view.set_item(slice(None), value)
    back = model.read_state(circuit)
    for part in ("weights", "synapses", "potentials"):
        mine, theirs = getattr(back, part), getattr(state, part)
        assert sorted(mine) == sorted(getattr(zero, part))
        for key, value in theirs.items():
            np.testing.assert_array_equal(mine[key], value)


def test_load_state_sets_the_error_neurons_values_in_the_hand_written_order(runtime):
    """The order of load_state is the order of the standalone code that sets them: it must not move."""
    params = ErrorNeuronParams(sizes=(2, 2, 1))
    model, circuit = _build(params)
    views = model.load_state(circuit, params, model.zero_state(params), params.rates, True)
    names = [f"{view.group.name}.{view.name}" for view in views]
    assert names[:11] == [
        *("representation_1.g_l", "representation_1.g_bas", "representation_1.g_api", "error_1.g_l", "error_1.g_E"),
        *("representation_2.g_l", "representation_2.g_bas", "representation_2.g_api", "error_2.g_l", "error_2.g_E"),
        "forward_1.eta",
    ]
    assert names[12:16] == ["forward_1.w", "forward_2.w", "forward_2.b", "lateral_ip_1.w"]


def test_a_population_named_without_its_layer_is_refused_naming_it():
    from brian_dendrites import kit

    class Unlayered(kit.ModelBase):
        def populations(self, params):
            return {"inputs": kit.Population(2, {"r": ("rate", "rate")})}

        def projections(self, params):
            return []

    with pytest.raises(ParameterError, match="population 'inputs' gives .* must be '<population>_<layer>'"):
        Unlayered().labels(None)
