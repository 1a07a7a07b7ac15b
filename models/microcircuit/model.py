"""The dendritic error microcircuit behind the framework's contract (brian_dendrites.model.NetworkModel)."""

from __future__ import annotations

import numpy as np

from brian_dendrites.errors import ParameterError
from brian_dendrites.kit import ModelBase, Population, SynapseState, TeachableBase, Threshold
from brian_dendrites.model import Label, Projection
from brian_dendrites.validation import finite_array

from .equations import THRESHOLDS
from .network import (
    build_microcircuit,
    group_sizes,
    projections,
    recordable,
    runtime_parameters,
    stored_errors,
    threshold_pathway,
    threshold_rate,
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


class MicrocircuitModel(ModelBase, TeachableBase):
    """Pyramidal neurons (soma, basal, apical) and SST interneurons, Eqs. 1-10 (Sacramento et al. 2018).

    Run inputs: input rates ``r_pattern`` (n_patterns, n_0), output target potentials ``u_target``
    (n_patterns, n_N) and the teaching switch ``nudging`` (n_patterns,). The bookkeeping (labels,
    state in and out) is the kit's :class:`~brian_dendrites.kit.ModelBase`, from :meth:`populations`,
    :meth:`projections` and the run-time values.
    """

    name = "microcircuit"
    description = "the dendritic cortical microcircuit of Sacramento et al. (2018)"
    inputs = ("r_pattern", "u_target", "nudging")
    runtime_fields = _RUNTIME_FIELDS

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
        description = super().structure(params)
        if params.spiking_mode:  # psi and tau_s are run-time values; signed inputs draw signed counts
            description["spiking"] = {key: description["spiking"][key] for key in params.spiking.STRUCTURE}
            description["signed_inputs"] = params.signed_inputs
        else:
            del description["spiking"]
        description["noise"] = [bool(params.pyramidal_layer(k).sigma > 0) for k in range(1, n + 1)]
        description["noise"] += [bool(params.interneuron_layer(k).sigma > 0) for k in range(1, n)]
        return description

    def populations(self, params: MicrocircuitParams) -> dict[str, Population]:
        """Every group, with its potentials and rates and its stored error factors (Eqs. 7-10).

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.

        Returns
        -------
        dict of str to Population
            Group name -> population; every recordable variable is carried but the apical sum v_A and
            the spike counts, and the error factors (recomputed every plasticity step).
        """
        result, sizes = {}, group_sizes(params.sizes)
        for group, variables in recordable(params).items():
            population, layer = group.rsplit("_", 1)
            labels = {v: Label(population, int(layer), *_LABELS[v]) for v in variables}
            if population == "input" and "n_spikes" in variables and params.signed_inputs:
                opponent = "signed spike count in the step: ON spikes (r_0 > 0) count +1, OFF spikes (r_0 < 0) -1"
                labels["n_spikes"] = Label(population, int(layer), "opponent", "other", opponent)
            stored = stored_errors(params, group)
            for pathway in (PATHWAY_TABLE[name] for name in PATHWAY_TABLE if name in stored):
                quantity = "rate" if pathway.predicts_rate else "voltage"
                compartment = _LABELS[pathway.potential][0]
                text = f"error factor {pathway.error} of Eq. {pathway.equation} ({pathway.name} plasticity)"
                labels[pathway.error] = Label(population, int(layer), compartment, quantity, text)
            carried = tuple(v for v in variables if v not in _DERIVED)
            result[group] = Population(sizes[group], labels, carried)
        return result

    def projections(self, params: MicrocircuitParams) -> list[Projection]:
        """The projections (see :func:`~brian_dendrites.models.microcircuit.network.projections`).

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.

        Returns
        -------
        list of Projection
            ``bottom_up_k``, then ``top_down_k``, ``ip_k`` and ``pi_k`` of each hidden layer.
        """
        return projections(params.sizes)

    def synapse_labels(self, params: MicrocircuitParams, projection: Projection) -> dict[str, Label]:
        """The weight w of a projection, and the tau_w-filtered induction of a filtered plastic one.

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.
        projection : Projection
            One of the network's projections.

        Returns
        -------
        dict of str to Label
            Variable name -> label, by synapse in connection order.
        """
        proj = projection
        weight = f"weight of {proj.name} ({proj.pathway} pathway), one column per synapse, presynaptic-major"
        result = {"w": Label(proj.pathway, proj.layer, "synapse", "weight", weight)}
        if self.synapse_state(params, proj):
            induction = f"induction of {proj.name}: e_post r_pre low-pass filtered with tau_w, presynaptic-major"
            result["induction"] = Label(proj.pathway, proj.layer, "synapse", "other", induction)
        return result

    def synapse_state(self, params: MicrocircuitParams, projection: Projection) -> tuple[SynapseState, ...]:
        """The induction of a filtered plastic projection (``'bottom_up_1.induction'``), missing: zero.

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.
        projection : Projection
            One of the network's projections.

        Returns
        -------
        tuple of SynapseState
            The induction, or nothing.
        """
        if projection.pathway in params.plastic and params.tau_w is not None:
            return (SynapseState("induction", f"{projection.name}.induction"),)
        return ()

    def thresholds(self, params: MicrocircuitParams) -> tuple[Threshold, ...]:
        """With ``params.thresholds``: b_B of each pyramidal layer ('bottom_up_k'), b_D of interneurons ('ip_k').

        Parameters
        ----------
        params : MicrocircuitParams
            The network's parameters.

        Returns
        -------
        tuple of Threshold
            One per bottom-up and ip projection, whose trace potential (v_B, v_D) starts at it; none
            without ``params.thresholds``.
        """
        if not params.thresholds:
            return ()
        result = []
        for p in projections(params.sizes):
            if p.pathway == threshold_pathway(p.post):
                potential, threshold, _ = THRESHOLDS[p.post.rsplit("_", 1)[0]]
                result.append(Threshold(p.name, p.post, threshold, potential))
        return tuple(result)

    def runtime_values(self, params: MicrocircuitParams, eta: LearningRates | None, noise: bool) -> dict:
        """Conductances, noise amplitudes (0 without ``noise``), gains, psi and tau_s of spiking mode, and the
        learning rates of plastic thresholds.

        Parameters
        ----------
        params : MicrocircuitParams
            The run's parameters.
        eta : LearningRates or None
            The run's learning rates, of the plastic thresholds (each its projection's; None: 0); the
            weights' are :meth:`projection_values`.
        noise : bool
            False sets every sigma to 0.

        Returns
        -------
        dict of str to Quantity
            ``'group.variable'`` -> value (see :func:`~brian_dendrites.models.microcircuit.network.runtime_parameters`),
            then ``'group.eta_b'`` of each group whose thresholds learn.
        """
        values = runtime_parameters(params)
        values = {key: 0 * value if not noise and key.endswith(".sigma") else value for key, value in values.items()}
        for t in self.thresholds(params):
            if threshold_pathway(t.group) in params.plastic:
                values[f"{t.group}.eta_b"] = threshold_rate(params, t.group, eta)
        return values

    def projection_values(self, params: MicrocircuitParams, projection: Projection, eta: LearningRates | None) -> dict:
        """The learning rate of a plastic projection (None: 0).

        Parameters
        ----------
        params : MicrocircuitParams
            The run's parameters.
        projection : Projection
            One of the network's projections.
        eta : LearningRates or None
            The run's learning rates; None: every rate 0.

        Returns
        -------
        dict of str to Quantity
            ``{'eta': rate}``, or nothing for a projection without plasticity code.
        """
        if projection.pathway not in params.plastic:
            return {}
        eta = LearningRates() if eta is None else eta
        return {"eta": eta.for_projection(projection.pathway, projection.layer, len(params.sizes) - 1)}

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

    # -- teaching: what the supervised protocols use (brian_dendrites.teaching.Teachable): in .teaching; transfer
    # (params.phi) and the rest from kit.TeachableBase
    from . import teaching as _teaching

    task_params = staticmethod(_teaching.task_params)
    weight_scale = staticmethod(_teaching.weight_scale)
    initial_weights = staticmethod(_teaching.initial_weights)
    output = staticmethod(_teaching.output)
    target_range = staticmethod(_teaching.target_range)
    self_predicting = staticmethod(_teaching.self_predicting)
    shallow_rates = staticmethod(_teaching.shallow_rates)
    apical = staticmethod(_teaching.apical)
    spiking = staticmethod(_teaching.spiking)
    alignment = staticmethod(_teaching.alignment)
    backprop_cosine = staticmethod(_teaching.backprop_cosine)
    del _teaching


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
