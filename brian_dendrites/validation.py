"""Checks that fail at once, with a message naming the parameter and its allowed range."""

from __future__ import annotations

import numpy as np
from brian2 import Quantity, have_same_dimensions, ms

from brian_dendrites.models.microcircuit.parameters import PATHWAYS, MicrocircuitParams
from brian_dendrites.transfer import TransferFunction

__all__ = ["DivergenceError", "DIVERGENCE_BOUND", "check_params", "check_inputs", "check_state_finite"]

#: |potential| beyond which a run counts as diverged (the model's potentials are O(1-10)).
DIVERGENCE_BOUND = 1e3


class DivergenceError(RuntimeError):
    """The network state became non-finite or diverged; no results were written."""


def _check_conductance(name: str, value) -> float:
    if not isinstance(value, Quantity) or not have_same_dimensions(value, 1 / ms):
        raise ValueError(f"{name} must be a conductance in 1/time (e.g. 0.8/ms), got {value!r}")
    value_per_ms = float(value * ms)
    if not np.isfinite(value_per_ms) or value_per_ms < 0:
        raise ValueError(f"{name} must be a finite conductance >= 0, got {value!r}")
    return value_per_ms


def _check_time(name: str, value, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, Quantity) or not have_same_dimensions(value, ms) or not float(value / ms) > 0:
        raise ValueError(f"{name} must be a positive time (e.g. 3*ms){' or None' if allow_none else ''}, got {value!r}")


def check_params(params: MicrocircuitParams) -> None:
    """Raise ValueError on any parameter outside its allowed range."""
    sizes = params.sizes
    if not isinstance(sizes, tuple) or len(sizes) < 2:
        raise ValueError(f"sizes must be a tuple of at least 2 layer sizes (input, ..., output), got {sizes!r}")
    for k, size in enumerate(sizes):
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"sizes[{k}] must be an integer >= 1, got {size!r}")
    if not isinstance(params.phi, TransferFunction):
        raise ValueError(f"phi must be a TransferFunction (logistic or soft_rectifier), got {params.phi!r}")
    _check_time("dt", params.dt)
    _check_time("tau_w", params.tau_w, allow_none=True)
    _check_time("tau_input", params.tau_input, allow_none=True)
    dt = float(params.dt / ms)
    for label, tau in (("tau_w", params.tau_w), ("tau_input", params.tau_input)):
        if tau is not None and dt >= float(tau / ms):
            raise ValueError(f"dt={params.dt} must be smaller than {label}={tau}")
    if not (np.isfinite(params.E_exc) and np.isfinite(params.E_inh) and params.E_exc > params.E_inh):
        raise ValueError(
            f"need finite reversal potentials with E_exc > E_inh, got E_exc={params.E_exc}, E_inh={params.E_inh}"
        )
    unknown = set(params.plastic) - set(PATHWAYS)
    if unknown:
        raise ValueError(f"plastic pathways must be among {PATHWAYS}, got unknown {sorted(unknown)}")

    n = len(sizes) - 1
    layers = [(f"hidden[{k - 1}]", params.hidden_layer(k), ("g_lk", "g_B", "g_A")) for k in range(1, n)]
    layers.append(("output", params.output, ("g_lk", "g_B", "g_som")))
    layers += [(f"interneuron[{k - 1}]", params.interneuron_layer(k), ("g_lk", "g_D", "g_som")) for k in range(1, n)]
    for label, layer, leak_terms in layers:
        total = sum(_check_conductance(f"{label}.{g}", getattr(layer, g)) for g in leak_terms)
        sigma = layer.sigma
        if not have_same_dimensions(sigma, ms**-0.5) or not float(sigma * ms**0.5) >= 0:
            raise ValueError(f"{label}.sigma must be >= 0 in 1/sqrt(time) (e.g. 0.1*ms**-0.5), got {sigma!r}")
        if total * dt >= 1:
            raise ValueError(
                f"dt={params.dt} is too large for the conductances of {label}: dt*({' + '.join(leak_terms)}) = "
                f"{total * dt:.3g} must be < 1, i.e. dt < {1 / total:.4g} ms"
            )
    if float(params.output.g_A * ms) != 0:
        raise ValueError(f"output.g_A must be 0 (output neurons have no apical compartment), got {params.output.g_A}")
    for pathway in PATHWAYS:
        count = n if pathway == "bottom_up" else n - 1
        for k, rate in enumerate(params.eta.per_layer(pathway, count) if count else ()):
            if not isinstance(rate, Quantity) or not have_same_dimensions(rate, 1 / ms) or not float(rate * ms) >= 0:
                raise ValueError(f"eta.{pathway}[{k}] must be a rate >= 0 in 1/time (e.g. 0.001/ms), got {rate!r}")


def check_inputs(
    params: MicrocircuitParams, n_patterns: int, inputs, targets=None, nudging=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and normalise a run's inputs, target potentials and nudging switch."""
    n_in, n_out = params.sizes[0], params.sizes[-1]
    inputs = np.asarray(inputs, dtype=float)
    if inputs.shape != (n_patterns, n_in):
        raise ValueError(f"inputs must have shape (n_patterns, n_input) = {(n_patterns, n_in)}, got {inputs.shape}")
    if not np.all(np.isfinite(inputs)):
        raise ValueError("inputs must be finite, found NaN or inf")
    if targets is None:
        targets = np.zeros((n_patterns, n_out))
        nudging = np.zeros(n_patterns) if nudging is None else nudging
    targets = np.asarray(targets, dtype=float)
    if targets.shape != (n_patterns, n_out):
        raise ValueError(f"targets must have shape (n_patterns, n_output) = {(n_patterns, n_out)}, got {targets.shape}")
    if not np.all(np.isfinite(targets)):
        raise ValueError("targets must be finite, found NaN or inf")
    nudging = np.ones(n_patterns) if nudging is None else np.asarray(nudging, dtype=float)
    if nudging.shape != (n_patterns,) or np.any((nudging < 0) | (nudging > 1)):
        raise ValueError(f"nudging must have shape ({n_patterns},) with values in [0, 1]")
    nudged = targets[nudging > 0]
    if nudged.size and (nudged.min() < params.E_inh or nudged.max() > params.E_exc):
        raise ValueError(
            f"target potentials must lie in [E_inh, E_exc] = [{params.E_inh}, {params.E_exc}] so that the balanced "
            f"teaching conductances are non-negative, got range [{nudged.min():.3g}, {nudged.max():.3g}]"
        )
    return inputs, targets, nudging


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
