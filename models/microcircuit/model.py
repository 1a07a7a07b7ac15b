"""The dendritic error microcircuit behind the framework's contract (brian_dendrites.model.NetworkModel)."""

from __future__ import annotations

import numpy as np

from brian_dendrites.canonical import to_json
from brian_dendrites.errors import ParameterError
from brian_dendrites.model import Label
from brian_dendrites.state import NetworkState
from brian_dendrites.validation import finite_array

from .network import (
    build_microcircuit,
    group_sizes,
    matrix_to_synapses,
    projections,
    recordable,
    runtime_parameters,
    stored_errors,
)
from .network import synapses_to_matrix as to_matrix
from .parameters import LearningRates, MicrocircuitParams
from .pathways import PATHWAY_TABLE

__all__ = ["MicrocircuitModel", "MICROCIRCUIT", "check_inputs"]

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
# Fields whose values reach the network as run_args (see load_state); signed_inputs only checks inputs.
_RUNTIME_FIELDS = ("eta", "hidden", "output", "interneuron", "signed_inputs")
# Per-neuron variables a run continues from: every recordable one but the apical sum v_A = v_TD + v_PI.
# The dendritic potentials are those summed in the previous step, which the first step's error factors read.
_DERIVED = ("v_A",)


class MicrocircuitModel:
    """Pyramidal neurons (soma, basal, apical) and SST interneurons, Eqs. 1-10 (Sacramento et al. 2018).

    Run inputs: input rates ``r_pattern`` (n_patterns, n_0), output target potentials ``u_target``
    (n_patterns, n_N) and the teaching switch ``nudging`` (n_patterns,).
    """

    inputs = ("r_pattern", "u_target", "nudging")

    def structure(self, params: MicrocircuitParams) -> dict:
        """Everything but conductances, noise amplitudes and learning rates; noise counts only as present or not."""
        n = len(params.sizes) - 1
        description = {key: value for key, value in to_json(params).items() if key not in _RUNTIME_FIELDS}
        description["noise"] = [bool(params.pyramidal_layer(k).sigma > 0) for k in range(1, n + 1)]
        description["noise"] += [bool(params.interneuron_layer(k).sigma > 0) for k in range(1, n)]
        return description

    def labels(self, params: MicrocircuitParams) -> dict[str, dict[str, Label]]:
        """Per-neuron potentials and rates, the stored error factors (Eqs. 7-10) of each group, and the
        weights (and tau_w-filtered inductions) of each projection, by synapse in connection order."""
        result = {}
        for group, variables in recordable(params.sizes).items():
            population, layer = group.rsplit("_", 1)
            result[group] = {v: Label(population, int(layer), *_LABELS[v]) for v in variables}
            stored = stored_errors(params, group)
            for pathway in (PATHWAY_TABLE[name] for name in PATHWAY_TABLE if name in stored):
                quantity = "rate" if pathway.predicts_rate else "voltage"
                result[group][pathway.error] = Label(population, int(layer), _LABELS[pathway.potential][0], quantity)
        for proj in projections(params.sizes):
            result[proj.name] = {"w": Label(proj.pathway, proj.layer, "synapse", "weight")}
            if proj.pathway in params.plastic and params.tau_w is not None:
                result[proj.name]["induction"] = Label(proj.pathway, proj.layer, "synapse", "other")
        return result

    def check_run(self, params, n_patterns, inputs, targets=None, nudging=None, eta=None):
        """Validated ``r_pattern``, ``u_target`` and ``nudging`` arrays, and the run's learning rates."""
        eta = params.eta if eta is None else eta
        if not isinstance(eta, LearningRates):
            raise ParameterError(f"eta must be a LearningRates record, got {type(eta).__name__}")
        eta.check_layers(len(params.sizes) - 1)
        arrays = check_inputs(params, n_patterns, inputs, targets, nudging)
        return dict(zip(self.inputs, arrays, strict=True)), eta

    def build(self, params, timed, currents=None):
        return build_microcircuit(params, *(timed[name] for name in self.inputs), currents=currents)

    def zero_state(self, params: MicrocircuitParams) -> NetworkState:
        all_ = projections(params.sizes)
        weights = {p.name: np.zeros((p.n_post, p.n_pre)) for p in all_}
        filtered = [p for p in all_ if p.pathway in params.plastic and params.tau_w is not None]
        induction = {p.name: np.zeros((p.n_post, p.n_pre)) for p in filtered}
        sizes = group_sizes(params.sizes)
        potentials = {
            f"{group}.{v}": np.zeros(sizes[group])
            for group, variables in recordable(params.sizes).items()
            for v in variables
            if v not in _DERIVED
        }
        return NetworkState(weights, induction, potentials)

    def load_state(self, circuit, params, state: NetworkState, eta: LearningRates | None, noise: bool) -> dict:
        """Brian2 variable views -> values: conductances, noise, weights, rates (None: no plasticity), potentials."""
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
                    induction = state.induction.get(proj.name, np.zeros((proj.n_post, proj.n_pre)))
                    values[syn.induction] = matrix_to_synapses(induction)
        for key, view in _state_variables(circuit).items():
            values[view] = state.potentials.get(key, np.zeros(len(view.group)))
        return values

    def read_state(self, circuit) -> NetworkState:
        weights, induction = {}, {}
        for proj in circuit.projections:
            syn = circuit.synapses[proj.name]
            weights[proj.name] = to_matrix(syn.w[:], proj.n_pre, proj.n_post)
            if circuit.plastic(proj) and circuit.params.tau_w is not None:
                induction[proj.name] = to_matrix(syn.induction[:], proj.n_pre, proj.n_post)
        potentials = {key: np.asarray(view[:], dtype=float) for key, view in _state_variables(circuit).items()}
        return NetworkState(weights, induction, potentials)


def _state_variables(circuit) -> dict:
    """'group.variable' -> variable view, for every carried per-neuron state variable."""
    return {
        f"{name}.{variable}": getattr(group, variable)
        for name, group in circuit.groups.items()
        for variable in recordable(circuit.params.sizes)[name]
        if variable not in _DERIVED
    }


def check_inputs(
    params: MicrocircuitParams, n_patterns: int, inputs, targets=None, nudging=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and normalise a run's inputs, target potentials and nudging switch."""
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
