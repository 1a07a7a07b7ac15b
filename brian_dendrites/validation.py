"""Checks of a run's state that fail at once, with a message naming the value and its allowed range.

Parameter records check themselves on construction, and each model checks its run inputs
(models/<name>/model.py).
"""

from __future__ import annotations

import numpy as np

from brian_dendrites.errors import DivergenceError, ParameterError

__all__ = ["DivergenceError", "DIVERGENCE_BOUND", "check_state", "check_state_finite", "finite_array"]

#: ``abs(potential)`` beyond which a run counts as diverged (the model's potentials are O(1-10)).
DIVERGENCE_BOUND = 1e3


def check_state(reference, state) -> None:
    """Raise ParameterError unless ``state`` fits ``reference``, a model's zero state (NetworkState).

    ``state`` must hold every weight matrix of the reference, and for weights, induction and
    potentials only names of the reference, of its shapes, with finite values.

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
    for group in ("weights", "induction", "potentials"):
        expected = getattr(reference, group)
        for name, value in getattr(state, group).items():
            if name not in expected:
                raise ParameterError(f"state.{group} has an unknown entry '{name}'; known: {sorted(expected)}")
            axes = "(neurons,)" if group == "potentials" else "(post, pre)"
            finite_array(f"state.{group}['{name}']", value, expected[name].shape, axes)


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
        If ``value`` is not an array of numbers, has another shape or holds NaN or inf.
    """
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise ParameterError(f"{name} must be an array of numbers, got {type(value).__name__}") from error
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
    arrays += [(f"induction '{k}'", v) for k, v in state.induction.items()]
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
