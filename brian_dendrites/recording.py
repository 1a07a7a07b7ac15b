"""Recorded traces of a network run, independent of the simulator.

A :class:`Recording` is what the network returns and what the exporters write:
regularly sampled traces, each labelled with the layer, the population and
the compartment it comes from, in the paper's terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from brian_dendrites.errors import ParameterError

if TYPE_CHECKING:
    import neo
from brian_dendrites.validation import check_integer, check_real, is_integer, sequence

__all__ = ["Probe", "Trace", "Spikes", "Epoch", "Recording", "QUANTITIES"]

#: What a trace measures. Populations and compartments are the model's own names (its labels).
QUANTITIES = ("voltage", "rate", "weight", "other")


@dataclass(frozen=True)
class Probe:
    """Variables of one group or synapse to record, of the ``indices`` given.

    The indices are of neurons, or of synapses in connection order; None records all of them, as
    ``Simulation(record={name: [variables]})`` does.

    Parameters
    ----------
    variables : sequence of str
        Names of the variables to record (a list, not a single string).
    indices : sequence of int or None, optional
        Distinct indices >= 0 of the neurons or synapses to record, at least one; None: all.

    Raises
    ------
    ParameterError
        If ``variables`` is not a list of names or ``indices`` are not distinct integers >= 0.
    """

    variables: tuple[str, ...]
    indices: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        variables = sequence(self.variables)  # read once: a generator is a sequence too
        if variables is None or not all(isinstance(v, str) for v in variables):
            raise ParameterError(
                f"Probe.variables must be a list of variable names, e.g. ['u'], got {self.variables!r}"
            )
        object.__setattr__(self, "variables", variables)
        if self.indices is not None:
            indices = sequence(self.indices) or ()
            if not indices or not all(is_integer(i) and i >= 0 for i in indices) or len(set(indices)) != len(indices):
                raise ParameterError(
                    "Probe.indices must be distinct indices >= 0 (integers), at least one, or None; "
                    f"got {self.indices!r}"
                )
            object.__setattr__(self, "indices", tuple(int(i) for i in indices))


@dataclass(frozen=True)
class Trace:
    """One recorded variable of one population, sampled on the recording's clock.

    ``values`` has shape (n_samples, n_neurons). Potentials are in the paper's
    model units (membrane capacitance 1, resting potential 0), rates are the
    output of the transfer function phi; both are dimensionless, ``unit`` says so.

    Parameters
    ----------
    name : str
        The trace's name, unique in its recording (the runner writes 'group.variable').
    values : array_like
        The samples, shape (n_samples, n_neurons); stored as a float array.
    layer : int
        The layer index of the population.
    population : str
        The population's name (the model's own), not empty.
    compartment : str
        The compartment's name (the model's own), not empty.
    quantity : str
        What the trace measures, one of :data:`QUANTITIES`.
    neuron_ids : array_like
        The index of the neuron (or synapse) of each column, shape (n_neurons,); stored as int64.
    unit : str, optional
        The unit of ``values``.
    description : str, optional
        Free text.

    Raises
    ------
    ParameterError
        If ``values`` is not 2-D, ``neuron_ids`` does not have one entry per column, ``population`` or
        ``compartment`` is empty, or ``quantity`` is not one of :data:`QUANTITIES`.
    """

    name: str
    values: np.ndarray
    layer: int
    population: str
    compartment: str
    quantity: str
    neuron_ids: np.ndarray
    unit: str = "dimensionless"
    description: str = ""

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=float)
        if values.ndim != 2:
            raise ParameterError(f"Trace '{self.name}': values must be 2-D (samples, neurons), got {values.shape}")
        ids = np.asarray(self.neuron_ids, dtype=np.int64)
        if ids.shape != (values.shape[1],):
            raise ParameterError(f"Trace '{self.name}': neuron_ids needs {values.shape[1]} entries, got {ids.shape}")
        for label in ("population", "compartment"):
            if not isinstance(getattr(self, label), str) or not getattr(self, label):
                raise ParameterError(
                    f"Trace '{self.name}': {label} must be a non-empty name, got {getattr(self, label)!r}"
                )
        if self.quantity not in QUANTITIES:
            raise ParameterError(f"Trace '{self.name}': quantity must be one of {QUANTITIES}, got '{self.quantity}'")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "neuron_ids", ids)


@dataclass(frozen=True)
class Spikes:
    """The spikes of one population: one entry per spike, in time order.

    A count of k spikes of one neuron in one time step gives k entries of the same time.

    Parameters
    ----------
    name : str
        The population's group name, unique among the recording's spikes (e.g. ``'pyramidal_1'``).
    times : array_like
        Spike times in seconds, finite and non-decreasing; stored as float64.
    units : array_like
        The unit of each spike, an index into ``unit_names``; stored as int64.
    unit_names : sequence of str
        The name of each unit, e.g. ``'pyramidal_1[3]'``; a model may name units otherwise, e.g. the
        microcircuit's opponent inputs ``'input_0[3] ON'`` and ``'input_0[3] OFF'``. Stored as a tuple.
    layer : int
        The layer index of the population.
    population : str
        The population's name (the model's own), not empty.
    description : str, optional
        Free text.

    Raises
    ------
    ParameterError
        If times and units differ in length, times are not finite and non-decreasing, a unit index
        lies outside ``unit_names``, or ``population`` is empty.
    """

    name: str
    times: np.ndarray
    units: np.ndarray
    unit_names: tuple[str, ...]
    layer: int
    population: str
    description: str = ""

    def __post_init__(self) -> None:
        times, units = np.asarray(self.times, dtype=np.float64), np.asarray(self.units, dtype=np.int64)
        names = tuple(self.unit_names)
        if times.ndim != 1 or times.shape != units.shape:
            raise ParameterError(f"Spikes '{self.name}': times and units must be 1-D of one length")
        if not np.all(np.isfinite(times)) or np.any(np.diff(times) < 0):
            raise ParameterError(f"Spikes '{self.name}': times must be finite and non-decreasing")
        if units.size and (units.min() < 0 or units.max() >= len(names)):
            raise ParameterError(f"Spikes '{self.name}': units must index unit_names (0..{len(names) - 1})")
        if not isinstance(self.population, str) or not self.population:
            raise ParameterError(f"Spikes '{self.name}': population must be a non-empty name")
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "unit_names", names)

    def between(self, start: float, stop: float) -> Spikes:
        """The spikes at ``start <= t < stop`` (seconds).

        Parameters
        ----------
        start : float
            Start, in seconds.
        stop : float
            End, in seconds.

        Returns
        -------
        Spikes
            The same units and labels, fewer spikes.
        """
        inside = (self.times >= start) & (self.times < stop)
        return replace(self, times=self.times[inside], units=self.units[inside])

    def per_neuron(self, size: int, rng: np.random.Generator) -> Spikes:
        """The spikes of ``size`` neurons per unit, each at 1/size of the unit's rate (population coding).

        Each spike goes to one of its unit's ``size`` neurons, uniformly at random. Where a unit's count in
        a time step is Poisson with mean N lambda, its neurons' counts are then independent Poisson counts
        of mean lambda each: a unit at psi is exactly a population of N neurons at psi / N whose spikes
        its postsynaptic units sum, with one weight per pair of units.

        Parameters
        ----------
        size : int
            Neurons per unit, >= 1.
        rng : numpy.random.Generator
            Picks the neuron of each spike.

        Returns
        -------
        Spikes
            The same spike times; unit ``u`` becomes neurons ``u * size`` to ``u * size + size - 1``, named
            ``'<unit>/<j>'``.

        Raises
        ------
        ParameterError
            If ``size`` is not an integer >= 1.
        """
        size = check_integer("size", size, 1)
        neurons = self.units * size + rng.integers(0, size, self.units.size)
        names = tuple(f"{unit}/{j}" for unit in self.unit_names for j in range(size))
        return replace(self, units=neurons, unit_names=names)

    def rates(self, duration: float) -> np.ndarray:
        """Each unit's mean rate over ``duration`` seconds, in Hz (its spikes / duration).

        Parameters
        ----------
        duration : float
            The time the spikes were recorded over, in seconds, > 0.

        Returns
        -------
        numpy.ndarray
            One rate per unit of ``unit_names``.

        Raises
        ------
        ParameterError
            If ``duration`` is not a number > 0.
        """
        if not check_real("duration", duration, 0) > 0:
            raise ParameterError(f"duration must be > 0 seconds, got {duration}")
        return np.bincount(self.units, minlength=len(self.unit_names)) / duration


@dataclass(frozen=True)
class Epoch:
    """A named interval of a recording, such as a phase of a protocol (an NWB epoch).

    Parameters
    ----------
    name : str
        The epoch's name, not empty, unique in its recording.
    start_time : float
        Start, in seconds.
    stop_time : float
        End, in seconds, after ``start_time``; the epoch holds the samples at ``start_time <= t < stop_time``.
    description : str, optional
        What happens in the epoch.

    Raises
    ------
    ParameterError
        If ``name`` is empty or the times are not finite with ``start_time < stop_time``.
    """

    name: str
    start_time: float
    stop_time: float
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(f"Epoch.name must be a non-empty name, got {self.name!r}")
        start, stop = float(self.start_time), float(self.stop_time)
        if not (np.isfinite(start) and np.isfinite(stop) and start < stop):
            raise ParameterError(f"Epoch '{self.name}': needs finite start_time < stop_time, got {start}, {stop}")
        object.__setattr__(self, "start_time", start)
        object.__setattr__(self, "stop_time", stop)


@dataclass(frozen=True)
class Recording:
    """Traces sampled at ``sampling_rate`` (Hz) from ``start_time`` (s), or at explicit ``timestamps``.

    As in an NWB TimeSeries, the sample times are either regular (a rate and a start time) or listed.

    Parameters
    ----------
    sampling_rate : float or None
        Samples per second (Hz), finite and > 0; None when ``timestamps`` lists the sample times.
    traces : sequence of Trace
        The traces, of unique names and all of the same number of samples; stored as a tuple.
    start_time : float, optional
        Time of the first sample, in seconds (regular sampling only).
    description : str, optional
        Free text, e.g. what ran; the NWB file's session description (:func:`~brian_dendrites.export.write_nwb`).
    metadata : dict, optional
        Anything to keep with the traces; the exporters write it as JSON. ``"model"``, the name of the
        model that ran, names the NWB processing module.
    timestamps : array_like or None, optional
        The time of each sample in seconds, finite and increasing, one per sample; only without a
        ``sampling_rate``. Stored as a float64 array.
    epochs : sequence of Epoch, optional
        Named intervals of the recording (the phases of a protocol); stored as a tuple.
    spikes : sequence of Spikes, optional
        Spike trains of whole populations, on the clock of the sample times; stored as a tuple.

    Raises
    ------
    ParameterError
        If not exactly one of ``sampling_rate`` and ``timestamps`` is given, ``sampling_rate`` is not a
        positive number, ``timestamps`` are not increasing times of each sample, trace names or epoch
        names repeat, spike trains share a name, or the traces differ in length.
    """

    sampling_rate: float | None
    traces: tuple[Trace, ...]
    start_time: float = 0.0
    description: str = ""
    metadata: dict = field(default_factory=dict)
    timestamps: np.ndarray | None = None
    epochs: tuple[Epoch, ...] = ()
    spikes: tuple[Spikes, ...] = ()

    def __post_init__(self) -> None:
        names = [trace.name for trace in self.traces]
        if len(set(names)) != len(names):
            raise ParameterError(f"trace names must be unique, got {names}")
        lengths = {trace.values.shape[0] for trace in self.traces}
        if len(lengths) > 1:
            raise ParameterError(f"all traces must have the same number of samples, got {sorted(lengths)}")
        object.__setattr__(self, "traces", tuple(self.traces))
        if (self.sampling_rate is None) == (self.timestamps is None):
            raise ParameterError("a Recording needs either a sampling_rate or timestamps, not both or neither")
        if self.timestamps is None:
            if not np.isfinite(self.sampling_rate) or self.sampling_rate <= 0:
                raise ParameterError(f"sampling_rate must be a positive number of Hz, got {self.sampling_rate}")
        else:
            times = np.asarray(self.timestamps, dtype=np.float64)
            if times.shape != (self.n_samples,) or not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
                raise ParameterError(
                    f"timestamps must be {self.n_samples} finite, increasing times in seconds, got shape {times.shape}"
                )
            if self.start_time != 0.0:
                raise ParameterError("start_time applies to regular sampling; with timestamps, leave it at 0")
            object.__setattr__(self, "timestamps", times)
        epochs = tuple(self.epochs)
        if len({e.name for e in epochs}) != len(epochs):
            raise ParameterError(f"epoch names must be unique, got {[e.name for e in epochs]}")
        object.__setattr__(self, "epochs", epochs)
        spikes = tuple(self.spikes)
        if len({s.name for s in spikes}) != len(spikes):
            raise ParameterError(f"spike train names must be unique, got {[s.name for s in spikes]}")
        object.__setattr__(self, "spikes", spikes)

    @property
    def n_samples(self) -> int:
        """Number of samples of each trace (0 without traces)."""
        return self.traces[0].values.shape[0] if self.traces else 0

    @property
    def times(self) -> np.ndarray:
        """Sample times in seconds."""
        if self.timestamps is not None:
            return self.timestamps
        return self.start_time + np.arange(self.n_samples) / self.sampling_rate

    def epoch(self, name: str) -> Recording:
        """The samples of the epoch ``name`` (``start_time <= t < stop_time``), as a recording of its own.

        Parameters
        ----------
        name : str
            The epoch's name.

        Returns
        -------
        Recording
            The traces and spikes cut to the epoch, with their sample times, the same description and
            metadata, and that epoch alone.

        Raises
        ------
        KeyError
            If no epoch has that name; the message lists the names.
        """
        epoch = next((e for e in self.epochs if e.name == name), None)
        if epoch is None:
            raise KeyError(f"no epoch named '{name}'; have {[e.name for e in self.epochs]}")
        times = self.times
        inside = (times >= epoch.start_time) & (times < epoch.stop_time)
        traces = tuple(replace(t, values=t.values[inside]) for t in self.traces)
        spikes = tuple(s.between(epoch.start_time, epoch.stop_time) for s in self.spikes)
        if self.timestamps is None:
            start = float(times[inside][0]) if inside.any() else epoch.start_time
            return replace(self, traces=traces, start_time=start, epochs=(epoch,), spikes=spikes)
        return replace(self, traces=traces, timestamps=times[inside], epochs=(epoch,), spikes=spikes)

    def to_neo(self) -> neo.Block:
        """The recording as a :class:`neo.Block`, for Elephant and the rest of the Neo ecosystem.

        Signals named as the traces, one channel per neuron; a SpikeTrain per unit of each spike train;
        the epochs as a neo.Epoch (:func:`brian_dendrites.export.to_neo` gives the layout).

        Returns
        -------
        neo.Block
            A new Block with one Segment.

        Raises
        ------
        ParameterError
            If a trace's unit is not one that Neo knows, or the metadata cannot be written as JSON.
        """
        from brian_dendrites.export import to_neo

        return to_neo(self)

    def spike_train(self, name: str) -> Spikes:
        """The spikes of the population ``name``.

        Parameters
        ----------
        name : str
            The spike train's name (a group name).

        Returns
        -------
        Spikes
            Its spikes.

        Raises
        ------
        KeyError
            If no spike train has that name; the message lists the names.
        """
        for spikes in self.spikes:
            if spikes.name == name:
                return spikes
        raise KeyError(f"no spikes named '{name}'; have {[s.name for s in self.spikes]}")

    def __getitem__(self, name: str) -> Trace:
        """The trace named ``name``.

        Parameters
        ----------
        name : str
            The trace's name.

        Returns
        -------
        Trace
            The trace of that name.

        Raises
        ------
        KeyError
            If no trace has that name; the message lists the names.
        """
        for trace in self.traces:
            if trace.name == name:
                return trace
        raise KeyError(f"no trace named '{name}'; have {[t.name for t in self.traces]}")
