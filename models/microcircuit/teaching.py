"""The microcircuit as a model that the supervised protocols can teach (brian_dendrites.teaching.Teachable).

Its tuned records of the tasks (BARS, REGRESSION, FIG1), its initial weights
(:func:`~.microcircuit.weights.random_weights`, and :func:`.self_predicting_weights` to start from), its
output ``pyramidal_N`` and the optional pieces only it has: the apical error readout, the shallow
learner's rates, spiking mode, the alignment angle and the cosine to backprop
(:func:`.backprop.backprop_cosine`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from brian2 import ms

from brian_dendrites.errors import ParameterError
from brian_dendrites.validation import is_real

from .backprop import backprop_cosine  # noqa: F401  (the model's backprop_cosine)
from .parameters import BARS, FIG1, REGRESSION, LearningRates, MicrocircuitParams
from .weights import random_weights, self_predicting_weights

__all__ = ["TASKS", "WEIGHT_SCALES", "task_params", "weight_scale", "output", "target_range", "spiking"]
__all__ += ["shallow_rates", "apical", "alignment"]

#: The tuned record of each task.
TASKS = {"bars": BARS, "regression": REGRESSION, "fig1": FIG1}
#: Initial weights U(-s, s) by task, projection name or pathway (missing: 1). bars: the input weights
#: are wider than Fig. 1's U(-1, 1), so that with 9 inputs in [0.1, 1] the hidden potentials reach the
#: logistic's bends. regression: the input weights are scaled so that the hidden potentials k_B W_{1,0} r_0
#: spread like the teacher's around the soft rectifier's threshold theta = 3 (with U(-1, 1) the hidden
#: layer is silent).
WEIGHT_SCALES = {
    "bars": {"bottom_up_1": 3.0},
    "regression": {"bottom_up_1": 4.0, "bottom_up_2": 1.0, "top_down": 1.0, "ip": 1.0, "pi": 1.0},
    "fig1": {},
}

#: The initial weights and the self-predicting start (bars), and the cosine to backprop (regression), as the
#: model's ``initial_weights``, ``self_predicting`` and ``backprop_cosine``.
initial_weights, self_predicting = random_weights, self_predicting_weights


def task_params(task: str, sizes: tuple[int, ...]) -> MicrocircuitParams:
    """The tuned record of ``task`` (:data:`TASKS`), of ``sizes``.

    Parameters
    ----------
    task : {'bars', 'regression', 'fig1'}
        The protocol.
    sizes : tuple of int
        Layer sizes; the record's own (BARS 9-30-3, REGRESSION 30-50-10, FIG1 30-20-10) keep it as it is.

    Returns
    -------
    MicrocircuitParams
        The record.

    Raises
    ------
    ParameterError
        If ``task`` is not one of :data:`TASKS`.
    """
    if task not in TASKS:
        raise ParameterError(f"the microcircuit has no record for task {task!r}; tasks: {sorted(TASKS)}")
    record = TASKS[task]
    return record if tuple(sizes) == record.sizes else record.replace(sizes=tuple(sizes))


def weight_scale(task: str) -> dict[str, float]:
    """The half-widths of the initial weights of ``task`` (:data:`WEIGHT_SCALES`; unknown tasks: all 1).

    Parameters
    ----------
    task : str
        The protocol.

    Returns
    -------
    dict of str to float
        Half-width by projection name or pathway.
    """
    return dict(WEIGHT_SCALES.get(task, {}))


def output(params: MicrocircuitParams) -> tuple[str, str, str]:
    """The output group ``pyramidal_N`` with its rate ``r`` and somatic potential ``u``.

    Parameters
    ----------
    params : MicrocircuitParams
        The network.

    Returns
    -------
    tuple of str
        (group, rate variable, potential variable).
    """
    return f"pyramidal_{len(params.sizes) - 1}", "r", "u"


def target_range(params: MicrocircuitParams) -> tuple[float, float]:
    """The reversal potentials [E_inh, E_exc], within which the target potentials must lie.

    Parameters
    ----------
    params : MicrocircuitParams
        The network.

    Returns
    -------
    tuple of float
        (E_inh, E_exc).
    """
    return float(params.E_inh), float(params.E_exc)


def apical(params: MicrocircuitParams) -> tuple[str, str]:
    """The first hidden layer's apical potential ``pyramidal_1.v_A``, its error signal.

    Parameters
    ----------
    params : MicrocircuitParams
        The network.

    Returns
    -------
    tuple of str
        (group, variable).
    """
    return "pyramidal_1", "v_A"


def shallow_rates(params: MicrocircuitParams) -> LearningRates:
    """``params.eta`` with the bottom-up rates of every layer but the output's set to 0.

    Parameters
    ----------
    params : MicrocircuitParams
        The network.

    Returns
    -------
    LearningRates
        The rates (1/time).
    """
    n = len(params.sizes) - 1
    rates = params.eta.per_layer("bottom_up", n)
    return replace(params.eta, bottom_up=(*(0 / ms for _ in range(n - 1)), rates[-1]))


def spiking(params: MicrocircuitParams, psi: float | None = None) -> MicrocircuitParams:
    """``params`` in spiking mode, with ``psi`` and, for signed inputs, ON/OFF opponent inputs.

    Parameters
    ----------
    params : MicrocircuitParams
        A record of the protocol's network.
    psi : float or None, optional
        Spikes per ms per unit rate, > 0; None keeps ``params.spiking.psi``.

    Returns
    -------
    MicrocircuitParams
        The record in spiking mode.

    Raises
    ------
    ParameterError
        If ``psi`` is not a number > 0.
    """
    settings = params.spiking
    if psi is not None:
        if not is_real(psi) or not psi > 0:
            raise ParameterError(f"psi must be a number of spikes per ms per unit rate, > 0, got {psi!r}")
        settings = replace(settings, psi=float(psi) / ms)
    if params.signed_inputs:
        settings = replace(settings, negative_inputs="opponent")
    return params.replace(mode="spiking", spiking=settings)


def alignment(params: MicrocircuitParams, weights: dict[str, np.ndarray]) -> float:
    """Angle (degrees) between W_{2,1}^T and the fixed top-down W_{1,2} (Fig. S1's alignment).

    Parameters
    ----------
    params : MicrocircuitParams
        The network.
    weights : dict of str to numpy.ndarray
        Weight matrices by projection name; ``bottom_up_2`` and ``top_down_1`` are used.

    Returns
    -------
    float
        The angle in degrees, in [0, 180]: about 90 for unrelated weights, 0 for aligned ones.
    """
    forward, feedback = weights["bottom_up_2"].T.ravel(), weights["top_down_1"].ravel()
    cosine = forward @ feedback / (np.linalg.norm(forward) * np.linalg.norm(feedback))
    return float(np.degrees(np.arccos(np.clip(cosine, -1, 1))))
