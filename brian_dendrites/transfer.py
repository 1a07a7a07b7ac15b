"""Neuronal transfer functions phi, as Brian2 expressions and as NumPy functions.

Both forms come from one record, so the Brian2 network and any NumPy engine
use the same phi with the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brian_dendrites.errors import ParameterError

__all__ = ["TransferFunction", "Logistic", "SoftRectifier", "transfer_function", "TRANSFER_FUNCTIONS"]


class TransferFunction:
    """Base class: ``expression`` for Brian2, ``__call__`` for NumPy."""

    name: str

    def expression(self, argument: str) -> str:
        """Brian2 expression of phi(argument); parameters are literals."""
        raise NotImplementedError

    def __call__(self, u: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, u: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def inverse(self, r: np.ndarray) -> np.ndarray:
        """The potential u with phi(u) = r; raises ValueError outside phi's range."""
        raise NotImplementedError


@dataclass(frozen=True)
class Logistic(TransferFunction):
    """phi(u) = 1 / (1 + exp(-u)) (MNIST, section 3.4)."""

    name: str = "logistic"

    def expression(self, argument: str) -> str:
        return f"(1.0/(1.0 + exp(-({argument}))))"

    def __call__(self, u):
        # exp of a non-positive number only: no overflow, full relative precision on both tails.
        u = np.asarray(u)
        z = np.exp(-np.abs(u))  # keeps float32 input in float32
        return np.where(u >= 0, 1.0 / (1.0 + z), z / (1.0 + z))

    def derivative(self, u):
        r = self(u)
        return r * (1.0 - r)

    def inverse(self, r):
        r = np.asarray(r, dtype=float)
        if np.any((r <= 0) | (r >= 1)):
            raise ParameterError("logistic targets must lie in the open interval (0, 1)")
        return np.log(r) - np.log1p(-r)


@dataclass(frozen=True)
class SoftRectifier(TransferFunction):
    """phi(u) = gamma * log(1 + exp(beta * (u - theta))) (regression, section 3.3)."""

    gamma: float = 0.1
    beta: float = 1.0
    theta: float = 3.0
    name: str = "soft_rectifier"

    def __post_init__(self) -> None:
        for label, value in (("gamma", self.gamma), ("beta", self.beta)):
            if not np.isfinite(value) or value <= 0:
                raise ParameterError(f"soft rectifier {label} must be a finite number > 0, got {value}")
        if not np.isfinite(self.theta):
            raise ParameterError(f"soft rectifier theta must be finite, got {self.theta}")

    def expression(self, argument: str) -> str:
        # Overflow-free form: log(1 + exp(z)) = log(1 + exp(-|z|)) + max(z, 0), max(z, 0) = (z + |z|)/2.
        z = f"({self.beta!r}*(({argument}) - {self.theta!r}))"
        return f"({self.gamma!r}*(log(1.0 + exp(-abs({z}))) + 0.5*({z} + abs({z}))))"

    def __call__(self, u):
        return self.gamma * np.logaddexp(0.0, self.beta * (np.asarray(u) - self.theta))

    def derivative(self, u):
        return self.gamma * self.beta * 0.5 * (1.0 + np.tanh(0.5 * self.beta * (np.asarray(u) - self.theta)))

    def inverse(self, r):
        r = np.asarray(r, dtype=float)
        if np.any(r <= 0):
            raise ParameterError("soft-rectifier targets must be > 0")
        x = r / self.gamma
        # log(exp(x) - 1) without overflow
        return self.theta + (x + np.log(-np.expm1(-x))) / self.beta


TRANSFER_FUNCTIONS = {"logistic": Logistic, "soft_rectifier": SoftRectifier}


def transfer_function(name: str, **parameters: float) -> TransferFunction:
    """The transfer function called ``name`` ('logistic' or 'soft_rectifier')."""
    if name not in TRANSFER_FUNCTIONS:
        raise ParameterError(f"transfer function must be one of {sorted(TRANSFER_FUNCTIONS)}, got '{name}'")
    return TRANSFER_FUNCTIONS[name](**parameters)
