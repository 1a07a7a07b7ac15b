"""The contract between the framework and a model, and the registry that finds a model by its record.

The runner (:class:`~brian_dendrites.simulation.Simulation`), recording, export and checks know a
model only through :class:`NetworkModel`. A model lives in its own folder under models/ and
registers itself with one line, ``register(ParamsRecord, model)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from brian_dendrites.errors import ParameterError

if TYPE_CHECKING:
    from brian2 import TimedArray

    from brian_dendrites.simulation import NetworkState

__all__ = ["Label", "NetworkModel", "register", "model_for"]


@dataclass(frozen=True)
class Label:
    """What a recorded variable is, in the paper's terms (written into the exports)."""

    population: str
    layer: int
    compartment: str
    quantity: str


class NetworkModel(Protocol):
    """What the runner needs from a model.

    ``inputs`` names the per-pattern TimedArrays the network reads (their values change at run time
    without recompiling). A circuit is what ``build`` returns: any object with ``objects`` (the Brian2
    objects to run, each with the name its labels use) and ``params`` (the record it was built from).
    Parameter records have ``dt`` and their learning rates ``eta``.
    """

    inputs: tuple[str, ...]

    def structure(self, params) -> dict:
        """What the generated code depends on, as canonical JSON (no run-time values)."""

    def labels(self, params) -> dict[str, dict[str, Label]]:
        """The recordable variables: group -> variable -> label."""

    def check_run(self, params, n_patterns: int, inputs, targets, nudging, eta) -> tuple[dict[str, np.ndarray], object]:
        """The run's arrays by input name, (n_patterns, ...) each, and its learning rates; ParameterError if bad."""

    def build(self, params, timed: dict[str, TimedArray], currents: dict[str, list[str]]):
        """A circuit of ``params`` reading the TimedArrays ``timed``; weights start at zero. ``currents``
        maps groups to equation lines of extra currents (1/time) to add to their membrane equation;
        a model that has none raises ParameterError when ``currents`` is not empty."""

    def zero_state(self, params) -> NetworkState:
        """A state of the right names and shapes, all zero."""

    def load_state(self, circuit, params, state: NetworkState, eta, noise: bool) -> dict:
        """Brian2 variable views -> values that put ``state``, ``params`` and ``eta`` into ``circuit``."""

    def read_state(self, circuit) -> NetworkState:
        """The circuit's current state."""


_REGISTRY: dict[type, NetworkModel] = {}


def register(params_type: type, model: NetworkModel) -> None:
    """Make ``model`` the model of parameter records of ``params_type``."""
    _REGISTRY[params_type] = model


def model_for(params) -> NetworkModel:
    """The registered model of ``params``; ParameterError naming the known records otherwise."""
    for kind, model in _REGISTRY.items():
        if isinstance(params, kind):
            return model
    known = sorted(kind.__name__ for kind in _REGISTRY)
    raise ParameterError(
        f"params must be the parameter record of a registered model {known}, got {type(params).__name__}"
    )
