"""An independent NumPy implementation of the error-neuron model's Euler scheme, written from the
model's description (../shared/reference/error_neurons.md) in the authors' form.

It keeps somatic potentials u and their previous values, and takes the prospective potential as
u_breve = u_old + (u - u_old) tau_eff/dt, as the authors' NumPy code does; the Brian2 model instead
computes u_breve from the previous step's dendrites. The two agree to rounding once both start from
rest. Shares no code with the model except the parameter record and phi.
"""

from __future__ import annotations

import numpy as np
from brian2 import ms


def _g(q) -> float:
    return float(q * ms)


def simulate(params, weights: dict, inputs: np.ndarray, targets: np.ndarray, steps_per_pattern: int, eta):
    """Run the patterns one after another from rest; return the final forward weights and output rates.

    Each pattern is held for ``steps_per_pattern`` steps; the targets lag the inputs by N steps.

    ``weights`` holds forward_k, lateral_ip_k, lateral_pi_k and feedback_k (B^II offsets); ``eta`` the
    learning rates in 1/ms. Returns (forward weights by name, output rate at each step).
    """
    n, dt, phi = len(params.sizes) - 1, float(params.dt / ms), params.phi
    g_l, g_bas, g_api, g_den, g_tgt = (_g(getattr(params, f)) for f in ("g_l", "g_bas", "g_api", "g_den", "g_ntgt"))
    tau_p = 1 / (g_l + g_bas + g_api)
    tau_e = [1 / (g_l + g_den)] * (n - 1) + [1 / (g_l + g_tgt)]
    W = [weights[f"forward_{k}"].copy() for k in range(1, n + 1)]
    W_ip = [weights[f"lateral_ip_{k}"] for k in range(1, n + 1)]
    B_pi = [weights[f"lateral_pi_{k}"] for k in range(1, n + 1)]
    noise = [weights[f"feedback_{k}"] for k in range(1, n)]

    def top_down(k):  # B^II of area k (0-based), (n_k, n_{k+1})
        return noise[k] + (W[k + 1].T if params.feedback == "BP" else 0)

    u = [np.zeros(s) for s in params.sizes[1:]]
    u_old = [x.copy() for x in u]
    u_e = [np.zeros(s) for s in params.sizes[1:]]
    u_e_old = [x.copy() for x in u_e]
    v_bas = [np.zeros(s) for s in params.sizes[1:]]
    v_api = [np.zeros(s) for s in params.sizes[1:]]
    r = [np.zeros(s) for s in params.sizes[1:]]
    r0 = np.zeros(params.sizes[0])
    outputs = []
    # One row per step; the targets lag the inputs by N steps (the authors' dt_offset).
    step_inputs, step_targets = np.repeat(inputs, steps_per_pattern, 0), np.repeat(targets, steps_per_pattern, 0)
    step_targets = np.append(step_targets[:n], step_targets[:-n], axis=0)
    for x, y in zip(step_inputs, step_targets, strict=True):
        r_old, r0_old, v_bas_old = [a.copy() for a in r], r0.copy(), [a.copy() for a in v_bas]
        u_breve = [o + (a - o) * tau_p / dt for a, o in zip(u, u_old, strict=True)]
        e = [o + (a - o) * t / dt for a, o, t in zip(u_e, u_e_old, tau_e, strict=True)]
        r = [phi(a) for a in u_breve]
        slope = [phi.derivative(a) for a in u_breve]
        r0 = np.asarray(x, dtype=float)
        u_old, u_e_old = [a.copy() for a in u], [a.copy() for a in u_e]
        below = [r0] + r[:-1]
        v_bas = [W[k] @ below[k] for k in range(n)]
        v_api = [B_pi[k] @ e[k] for k in range(n)]
        for k in range(n):
            u[k] = u[k] + dt / tau_p * (tau_p * (g_bas * v_bas[k] + g_api * v_api[k]) - u[k])
        for k in range(n - 1):
            v_den = (W_ip[k] @ slope[k]) * (top_down(k) @ e[k + 1])
            u_e[k] = u_e[k] + dt / tau_e[k] * (tau_e[k] * g_den * v_den - u_e[k])
        drive = g_tgt * W_ip[-1] @ (slope[-1] * (y - r[-1]))
        u_e[-1] = u_e[-1] + dt / tau_e[-1] * (tau_e[-1] * drive - u_e[-1])
        pre_old = [r0_old] + r_old[:-1]
        for k in range(n):
            W[k] = W[k] + dt * eta[k] * np.outer(u_breve[k] - g_bas * tau_p * v_bas_old[k], pre_old[k])
        outputs.append(r[-1].copy())
    return {f"forward_{k}": W[k - 1] for k in range(1, n + 1)}, np.array(outputs)
