"""The error-neuron model as a model that the supervised protocols can teach (brian_dendrites.teaching.Teachable).

Its records of the tasks (:data:`ETA`, at dt = 0.1 ms: the protocols hold each pattern for 100 ms, 1000
steps, as the microcircuit's), the authors' initial weights (:func:`~.error_neurons.weights.random_weights`), its output
``representation_N``, whose error neurons take target rates phi(u_target), the shallow learner's rates
and the hidden apical readout ``representation_1.v_api``.
"""

from __future__ import annotations

import numpy as np
from brian2 import ms

from brian_dendrites.errors import ParameterError

from .parameters import ErrorNeuronParams
from .weights import random_weights

__all__ = ["ETA", "DT", "task_params", "weight_scale", "initial_weights", "output", "targets"]
__all__ += ["target_range", "apical", "shallow_rates"]

#: Learning rates (1/ms) of W_1, W_2 by task, tuned for 100 ms patterns (docs/bars.md, docs/regression.md).
ETA = {"bars": (0.03, 0.0075), "regression": (0.03, 0.001)}
#: The time step of the tasks' records: 0.1 ms, dt g_tot = 0.019 (the authors' 0.01 ms would cost ten
#: times the steps for the same 100 ms patterns).
DT = 0.1 * ms


def task_params(task: str, sizes: tuple[int, ...]) -> ErrorNeuronParams:
    """The authors' template (tanh, 'BP' feedback) of ``sizes``, at :data:`DT`, with ``task``'s rates.

    Parameters
    ----------
    task : {'bars', 'regression'}
        The protocol.
    sizes : tuple of int
        Area sizes (input, hidden, output); the rates of :data:`ETA` are for one hidden area.

    Returns
    -------
    ErrorNeuronParams
        The record.

    Raises
    ------
    ParameterError
        If ``task`` has no rates here, or ``sizes`` has not two forward projections.
    """
    if task not in ETA:
        raise ParameterError(f"the error-neuron model has no record for task {task!r}; tasks: {sorted(ETA)}")
    if len(sizes) != len(ETA[task]) + 1:
        raise ParameterError(f"the error-neuron model's {task} rates are for {len(ETA[task]) + 1} areas, got {sizes}")
    return ErrorNeuronParams(sizes=tuple(sizes), eta=tuple(e / ms for e in ETA[task]), dt=DT)


def weight_scale(task: str) -> dict[str, float]:
    """The authors' U(-1, 1) forward weights for every task: no entries.

    Parameters
    ----------
    task : str
        The protocol.

    Returns
    -------
    dict of str to float
        Empty.
    """
    return {}


def initial_weights(params: ErrorNeuronParams, rng: np.random.Generator, scale: dict[str, float]) -> dict:
    """The authors' initial weights (:func:`~.error_neurons.weights.random_weights`), forward ones scaled.

    Parameters
    ----------
    params : ErrorNeuronParams
        The network.
    rng : numpy.random.Generator
        The source of the weights.
    scale : dict of str to float
        Half-widths of ``forward_k`` by name or by the pathway ``forward`` (missing: 1).

    Returns
    -------
    dict of str to numpy.ndarray
        The weights of the model's ``zero_state``.

    Raises
    ------
    ParameterError
        If ``scale`` names anything but the forward weights.
    """
    n = len(params.sizes) - 1
    allowed = {"forward", *(f"forward_{k}" for k in range(1, n + 1))}
    if not set(scale) <= allowed:
        raise ParameterError(f"weight_scale of the error-neuron model: only {sorted(allowed)}, got {sorted(scale)}")
    weights = random_weights(params, rng)
    for k in range(1, n + 1):
        weights[f"forward_{k}"] *= scale.get(f"forward_{k}", scale.get("forward", 1.0))
    return weights


def output(params: ErrorNeuronParams) -> tuple[str, str, str]:
    """The output area ``representation_N``: its rate ``r`` = phi(``u_breve``).

    Parameters
    ----------
    params : ErrorNeuronParams
        The network.

    Returns
    -------
    tuple of str
        (group, rate variable, potential variable).
    """
    return f"representation_{len(params.sizes) - 1}", "r", "u_breve"


def targets(params: ErrorNeuronParams, potentials: np.ndarray) -> np.ndarray:
    """The target rates phi(u_target): the output error neurons compare rates.

    Parameters
    ----------
    params : ErrorNeuronParams
        The network.
    potentials : numpy.ndarray
        Output target potentials.

    Returns
    -------
    numpy.ndarray
        The target rates.
    """
    return params.phi(np.asarray(potentials, dtype=float))


def target_range(params: ErrorNeuronParams) -> tuple[float, float]:
    """Any potential: the targets are rates phi(u_target).

    Parameters
    ----------
    params : ErrorNeuronParams
        The network.

    Returns
    -------
    tuple of float
        (-inf, inf).
    """
    return -np.inf, np.inf


def apical(params: ErrorNeuronParams) -> tuple[str, str]:
    """The first hidden area's apical potential ``representation_1.v_api`` = B^PI e_1.

    Parameters
    ----------
    params : ErrorNeuronParams
        The network.

    Returns
    -------
    tuple of str
        (group, variable).
    """
    return "representation_1", "v_api"


def shallow_rates(params: ErrorNeuronParams) -> tuple:
    """``params.rates`` with every rate but the output projection's set to 0.

    Parameters
    ----------
    params : ErrorNeuronParams
        The network.

    Returns
    -------
    tuple of Quantity
        One rate per forward projection (1/time).
    """
    rates = params.rates
    return (*(0 / ms for _ in rates[:-1]), rates[-1])
