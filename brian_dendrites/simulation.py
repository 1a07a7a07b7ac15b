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

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brian2
import numpy as np
from brian2 import BrianObject, Clock, Network, SpikeMonitor, StateMonitor, TimedArray, ms, second

from brian_dendrites.canonical import digest, dumps
from brian_dendrites.devices import standalone
from brian_dendrites.devices.cache import build_directory, describe
from brian_dendrites.devices.prefs import build_preferences, caller_state, preferences
from brian_dendrites.devices.standalone import ACTIVE_BUILD, Build
from brian_dendrites.devices.toolchain import import_brian2cuda, march, sort_recorded_variables
from brian_dendrites.errors import ParameterError
from brian_dendrites.model import check_currents, check_record, check_spikes, model_for, structure
from brian_dendrites.recording import Probe, Recording, Spikes, Trace
from brian_dendrites.state import NetworkState
from brian_dendrites.validation import check_integer, check_state, check_state_finite, is_integer

__all__ = ["STANDALONE_TARGETS", "TARGETS", "RunResult", "Simulation"]

TARGETS = ("cpp_standalone", "cuda_standalone", "cython", "numpy")
#: The targets that compile a project once per structure and rerun it with ``run_args``.
STANDALONE_TARGETS = ("cpp_standalone", "cuda_standalone")


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
    spike count ``n_spikes``); they come as ``Recording.spikes``. ``threads`` runs a ``cpp_standalone``
    build on that many OpenMP threads, and ``float32`` computes in single precision (Brian2's
    ``devices.cpp_standalone.openmp_threads`` and ``core.default_float_dtype``, set for the build and
    restored after it); the results are reproducible for a given number of threads. Recorded
    variables, spikes, objects, currents, threads, float32 and ``$BRIAN_DENDRITES_MARCH`` are part of
    the build's key.
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
    threads : int, optional
        OpenMP threads of a ``cpp_standalone`` build, in [1, 256]; other targets take 1 only. Default 1.
    float32 : bool, optional
        True computes in single precision (all targets); the state comes back in float64 (of float32
        values), the recording in float32. Default False.

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
        threads: int = 1,
        float32: bool = False,
    ) -> None:
        self.model = model_for(params)
        if target not in TARGETS:
            raise ParameterError(f"target must be one of {TARGETS}, got {target!r}")
        if target == "cuda_standalone":
            import_brian2cuda()
        n_patterns = check_integer("n_patterns", n_patterns, 1)
        _check_multiple("pattern_duration", pattern_duration, params.dt)
        _check_multiple("record_dt", record_dt, params.dt)
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", name):
            raise ParameterError(f"name must be letters, digits, '_' or '-' (it names a folder), got {name!r}")
        self.params, self.n_patterns, self.target = params, n_patterns, target
        self.pattern_duration, self.record_dt = pattern_duration, record_dt
        self.record = check_record(self.model.labels(params), record)
        if objects is not None and not callable(objects):
            raise ParameterError(f"objects must be a function of the built circuit, got {type(objects).__name__}")
        self.objects, self.currents = objects, check_currents(self.model.labels(params), currents)
        self.spikes = check_spikes(self.model.labels(params), spikes)
        self.threads = check_integer("threads", threads, 1, 256)
        if self.threads > 1 and target != "cpp_standalone":
            raise ParameterError(f"threads > 1 needs target 'cpp_standalone' (OpenMP), got {target!r}")
        if not isinstance(float32, bool):
            raise ParameterError(f"float32 must be True or False, got {float32!r}")
        self.float32, self.name = float32, name

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
        if not is_integer(seed) or not 0 <= seed < 2**32:
            raise ParameterError(f"seed must be an integer in [0, 2**32), got {seed!r}")
        if not isinstance(state, NetworkState):
            raise ParameterError(f"state must be a NetworkState, got {type(state).__name__}")
        check_state(self.model.zero_state(p), state)
        eta = eta if plasticity else None
        with caller_state(), warnings.catch_warnings():
            # Brian2 compares the float32 state with 1e50 after a run, which NumPy cannot cast to float32.
            warnings.filterwarnings("ignore", "overflow encountered in cast", RuntimeWarning)
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
        with caller_state():
            return self._build_standalone({name: np.ascontiguousarray(v) for name, v in arrays.items()}).directory

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
            sort_recorded_variables(monitor)  # as Brian2CUDA writes them, the same in every process
            monitors[f"spikes_{name}"] = monitor
        extra = list(self.objects(circuit)) if self.objects is not None else []
        network = Network(*circuit.objects, *monitors.values(), *extra, name=self.model.name)
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
            key["brian2cuda"] = import_brian2cuda().__version__
        if self.spikes:
            key["spikes"] = list(self.spikes)
        if self.currents:
            key["currents"] = self.currents
        if extra:
            key["objects"] = sorted((describe(obj) for obj in extra), key=dumps)
        # Only where they differ from the defaults, so that the keys of earlier builds stay the same.
        if self.threads > 1:
            key["threads"] = self.threads
        if self.float32:
            key["float32"] = True
        if march() != "native":
            key["march"] = march()
        return digest(key)

    def _preferences(self) -> dict[str, Any]:
        """Brian2's preferences for this simulation's build (see :func:`build_preferences`)."""
        settings = build_preferences(self.target)
        if self.threads > 1:
            settings["devices.cpp_standalone.openmp_threads"] = self.threads
        if self.float32:
            settings["core.default_float_dtype"] = np.float32
        return settings

    @property
    def _built(self) -> Build | None:
        """The standalone build of this simulation, None unless it is the process's active one."""
        return ACTIVE_BUILD.of(self)

    def _run_runtime(self, params, state, arrays, eta, noise, seed) -> RunResult:
        with preferences(self._preferences()):
            ACTIVE_BUILD.retire()
            brian2.set_device("runtime")
            brian2.seed(seed)
            circuit, network, monitors, extra = self._build(self._timed_arrays(arrays))
            for variable, value in self.model.load_state(circuit, params, state, eta, noise).items():
                variable.set_item(slice(None), value)
            network.run(self.duration, namespace={})
            return self._collect(circuit, monitors, extra)

    def _run_standalone(self, params, state, arrays, eta, noise, seed) -> RunResult:
        build = self._built or self._build_standalone(arrays)
        run_args = self.model.load_state(build.circuit, params, state, eta, noise)
        run_args |= {build.timed[name]: values for name, values in arrays.items()} | {build.seed_holder.seed: int(seed)}
        with standalone.running(build, run_args):
            return self._collect(build.circuit, build.monitors, build.extra)

    def _build_standalone(self, arrays: dict[str, np.ndarray]) -> Build:
        with standalone.fresh_device(self.target, self._preferences()) as device:
            timed = self._timed_arrays({name: np.zeros_like(values) for name, values in arrays.items()})
            circuit, network, monitors, extra = self._build(timed)
            key = self._structure_key(extra)  # the user's objects exist only now
            directory = build_directory(self.name, key)
            seed_holder = standalone.seed_holder()
            network.add(seed_holder)
            # Zeros in the code; the real values always come as run_args, so the code never changes.
            zero = self.model.zero_state(self.params)
            for variable in self.model.load_state(circuit, self.params, zero, None, False):
                variable.set_item(slice(None), 0)
            device.apply_run_args()
            standalone.seed_from(device, seed_holder, self.target, self.threads)
            network.run(self.duration, namespace={})
            standalone.finish(device, directory, key, self.target)
        build = Build(circuit, timed, network, monitors, extra, seed_holder, directory, self.target)
        ACTIVE_BUILD.hold(self, build)
        return build

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
                ids = np.arange(values.shape[1]) if probe.indices is None else np.array(probe.indices)
                where = (label.layer, label.population, label.compartment, label.quantity, ids)
                traces.append(Trace(f"{name}.{variable}", values, *where, description=label.description))
        spikes = []
        for name in self.spikes:
            units = self.model.spike_units(self.params, name)
            spikes.append(_spikes(name, monitors[f"spikes_{name}"], labels[name]["n_spikes"], units))
        rate, model = float(1 / (self.record_dt / second)), self.model
        metadata = {"model": model.name}
        return Recording(rate, tuple(traces), description=model.description, metadata=metadata, spikes=tuple(spikes))


def _spikes(name: str, monitor: SpikeMonitor, label, names: list[str]) -> Spikes:
    """The spikes of a SpikeMonitor of counts, ordered by (time, unit), of the units ``names`` (see
    NetworkModel.spike_units): a count k gives abs(k) spikes; a negative one of neuron i, of unit n + i."""
    counts = np.asarray(monitor.n_spikes, dtype=np.int64)
    times, neurons = np.asarray(monitor.t / second), np.asarray(monitor.i, dtype=np.int64)
    units = np.where(counts < 0, neurons + len(monitor.source), neurons)
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


def _check_multiple(name: str, value, dt) -> None:
    steps = float(value / dt) if isinstance(value, brian2.Quantity) and brian2.have_same_dimensions(value, ms) else 0
    if not (np.isfinite(steps) and steps >= 1 - 1e-9 and abs(steps - round(steps)) <= 1e-9):
        raise ParameterError(f"{name} must be a whole multiple >= 1 of dt={dt}, got {value!r}")
