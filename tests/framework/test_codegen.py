"""Code generation: no recompilation for new run inputs; shared quantities stored per neuron."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from brian2 import ms
from brian2.core.variables import ArrayVariable

from brian_dendrites import FIG1, LearningRates, NetworkState, Simulation, random_weights
from brian_dendrites.devices.cache import sources_digest
from brian_dendrites.devices.toolchain import _write_dependencies

pytestmark = [pytest.mark.slow, pytest.mark.standalone]


def test_new_inputs_targets_weights_rates_and_seed_reuse_the_binary(fig1_simulation, rng):
    sim, n = fig1_simulation, fig1_simulation.n_patterns
    sim.run(NetworkState(random_weights(FIG1, rng)), rng.uniform(0, 1, (n, 30)))
    directory = sim._built.directory
    binary = directory / "main"
    stamp = binary.stat().st_mtime_ns
    sources = {p: p.stat().st_mtime_ns for p in directory.rglob("*.cpp")}
    result = sim.run(
        NetworkState(random_weights(FIG1, rng, 0.3)),
        rng.uniform(0, 1, (n, 30)),
        rng.uniform(-1, 1, (n, 10)),
        eta=LearningRates(bottom_up=1e-3 / ms),
        seed=99,
    )
    assert binary.stat().st_mtime_ns == stamp
    assert {p: p.stat().st_mtime_ns for p in directory.rglob("*.cpp")} == sources
    assert np.isfinite(result.state.weights["bottom_up_1"]).all()
    # Learning rates, weights and seed are not part of the compiled structure.
    other = Simulation(FIG1.replace(eta=LearningRates(ip=1 / ms)), n, record=sim.record)
    assert other._structure_key() == sim._structure_key()


def test_rates_and_error_factors_are_stored_once_per_neuron(fig1_simulation, rng):
    """Synapses read r_pre and e_post from arrays, never re-evaluate phi per synapse."""
    fig1_simulation.run(NetworkState(random_weights(FIG1, rng)), rng.uniform(0, 1, (fig1_simulation.n_patterns, 30)))
    circuit = fig1_simulation._built.circuit
    for name in ("pyramidal_1", "pyramidal_2", "interneuron_1"):
        variables = circuit.groups[name].variables
        assert isinstance(variables["r"], ArrayVariable), name
    assert isinstance(circuit.groups["pyramidal_1"].variables["e_B"], ArrayVariable)
    assert isinstance(circuit.groups["pyramidal_1"].variables["e_A"], ArrayVariable)
    assert isinstance(circuit.groups["interneuron_1"].variables["e_D"], ArrayVariable)
    for proj in circuit.projections:
        equations = str(circuit.synapses[proj.name].equations)
        assert "phi" not in equations and "exp" not in equations and "log" not in equations


_CONCURRENT = """
import sys
import numpy as np
from brian_dendrites import FIG1, NetworkState, Simulation, random_weights
from brian_dendrites.protocols import fig1
rng = np.random.default_rng(0)
state, x = NetworkState(random_weights(FIG1, rng)), rng.uniform(0, 1, (fig1.Fig1Config().chunk, 30))
sim = Simulation(FIG1, len(x), record=fig1.RECORD)
seed = int(sys.argv[1])
for _ in range(4):
    weights = sim.run(state, x, seed=seed).state.weights["bottom_up_1"]
