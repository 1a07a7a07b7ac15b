"""The dendritic error microcircuit behind the framework's contract (brian_dendrites.model.NetworkModel)."""

from __future__ import annotations

import numpy as np

from brian_dendrites.canonical import to_json
from brian_dendrites.errors import ParameterError
from brian_dendrites.model import Label
from brian_dendrites.state import NetworkState, matrix_to_synapses
from brian_dendrites.state import synapses_to_matrix as to_matrix
from brian_dendrites.validation import finite_array

from .network import (
    build_microcircuit,
    group_sizes,
    projections,
    recordable,
    runtime_parameters,
    stored_errors,
)
from .parameters import LearningRates, MicrocircuitParams
from .pathways import PATHWAY_TABLE

__all__ = ["MicrocircuitModel", "MICROCIRCUIT", "check_inputs"]

# Compartment and quantity of each recordable variable.
# Compartment, quantity and description of each recordable neuron variable (Eqs. 1-5).
_LABELS = {
    "u": ("soma", "voltage", "somatic membrane potential u"),
    "v_B": ("basal", "voltage", "basal dendritic potential v_B = W_up r_below (bottom-up input)"),
    "v_A": ("apical", "voltage", "apical dendritic potential v_A = v_TD + v_PI"),
    "v_TD": ("apical", "voltage", "top-down part of the apical potential, v_TD = W_down r_above"),
    "v_PI": ("apical", "voltage", "interneuron part of the apical potential, v_PI = W_PI r_interneurons"),
    "v_D": ("dendrite", "voltage", "interneuron dendritic potential v_D = W_IP r_pyramidal (same layer)"),
    "r": ("rate", "rate", "rate r = phi(u) (interneurons: gamma*phi(u), gamma the disinhibition gain)"),
    "v_N": ("soma", "rate", "trace of the nudging spikes of the linked pyramidal neuron above (estimates its rate)"),
    "n_spikes": ("soma", "other", "spike count in the time step (Poisson, mean psi*r*dt; negative: OFF spikes)"),
}
# Fields whose values reach the network as run_args (see load_state); signed_inputs only checks inputs.
_RUNTIME_FIELDS = ("eta", "hidden", "output", "interneuron", "signed_inputs")
# Per-neuron variables a run continues from: every recordable one but the apical sum v_A = v_TD + v_PI.
# The dendritic potentials are those summed in the previous step, which the first step's error factors read.
_DERIVED = ("v_A", "n_spikes")


