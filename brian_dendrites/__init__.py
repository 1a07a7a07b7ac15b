"""brian_dendrites: dendritic cortical microcircuits (Sacramento et al., NeurIPS 2018) in Brian2."""

from brian_dendrites.models.microcircuit import (
    FIG1,
    FIG_S1,
    MNIST,
    PARAMETER_SETS,
    REGRESSION,
    InterneuronParams,
    LearningRates,
    MicrocircuitParams,
    PyramidalParams,
    random_weights,
    self_predicting_weights,
)
from brian_dendrites.recording import Recording, Trace
from brian_dendrites.simulation import NetworkState, RunResult, Simulation
from brian_dendrites.transfer import Logistic, SoftRectifier, transfer_function
from brian_dendrites.validation import DivergenceError

__version__ = "0.1.0"

__all__ = [
    "FIG1",
    "FIG_S1",
    "MNIST",
    "PARAMETER_SETS",
    "REGRESSION",
    "InterneuronParams",
    "LearningRates",
    "MicrocircuitParams",
    "PyramidalParams",
    "random_weights",
    "self_predicting_weights",
    "Recording",
    "Trace",
    "NetworkState",
    "RunResult",
    "Simulation",
    "Logistic",
    "SoftRectifier",
    "transfer_function",
    "DivergenceError",
]