np.save(sys.argv[2], weights)
"""


def test_two_processes_running_one_build_get_their_own_results(fig1_simulation, tmp_path):
    """Runs of one build (same structure and name) in two processes share its folder's input and result
    files: they take turns, and each gets the results of its own seed."""
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    state, x = NetworkState(random_weights(FIG1, rng)), rng.uniform(0, 1, (fig1_simulation.n_patterns, 30))
    expected = {seed: fig1_simulation.run(state, x, seed=seed).state.weights["bottom_up_1"] for seed in (1, 2)}
    script = tmp_path / "run_seed.py"
    script.write_text(_CONCURRENT)
    processes = {
        seed: subprocess.Popen([sys.executable, str(script), str(seed), str(tmp_path / f"{seed}.npy")])
        for seed in (1, 2)
    }
    for seed, process in processes.items():
        assert process.wait(timeout=300) == 0
        np.testing.assert_array_equal(np.load(tmp_path / f"{seed}.npy"), expected[seed])


def test_another_simulation_of_the_same_structure_compiles_nothing(fig1_simulation, rng, monkeypatch):
    """A second Simulation of a built structure, in the same process, reuses the binary: Brian2's unique
    code-object names and its clock order in main.cpp must not change the generated sources. A build of
    the same structure under another name copies the binary instead of compiling it again."""
    from brian2.devices.device import all_devices

    n = fig1_simulation.n_patterns
    state, x = NetworkState(random_weights(FIG1, rng)), rng.uniform(0, 1, (n, 30))
    expected = fig1_simulation.run(state, x, seed=3).state  # built and compiled
    directory = fig1_simulation._built.directory

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(type(all_devices["cpp_standalone"]), "compile_source", refuse)
    other = Simulation(FIG1, n, record=fig1_simulation.record)
    for sim in (other, fig1_simulation, other):  # each one retires the one before
        result = sim.run(state, x, seed=3)
        assert sim._built.directory == directory
        np.testing.assert_array_equal(result.state.weights["bottom_up_1"], expected.weights["bottom_up_1"])
    assert fig1_simulation._built is None  # retired: rebuilt from the cache when used again

    # The same structure under another name (as runs side by side use) copies the binary.
    twin = Simulation(FIG1, n, record=fig1_simulation.record, name="twin")
    shutil.rmtree(directory.with_name(f"standalone_twin_{twin._structure_key()}"), ignore_errors=True)
    result = twin.run(state, x, seed=3)
    assert (
        twin._built.directory != directory
        and (twin._built.directory / "main").read_bytes() == (directory / "main").read_bytes()
    )
    np.testing.assert_array_equal(result.state.weights["bottom_up_1"], expected.weights["bottom_up_1"])


@pytest.mark.parametrize("main", ["main.cpp", "main.cu"])
def test_build_digest_sees_the_schedule_but_not_the_clock_order(tmp_path, main):
    """Brian2 writes main.cpp's clock settings in a set's order (not a change), and Brian2CUDA its random
    number refills per clock too; the order in which code objects run is the schedule (a change: it must
    recompile)."""
    (tmp_path / "makefile").write_text(f"SRCS = {main}\n")
    lines = [
        "_array_neuron_clock_t[0] = 0.0;",
        "_array_record_clock_t[0] = 0.0;",
        "net.add(&neuron_clock, _run_random_number_buffer);",
        "net.add(&record_clock, _run_random_number_buffer);",
        "net.add(&neuron_clock, _run_a_start_codeobject);",
        "net.add(&record_clock, _run_monitor_codeobject);",
    ]

    def digest(order):
        (tmp_path / main).write_text("\n".join(lines[i] for i in order))
        return sources_digest(tmp_path)

    assert digest([0, 1, 2, 3, 4, 5]) == digest([1, 0, 3, 2, 4, 5])
    assert digest([0, 1, 2, 3, 4, 5]) != digest([0, 1, 2, 3, 5, 4])
    assert digest([0, 1, 2, 3, 4, 5]) != digest([0, 2, 1, 3, 4, 5])  # a clock reset after a refill


def test_build_digest_sees_a_code_objects_expressions_but_not_the_order_of_its_constants(tmp_path):
    """Brian2 writes a block's subexpression constants in a set's order (it varied with the hash seed,
    and the spiking bars network recompiled in every other process); their expressions are the code."""
    (tmp_path / "makefile").write_text("SRCS = code_objects/a.cpp\n")
    (tmp_path / "code_objects").mkdir()
    lines = [
        "        double r;",
        "        const double g_teach = _lio_1;",
        "        const double u_tgt = u_target(t, i);",
        "        r = g_teach * u_tgt;",
    ]

    def digest(text):
        (tmp_path / "code_objects" / "a.cpp").write_text("\n".join(text))
        return sources_digest(tmp_path)

    assert digest(lines) == digest([lines[0], lines[2], lines[1], lines[3]])
    assert digest(lines) != digest([*lines[:3], "        r = g_teach + u_tgt;"])
    assert digest(lines) != digest([lines[0], lines[1], "        const double u_tgt = u_target(t, i + 1);", lines[3]])
    assert digest(lines) != digest([lines[1], lines[2], lines[0], lines[3]])  # a declaration moved


def test_every_object_depends_on_its_source_and_every_header(tmp_path):
    """make.deps as written before make runs: a changed header rebuilds every object it could touch, the
    code objects included (Brian2's own rules name them without their folder, so that they never apply)."""
    for name in ("objects.h", "brianlib/clocks.h", "code_objects/a.h", "code_objects/a.cpp", "main.cpp"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "makefile").write_text("PROGRAM = main\nSRCS = code_objects/a.cpp main.cpp brianlib/r.c\nH_SRCS = x\n")
    _write_dependencies(tmp_path)
    headers = "brianlib/clocks.h code_objects/a.h objects.h"
    assert (tmp_path / "make.deps").read_text().splitlines() == [
        f"code_objects/a.o: code_objects/a.cpp {headers}",
        f"main.o: main.cpp {headers}",
        f"brianlib/r.o: brianlib/r.c {headers}",
    ]
