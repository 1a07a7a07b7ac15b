"""Collect the side-by-side numbers of the as-published authors' runs and ours.

Runs under either environment (numpy only). Reads theirs (``--pub``: ``*_ep<epochs>.json|npz`` from
``run_side.py``) and ours (``--ours``: ``<size>_seed<S>/depth_results.json`` from
``brian-dendrites depth --problem``), writes ``--out``/curves/<model>_<size>_seed<S>.csv,
``--out``/curves/all_curves.json and ``--out``/summary.json.

Steady-state (ss) test MSE of THEIR weights = our feedforward pass r_k = tanh(a v_k), a = g_bas/g_tot =
0.1/0.19, with v_k = W_k r_{k-1} (adjacent blocks only: "layered") or v_k = sum_{j<k} W_kj r_j (all blocks of
their WPP: "full", the no-target fixed point of their skip network, since all error neurons go to 0 without
a target). MSE = mean over the test samples of the squared output error, targets = their Y_test.

Usage::

    python analyze.py --pub DIR_THEIRS --ours DIR_OURS --out DIR [--epochs 1000]
"""

import argparse
import csv
import glob
import json
import os

import numpy as np

A = 0.1 / 0.19  # g_bas / (g_bas + g_l)


def ss_mse(W, x, y, layers, full):
    """Steady-state test MSE; W: dict (post area i, pre area j) -> weight block."""
    r = [x.T]
    for i in range(1, len(layers)):
        v = sum(W[(i, j)] @ r[j] for j in range(i) if (full or j == i - 1) and (i, j) in W)
        r.append(np.tanh(A * v))
    return float(np.mean(np.sum((r[-1].T - y) ** 2, axis=1)))


def blocks(d, prefix, layers):
    """Forward weight blocks (post area i, pre area j) of a run_side.py NPZ (skip or layered keys)."""
    W = {}
    for i in range(1, len(layers)):
        for j in range(i):
            key = f"{prefix}WPP_post{i}_pre{j}"
            if key in d.files:
                W[(i, j)] = d[key]
            elif j == i - 1 and f"{prefix}WPP_{j}" in d.files:
                W[(i, j)] = d[f"{prefix}WPP_{j}"]
    return W


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pub", required=True, help="run_side.py output directory (their as-published runs)")
    ap.add_argument("--ours", required=True, help="directory holding <size>_seed<S>/depth_results.json")
    ap.add_argument("--out", required=True, help="where curves/ and summary.json are written")
    ap.add_argument("--epochs", type=int, default=1000, help="length of the runs to collect")
    a = ap.parse_args()
    E = a.epochs

    os.makedirs(os.path.join(a.out, "curves"), exist_ok=True)
    summary, allc = [], {}
    for js in sorted(glob.glob(os.path.join(a.pub, f"*_ep{E}.json"))):
        with open(js) as f:
            r = json.load(f)
        d = np.load(js.replace(".json", ".npz"))
        layers = [int(n) for n in d["layers"]]
        size, seed, model = r["size"], r["seed"], r["model"]
        x, y = d["X_test"], d["Y_test"]
        rows = {}
        if model == "errormc":
            for e in [0] + list(r["test_mse_epochs"]):
                W = blocks(d, "init_" if e == 0 else f"snap{e}_", layers)
                metric = None if e == 0 else r["test_mse_per_epoch"][r["test_mse_epochs"].index(e)]
                rows[e] = {
                    "epoch": e,
                    "their_metric": metric,
                    "their_ss_layered": ss_mse(W, x, y, layers, False),
                    "their_ss_full": ss_mse(W, x, y, layers, True),
                }
            Wf = blocks(d, "final_", layers)
            skip_final = {f"post{i}_pre{j}": float(np.abs(w).max()) for (i, j), w in Wf.items() if j < i - 1}
        else:
            for e, v in zip(r["test_mse_epochs"], r["test_mse_per_epoch"], strict=True):
                rows[e] = {"epoch": e, "their_metric": v}
            skip_final = None
        ours_path = os.path.join(a.ours, f"{size}_seed{seed}", "depth_results.json")
        ours = None
        if model == "errormc" and os.path.exists(ours_path):
            with open(ours_path) as f:
                ours = json.load(f)["runs"][size][str(seed)]
            for e in rows:
                for m in ours:
                    rows[e][f"ours_{m}"] = ours[m]["test_mse"][e]  # index = epoch (0 = initial weights)
        tag = f"{model}_{size}_seed{seed}"
        cols = list(rows[max(rows)].keys())
        with open(os.path.join(a.out, "curves", f"{tag}.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            for e in sorted(rows):
                w.writerow({c: rows[e].get(c) for c in cols})
        allc[tag] = [rows[e] for e in sorted(rows)]
        s = {
            "model": model,
            "size": size,
            "seed": seed,
            "their_final_test_mse_metric": r["final_test_mse"],
            f"their_metric_at_{E}_deepcopy": rows[E]["their_metric"],
            "their_mean_epoch_wall_s": r["mean_epoch_wall_time_s"],
            "their_median_epoch_wall_s": float(np.median(r["epoch_wall_time_s"])),
        }
        if model == "errormc":
            s |= {
                "their_ss_layered_final": ss_mse(Wf, x, y, layers, False),
                "their_ss_full_final": ss_mse(Wf, x, y, layers, True),
                "their_ss_layered_init": rows[0]["their_ss_layered"],
                "skip_blocks_final_maxabs": skip_final,
            }
        if ours:
            s |= {f"ours_{m}_final": ours[m]["test_mse"][-1] for m in ours}
            s |= {f"ours_{m}_init": ours[m]["test_mse"][0] for m in ours}
            s |= {f"ours_{m}_epoch_wall_s(ms_per_sample*100/1000)": ours[m]["ms_per_sample"] * 100 / 1000 for m in ours}
        summary.append(s)
    with open(os.path.join(a.out, "curves", "all_curves.json"), "w") as f:
        json.dump(allc, f, indent=1)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    for s in summary:
        print(json.dumps(s))


if __name__ == "__main__":
    main()
