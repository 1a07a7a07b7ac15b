"""Checks of a run's state and inputs that fail at once, with a message naming the value and its allowed range.

Parameter records check themselves on construction (models/microcircuit/parameters.py).
"""

from __future__ import annotations

import numpy as np

from brian_dendrites.errors import DivergenceError, ParameterError
from brian_dendrites.models.microcircuit.network import group_sizes, projections
from brian_dendrites.models.microcircuit.parameters import MicrocircuitParams

__all__ = ["DivergenceError", "DIVERGENCE_BOUND", "check_inputs", "check_state", "check_state_finite"]

#: |potential| beyond which a run counts as diverged (the model's potentials are O(1-10)).
DIVERGENCE_BOUND = 1e3


def check_inputs(
    params: MicrocircuitParams, n_patterns: int, inputs, targets=None, nudging=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and normalise a run's inputs, target potentials and nudging switch."""
    n_in, n_out = params.sizes[0], params.sizes[-1]
    inputs = _finite_array("inputs", inputs, (n_patterns, n_in), "(n_patterns, n_input)")
    if not params.signed_inputs and inputs.min() < 0:
        raise ParameterError(
            f"inputs are rates and must be >= 0, got a minimum of {inputs.min():.3g}; "
            "signed inputs (as in the regression task's U(-1, 1)) need MicrocircuitParams(signed_inputs=True)"
        )
    if targets is None:
        targets = np.zeros((n_patterns, n_out))
        nudging = np.zeros(n_patterns) if nudging is None else nudging
    targets = _finite_array("targets", targets, (n_patterns, n_out), "(n_patterns, n_output)")
    if nudging is not None:
        nudging = _finite_array("nudging", nudging, (n_patterns,), "(n_patterns,)")
    nudging = np.ones(n_patterns) if nudging is None else nudging
    if np.any((nudging < 0) | (nudging > 1)):
        raise ParameterError(f"nudging must lie in [0, 1], got range [{nudging.min():.3g}, {nudging.max():.3g}]")
    nudged = targets[nudging > 0]
    if nudged.size and (nudged.min() < params.E_inh or nudged.max() > params.E_exc):
        raise ParameterError(
            f"target potentials must lie in [E_inh, E_exc] = [{params.E_inh}, {params.E_exc}] so that the balanced "
            f"teaching conductances are non-negative, got range [{nudged.min():.3g}, {nudged.max():.3g}]"
        )
    return inputs, targets, nudging


def check_state(params: MicrocircuitParams, state) -> None:
    """Raise ParameterError unless ``state`` (a NetworkState) fits ``params``: every projection's weights,
    (post, pre) shapes, known potentials of the right length, and only finite values."""
    shapes = {proj.name: (proj.n_post, proj.n_pre) for proj in projections(params.sizes)}
    sizes = group_sizes(params.sizes)
    missing = sorted(set(shapes) - set(state.weights))
    if missing:
        raise ParameterError(f"state.weights lacks {missing}; a network of sizes {params.sizes} needs {sorted(shapes)}")
    for group, expected in (("weights", shapes), ("induction", shapes)):
        for name, value in getattr(state, group).items():
            if name not in expected:
                raise ParameterError(f"state.{group} has an unknown projection '{name}'; known: {sorted(expected)}")
            _finite_array(f"state.{group}['{name}']", value, expected[name], "(post, pre)")
    for key, value in state.potentials.items():
        group = key.split(".", 1)[0]
        if group not in sizes:
            raise ParameterError(f"state.potentials has '{key}' of an unknown group; groups: {sorted(sizes)}")
        _finite_array(f"state.potentials['{key}']", value, (sizes[group],), "(neurons,)")


def _finite_array(name: str, value, shape: tuple[int, ...], axes: str) -> np.ndarray:
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
    """Raise DivergenceError if any state or recorded value is non-finite or beyond DIVERGENCE_BOUND."""
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
