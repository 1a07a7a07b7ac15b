"""Neuronal transfer functions phi, as Brian2 expressions and as array functions.

Both forms come from one record, so the Brian2 network and any array engine use the same phi with
the same parameters. ``phi(u)`` and ``phi.derivative(u)`` take NumPy arrays or PyTorch tensors
(:func:`array_namespace`) and return the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brian_dendrites.errors import ParameterError

__all__ = [
    "TransferFunction",
    "Logistic",
    "SoftRectifier",
    "Tanh",
    "transfer_function",
    "TRANSFER_FUNCTIONS",
    "array_namespace",
]


def array_namespace(x):
    """The module whose functions apply to ``x``: torch for a PyTorch tensor, else numpy.

    Parameters
    ----------
    x : array_like or torch.Tensor
        An array.

    Returns
    -------
    module
        ``torch`` or ``numpy``.
    """
    if type(x).__module__.partition(".")[0] == "torch":
        import torch

        return torch
    return np


def _array(u):
    """``u`` as an array of its namespace (array_like -> numpy array; a tensor stays a tensor)."""
    xp = array_namespace(u)
    return xp, (u if xp is not np else np.asarray(u))


class TransferFunction:
    """Base class of the transfer functions phi: ``expression`` for Brian2, ``__call__`` for NumPy.

    Subclasses are frozen dataclasses whose fields are phi's parameters; ``name`` is the name that
    :func:`transfer_function` and :data:`TRANSFER_FUNCTIONS` know them by.
    """

    name: str

    def expression(self, argument: str) -> str:
        """Brian2 expression of phi(argument); parameters are literals.

        Parameters
        ----------
        argument : str
            Brian2 expression of the (dimensionless) potential, e.g. ``'u'`` or ``'g_B/(g_lk + g_B)*v_B'``.

        Returns
        -------
        str
            The rate phi(argument), parenthesised, as a Brian2 expression.
        """
        raise NotImplementedError

    def derivative_expression(self, argument: str) -> str:
        """Brian2 expression of phi'(argument); parameters are literals.

        Parameters
        ----------
        argument : str
            Brian2 expression of the (dimensionless) potential.

        Returns
        -------
        str
            The slope phi'(argument), parenthesised, as a Brian2 expression.
        """
        raise NotImplementedError

    def inverse_expression(self, argument: str) -> str:
        """Brian2 expression of phi^-1(argument), the argument clipped into phi's range.

        Parameters
        ----------
        argument : str
            Brian2 expression of a (dimensionless) rate, e.g. a spike trace.

        Returns
        -------
        str
            The potential u with phi(u) = argument, parenthesised; a rate at or beyond the edge of
            phi's range is first clipped to within 1e-6 of it.
        """
        raise NotImplementedError

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """phi(u), elementwise.

        Parameters
        ----------
        u : array_like or torch.Tensor
            Somatic or dendritic potentials (dimensionless).

        Returns
        -------
        numpy.ndarray or torch.Tensor
            The rates phi(u), of the shape and kind of ``u``.
        """
        raise NotImplementedError

    def derivative(self, u: np.ndarray) -> np.ndarray:
        """phi'(u), elementwise.

        Parameters
        ----------
        u : array_like or torch.Tensor
            Potentials (dimensionless).

        Returns
        -------
        numpy.ndarray or torch.Tensor
            The slopes phi'(u), of the shape and kind of ``u``.
        """
        raise NotImplementedError

    def inverse(self, r: np.ndarray) -> np.ndarray:
        """The potential u with phi(u) = r.

        Parameters
        ----------
        r : array_like
            Rates inside phi's range.

        Returns
        -------
        numpy.ndarray
            The potentials u (float), of the shape of ``r``.

        Raises
        ------
        ParameterError
            If a rate lies outside phi's range (a ``ValueError``).
        """
        raise NotImplementedError


@dataclass(frozen=True)
class Logistic(TransferFunction):
    """The logistic function, phi(u) = 1 / (1 + exp(-u)) (MNIST, section 3.4).

    Its range is the open interval (0, 1).

    Parameters
    ----------
    name : str, optional
        The name of this transfer function, ``'logistic'`` (the default).
    """

    name: str = "logistic"

    def expression(self, argument: str) -> str:
        return f"(1.0/(1.0 + exp(-({argument}))))"

    def derivative_expression(self, argument: str) -> str:
        r = self.expression(argument)
        return f"({r}*(1.0 - {r}))"

    def inverse_expression(self, argument: str) -> str:
        x = f"clip({argument}, 1e-6, 1.0 - 1e-6)"
        return f"(log({x}) - log1p(-{x}))"

    def __call__(self, u):
        # exp of a non-positive number only: no overflow, full relative precision on both tails.
        xp, u = _array(u)
        z = xp.exp(-xp.abs(u))  # keeps float32 input in float32
        return xp.where(u >= 0, 1.0 / (1.0 + z), z / (1.0 + z))

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
    """The soft rectifier, phi(u) = gamma * log(1 + exp(beta * (u - theta))) (regression, section 3.3).

    Its range is r > 0.

    Parameters
    ----------
    gamma : float, optional
        Scale gamma of the rates; finite, > 0. Default 0.1.
    beta : float, optional
        Steepness beta (far above theta, phi' approaches gamma * beta); finite, > 0. Default 1.0.
    theta : float, optional
        Threshold potential theta (dimensionless); finite. Default 3.0.
    name : str, optional
        The name of this transfer function, ``'soft_rectifier'`` (the default).

    Raises
    ------
    ParameterError
        If ``gamma`` or ``beta`` is not a finite number > 0, or ``theta`` is not finite.
    """

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

    def derivative_expression(self, argument: str) -> str:
        return f"({self.gamma * self.beta * 0.5!r}*(1.0 + tanh({0.5 * self.beta!r}*(({argument}) - {self.theta!r}))))"

    def inverse_expression(self, argument: str) -> str:
        x = f"(clip({argument}, 1e-6, inf)/{self.gamma!r})"
        return f"({self.theta!r} + ({x} + log(-expm1(-{x})))/{self.beta!r})"

    def __call__(self, u):
        xp, u = _array(u)
        x = self.beta * (u - self.theta)
        return self.gamma * xp.logaddexp(xp.zeros_like(x), x)

    def derivative(self, u):
        xp, u = _array(u)
        return self.gamma * self.beta * 0.5 * (1.0 + xp.tanh(0.5 * self.beta * (u - self.theta)))

    def inverse(self, r):
        r = np.asarray(r, dtype=float)
        if np.any(r <= 0):
            raise ParameterError("soft-rectifier targets must be > 0")
        x = r / self.gamma
        # log(exp(x) - 1) without overflow
        return self.theta + (x + np.log(-np.expm1(-x))) / self.beta


@dataclass(frozen=True)
class Tanh(TransferFunction):
    """The hyperbolic tangent, phi(u) = tanh(u) (the error-neuron model, Max et al. 2025).

    Its range is the open interval (-1, 1): rates are signed, as in the authors' code.

    Parameters
    ----------
    name : str, optional
        The name of this transfer function, ``'tanh'`` (the default).
    """

    name: str = "tanh"

    def expression(self, argument: str) -> str:
        return f"tanh({argument})"

    def derivative_expression(self, argument: str) -> str:
        return f"(1.0 - tanh({argument})**2)"

    def inverse_expression(self, argument: str) -> str:
        x = f"clip({argument}, -1.0 + 1e-6, 1.0 - 1e-6)"
        return f"(0.5*log((1.0 + {x})/(1.0 - {x})))"

    def __call__(self, u):
        xp, u = _array(u)
        return xp.tanh(u)

    def derivative(self, u):
        xp, u = _array(u)
        return 1.0 - xp.tanh(u) ** 2

    def inverse(self, r):
        r = np.asarray(r, dtype=float)
        if np.any(np.abs(r) >= 1):
            raise ParameterError("tanh targets must lie in the open interval (-1, 1)")
        return np.arctanh(r)


TRANSFER_FUNCTIONS = {"logistic": Logistic, "soft_rectifier": SoftRectifier, "tanh": Tanh}


def transfer_function(name: str, **parameters: float) -> TransferFunction:
    """The transfer function called ``name`` ('logistic', 'soft_rectifier' or 'tanh').

    Parameters
    ----------
    name : {'logistic', 'soft_rectifier', 'tanh'}
        A key of :data:`TRANSFER_FUNCTIONS`.
    **parameters : float
        Parameters of the function, passed to its record: ``gamma``, ``beta`` and ``theta`` of
        :class:`SoftRectifier`; :class:`Logistic` and :class:`Tanh` have none.

    Returns
    -------
    TransferFunction
        A :class:`Logistic`, :class:`SoftRectifier` or :class:`Tanh` record.

    Raises
    ------
    ParameterError
        If ``name`` is unknown, or the record rejects a parameter's value.
    """
    if name not in TRANSFER_FUNCTIONS:
        raise ParameterError(f"transfer function must be one of {sorted(TRANSFER_FUNCTIONS)}, got '{name}'")
    return TRANSFER_FUNCTIONS[name](**parameters)