class MicrocircuitModel:
    """Pyramidal neurons (soma, basal, apical) and SST interneurons, Eqs. 1-10 (Sacramento et al. 2018).

    Run inputs: input rates ``r_pattern`` (n_patterns, n_0), output target potentials ``u_target``
    (n_patterns, n_N) and the teaching switch ``nudging`` (n_patterns,).
    """

    name = "microcircuit"
    description = "the dendritic cortical microcircuit of Sacramento et al. (2018)"
    inputs = ("r_pattern", "u_target", "nudging")

    def structure(self, params: MicrocircuitParams) -> dict:
        """Everything but conductances, noise amplitudes and learning rates; noise counts only as present or not.

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.

        Returns
        -------
        dict
            The canonical JSON of ``params`` without its run-time fields, with ``'noise'``: one bool per
            pyramidal layer 1..N, then per interneuron layer 1..N-1.
        """
        n = len(params.sizes) - 1
        description = {key: value for key, value in to_json(params).items() if key not in _RUNTIME_FIELDS}
        if params.spiking_mode:  # psi and tau_s are run-time values; signed inputs draw signed counts
            description["spiking"] = {key: description["spiking"][key] for key in params.spiking.STRUCTURE}
            description["signed_inputs"] = params.signed_inputs
        else:
            del description["spiking"]
        description["noise"] = [bool(params.pyramidal_layer(k).sigma > 0) for k in range(1, n + 1)]
        description["noise"] += [bool(params.interneuron_layer(k).sigma > 0) for k in range(1, n)]
        return description

    def labels(self, params: MicrocircuitParams) -> dict[str, dict[str, Label]]:
        """The recordable variables, with their labels.

        Per-neuron potentials and rates, the stored error factors (Eqs. 7-10) of each group, and the
        weights (and tau_w-filtered inductions) of each projection, by synapse in connection order.

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.

        Returns
        -------
        dict of str to dict of str to Label
            Group or projection name -> variable name -> label.
        """
        result = {}
        for group, variables in recordable(params).items():
            population, layer = group.rsplit("_", 1)
            result[group] = {v: Label(population, int(layer), *_LABELS[v]) for v in variables}
            if population == "input" and "n_spikes" in variables and params.signed_inputs:
                opponent = "signed spike count in the step: ON spikes (r_0 > 0) count +1, OFF spikes (r_0 < 0) -1"
                result[group]["n_spikes"] = Label(population, int(layer), "opponent", "other", opponent)
            stored = stored_errors(params, group)
            for pathway in (PATHWAY_TABLE[name] for name in PATHWAY_TABLE if name in stored):
                quantity = "rate" if pathway.predicts_rate else "voltage"
                compartment = _LABELS[pathway.potential][0]
                text = f"error factor {pathway.error} of Eq. {pathway.equation} ({pathway.name} plasticity)"
                result[group][pathway.error] = Label(population, int(layer), compartment, quantity, text)
        for proj in projections(params.sizes):
            weight = f"weight of {proj.name} ({proj.pathway} pathway), one column per synapse, presynaptic-major"
            result[proj.name] = {"w": Label(proj.pathway, proj.layer, "synapse", "weight", weight)}
            if proj.pathway in params.plastic and params.tau_w is not None:
                induction = f"induction of {proj.name}: e_post r_pre low-pass filtered with tau_w, presynaptic-major"
                result[proj.name]["induction"] = Label(proj.pathway, proj.layer, "synapse", "other", induction)
        return result

    def spike_units(self, params: MicrocircuitParams, group: str) -> list[str]:
        """The names of a group's spike trains: ``'pyramidal_1[3]'``; opponent inputs ``'input_0[3] ON'``, then OFF.

        Signed inputs (``params.signed_inputs``) are n ON/OFF pairs, whose OFF spikes (counts k < 0) are
        units n..2n-1.

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.
        group : str
            A group with spike counts (spiking mode).

        Returns
        -------
        list of str
            One name per neuron, or per ON and then per OFF unit of an opponent input.
        """
        names = [f"{group}[{i}]" for i in range(group_sizes(params.sizes)[group])]
        if self.labels(params)[group]["n_spikes"].compartment == "opponent":
            names = [f"{unit} ON" for unit in names] + [f"{unit} OFF" for unit in names]
        return names

    def check_run(self, params, n_patterns, inputs, targets=None, nudging=None, eta=None):
        """Validated ``r_pattern``, ``u_target`` and ``nudging`` arrays, and the run's learning rates.

        Parameters
        ----------
        params : MicrocircuitParams
            The run's parameters.
        n_patterns : int
            The number of patterns of the run.
        inputs : array_like
            Input rates, shape (n_patterns, n_0); >= 0 unless ``params.signed_inputs``.
        targets : array_like, optional
            Output target potentials, shape (n_patterns, n_N). None: zeros, with nudging off
            unless ``nudging`` is given.
        nudging : array_like, optional
            The teaching switch per pattern, shape (n_patterns,), in [0, 1]. None: 1 for every pattern
            if ``targets`` are given, else 0.
        eta : LearningRates, optional
            The run's learning rates. None: ``params.eta``.

        Returns
        -------
        arrays : dict of str to numpy.ndarray
            The arrays by input name: ``r_pattern``, ``u_target``, ``nudging``.
        eta : LearningRates
            The run's learning rates.

        Raises
        ------
        ParameterError
            If ``eta`` is not a LearningRates record that fits the network, or the arrays are invalid
            (see :func:`check_inputs`).
        """
        eta = params.eta if eta is None else eta
        if not isinstance(eta, LearningRates):
            raise ParameterError(f"eta must be a LearningRates record, got {type(eta).__name__}")
        eta.check_layers(len(params.sizes) - 1)
        arrays = check_inputs(params, n_patterns, inputs, targets, nudging)
        return dict(zip(self.inputs, arrays, strict=True)), eta

    def build(self, params, timed, currents=None):
        """The Brian2 network of ``params``, reading the TimedArrays ``timed``; weights start at zero.

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.
        timed : dict of str to TimedArray
            The TimedArrays ``r_pattern``, ``u_target`` and ``nudging``.
        currents : dict of str to list of str, optional
            Group name -> equation lines of extra currents in 1/time (see
            :func:`~brian_dendrites.models.microcircuit.build_microcircuit`).

        Returns
        -------
        Microcircuit
            The groups, synapses and projections.

        Raises
        ------
        ParameterError
            If ``currents`` is invalid.
        """
        return build_microcircuit(params, *(timed[name] for name in self.inputs), currents=currents)

    def zero_state(self, params: MicrocircuitParams) -> NetworkState:
        """A state of the right names and shapes, all zero.

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.

        Returns
        -------
        NetworkState
            Zero weights of every projection, zero inductions of the filtered plastic ones and zero
            potentials and rates of every group (all but v_A, the sum v_TD + v_PI).
        """
        all_ = projections(params.sizes)
        weights = {p.name: np.zeros((p.n_post, p.n_pre)) for p in all_}
        filtered = [p for p in all_ if p.pathway in params.plastic and params.tau_w is not None]
        synapses = {f"{p.name}.induction": np.zeros((p.n_post, p.n_pre)) for p in filtered}
        sizes = group_sizes(params.sizes)
        potentials = {
            f"{group}.{v}": np.zeros(sizes[group])
            for group, variables in recordable(params).items()
            for v in variables
            if v not in _DERIVED
        }
        return NetworkState(weights, synapses, potentials)

    def load_state(self, circuit, params, state: NetworkState, eta: LearningRates | None, noise: bool) -> dict:
        """Brian2 variable views -> values: conductances, noise, weights, rates (None: no plasticity), potentials.

        Parameters
        ----------
        circuit : Microcircuit
            The network built from a record of the structure of ``params``.
        params : MicrocircuitParams
            The run's parameters (conductances, noise amplitudes).
        state : NetworkState
            The state to load; missing inductions and potentials are zero.
        eta : LearningRates or None
            The run's learning rates; None sets every rate to 0.
        noise : bool
            False sets every sigma to 0.

        Returns
        -------
        dict
            Brian2 variable view -> value.
        """
        values = runtime_parameters(circuit.groups, params)
        if not noise:
            values |= {view: 0 * value for view, value in values.items() if view.name == "sigma"}
        eta = LearningRates() if eta is None else eta
        n = len(params.sizes) - 1
        for proj in circuit.projections:
            syn = circuit.synapses[proj.name]
            values[syn.w] = matrix_to_synapses(state.weights[proj.name])
            if circuit.plastic(proj):
                values[syn.eta] = eta.for_projection(proj.pathway, proj.layer, n)
                if params.tau_w is not None:
                    induction = state.synapses.get(f"{proj.name}.induction", np.zeros((proj.n_post, proj.n_pre)))
                    values[syn.induction] = matrix_to_synapses(induction)
        for key, view in _state_variables(circuit).items():
            values[view] = state.potentials.get(key, np.zeros(len(view.group)))
        return values

    def read_state(self, circuit) -> NetworkState:
        """The circuit's current state.

        Parameters
        ----------
        circuit : Microcircuit
            The network to read.

        Returns
        -------
        NetworkState
            Its weights, inductions (of filtered plastic projections) and potentials.
        """
        weights, synapses = {}, {}
        for proj in circuit.projections:
            syn = circuit.synapses[proj.name]
            weights[proj.name] = to_matrix(syn.w[:], proj.n_pre, proj.n_post)
            if circuit.plastic(proj) and circuit.params.tau_w is not None:
                synapses[f"{proj.name}.induction"] = to_matrix(syn.induction[:], proj.n_pre, proj.n_post)
        potentials = {key: np.asarray(view[:], dtype=float) for key, view in _state_variables(circuit).items()}
        return NetworkState(weights, synapses, potentials)


