"""Runs a microcircuit on a Brian2 code-generation target.

``cpp_standalone`` (the default for protocols) compiles the network once per
structure into a cached project directory; every later run with new inputs,
targets, weights, learning rates, noise amplitudes or seed only reruns the
binary with ``run_args``. ``cython`` and ``numpy`` run in-process (tests,
interactive use) and also reuse their compiled code, because every object
has a fixed name.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import brian2
import numpy as np
from brian2 import Clock, Network, StateMonitor, TimedArray, ms, second
from brian2.core.variables import ArrayVariable
from brian2.devices.device import all_devices

from brian_dendrites.models.microcircuit.network import (
    build_microcircuit,
    matrix_to_synapses,
    runtime_parameters,
    synapses_to_matrix,
)
from brian_dendrites.models.microcircuit.parameters import (
    InterneuronParams,
    LearningRates,
    MicrocircuitParams,
    PyramidalParams,
)
from brian_dendrites.recording import Recording, Trace
from brian_dendrites.validation import check_inputs, check_params, check_state_finite

__all__ = ["TARGETS", "NetworkState", "RunResult", "Simulation", "cache_directory", "structure"]

TARGETS = ("cpp_standalone", "cython", "numpy")

# Brian2 compiles with -ffast-math -fno-finite-math-only, which keeps NaN and inf
# semantics but leaves __FAST_MATH__ undefined, so glibc declares no vector
# exp/log. Defining it lets GCC vectorise the per-neuron transfer functions
# with libmvec (about 4x faster on AVX2); NaN still propagates.
_VECTOR_MATH = "-D__FAST_MATH__"

# Compartment and quantity of each recordable variable.
_LABELS = {
    "u": ("soma", "voltage"),
    "v_B": ("basal", "voltage"),
    "v_A": ("apical", "voltage"),
    "v_TD": ("apical", "voltage"),
    "v_PI": ("apical", "voltage"),
    "v_D": ("dendrite", "voltage"),
    "r": ("rate", "rate"),
}


@dataclass
class NetworkState:
    """Everything a run starts from and ends with.

    ``weights`` and ``induction`` (the tau_w-filtered plasticity induction of
    filtered plastic pathways) are (post, pre) matrices by projection name;
    ``potentials`` maps 'group.variable' to the somatic potentials u, the
    dendritic potentials v_B, v_TD, v_PI, v_D and the filtered input rates r,
    so that consecutive runs continue exactly where the previous one stopped.
    """

    weights: dict[str, np.ndarray]
    induction: dict[str, np.ndarray] = field(default_factory=dict)
    potentials: dict[str, np.ndarray] = field(default_factory=dict)

    def copy(self) -> NetworkState:
        copy = {k: v.copy() for k, v in self.weights.items()}
        return NetworkState(
            copy, {k: v.copy() for k, v in self.induction.items()}, {k: v.copy() for k, v in self.potentials.items()}
        )


@dataclass
class RunResult:
    state: NetworkState
    recording: Recording | None


def cache_directory() -> Path:
    """Where compiled standalone projects live: $BRIAN_DENDRITES_CACHE or ~/.cache/brian_dendrites."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "brian_dendrites"
    return Path(os.environ.get("BRIAN_DENDRITES_CACHE", default))


