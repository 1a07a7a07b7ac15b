"""The microcircuit's link to backprop (section 3.1 of Sacramento et al. 2018).

In a self-predicting network with top-down weights equal to the transposed forward weights, the
hidden-layer weight change of Eq. 7 approaches the backprop weight change as the feedback weakens
(lambda -> 0).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from brian2 import ms

from brian_dendrites.errors import ParameterError
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState

from .parameters import LearningRates, MicrocircuitParams
from .steady_state import SteadyStateEngine
from .weights import self_predicting_weights

__all__ = ["weak_feedback", "backprop_weight_change", "microcircuit_weight_change", "backprop_cosine"]


def weak_feedback(params: MicrocircuitParams, lam: float) -> MicrocircuitParams:
    """``params`` with every mixing factor set to ``lam``.

    The mixing factors are the apical g_A/(g_lk+g_B+g_A) of each hidden layer, the output nudging
    g_som/(g_lk+g_B+g_som) and the interneuron nudging g_som/(g_lk+g_D+g_som); g_A and g_som are
    set to lam / (1 - lam) times the other conductances of the sum.

    Parameters
    ----------
    params : MicrocircuitParams
        The network's parameters.
    lam : float
        The mixing factor lambda, in the open interval (0, 1).

    Returns
    -------
    MicrocircuitParams
        ``params`` with new ``hidden``, ``interneuron`` (tuples, one record per hidden layer) and
        ``output`` records.

    Raises
    ------
    ParameterError
        If ``lam`` is outside (0, 1).
    """
    if not 0 < lam < 1:
        raise ParameterError(f"lam must lie in (0, 1), got {lam}")
    n = len(params.sizes) - 1

    def mixing(rest):
        return lam / (1 - lam) * rest

    hidden = tuple(replace(p, g_A=mixing(p.g_lk + p.g_B)) for p in (params.hidden_layer(k) for k in range(1, n)))
    inter = tuple(replace(p, g_som=mixing(p.g_lk + p.g_D)) for p in (params.interneuron_layer(k) for k in range(1, n)))
    output = replace(params.output, g_som=mixing(params.output.g_lk + params.output.g_B))
    return params.replace(hidden=hidden, interneuron=inter, output=output)


def backprop_weight_change(params: MicrocircuitParams, weights: dict, x: np.ndarray, u_tgt: np.ndarray) -> np.ndarray:
    """Backprop's direction for W_{1,0} in a one-hidden-layer network.

    The output error delta_2 = D_2 (u_tgt - u_2^-) that Eq. 7 applies at the output, propagated
    through the transposed forward weights: delta_1 = D_1 W_{2,1}^T delta_2; returns delta_1 r_0^T.
    u^- is the feedforward (self-predicting, no target) state of the steady-state engine, without
    thresholds; D_k holds the slopes phi'(u_k^-). Backprop is rate-based: a spiking-mode record is
    read in rate mode.

    Parameters
    ----------
    params : MicrocircuitParams
        Parameters of a network with one hidden layer (``sizes`` (n_0, n_1, n_2)).
    weights : dict of str to numpy.ndarray
        Weight matrices (post, pre) by projection name; ``'bottom_up_1'`` and ``'bottom_up_2'`` are read.
    x : numpy.ndarray
        One input rate vector r_0, shape (n_0,).
    u_tgt : numpy.ndarray
        The output target potentials, shape (n_2,).

    Returns
    -------
    numpy.ndarray
        delta_1 r_0^T, shape (n_1, n_0).
    """
    phi = params.phi
    thresholds = {name: np.zeros(len(w)) for name, w in weights.items()}
    engine = SteadyStateEngine(params.replace(mode="rate"))
    u1, u2 = (u[0] for u in engine.feedforward(weights, thresholds, x[None]).u[1:3])
    delta2 = phi.derivative(u2) * (u_tgt - u2)
    delta1 = phi.derivative(u1) * (weights["bottom_up_2"].T @ delta2)
    return np.outer(delta1, x)


def microcircuit_weight_change(sim: Simulation, params, weights, x, u_tgt, eta=1e-6 / ms) -> np.ndarray:
    """W_{1,0}(T) - W_{1,0}(0) of the Brian2 network over one run.

    Both runs are without noise, with ``x`` and the target held for all of ``sim``'s patterns: a
    settling run without plasticity, then one in which only W_{1,0} learns (rate ``eta``; W_{2,1}'s
    rate is 0).

    Parameters
    ----------
    sim : Simulation
        The simulation of a one-hidden-layer network to run.
    params : MicrocircuitParams
        Parameters of both runs; the same structure as ``sim.params``.
    weights : dict of str to numpy.ndarray
        Initial weight matrices (post, pre) by projection name.
    x : numpy.ndarray
        One input rate vector r_0, shape (n_0,).
    u_tgt : numpy.ndarray
        The output target potentials, shape (n_2,).
    eta : Quantity, optional
        Learning rate of W_{1,0} in 1/time. Default 1e-6/ms.

    Returns
    -------
    numpy.ndarray
        The change of W_{1,0}, shape (n_1, n_0).

    Raises
    ------
    ParameterError
        If a run rejects ``params``, ``weights``, ``x``, ``u_tgt`` or ``eta``.
    """
    n = sim.n_patterns
    inputs, targets = np.tile(x, (n, 1)), np.tile(u_tgt, (n, 1))
    settled = sim.run(NetworkState(weights), inputs, targets, eta=LearningRates(), noise=False, params=params)
    rates = LearningRates(bottom_up=(eta, 0 * eta))
    learned = sim.run(settled.state, inputs, targets, eta=rates, noise=False, params=params)
    return learned.state.weights["bottom_up_1"] - weights["bottom_up_1"]


def backprop_cosine(sim: Simulation, weights: dict, x, u_tgt, lam: float) -> float:
    """Cosine between the microcircuit's and backprop's W_{1,0} change at mixing factor ``lam``.

    The network has top-down weights W_{1,2} = W_{2,1}^T and self-predicting interneuron weights
    (:func:`~brian_dendrites.models.microcircuit.self_predicting_weights`); its parameters are
    ``sim.params`` with every mixing factor set to ``lam`` (:func:`weak_feedback`).

    Parameters
    ----------
    sim : Simulation
        The simulation of a one-hidden-layer network to run.
    weights : dict of str to numpy.ndarray
        Weight matrices (post, pre) by projection name. ``'top_down_1'``, ``'ip_1'`` and ``'pi_1'`` are
        derived from the bottom-up weights instead (in a copy; the dict itself is not changed).
    x : numpy.ndarray
        One input rate vector r_0, shape (n_0,).
    u_tgt : numpy.ndarray
        The output target potentials, shape (n_2,).
    lam : float
        The mixing factor lambda, in the open interval (0, 1).

    Returns
    -------
    float
        The cosine of the angle between the two flattened W_{1,0} changes, in [-1, 1].

    Raises
    ------
    ParameterError
        If ``lam`` is outside (0, 1), or a run rejects its arguments.
    """
    params = weak_feedback(sim.params, lam)
    weights = self_predicting_weights(params, {**weights, "top_down_1": weights["bottom_up_2"].T.copy()})
    micro = microcircuit_weight_change(sim, params, weights, x, u_tgt).ravel()
    backprop = backprop_weight_change(params, weights, x, u_tgt).ravel()
    return float(micro @ backprop / (np.linalg.norm(micro) * np.linalg.norm(backprop)))
