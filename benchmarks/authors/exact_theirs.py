"""Record a run of the authors' errormc (Max et al. 2025, NumPy) in layered mode, for ``exact.py``.

Runs under the authors' environment (numpy 1.26.4, scipy, matplotlib, dill). Their code is imported
from ``--authors`` (the ``numpy_model`` folder of kma-code/Error-Neuron-Microcircuits) and only called,
never modified or copied here.

Configuration = their ``experiments/Fig3_multilayer_comparison/<size>/errormc/params.json`` with
``fw_connection_mode = bw_connection_mode = 'layered'``, ``init_realistic_connectivity = false``,
``eta_fw`` = one rate per layer (``--eta``) and ``epochs = --epochs``. Teacher, settling, target shift and
training all go through their ``run_exp.run()``; we only wrap ``run_exp.run_one_epoch`` to record.

Options:
  --no-validation  their scheduled validation phases (no target, learning on) are skipped.
  --zero-init      all somatic potentials (and their ``*_old`` copies) start at 0 instead of N(0, 1).
  --bii-sync       diagnostic: after every step of theirs set ``BII_l = WPP_{l+1}^T + BII_noise_l`` from the
                   updated WPP (their B^II lags W by one step; this removes only that lag).

The NPZ holds: data (``X_*``; ``Y_*`` = their per-sample targets), the initial weights (``init_WPP_l``,
``init_WIP_l``, ``init_BPI_l``, ``init_BII_l``) and ``BII_noise_l`` (the noise their plasticity step uses),
the sample order and per-step targets of every train / validation phase (``phase<k>_*``, kinds in
``phases``), and all weights after every phase.

Usage::

    python exact_theirs.py --authors PATH/numpy_model --size 4-2-1 --eta 2 0.2 --out l421.npz
"""

import argparse
import json
import os
import sys

import numpy as np


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--authors", default=os.environ.get("EMC_ROOT"), help="the authors' numpy_model folder (default: $EMC_ROOT)"
    )
    ap.add_argument("--size", default="4-2-1")
    ap.add_argument("--seed", type=int, default=56789)
    ap.add_argument(
        "--teacher-seed-source",
        type=int,
        default=56789,
        help="seed list passed to their init_MC(teacher=True) (Fig. 3: 56789)",
    )
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--eta", type=float, nargs="+", default=[2.0, 0.2])
    ap.add_argument("--no-validation", action="store_true")
    ap.add_argument("--zero-init", action="store_true")
    ap.add_argument(
        "--bii-sync",
        action="store_true",
        help="DIAGNOSTIC: after every step set BII_l = WPP_{l+1}^T + BII_noise_l from the updated WPP",
    )
    ap.add_argument("--out", required=True, help="output NPZ file")
    a = ap.parse_args()
    if not a.authors:
        ap.error("--authors (or $EMC_ROOT) is required")
    return a


