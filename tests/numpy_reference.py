"""An independent NumPy implementation of Eqs. 1-10, written from the paper.

It shares no code with the Brian2 model or the steady-state engine except the
parameter records and phi; it does not read their pathway table
(models/microcircuit/pathways.py) either, but writes Eqs. 7-10 out again on
purpose, so that tests compare two independent implementations. ``steady_state``
solves the fixed point of Eqs. 1-5 (no noise); ``simulate`` is a straightforward
per-step Euler loop (the benchmark's baseline).
"""

from __future__ import annotations

import numpy as np
from brian2 import ms

from brian_dendrites.models.microcircuit import MicrocircuitParams


def _g(q) -> float:
    return float(q * ms)  # conductance in 1/ms


def steady_state(params: MicrocircuitParams, weights: dict, x: np.ndarray, u_tgt=None, iterations: int = 5000):
    """Fixed point of the somatic potentials for input rates ``x`` (and output target ``u_tgt``)."""
    phi, n = params.phi, len(params.sizes) - 1
    u = {k: np.zeros(params.sizes[k]) for k in range(1, n + 1)}
    u_int = {k: np.zeros(params.sizes[k + 1]) for k in range(1, n)}
    for _ in range(iterations):
        r = {0: x, **{k: phi(u[k]) for k in u}}
        new_u, new_int, v = {}, {}, {}
        for k in range(1, n + 1):
            p = params.pyramidal_layer(k)
            v_B = weights[f"bottom_up_{k}"] @ r[k - 1]
            if k < n:
                v_A = weights[f"top_down_{k}"] @ r[k + 1] + weights[f"pi_{k}"] @ phi(u_int[k])
                new_u[k] = (_g(p.g_B) * v_B + _g(p.g_A) * v_A) / (_g(p.g_lk) + _g(p.g_B) + _g(p.g_A))
                q = params.interneuron_layer(k)
                v_I = weights[f"ip_{k}"] @ r[k]
                new_int[k] = (_g(q.g_D) * v_I + _g(q.g_som) * u[k + 1]) / (_g(q.g_lk) + _g(q.g_D) + _g(q.g_som))
                v[k] = {"v_B": v_B, "v_A": v_A, "v_I": v_I}
            else:
                g_som = _g(p.g_som) if u_tgt is not None else 0.0
                target = u_tgt if u_tgt is not None else 0.0
                new_u[k] = (_g(p.g_B) * v_B + g_som * target) / (_g(p.g_lk) + _g(p.g_B) + g_som)
                v[k] = {"v_B": v_B}
        delta = max(np.max(np.abs(new_u[k] - u[k])) for k in u)
        u, u_int = new_u, new_int
        if delta < 1e-14:
            break
    return u, u_int, v


def error_factors(params: MicrocircuitParams, weights: dict, x, u, u_int, v) -> dict[str, np.ndarray]:
    """dW/dt / eta of Eqs. 7-10 at the given steady state, as (post, pre) matrices."""
    phi, n = params.phi, len(params.sizes) - 1
    r = {0: x, **{k: phi(u[k]) for k in u}}
    factors = {}
    for k in range(1, n + 1):
        p = params.pyramidal_layer(k)
        k_B = _g(p.g_B) / (_g(p.g_lk) + _g(p.g_B) + _g(p.g_A))
        factors[f"bottom_up_{k}"] = np.outer(phi(u[k]) - phi(k_B * v[k]["v_B"]), r[k - 1])  # Eq. 7
    for k in range(1, n):
        q = params.interneuron_layer(k)
        k_D = _g(q.g_D) / (_g(q.g_lk) + _g(q.g_D))
        factors[f"ip_{k}"] = np.outer(phi(u_int[k]) - phi(k_D * v[k]["v_I"]), r[k])  # Eq. 8
        factors[f"pi_{k}"] = np.outer(-v[k]["v_A"], phi(u_int[k]))  # Eq. 9
        v_TD = weights[f"top_down_{k}"] @ r[k + 1]
        factors[f"top_down_{k}"] = np.outer(phi(u[k]) - phi(v_TD), r[k + 1])  # Eq. 10
    return factors


