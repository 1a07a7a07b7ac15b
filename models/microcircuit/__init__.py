"""The dendritic error microcircuit of Sacramento et al. (2018): equations, parameters, network.

Beside the model: the steady-state engine (:mod:`.steady_state`) and the trained classifier it
serves, in :mod:`.classifier` (the network), :mod:`.classifier_file` (its model file),
:mod:`.learning` (its training step and the backprop baseline) and :mod:`.stacked` (several at
once on PyTorch); these are imported from their modules.
"""

from brian_dendrites.model import register

from .equations import input_equations, interneuron_equations, pyramidal_equations, synapse_equations
from .model import MICROCIRCUIT, MicrocircuitModel
from .network import Microcircuit, build_microcircuit, projections
from .parameters import (
    BARS,
    FIG1,
    FIG_S1,
    MNIST,
    MODES,
    PARAMETER_SETS,
    PATHWAYS,
    RECORD_TYPES,
    REGRESSION,
    InterneuronParams,
    LearningRates,
    MicrocircuitParams,
    PyramidalParams,
    SpikingParams,
)
from .weights import random_weights, self_predicting_weights

register(MicrocircuitParams, MICROCIRCUIT)

__all__ = [
    "MICROCIRCUIT",
    "MicrocircuitModel",
    "BARS",
    "FIG1",
    "FIG_S1",
    "MNIST",
    "PARAMETER_SETS",
    "RECORD_TYPES",
    "PATHWAYS",
    "REGRESSION",
    "InterneuronParams",
    "LearningRates",
    "MicrocircuitParams",
    "MODES",
    "PyramidalParams",
    "SpikingParams",
    "Microcircuit",
    "build_microcircuit",
    "projections",
    "input_equations",
    "interneuron_equations",
    "pyramidal_equations",
    "synapse_equations",
    "random_weights",
    "self_predicting_weights",
]
