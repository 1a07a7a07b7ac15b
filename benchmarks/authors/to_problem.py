"""Convert a driver NPZ of an authors' errormc run into a problem file for ``brian-dendrites depth --problem``.

Runs under either environment (numpy only). Input: the NPZ of ``run_side.py`` ('skip' mode, as published)
or of ``exact_theirs.py`` ('layered' mode). Output format: ``load_problem`` in
``brian_dendrites/protocols/depth_problems.py`` (docs/depth.md):

  sizes, seed                  their layers, their student seed (parsed from ``seed<S>`` in the file name)
  teacher_k (k=1..N)           their teacher_W_{k-1}, shape (n_k, n_{k-1})
  x_train/x_validation/x_test  their X_train/X_val/X_test (unique samples, original order)
  forward_k                    adjacent block of their initial WPP: post area k, pre area k-1
  lateral_ip_k, lateral_pi_k   their initial WIP_{k-1}, BPI_{k-1}, shape (n_k, n_k)
  feedback_k (k=1..N-1)        the B^II noise b_k, shape (n_k, n_{k+1}): rows = error neurons of area k,
                               cols = those of area k+1, so that W_{k+1}^T + b_k = their adjacent B^II block

What a layered problem cannot represent is listed in ``OUT.json`` (key ``not_represented``): their WPP skip
blocks (init and learning rates), their B^II skip and within-area blocks, their N(0, 1) initial potentials and
the one-step lag of their B^II behind W. Targets: ours recompute tanh(a W r) per layer from ``teacher_k``.

Usage::

    python to_problem.py DRIVER.npz OUT.npz
"""

import argparse
import json

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", help="NPZ written by run_side.py or exact_theirs.py")
    ap.add_argument("dst", help="problem NPZ to write (a .json report is written beside it)")
    a = ap.parse_args()
    src, dst = a.src, a.dst

    d = np.load(src)
    L = [int(n) for n in d["layers"]]
    N = len(L) - 1
    seed = int(src.split("seed")[1].split("_")[0]) if "seed" in src else 56789
    p = {"sizes": np.array(L), "seed": np.array(seed)}
    for k in range(1, N + 1):
        p[f"teacher_{k}"] = d[f"teacher_W_{k - 1}"]
    p["x_train"], p["x_validation"], p["x_test"] = d["X_train"], d["X_val"], d["X_test"]
    report = {"source": src, "sizes": L, "seed": seed, "not_represented": {}}
    skip_mode = "init_WPP_full" in d.files
    for k in range(1, N + 1):
        p[f"forward_{k}"] = d[f"init_WPP_{k - 1}"]
        p[f"lateral_ip_{k}"] = d[f"init_WIP_{k - 1}"]
        p[f"lateral_pi_{k}"] = d[f"init_BPI_{k - 1}"]
    if skip_mode:
        ce = np.cumsum([0] + L[1:])  # offsets of the error neurons of areas 1..N in BII_full

        def block(m, k, j):
            # rows: error neurons of area k, cols: those of area j
            return m[ce[k - 1] : ce[k], ce[j - 1] : ce[j]]

        noise, bii = d["BII_noise"], d["init_BII_full"]
        checks = []
        for k in range(1, N):
            b = block(noise, k, k + 1)
            p[f"feedback_{k}"] = b
            checks.append(float(np.abs(d[f"init_WPP_{k}"].T + b - block(bii, k, k + 1)).max()))
        report["feedback_check_maxabs(W^T+b - their BII block)"] = checks
        nr = report["not_represented"]
        eta = d["eta_fw_matrix"]
        nr["WPP_skip_blocks_init_maxabs"] = {
            f"post{i}_pre{j}": float(np.abs(d[f"init_WPP_post{i}_pre{j}"]).max())
            for i in range(2, N + 1)
            for j in range(i - 1)
        }
        nr["eta_skip_entries(post area, pre area): eta"] = {
            f"post{i + 1}_pre{j}": float(eta[i, j]) for i in range(N) for j in range(N) if j < i and eta[i, j] != 0
        }
        nr["BII_within_area_blocks_maxabs (hidden areas; used)"] = {
            f"area{k}": float(np.abs(block(bii, k, k)).max()) for k in range(1, N)
        }
        nr["BII_skip_blocks_maxabs (used)"] = {
            f"area{k}<-area{m}": float(np.abs(block(bii, k, m)).max()) for k in range(1, N) for m in range(k + 2, N + 1)
        }
    else:
        for k in range(1, N):
            p[f"feedback_{k}"] = d[f"BII_noise_{k - 1}"]
    np.savez(dst, **p)
    with open(dst.replace(".npz", ".json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
