"""The error-neuron microcircuit behind the framework's contract (brian_dendrites.model.NetworkModel)."""

from __future__ import annotations

from brian_dendrites.errors import ParameterError
from brian_dendrites.kit import ModelBase, Population, SynapseState, TeachableBase, check_arrays
from brian_dendrites.model import Label, Projection

from .network import build_error_circuit, group_sizes, projections, runtime_parameters
from .parameters import ErrorNeuronParams

__all__ = ["ErrorNeuronModel", "ERROR_NEURONS"]

# Compartment, quantity and description of each recordable neuron variable, by population.
_LABELS = {
    "input": {
        "r": ("rate", "rate", "input rate r_0 of this step"),
        "r_old": ("rate", "rate", "input rate r_0 of the previous step (presynaptic factor of dW_1)"),
    },
    "representation": {
        "u": ("soma", "voltage", "somatic membrane potential u"),
        "v_bas": ("basal", "voltage", "basal potential v_bas = W r_below"),
        "v_api": ("apical", "voltage", "apical potential v_api = B^PI e (error neurons of the area)"),
        "v_td": ("apical", "voltage", "error from above as the area's error neurons receive it, B^II e_above"),
        "u_breve": ("soma", "voltage", "prospective potential u_breve = (g_bas v_bas + g_api v_api)/g_tot"),
        "r": ("rate", "rate", "rate r = phi(u_breve)"),
        "r_old": ("rate", "rate", "rate of the previous step (presynaptic factor of the plasticity)"),
        "slope": ("rate", "other", "transfer slope phi'(u_breve)"),
        "e_A": ("apical", "voltage", "apical error factor g_api v_api/g_tot of the forward plasticity"),
        "q": (
            "rate",
            "other",
            "signal to the error neurons through W^IP: phi' (hidden), nudging phi' (r* - r) (output)",
        ),
    },
    "error": {
        "u": ("soma", "voltage", "somatic membrane potential u of the error neuron"),
        "a_lat": ("dendrite", "other", "lateral input W^IP q from the area's representation neurons"),
        "v_den": ("dendrite", "voltage", "dendritic potential: a_lat * B^II e_above (hidden), a_lat (output)"),
        "r": ("rate", "rate", "error rate e = u_breve of the error neuron (linear transfer)"),
    },
}
_RUNTIME_FIELDS = ("g_l", "g_bas", "g_api", "g_den", "g_ntgt", "eta")
_DERIVED = ("v_den",)  # subexpressions: recordable, not carried


