"""API values that were silently coerced or ended in raw errors are refused with one ParameterError line
naming the parameter and its allowed range (issue 24). No network is built here."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms
from hypothesis import given, settings
from hypothesis import strategies as st
from networks import DEEP

from brian_dendrites import (
    FIG1,
    ErrorNeuronParams,
    MicrocircuitParams,
    ParameterError,
    Probe,
    PyramidalParams,
    Simulation,
    random_weights,
)
from brian_dendrites.models import error_neurons
from brian_dendrites.models.error_neurons import ERROR_NEURONS
from brian_dendrites.models.error_neurons.steady_state import SteadyStateEngine as ErrorNeuronEngine
from brian_dendrites.models.microcircuit import InterneuronParams, SpikingParams
from brian_dendrites.models.microcircuit.model import MICROCIRCUIT
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine

# -- records: every real-valued field refuses complex numbers, bools and strings -----------------

#: Values that are no real number, though NumPy or float() would turn some of them into one.
_NOT_REAL = [np.complex128(0.5), 0.5 + 0j, True, np.True_, "0.5", None, [0.5], np.array(0.5)]


@pytest.mark.parametrize("value", _NOT_REAL, ids=repr)
@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda v: InterneuronParams(gamma=v), r"InterneuronParams\.gamma must be a finite real number in \[0, 1\]"),
        (lambda v: FIG1.replace(E_exc=v), r"E_exc must be a finite real number \(a dimensionless potential\)"),
        (lambda v: FIG1.replace(E_inh=v), r"E_inh must be a finite real number \(a dimensionless potential\)"),
    ],
)
def test_dimensionless_fields_refuse_what_is_no_real_number(make, name, value):
    with pytest.raises(ParameterError, match=name):
        make(value)


@pytest.mark.parametrize("value", [(100 + 1j) / ms, "100/ms", np.complex128(100), True, 100.0, 100 * ms**2], ids=repr)
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda v: SpikingParams(psi=v), r"SpikingParams\.psi must be a finite rate .* > 0, got"),
        (lambda v: PyramidalParams(g_B=v), r"PyramidalParams\.g_B must be a finite conductance .* >= 0, got"),
        (lambda v: InterneuronParams(sigma=v), r"InterneuronParams\.sigma must be a finite noise amplitude"),
        (lambda v: FIG1.replace(dt=v), r"dt must be a finite time .* > 0, got"),
        (lambda v: ErrorNeuronParams(g_l=v), r"g_l must be a finite rate in 1/time .* > 0, got"),
        (lambda v: ErrorNeuronParams(dt=v), r"dt must be a time > 0"),
    ],
)
def test_quantity_fields_refuse_complex_strings_and_plain_numbers(make, message, value):
    with pytest.raises(ParameterError, match=message):
        make(value)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.floats(0, 1).map(lambda v: (v, True)),
        st.floats(0, 1).map(lambda v: (np.float32(v), True)),
        st.sampled_from([0, 1, np.int64(1)]).map(lambda v: (v, True)),
        st.floats(0, 1).map(lambda v: (complex(v, 0), False)),
        st.floats(0, 1).map(lambda v: (np.complex64(v), False)),
        st.floats(0, 1).map(lambda v: (str(v), False)),
        st.sampled_from([True, False, np.True_, np.nan, -0.1, 1.5]).map(lambda v: (v, False)),
    )
)
def test_gamma_is_accepted_exactly_when_a_real_number_in_0_1(drawn):
    value, valid = drawn
    if valid:
        assert InterneuronParams(gamma=value).gamma == value
    else:
        with pytest.raises(ParameterError, match=r"^InterneuronParams\.gamma must be a finite real number in \[0, 1\]"):
            InterneuronParams(gamma=value)


def test_shared_checks_name_the_value_and_its_range():
    from brian_dendrites.validation import check_integer, check_real

    assert check_integer("n", np.int32(3), 1) == 3
    assert check_real("x", np.float32(0.5), 0, 1) == 0.5
    for value in (True, 2.0, "2", 2 + 0j, None):
        with pytest.raises(ParameterError, match=r"^n must be an integer >= 1, got"):
            check_integer("n", value, 1)
    with pytest.raises(ParameterError, match=r"^n must be an integer in \[0, 3\], got 4$"):
        check_integer("n", 4, 0, 3)
    with pytest.raises(ParameterError, match=r"^x must be a finite real number, got inf$"):
        check_real("x", float("inf"))
    with pytest.raises(ParameterError, match=r"^x must be a finite real number >= 0, got inf$"):
        check_real("x", float("inf"), 0)


def test_repeated_names_the_first_value_that_repeats():
    from brian_dendrites.validation import repeated

    assert repeated((3, 1, 4, 1, 3)) == 1
    assert repeated((0, 1, 2)) is None and repeated(()) is None


# -- arrays: bools, complex numbers and strings are refused before any conversion ----------------


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (np.full((2, 3), True), "bool"),
        (np.full((2, 3), 0.5 + 0j), "complex128"),
        (np.full((2, 3), 0.5 + 0.5j), "complex128"),
        (np.full((2, 3), "0.5"), "<U3"),
        ([[0.5, 0.5, "1"]] * 2, "<U32"),
        (np.full((2, 3), None), "object"),
    ],
)
def test_finite_array_refuses_arrays_of_other_than_real_numbers(value, dtype):
    from brian_dendrites.validation import finite_array

    with pytest.raises(ParameterError, match=rf"^inputs must be an array of real numbers .*got dtype {dtype}$"):
        finite_array("inputs", value, (2, 3), "(n_patterns, n_input)")


def test_finite_array_keeps_integers_and_floats():
    from brian_dendrites.validation import finite_array

    np.testing.assert_array_equal(finite_array("a", [[1, 2]], (1, 2), "(1, 2)"), [[1.0, 2.0]])
    array = np.array([[0.25, 0.5]])
    assert finite_array("a", array, (1, 2), "(1, 2)") is array


def _simulation(params=FIG1, **kwargs):
    return Simulation(params, 2, 1 * ms, record_dt=0.5 * ms, target="numpy", **kwargs)


@pytest.mark.parametrize(
    ("inputs", "targets", "message"),
    [
        (np.full((2, 30), "0.5"), None, r"^inputs must be an array of real numbers .*dtype <U3$"),
        (np.full((2, 30), 0.5 + 0j), None, r"^inputs must be an array of real numbers .*dtype complex128$"),
        (np.ones((2, 30), bool), None, r"^inputs must be an array of real numbers .*dtype bool$"),
        (np.ones((2, 30)), np.full((2, 10), 0.5 + 0j), r"^targets must be an array of real numbers .*complex128$"),
        (np.ones((2, 30)), np.zeros((2, 10), bool), r"^targets must be an array of real numbers .*dtype bool$"),
    ],
)
def test_run_refuses_inputs_and_targets_of_other_than_real_numbers(inputs, targets, message):
    with pytest.raises(ParameterError, match=message):
        _simulation().run(MICROCIRCUIT.zero_state(FIG1), inputs, targets)


def test_error_neuron_run_refuses_complex_and_string_arrays():
    params = ErrorNeuronParams()
    sim = Simulation(params, 2, 0.1 * ms, record_dt=0.05 * ms, target="numpy")
    zero = ERROR_NEURONS.zero_state(params)
    with pytest.raises(ParameterError, match=r"^inputs must be an array of real numbers .*dtype complex128$"):
        sim.run(zero, np.full((2, 4), 0.5 + 0j), np.zeros((2, 1)))
    with pytest.raises(ParameterError, match=r"^targets must be an array of real numbers .*dtype <U3$"):
        sim.run(zero, np.zeros((2, 4)), np.full((2, 1), "0.5"))
    with pytest.raises(ParameterError, match=r"^nudging must be an array of real numbers .*dtype bool$"):
        sim.run(zero, np.zeros((2, 4)), np.zeros((2, 1)), np.ones(2, bool))


# -- what a Simulation records ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indices", "shown"),
    [
        ((0.5,), r"\(0\.5,\)"),
        (("a",), r"\('a',\)"),
        ((True,), r"\(True,\)"),
        (3, "3"),
        (np.array(3), r"array\(3\)"),  # a single value, not a sequence
        ((), r"\(\)"),
        ((1, 1), ""),
    ],
)
def test_probe_refuses_indices_that_are_no_distinct_integers(indices, shown):
    with pytest.raises(
        ParameterError, match=rf"^Probe\.indices must be distinct indices >= 0 \(integers\).*got {shown}"
    ):
        Probe(("u",), indices=indices)


def test_probe_keeps_integer_indices_as_ints():
    probe = Probe(["u"], indices=np.array([2, 0]))
    assert probe.indices == (2, 0) and all(type(i) is int for i in probe.indices)
    with pytest.raises(ParameterError, match=r"^Probe\.variables must be a list of variable names"):
        Probe(None)
    with pytest.raises(ParameterError, match=r"^Probe\.variables must be a list of variable names"):
        Probe(np.array("u"))


def test_generators_of_variables_and_indices_are_read_once():
    probe = Probe((v for v in ["u", "v"]), indices=(i for i in [2, 0]))
    assert probe == Probe(("u", "v"), indices=(2, 0))
    assert _simulation(record={"pyramidal_1": (v for v in ["u"])}).record["pyramidal_1"] == Probe(("u",))
    with pytest.raises(ParameterError, match=r"^record\['pyramidal_1'\] must be a list of variable names"):
        _simulation(record={"pyramidal_1": np.array("u")})


def test_simulation_refuses_spikes_none_and_a_record_of_none():
    with pytest.raises(ParameterError, match=r"^spikes must be a list of group names \(empty: none\), got None$"):
        _simulation(spikes=None)
    with pytest.raises(ParameterError, match=r"^record\['pyramidal_1'\] must be a list of variable names"):
        _simulation(record={"pyramidal_1": None})
    assert _simulation(spikes=iter(())).spikes == ()


# -- the steady-state engine checks its arguments as Simulation does -------------------------------


@pytest.fixture
def deep(rng):
    weights = random_weights(DEEP, rng)
    biases = {name: rng.normal(size=w.shape[0]) for name, w in weights.items()}
    x, u_tgt = rng.uniform(0, 1, (4, DEEP.sizes[0])), rng.uniform(-1, 1, (4, DEEP.sizes[-1]))
    return SteadyStateEngine(DEEP), weights, biases, x, u_tgt


def _without(mapping: dict, name: str) -> dict:
    return {k: v for k, v in mapping.items() if k != name}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w, b, x, u: (w, b, x[:, :4], u), r"^x must have shape \(batch, n_0\) = \(4, 5\), got \(4, 4\)$"),
        (lambda w, b, x, u: (w, b, x[0], u), r"^x must have shape \(batch, n_0\) = \(batch, 5\), got \(5,\)$"),
        (lambda w, b, x, u: (w, b, x, u[:3]), r"^u_tgt must have shape x's \(batch, n_N\) = \(4, 2\), got \(3, 2\)$"),
        (lambda w, b, x, u: (w, b, x, u[:, :1]), r"^u_tgt must have shape .* = \(4, 2\), got \(4, 1\)$"),
        (lambda w, b, x, u: (w, b, np.full_like(x, np.nan), u), r"^x must be finite, found NaN or inf$"),
        (lambda w, b, x, u: (w, b, x, u + np.inf), r"^u_tgt must be finite, found NaN or inf$"),
        (lambda w, b, x, u: (w, b, x + 0j, u), r"^x must be a NumPy array or PyTorch tensor of real numbers.*complex"),
        (lambda w, b, x, u: (w, b, x > 0.5, u), r"^x must be a NumPy array or PyTorch tensor of real numbers.*bool$"),
        (lambda w, b, x, u: (w, b, x.tolist(), u), r"^x must be a NumPy array or PyTorch tensor .*got list$"),
        (
            lambda w, b, x, u: (_without(w, "pi_2"), b, x, u),
            r"^weights lacks 'pi_2'; this network needs \['bottom_up_1'",
        ),
        (lambda w, b, x, u: (_without(w, "bottom_up_1"), b, x, u), r"^weights lacks 'bottom_up_1'"),
        (lambda w, b, x, u: (_without(w, "top_down_1"), b, x, u), r"^weights lacks 'top_down_1'"),
        (lambda w, b, x, u: (w, _without(b, "ip_1"), x, u), r"^biases lacks 'ip_1'; this network needs \["),
        (
            lambda w, b, x, u: (w | {"ip_1": w["ip_1"].T}, b, x, u),
            r"^weights\['ip_1'\] must have shape \(post, pre\) = \(3, 4\), got \(4, 3\)$",
        ),
        (
            lambda w, b, x, u: (w, b | {"bottom_up_2": b["bottom_up_1"]}, x, u),
            r"^biases\['bottom_up_2'\] must have shape \(post\) = \(3\), got \(4,\)$",
        ),
        (
            lambda w, b, x, u: (w | {"pi_1": w["pi_1"] + 0j}, b, x, u),
            r"^weights\['pi_1'\] must be a NumPy array .*complex128$",
        ),
        (
            lambda w, b, x, u: (list(w.values()), b, x, u),
            r"^weights and biases must be dicts of arrays by projection name",
        ),
    ],
)
def test_settle_refuses_arguments_that_do_not_fit(deep, change, message):
    engine, *arguments = deep
    with pytest.raises(ParameterError, match=message):
        engine.settle(*change(*arguments))


def test_settle_refuses_bad_sweeps_and_tolerance(deep):
    engine, weights, biases, x, u_tgt = deep
    with pytest.raises(ParameterError, match=r"^sweeps must be an integer >= 1, got 2\.0$"):
        engine.settle(weights, biases, x, u_tgt, sweeps=2.0)
    with pytest.raises(ParameterError, match=r"^tolerance must be a finite real number >= 0, got -1$"):
        engine.settle(weights, biases, x, u_tgt, sweeps=2, tolerance=-1)


def test_feedforward_needs_only_the_bottom_up_projections(deep):
    engine, weights, biases, x, _ = deep
    bottom_up = {name: w for name, w in weights.items() if name.startswith("bottom_up_")}
    np.testing.assert_array_equal(
        engine.feedforward(bottom_up, biases, x).r[-1], engine.settle(weights, biases, x).r[-1]
    )
    with pytest.raises(ParameterError, match=r"^x must be finite, found NaN or inf$"):
        engine.feedforward(bottom_up, biases, np.full_like(x, np.nan))
    with pytest.raises(ParameterError, match=r"^weights lacks 'bottom_up_3'; this network needs \['bottom_up_1', "):
        engine.feedforward(_without(bottom_up, "bottom_up_3"), biases, x)


def test_checked_and_unchecked_settle_give_the_same_numbers(deep):
    engine, weights, biases, x, u_tgt = deep
    checked, unchecked = engine.settle(weights, biases, x, u_tgt, 3), engine._settle(weights, biases, x, u_tgt, 3)
    for a, b in zip(checked.r[1:] + checked.u[1:], unchecked.r[1:] + unchecked.u[1:], strict=True):
        np.testing.assert_array_equal(a, b)


def test_settle_checks_a_stack_of_networks(deep):
    engine, weights, biases, x, u_tgt = deep
    stack = lambda d: {k: np.stack([v, v]) for k, v in d.items()}  # noqa: E731
    ws, bs, xs, us = stack(weights), stack(biases), np.stack([x, x]), np.stack([u_tgt, u_tgt])
    np.testing.assert_allclose(engine.settle(ws, bs, xs, us).r[-1][1], engine.settle(weights, biases, x, u_tgt).r[-1])
    engine.feedforward(ws, bs, x)  # one batch for every network of the stack
    with pytest.raises(
        ParameterError, match=r"^weights\['ip_1'\] must have shape \(networks, post, pre\) = \(2, 3, 4\)"
    ):
        engine.settle(ws | {"ip_1": weights["ip_1"]}, bs, xs, us)
    with pytest.raises(ParameterError, match=r"^x must have shape \(networks, batch, n_0\) = \(2, batch, 5\), got"):
        engine.settle(ws, bs, np.stack([x, x, x]), us)


# -- the error-neuron model's steady state -----------------------------------------------------------


@pytest.fixture
def error_network(rng):
    params = ErrorNeuronParams(sizes=(4, 3, 2))
    return params, error_neurons.random_weights(params, rng), rng.uniform(0, 1, (3, 4)), rng.uniform(-0.5, 0.5, (3, 2))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w, x, y: (w, x[:, :3], y), r"^x must have shape \(n_0,\) or \(batch, n_0\) = \(3, 4\), got \(3, 3\)$"),
        (lambda w, x, y: (w, x, y[:2]), r"^r_target must have shape x's \(n_N,\) or \(batch, n_N\) = \(3, 2\), got"),
        (lambda w, x, y: (w, x * np.nan, y), r"^x must be finite, found 12 NaN or inf$"),
        (lambda w, x, y: (w, x, y + 0j), r"^r_target must be an array of real numbers .*complex128$"),
        (lambda w, x, y: (w, x.astype(str), y), r"^x must be an array of real numbers .*dtype <U"),
        (lambda w, x, y: (_without(w, "feedback_1"), x, y), r"^weights lacks 'feedback_1'; this network needs \["),
        (lambda w, x, y: (w | {"lateral_ip_2": w["forward_2"]}, x, y), r"^weights\['lateral_ip_2'\] must have shape"),
        (lambda w, x, y: (w | {"forward_1": w["forward_1"] * np.inf}, x, y), r"^weights\['forward_1'\] must be finite"),
    ],
)
def test_error_neuron_settle_refuses_arguments_that_do_not_fit(error_network, change, message):
    params, *arguments = error_network
    with pytest.raises(ParameterError, match=message):
        ErrorNeuronEngine(params).settle(*change(*arguments))


def test_error_neuron_settle_and_feedforward_check_the_rest(error_network):
    params, weights, x, y = error_network
    engine = ErrorNeuronEngine(params)
    for kwargs, message in (
        ({"steps": 0}, r"^steps must be an integer >= 1, got 0$"),
        ({"tolerance": -1.0}, r"^tolerance must be a finite real number >= 0, got -1\.0$"),
        ({"converge": "yes"}, r"^converge must be True or False, got 'yes'$"),
    ):
        with pytest.raises(ParameterError, match=message):
            engine.settle(weights, x, y, **kwargs)
    with pytest.raises(ParameterError, match=r"^params must be an ErrorNeuronParams record, got MicrocircuitParams$"):
        ErrorNeuronEngine(MicrocircuitParams())
    forward = {name: w for name, w in weights.items() if name.startswith("forward_")}
    np.testing.assert_allclose(engine.feedforward(forward, x[0]).rates[-1], engine.feedforward(weights, x).rates[-1][0])
    with pytest.raises(ParameterError, match=r"^x must be finite"):
        engine.feedforward(forward, x * np.inf)


# -- protocol records ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"), [("chunk", 20.5), ("learning_chunks", True), ("self_prediction_chunks", "3"), ("chunk", 0)]
)
def test_fig1_config_counts_are_integers_at_least_1(name, value):
    from brian_dendrites.protocols.fig1 import Fig1Config

    with pytest.raises(ParameterError, match=rf"^{name} must be an integer >= 1, got {value!r}$"):
        Fig1Config(**{name: value})
    assert Fig1Config(chunk=np.int64(20), onset_pattern=2).chunk == 20