class Simulation:
    """A microcircuit that runs ``n_patterns`` patterns of ``pattern_duration`` each.

    ``record`` maps group names to variables to record every ``record_dt``,
    e.g. ``{"pyramidal_1": ["u", "v_A"]}``. Only one ``cpp_standalone``
    simulation can be active per process: building a second one retires the first.
    ``name`` separates the build directories of simulations that run in
    parallel processes.
    """

    def __init__(
        self,
        params: MicrocircuitParams,
        n_patterns: int,
        pattern_duration: brian2.Quantity = 100 * ms,
        record: dict[str, list[str]] | None = None,
        record_dt: brian2.Quantity = 1 * ms,
        target: str = "cpp_standalone",
        name: str = "",
    ) -> None:
        check_params(params)
        if target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got '{target}'")
        if int(n_patterns) != n_patterns or n_patterns < 1:
            raise ValueError(f"n_patterns must be an integer >= 1, got {n_patterns}")
        steps = float(pattern_duration / params.dt)
        if pattern_duration <= 0 * ms or abs(steps - round(steps)) > 1e-9:
            raise ValueError(f"pattern_duration must be a positive multiple of dt={params.dt}, got {pattern_duration}")
        self.params, self.n_patterns, self.target = params, int(n_patterns), target
        self.pattern_duration, self.record, self.record_dt = pattern_duration, dict(record or {}), record_dt
        self.name = name
        self._built = None  # (circuit, network, monitors, seed holder, directory) once built for standalone

    # -- public API -------------------------------------------------------------------------

    def run(
        self,
        state: NetworkState,
        inputs: np.ndarray,
        targets: np.ndarray | None = None,
        nudging: np.ndarray | None = None,
        *,
        eta: LearningRates | None = None,
        noise: bool = True,
        seed: int = 0,
        params: MicrocircuitParams | None = None,
    ) -> RunResult:
        """Present ``inputs`` (n_patterns, n_input rates), one pattern after another.

        ``targets`` are output somatic target potentials u_tgt (n_patterns, n_output);
        ``nudging`` (n_patterns,) switches the teaching input on per pattern
        (default: on wherever targets are given). ``eta`` overrides the learning
        rates of ``params``; ``noise=False`` sets sigma to 0 for this run.
        ``params`` replaces the conductances, noise amplitudes and learning rates
        for this run: it must have the same structure (see ``structure``).
        """
        p = params or self.params
        check_params(p)
        if structure(p) != structure(self.params):
            raise ValueError("params for a run may differ from the simulation's only in conductances, sigma and eta")
        inputs, targets, nudging = check_inputs(p, self.n_patterns, inputs, targets, nudging)
        eta = eta or p.eta
        if self.target == "cpp_standalone":
            return self._run_standalone(p, state, inputs, targets, nudging, eta, noise, seed)
        return self._run_runtime(p, state, inputs, targets, nudging, eta, noise, seed)

    def steady_state(self, state: NetworkState, inputs, targets=None, nudging=None, *, params=None):
        """Recorded values at the end of each pattern, without noise and plasticity.

        Returns {trace name: (pattern, neuron) array}. The network is taken as
        settled after a pattern's duration (>> 1/g_total and tau_input).
        """
        result = self.run(state, inputs, targets, nudging, eta=LearningRates(), noise=False, params=params)
        per_pattern = round(float(self.pattern_duration / self.record_dt))
        return {t.name: t.values[per_pattern - 1 :: per_pattern] for t in result.recording.traces}

    # -- building ---------------------------------------------------------------------------

    def _build(self, r_pattern: TimedArray, u_target: TimedArray, nudging: TimedArray):
        circuit = build_microcircuit(self.params, r_pattern, u_target, nudging)
        # Created only when used: an orphaned Clock would leave dead arrays in the standalone device.
        record_clock = Clock(self.record_dt, name="record_clock") if self.record else None
        monitors = {
            name: StateMonitor(circuit.groups[name], variables, record=True, clock=record_clock, name=f"monitor_{name}")
            for name, variables in self.record.items()
        }
        network = Network(*circuit.objects, *monitors.values(), name="microcircuit")
        return circuit, network, monitors

    def _timed_arrays(self, inputs, targets, nudging) -> tuple[TimedArray, TimedArray, TimedArray]:
        dt = self.pattern_duration
        return (
            TimedArray(inputs, dt=dt, name="r_pattern"),
            TimedArray(targets, dt=dt, name="u_target"),
            TimedArray(nudging, dt=dt, name="nudging"),
        )

    @property
    def duration(self) -> brian2.Quantity:
        return self.n_patterns * self.pattern_duration

    def _structure_key(self) -> str:
        structure_ = (
            structure(self.params),
            self.n_patterns,
            self.pattern_duration,
            sorted((k, tuple(v)) for k, v in self.record.items()),
            self.record_dt,
            brian2.__version__,
        )
        return hashlib.sha256(repr(structure_).encode()).hexdigest()[:16]

    def _run_runtime(self, params, state, inputs, targets, nudging, eta, noise, seed) -> RunResult:
        _use_vector_math()
        _active_standalone.clear()
        brian2.set_device("runtime")
        brian2.prefs.codegen.target = self.target
        brian2.seed(seed)
        circuit, network, monitors = self._build(*self._timed_arrays(inputs, targets, nudging))
        for variable, value in self._initial_values(circuit, params, state, eta, noise).items():
            variable.set_item(slice(None), value)
        network.run(self.duration, namespace={})
        return self._collect(circuit, monitors)

    def _run_standalone(self, params, state, inputs, targets, nudging, eta, noise, seed) -> RunResult:
        if _active_standalone.get("simulation") is not self or brian2.get_device() is not all_devices["cpp_standalone"]:
            self._build_standalone(inputs, targets, nudging)
        circuit, network, monitors, seed_holder, directory = self._built
        device = brian2.get_device()
        run_args = self._initial_values(circuit, params, state, eta, noise)
        run_args |= {
            circuit.r_pattern: inputs,
            circuit.u_target: targets,
            circuit.nudging: nudging,
            seed_holder.seed: int(seed),
        }
        device.run(directory=str(directory), with_output=False, run_args=run_args)
        try:
            return self._collect(circuit, monitors)
        finally:
            device.delete(code=False, data=False, run_args=True, directory=False)

    def _build_standalone(self, inputs, targets, nudging) -> None:
        _use_vector_math()
        all_devices["cpp_standalone"].reinit()  # retires any earlier standalone network
        directory = cache_directory() / f"standalone_{self.name + '_' if self.name else ''}{self._structure_key()}"
        brian2.set_device("cpp_standalone", directory=str(directory), build_on_run=False)
        device = brian2.get_device()
        zeros = (np.zeros_like(inputs), np.zeros_like(targets), np.zeros_like(nudging))
        circuit, network, monitors = self._build(*self._timed_arrays(*zeros))
        seed_holder = brian2.NeuronGroup(1, "seed : integer (shared, constant)", name="rng_seed")
        network.add(seed_holder)
        # Zeros in the code; the real values always come as run_args, so the code never changes.
        for variable in self._initial_values(circuit, self.params, _zero_state(circuit), LearningRates(), False):
            variable.set_item(slice(None), 0)
        device.apply_run_args()
        generator_seed = (
            f"brian::_random_generators[0].seed(brian::{device.get_array_name(seed_holder.variables['seed'])}[0]);"
        )
        device.insert_code("main", generator_seed)
        network.run(self.duration, namespace={})
        device.build(directory=str(directory), compile=True, run=False, with_output=False)
        self._built = (circuit, network, monitors, seed_holder, directory)
        _active_standalone["simulation"] = self

    # -- state in and out -------------------------------------------------------------------

    def _initial_values(self, circuit, params, state: NetworkState, eta: LearningRates, noise: bool) -> dict:
        """Brian2 variable views -> values, for every settable quantity of a run."""
        values = runtime_parameters(circuit.groups, params)
        if not noise:
            values |= {view: 0 * value for view, value in values.items() if view.name == "sigma"}
        n = len(params.sizes) - 1
        for proj in circuit.projections:
            syn = circuit.synapses[proj.name]
            if proj.name not in state.weights:
                raise ValueError(f"state.weights is missing '{proj.name}'")
            shape = (proj.n_post, proj.n_pre)
            values[syn.w] = matrix_to_synapses(_checked_shape(state.weights[proj.name], shape, proj.name))
            if circuit.plastic(proj):
                values[syn.eta] = eta.for_projection(proj.pathway, proj.layer, n)
                if params.tau_w is not None:
                    induction = state.induction.get(proj.name, np.zeros(shape))
                    values[syn.induction] = matrix_to_synapses(induction)
        for key, view in _state_variables(circuit).items():
            values[view] = state.potentials.get(key, np.zeros(len(view.group)))
        return values

    def _collect(self, circuit, monitors) -> RunResult:
        p = self.params
        weights, induction, potentials = {}, {}, {}
        for proj in circuit.projections:
            syn = circuit.synapses[proj.name]
            weights[proj.name] = synapses_to_matrix(syn.w[:], proj.n_pre, proj.n_post)
            if circuit.plastic(proj) and p.tau_w is not None:
                induction[proj.name] = synapses_to_matrix(syn.induction[:], proj.n_pre, proj.n_post)
        potentials = {key: np.asarray(view[:], dtype=float) for key, view in _state_variables(circuit).items()}
        state = NetworkState(weights, induction, potentials)
        recording = self._recording(monitors) if monitors else None
        check_state_finite(state, recording)
        return RunResult(state, recording)

    def _recording(self, monitors) -> Recording:
        traces = []
        for name, monitor in monitors.items():
            population, layer = name.rsplit("_", 1)
            for variable in self.record[name]:
                compartment, quantity = _LABELS[variable]
                values = np.asarray(getattr(monitor, variable)).T
                traces.append(
                    Trace(
                        f"{name}.{variable}",
                        values,
                        int(layer),
                        population,
                        compartment,
                        quantity,
                        np.arange(values.shape[1]),
                    )
                )
        return Recording(float(1 / (self.record_dt / second)), tuple(traces))


