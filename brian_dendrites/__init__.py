"""brian_dendrites: dendritic cortical microcircuits (Sacramento et al., NeurIPS 2018) in Brian2."""

import logging
from pathlib import Path

# In a source checkout, models/ and protocols/ sit beside this folder; installed, they are
# brian_dendrites/models and brian_dendrites/protocols. Python started in the checkout's root
# imports this folder instead of the installed package, so let it find them beside it too.
_CHECKOUT = Path(__file__).resolve().parent.parent
if not Path(__file__).with_name("models").is_dir() and (_CHECKOUT / "models" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))

from brian_dendrites.errors import (
    BrianDendritesError,
    DivergenceError,
    FileFormatError,
    OutputError,
    OutputExistsError,
    ParameterError,
    install_excepthook,
)
from brian_dendrites.interrupt import keep_ignored
from brian_dendrites.models.error_neurons import ErrorNeuronParams
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
from brian_dendrites.recording import Probe, Recording, Trace
from brian_dendrites.simulation import RunResult, Simulation
from brian_dendrites.state import NetworkState
from brian_dendrites.transfer import Logistic, SoftRectifier, Tanh, transfer_function

__version__ = "0.1.0"

__all__ = [
    "FIG1",
    "FIG_S1",
    "MNIST",
    "PARAMETER_SETS",
    "REGRESSION",
    "ErrorNeuronParams",
    "InterneuronParams",
    "LearningRates",
    "MicrocircuitParams",
    "PyramidalParams",
    "random_weights",
    "self_predicting_weights",
    "Probe",
    "Recording",
    "Trace",
    "NetworkState",
    "RunResult",
    "Simulation",
    "Logistic",
    "SoftRectifier",
    "Tanh",
    "transfer_function",
    "BrianDendritesError",
    "DivergenceError",
    "FileFormatError",
    "OutputError",
    "OutputExistsError",
    "ParameterError",
]

install_excepthook()
keep_ignored()  # a SIGINT ignored at start stays ignored, in place of Brian2's handler (brian_dendrites.interrupt)

# One-line notices (a build starts compiling, and how long it took) on stderr, as Brian2 shows its own;
# silence them with logging.getLogger("brian_dendrites").setLevel(logging.WARNING).
_logger = logging.getLogger("brian_dendrites")
if not _logger.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("brian_dendrites: %(message)s"))
    _logger.addHandler(_handler)
    _logger.setLevel(logging.INFO)
    _logger.propagate = False
