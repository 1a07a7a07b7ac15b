"""The error-neuron microcircuit behind the framework's contract (brian_dendrites.model.NetworkModel)."""

from __future__ import annotations

import numpy as np

from brian_dendrites.canonical import to_json
from brian_dendrites.errors import ParameterError
from brian_dendrites.model import Label
from brian_dendrites.state import NetworkState, matrix_to_synapses, synapses_to_matrix
from brian_dendrites.validation import finite_array

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


class ErrorNeuronModel:
    """Representation and error neurons of Max et al. (2025) with forward plasticity.

    Run inputs: input rates ``r_pattern`` (n_patterns, n_0), output target rates ``r_target``
    (n_patterns, n_N) and the target switch ``nudging`` (n_patterns,).
    """

    name = "error_neurons"
    description = "the error-neuron microcircuit of Max et al. (2025): representation and error neurons"
    inputs = ("r_pattern", "r_target", "nudging")

    def structure(self, params: ErrorNeuronParams) -> dict:
        """Sizes, transfer function, feedback mode and dt (conductances and eta are run-time values).

        Parameters
        ----------
        params : ErrorNeuronParams
            The network's parameters.

        Returns
        -------
        dict
            The canonical JSON of ``params`` without its run-time fields.
        """
        return {key: value for key, value in to_json(params).items() if key not in _RUNTIME_FIELDS}

    def labels(self, params: ErrorNeuronParams) -> dict[str, dict[str, Label]]:
        """The recordable variables, with their labels: per-neuron variables and weights.

        Parameters
        ----------
        params : ErrorNeuronParams
            The network's parameters.

        Returns
        -------
        dict of str to dict of str to Label
            Group or synapse name -> variable name -> label.
        """
        result = {}
        n = len(params.sizes) - 1
        for group in group_sizes(params.sizes):
            population, layer = group.rsplit("_", 1)
            variables = _variables(population, int(layer) == n) + (("v_den",) if population == "error" else ())
            result[group] = {v: Label(population, int(layer), *_LABELS[population][v]) for v in variables}
        for proj in projections(params.sizes):
            text = f"weight of {proj.name}, presynaptic-major"
            result[proj.name] = {"w": Label(proj.pathway, proj.layer, "synapse", "weight", text)}
            if proj.pathway == "forward" and proj.layer >= 2:
                text = f"B^II_{proj.layer - 1} offset on {proj.name} ('BP': B^II = W^T + b; 'FA': B^II = b)"
                result[proj.name]["b"] = Label(proj.pathway, proj.layer, "synapse", "weight", text)
        return result

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
        n_in, n_out = params.sizes[0], params.sizes[-1]
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
        return {"r_pattern": inputs, "r_target": targets, "nudging": nudging}, eta

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

    def zero_state(self, params: ErrorNeuronParams) -> NetworkState:
        """Zero weights (``forward_k``, ``feedback_k`` = B^II offsets, lateral) and zero potentials.

        Parameters
        ----------
        params : ErrorNeuronParams
            The network's parameters.

        Returns
        -------
        NetworkState
            ``feedback_k`` (n_k, n_{k+1}) for k = 1..N-1 is the b of ``forward_{k+1}``, transposed.
        """
        sizes, n = group_sizes(params.sizes), len(params.sizes) - 1
        weights = {proj.name: np.zeros((proj.n_post, proj.n_pre)) for proj in projections(params.sizes)}
        weights |= {f"feedback_{k}": np.zeros((params.sizes[k], params.sizes[k + 1])) for k in range(1, n)}
        potentials = {
            f"{group}.{v}": np.zeros(size)
            for group, size in sizes.items()
            for v in _variables(group.rsplit("_", 1)[0], group.endswith(f"_{n}") and group != "input_0")
        }
        return NetworkState(weights, {}, potentials)

    def load_state(self, circuit, params, state: NetworkState, eta, noise: bool) -> dict:
        """Brian2 variable views -> values: conductances, learning rates, weights, potentials.

        Parameters
        ----------
        circuit : ErrorNeuronCircuit
            The network.
        params : ErrorNeuronParams
            The run's conductances.
        state : NetworkState
            The state to load.
        eta : tuple of Quantity or None
            The run's learning rates (None: every weight frozen).
        noise : bool
            Ignored: the model has no noise.

        Returns
        -------
        dict
            Brian2 variable view -> value.
        """
        values = runtime_parameters(circuit, params, eta)
        for name, syn in circuit.synapses.items():
            values[syn.w] = matrix_to_synapses(state.weights[name])
            layer = int(name.rsplit("_", 1)[1])
            if name.startswith("forward") and layer >= 2:
                values[syn.b] = matrix_to_synapses(state.weights[f"feedback_{layer - 1}"].T)
        for key, view in _views(circuit).items():
            values[view] = state.potentials.get(key, np.zeros(len(view.group)))
        return values

    def read_state(self, circuit) -> NetworkState:
        """The circuit's current weights and potentials.

        Parameters
        ----------
        circuit : ErrorNeuronCircuit
            The network to read.

        Returns
        -------
        NetworkState
            Its weights (with the ``feedback_k`` offsets) and potentials.
        """
        weights = {}
        for name, syn in circuit.synapses.items():
            n_pre, n_post = len(syn.source), len(syn.target)
            weights[name] = synapses_to_matrix(syn.w[:], n_pre, n_post)
            layer = int(name.rsplit("_", 1)[1])
            if name.startswith("forward") and layer >= 2:
                weights[f"feedback_{layer - 1}"] = synapses_to_matrix(syn.b[:], n_pre, n_post).T.copy()
        potentials = {key: np.asarray(view[:], dtype=float) for key, view in _views(circuit).items()}
        return NetworkState(weights, {}, potentials)


def _variables(population: str, output: bool) -> tuple[str, ...]:
    """The carried per-neuron variables of a population (the output area has no v_td)."""
    return tuple(v for v in _LABELS[population] if v not in _DERIVED and not (output and v == "v_td"))


def _views(circuit) -> dict:
    n = len(circuit.params.sizes) - 1
    return {
        f"{name}.{v}": getattr(group, v)
        for name, group in circuit.groups.items()
        for v in _variables(name.rsplit("_", 1)[0], name.endswith(f"_{n}") and name != "input_0")
    }


ERROR_NEURONS = ErrorNeuronModel()
