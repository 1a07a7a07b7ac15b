"""Threads, float32 and the compile flags of a build: refused where they cannot apply, part of the build's
key, the caller's preferences unchanged; float32 agrees with float64, OpenMP with one thread."""

from __future__ import annotations

import brian2
import numpy as np
import pytest
from brian2 import ms

from brian_dendrites import FIG1, NetworkState, Simulation, random_weights
from brian_dendrites.cli import main
from brian_dendrites.devices.cache import build_directory
from brian_dendrites.devices.prefs import build_preferences
from brian_dendrites.errors import ParameterError
from brian_dendrites.protocols import fig1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threads": 0}, "threads must be"),
        ({"threads": 2.5}, "threads must be"),
        ({"threads": 2, "target": "numpy"}, "threads > 1 needs target 'cpp_standalone'"),
        ({"float32": "yes"}, "float32 must be True or False"),
    ],
)
def test_bad_threads_and_float32_are_refused_by_name(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        Simulation(FIG1, 1, **kwargs)


def test_threads_float32_and_march_key_the_build_and_the_defaults_keep_the_old_key(monkeypatch):
    default = Simulation(FIG1, 1)._structure_key()
    assert Simulation(FIG1, 1, threads=1, float32=False)._structure_key() == default
    keys = {Simulation(FIG1, 1, threads=2)._structure_key(), Simulation(FIG1, 1, float32=True)._structure_key()}
    monkeypatch.setenv("BRIAN_DENDRITES_MARCH", "x86-64-v2")
    keys.add(Simulation(FIG1, 1)._structure_key())
    assert len(keys) == 3 and default not in keys


def test_march_replaces_native_in_the_compile_flags_and_is_checked(monkeypatch):
    assert "-march=native" in build_preferences("cpp_standalone")["codegen.cpp.extra_compile_args_gcc"]
    monkeypatch.setenv("BRIAN_DENDRITES_MARCH", "x86-64-v2")
    flags = build_preferences("cpp_standalone")["codegen.cpp.extra_compile_args_gcc"]
    assert "-march=x86-64-v2" in flags and not any(f == "-march=native" for f in flags)
    assert brian2.prefs.codegen.cpp.extra_compile_args_gcc.count("-march=native") == 1  # the caller's, unchanged
    monkeypatch.setenv("BRIAN_DENDRITES_MARCH", "native; rm -rf")
    with pytest.raises(ParameterError, match="BRIAN_DENDRITES_MARCH"):
        build_preferences("cpp_standalone")


def test_the_slot_separates_build_folders_of_one_structure(monkeypatch, tmp_path):
    monkeypatch.setenv("BRIAN_DENDRITES_CACHE", str(tmp_path))
    assert build_directory("bars", "abc") == tmp_path / "standalone_bars_abc"
    monkeypatch.setenv("BRIAN_DENDRITES_SLOT", "w-1")
    assert build_directory("bars", "abc") == tmp_path / "standalone_bars_w-1_abc"
    assert build_directory("", "abc") == tmp_path / "standalone_w-1_abc"
    monkeypatch.setenv("BRIAN_DENDRITES_SLOT", "../x")
    with pytest.raises(ParameterError, match="BRIAN_DENDRITES_SLOT"):
        build_directory("bars", "abc")


def test_float32_agrees_with_float64_and_restores_the_float_type(rng):
    state = NetworkState(random_weights(FIG1, rng))
    x, targets = rng.uniform(0, 1, (2, 30)), rng.uniform(-0.5, 0.5, (2, 10))
    record = {"pyramidal_2": ["u"], "pyramidal_1": ["v_A"]}
    runs = {}
    for float32 in (False, True):
        sim = Simulation(FIG1, 2, 10 * ms, record=record, target="numpy", float32=float32)
        runs[float32] = sim.run(state, x, targets, noise=False)
    assert brian2.prefs.core.default_float_dtype is np.float64
    single, double = runs[True].state.weights["bottom_up_1"], runs[False].state.weights["bottom_up_1"]
    # The state comes back as float64, of single-precision values.
    assert np.array_equal(single, single.astype(np.float32)) and not np.array_equal(double, double.astype(np.float32))
    change = double - state.weights["bottom_up_1"]
    # The weight changes agree to single precision's rounding over 100 steps, far below their own size.
    assert np.max(np.abs(single - double)) < 1e-3 * np.max(np.abs(change))
    u32, u64 = (r.recording["pyramidal_2.u"].values for r in (runs[True], runs[False]))
    np.testing.assert_allclose(u32, u64, atol=1e-5)


def test_the_command_line_refuses_threads_on_a_runtime_target(tmp_path, capsys):
    out = str(tmp_path / "out")
    assert main(["fig1", "--quick", "--out", out, "--threads", "2", "--target", "numpy", "--quiet"]) == 1
    assert "--threads 2 needs --target cpp_standalone" in capsys.readouterr().err
    # A sweep refuses it while planning, before a cluster starts.
    sweep = ["sweep", "bars", "--grid", "target=numpy,cpp_standalone", "--threads", "2", "--out", out, "--quiet"]
    assert main(sweep) != 0
    assert "point target=numpy: --threads 2 needs --target cpp_standalone" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as exit_:
        main(["fig1", "--quick", "--out", out, "--threads", "0"])
    assert exit_.value.code == 2
    assert "--threads" in capsys.readouterr().err


@pytest.mark.standalone
def test_openmp_without_noise_gives_the_single_threads_results(fig1_simulation, rng):
    state, x = NetworkState(random_weights(FIG1, rng)), rng.uniform(0, 1, (fig1_simulation.n_patterns, 30))
    one = fig1_simulation.run(state, x, noise=False)
    two = Simulation(FIG1, fig1_simulation.n_patterns, record=fig1.RECORD, threads=2).run(state, x, noise=False)
    for name, weights in one.state.weights.items():
        np.testing.assert_allclose(two.state.weights[name], weights, rtol=1e-12, atol=1e-15)
    for trace in one.recording.traces:
        np.testing.assert_allclose(two.recording[trace.name].values, trace.values, rtol=1e-12, atol=1e-15)
