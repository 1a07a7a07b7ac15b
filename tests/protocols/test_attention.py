"""Disinhibition (the SST gain gamma) and the attention protocol (2017 version of the model)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from networks import DEEP, DEEP_RECORD

from brian_dendrites import NetworkState, ParameterError, Simulation, random_weights
from brian_dendrites.errors import FileFormatError
from brian_dendrites.models.microcircuit import MICROCIRCUIT, InterneuronParams
from brian_dendrites.models.microcircuit.classifier import Classifier
from brian_dendrites.models.microcircuit.classifier_file import load_classifier, save_classifier
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.protocols import attention, mnist

#: Area 1 fully disinhibited, area 2 partly: gamma is a per-layer, run-time value.
GAMMAS = (0.0, 0.4)


def _with_gammas(params, gammas):
    return params.replace(interneuron=tuple(replace(params.interneuron_layer(1), gamma=g) for g in gammas))


@pytest.mark.parametrize("gamma", [-0.1, 1.5, np.nan, True, "0.5"])
def test_gamma_outside_zero_to_one_is_refused(gamma):
    with pytest.raises(ParameterError, match=r"InterneuronParams.gamma must be a finite real number in \[0, 1\]"):
        InterneuronParams(gamma=gamma)


def test_gamma_scales_the_interneurons_apical_input(rng):
    """One pass: v_A - v_TD = gamma (W_PI phi(u_I)), the VIP gain on the SST rate (docs/attention.md)."""
    weights = random_weights(DEEP, rng, 0.5)
    zero = {name: np.zeros(w.shape[0]) for name, w in weights.items()}
    x = rng.uniform(0, 1, (4, DEEP.sizes[0]))
    normal = SteadyStateEngine(DEEP).settle(weights, zero, x)
    gated = SteadyStateEngine(_with_gammas(DEEP, (0.3, 1.0))).settle(weights, zero, x)
    np.testing.assert_allclose(gated.r_I[1], 0.3 * DEEP.phi(normal.u_I[1]), rtol=1e-12)
    np.testing.assert_allclose(gated.v_A[1] - gated.v_TD[1], 0.3 * (normal.v_A[1] - normal.v_TD[1]), rtol=1e-10)
    # A run-time value: networks that differ only in gamma share one build.
    assert MICROCIRCUIT.structure(_with_gammas(DEEP, GAMMAS)) == MICROCIRCUIT.structure(DEEP)


def test_sweeps_stop_at_the_tolerance_and_report_it(rng):
    weights = random_weights(DEEP, rng, 0.5)
    zero = {name: np.zeros(w.shape[0]) for name, w in weights.items()}
    engine = SteadyStateEngine(_with_gammas(DEEP, GAMMAS))
    x = rng.uniform(0, 1, (2, DEEP.sizes[0]))
    state = engine.settle(weights, zero, x, sweeps=500, tolerance=1e-9)
    assert 2 < state.sweeps < 500 and state.residual <= 1e-9
    longer = engine.settle(weights, zero, x, sweeps=state.sweeps + 50)
    np.testing.assert_allclose(state.r[1], longer.r[1], atol=1e-8)
    assert np.isnan(engine.settle(weights, zero, x).residual)
    with pytest.raises(ParameterError, match="sweeps must be an integer >= 1"):
        engine.settle(weights, zero, x, sweeps=0)


@pytest.mark.slow
@pytest.mark.standalone
def test_disinhibited_steady_state_matches_the_brian2_network(rng):
    """The engine's fixed point (sweeps to convergence) is the Brian2 network's steady state, for any gamma.

    The same Simulation as test_steady_state's (one build); the full relaxation needs no weak g_A.
    """
    params = _with_gammas(DEEP, GAMMAS)
    sim = Simulation(DEEP, 3, record=DEEP_RECORD)
    weights = random_weights(DEEP, rng, 0.5)
    zero = {name: np.zeros(w.shape[0]) for name, w in weights.items()}
    x, u_tgt = rng.uniform(0, 1, DEEP.sizes[0]), rng.uniform(-1, 1, DEEP.sizes[-1])
    held = lambda a: np.tile(a, (3, 1))  # noqa: E731
    values = sim.steady_state(NetworkState(weights), held(x), held(u_tgt), params=params)
    state = SteadyStateEngine(params).settle(weights, zero, x[None], u_tgt[None], sweeps=1000, tolerance=1e-14)
    assert state.residual <= 1e-14
    for k in (1, 2, 3):
        np.testing.assert_allclose(state.u[k][0], values[f"pyramidal_{k}.u"][-1], atol=1e-9, err_msg=f"u_{k}")
    for k in (1, 2):
        np.testing.assert_allclose(state.u_I[k][0], values[f"interneuron_{k}.u"][-1], atol=1e-9)
        np.testing.assert_allclose(state.v_A[k][0], values[f"pyramidal_{k}.v_A"][-1], atol=1e-9)
    # Fully disinhibited: the apical potential is the top-down input alone.
    np.testing.assert_allclose(values["pyramidal_1.v_A"][-1], values["pyramidal_1.v_TD"][-1], atol=1e-12)


def test_the_sensory_map_shows_the_image(rng):
    """image_of inverts the fixed sensory map: the area's bottom-up rates give back the pixels."""
    params = attention.hierarchy(hidden=7)
    weights = random_weights(params, rng, 0.2)
    biases = {name: np.zeros(w.shape[0]) for name, w in weights.items()}
    attention._sensory_map(weights, biases, params)
    images = rng.uniform(0, 1, (5, 784))
    rates = SteadyStateEngine(params).feedforward(weights, biases, attention.stimulus(images)).r[1]
    np.testing.assert_allclose(attention.image_of(rates, params), images, atol=1e-4)
    np.testing.assert_allclose(rates, params.phi(2 * attention.CONTRAST * images - attention.CONTRAST), rtol=1e-5)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 0}, "epochs must be an integer"),
        ({"test_images": 20_000}, "test_images must be an integer in"),
        ({"hidden": 0}, "hidden must be an integer >= 1"),
        ({"train_images": 5}, "train_images must be an integer >= 10"),
        ({"target": "cuda"}, "target must be one of"),
    ],
)
def test_bad_configuration_is_refused(tmp_path, changes, message):
    with pytest.raises(ParameterError, match=message):
        attention.AttentionConfig(out=tmp_path, **changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"gammas": (0.5, 0.0)}, "include 1"),
        ({"gammas": (1.0, 1.2)}, r"gammas must lie in \[0, 1\]"),
        ({"noise": {"blur": (0.5,)}}, "noise kinds must be a non-empty subset"),
        ({"noise": {"dropout": (1.5,)}}, r"noise\['dropout'\]: levels must lie in \[0, 1\]"),
        ({"attention": ("maybe",)}, "attention must be a non-empty subset"),
    ],
)
def test_bad_conditions_are_refused(changes, message):
    with pytest.raises(ParameterError, match=message):
        attention.Conditions(**changes)


