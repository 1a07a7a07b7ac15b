"""Every supervised protocol on any model that can be taught (brian_dendrites/teaching.py): --model,
the refusals of what a model lacks, and a short bars run of the error-neuron model."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import ms

from brian_dendrites.cli import main, parser
from brian_dendrites.errors import ParameterError
from brian_dendrites.model import model_named
from brian_dendrites.models.error_neurons import ErrorNeuronParams
from brian_dendrites.models.error_neurons.teaching import ETA
from brian_dendrites.models.microcircuit import BARS, FIG1, REGRESSION
from brian_dendrites.protocols import bars, regression
from brian_dendrites.teaching import REQUIRED, require


def _config(*argv):
    args = parser().parse_args(list(argv))
    return args.protocol.config_from_args(args)


def test_without_model_the_protocols_teach_todays_records():
    assert _config("bars", "--out", "o").params is BARS
    assert _config("fig1", "--out", "o").params is FIG1
    config = _config("regression", "--out", "o")
    assert config.model == "microcircuit" and config.params is REGRESSION
    assert config.weight_scale == {"bottom_up_1": 4.0, "bottom_up_2": 1.0, "top_down": 1.0, "ip": 1.0, "pi": 1.0}
    assert _config("bars", "--out", "o").weight_scale == {"bottom_up_1": 3.0}


def test_bars_and_regression_teach_the_error_neuron_model(tmp_path):
    config = _config("bars", "--out", "o", "--model", "error_neurons")
    p = config.params
    assert isinstance(p, ErrorNeuronParams) and p.sizes == (9, 30, 3) and config.weight_scale == {}
    assert [float(e * ms) for e in p.eta] == list(ETA["bars"]) and float(p.dt / ms) == 0.1
    config = _config("regression", "--out", "o", "--model", "error_neurons", "--patterns", "200")
    assert config.params.sizes == (30, 50, 10)
    assert [float(e * ms) for e in config.eta("shallow")] == [0.0, ETA["regression"][1]]
    assert [float(e * ms) for e in config.eta("full")] == list(ETA["regression"])
    # Another model's outputs and checkpoints carry its name.
    paths = regression.check_outputs(tmp_path, 0, model="error_neurons")
    assert paths[0].name == "regression_results_error_neurons_seed0.json"


def test_depth_takes_its_network_model():
    assert _config("depth", "--out", "o", "--model", "error_neurons") == _config("depth", "--out", "o")
    with pytest.raises(ParameterError, match="depth needs a model .*'microcircuit' lacks them"):
        _config("depth", "--out", "o", "--model", "microcircuit")


@pytest.mark.parametrize("command", ["fig1", "regression", "bars", "depth"])
def test_an_unknown_model_is_refused_listing_the_registered_ones(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--out", "o", "--model", "nope"])
    err = capsys.readouterr().err
    assert "unknown model 'nope'; registered models: [" in err
    assert "'error_neurons'" in err and "'microcircuit'" in err


def test_a_model_that_cannot_be_taught_is_refused_naming_what_it_lacks():
    class Untaught:
        name = "untaught"
        output = staticmethod(lambda params: ("out", "r", "u"))

    missing = [member for member in REQUIRED if member != "output"]
    with pytest.raises(ParameterError) as refused:
        require(Untaught(), REQUIRED, "bars")
    assert str(refused.value) == f"bars needs a model that can be taught: model 'untaught' lacks {missing}"
    require(model_named("error_neurons"), REQUIRED, "bars")  # no error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fig1", "--model", "error_neurons"], r"the error-neuron model has no record for task 'fig1'"),
        (["bars", "--model", "error_neurons", "--mode", "spiking"], "model 'error_neurons' has no spiking mode"),
        (["regression", "--model", "error_neurons", "--mode", "spiking"], "model 'error_neurons' has no spiking mode"),
    ],
)  # fmt: skip
def test_what_a_model_lacks_is_refused_before_a_run(argv, message):
    with pytest.raises(ParameterError, match=message):
        _config(*argv, "--out", "o")


def test_fig1_refuses_a_model_without_the_microcircuits_dendrites(monkeypatch):
    model = model_named("error_neurons")
    monkeypatch.setattr(type(model), "task_params", staticmethod(lambda task, sizes: ErrorNeuronParams(sizes=sizes)))
    with pytest.raises(ParameterError, match=r"fig1 records the microcircuit's dendrites: .* lacks \['pyramidal_1.u'"):
        _config("fig1", "--out", "o", "--model", "error_neurons")


def test_the_error_neuron_model_learns_the_bars():
    # One epoch of 10 ms patterns on the numpy target: the output moves toward the target rates tanh(+-1).
    params = model_named("error_neurons").task_params("bars", bars.SIZES)
    config = bars.BarsConfig(params=params, epochs=1, pattern_duration=10 * ms, target="numpy")
    log = bars.run(config, progress=False)["log"]
    assert log["accuracy"] == [0.25, 0.375]
    np.testing.assert_allclose(log["mse"], [0.9088527087147179, 0.7779251467952877], rtol=1e-9)


def test_no_lookahead_on_a_model_without_a_spiking_mode_is_one_line(capsys):
    # It raised AttributeError ('ErrorNeuronParams' object has no attribute 'spiking_mode').
    assert main(["bars", "--out", "o", "--model", "error_neurons", "--no-lookahead"]) == 1
    expected = "brian-dendrites bars: error: --no-lookahead applies to --mode spiking only"
    assert capsys.readouterr().err.strip() == expected