def _state_variables(circuit) -> dict:
    """'group.variable' -> variable view, for every carried per-neuron state variable."""
    return {
        f"{name}.{variable}": getattr(group, variable)
        for name, group in circuit.groups.items()
        for variable in recordable(circuit.params)[name]
        if variable not in _DERIVED
    }


def check_inputs(
    params: MicrocircuitParams, n_patterns: int, inputs, targets=None, nudging=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and normalise a run's inputs, target potentials and nudging switch.

    Parameters
    ----------
    params : MicrocircuitParams
        The run's parameters.
    n_patterns : int
        The number of patterns.
    inputs : array_like
        Input rates, shape (n_patterns, n_0), finite; >= 0 unless ``params.signed_inputs``.
    targets : array_like, optional
        Output target potentials, shape (n_patterns, n_N), finite; where nudging is on, in
        [E_inh, E_exc]. None: zeros, with nudging off unless ``nudging`` is given.
    nudging : array_like, optional
        The teaching switch per pattern, shape (n_patterns,), in [0, 1]. None: 1 for every pattern
        if ``targets`` are given, else 0.

    Returns
    -------
    inputs : numpy.ndarray
        Float array, (n_patterns, n_0).
    targets : numpy.ndarray
        Float array, (n_patterns, n_N).
    nudging : numpy.ndarray
        Float array, (n_patterns,).

    Raises
    ------
    ParameterError
        If an array is not of real numbers (bool, complex and string arrays are refused), has the wrong
        shape or is not finite, an input is negative without
        ``signed_inputs``, nudging is outside [0, 1], or a nudged target is outside [E_inh, E_exc].
    """
    n_in, n_out = params.sizes[0], params.sizes[-1]
    inputs = finite_array("inputs", inputs, (n_patterns, n_in), "(n_patterns, n_input)")
    if not params.signed_inputs and inputs.min() < 0:
        raise ParameterError(
            f"inputs are rates and must be >= 0, got a minimum of {inputs.min():.3g}; "
            "signed inputs (as in the regression task's U(-1, 1)) need MicrocircuitParams(signed_inputs=True)"
        )
    if targets is None:
        targets = np.zeros((n_patterns, n_out))
        nudging = np.zeros(n_patterns) if nudging is None else nudging
    targets = finite_array("targets", targets, (n_patterns, n_out), "(n_patterns, n_output)")
    if nudging is not None:
        nudging = finite_array("nudging", nudging, (n_patterns,), "(n_patterns,)")
    nudging = np.ones(n_patterns) if nudging is None else nudging
    if np.any((nudging < 0) | (nudging > 1)):
        raise ParameterError(f"nudging must lie in [0, 1], got range [{nudging.min():.3g}, {nudging.max():.3g}]")
    nudged = targets[nudging > 0]
    if nudged.size and (nudged.min() < params.E_inh or nudged.max() > params.E_exc):
        raise ParameterError(
            f"target potentials must lie in [E_inh, E_exc] = [{params.E_inh}, {params.E_exc}] so that the balanced "
            f"teaching conductances are non-negative, got range [{nudged.min():.3g}, {nudged.max():.3g}]"
        )
    return inputs, targets, nudging


MICROCIRCUIT = MicrocircuitModel()
