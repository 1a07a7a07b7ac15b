"""Parameter records of the error-neuron microcircuit (Max et al. 2025), with the authors' defaults.

Potentials are dimensionless, conductances are rates (1/ms) and learning rates carry 1/ms, as in the
authors' NumPy code (kma-code/Error-Neuron-Microcircuits, ``numpy_model/example/params_template.json``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from brian2 import Quantity, ms

from brian_dendrites.canonical import record_types
from brian_dendrites.errors import ParameterError
from brian_dendrites.transfer import Tanh, TransferFunction
from brian_dendrites.validation import is_integer, quantity_value

__all__ = ["FEEDBACK_MODES", "ErrorNeuronParams", "TEMPLATE", "RECORD_TYPES"]

#: How the top-down weights B^II between error neurons are set: "BP" = W^T of the forward weights
#: above plus a fixed noise matrix (tracking W as it learns), "FA" = a fixed random matrix.
FEEDBACK_MODES = ("BP", "FA")


def _rate(name: str, value, positive: bool = True) -> float:
    """``value`` in 1/ms; ParameterError unless a finite scalar rate > 0 (>= 0 without ``positive``)."""
    number = quantity_value(value, 1 / ms)  # NaN unless one real quantity in 1/time
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ParameterError(
            f"{name} must be a finite rate in 1/time (e.g. 0.1/ms), {'> 0' if positive else '>= 0'}, got {value!r}"
        )
    return number


@dataclass(frozen=True)
class ErrorNeuronParams:
    """Everything that defines an error-neuron microcircuit.

    Each area k = 1..N has representation neurons (soma, basal, apical) and as many error neurons
    (two compartments, linear rate). Rates are those of the prospective ("lookahead") potentials.

    Parameters
    ----------
    sizes : tuple of int, optional
        Area sizes (n_0, n_1, ..., n_N): input, hidden areas, output; at least 2, each >= 1. Default
        (4, 2, 1).
    phi : TransferFunction, optional
        Transfer function of the representation neurons. Default ``Tanh()``.
    g_l : Quantity, optional
        Leak conductance of every neuron (1/time), > 0. Default 0.03/ms.
    g_bas : Quantity, optional
        Basal-to-soma conductance of the representation neurons (1/time), > 0. Default 0.1/ms.
    g_api : Quantity, optional
        Apical-to-soma conductance of the representation neurons (1/time), > 0. Default 0.06/ms.
    g_den : Quantity, optional
        Dendrite-to-soma conductance of the hidden areas' error neurons (1/time), > 0. Default 0.1/ms.
    g_ntgt : Quantity, optional
        Target-nudging conductance of the output error neurons (1/time), > 0. Default 0.06/ms.
    eta : tuple of Quantity, optional
        Learning rate of each forward projection W_1..W_N (1/time), >= 0; empty: all 0. Default ().
    feedback : {'BP', 'FA'}, optional
        Top-down weights B^II (see :data:`FEEDBACK_MODES`). Default 'BP'.
    dt : Quantity, optional
        Time step of the Euler integration, > 0, with dt (g_l + g_bas + g_api) < 1 and dt (g_l +
        max(g_den, g_ntgt)) < 1. Default 0.01 ms.

    Raises
    ------
    ParameterError
        If a field is invalid; the message names the field, the value and the allowed range.
    """

    sizes: tuple[int, ...] = (4, 2, 1)
    phi: TransferFunction = field(default_factory=Tanh)
    g_l: Quantity = field(default_factory=lambda: 0.03 / ms)
    g_bas: Quantity = field(default_factory=lambda: 0.1 / ms)
    g_api: Quantity = field(default_factory=lambda: 0.06 / ms)
    g_den: Quantity = field(default_factory=lambda: 0.1 / ms)
    g_ntgt: Quantity = field(default_factory=lambda: 0.06 / ms)
    eta: tuple[Quantity, ...] = ()
    feedback: str = "BP"
    dt: Quantity = field(default_factory=lambda: 0.01 * ms)

    def __post_init__(self) -> None:
        if isinstance(self.sizes, list):
            object.__setattr__(self, "sizes", tuple(self.sizes))
        if isinstance(self.eta, list):
            object.__setattr__(self, "eta", tuple(self.eta))
        sizes = self.sizes
        if not isinstance(sizes, tuple) or len(sizes) < 2 or not all(is_integer(n) and n >= 1 for n in sizes):
            raise ParameterError(f"sizes must be at least 2 integers >= 1 (input, ..., output), got {sizes!r}")
        object.__setattr__(self, "sizes", tuple(int(n) for n in sizes))
        if not isinstance(self.phi, TransferFunction):
            raise ParameterError(f"phi must be a TransferFunction (e.g. Tanh()), got {self.phi!r}")
        g = {name: _rate(name, getattr(self, name)) for name in ("g_l", "g_bas", "g_api", "g_den", "g_ntgt")}
        if self.eta and len(self.eta) != len(sizes) - 1:
            raise ParameterError(
                f"eta must have one rate per forward projection ({len(sizes) - 1}), got {len(self.eta)}"
            )
        for k, value in enumerate(self.eta, start=1):
            _rate(f"eta[{k - 1}] (W_{k})", value, positive=False)
        if self.feedback not in FEEDBACK_MODES:
            raise ParameterError(f"feedback must be one of {FEEDBACK_MODES}, got {self.feedback!r}")
        step = quantity_value(self.dt, ms)
        if not (math.isfinite(step) and step > 0):
            raise ParameterError(f"dt must be a time > 0 (e.g. 0.01*ms), got {self.dt!r}")
        fastest = max(g["g_l"] + g["g_bas"] + g["g_api"], g["g_l"] + max(g["g_den"], g["g_ntgt"]))
        if step * fastest >= 1:
            raise ParameterError(
                f"dt times the largest total conductance must be < 1 (Euler stability), got {step * fastest:.3g}"
            )

    @property
    def rates(self) -> tuple[Quantity, ...]:
        """The learning rate of each forward projection (1/time); zeros where ``eta`` is empty."""
        return self.eta or tuple(0 / ms for _ in self.sizes[1:])

    def replace(self, **changes) -> ErrorNeuronParams:
        """A copy with ``changes`` applied (and checked).

        Parameters
        ----------
        **changes
            New values of fields.

        Returns
        -------
        ErrorNeuronParams
            The new record.
        """
        return replace(self, **changes)


#: The authors' template (4-2-1, tanh, BP feedback, learning rates of their Fig. 3 4-2-1 run).
TEMPLATE = ErrorNeuronParams(eta=(2.0 / ms, 0.2 / ms))

#: Every record type a stored parameter description may name (see brian_dendrites.canonical.from_json):
#: ErrorNeuronParams and its transfer functions.
RECORD_TYPES = record_types(ErrorNeuronParams)
