"""Initial weights of the error-neuron microcircuit, as in the authors' Fig. 3 configurations."""

from __future__ import annotations

import numpy as np

from .parameters import ErrorNeuronParams

__all__ = ["random_weights", "feedback_matrices"]


def random_weights(
    params: ErrorNeuronParams,
    rng: np.random.Generator,
    *,
    forward: float = 1.0,
    lateral_noise: float = 0.3,
    feedback_noise: float = 0.5,
    feedback_range: float = 1.0,
) -> dict[str, np.ndarray]:
    """The authors' initial weights, as (post, pre) matrices.

    W_k ~ U(-forward, forward); W^IP_k and B^PI_k = identity + U(-lateral_noise, lateral_noise);
    B^II offsets b ~ U(-feedback_noise, feedback_noise) in 'BP' mode (B^II = W^T + b, the noise fixed
    once), or B^II = b ~ U(-feedback_range, feedback_range) in 'FA' mode.

    Parameters
    ----------
    params : ErrorNeuronParams
        The network's parameters.
    rng : numpy.random.Generator
        The source of the random weights: every W_k first, then W^IP_k and B^PI_k area by area, then b_k.
    forward : float, optional
        Half-width of the forward weights' uniform distribution, >= 0. Default 1.
    lateral_noise : float, optional
        Half-width of the noise on the identity lateral weights, >= 0. Default 0.3.
    feedback_noise : float, optional
        Half-width of the fixed noise on W^T in 'BP' mode, >= 0. Default 0.5.
    feedback_range : float, optional
        Half-width of the fixed random B^II in 'FA' mode, >= 0. Default 1.

    Returns
    -------
    dict of str to numpy.ndarray
        A matrix by name, the names and shapes of the model's ``zero_state``: ``forward_k``, then
        ``lateral_ip_k`` and ``lateral_pi_k``, then ``feedback_k``.
    """
    sizes, n = params.sizes, len(params.sizes) - 1
    weights = {}
    for k in range(1, n + 1):
        weights[f"forward_{k}"] = rng.uniform(-forward, forward, (sizes[k], sizes[k - 1]))
    for k in range(1, n + 1):
        for name in (f"lateral_ip_{k}", f"lateral_pi_{k}"):
            weights[name] = np.eye(sizes[k]) + rng.uniform(-lateral_noise, lateral_noise, (sizes[k], sizes[k]))
    half = feedback_noise if params.feedback == "BP" else feedback_range
    for k in range(1, n):
        weights[f"feedback_{k}"] = rng.uniform(-half, half, (sizes[k], sizes[k + 1]))
    return weights


def feedback_matrices(params: ErrorNeuronParams, weights: dict[str, np.ndarray]) -> dict[int, np.ndarray]:
    """The top-down weights B^II_k (n_k, n_{k+1}) of areas k = 1..N-1 that ``weights`` give.

    Parameters
    ----------
    params : ErrorNeuronParams
        The network's parameters (its ``feedback`` mode).
    weights : dict of str to numpy.ndarray
        A state's weights.

    Returns
    -------
    dict of int to numpy.ndarray
        B^II_k = W_{k+1}^T + b_k ('BP') or b_k ('FA'), by area k.
    """
    n = len(params.sizes) - 1
    transpose = params.feedback == "BP"
    return {k: weights[f"feedback_{k}"] + transpose * weights[f"forward_{k + 1}"].T for k in range(1, n)}
