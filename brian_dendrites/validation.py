"""Checks that fail at once, with a message naming the value and its allowed range.

Parameter records check themselves on construction, and each model checks its run inputs
(models/<name>/model.py), with the shared checks here: a real number, an integer, an array of real
numbers (bools, complex numbers and strings are refused, never converted), a run's state.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from brian2 import Quantity, have_same_dimensions

from brian_dendrites.errors import DivergenceError, ParameterError

__all__ = [
    "DivergenceError",
    "DIVERGENCE_BOUND",
    "check_state",
    "check_state_finite",
    "finite_array",
    "is_integer",
    "is_real",
    "is_finite_real",
    "is_sequence",
    "sequence",
    "repeated",
    "check_integer",
    "check_real",
    "real_array",
    "quantity_value",
]

#: ``abs(potential)`` beyond which a run counts as diverged (the model's potentials are O(1-10)).
DIVERGENCE_BOUND = 1e3


def check_state(reference, state) -> None:
    """Raise ParameterError unless ``state`` fits ``reference``, a model's zero state (NetworkState).

    ``state`` must hold every weight matrix of the reference, and for weights, synapses, potentials
    and thresholds only names of the reference, of its shapes, with finite values.

    Parameters
    ----------
    reference : NetworkState
        The model's zero state (its ``zero_state``), which gives the names and shapes.
    state : NetworkState
        The state to check.

    Raises
    ------
    ParameterError
        If a weight matrix is missing, a name is unknown, or an array has another shape or a non-finite value.
    """
    missing = sorted(set(reference.weights) - set(state.weights))
    if missing:
        raise ParameterError(f"state.weights lacks {missing}; this network needs {sorted(reference.weights)}")
    for group in ("weights", "synapses", "potentials", "thresholds"):
        expected = getattr(reference, group)
        for name, value in getattr(state, group).items():
            if name not in expected:
                known = f"known: {sorted(expected)}" if expected else "this network has none"
                raise ParameterError(f"state.{group} has an unknown entry '{name}'; {known}")
            axes = {"potentials": "(neurons,)", "thresholds": "(post,)"}.get(group, "(post, pre)")
            finite_array(f"state.{group}['{name}']", value, expected[name].shape, axes)


def is_integer(value) -> bool:
    """True if ``value`` is an integer (Python or NumPy), not a bool.

    Parameters
    ----------
    value : object
        The value to test.

    Returns
    -------
    bool
        Whether ``value`` is an int or a NumPy integer scalar (True and False are not integers here).
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_real(value) -> bool:
    """True if ``value`` is a real number (Python or NumPy int or float): not a bool, complex, string or array.

    Parameters
    ----------
    value : object
        The value to test.

    Returns
    -------
    bool
        Whether ``value`` is an int, float, or NumPy integer or floating scalar (not bool).
    """
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def is_finite_real(value) -> bool:
    """True if ``value`` is a finite real number (see :func:`is_real`), e.g. of a JSON record.

    Parameters
    ----------
    value : object
        The value to test.

    Returns
    -------
    bool
        Whether ``value`` is a real number, not NaN or infinite.
    """
    return is_real(value) and math.isfinite(value)


def is_sequence(value) -> bool:
    """True if ``value`` is a list, tuple, array or other iterable of items, but not a string.

    A generator is one too, but it can be read only once: take its items with :func:`sequence`.

    Parameters
    ----------
    value : object
        The value to test.

    Returns
    -------
    bool
        Whether ``value`` is iterable and not a str, bytes or 0-d array (a single value).
    """
    single = isinstance(value, np.ndarray) and value.ndim == 0
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes)) and not single


def sequence(value) -> tuple | None:
    """The items of ``value`` as a tuple if it is a sequence (:func:`is_sequence`), else None.

    The items are read once, so that a generator is checked and used with the same items.

    Parameters
    ----------
    value : object
        The value.

    Returns
    -------
    tuple or None
        The items, or None if ``value`` is not a sequence.
    """
    return tuple(value) if is_sequence(value) else None


def repeated(values):
    """The first of ``values`` that equals an earlier one, or None if none repeats.

    Parameters
    ----------
    values : sequence
        The values, e.g. seeds.

    Returns
    -------
    object
        The first repeated value, or None.
    """
    return next((v for i, v in enumerate(values) if v in values[:i]), None)


def _range(low, high) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    return f" >= {low}" if low is not None else f" <= {high}" if high is not None else ""