_active_standalone: dict[str, Simulation] = {}


def structure(params: MicrocircuitParams) -> tuple:
    """What the generated code depends on: everything but conductances, noise amplitudes and learning rates.

    Noise is structural only in whether it is present at all in a layer.
    """
    n = len(params.sizes) - 1
    noise = tuple(params.pyramidal_layer(k).sigma > 0 for k in range(1, n + 1))
    noise += tuple(params.interneuron_layer(k).sigma > 0 for k in range(1, n))
    fixed = params.replace(
        eta=LearningRates(),
        hidden=PyramidalParams(),
        output=PyramidalParams(g_A=0 / ms),
        interneuron=InterneuronParams(),
    )
    return repr(fixed), noise


def _use_vector_math() -> None:
    flags = brian2.prefs.codegen.cpp.extra_compile_args_gcc
    if _VECTOR_MATH not in flags:
        brian2.prefs.codegen.cpp.extra_compile_args_gcc = [*flags, _VECTOR_MATH]


# Per-neuron state a run continues from: somatic potentials, rates and the
# dendritic potentials summed in the previous step (which the error factors of
# the first step read).
_STATE = ("u", "r", "v_B", "v_TD", "v_PI", "v_D")


def _state_variables(circuit) -> dict:
    """'group.variable' -> variable view, for every stored per-neuron state variable."""
    return {
        f"{name}.{variable}": getattr(group, variable)
        for name, group in circuit.groups.items()
        for variable in _STATE
        if isinstance(group.variables.get(variable), ArrayVariable)
    }


def _zero_state(circuit) -> NetworkState:
    return NetworkState({proj.name: np.zeros((proj.n_post, proj.n_pre)) for proj in circuit.projections})


def _checked_shape(matrix: np.ndarray, shape: tuple[int, int], name: str) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=float)
    if matrix.shape != shape:
        raise ValueError(f"weights '{name}' must have shape (post, pre) = {shape}, got {matrix.shape}")
    return matrix
