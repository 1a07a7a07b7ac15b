"""The error-neuron microcircuit of Max et al. (2025): equations, parameters, network.

Beside the model: the steady-state engine (:mod:`.steady_state`), imported from its module.
"""

from brian_dendrites.model import register

from .equations import error_equations, forward_synapse, input_equations, representation_equations, start_code
from .model import ERROR_NEURONS, ErrorNeuronModel
from .network import ErrorNeuronCircuit, build_error_circuit, group_sizes, projections
from .parameters import FEEDBACK_MODES, RECORD_TYPES, TEMPLATE, ErrorNeuronParams
from .weights import feedback_matrices, random_weights

register(ErrorNeuronParams, ERROR_NEURONS)

__all__ = [
    "ERROR_NEURONS",
    "ErrorNeuronModel",
    "ErrorNeuronParams",
    "ErrorNeuronCircuit",
    "FEEDBACK_MODES",
    "RECORD_TYPES",
    "TEMPLATE",
    "build_error_circuit",
    "error_equations",
    "feedback_matrices",
    "forward_synapse",
    "group_sizes",
    "input_equations",
    "projections",
    "random_weights",
    "representation_equations",
    "start_code",
]
