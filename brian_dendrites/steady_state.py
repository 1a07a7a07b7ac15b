"""The paper's simplified steady-state dynamics (section 3.4) as batched matrix algebra.

For a batch of inputs, in two steps:
  1. bottom-up: every layer at its basal prediction, u_k = a_B v_B,k with
     v_B,k = W_{k,k-1} r_{k-1} + b_k; the output is then nudged,
     u_N = (g_B v_B,N + g_som u_trgt) / (g_lk + g_B + g_som);
  2. top-down, k = N-1 .. 1: interneurons first, u^I = (g_D v^I + g_som u_{k+1}) /
     (g_lk + g_D + g_som), then the apical potential (Eq. 4), then the soma,
     u_k = (g_B v_B + g_A v_A) / (g_lk + g_B + g_A).
Then Eqs. 7-10 give the weight changes, averaged over the batch. These are
the fixed-point equations of the Brian2 network (Eqs. 1-5 without noise), so
both share one parameter record; one top-down visit instead of the full
relaxation is exact as g_A -> 0. The paper's convex mixing (1 - lambda) v_B +
lambda u is the case g_lk = 0. Every neuron has a learnable threshold b: an
input fixed at 1 with a plastic weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import ms

from brian_dendrites.models.microcircuit import LearningRates, MicrocircuitParams, projections

__all__ = ["SteadyState", "settle", "weight_changes"]


def _g(conductance) -> float:
    return float(conductance * ms)  # 1/ms


@dataclass
class SteadyState:
    """Potentials and rates of a settled batch, by layer k (lists indexed by k; index 0 is the input)."""

    r: list[np.ndarray]
    u: list[np.ndarray | None]
    v_B: list[np.ndarray | None]
    v_A: dict[int, np.ndarray]
    v_TD: dict[int, np.ndarray]
    u_I: dict[int, np.ndarray]
    v_I: dict[int, np.ndarray]


def settle(params: MicrocircuitParams, weights: dict, biases: dict, x: np.ndarray, u_tgt=None) -> SteadyState:
    """Two-step steady state for inputs ``x`` (batch, n_0); ``u_tgt`` (batch, n_N) nudges the output."""
    phi, n = params.phi, len(params.sizes) - 1
    r, u, v_B = [x], [None], [None]
    for k in range(1, n + 1):
        p = params.pyramidal_layer(k)  # the output layer's g_A is 0
        v = r[k - 1] @ weights[f"bottom_up_{k}"].T + biases[f"bottom_up_{k}"]
        u_k = p.basal_attenuation * v
        if k == n and u_tgt is not None:
            u_k = (_g(p.g_B) * v + _g(p.g_som) * u_tgt) / (_g(p.g_lk) + _g(p.g_B) + _g(p.g_som))
        v_B.append(v)
        u.append(u_k)
        r.append(phi(u_k))
    state = SteadyState(r, u, v_B, {}, {}, {}, {})
    for k in range(n - 1, 0, -1):
        p, q = params.pyramidal_layer(k), params.interneuron_layer(k)
        v_I = r[k] @ weights[f"ip_{k}"].T + biases[f"ip_{k}"]
        u_I = (_g(q.g_D) * v_I + _g(q.g_som) * u[k + 1]) / (_g(q.g_lk) + _g(q.g_D) + _g(q.g_som))
        v_TD = r[k + 1] @ weights[f"top_down_{k}"].T
        v_A = v_TD + phi(u_I) @ weights[f"pi_{k}"].T
        u[k] = (_g(p.g_B) * v_B[k] + _g(p.g_A) * v_A) / (_g(p.g_lk) + _g(p.g_B) + _g(p.g_A))
        r[k] = phi(u[k])
        state.u_I[k], state.v_I[k], state.v_TD[k], state.v_A[k] = u_I, v_I, v_TD, v_A
    return state


def weight_changes(params: MicrocircuitParams, state: SteadyState, eta: LearningRates | None = None) -> dict:
    """Batch-averaged changes of Eqs. 7-10 per unit time (eta in 1/ms): {name: (dW, db)};
    db is the threshold change (None for pathways without thresholds)."""
    phi, n, eta = params.phi, len(params.sizes) - 1, eta or params.eta
    batch = state.r[0].shape[0]
    changes = {}
    for proj in projections(params.sizes):
        if proj.pathway not in params.plastic:
            continue
        k, rate = proj.layer, _g(eta.for_projection(proj.pathway, proj.layer, n))
        if proj.pathway == "bottom_up":
            a_B = params.pyramidal_layer(k).basal_attenuation
            error, pre = state.r[k] - phi(a_B * state.v_B[k]), state.r[k - 1]  # Eq. 7
        elif proj.pathway == "ip":
            a_D = params.interneuron_layer(k).dendritic_attenuation
            error, pre = phi(state.u_I[k]) - phi(a_D * state.v_I[k]), state.r[k]  # Eq. 8
        elif proj.pathway == "pi":
            error, pre = -state.v_A[k], phi(state.u_I[k])  # Eq. 9, v_rest = 0
        else:
            error, pre = state.r[k] - phi(state.v_TD[k]), state.r[k + 1]  # Eq. 10
        threshold = rate * error.mean(axis=0) if proj.pathway in ("bottom_up", "ip") else None
        changes[proj.name] = (rate * (error.T @ pre) / batch, threshold)
    return changes
