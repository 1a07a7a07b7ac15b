"""Recorded traces of a microcircuit run, independent of the simulator.

A :class:`Recording` is what the network returns and what the exporters write:
regularly sampled traces, each labelled with the layer, the population and
the compartment it comes from, in the paper's terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from brian_dendrites.errors import ParameterError

__all__ = ["Probe", "Trace", "Recording", "QUANTITIES"]

#: What a trace measures. Populations and compartments are the model's own names (its labels).
QUANTITIES = ("voltage", "rate", "weight", "other")


@dataclass(frozen=True)
class Probe:
    """Variables of one group or synapse to record, of the ``indices`` given (neurons, or synapses in
    connection order; None: all). ``Simulation(record={name: [variables]})`` records all of them."""

    variables: tuple[str, ...]
    indices: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.variables, str) or not all(isinstance(v, str) for v in self.variables):
            raise ParameterError(
                f"Probe.variables must be a list of variable names, e.g. ['u'], got {self.variables!r}"
            )
        object.__setattr__(self, "variables", tuple(self.variables))
        if self.indices is not None:
            indices = tuple(int(i) for i in self.indices)
            if not indices or min(indices) < 0 or len(set(indices)) != len(indices):
                raise ParameterError(f"Probe.indices must be distinct indices >= 0, got {self.indices!r}")
            object.__setattr__(self, "indices", indices)


@dataclass(frozen=True)
class Trace:
    """One recorded variable of one population, sampled on the recording's clock.

    ``values`` has shape (n_samples, n_neurons). Potentials are in the paper's
    model units (membrane capacitance 1, resting potential 0), rates are the
    output of the transfer function phi; both are dimensionless, ``unit`` says so.
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
class Recording:
    """Traces sampled at ``sampling_rate`` (Hz) from ``start_time`` (s)."""

    sampling_rate: float
    traces: tuple[Trace, ...]
    start_time: float = 0.0
    description: str = ""
    metadata: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not np.isfinite(self.sampling_rate) or self.sampling_rate <= 0:
            raise ParameterError(f"sampling_rate must be a positive number of Hz, got {self.sampling_rate}")
        names = [trace.name for trace in self.traces]
        if len(set(names)) != len(names):
            raise ParameterError(f"trace names must be unique, got {names}")
        lengths = {trace.values.shape[0] for trace in self.traces}
        if len(lengths) > 1:
            raise ParameterError(f"all traces must have the same number of samples, got {sorted(lengths)}")
        object.__setattr__(self, "traces", tuple(self.traces))

    @property
    def n_samples(self) -> int:
        return self.traces[0].values.shape[0] if self.traces else 0

    @property
    def times(self) -> np.ndarray:
        """Sample times in seconds."""
        return self.start_time + np.arange(self.n_samples) / self.sampling_rate

    def __getitem__(self, name: str) -> Trace:
        for trace in self.traces:
            if trace.name == name:
                return trace
        raise KeyError(f"no trace named '{name}'; have {[t.name for t in self.traces]}")
