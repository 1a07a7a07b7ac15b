"""A base for models: the contract's bookkeeping derived from what a model declares.

A model that subclasses :class:`ModelBase` declares its populations (group name -> size, recordable
variables with their labels, carried state variables), its projections (:class:`Projection` records,
dense and presynaptic-major) and its run-time values (shared parameters set from the record at run
time). The base derives ``structure``, ``labels``, ``zero_state``, ``load_state`` and ``read_state``
of the contract (:class:`~brian_dendrites.model.NetworkModel`); the model's author writes the
parameter record, ``check_run`` and the wiring, ``build``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from brian2 import Equations, NeuronGroup, Synapses

from brian_dendrites.canonical import to_json
from brian_dendrites.equations import with_currents
from brian_dendrites.errors import ParameterError
from brian_dendrites.model import Label, Projection
from brian_dendrites.state import NetworkState, matrix_to_synapses, synapses_to_matrix
from brian_dendrites.validation import finite_array

__all__ = [
    "Population",
    "SynapseState",
    "Threshold",
    "Circuit",
    "ModelBase",
    "variable_views",
    "chain",
    "check_arrays",
]


@dataclass(frozen=True)
class Population:
    """One neuron group as a model declares it.

    Parameters
    ----------
    size : int
        Its number of neurons.
    labels : mapping of str to Label or tuple
        Its recordable variables, by name: a Label, or (compartment, quantity[, description]) for a
        label whose population and layer the group's name ``'population_layer'`` gives.
    carried : tuple of str, optional
        The per-neuron variables a run continues from (the state's potentials ``'group.variable'``).
    """

    size: int
    labels: Mapping[str, Label]
    carried: tuple[str, ...] = ()


@dataclass(frozen=True)
class SynapseState:
    """A per-synapse variable beside the weight w that a run continues from.

    Parameters
    ----------
    variable : str
        Its name on the Synapses, e.g. ``'induction'``.
    key : str
        Its key in the state, e.g. ``'bottom_up_1.induction'``.
    weights : bool, optional
        True keeps it among the state's weights, False among its other per-synapse state. Default False.
    transposed : bool, optional
        True stores it as (n_pre, n_post), False as (n_post, n_pre). Default False.
    """

    variable: str
    key: str
    weights: bool = False
    transposed: bool = False


@dataclass(frozen=True)
class Threshold:
    """A projection's per-neuron thresholds: a variable of its postsynaptic group that a run starts from.

    Parameters
    ----------
    projection : str
        The projection, whose name is the thresholds' key in the state (``state.thresholds``).
    group : str
        The postsynaptic group that holds them.
    variable : str
        Their name on the group, e.g. ``'b_B'``.
    potential : str or None, optional
        A carried potential that starts at the thresholds where the state holds none (a trace that
        decays to them, see :func:`~brian_dendrites.kit.traces`), e.g. ``'v_B'``. Default None.
    """

    projection: str
    group: str
    variable: str
    potential: str | None = None


@dataclass
class Circuit:
    """The Brian2 objects of a network, as ``build`` returns them.

    Parameters
    ----------
    params : parameter record
        The record it was built from.
    groups : dict of str to NeuronGroup
        The neuron groups by name.
    synapses : dict of str to Synapses
        The synapses by name (a projection's by its name).
    """

    params: object
    groups: dict = field(default_factory=dict)
    synapses: dict = field(default_factory=dict)

    @property
    def objects(self) -> list:
        """The neuron groups, then the synapses."""
        return [*self.groups.values(), *self.synapses.values()]

    def neurons(self, name: str, size: int, lines: list[str], currents: Mapping | None = None, **kwargs):
        """Add a NeuronGroup ``name`` of equation ``lines``, with the user's ``currents`` of it added to du/dt.

        Parameters
        ----------
        name : str
            The group's name.
        size : int
            Its number of neurons.
        lines : list of str
            Its equation lines.
        currents : mapping of str to list of str, optional
            ``build``'s currents: group name -> equation lines of extra currents (see
            :func:`~brian_dendrites.equations.with_currents`).
        **kwargs
            Further arguments of ``brian2.NeuronGroup`` (method defaults to 'euler').

        Returns
        -------
        brian2.NeuronGroup
            The group, also in ``groups``.
        """
        eqs = Equations("\n".join(lines))
        if currents and name in currents:
            eqs = with_currents(eqs, currents[name], name)
        self.groups[name] = NeuronGroup(size, eqs, name=name, **({"method": "euler"} | kwargs))
        return self.groups[name]

    def connect(self, projection: Projection, model: str, **kwargs):
        """Add the Synapses of ``projection``: all to all, presynaptic-major (the order the state expects).

        Parameters
        ----------
        projection : Projection
            The projection; its ``pre`` and ``post`` are in ``groups``.
        model : str
            The synapses' equations, e.g. from :func:`~brian_dendrites.kit.summed` and
            :func:`~brian_dendrites.kit.plastic`.
        **kwargs
            Further arguments of ``brian2.Synapses`` (method defaults to 'euler').

        Returns
        -------
        brian2.Synapses
            The synapses, also in ``synapses`` under the projection's name: synapse i * n_post + j
            joins pre i to post j.
        """
        pre, post = self.groups[projection.pre], self.groups[projection.post]
        synapses = Synapses(pre, post, model, name=projection.name, **({"method": "euler"} | kwargs))
        pre_idx, post_idx = np.divmod(np.arange(len(pre) * len(post)), len(post))
        synapses.connect(i=pre_idx, j=post_idx)
        self.synapses[projection.name] = synapses
        return synapses


def variable_views(objects: Mapping[str, object], values: Mapping[str, object]) -> dict:
    """Brian2 variable views -> values, from values by ``'object.variable'``.

    Parameters
    ----------
    objects : mapping of str to Brian2 object
        Neuron groups and synapses by name.
    values : mapping of str to value
        ``'object.variable'`` -> value, e.g. ``{'neuron_1.g_lk': 0.1/ms}``.

    Returns
    -------
    dict
        Variable view -> value, in the order of ``values``.
    """
    result = {}
    for key, value in values.items():
        name, variable = key.rsplit(".", 1)
        result[getattr(objects[name], variable)] = value
    return result


def chain(pathway: str, groups: list[str], sizes: tuple[int, ...]) -> list[Projection]:
    """Projections ``pathway_k`` from ``groups[k - 1]`` to ``groups[k]``, k = 1..len(groups) - 1: a chain of layers.

    Parameters
    ----------
    pathway : str
        The projections' pathway, e.g. ``'dendrite'``.
    groups : list of str
        The groups, input first.
    sizes : tuple of int
        Their sizes.

    Returns
    -------
    list of Projection
        One projection per pair of consecutive groups.
    """
    return [
        Projection(f"{pathway}_{k}", pathway, k, groups[k - 1], groups[k], sizes[k - 1], sizes[k])
        for k in range(1, len(groups))
    ]


def check_arrays(n_patterns: int, inputs, targets, nudging, n_in: int, n_out: int) -> tuple[np.ndarray, ...]:
    """A run's inputs (n_patterns, n_in), targets (n_patterns, n_out) and nudging (n_patterns,), checked.

    Parameters
    ----------
    n_patterns : int
        The number of patterns.
    inputs : array_like
        The input rates, finite.
    targets : array_like or None
        The targets, finite; None: zeros, with nudging off unless ``nudging`` is given.
    nudging : array_like or None
        The teaching switch per pattern, in [0, 1]; None: 1 where targets are given.
    n_in, n_out : int
        The sizes of the input and the output.

    Returns
    -------
    tuple of numpy.ndarray
        Float arrays: inputs, targets, nudging.

    Raises
    ------
    ParameterError
        If an array is not of real numbers, has the wrong shape or is not finite, or nudging lies
        outside [0, 1].
    """
    inputs = finite_array("inputs", inputs, (n_patterns, n_in), "(n_patterns, n_input)")
    if targets is None:
        targets = np.zeros((n_patterns, n_out))
        nudging = np.zeros(n_patterns) if nudging is None else nudging
    targets = finite_array("targets", targets, (n_patterns, n_out), "(n_patterns, n_output)")
    nudging = (
        np.ones(n_patterns) if nudging is None else finite_array("nudging", nudging, (n_patterns,), "(n_patterns,)")
    )
    if np.any((nudging < 0) | (nudging > 1)):
        raise ParameterError(f"nudging must lie in [0, 1], got range [{nudging.min():.3g}, {nudging.max():.3g}]")
    return inputs, targets, nudging


class ModelBase:
    """The contract's ``structure``, ``labels``, ``zero_state``, ``load_state`` and ``read_state``, derived.

    A subclass sets ``name``, ``description``, ``inputs`` and ``runtime_fields``, and defines
    :meth:`populations`, :meth:`projections` and ``build``; where it needs them, also
    :meth:`synapse_labels`, :meth:`synapse_state`, :meth:`thresholds`, :meth:`runtime_values`,
    :meth:`projection_values` and ``check_run`` (the base's checks input rates, targets and nudging).
    ``build`` returns a circuit with ``groups`` and ``synapses`` by name (e.g. a :class:`Circuit`),
    each projection's Synapses connected presynaptic-major (:meth:`Circuit.connect`).

    Attributes
    ----------
    runtime_fields : tuple of str
        The parameter record's fields whose values reach the network at run time: ``structure`` leaves
        them out.
    """

    name: str
    description: str
    inputs: tuple[str, ...]
    runtime_fields: tuple[str, ...] = ()

    # -- what a model declares ------------------------------------------------------------------

    def populations(self, params) -> dict[str, Population]:
        """The neuron groups by name, in build order.

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        dict of str to Population
            Group name -> population.
        """
        raise NotImplementedError

    def projections(self, params) -> list[Projection]:
        """The dense projections, each one Synapses of its name.

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        list of Projection
            The projections, in build order.
        """
        raise NotImplementedError

    def synapse_labels(self, params, projection: Projection) -> dict[str, Label]:
        """The recordable variables of a projection's synapses (default: the weight w).

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.
        projection : Projection
            One of :meth:`projections`.

        Returns
        -------
        dict of str to Label
            Variable name -> label.
        """
        text = f"weight of {projection.name}, presynaptic-major"
        return {"w": Label(projection.pathway, projection.layer, "synapse", "weight", text)}

    def synapse_state(self, params, projection: Projection) -> tuple[SynapseState, ...]:
        """The per-synapse variables beside w that a run continues from (default: none).

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.
        projection : Projection
            One of :meth:`projections`.

        Returns
        -------
        tuple of SynapseState
            The variables and their keys in the state.
        """
        return ()

    def thresholds(self, params) -> tuple[Threshold, ...]:
        """The projections' per-neuron thresholds that a run starts from and ends with (default: none).

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        tuple of Threshold
            One per projection with thresholds; the state holds them as ``thresholds[projection]``, (post,).
        """
        return ()

    def runtime_values(self, params, eta, noise: bool) -> dict[str, object]:
        """The run-time values set before the projections': ``'object.variable'`` -> value (default: none).

        Parameters
        ----------
        params : parameter record
            The run's parameters.
        eta : learning rates or None
            The run's learning rates (None: no plasticity).
        noise : bool
            False: the noise amplitudes are 0.

        Returns
        -------
        dict of str to value
            E.g. ``{'neuron_1.g_lk': 0.1/ms}``.
        """
        return {}

    def projection_values(self, params, projection: Projection, eta) -> dict[str, object]:
        """Run-time values of a projection's synapses, set after its weights: variable -> value (default: none).

        Parameters
        ----------
        params : parameter record
            The run's parameters.
        projection : Projection
            One of :meth:`projections`.
        eta : learning rates or None
            The run's learning rates (None: no plasticity).

        Returns
        -------
        dict of str to value
            E.g. ``{'eta': 0.001/ms}``.
        """
        return {}

    # -- what the base derives ------------------------------------------------------------------

    def check_run(self, params, n_patterns, inputs, targets=None, nudging=None, eta=None):
        """For ``inputs`` that name input rates, targets and nudging: the arrays checked, and eta.

        Parameters
        ----------
        params : parameter record
            The run's parameters, with ``eta``.
        n_patterns : int
            The number of patterns.
        inputs : array_like
            Input rates, (n_patterns, size of the first population).
        targets : array_like, optional
            Targets, (n_patterns, size of the last population); None: zeros, with nudging off.
        nudging : array_like, optional
            The teaching switch per pattern, in [0, 1]; None: 1 where targets are given.
        eta : learning rates, optional
            The run's learning rates; None: ``params.eta``.

        Returns
        -------
        arrays : dict of str to numpy.ndarray
            The three arrays by the names of ``inputs`` (the attribute).
        eta : learning rates
            The run's learning rates.

        Raises
        ------
        ParameterError
            If an array is invalid (see :func:`check_arrays`).
        """
        sizes = [population.size for population in self.populations(params).values()]
        arrays = check_arrays(n_patterns, inputs, targets, nudging, sizes[0], sizes[-1])
        return dict(zip(self.inputs, arrays, strict=True)), params.eta if eta is None else eta

    def structure(self, params) -> dict:
        """The canonical JSON of ``params`` without its ``runtime_fields``.

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        dict
            Plain JSON types.
        """
        return {key: value for key, value in to_json(params).items() if key not in self.runtime_fields}

    def labels(self, params) -> dict[str, dict[str, Label]]:
        """Every population's labels, then every projection's.

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        dict of str to dict of str to Label
            Group or projection name -> variable name -> label.
        """
        result = {}
        for name, population in self.populations(params).items():
            kind, _, layer = name.rpartition("_")
            if any(not isinstance(label, Label) for label in population.labels.values()) and not (
                kind and layer.isdigit()
            ):
                raise ParameterError(
                    f"population '{name}' gives (compartment, quantity) labels, so its name must be "
                    "'<population>_<layer>', e.g. 'neuron_1'; or give it Label records"
                )
            result[name] = {
                v: label if isinstance(label, Label) else Label(kind, int(layer), *label)
                for v, label in population.labels.items()
            }
        return result | {p.name: self.synapse_labels(params, p) for p in self.projections(params)}

    def zero_state(self, params) -> NetworkState:
        """Zero weights, per-synapse state and thresholds of every projection, zero carried variables of every group.

        Parameters
        ----------
        params : parameter record
            A parameter record of this model.

        Returns
        -------
        NetworkState
            The state's names and shapes.
        """
        all_, synapses = self.projections(params), {}
        weights = {p.name: np.zeros((p.n_post, p.n_pre)) for p in all_}
        for p in all_:
            for s in self.synapse_state(params, p):
                (weights if s.weights else synapses)[s.key] = np.zeros(_shape(p, s))
        potentials = {
            f"{name}.{v}": np.zeros(population.size)
            for name, population in self.populations(params).items()
            for v in population.carried
        }
        sizes = {p.name: p.n_post for p in all_}
        thresholds = {t.projection: np.zeros(sizes[t.projection]) for t in self.thresholds(params)}
        return NetworkState(weights, synapses, potentials, thresholds)

    def load_state(self, circuit, params, state: NetworkState, eta, noise: bool) -> dict:
        """Views -> values: the run-time values, each projection's weights, values and state, the thresholds, the
        carried variables (a threshold's potential starts at the threshold where the state holds none).

        Parameters
        ----------
        circuit : circuit
            A circuit built by ``build`` from a record of the structure of ``params``.
        params : parameter record
            The run's parameters.
        state : NetworkState
            The state to load; missing per-synapse state, thresholds and potentials are zero (but a
            threshold's potential: the threshold).
        eta : learning rates or None
            The run's learning rates (None: no plasticity).
        noise : bool
            False: the noise amplitudes are 0.

        Returns
        -------
        dict
            Brian2 variable view -> value.
        """
        objects = {**circuit.groups, **circuit.synapses}
        values = variable_views(objects, self.runtime_values(params, eta, noise))
        for p in self.projections(params):
            syn = circuit.synapses[p.name]
            values[syn.w] = matrix_to_synapses(state.weights[p.name])
            values |= {getattr(syn, v): value for v, value in self.projection_values(params, p, eta).items()}
            for s in self.synapse_state(params, p):
                matrix = (state.weights if s.weights else state.synapses).get(s.key, np.zeros(_shape(p, s)))
                values[getattr(syn, s.variable)] = matrix_to_synapses(matrix.T if s.transposed else matrix)
        starts = {}
        for t in self.thresholds(params):
            threshold = state.thresholds.get(t.projection, np.zeros(len(circuit.groups[t.group])))
            values[getattr(circuit.groups[t.group], t.variable)] = threshold
            if t.potential is not None:
                starts[f"{t.group}.{t.potential}"] = threshold
        for key, view in self._carried(circuit).items():
            values[view] = state.potentials.get(key, starts.get(key, np.zeros(len(view.group))))
        return values

    def read_state(self, circuit) -> NetworkState:
        """The circuit's weights, per-synapse state, thresholds and carried variables.

        Parameters
        ----------
        circuit : circuit
            A circuit built by ``build``.

        Returns
        -------
        NetworkState
            Of the names and shapes of :meth:`zero_state`.
        """
        weights, synapses = {}, {}
        for p in self.projections(circuit.params):
            syn = circuit.synapses[p.name]
            weights[p.name] = synapses_to_matrix(syn.w[:], p.n_pre, p.n_post)
            for s in self.synapse_state(circuit.params, p):
                matrix = synapses_to_matrix(getattr(syn, s.variable)[:], p.n_pre, p.n_post)
                (weights if s.weights else synapses)[s.key] = matrix.T.copy() if s.transposed else matrix
        potentials = {key: np.asarray(view[:], dtype=float) for key, view in self._carried(circuit).items()}
        thresholds = {
            t.projection: np.asarray(getattr(circuit.groups[t.group], t.variable)[:], dtype=float)
            for t in self.thresholds(circuit.params)
        }
        return NetworkState(weights, synapses, potentials, thresholds)

    def _carried(self, circuit) -> dict:
        """'group.variable' -> variable view, for every carried variable."""
        return {
            f"{name}.{v}": getattr(circuit.groups[name], v)
            for name, population in self.populations(circuit.params).items()
            for v in population.carried
        }


def _shape(projection: Projection, state: SynapseState) -> tuple[int, int]:
    shape = (projection.n_post, projection.n_pre)
    return shape[::-1] if state.transposed else shape