class ErrorNeuronModel(ModelBase, TeachableBase):
    """Representation and error neurons of Max et al. (2025) with forward plasticity.

    Run inputs: input rates ``r_pattern`` (n_patterns, n_0), output target rates ``r_target``
    (n_patterns, n_N) and the target switch ``nudging`` (n_patterns,). The bookkeeping is the kit's
    :class:`~brian_dendrites.kit.ModelBase`: ``structure`` is the record without its conductances and
    learning rates, and the state holds ``feedback_k`` (n_k, n_{k+1}), the b of ``forward_{k+1}``
    transposed, beside the weights.
    """

    name = "error_neurons"
    description = "the error-neuron microcircuit of Max et al. (2025): representation and error neurons"
    inputs = ("r_pattern", "r_target", "nudging")
    runtime_fields = _RUNTIME_FIELDS

    def populations(self, params: ErrorNeuronParams) -> dict[str, Population]:
        """Every group with its labels; every variable is carried but v_den (a subexpression).

        Parameters
        ----------
        params : ErrorNeuronParams
            The network's parameters.

        Returns
        -------
        dict of str to Population
            Group name -> population (the output area has no v_td).
        """
        result, n = {}, len(params.sizes) - 1
        for group, size in group_sizes(params.sizes).items():
            population, layer = group.rsplit("_", 1)
            carried = _variables(population, int(layer) == n)
            variables = carried + (("v_den",) if population == "error" else ())
            labels = {v: Label(population, int(layer), *_LABELS[population][v]) for v in variables}
            result[group] = Population(size, labels, carried)
        return result

    def projections(self, params: ErrorNeuronParams) -> list[Projection]:
        """The projections (see :func:`~brian_dendrites.models.error_neurons.network.projections`).

        Parameters
        ----------
        params : ErrorNeuronParams
            The network's parameters.

        Returns
        -------
        list of Projection
            ``forward_k``, then ``lateral_ip_k`` and ``lateral_pi_k`` of each area.
        """
        return projections(params.sizes)

    def synapse_labels(self, params: ErrorNeuronParams, projection: Projection) -> dict[str, Label]:
        """The weight w, and on ``forward_k`` (k >= 2) the offset b of B^II_{k-1}.

        Parameters
        ----------
        params : ErrorNeuronParams
            The network's parameters.
        projection : Projection
            One of the network's projections.

        Returns
        -------
        dict of str to Label
            Variable name -> label.
        """
        result, proj = super().synapse_labels(params, projection), projection
        if self.synapse_state(params, proj):
            text = f"B^II_{proj.layer - 1} offset on {proj.name} ('BP': B^II = W^T + b; 'FA': B^II = b)"
            result["b"] = Label(proj.pathway, proj.layer, "synapse", "weight", text)
        return result

    def synapse_state(self, params: ErrorNeuronParams, projection: Projection) -> tuple[SynapseState, ...]:
        """The offset b of ``forward_k`` (k >= 2), kept among the weights as ``feedback_{k-1}``, transposed.

        Parameters
        ----------
        params : ErrorNeuronParams
            The network's parameters.
        projection : Projection
            One of the network's projections.

        Returns
        -------
        tuple of SynapseState
            b, or nothing.
        """
        if projection.pathway == "forward" and projection.layer >= 2:
            return (SynapseState("b", f"feedback_{projection.layer - 1}", weights=True, transposed=True),)
        return ()

    def runtime_values(self, params: ErrorNeuronParams, eta, noise: bool) -> dict:
        """The conductances and the learning rates of W_1..W_N (None: every forward weight frozen).

        Parameters
        ----------
        params : ErrorNeuronParams
            The run's conductances.
        eta : tuple of Quantity or None
            The run's learning rates.
        noise : bool
            Ignored: the model has no noise.

        Returns
        -------
        dict of str to Quantity
            ``'object.variable'`` -> value.
        """
        return runtime_parameters(params, eta)

    def check_run(self, params, n_patterns, inputs, targets=None, nudging=None, eta=None):
        """Validated ``r_pattern``, ``r_target`` and ``nudging`` arrays, and the run's learning rates.

        Parameters
        ----------
        params : ErrorNeuronParams
            The run's parameters.
        n_patterns : int
            The number of patterns of the run.
        inputs : array_like
            Input rates, shape (n_patterns, n_0), finite.
        targets : array_like, optional
            Output target rates, shape (n_patterns, n_N), finite. None: zeros, with nudging off
            unless ``nudging`` is given.
        nudging : array_like, optional
            Target switch per pattern, shape (n_patterns,), in [0, 1]. None: 1 where targets are given.
        eta : tuple of Quantity, optional
            Learning rates of W_1..W_N. None: ``params.eta`` (empty: all 0).

        Returns
        -------
        arrays : dict of str to numpy.ndarray
            ``r_pattern``, ``r_target``, ``nudging``.
        eta : tuple of Quantity
            The run's learning rates.

        Raises
        ------
        ParameterError
            If an array is not of real numbers (bool, complex and string arrays are refused), has the wrong
            shape or is not finite, nudging lies outside [0, 1], or ``eta``
            does not fit the network.
        """
        eta = params.rates if eta is None else params.replace(eta=eta).rates
        arrays = check_arrays(n_patterns, inputs, targets, nudging, params.sizes[0], params.sizes[-1])
        return dict(zip(self.inputs, arrays, strict=True)), eta

    def build(self, params, timed, currents=None):
        """The Brian2 network of ``params``, reading the TimedArrays ``timed``; weights start at zero.

        Parameters
        ----------
        params : ErrorNeuronParams
            The network's parameters.
        timed : dict of str to TimedArray
            The TimedArrays ``r_pattern``, ``r_target`` and ``nudging``.
        currents : dict of str to list of str, optional
            Must be empty: rates follow the dendrites (lookahead), so a somatic current would change
            no rate.

        Returns
        -------
        ErrorNeuronCircuit
            The groups and synapses.

        Raises
        ------
        ParameterError
            If ``currents`` is not empty.
        """
        if currents:
            raise ParameterError(
                "currents: the error-neuron model takes no extra currents (its rates follow the dendrites)"
            )
        return build_error_circuit(params, *(timed[name] for name in self.inputs))

    # -- teaching: what the supervised protocols use (brian_dendrites.teaching.Teachable): in .teaching; transfer
    # (params.phi) and the rest from kit.TeachableBase
    from . import teaching as _teaching

    task_params = staticmethod(_teaching.task_params)
    weight_scale = staticmethod(_teaching.weight_scale)
    initial_weights = staticmethod(_teaching.initial_weights)
    output = staticmethod(_teaching.output)
    targets = staticmethod(_teaching.targets)
    target_range = staticmethod(_teaching.target_range)
    shallow_rates = staticmethod(_teaching.shallow_rates)
    apical = staticmethod(_teaching.apical)
    del _teaching


def _variables(population: str, output: bool) -> tuple[str, ...]:
    """The carried per-neuron variables of a population (the output area has no v_td)."""
    return tuple(v for v in _LABELS[population] if v not in _DERIVED and not (output and v == "v_td"))


ERROR_NEURONS = ErrorNeuronModel()
