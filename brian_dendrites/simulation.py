"""Runs a model on a Brian2 code-generation target.

The runner knows a model only through its contract (:mod:`brian_dendrites.model`): it finds the
model by its parameter record. ``cpp_standalone`` (the default for protocols) compiles the network
once per structure into a cached project directory; every later run with new inputs, targets,
weights, learning rates, noise amplitudes or seed only reruns the binary with ``run_args``.
``cuda_standalone`` does the same on a GPU with Brian2CUDA (``pip install 'brian_dendrites[cuda]'``,
Python >= 3.12). ``cython`` and ``numpy`` run in-process (tests, interactive use) and also reuse their
compiled code, because every object has a fixed name.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import logging
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brian2
import numpy as np
from brian2 import BrianObject, Clock, Network, SpikeMonitor, StateMonitor, TimedArray, ms, second
from brian2.codegen.cpp_prefs import get_compiler_and_args
from brian2.devices.device import all_devices

from brian_dendrites.canonical import digest, dumps
from brian_dendrites.errors import ParameterError
from brian_dendrites.model import model_for
from brian_dendrites.recording import Probe, Recording, Spikes, Trace
from brian_dendrites.state import NetworkState
from brian_dendrites.validation import check_state, check_state_finite, is_sequence, sequence

__all__ = [
    "STANDALONE_TARGETS",
    "TARGETS",
    "NetworkState",
    "RunResult",
    "Simulation",
    "cache_directory",
    "structure",
    "load_state",
    "read_state",
]

TARGETS = ("cpp_standalone", "cuda_standalone", "cython", "numpy")
#: The targets that compile a project once per structure and rerun it with ``run_args``.
STANDALONE_TARGETS = ("cpp_standalone", "cuda_standalone")

logger = logging.getLogger(__name__)

# Brian2 compiles with -ffast-math -fno-finite-math-only, which keeps NaN and inf
# semantics but leaves __FAST_MATH__ undefined, so glibc declares no vector
# exp/log. Defining it lets GCC vectorise the per-neuron transfer functions
# with libmvec (about 4x faster on AVX2); NaN still propagates.
_VECTOR_MATH = "-D__FAST_MATH__"


@dataclass
class RunResult:
    """The state a run ended in, its recording (None without ``record``) and the user's objects by name.

    Parameters
    ----------
    state : NetworkState
        The state the run ended in; the next run can start from it.
    recording : Recording or None
        The recorded traces, None when the simulation records nothing.
    objects : dict of str to brian2.BrianObject, optional
        The user's own objects (see ``Simulation(objects=...)``) by name.
    """

    state: NetworkState
    recording: Recording | None
    objects: dict[str, BrianObject] = field(default_factory=dict)


def cache_directory() -> Path:
    """Where compiled standalone projects live: $BRIAN_DENDRITES_CACHE or ~/.cache/brian_dendrites.

    ``~/.cache`` is ``$XDG_CACHE_HOME`` where that is set.

    Returns
    -------
    pathlib.Path
        The cache folder (not created here).
    """
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "brian_dendrites"
    return Path(os.environ.get("BRIAN_DENDRITES_CACHE", default))


class Simulation:
    """A network of the model of ``params`` that runs ``n_patterns`` patterns of ``pattern_duration`` each.

    ``record`` maps the names of groups or synapses to the variables to record every
    ``record_dt``, e.g. ``{"pyramidal_1": ["u", "v_A"], "bottom_up_1": ["w"]}``, or to a
    :class:`~brian_dendrites.recording.Probe` that also picks neurons (or synapses). ``objects`` is
    a function of the built circuit that returns Brian2 objects of the user's own (monitors, groups,
    synapses): they run in the same network and compile into the same build, and
    ``RunResult.objects`` returns them by name (read them before the next run). ``currents`` maps a
    group name to equation lines, each defining a current in 1/time (``"I_inj = 0.1/ms*(1 - u) :
    1/second"`` or a parameter ``"I_inj : 1/second (shared)"``) that the model adds to the group's
    membrane equation. ``spikes`` names the groups whose spikes to record (spiking mode: groups with a
    spike count ``n_spikes``); they come as ``Recording.spikes``. Recorded variables, spikes, objects
    and currents are part of the build's key.
    Only one standalone simulation can be active per process: building a second one
    retires the first. ``name`` separates the build directories of simulations that run in
    parallel processes.

    Parameters
    ----------
    params : parameter record
        The parameter record of a registered model (e.g. ``MicrocircuitParams``); it picks the model.
    n_patterns : int
        Number of patterns each run presents, >= 1.
    pattern_duration : brian2.Quantity, optional
        How long each pattern is presented (time), a whole multiple >= 1 of ``params.dt``.
    record : dict of str to (list of str or Probe), optional
        Group or synapse name -> variables to record (or a Probe); None records nothing.
    record_dt : brian2.Quantity, optional
        Sampling interval of the recording (time), a whole multiple >= 1 of ``params.dt``.
    target : {"cpp_standalone", "cuda_standalone", "cython", "numpy"}, optional
        Brian2's code-generation target (see :data:`TARGETS`); ``cuda_standalone`` needs Brian2CUDA.
    name : str, optional
        Letters, digits, '_' or '-' only (it names the build folder).
    objects : callable or None, optional
        A function of the built circuit that returns an iterable of the user's Brian2 objects.
    currents : dict of str to list of str, optional
        Group name -> equation lines of extra currents (1/second) for the group's membrane equation;
        the group must have a membrane potential u.
    spikes : sequence of str, optional
        Names of the groups whose spikes to record; each must have a spike count ``n_spikes``.

    Raises
    ------
    ParameterError
        If ``params`` is not a registered model's record, or any argument is outside its allowed values
        (unknown target, groups or variables; durations that are no whole multiple of dt; a bad name),
        or if the target is ``cuda_standalone`` and Brian2CUDA is not installed.
    """

    def __init__(
        self,
        params,
        n_patterns: int,
        pattern_duration: brian2.Quantity = 100 * ms,
        record: dict[str, list[str] | Probe] | None = None,
        record_dt: brian2.Quantity = 1 * ms,
        target: str = "cpp_standalone",
        name: str = "",
        objects: Callable[[Any], Iterable[BrianObject]] | None = None,
        currents: dict[str, list[str]] | None = None,
        spikes: Iterable[str] = (),
    ) -> None:
        self.model = model_for(params)
        if target not in TARGETS:
            raise ParameterError(f"target must be one of {TARGETS}, got {target!r}")
        if target == "cuda_standalone":
            _import_brian2cuda()
        if isinstance(n_patterns, bool) or not isinstance(n_patterns, (int, np.integer)) or n_patterns < 1:
            raise ParameterError(f"n_patterns must be an integer >= 1, got {n_patterns!r}")
        _check_multiple("pattern_duration", pattern_duration, params.dt)
        _check_multiple("record_dt", record_dt, params.dt)
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", name):
            raise ParameterError(f"name must be letters, digits, '_' or '-' (it names a folder), got {name!r}")
        self.params, self.n_patterns, self.target = params, int(n_patterns), target
        self.pattern_duration, self.record_dt = pattern_duration, record_dt
        self.record = _checked_record(self.model.labels(params), record)
        if objects is not None and not callable(objects):
            raise ParameterError(f"objects must be a function of the built circuit, got {type(objects).__name__}")
        self.objects, self.currents = objects, _checked_currents(self.model.labels(params), currents)
        self.spikes = _checked_spikes(self.model.labels(params), spikes)
        self.name = name
        # (circuit, TimedArrays, network, monitors, user objects, seed holder, directory) once built for standalone
        self._built = None

    # -- public API -------------------------------------------------------------------------

    def run(
        self,
        state: NetworkState,
        inputs: np.ndarray,
        targets: np.ndarray | None = None,
        nudging: np.ndarray | None = None,
        *,
        eta=None,
        noise: bool = True,
        seed: int = 0,
        params=None,
    ) -> RunResult:
        """Present ``inputs`` (n_patterns, n_input rates), one pattern after another.

        ``targets`` are output somatic target potentials u_tgt (n_patterns, n_output);
        ``nudging`` (n_patterns,) switches the teaching input on per pattern
        (default: on wherever targets are given). ``eta`` overrides the learning
        rates of ``params``; ``noise=False`` sets sigma to 0 for this run.
        ``params`` replaces the conductances, noise amplitudes and learning rates
        for this run: it must have the same structure (see ``structure``).

        Parameters
        ----------
        state : NetworkState
            The state to start from, of the model's names and shapes (see its ``zero_state``).
        inputs : numpy.ndarray
            Input rates, shape (n_patterns, n_input), finite; >= 0 unless ``params.signed_inputs``.
        targets : numpy.ndarray or None, optional
            Output somatic target potentials u_tgt, shape (n_patterns, n_output), within
            [E_inh, E_exc] where nudged; None: zeros, with nudging off unless ``nudging`` is given.
        nudging : numpy.ndarray or None, optional
            Teaching switch per pattern in [0, 1], shape (n_patterns,); None: on wherever targets are given.
        eta : learning rates or None, optional
            Learning rates for this run (None: those of ``params``).
        noise : bool, optional
            False sets sigma to 0 for this run.
        seed : int, optional
            Seed of the noise, in [0, 2**32).
        params : parameter record or None, optional
            Replaces the simulation's record for this run (None: the simulation's); same structure only.

        Returns
        -------
        RunResult
            The state the run ended in, its recording and the user's objects.

        Raises
        ------
        ParameterError
            If an argument is outside its allowed values (shapes, ranges, a ``params`` of another
            structure, a seed outside [0, 2**32), a state that does not fit the model).
        DivergenceError
            If the state or a recorded value became non-finite or a potential diverged.
        """
        return self._run(state, inputs, targets, nudging, eta, noise, seed, params, plasticity=True)

    def _run(self, state, inputs, targets, nudging, eta, noise, seed, params, plasticity: bool) -> RunResult:
        p = self.params if params is None else params
        if type(p) is not type(self.params) or structure(p) != structure(self.params):
            raise ParameterError("params of a run may differ from the simulation's only in conductances, sigma and eta")
        arrays, eta = self.model.check_run(p, self.n_patterns, inputs, targets, nudging, eta)
        # Brian2 hashes a run_arg's buffer, which must be C-contiguous (a column slice is not).
        arrays = {name: np.ascontiguousarray(values) for name, values in arrays.items()}
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
            raise ParameterError(f"seed must be an integer in [0, 2**32), got {seed!r}")
        if not isinstance(state, NetworkState):
            raise ParameterError(f"state must be a NetworkState, got {type(state).__name__}")
        check_state(self.model.zero_state(p), state)
        eta = eta if plasticity else None
        if self.target in STANDALONE_TARGETS:
            return self._run_standalone(p, state, arrays, eta, noise, seed)
        return self._run_runtime(p, state, arrays, eta, noise, seed)

    def steady_state(self, state: NetworkState, inputs, targets=None, nudging=None, *, params=None, window=None):
        """Recorded values at the end of each pattern, without noise and plasticity.

        Returns {trace name: (pattern, neuron) array}. The network is taken as
        settled after a pattern's duration (>> 1/g_total and tau_input). In spiking mode the spikes
        go on; ``window`` then averages each pattern's last samples.

        Parameters
        ----------
        state : NetworkState
            The state to start from (see :meth:`run`).
        inputs : numpy.ndarray
            Input rates, shape (n_patterns, n_input).
        targets : numpy.ndarray or None, optional
            Output somatic target potentials, shape (n_patterns, n_output) (see :meth:`run`).
        nudging : numpy.ndarray or None, optional
            Teaching switch per pattern, shape (n_patterns,) (see :meth:`run`).
        params : parameter record or None, optional
            Replaces the simulation's record for this run (see :meth:`run`).
        window : brian2.Quantity or None, optional
            Average the samples of each pattern's last ``window`` (time), a whole multiple of
            ``record_dt`` up to ``pattern_duration``; None: the last sample alone.

        Returns
        -------
        dict of str to numpy.ndarray
            The last recorded sample (or the window's mean) of each pattern, (n_patterns, n_neurons),
            by trace name.

        Raises
        ------
        ParameterError
            Where :meth:`run` does.
        DivergenceError
            Where :meth:`run` does.
        """
        per_pattern = round(float(self.pattern_duration / self.record_dt))
        if per_pattern < 2:
            # Monitors sample at the start of a step: the only sample of a pattern would be the previous one's.
            raise ParameterError(
                f"record_dt must be at most half the pattern duration for steady_state, got {self.record_dt}"
            )
        samples = 1
        if window is not None:
            _check_multiple("window", window, self.record_dt)
            samples = round(float(window / self.record_dt))
            if samples > per_pattern:
                raise ParameterError(f"window must not exceed pattern_duration={self.pattern_duration}, got {window}")
        result = self._run(state, inputs, targets, nudging, None, False, 0, params, plasticity=False)
        return {
            t.name: t.values.reshape(self.n_patterns, per_pattern, -1)[:, per_pattern - samples :].mean(axis=1)
            for t in result.recording.traces
        }

    def build(self, inputs) -> Path:
        """Generate and compile the standalone project for runs with inputs of this shape, without running it.

        Runs of the same structure reuse the build. On a machine without a GPU this checks that a
        ``cuda_standalone`` network compiles.

        Parameters
        ----------
        inputs : numpy.ndarray
            Input rates, shape (n_patterns, n_input), as :meth:`run` takes them; only the shape is used.

        Returns
        -------
        pathlib.Path
            The project's folder.

        Raises
        ------
        ParameterError
            If the target is not one of :data:`STANDALONE_TARGETS`, or ``inputs`` are invalid (see :meth:`run`).
        """
        if self.target not in STANDALONE_TARGETS:
            raise ParameterError(f"build needs a target of {STANDALONE_TARGETS}, got {self.target!r}")
        arrays, _ = self.model.check_run(self.params, self.n_patterns, inputs, None, None, None)
        self._build_standalone({name: np.ascontiguousarray(values) for name, values in arrays.items()})
        return self._built[-1]

    # -- building ---------------------------------------------------------------------------

    def _build(self, timed: dict[str, TimedArray]):
        circuit = self.model.build(self.params, timed, self.currents)
        # Created only when used: an orphaned Clock would leave dead arrays in the standalone device.
        record_clock = Clock(self.record_dt, name="record_clock") if self.record else None
        sources = {obj.name: obj for obj in circuit.objects}
        monitors = {}
        for name, probe in self.record.items():
            indices = True if probe.indices is None else list(probe.indices)
            if probe.indices is not None and max(probe.indices) >= len(sources[name]):
                raise ParameterError(f"record[{name!r}]: indices must lie in [0, {len(sources[name])}), got {indices}")
            monitors[name] = StateMonitor(
                sources[name], probe.variables, record=indices, clock=record_clock, name=f"monitor_{name}"
            )
        for name in self.spikes:
            monitor = SpikeMonitor(sources[name], variables=["n_spikes"], name=f"spikes_{name}")
            # Brian2CUDA writes the recorded variables in this dict's order, which Brian2 takes from a set:
            # sorted, every process generates the same code, and a cached build is reused.
            kwds = monitor.template_kwds
            kwds["record_variables"] = dict(sorted(kwds["record_variables"].items()))
            monitors[f"spikes_{name}"] = monitor
        extra = list(self.objects(circuit)) if self.objects is not None else []
        network = Network(*circuit.objects, *monitors.values(), *extra, name="microcircuit")
        return circuit, network, monitors, extra

    def _timed_arrays(self, arrays: dict[str, np.ndarray]) -> dict[str, TimedArray]:
        """One TimedArray per run input of the model, one value per pattern."""
        return {name: TimedArray(values, dt=self.pattern_duration, name=name) for name, values in arrays.items()}

    @property
    def duration(self) -> brian2.Quantity:
        """Duration of a run: ``n_patterns * pattern_duration``."""
        return self.n_patterns * self.pattern_duration

    def _structure_key(self, extra: Iterable[BrianObject] = ()) -> str:
        """Digest of everything the generated code depends on, identical in every process; ``extra``
        are the user's objects (see ``objects``)."""
        key = {
            "structure": structure(self.params),
            "n_patterns": self.n_patterns,
            "pattern_duration": self.pattern_duration,
            "record": self.record,
            "record_dt": self.record_dt,
            "brian2": brian2.__version__,
            "target": self.target,
        }
        if self.target == "cuda_standalone":
            key["brian2cuda"] = _import_brian2cuda().__version__
        if self.spikes:
            key["spikes"] = list(self.spikes)
        if self.currents:
            key["currents"] = self.currents
        if extra:
            key["objects"] = sorted((_describe(obj) for obj in extra), key=dumps)
        return digest(key)

    def _run_runtime(self, params, state, arrays, eta, noise, seed) -> RunResult:
        _use_vector_math()
        _retire_standalone()
        brian2.set_device("runtime")
        brian2.prefs.codegen.target = self.target
        brian2.seed(seed)
        circuit, network, monitors, extra = self._build(self._timed_arrays(arrays))
        for variable, value in self.model.load_state(circuit, params, state, eta, noise).items():
            variable.set_item(slice(None), value)
        network.run(self.duration, namespace={})
        return self._collect(circuit, monitors, extra)

    def _run_standalone(self, params, state, arrays, eta, noise, seed) -> RunResult:
        if _active_standalone.get("simulation") is not self or brian2.get_device() is not all_devices[self.target]:
            self._build_standalone(arrays)
        circuit, timed, network, monitors, extra, seed_holder, directory = self._built
        device = brian2.get_device()
        run_args = self.model.load_state(circuit, params, state, eta, noise)
        run_args |= {timed[name]: values for name, values in arrays.items()} | {seed_holder.seed: int(seed)}
        # The run's inputs and results are files in the build folder: runs of one build in two processes
        # (the same structure and name) take turns, so that neither reads the other's.
        with _locked(directory.parent / f"{directory.name}.run.lock"):
            device.run(directory=str(directory), with_output=False, run_args=run_args)
            try:
                return self._collect(circuit, monitors, extra)
            finally:
                device.delete(code=False, data=False, run_args=True, directory=False)

    def _build_standalone(self, arrays: dict[str, np.ndarray]) -> None:
        _use_vector_math()
        _retire_standalone()
        brian2.set_device("runtime")  # so that reinit's reset of defaultclock.dt goes into no standalone project
        all_devices[self.target].reinit()
        brian2.set_device(self.target, build_on_run=False)
        device = brian2.get_device()
        cuda = self.target == "cuda_standalone"
        if cuda:
            _curand_from_wheel()
        if not cuda and get_compiler_and_args()[0] != "msvc":
            device.extra_compile_args = [*device.extra_compile_args, *_PRECOMPILED]
        timed = self._timed_arrays({name: np.zeros_like(values) for name, values in arrays.items()})
        circuit, network, monitors, extra = self._build(timed)
        key = self._structure_key(extra)  # the user's objects exist only now
        directory = cache_directory() / f"standalone_{self.name + '_' if self.name else ''}{key}"
        seed_holder = brian2.NeuronGroup(1, "seed : integer (shared, constant)", name="rng_seed")
        network.add(seed_holder)
        # Zeros in the code; the real values always come as run_args, so the code never changes.
        for variable in self.model.load_state(circuit, self.params, self.model.zero_state(self.params), None, False):
            variable.set_item(slice(None), 0)
        device.apply_run_args()
        seed = f"brian::{device.get_array_name(seed_holder.variables['seed'])}[0]"
        if cuda:  # Brian2CUDA draws its numbers with cuRAND
            device.insert_code("main", f"random_number_buffer.set_seed({seed});")
        else:
            device.insert_code("main", f"brian::_random_generators[0].seed({seed});")
        network.run(self.duration, namespace={})
        device.build(directory=str(directory), compile=False, run=False, with_output=False)
        if cuda:
            _cuda_makefile(directory)
        _compile(directory, key, self.target)
        self._built = (circuit, timed, network, monitors, extra, seed_holder, directory)
        _active_standalone["simulation"] = self

    # -- state and recording out -----------------------------------------------------------

    def _collect(self, circuit, monitors, extra) -> RunResult:
        state = self.model.read_state(circuit)
        recording = self._recording(monitors) if monitors else None
        check_state_finite(state, recording)
        return RunResult(state, recording, {obj.name: obj for obj in extra})

    def _recording(self, monitors) -> Recording:
        traces, labels = [], self.model.labels(self.params)
        for name, monitor in monitors.items():
            if isinstance(monitor, SpikeMonitor):
                continue
            probe = self.record[name]
            for variable in probe.variables:
                label = labels[name][variable]
                values = np.asarray(getattr(monitor, variable)).T
                traces.append(
                    Trace(
                        f"{name}.{variable}",
                        values,
                        label.layer,
                        label.population,
                        label.compartment,
                        label.quantity,
                        np.arange(values.shape[1]) if probe.indices is None else np.array(probe.indices),
                        description=label.description,
                    )
                )
        spikes = tuple(_spikes(name, monitors[f"spikes_{name}"], labels[name]["n_spikes"]) for name in self.spikes)
        return Recording(float(1 / (self.record_dt / second)), tuple(traces), spikes=spikes)


def _spikes(name: str, monitor: SpikeMonitor, label) -> Spikes:
    """The spikes of a SpikeMonitor of counts, ordered by (time, unit): a count k gives k spikes. A group
    whose count label has the compartment 'opponent' is n ON/OFF pairs: its OFF spikes (k < 0) are
    units n..2n-1."""
    counts = np.asarray(monitor.n_spikes, dtype=np.int64)
    times, neurons = np.asarray(monitor.t / second), np.asarray(monitor.i, dtype=np.int64)
    n = len(monitor.source)
    units = np.where(counts < 0, neurons + n, neurons)
    names = [f"{name}[{i}]" for i in range(n)]
    if label.compartment == "opponent":
        names = [f"{unit} ON" for unit in names] + [f"{unit} OFF" for unit in names]
    repeats, order = np.abs(counts), np.lexsort((units, times))
    return Spikes(
        name,
        np.repeat(times[order], repeats[order]),
        np.repeat(units[order], repeats[order]),
        names,
        label.layer,
        label.population,
        description=f"spikes of {name}: a count of k in one step gives k spikes at that step's time",
    )


_active_standalone: dict[str, Simulation] = {}


def _retire_standalone() -> None:
    """Retire the active standalone network and free its objects, including those its device holds (a
    build on the other standalone device would otherwise see them). Brian2 names code objects uniquely
    among the live ones, so a live copy would rename the next build's code objects ("..._codeobject_1"),
    change its sources and make a cached build compile again."""
    retired = _active_standalone.pop("simulation", None)
    if retired is not None:
        retired._built = None
        brian2.set_device("runtime")  # so that reinit's reset of defaultclock.dt goes into no standalone project
        all_devices[retired.target].reinit()
    gc.collect()


def _compile(directory: Path, key: str, target: str) -> None:
    """Compile the project in ``directory`` unless its binary was built from the same sources.

    Brian2 rewrites main.cpp on every build, with its clock resets in an order that varies between
    processes, and make would then rebuild; the digest compares main.cpp's lines as a sorted list.
    Builds of one structure under different names (runs side by side, e.g. the regression learners)
    compile once: a lock on the structure's key lets one process compile while the others wait, and
    they then copy its binary.
    """
    sources = _sources_digest(directory)
    if _built_from(directory, sources):
        return
    with _locked(directory.parent / f"standalone_{key}.lock"):
        if _built_from(directory, sources):
            return
        stamp, binary = directory / "sources.sha256", directory / "main"
        stamp.unlink(missing_ok=True)
        twin = next((d for d in directory.parent.glob(f"standalone_*{key}") if _built_from(d, sources)), None)
        if twin is not None:
            shutil.copy2(twin / "main", binary)
            stamp.write_text(sources)
            return
        reason = "its generated sources changed" if binary.exists() else "first use of this structure"
        logger.info("compiling the network (%s, %s) in %s ...", target, reason, directory)
        start = time.perf_counter()
        compiler = get_compiler_and_args()[0]
        header = _precompile_header(directory) if compiler != "msvc" and target == "cpp_standalone" else None
        try:
            brian2.get_device().compile_source(str(directory), compiler, debug=False, clean=False)
        except RuntimeError as error:
            if _interrupted_make(error):
                raise KeyboardInterrupt from error
            raise
        finally:
            if header is not None:
                header.unlink(missing_ok=True)  # 40 MB, needed only while compiling
        stamp.write_text(sources)
        logger.info("compiled in %.1f s; later runs of this structure reuse the build", time.perf_counter() - start)


def _interrupted_make(error: RuntimeError) -> bool:
    """Whether Brian2's compilation failed because make was killed by SIGINT: Ctrl-C in a terminal reaches
    make, while ``os.system``, which runs it, ignores SIGINT in this process. Brian2 reports the wait status."""
    code = re.search(r"compilation failed \(error code: (\d+)\)", str(error))
    return code is not None and os.WIFSIGNALED(int(code[1])) and os.WTERMSIG(int(code[1])) == signal.SIGINT


def _import_brian2cuda():
    """Brian2CUDA, whose import registers the ``cuda_standalone`` device."""
    try:
        import brian2cuda
    except ImportError as error:
        raise ParameterError(
            "target 'cuda_standalone' needs Brian2CUDA, which needs Python >= 3.12: pip install 'brian_dendrites[cuda]'"
        ) from error
    return brian2cuda


def _curand_from_wheel() -> None:
    """Where the CUDA toolkit lacks cuRAND, take it from pip's nvidia-curand (``nvidia/cu13``): its headers,
    and its libcurand.so.10 through a link named libcurand.so, the name the linker asks for, in the cache
    (a fixed folder, so that the makefile stays the same between processes)."""
    nvcc = shutil.which("nvcc")
    if nvcc is None or (Path(nvcc).resolve().parents[1] / "include" / "curand.h").exists():
        return
    try:
        import nvidia.cu13 as wheel
    except ImportError:
        return  # nvcc then names the missing header
    root = Path(wheel.__path__[0])
    links = cache_directory() / "curand"
    links.mkdir(parents=True, exist_ok=True)
    if not (links / "libcurand.so").exists():
        (links / "libcurand.so").symlink_to(root / "lib" / "libcurand.so.10")
    for name, folder in (("include_dirs", root / "include"), ("library_dirs", links)):
        folders = brian2.prefs[f"codegen.cpp.{name}"]
        if str(folder) not in folders:
            brian2.prefs[f"codegen.cpp.{name}"] = [*folders, str(folder)]


def _cuda_makefile(directory: Path) -> None:
    """Compile the CUDA sources as C++17: Brian2CUDA's makefile asks for C++11, which the Thrust and CUB
    of CUDA 12 and later refuse."""
    makefile = directory / "makefile"
    makefile.write_text(makefile.read_text().replace("-std=c++11", "-std=c++17"))


# Every translation unit includes objects.h first (forced with -include), so that GCC and clang can use
# it precompiled: its parsing was 90 % of compiling each code object.
_PRECOMPILED = ["-include", "objects.h"]


def _precompile_header(directory: Path) -> Path | None:
    """Precompile objects.h with the makefile's flags; None if that fails (make then parses it as usual)."""
    flags = re.search(r"^OPTIMISATIONS = (.*)$", (directory / "makefile").read_text(), re.M)
    if flags is None:
        return None
    header = directory / "objects.h.gch"
    options = flags.group(1).replace(" ".join(_PRECOMPILED), "")
    cxx = os.environ.get("CXX", "g++")  # as make's default
    command = f"{cxx} -Wno-write-strings {options} -I. -x c++-header objects.h -o {header.name}"
    if subprocess.run(command, shell=True, cwd=directory, capture_output=True).returncode != 0:
        header.unlink(missing_ok=True)
        return None
    return header


def _built_from(directory: Path, sources: str) -> bool:
    stamp = directory / "sources.sha256"
    return (directory / "main").exists() and stamp.exists() and stamp.read_text() == sources


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` between processes (none where fcntl is missing, as on Windows)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Lines of main.cpp (main.cu) that Brian2 (Brian2CUDA) writes in the order of a set of clocks: those that set
# a clock's variables, and Brian2CUDA's refill of its random numbers on each clock (one function, so that
# the order of these calls changes nothing).
_SET_ORDERED = (
    re.compile(rb"^\s*_array_\w*clock_(?:dt|t|timestep)\[0\] = "),
    re.compile(rb"^\s*\w+\.add\(&\w+, _run_random_number_buffer\);$"),
)
# Lines of a code object that Brian2 writes in a set's order: the constants of a block's subexpressions
# (e.g. a TimedArray's value and a conductance, whichever the hash seed puts first).
_CODE_OBJECT_SET_ORDERED = (re.compile(rb"^\s*const [\w:]+ \w+ = [^;]*;$"),)


def _set_ordered(line: bytes, patterns: tuple[re.Pattern, ...] = _SET_ORDERED) -> int:
    """Which of ``patterns`` the line matches (1, 2, ...), 0 for none."""
    return next((i for i, pattern in enumerate(patterns, 1) if pattern.match(line)), 0)


def _sources_digest(directory: Path) -> str:
    """SHA-256 of the makefile and the sources it lists (SRCS, H_SRCS).

    Only each run of consecutive lines written in a set's order is sorted (``_SET_ORDERED`` in main.cpp
    and main.cu, ``_CODE_OBJECT_SET_ORDERED`` in the code objects): every other line keeps its place, so a
    change of the schedule (the order of the code objects) changes the digest.
    """
    makefile = (directory / "makefile").read_text()
    listed = re.findall(r"^(?:H_)?SRCS = (.*)$", makefile, re.M)
    digest = hashlib.sha256(makefile.encode())
    for name in sorted(" ".join(listed).split()):
        text = (directory / name).read_bytes()
        patterns = _SET_ORDERED if name in ("main.cpp", "main.cu") else _CODE_OBJECT_SET_ORDERED
        runs = itertools.groupby(text.splitlines(), key=lambda line: _set_ordered(line, patterns))
        text = b"\n".join(line for kind, lines in runs for line in (sorted(lines) if kind else lines))
        digest.update(name.encode() + b"\0" + text + b"\0")
    return digest.hexdigest()


def load_state(circuit, state: NetworkState, *, plasticity: bool = True, noise: bool = True) -> None:
    """Put ``state`` into a circuit built by a model (``model.build``) on the runtime device.

    Uses the conductances, noise amplitudes and learning rates ``eta`` of the circuit's parameter record,
    for users who run it in a Network of their own. ``plasticity=False`` freezes every weight;
    ``noise=False`` sets the noise amplitudes to 0.

    Parameters
    ----------
    circuit : circuit
        A circuit built by a model's ``build``.
    state : NetworkState
        The state to load, of the model's names and shapes.
    plasticity : bool, optional
        False freezes every weight.
    noise : bool, optional
        False sets the noise amplitudes to 0.

    Raises
    ------
    ParameterError
        If the state does not fit the circuit.
    """
    params = circuit.params
    model = model_for(params)
    check_state(model.zero_state(params), state)
    for variable, value in model.load_state(circuit, params, state, params.eta if plasticity else None, noise).items():
        variable.set_item(slice(None), value)


def read_state(circuit) -> NetworkState:
    """The current state of a circuit built by a model (see :func:`load_state`).

    Parameters
    ----------
    circuit : circuit
        A circuit built by a model's ``build``.

    Returns
    -------
    NetworkState
        The circuit's weights, filtered inductions and carried potentials.
    """
    return model_for(circuit.params).read_state(circuit)


def structure(params) -> dict:
    """What the generated code of ``params``'s model depends on, as canonical JSON (see NetworkModel.structure).

    Parameters
    ----------
    params : parameter record
        The parameter record of a registered model.

    Returns
    -------
    dict
        Plain JSON types; records of equal structure compile to the same code.

    Raises
    ------
    ParameterError
        If ``params`` is not a registered model's record.
    """
    return model_for(params).structure(params)


def _use_vector_math() -> None:
    flags = brian2.prefs.codegen.cpp.extra_compile_args_gcc
    if _VECTOR_MATH not in flags:
        brian2.prefs.codegen.cpp.extra_compile_args_gcc = [*flags, _VECTOR_MATH]


def _check_multiple(name: str, value, dt) -> None:
    steps = float(value / dt) if isinstance(value, brian2.Quantity) and brian2.have_same_dimensions(value, ms) else 0
    if not (np.isfinite(steps) and steps >= 1 - 1e-9 and abs(steps - round(steps)) <= 1e-9):
        raise ParameterError(f"{name} must be a whole multiple >= 1 of dt={dt}, got {value!r}")


def _checked_record(labels: dict[str, dict], record) -> dict[str, Probe]:
    """``record`` as {group: Probe}, every group and variable among the model's ``labels``."""
    if record is None:
        return {}
    if not isinstance(record, dict):
        raise ParameterError(f"record must map group names to lists of variables, got {type(record).__name__}")
    allowed = {group: tuple(variables) for group, variables in labels.items()}
    checked = {}
    for group, probe in record.items():
        if group not in allowed:
            raise ParameterError(f"record: unknown group {group!r}; groups: {sorted(allowed)}")
        if not isinstance(probe, Probe):
            variables = sequence(probe)  # read once: a generator is a sequence too
            if variables is None or not all(isinstance(v, str) for v in variables):
                raise ParameterError(f"record[{group!r}] must be a list of variable names, e.g. ['u'], got {probe!r}")
            probe = Probe(variables)
        unknown = [v for v in probe.variables if v not in allowed[group]]
        if unknown or not probe.variables:
            raise ParameterError(f"record[{group!r}]: unknown or no variables {unknown}; choose from {allowed[group]}")
        checked[group] = probe
    return checked


def _checked_spikes(labels: dict[str, dict], spikes) -> tuple[str, ...]:
    """``spikes`` as a tuple of group names, every group one with a spike count n_spikes."""
    names = tuple(spikes) if is_sequence(spikes) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise ParameterError(f"spikes must be a list of group names (empty: none), got {spikes!r}")
    spiking = sorted(name for name, variables in labels.items() if "n_spikes" in variables)
    for name in names:
        if name not in spiking:
            raise ParameterError(f"spikes: {name!r} has no spikes; groups with spikes (spiking mode only): {spiking}")
    return names


def _checked_currents(labels: dict[str, dict], currents) -> dict[str, list[str]]:
    """``currents`` as {group: [equation lines]}, every group one with a membrane potential u."""
    if currents is None:
        return {}
    if not isinstance(currents, dict):
        raise ParameterError(f"currents must map group names to lists of equation lines, got {type(currents).__name__}")
    checked = {}
    for group, lines in currents.items():
        if "u" not in labels.get(group, {}):
            choices = sorted(name for name, variables in labels.items() if "u" in variables)
            raise ParameterError(f"currents: {group!r} has no membrane potential u; choose from {choices}")
        if isinstance(lines, str) or not lines or not all(isinstance(line, str) for line in lines):
            raise ParameterError(f"currents[{group!r}] must be a list of equation lines, got {lines!r}")
        checked[group] = list(lines)
    return checked


def _describe(obj: BrianObject) -> dict:
    """What the generated code of a user's Brian2 object depends on, as canonical JSON."""
    description = {"type": type(obj).__name__, "name": obj.name, "when": obj.when, "order": obj.order}
    description["dt"] = float(obj.clock.dt)
    for attribute in ("equations", "events", "event_codes", "record_variables", "event", "abstract_code"):
        if getattr(obj, attribute, None) is not None:
            description[attribute] = str(getattr(obj, attribute))
    for attribute in ("source", "target"):
        if getattr(obj, attribute, None) is not None:
            description[attribute] = getattr(obj, attribute).name
    if isinstance(getattr(obj, "record", None), np.ndarray):
        description["record"] = obj.record.tolist()
    if hasattr(obj, "_pathways"):  # a Synapses' on_pre/on_post code
        description["pathways"] = [str(pathway.code) for pathway in obj._pathways]
    if isinstance(obj, brian2.NeuronGroup):
        description["N"] = len(obj)
    description["contained"] = [_describe(child) for child in obj.contained_objects]
    return description
