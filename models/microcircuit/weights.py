"""Initial weights: random, and the self-predicting configuration (section 3.1)."""

from __future__ import annotations

import numpy as np

from .network import projections
from .parameters import MicrocircuitParams

__all__ = ["random_weights", "self_predicting_weights"]


def random_weights(params: MicrocircuitParams, rng: np.random.Generator, scale: float | dict[str, float] = 1.0):
    """Weights drawn from U(-scale, scale) for every projection, as (post, pre) matrices.

    ``scale`` may be one number or a dict keyed by projection name ('bottom_up_1')
    or pathway ('bottom_up', 'ip', 'pi', 'top_down'); missing entries are 1.

    Parameters
    ----------
    params : MicrocircuitParams
        The network; its ``sizes`` give the projections.
    rng : numpy.random.Generator
        The random number generator to draw from.
    scale : float or dict of str to float, optional
        Half-width of the uniform distribution, one for all or by projection name or pathway (a
        projection's own entry wins). Default 1.

    Returns
    -------
    dict of str to numpy.ndarray
        A (n_post, n_pre) matrix by projection name.
    """
    weights = {}
    for proj in projections(params.sizes):
        s = scale.get(proj.name, scale.get(proj.pathway, 1.0)) if isinstance(scale, dict) else scale
        weights[proj.name] = rng.uniform(-s, s, size=(proj.n_post, proj.n_pre))
    return weights


def self_predicting_weights(params: MicrocircuitParams, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The self-predicting state: W_IP_k = c * W_{k+1,k} and W_PI_k = -W_{k,k+1}.

    The interneurons reproduce the upper layer's basal prediction and cancel the top-down input
    exactly, in the absence of a target and noise. c = k_B(k+1) / k_D(k) rescales for the
    different dendritic attenuations (c = 1 when g_D equals the upper layer's g_B and the leaks
    match).

    Parameters
    ----------
    params : MicrocircuitParams
        The network's parameters (for the attenuation factors).
    weights : dict of str to numpy.ndarray
        (post, pre) matrices by projection name; ``bottom_up_k`` and ``top_down_k`` are read.

    Returns
    -------
    dict of str to numpy.ndarray
        A new dict: ``weights`` with ``ip_k`` and ``pi_k`` replaced for every hidden layer k.
    """
    weights = dict(weights)
    n = len(params.sizes) - 1
    for k in range(1, n):
        c = params.pyramidal_layer(k + 1).basal_attenuation / params.interneuron_layer(k).dendritic_attenuation
        weights[f"ip_{k}"] = c * weights[f"bottom_up_{k + 1}"].copy()
        weights[f"pi_{k}"] = -weights[f"top_down_{k}"].copy()
    return weights
