"""Bad input fails at once, with a message naming the parameter; divergence stops a run."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms
from brian_dendrites.models.microcircuit import InterneuronParams

from brian_dendrites import FIG1, DivergenceError, NetworkState, PyramidalParams, Simulation, random_weights
from brian_dendrites.cli import main
from brian_dendrites.transfer import transfer_function
from brian_dendrites.validation import check_inputs, check_params


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sizes": ()}, "sizes"),
        ({"sizes": (30,)}, "sizes"),
        ({"sizes": (30, 0, 10)}, r"sizes\[1\]"),
        ({"sizes": (30, 2.5, 10)}, r"sizes\[1\]"),
        ({"hidden": PyramidalParams(g_B=-1 / ms)}, r"hidden\[0\].g_B"),
        ({"output": PyramidalParams(g_A=0 / ms, g_som=-0.1 / ms)}, "output.g_som"),
        ({"interneuron": InterneuronParams(g_D=-1 / ms)}, r"interneuron\[0\].g_D"),
        ({"hidden": PyramidalParams(g_lk=0.1)}, r"hidden\[0\].g_lk.*1/time"),
        ({"hidden": PyramidalParams(sigma=-0.1 * ms**-0.5)}, r"hidden\[0\].sigma"),
        ({"dt": 1.0 * ms}, r"dt=.*too large.*hidden\[0\].*dt < 0.526"),
        ({"dt": -0.1 * ms}, "dt"),
        ({"tau_w": 0 * ms}, "tau_w"),
        ({"E_exc": -2.0}, "E_exc > E_inh"),
        ({"plastic": frozenset({"lateral"})}, "plastic pathways"),
        ({"phi": "tanh"}, "phi"),
        ({"output": PyramidalParams()}, "output.g_A must be 0"),
    ],
)
def test_bad_parameters_name_the_parameter(changes, message):
    with pytest.raises(ValueError, match=message):
        check_params(FIG1.replace(**changes))


def test_unknown_transfer_function_lists_the_choices():
    with pytest.raises(ValueError, match=r"transfer function must be one of \['logistic', 'soft_rectifier'\]"):
        transfer_function("tanh")


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
    with pytest.raises(ValueError, match="inputs must have shape"):
        check_inputs(FIG1, 3, np.zeros((3, 29)))
    with pytest.raises(ValueError, match="inputs must be finite"):
        check_inputs(FIG1, 3, np.full((3, 30), np.nan))
    with pytest.raises(ValueError, match="n_patterns"):
        Simulation(FIG1, 0)


def test_a_diverging_run_raises_and_returns_nothing(fig1_simulation, rng):
    weights = random_weights(FIG1, rng, 1e300)
    with pytest.raises(DivergenceError, match="NaN or infinite|diverged"):
        fig1_simulation.run(NetworkState(weights), rng.uniform(0, 1, (fig1_simulation.n_patterns, 30)))


def test_cli_writes_nothing_when_the_run_diverges(tmp_path, capsys, monkeypatch):
    from brian_dendrites.protocols import fig1

    original = fig1.Fig1Config
    monkeypatch.setattr(fig1, "Fig1Config", lambda **kw: original(weight_scale=1e300, **kw))
    out = tmp_path / "out"
    code = main(["fig1", "--out", str(out), "--quiet", "--self-prediction-chunks", "1", "--learning-chunks", "1"])
    assert code == 1
    assert "diverged" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())
