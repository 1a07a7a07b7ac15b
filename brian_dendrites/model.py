"""The contract between the framework and a model, and the registry that finds a model by its record.

The runner (:class:`~brian_dendrites.simulation.Simulation`), recording, export and checks know a
model only through :class:`NetworkModel`. A model lives in its own folder under models/ and
registers itself with one line, ``register(ParamsRecord, model)``; :func:`registered_models` and
:func:`model_named` find the models by name, those of plugins too (:mod:`brian_dendrites.plugins`).
:func:`structure`, :func:`load_state` and :func:`read_state` reach any registered model's record or
circuit through it;
:func:`check_record`, :func:`check_spikes` and :func:`check_currents` check what a caller asks to record
or add against a model's labels (a group with ``n_spikes`` spikes, one with ``u`` takes currents).
:class:`Label` and :class:`Projection` are the records every model describes its variables and its
synapses with.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from brian_dendrites import plugins
from brian_dendrites.errors import ParameterError
from brian_dendrites.recording import Probe
from brian_dendrites.validation import check_state, is_sequence, sequence

if TYPE_CHECKING:
    from brian2 import TimedArray

    from brian_dendrites.state import NetworkState

__all__ = [
    "Label",
    "Projection",
    "NetworkModel",
    "register",
    "registered_models",
    "model_named",
    "params_type",
    "model_source",
    "model_for",
    "structure",
    "load_state",
    "read_state",
    "check_record",
    "check_spikes",
    "check_currents",
]


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


@dataclass(frozen=True)
class Projection:
    """One dense all-to-all synapse group between two neuron groups, as a model's ``projections`` lists it.

    Parameters
    ----------
    name : str
        The projection's name, also its Brian2 Synapses name and its weights' key in a state, e.g.
        ``'bottom_up_1'``.
    pathway : str
        The model's name of its kind of projection: the name without the layer index, e.g. ``'bottom_up'``.
    layer : int
        The layer index k in its name (1-based).
    pre : str
        The presynaptic group, e.g. ``'input_0'``.
    post : str
        The postsynaptic group, e.g. ``'pyramidal_1'``.
    n_pre : int
        Neurons in ``pre``.
    n_post : int
        Neurons in ``post``; the weights are (n_post, n_pre).
    """

    name: str
    pathway: str
    layer: int
    pre: str
    post: str
    n_pre: int
    n_post: int


class NetworkModel(Protocol):  # numpydoc ignore=PR01
    """What the runner needs from a model.

    ``inputs`` names the per-pattern TimedArrays the network reads (their values change at run time
    without recompiling). A circuit is what ``build`` returns: any object with ``objects`` (the Brian2
    objects to run, each with the name its labels use) and ``params`` (the record it was built from).
    Parameter records have ``dt`` and their learning rates ``eta``.

    Attributes
    ----------
    name : str
        The model's name, e.g. ``"microcircuit"``: it names the Brian2 Network and the recordings' model.
    description : str
        One sentence on what the model is, e.g. the paper it comes from (the recordings' description).
    inputs : tuple of str
        Names of the per-pattern TimedArrays the network reads, the keys of ``check_run``'s arrays.
    """

    name: str
    description: str
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

    def spike_units(self, params, group: str) -> list[str]:
        """The names of the units whose spikes a spiking group's count ``n_spikes`` gives.

        One unit per neuron i, or two where the counts are signed: a count k < 0 of neuron i is -k spikes
        of unit n + i, n the group's size. Only a model with spike counts (an ``n_spikes`` label) needs it.

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.
        group : str
            A group with the label ``n_spikes``.

        Returns
        -------
        list of str
            n names (2n for signed counts), in the order of the units.
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
            Every weight matrix, other per-synapse state, threshold and carried potential of the network,
            all zero.
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
            The circuit's weights, other per-synapse state, thresholds and carried potentials.
        """


@dataclass(frozen=True)
class _Entry:
    """A registered model: its parameter-record class and where it came from."""

    params_type: type
    model: NetworkModel
    source: str


class _DuplicateName(ParameterError):
    """Two models registered under one name (raised through plugin loading, never turned into a warning)."""


#: Registered models by name, in the order of registration.
_REGISTRY: dict[str, _Entry] = {}
#: What :func:`register` requires of a model (``spike_units`` only spiking models need).
_MEMBERS = (
    *("name", "description", "inputs", "structure", "labels", "check_run", "build", "zero_state"),
    *("load_state", "read_state"),
)


def _caller_source(module: str) -> str:
    """Where a model registered outside a plugin came from: the module that called :func:`register`."""
    return f"built-in {module}" if module.startswith("brian_dendrites.") else f"module {module}"


def register(params_type: type, model: NetworkModel) -> None:
    """Make ``model`` the model of parameter records of ``params_type``, under the name ``model.name``.

    Registering a record class again (or a class of the same module and name: a reloaded module)
    replaces its model. The model's source (:func:`model_source`) is the module that calls
    ``register``, or the plugin being loaded (see :mod:`brian_dendrites.plugins`).

    Parameters
    ----------
    params_type : type
        The class of the model's parameter records (instances of subclasses also match).
    model : NetworkModel
        The model that runs them.

    Raises
    ------
    ParameterError
        If ``model`` lacks a member of the contract, if its ``name`` is not a Python identifier (it
        names the Brian2 Network, which generated C++ code uses as an identifier), or if another model
        is registered under that name (the message names both sources).
    """
    missing = [member for member in _MEMBERS if not hasattr(model, member)]
    if missing:
        raise ParameterError(f"model {type(model).__name__} lacks {missing} of the model contract (NetworkModel)")
    if not (isinstance(model.name, str) and model.name.isidentifier()):
        raise ParameterError(f"model.name must be a Python identifier, e.g. 'my_model', got {model.name!r}")
    if not isinstance(model.description, str):
        raise ParameterError(f"model.description must be a string, got {type(model.description).__name__}")
    source = plugins.loading() or _caller_source(sys._getframe(1).f_globals.get("__name__", "?"))
    same = _REGISTRY.get(model.name)
    if same is not None and _qualified(same.params_type) != _qualified(params_type):
        raise _DuplicateName(
            f"two models named {model.name!r}: {type(same.model).__name__} ({same.source}) and"
            f" {type(model).__name__} ({source}); a model's name must be unique"
        )
    for name, entry in list(_REGISTRY.items()):
        if entry.params_type is params_type or name == model.name:
            del _REGISTRY[name]
    _REGISTRY[model.name] = _Entry(params_type, model, source)


def _qualified(kind: type) -> str:
    """A class's module and qualified name: equal for a class and its reloaded copy."""
    return f"{kind.__module__}.{kind.__qualname__}"


def _load_plugins() -> None:
    """Load the plugins (once); a plugin that takes a registered name is an error, not a broken plugin."""
    plugins.load_all(fatal=(_DuplicateName,))


def registered_models() -> dict[str, NetworkModel]:
    """Every registered model, built-in and plugin, by its name (sorted by name).

    Loads the plugins first, once (see :mod:`brian_dendrites.plugins`).

    Returns
    -------
    dict of str to NetworkModel
        Model name -> model.

    Raises
    ------
    ParameterError
        If a plugin registers a model under a name already taken.
    """
    _load_plugins()
    return {name: _REGISTRY[name].model for name in sorted(_REGISTRY)}


def model_named(name: str) -> NetworkModel:
    """The registered model called ``name``; ParameterError listing the registered names otherwise.

    Parameters
    ----------
    name : str
        A model's ``name``, e.g. ``'microcircuit'``.

    Returns
    -------
    NetworkModel
        The model of that name.

    Raises
    ------
    ParameterError
        If no model of that name is registered (built-in or plugin).
    """
    models = registered_models()
    if name not in models:
        raise ParameterError(f"unknown model {name!r}; registered models: {list(models)}")
    return models[name]


def _entry(model: NetworkModel) -> _Entry:
    """The registry's entry of ``model`` (a registered model object)."""
    registered_models()
    for entry in _REGISTRY.values():
        if entry.model is model:
            return entry
    raise ParameterError(f"model {getattr(model, 'name', model)!r} is not registered; registered: {sorted(_REGISTRY)}")


def params_type(model: NetworkModel) -> type:
    """The parameter-record class ``model`` was registered with; ``params_type(model)()`` is its default record.

    Parameters
    ----------
    model : NetworkModel
        A registered model, e.g. ``model_named('microcircuit')``.

    Returns
    -------
    type
        The class given to :func:`register` with it.

    Raises
    ------
    ParameterError
        If ``model`` is not registered.
    """
    return _entry(model).params_type


def model_source(model: NetworkModel) -> str:
    """Where a registered model came from: ``'built-in <module>'``, ``'module <module>'`` or a plugin.

    A plugin's models read ``'plugin <distribution> <version> (entry point <name>)'``.

    Parameters
    ----------
    model : NetworkModel
        A registered model.

    Returns
    -------
    str
        The source, as ``brian-dendrites models`` shows it.

    Raises
    ------
    ParameterError
        If ``model`` is not registered.
    """
    return _entry(model).source


def model_for(params) -> NetworkModel:
    """The registered model of ``params``; ParameterError naming the known records otherwise.

    A record no model is registered for yet loads the plugins (once) and looks again.

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
    for attempt in range(2):
        for entry in _REGISTRY.values():
            if isinstance(params, entry.params_type):
                return entry.model
        if attempt == 0:
            _load_plugins()
    known = sorted(entry.params_type.__name__ for entry in _REGISTRY.values())
    raise ParameterError(
        f"params must be the parameter record of a registered model {known}, got {type(params).__name__}"
    )


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
        The circuit's weights, other per-synapse state, thresholds and carried potentials.
    """
    return model_for(circuit.params).read_state(circuit)


def check_record(labels: dict[str, dict[str, Label]], record) -> dict[str, Probe]:
    """``record`` as {group: Probe}, every group and variable among a model's ``labels``.

    Parameters
    ----------
    labels : dict of str to dict of str to Label
        The model's recordable variables (see :meth:`NetworkModel.labels`).
    record : dict of str to (list of str or Probe), or None
        Group or synapse name -> variables to record (or a Probe); None records nothing.

    Returns
    -------
    dict of str to Probe
        The probe of each group to record.

    Raises
    ------
    ParameterError
        If ``record`` is no such dict, or names a group or variable the labels lack.
    """
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


def check_spikes(labels: dict[str, dict[str, Label]], spikes) -> tuple[str, ...]:
    """``spikes`` as a tuple of group names, every group one with a spike count ``n_spikes`` in ``labels``.

    Parameters
    ----------
    labels : dict of str to dict of str to Label
        The model's recordable variables (see :meth:`NetworkModel.labels`).
    spikes : sequence of str
        Names of the groups whose spikes to record.

    Returns
    -------
    tuple of str
        The group names.

    Raises
    ------
    ParameterError
        If ``spikes`` is no sequence of names, or names a group without spike counts.
    """
    names = tuple(spikes) if is_sequence(spikes) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise ParameterError(f"spikes must be a list of group names (empty: none), got {spikes!r}")
    spiking = sorted(name for name, variables in labels.items() if "n_spikes" in variables)
    for name in names:
        if name not in spiking:
            raise ParameterError(f"spikes: {name!r} has no spikes; groups with spikes (spiking mode only): {spiking}")
    return names


def check_currents(labels: dict[str, dict[str, Label]], currents) -> dict[str, list[str]]:
    """``currents`` as {group: [equation lines]}, every group one with a membrane potential ``u`` in ``labels``.

    Parameters
    ----------
    labels : dict of str to dict of str to Label
        The model's recordable variables (see :meth:`NetworkModel.labels`).
    currents : dict of str to list of str, or None
        Group name -> equation lines of extra currents (1/second); None: none.

    Returns
    -------
    dict of str to list of str
        The equation lines of each group.

    Raises
    ------
    ParameterError
        If ``currents`` is no such dict, or names a group without a membrane potential.
    """
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
