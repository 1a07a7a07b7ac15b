"""Bad input fails at once, with a message naming the parameter; divergence stops a run."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms

from brian_dendrites import (
    FIG1,
    DivergenceError,
    LearningRates,
    MicrocircuitParams,
    NetworkState,
    ParameterError,
    PyramidalParams,
    Simulation,
    random_weights,
)
from brian_dendrites.cli import main
from brian_dendrites.models.microcircuit import InterneuronParams
from brian_dendrites.models.microcircuit.model import check_inputs
from brian_dendrites.transfer import transfer_function


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sizes": ()}, "sizes"),
        ({"sizes": (30,)}, "sizes"),
        ({"sizes": (30, 0, 10)}, r"sizes\[1\]"),
        ({"sizes": (30, 2.5, 10)}, r"sizes\[1\]"),
        ({"sizes": (30, -1, 10)}, r"sizes\[1\] must be an integer >= 1, got -1"),
        ({"dt": 1.0 * ms}, r"dt=.*conductances of hidden\[0\].*dt < 0.526"),
        ({"dt": -0.1 * ms}, "dt must be a finite time"),
        ({"tau_w": 0 * ms}, "tau_w"),
        ({"E_exc": -2.0}, "E_exc > E_inh"),
        ({"E_exc": float("nan")}, "E_exc must be a finite real number"),
        ({"plastic": frozenset({"lateral"})}, "plastic must be a set of pathways among"),
        ({"phi": "tanh"}, "phi"),
        ({"output": PyramidalParams()}, "output.g_A must be 0"),
        ({"dt_plasticity": -1 * ms}, "dt_plasticity must be a finite time"),
        ({"dt_plasticity": 0.05 * ms}, "dt_plasticity must be None or a whole multiple >= 1 of dt"),
        ({"dt_plasticity": 0.25 * ms}, "dt_plasticity must be None or a whole multiple >= 1 of dt"),
        ({"hidden": (PyramidalParams(), PyramidalParams())}, r"hidden must be one PyramidalParams or a tuple of 1"),
        ({"interneuron": ()}, r"interneuron must be one InterneuronParams or a tuple of 1"),
        ({"eta": LearningRates(bottom_up=(1 / ms,) * 3)}, r"eta.bottom_up needs one rate or 2"),
        ({"eta": LearningRates(ip=(1 / ms,) * 2)}, r"eta.ip needs one rate or 1"),
    ],
)
def test_bad_parameters_are_refused_on_construction(changes, message):
    with pytest.raises(ParameterError, match=message):
        FIG1.replace(**changes)
    with pytest.raises(ParameterError, match=message):
        MicrocircuitParams(**({"sizes": (30, 20, 10)} | changes))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: PyramidalParams(g_B=-1 / ms), "PyramidalParams.g_B must be a finite conductance"),
        (lambda: PyramidalParams(g_lk=0.1), r"PyramidalParams.g_lk must be a finite conductance in 1/time"),
        (lambda: PyramidalParams(sigma=-0.1 * ms**-0.5), "PyramidalParams.sigma"),
        (lambda: PyramidalParams(sigma=np.inf * ms**-0.5), "PyramidalParams.sigma must be a finite noise amplitude"),
        (lambda: InterneuronParams(g_D=-1 / ms), "InterneuronParams.g_D"),
        (lambda: InterneuronParams(g_som=np.nan / ms), "InterneuronParams.g_som"),
        (lambda: LearningRates(ip=np.inf / ms), r"eta.ip must be a finite rate"),
        (lambda: LearningRates(bottom_up=(1 / ms, -1 / ms)), r"eta.bottom_up\[1\]"),
        (lambda: LearningRates(pi=0.1), r"eta.pi must be a finite rate in 1/time"),
    ],
)
def test_bad_layer_records_are_refused_on_construction(make, message):
    with pytest.raises(ParameterError, match=message):
        make()


def test_unknown_transfer_function_lists_the_choices():
    choices = r"\['logistic', 'soft_rectifier', 'tanh'\]"
    with pytest.raises(ParameterError, match=rf"transfer function must be one of {choices}"):
        transfer_function("relu")


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (np.full((3, 10), np.nan), "targets must be finite"),
        (np.full((3, 10), np.inf), "targets must be finite"),
        (np.zeros((3, 9)), r"targets must have shape"),
        (np.full((3, 10), 5.0), r"\[E_inh, E_exc\] = \[-1.0, 1.0\]"),
    ],
)
def test_bad_targets_fail_at_once(targets, message):
    with pytest.raises(ValueError, match=message):
        check_inputs(FIG1, 3, np.zeros((3, 30)), targets)


def test_bad_inputs_fail_at_once():
    with pytest.raises(ParameterError, match="inputs must have shape"):
        check_inputs(FIG1, 3, np.zeros((3, 29)))
    with pytest.raises(ParameterError, match="inputs must be finite"):
        check_inputs(FIG1, 3, np.full((3, 30), np.nan))
    with pytest.raises(ParameterError, match=r"inputs are rates and must be >= 0.*signed_inputs=True"):
        check_inputs(FIG1, 3, np.full((3, 30), -0.5))
    check_inputs(FIG1.replace(signed_inputs=True), 3, np.full((3, 30), -0.5))  # the regression task's U(-1, 1)
    with pytest.raises(ParameterError, match="nudging must be finite"):
        check_inputs(FIG1, 3, np.zeros((3, 30)), np.zeros((3, 10)), np.array([1.0, np.nan, 0.0]))
    with pytest.raises(ParameterError, match="n_patterns"):
        Simulation(FIG1, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"record": {"pyramidal_1": "v_A"}}, r"record\['pyramidal_1'\] must be a list of variable names"),
        (
            {"record": {"pyramid_1": ["u"]}},
            r"unknown group 'pyramid_1'; groups: \['bottom_up_1', 'bottom_up_2', 'input_0', 'interneuron_1'",
        ),
        (
            {"record": {"pyramidal_2": ["v_A"]}},
            r"unknown or no variables \['v_A'\]; choose from \('u', 'v_B', 'r', 'e_B'\)",
        ),
        ({"record": {"interneuron_1": []}}, r"record\['interneuron_1'\]: unknown or no variables"),
        ({"record_dt": 0.05 * ms}, "record_dt must be a whole multiple >= 1 of dt"),
        ({"pattern_duration": 100.05 * ms}, "pattern_duration must be a whole multiple >= 1 of dt"),
        ({"pattern_duration": 100}, "pattern_duration must be a whole multiple"),
        ({"target": "cuda"}, r"target must be one of \('cpp_standalone', 'cuda_standalone', 'cython', 'numpy'\)"),
        ({"name": "../x"}, "name must be letters, digits"),
    ],
)
def test_bad_simulation_arguments_name_the_argument(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        Simulation(FIG1, 10, **kwargs)


def _fresh_simulation() -> Simulation:
    return Simulation(FIG1, 10, record={"pyramidal_1": ["u"]})


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda s: s.weights["bottom_up_1"].__setitem__((0, 0), np.nan),
            r"state.weights\['bottom_up_1'\] must be finite",
        ),
        (lambda s: s.weights.pop("pi_1"), r"state.weights lacks \['pi_1'\]"),
        (lambda s: s.weights.__setitem__("ip_1", np.zeros((20, 10))), r"state.weights\['ip_1'\] must have shape"),
        (lambda s: s.weights.__setitem__("lateral_1", np.zeros((2, 2))), "unknown entry 'lateral_1'"),
        (lambda s: s.potentials.__setitem__("pyramidal_1.u", np.full(20, np.inf)), "potentials.*must be finite"),
        (lambda s: s.potentials.__setitem__("pyramidal_1.u", np.zeros(3)), r"potentials.*must have shape"),
    ],
)
def test_a_bad_state_is_refused_before_any_build(damage, message, rng):
    state = NetworkState(random_weights(FIG1, rng))
    damage(state)
    sim = _fresh_simulation()
    with pytest.raises(ParameterError, match=message):
        sim.run(state, rng.uniform(0, 1, (10, 30)))
    assert sim._built is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nudging": np.full(10, np.nan), "targets": np.zeros((10, 10))}, "nudging must be finite"),
        ({"eta": LearningRates(bottom_up=(1 / ms,) * 3)}, "eta.bottom_up needs one rate or 2"),
        ({"eta": 0.1}, "eta must be a LearningRates record"),
        ({"seed": -1}, r"seed must be an integer in \[0, 2\*\*32\)"),
        ({"state": {"bottom_up_1": np.zeros((20, 30))}}, "state must be a NetworkState, got dict"),
        ({"params": FIG1.replace(sizes=(30, 21, 10))}, "may differ from the simulation.s only in"),
    ],
)
def test_bad_run_arguments_are_refused_before_any_build(kwargs, message, rng):
    sim = _fresh_simulation()
    kwargs = {"state": NetworkState(random_weights(FIG1, rng))} | kwargs
    with pytest.raises(ParameterError, match=message):
        sim.run(inputs=rng.uniform(0, 1, (10, 30)), **kwargs)
    assert sim._built is None


@pytest.mark.slow
@pytest.mark.standalone
def test_a_diverging_run_raises_and_returns_nothing(fig1_simulation, rng):
    weights = random_weights(FIG1, rng, 1e300)
    with pytest.raises(DivergenceError, match="NaN or infinite|diverged"):
        fig1_simulation.run(NetworkState(weights), rng.uniform(0, 1, (fig1_simulation.n_patterns, 30)))


@pytest.mark.slow
@pytest.mark.standalone
def test_cli_writes_nothing_when_the_run_diverges(tmp_path, capsys, monkeypatch):
    from brian_dendrites.protocols import fig1

    original = fig1.Fig1Config
    monkeypatch.setattr(fig1, "Fig1Config", lambda **kw: original(weight_scale=1e300, **kw))
    out = tmp_path / "out"
    code = main(["fig1", "--out", str(out), "--quiet", "--self-prediction-chunks", "1", "--learning-chunks", "1"])
    assert code == 1
    assert "diverged" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
