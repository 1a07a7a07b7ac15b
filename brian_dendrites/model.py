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
    """What a recorded variable is, in the paper's terms (written into the exports).

    Parameters
    ----------
    population : str
        The model's name of the population (or pathway, for synapses) the variable belongs to.
    layer : int
        The layer index of the population.
    compartment : str
        The model's name of the compartment the variable comes from.
    quantity : str
        What the variable measures, one of :data:`brian_dendrites.recording.QUANTITIES`.
    description : str, optional
        What exactly the variable is, in the paper's terms (the exports' trace description).
    """

    population: str
    layer: int
    compartment: str
    quantity: str
    description: str = ""


class NetworkModel(Protocol):  # numpydoc ignore=PR01
    """What the runner needs from a model.

    ``inputs`` names the per-pattern TimedArrays the network reads (their values change at run time
    without recompiling). A circuit is what ``build`` returns: any object with ``objects`` (the Brian2
    objects to run, each with the name its labels use) and ``params`` (the record it was built from).
    Parameter records have ``dt`` and their learning rates ``eta``.

    Attributes
    ----------
    inputs : tuple of str
        Names of the per-pattern TimedArrays the network reads, the keys of ``check_run``'s arrays.
    """

    inputs: tuple[str, ...]

    def structure(self, params) -> dict:
        """What the generated code depends on, as canonical JSON (no run-time values).

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        dict
            Plain JSON types; records of equal structure compile to the same code.
        """

    def labels(self, params) -> dict[str, dict[str, Label]]:
        """The recordable variables: group -> variable -> label.

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        dict of str to dict of str to Label
            The label of each recordable variable, by group (or synapse) name and variable name.
        """

    def check_run(self, params, n_patterns: int, inputs, targets, nudging, eta) -> tuple[dict[str, np.ndarray], object]:
        """The run's arrays by input name, (n_patterns, ...) each, and its learning rates; ParameterError if bad.

        Parameters
        ----------
        params : parameter record
            The parameter record of the run.
        n_patterns : int
            Number of patterns of the run, >= 1.
        inputs : array_like
            The run's input, as given to :meth:`Simulation.run <brian_dendrites.simulation.Simulation.run>`.
        targets : array_like or None
            The run's targets, as given to ``Simulation.run`` (None: not given).
        nudging : array_like or None
            The run's teaching switch, as given to ``Simulation.run`` (None: not given).
        eta : learning rates or None
            Learning rates that override those of ``params`` (None: ``params.eta``).

        Returns
        -------
        arrays : dict of str to numpy.ndarray
            One array per name in ``inputs`` (the attribute), first axis n_patterns.
        eta : learning rates
            The learning rates of the run.

        Raises
        ------
        ParameterError
            If an array or the learning rates are of the wrong kind, shape or range.
        """

    def build(self, params, timed: dict[str, TimedArray], currents: dict[str, list[str]]):
        """A circuit of ``params`` reading the TimedArrays ``timed``; weights start at zero.

        ``currents`` maps groups to equation lines of extra currents (1/time) to add to their membrane
        equation; a model that has none raises ParameterError when ``currents`` is not empty.

        Parameters
        ----------
        params : parameter record
            The parameter record to build.
        timed : dict of str to brian2.TimedArray
            One TimedArray per name in ``inputs`` (the attribute), one value per pattern.
        currents : dict of str to list of str
            Group name -> equation lines of extra currents (1/time); may be empty.

        Returns
        -------
        circuit
            An object with ``objects`` (the Brian2 objects to run) and ``params`` (``params``).

        Raises
        ------
        ParameterError
            If ``currents`` is not empty and the model takes no extra currents.
        """

    def zero_state(self, params) -> NetworkState:
        """A state of the right names and shapes, all zero.

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        NetworkState
            Every weight matrix, filtered induction and carried potential of the network, all zero.
        """

    def load_state(self, circuit, params, state: NetworkState, eta, noise: bool) -> dict:
        """Brian2 variable views -> values that put ``state``, ``params`` and ``eta`` into ``circuit``.

        Parameters
        ----------
        circuit : circuit
            A circuit built by :meth:`build`.
        params : parameter record
            The record whose conductances and noise amplitudes to use; of the circuit's structure.
        state : NetworkState
            The state to load, of the names and shapes of :meth:`zero_state`.
        eta : learning rates or None
            The learning rates of the run (None: no plasticity, every weight frozen).
        noise : bool
            False sets the noise amplitudes to 0.

        Returns
        -------
        dict
            Brian2 variable view -> value, for ``set_item`` (runtime) or ``run_args`` (standalone).
        """

    def read_state(self, circuit) -> NetworkState:
        """The circuit's current state.

        Parameters
        ----------
        circuit : circuit
            A circuit built by :meth:`build`.

        Returns
        -------
        NetworkState
            The circuit's weights, filtered inductions and carried potentials.
        """


_REGISTRY: dict[type, NetworkModel] = {}


def register(params_type: type, model: NetworkModel) -> None:
    """Make ``model`` the model of parameter records of ``params_type``.

    Parameters
    ----------
    params_type : type
        The class of the model's parameter records (instances of subclasses also match).
    model : NetworkModel
        The model that runs them.
    """
    _REGISTRY[params_type] = model


def model_for(params) -> NetworkModel:
    """The registered model of ``params``; ParameterError naming the known records otherwise.

    Parameters
    ----------
    params : parameter record
        An instance of a registered parameter record class.

    Returns
    -------
    NetworkModel
        The model registered for the first class ``params`` is an instance of.

    Raises
    ------
    ParameterError
        If ``params`` is not a record of any registered model.
    """
    for kind, model in _REGISTRY.items():
        if isinstance(params, kind):
            return model
    known = sorted(kind.__name__ for kind in _REGISTRY)
    raise ParameterError(
        f"params must be the parameter record of a registered model {known}, got {type(params).__name__}"
    )