def simulate(params: MicrocircuitParams, state, inputs, targets, seed: int = 0, pattern_steps: int = 1000):
    """Per-step Euler-Maruyama of the full model, with plasticity (and its error factors) integrated on
    the plasticity clock: every ``dt_plasticity`` (every step if None). Returns the final weights."""
    rng = np.random.default_rng(seed)
    phi, n, dt = params.phi, len(params.sizes) - 1, float(params.dt / ms)
    every = 1 if params.dt_plasticity is None else round(float(params.dt_plasticity / params.dt))
    step = 0
    w = {k: v.copy() for k, v in state.weights.items()}
    ind = {k: np.zeros_like(v) for k, v in w.items()}
    u = {k: np.zeros(params.sizes[k]) for k in range(1, n + 1)}
    u_int = {k: np.zeros(params.sizes[k + 1]) for k in range(1, n)}
    r0 = np.zeros(params.sizes[0])
    tau_in, tau_w = float(params.tau_input / ms), float(params.tau_w / ms)
    eta = {
        name: float(params.eta.for_projection(name.rsplit("_", 1)[0], int(name.rsplit("_", 1)[1]), n) * ms)
        for name in w
        if name.rsplit("_", 1)[0] in params.plastic
    }
    sq = np.sqrt(dt)
    for x, target in zip(inputs, targets, strict=True):
        for _ in range(pattern_steps):
            plastic, step = step % every == 0, step + 1
            r = {0: r0, **{k: phi(u[k]) for k in u}}
            r_int = {k: phi(u_int[k]) for k in u_int}
            errors, new_u = {}, {}
            for k in range(1, n + 1):
                p = params.pyramidal_layer(k)
                v_B = w[f"bottom_up_{k}"] @ r[k - 1]
                du = -_g(p.g_lk) * u[k] + _g(p.g_B) * (v_B - u[k])
                k_B = _g(p.g_B) / (_g(p.g_lk) + _g(p.g_B) + _g(p.g_A))
                if plastic and f"bottom_up_{k}" in eta:
                    errors[f"bottom_up_{k}"] = (r[k] - phi(k_B * v_B), r[k - 1])
                if k < n:
                    v_TD = w[f"top_down_{k}"] @ r[k + 1]
                    v_A = v_TD + w[f"pi_{k}"] @ r_int[k]
                    du += _g(p.g_A) * (v_A - u[k])
                    q = params.interneuron_layer(k)
                    v_I = w[f"ip_{k}"] @ r[k]
                    du_int = -_g(q.g_lk) * u_int[k] + _g(q.g_D) * (v_I - u_int[k]) + _g(q.g_som) * (u[k + 1] - u_int[k])
                    k_D = _g(q.g_D) / (_g(q.g_lk) + _g(q.g_D))
                    if plastic and f"pi_{k}" in eta:
                        errors[f"pi_{k}"] = (-v_A, r_int[k])
                    if plastic and f"top_down_{k}" in eta:
                        errors[f"top_down_{k}"] = (r[k] - phi(v_TD), r[k + 1])
                    if plastic and f"ip_{k}" in eta:
                        errors[f"ip_{k}"] = (r_int[k] - phi(k_D * v_I), r[k])
                    sigma = float(q.sigma * ms**0.5)
                    u_int[k] = u_int[k] + dt * du_int + sigma * sq * rng.standard_normal(u_int[k].shape)
                else:
                    du += _g(p.g_som) * (target - u[k])
                sigma = float(p.sigma * ms**0.5)
                new_u[k] = u[k] + dt * du + sigma * sq * rng.standard_normal(u[k].shape)
            for name, rate in eta.items() if plastic else ():
                post, pre = errors[name]
                w[name] += every * dt * rate * ind[name]
                ind[name] += every * dt / tau_w * (np.outer(post, pre) - ind[name])
            u = new_u
            r0 = r0 + dt / tau_in * (x - r0)
    return w