@pytest.mark.slow
@pytest.mark.standalone
def test_short_attention_run(tmp_path, mnist_dir):
    """The protocol's short version (.ci): disinhibition denoises, attention on the class more than on another.

    A 785-784-50-10 hierarchy after 2 epochs of 10,000 images (test error ~30 %), 200 test images.
    """
    conditions = attention.Conditions(gammas=(1.0, 0.0), noise={"gaussian": (0.0, 0.5), "dropout": (0.5,)})
    sizes = {"epochs": 2, "hidden": 50, "train_images": 10_000, "test_images": 200}
    config = attention.AttentionConfig(out=tmp_path, conditions=conditions, data_dir=mnist_dir, **sizes)
    results = attention.run(config, progress=False)
    paths = attention.write(results, config)
    assert [p.name for p in paths] == list(attention.OUTPUTS) and all(p.stat().st_size > 0 for p in paths)
    assert results["training"]["test_error"][-1] < 0.5
    rec = {(c["kind"], c["level"], c["gamma"], c["attention"]): c["reconstruction"] for c in results["conditions"]}
    # Where the network has something to add (noise), disinhibition lowers the error; on clean images it
    # adds its prediction to an exact bottom-up image and raises it.
    assert rec["gaussian", 0.5, 0.0, "off"] < 0.9 * rec["gaussian", 0.5, 1.0, "off"]
    assert rec["gaussian", 0.0, 0.0, "off"] > rec["gaussian", 0.0, 1.0, "off"] + 0.01
    assert rec["gaussian", 0.5, 0.0, "correct"] < rec["gaussian", 0.5, 0.0, "wrong"]
    assert all(c["residual"] <= attention.TOLERANCE for c in results["conditions"])
    # The Brian2 network in continuous time ends each phase at the engine's steady state.
    assert all(phase["difference"] < 1e-5 for phase in results["demo"]["phases"])


def test_mnist_evaluate_refuses_the_attention_model(tmp_path, rng):
    """Its model file is a version-1 MNIST model file, but its network takes 785 inputs."""
    trained = attention.variant(hidden=7)
    path = save_classifier(Classifier.initial(trained, rng), trained.params, tmp_path / "model_attention.npz")
    model, params = load_classifier(path)
    assert model.variant == "attention" and params == trained.params
    threshold = -attention.CONTRAST / params.hidden_layer(1).basal_attenuation  # the always-on input's weights
    np.testing.assert_allclose(model.weights["bottom_up_1"][:, 784], threshold, rtol=1e-6)
    with pytest.raises(FileFormatError, match="takes 785 inputs, not an MNIST image's 784 pixels"):
        mnist.evaluate(path)
