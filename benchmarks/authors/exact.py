"""Exact-equivalence check of our Brian2 error-neuron network against a recording of the authors' errormc.

Runs under this project's environment. Reads the NPZ written by ``exact_theirs.py`` (their layered
errormc) and starts ours from their initial weights (``forward_k = WPP_{k-1}``, ``lateral_ip_k = WIP_{k-1}``,
``lateral_pi_k = BPI_{k-1}``, ``feedback_k = BII_noise_{k-1}``, so that B^II_k = W_{k+1}^T + noise as theirs)
and zero potentials, then runs

1. their settling phase: the 2000 settling steps = the 100 training inputs in original order, no target
   (nudging 0), eta = 0;
2. each recorded phase with its recorded sample order, one ``Simulation.run`` per phase (so the target
   delay restarts at every phase, as their per-epoch shifted target does): train = their per-sample
   targets, nudging 1, their eta; validation = validation inputs, no target (nudging 0), their eta
   (their validation learns).

After every phase it prints max |W_ours - W_theirs| per forward matrix (``--json`` writes them too).

Usage::

    python exact.py l421.npz [--target cpp_standalone|numpy] [--json l421_cmp.json]
"""

import argparse
import json
import os
import time

import numpy as np
from brian2 import ms

from brian_dendrites import Simulation
from brian_dendrites.models.error_neurons import ERROR_NEURONS, ErrorNeuronParams

STEPS = 20  # dt steps per pattern (their Tpres / dt = 0.2 ms / 0.01 ms)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("npz", help="recording written by exact_theirs.py")
    ap.add_argument("--target", default="cpp_standalone")
    ap.add_argument("--json", default=None, help="write the per-phase differences to this file")
    a = ap.parse_args()

    d = np.load(a.npz)
    sizes = tuple(int(n) for n in d["layers"])
    n = len(sizes) - 1
    eta = tuple(float(e) / ms for e in d["eta"])
    params = ErrorNeuronParams(sizes=sizes, eta=eta)
    state = ERROR_NEURONS.zero_state(params)
    for k in range(1, n + 1):
        state.weights[f"forward_{k}"] = d[f"init_WPP_{k - 1}"].astype(float).copy()
        state.weights[f"lateral_ip_{k}"] = d[f"init_WIP_{k - 1}"].astype(float).copy()
        state.weights[f"lateral_pi_{k}"] = d[f"init_BPI_{k - 1}"].astype(float).copy()
    for k in range(1, n):
        state.weights[f"feedback_{k}"] = d[f"BII_noise_{k - 1}"].astype(float).copy()
    # sanity: W_{k+1}^T + b_k equals their initial B^II
    bii_init_check = [
        float(np.abs(d[f"init_WPP_{k}"].T + d[f"BII_noise_{k - 1}"] - d[f"init_BII_{k - 1}"]).max())
        for k in range(1, n)
    ]

    X = {"train": d["X_train"], "val": d["X_val"]}
    Y = {"train": d["Y_train"]}
    P = len(X["train"])
    # contiguous copy: a strided input array fails in brian2 standalone (BufferError)
    settle = np.ascontiguousarray(d["settle_inputs"].reshape(-1, STEPS, sizes[0])[:, -1])
    sim = Simulation(
        params,
        P,
        pattern_duration=STEPS * params.dt,
        record={},
        record_dt=STEPS * params.dt,
        target=a.target,
        name="exactcheck",
    )
    zero_eta = tuple(0 / ms for _ in eta)
    t0 = time.perf_counter()
    state = sim.run(state, settle, None, np.zeros(P), eta=zero_eta).state
    rows = []
    phases = [str(p) for p in d["phases"]]
    for k, kind in enumerate(phases):
        order = d[f"phase{k}_order"]
        if kind == "train":
            state = sim.run(state, X["train"][order], Y["train"][order]).state
        else:
            state = sim.run(state, X["val"][order], None, np.zeros(P)).state
        theirs = [d[f"phase{k}_WPP_{j - 1}"] for j in range(1, n + 1)]
        diffs = [float(np.abs(state.weights[f"forward_{j}"] - theirs[j - 1]).max()) for j in range(1, n + 1)]
        moved = [float(np.abs(theirs[j - 1] - d[f"init_WPP_{j - 1}"]).max()) for j in range(1, n + 1)]
        rows.append(
            {
                "phase": k,
                "kind": kind,
                "max_abs_diff_per_layer": diffs,
                "max_abs_diff": max(diffs),
                "their_total_change_since_init": moved,
            }
        )
        per_layer = [f"{x:.2e}" for x in diffs]
        print(
            f"phase {k} ({kind}): max|W_ours - W_theirs| = {max(diffs):.3e}  per layer {per_layer}"
            f"  (their |W - W_init| max {max(moved):.3e})",
            flush=True,
        )
    res = {
        "file": os.path.abspath(a.npz),
        "sizes": sizes,
        "eta_per_ms": [float(e * ms) for e in eta],
        "target": a.target,
        "bii_init_check": bii_init_check,
        "phases": rows,
        "wall_s": time.perf_counter() - t0,
    }
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
