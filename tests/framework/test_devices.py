"""The devices wing below the runner: Brian2's preferences restored after a build or a run, no import of the
runner; and what the runner takes from the model's contract (its name, description and spike units)."""

from __future__ import annotations

import ast
from pathlib import Path

import brian2
import numpy as np
import pytest
from brian2 import ms
from brian2.devices.device import all_devices, previous_devices

from brian_dendrites import FIG1, NetworkState, Simulation, random_weights
from brian_dendrites.models.microcircuit import MICROCIRCUIT, REGRESSION
from brian_dendrites.models.microcircuit.parameters import SpikingParams

# The preferences a build or run sets for itself; the define is the one of devices.toolchain.VECTOR_MATH.
_NAMES = ("codegen.target", "codegen.cpp.extra_compile_args_gcc")
_DEFINE = "-D__FAST_MATH__"


@pytest.fixture
def callers_prefs():
    """The caller's preferences, set to values that a build or run would change (restored after the test)."""
    saved = {name: brian2.prefs[name] for name in _NAMES}
    # Without the define, which every build adds: the build itself is the same (a cached one is found).
    brian2.prefs["codegen.target"] = "auto"
    brian2.prefs["codegen.cpp.extra_compile_args_gcc"] = [f for f in saved[_NAMES[1]] if f != _DEFINE]
    try:
        yield {name: brian2.prefs[name] for name in _NAMES}
    finally:
        for name, value in saved.items():
            brian2.prefs[name] = value


def test_a_runtime_run_leaves_the_callers_preferences_as_they_were(callers_prefs, rng):
    np.random.seed(7)
    expected = np.random.get_state()[1].copy()
    result = Simulation(FIG1, 1, 2 * ms, record={"pyramidal_2": ["u"]}, target="numpy").run(
        NetworkState(random_weights(FIG1, rng)), rng.uniform(0, 1, (1, 30))
    )
    assert {name: brian2.prefs[name] for name in _NAMES} == callers_prefs
    np.testing.assert_array_equal(np.random.get_state()[1], expected)  # brian2.seed(seed) seeds NumPy too
    # The recording names its model.
    assert result.recording.metadata == {"model": "microcircuit"}
    assert result.recording.description == "the dendritic cortical microcircuit of Sacramento et al. (2018)"


@pytest.mark.slow
@pytest.mark.standalone
def test_a_standalone_build_leaves_the_callers_preferences_as_they_were(callers_prefs, fig1_simulation, rng):
    brian2.set_device("runtime")
    stacked = len(previous_devices)
    directory = fig1_simulation.build(np.zeros((fig1_simulation.n_patterns, 30)))
    assert {name: brian2.prefs[name] for name in _NAMES} == callers_prefs
    state, x = NetworkState(random_weights(FIG1, rng)), rng.uniform(0, 1, (fig1_simulation.n_patterns, 30))
    first = fig1_simulation.run(state, x, noise=False).state
    # The caller's device again, not the standalone one that would record their next run and never build.
    assert brian2.get_device() is all_devices["runtime"]
    assert len(previous_devices) == stacked
    again = fig1_simulation.run(state, x, noise=False).state  # the build reruns all the same
    np.testing.assert_array_equal(again.weights["bottom_up_2"], first.weights["bottom_up_2"])
    assert _DEFINE in (directory / "makefile").read_text()  # the build had it
    assert fig1_simulation._built.network.name == "microcircuit"  # named by the model


def test_the_devices_wing_imports_no_runner_and_no_model():
    """Every module of brian_dendrites/devices imports neither brian_dendrites.simulation nor a model."""
    wing = Path(__file__).parents[2] / "brian_dendrites" / "devices"
    modules = sorted(wing.glob("*.py"))
    assert {m.stem for m in modules} >= {"cache", "toolchain", "prefs", "standalone"}
    for module in modules:
        imported = set()
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported |= {node.module or ""} | {f"{node.module}.{alias.name}" for alias in node.names}
        forbidden = ("brian_dendrites.simulation", "brian_dendrites.models", "brian_dendrites.protocols")
        assert not [name for name in imported if name.startswith(forbidden)], module.name


def test_an_opponent_input_names_its_on_units_then_its_off_units():
    opponent = REGRESSION.replace(sizes=(3, 2, 1), mode="spiking", spiking=SpikingParams(negative_inputs="opponent"))
    on, off = ([f"input_0[{i}] {kind}" for i in range(3)] for kind in ("ON", "OFF"))
    assert MICROCIRCUIT.spike_units(opponent, "input_0") == on + off
    assert MICROCIRCUIT.spike_units(opponent, "pyramidal_1") == ["pyramidal_1[0]", "pyramidal_1[1]"]
    assert MICROCIRCUIT.spike_units(FIG1.replace(mode="spiking"), "input_0") == [f"input_0[{i}]" for i in range(30)]