def check_integer(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int; ParameterError unless it is an integer (not a bool) in [``low``, ``high``].

    Parameters
    ----------
    name : str
        The value's name, for the message.
    value : object
        The value to check.
    low : int or None, optional
        The smallest allowed value (None: no bound).
    high : int or None, optional
        The largest allowed value (None: no bound).

    Returns
    -------
    int
        ``value``.

    Raises
    ------
    ParameterError
        If ``value`` is not an integer or lies outside the bounds.
    """
    if not is_integer(value) or (low is not None and value < low) or (high is not None and value > high):
        raise ParameterError(f"{name} must be an integer{_range(low, high)}, got {value!r}")
    return int(value)


def check_real(name: str, value, low: float | None = None, high: float | None = None, what: str = "") -> float:
    """``value`` as a float; ParameterError unless it is a finite real number in [``low``, ``high``].

    Parameters
    ----------
    name : str
        The value's name, for the message.
    value : object
        The value to check; bools, complex numbers, strings and arrays are refused.
    low : float or None, optional
        The smallest allowed value (None: no bound).
    high : float or None, optional
        The largest allowed value (None: no bound).
    what : str, optional
        What the number is, for the message, e.g. ' (a dimensionless potential)'.

    Returns
    -------
    float
        ``value``.

    Raises
    ------
    ParameterError
        If ``value`` is not a finite real number or lies outside the bounds.
    """
    finite = is_real(value) and (is_integer(value) or math.isfinite(value))
    if not finite or (low is not None and value < low) or (high is not None and value > high):
        raise ParameterError(f"{name} must be a finite real number{_range(low, high)}{what}, got {value!r}")
    return float(value)


def quantity_value(value, unit: Quantity) -> float:
    """``value / unit`` as a float if ``value`` is one real Brian2 quantity of ``unit``'s dimensions, else NaN.

    Complex and string values, plain numbers and other dimensions give NaN, so that a check of the
    result (finite, in range) refuses them with the caller's message.

    Parameters
    ----------
    value : object
        The value, e.g. ``0.8/ms``.
    unit : brian2.Quantity
        The unit, e.g. ``1/ms``.

    Returns
    -------
    float
        The value in ``unit``, or NaN.
    """
    real = isinstance(value, Quantity) and value.size == 1 and value.dtype.kind in "iuf"
    return float(value / unit) if real and have_same_dimensions(value, unit) else math.nan


def real_array(name: str, value) -> np.ndarray:
    """``value`` as a float array; ParameterError unless it holds real numbers (integers or floats).

    Bools, complex numbers, strings and other objects are refused before any conversion, so that none
    is silently turned into a number.

    Parameters
    ----------
    name : str
        The value's name, for the message.
    value : array_like
        The numbers.

    Returns
    -------
    numpy.ndarray
        ``value`` as a float array (no copy where it already is one).

    Raises
    ------
    ParameterError
        If ``value`` is not an array of real numbers.
    """
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # e.g. a ragged list
        raise ParameterError(f"{name} must be an array of real numbers, got {type(value).__name__}") from error
    if array.dtype.kind not in "iuf":
        raise ParameterError(f"{name} must be an array of real numbers (integers or floats), got dtype {array.dtype}")
    return array.astype(float, copy=False)


def finite_array(name: str, value, shape: tuple[int, ...], axes: str) -> np.ndarray:
    """``value`` as a float array; ParameterError unless it has ``shape`` (described as ``axes``) and is finite.

    Parameters
    ----------
    name : str
        The value's name, for the message.
    value : array_like
        The numbers to check.
    shape : tuple of int
        The shape ``value`` must have.
    axes : str
        What the axes are, for the message, e.g. '(post, pre)'.

    Returns
    -------
    numpy.ndarray
        ``value`` as a float array.

    Raises
    ------
    ParameterError
        If ``value`` is not an array of real numbers (see :func:`real_array`), has another shape or
        holds NaN or inf.
    """
    array = real_array(name, value)
    if array.shape != shape:
        raise ParameterError(f"{name} must have shape {axes} = {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ParameterError(f"{name} must be finite, found {np.count_nonzero(~np.isfinite(array))} NaN or inf")
    return array


def check_state_finite(state, recording=None) -> None:
    """Raise DivergenceError if any state or recorded value is non-finite or beyond DIVERGENCE_BOUND.

    Only potentials (of ``state``) are compared with :data:`DIVERGENCE_BOUND`; every value is checked
    to be finite.

    Parameters
    ----------
    state : NetworkState
        The state a run ended in.
    recording : Recording or None, optional
        The run's recording, if any.

    Raises
    ------
    DivergenceError
        If a value is NaN or infinite, or a potential's absolute value exceeds :data:`DIVERGENCE_BOUND`.
    """
    arrays = [(f"weights '{k}'", v) for k, v in state.weights.items()]
    arrays += [(f"potential of '{k}'", v) for k, v in state.potentials.items()]
    arrays += [(f"synapse state '{k}'", v) for k, v in state.synapses.items()]
    arrays += [(f"threshold of '{k}'", v) for k, v in state.thresholds.items()]
    if recording is not None:
        arrays += [(f"recorded '{t.name}'", t.values) for t in recording.traces]
    for label, values in arrays:
        values = np.asarray(values)
        if not np.all(np.isfinite(values)):
            raise DivergenceError(f"the run diverged: {label} became NaN or infinite; no results were written")
        if "potential" in label and values.size and np.max(np.abs(values)) > DIVERGENCE_BOUND:
            raise DivergenceError(
                f"the run diverged: {label} reached |u| = {np.max(np.abs(values)):.3g} > {DIVERGENCE_BOUND:g}; "
                "lower the weights, conductances or learning rates; no results were written"
            )
