"""Property-based checks (hypothesis): every invalid record, shape or value is refused on construction
with a message naming the field; every valid record builds a Brian2 network."""

from __future__ import annotations

import brian2
import numpy as np
from brian2 import Network, TimedArray, ms
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brian_dendrites import FIG1, LearningRates, Logistic, MicrocircuitParams, ParameterError, PyramidalParams
from brian_dendrites.models.microcircuit import InterneuronParams, build_microcircuit
from brian_dendrites.models.microcircuit.model import check_inputs
from brian_dendrites.models.microcircuit.network import group_sizes

# (value, valid) pairs; the test decides validity from how a value was drawn, never from the package.
_finite = st.floats(0, 5, allow_nan=False)
_bad_number = st.one_of(st.floats(-5, -1e-6), st.just(np.nan), st.just(np.inf))
_conductance = st.one_of(
    _finite.map(lambda x: (x / ms, True)),
    _bad_number.map(lambda x: (x / ms, False)),
    _finite.map(lambda x: (x * ms, False)),  # wrong unit
    _finite.map(lambda x: (x, False)),  # no unit
    _finite.map(lambda x: (complex(x, 1) / ms, False)),  # no real number
    _finite.map(lambda x: (f"{x}/ms", False)),  # a string, not a quantity
)
_sigma = st.one_of(
    _finite.map(lambda x: (x * ms**-0.5, True)),
    _bad_number.map(lambda x: (x * ms**-0.5, False)),
    _finite.map(lambda x: (x / ms, False)),
)


@st.composite
def _layer(draw, kind):
    names = ("g_lk", "g_B", "g_A", "g_som") if kind is PyramidalParams else ("g_lk", "g_D", "g_som")
    fields = {name: draw(_conductance) for name in names} | {"sigma": draw(_sigma)}
    return kind, {name: value for name, (value, _) in fields.items()}, [n for n, (_, ok) in fields.items() if not ok]


@settings(max_examples=150, deadline=None)
@given(st.one_of(_layer(PyramidalParams), _layer(InterneuronParams)))
def test_layer_records_refuse_exactly_the_invalid_fields(drawn):
    kind, fields, invalid = drawn
    if not invalid:
        kind(**fields)
        return
    try:
        kind(**fields)
    except ParameterError as error:
        assert any(str(error).startswith(f"{kind.__name__}.{name} ") for name in invalid), (str(error), invalid)
    else:
        raise AssertionError(f"{kind.__name__}({fields}) was accepted although {invalid} are invalid")


@st.composite
def _network(draw):
    """Keyword arguments of MicrocircuitParams and the names of the fields drawn invalid.

    Each field is drawn valid with probability 4/5, so that about a quarter of the records are valid.
    """

    def valid() -> bool:
        return draw(st.integers(0, 4)) > 0

    kwargs, invalid = {"phi": Logistic()}, []
    if valid():
        sizes = draw(st.lists(st.integers(1, 6), min_size=2, max_size=5))
    else:
        sizes = draw(st.one_of(st.lists(st.integers(1, 6), max_size=1), st.lists(st.integers(-2, 0), min_size=2)))
        invalid.append("sizes")
    kwargs["sizes"] = tuple(sizes)
    if not invalid:  # per-layer tuples: valid with one entry per layer (or, for hidden, one shared record)
        n = len(sizes) - 1
        hidden = draw(st.sampled_from([0, n - 1])) if valid() else draw(st.integers(1, 4).filter(lambda k: k != n - 1))
        rates = n if valid() else draw(st.integers(1, 4).filter(lambda k: k != n))
        kwargs["hidden"] = (PyramidalParams(),) * hidden if hidden else PyramidalParams()
        kwargs["eta"] = LearningRates(bottom_up=(0.001 / ms,) * rates)
        invalid += ["hidden"] if hidden and hidden != n - 1 else []
        invalid += ["eta.bottom_up"] if rates != n else []
    # dt * (g_lk + g_B + g_A) must stay below 1 for the default conductances (1.9/ms): dt < 0.526 ms.
    dt_ok = valid()
    dt = draw(st.floats(0.01, 0.5) if dt_ok else st.sampled_from([-0.1, 0.0, 0.6, np.nan]))
    kwargs["dt"] = dt * ms
    invalid += [] if dt_ok else ["dt"]
    steps = draw(st.one_of(st.none(), st.integers(1, 20).map(float)) if valid() else st.sampled_from([0.5, 1.5, -2.0]))
    if steps is not None:
        kwargs["dt_plasticity"] = steps * dt * ms
        invalid += [] if steps >= 1 and steps == int(steps) and dt_ok else ["dt_plasticity"]
    reversal = [(1.0, -1.0), (50.0, -50.0)] if valid() else [(-1.0, 1.0), (np.nan, 0.0)]
    kwargs["E_exc"], kwargs["E_inh"] = draw(st.sampled_from(reversal))
    invalid += [] if kwargs["E_exc"] > kwargs["E_inh"] else ["E_exc"]
    return kwargs, invalid


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_network())
def test_network_records_refuse_invalid_fields_and_valid_ones_build(drawn):
    kwargs, invalid = drawn
    if invalid:
        try:
            MicrocircuitParams(**kwargs)
        except ParameterError as error:
            assert any(name in str(error) for name in invalid), (str(error), invalid)
        else:
            raise AssertionError(f"MicrocircuitParams({kwargs}) was accepted although {invalid} are invalid")
        return
    params = MicrocircuitParams(**kwargs)
    brian2.set_device("runtime")
    n_in, n_out = params.sizes[0], params.sizes[-1]
    arrays = (np.zeros((1, n_in)), np.zeros((1, n_out)), np.zeros(1))
    timed = [
        TimedArray(a, dt=100 * ms, name=name)
        for a, name in zip(arrays, ("r_pattern", "u_target", "nudging"), strict=True)
    ]
    circuit = build_microcircuit(params, *timed)
    Network(*circuit.objects)
    assert sorted(circuit.groups) == sorted(group_sizes(params.sizes))
    assert {name: len(group) for name, group in circuit.groups.items()} == group_sizes(params.sizes)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(25, 35),
    st.sampled_from(["ok", "negative", "nan", "inf"]),
    st.booleans(),
)
def test_run_inputs_are_refused_exactly_when_invalid(n_patterns, width, value, signed):
    params = FIG1.replace(signed_inputs=signed)
    inputs = np.full((n_patterns, width), 0.5)
    inputs[-1, -1] = {"ok": 0.0, "negative": -0.5, "nan": np.nan, "inf": np.inf}[value]
    expected = None
    if width != 30:
        expected = "inputs must have shape"
    elif value in ("nan", "inf"):
        expected = "inputs must be finite"
    elif value == "negative" and not signed:
        expected = "inputs are rates and must be >= 0"
    if expected is None:
        checked, _, _ = check_inputs(params, n_patterns, inputs)
        np.testing.assert_array_equal(checked, inputs)
    else:
        try:
            check_inputs(params, n_patterns, inputs)
        except ParameterError as error:
            assert expected in str(error)
        else:
            raise AssertionError(f"inputs {value!r} of width {width} were accepted")