def main():
    a = parse_args()
    sys.path.insert(0, os.path.abspath(a.authors))
    # the authors' modules, imported from their checkout
    import src.init_MC as init_MC
    import src.init_signals as init_signals
    import src.run_exp as run_exp

    ppath = os.path.join(a.authors, "experiments/Fig3_multilayer_comparison", a.size, "errormc", "params.json")
    with open(ppath) as f:
        params = json.load(f)
    params.update(
        fw_connection_mode="layered",
        bw_connection_mode="layered",
        init_realistic_connectivity=False,
        eta_fw=list(a.eta),
        epochs=a.epochs,
    )

    # student and teacher built and wired by their functions (teacher seed as in runner.py)
    mc = init_MC.init_MC(params, [a.seed])[0]
    teachers = init_MC.init_MC(params, [a.teacher_seed_source], teacher=True)
    tseed = teachers[0].seed
    teachers = init_signals.init_r0(MC_list=teachers, form=params["input_signal"], seed=tseed)
    mc = init_signals.init_r0(MC_list=[mc], form=params["input_signal"], seed=tseed)[0]
    teacher_W = [W.copy() for W in teachers[0].WPP]
    teacher = run_exp.run(
        teachers[0],
        learn_weights=False,
        learn_lat_weights=False,
        learn_bw_weights=False,
        teacher=True,
        rate_target=mc.rate_target,
    )
    mc.target, mc.target_testing, mc.target_validation = (
        teacher.target,
        teacher.target_testing,
        teacher.target_validation,
    )

    if a.zero_init:
        for name in ("uP", "uP_old", "uI", "uI_old"):
            for v in getattr(mc, name):
                v[...] = 0.0

    if a.bii_sync:
        step = mc.evolve_system

        def step_then_sync(*args, **kw):
            out = step(*args, **kw)
            for i in range(len(mc.BII)):
                mc.BII[i] = mc.WPP[i + 1].T + mc.BII_noise[i]
            return out

        mc.evolve_system = step_then_sync

    steps = int(round(mc.Tpres / mc.dt))
    n_in, n_out = mc.layers[0], mc.layers[-1]

    def per_sample(series, n):
        # last dt step of every presentation = the sample itself
        return np.asarray(series).reshape(-1, steps, n)[:, -1].copy()

    X = {
        "train": per_sample(mc.input, n_in),
        "val": per_sample(mc.input_validation, n_in),
        "test": per_sample(mc.input_testing, n_in),
    }
    Y = {
        "train": per_sample(mc.target, n_out),
        "val": per_sample(mc.target_validation, n_out),
        "test": per_sample(mc.target_testing, n_out),
    }
    settle_inputs = np.asarray(mc.input)[: int(mc.settling_time / mc.dt)].copy()

    def order_of(r0_arr, ref):
        xs = np.asarray(r0_arr).reshape(-1, steps, n_in)[:, -1]
        return np.array([np.where(np.all(ref == x, axis=1))[0][0] for x in xs])

    def weights(prefix):
        d = {}
        for name in ("WPP", "WIP", "BPI", "BII"):
            for li, W in enumerate(getattr(mc, name)):
                d[f"{prefix}{name}_{li}"] = W.copy()
        return d

    npz = weights("init_")
    for li, N in enumerate(mc.BII_noise):
        npz[f"BII_noise_{li}"] = N.copy()
    phases = []
    one_epoch = run_exp.run_one_epoch

    def recording_epoch(mc_, r0_arr, target, **kw):
        # their train_model passes mc, inputs, targets positionally and the flags by keyword
        if kw["testing"] or kw["teacher"]:
            return one_epoch(mc_, r0_arr, target, **kw)
        kind = "val" if kw["validation"] else "train"
        if kw["validation"] and a.no_validation:
            return mc_
        out = one_epoch(mc_, r0_arr, target, **kw)
        k = len(phases)
        phases.append(kind)
        npz[f"phase{k}_order"] = order_of(r0_arr, X[kind])
        npz[f"phase{k}_target_steps"] = np.asarray(target, dtype=float).reshape(-1, n_out)  # shifted target per step
        npz.update(weights(f"phase{k}_"))
        return out

    run_exp.run_one_epoch = recording_epoch
    mc = run_exp.run(
        mc,
        learn_weights=True,
        learn_lat_weights=True,
        learn_bw_weights=False,
        teacher=False,
        rate_target=mc.rate_target,
    )
    run_exp.run_one_epoch = one_epoch

    for li, W in enumerate(teacher_W):
        npz[f"teacher_W_{li}"] = W
    for k in X:
        npz[f"X_{k}"], npz[f"Y_{k}"] = X[k], Y[k]
    npz["settle_inputs"] = settle_inputs
    npz["layers"] = np.array(mc.layers)
    npz["phases"] = np.array(phases)
    npz["eta"] = np.array(a.eta)
    npz["final_test_mse"] = float(np.mean(mc.MSE_test_time_series[10:]))
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    np.savez(a.out, **npz)
    print(
        json.dumps(
            {
                "phases": phases,
                "out": a.out,
                "final_test_mse": float(npz["final_test_mse"]),
                "BII_noise_shapes": [list(N.shape) for N in mc.BII_noise],
            }
        )
    )


if __name__ == "__main__":
    main()
