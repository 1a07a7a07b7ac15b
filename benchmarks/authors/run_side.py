"""Run the authors' errormc / sacramento2018 / ann (Max et al. 2025, NumPy) on their Fig. 3 task for ONE seed.

Runs under the authors' environment (numpy 1.26.4, scipy, matplotlib, dill). Their code is imported
from ``--authors`` (the ``numpy_model`` folder of kma-code/Error-Neuron-Microcircuits) and only called,
never modified or copied here.

It does for one student seed what
``python runner.py --params experiments/Fig3_multilayer_comparison/<size>/<model>/params.json --task fw_only``
does for each seed of its list. Their teacher seed is derived from the seed list passed to
``init_MC(teacher=True)``; runner.py passes the whole list, so ``--teacher-seed-source`` must be the FIRST
seed of the list being mimicked (default 56789, the first Fig. 3 seed).

Training goes through their ``run_exp.run()`` / ``train_model()`` unchanged (validation schedule
``10*epoch % epochs == 0`` included). We only wrap ``run_exp.run_one_epoch`` to (a) time the training
epochs, (b) every ``--test-every`` epochs, evaluate the test MSE on a deep copy of the network (the real run
and its RNG are untouched) and keep the weights, (c) record each epoch's sample order and the scheduled
validation MSE. The final test MSE comes from their ``run_exp.test_model()`` on the real network, as in
runner.py.

Outputs in ``--out``: ``<tag>.json`` (summary: test MSE per epoch, epoch wall times, ...) and ``<tag>.npz``
(teacher weights, data sets, student initial / snapshot / final weights, sample orders), tag =
``<model>_<size>_seed<seed>_ep<epochs>`` unless ``--tag``. Key list: README.md.

Usage::

    python run_side.py --authors PATH/numpy_model --out DIR --size 4-2-1 --model errormc --seed 56789 \\
        --epochs 1000 --test-every 50 --quiet
"""

import argparse
import copy
import json
import logging
import os
import sys
import time

import numpy as np

SKIP_SETTLING = 10  # their Fig. 3 notebook drops the first 10 dt of the test series
RAW_MSE_KEY = (
    "MSE_time_series_raw (single dt value every 2000 steps, train/val/test phases interleaved, target present)"
)


def mse_stats(series):
    """(mean without the first SKIP_SETTLING steps, mean over all steps) of a per-dt MSE series."""
    a = np.asarray(series, dtype=float)
    return float(np.mean(a[SKIP_SETTLING:])), float(np.mean(a))


def sample_order(x_epoch, x_ref, steps):
    """Indices into x_ref (unique samples) of the sample sequence x_epoch (steps per sample); -1 if absent."""
    xs = np.asarray(x_epoch).reshape(-1, steps, x_ref.shape[1])[:, -1]
    order = np.empty(len(xs), dtype=np.int64)
    for k, x in enumerate(xs):
        idx = np.where(np.all(x_ref == x, axis=1))[0]
        order[k] = idx[0] if len(idx) else -1
    return order


def weights_dict(mc, prefix):
    """Copies of the network's weights, keyed for the NPZ (rows = post-synaptic, cols = pre-synaptic)."""
    d = {}
    model = mc.mc_model
    if model == "errormc":
        # 'skip' mode: one WPP over [input, h1, ..., out]; cut it into blocks (post area i, pre area j)
        d[prefix + "WPP_full"] = mc.WPP[0].copy()
        L = list(mc.layers)
        c = np.cumsum([0] + L)
        for i in range(1, len(L)):
            for j in range(i):
                d[f"{prefix}WPP_post{i}_pre{j}"] = mc.WPP[0][c[i] : c[i + 1], c[j] : c[j + 1]].copy()
        for li in range(len(L) - 1):
            d[f"{prefix}WPP_{li}"] = d[f"{prefix}WPP_post{li + 1}_pre{li}"]
        d[prefix + "BII_full"] = mc.BII[0].copy()
        for li, W in enumerate(mc.WIP):
            d[f"{prefix}WIP_{li}"] = W.copy()
        for li, B in enumerate(mc.BPI):
            d[f"{prefix}BPI_{li}"] = B.copy()
        if prefix == "init_":
            d["BII_noise"] = mc.BII_noise[0].copy()
            d["eta_fw_matrix"] = np.asarray(mc.eta_fw, dtype=float)
    else:
        for li, W in enumerate(mc.WPP):
            d[f"{prefix}WPP_{li}"] = W.copy()
        for li, B in enumerate(mc.BPP):
            d[f"{prefix}BPP_{li}"] = B.copy()
        if model == "sacramento2018":
            for li, W in enumerate(mc.WIP):
                d[f"{prefix}WIP_{li}"] = W.copy()
            for li, B in enumerate(mc.BPI):
                d[f"{prefix}BPI_{li}"] = B.copy()
            if prefix == "init_":
                for li, N in enumerate(mc.BPP_noise):
                    d[f"BPP_noise_{li}"] = N.copy()
    if prefix == "init_":
        for li, u in enumerate(mc.uP):
            d[f"init_uP_{li}"] = np.asarray(u).copy()
        for li, u in enumerate(mc.uI):
            d[f"init_uI_{li}"] = np.asarray(u).copy()
    return d


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--authors", default=os.environ.get("EMC_ROOT"), help="the authors' numpy_model folder (default: $EMC_ROOT)"
    )
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--size", default="4-2-1", help="e.g. 4-2-1, 16-8-4-2-1")
    ap.add_argument("--model", default="errormc", choices=["errormc", "sacramento2018", "ann", "dPC"])
    ap.add_argument("--seed", type=int, default=56789)
    ap.add_argument(
        "--teacher-seed-source",
        type=int,
        default=56789,
        help="first seed of the seed list being mimicked (teacher = f(this))",
    )
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument(
        "--test-every",
        type=int,
        default=1,
        help="evaluate test MSE on a deepcopy every N epochs and at the last one (0 = never)",
    )
    ap.add_argument(
        "--compare-bp",
        action="store_true",
        help="after training, run their compare.compare_updates on a copy (about doubles the cost)",
    )
    ap.add_argument("--params", default=None, help="override params.json path")
    ap.add_argument("--tag", default=None)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    if not args.authors:
        ap.error("--authors (or $EMC_ROOT) is required")
    return args


def main():
    args = parse_args()
    sys.path.insert(0, os.path.abspath(args.authors))
    # the authors' modules, imported from their checkout
    import src.init_MC as init_MC
    import src.init_signals as init_signals
    import src.run_exp as run_exp

    logging.getLogger().setLevel(logging.WARNING if args.quiet else logging.INFO)

    ppath = args.params or os.path.join(
        args.authors, "experiments/Fig3_multilayer_comparison", args.size, args.model, "params.json"
    )
    with open(ppath) as f:
        params = json.load(f)
    params_orig = copy.deepcopy(params)
    params["epochs"] = args.epochs
    tag = args.tag or f"{args.model}_{args.size}_seed{args.seed}_ep{args.epochs}"
    os.makedirs(args.out, exist_ok=True)

    t_start = time.perf_counter()
    # Student and teacher set up through their functions, in the order runner.py (task fw_only) uses:
    # build both, inputs seeded by the teacher's seed, teacher run once to record the targets.
    mc = init_MC.init_MC(params, [args.seed])[0]
    init_w = weights_dict(mc, "init_")
    teachers = init_MC.init_MC(params, [args.teacher_seed_source], teacher=True)
    if teachers[0].mc_model in ["sacramento2018", "dPC"]:
        teachers[0].set_self_predicting_state()
    teacher = teachers[0]
    teacher_seed = int(teacher.seed)
    teachers = init_signals.init_r0(MC_list=teachers, form=params["input_signal"], seed=teacher.seed)
    mc = init_signals.init_r0(MC_list=[mc], form=params["input_signal"], seed=teacher.seed)[0]
    teacher_W = [W.copy() for W in teacher.WPP]
    rate_target = mc.rate_target
    teacher = run_exp.run(
        teachers[0],
        learn_weights=False,
        learn_lat_weights=False,
        learn_bw_weights=False,
        teacher=True,
        rate_target=rate_target,
    )
    mc.target = teacher.target
    mc.target_testing = teacher.target_testing
    mc.target_validation = teacher.target_validation
    t_setup = time.perf_counter() - t_start

    steps = int(round(mc.Tpres / mc.dt))
    n_in, n_out = mc.layers[0], mc.layers[-1]
    sets = {
        "train": (mc.input, mc.target),
        "val": (mc.input_validation, mc.target_validation),
        "test": (mc.input_testing, mc.target_testing),
    }
    # last dt step of every presentation = the sample itself
    X = {k: np.asarray(x).reshape(-1, steps, n_in)[:, -1].copy() for k, (x, _) in sets.items()}
    Ysteps = {k: np.asarray(y).reshape(-1, n_out).copy() for k, (_, y) in sets.items()}
    Y = {k: v.reshape(-1, steps, n_out)[:, -1].copy() for k, v in Ysteps.items()}

    # analytic teacher, u_l = gbas/(gbas+gl) W_l r_{l-1}, r_l = act_l(u_l): sanity check of the targets
    g = teacher.gbas / (teacher.gbas + teacher.gl)

    def teacher_fn(x):
        r = x.T
        for li, W in enumerate(teacher_W):
            u = g * W @ r
            r = teacher.activation[li](u)
        return u.T, r.T

    teacher_check = {}
    for k in X:
        u, r = teacher_fn(X[k])
        ref = r if rate_target else u
        teacher_check[k] = float(np.max(np.abs(ref - Y[k])))

    # training through their train_model, with a recording wrapper around run_one_epoch
    E = args.epochs
    log = {
        "epoch_time": [],
        "test_mse": [],
        "test_mse_allsteps": [],
        "test_epochs": [],
        "val_sched": [],
        "orders": [],
        "snaps": {},
    }
    state = {"epoch": -1, "inner": False}
    one_epoch = run_exp.run_one_epoch

    def recording_epoch(mc_, r0_arr, target, **kw):
        # their train_model passes mc, inputs, targets positionally and the flags by keyword
        if state["inner"] or kw["teacher"]:
            return one_epoch(mc_, r0_arr, target, **kw)
        if not kw["testing"] and not kw["validation"]:
            state["epoch"] += 1
            log["orders"].append(sample_order(r0_arr, X["train"], steps))
            t0 = time.perf_counter()
            out = one_epoch(mc_, r0_arr, target, **kw)
            log["epoch_time"].append(time.perf_counter() - t0)
            e = state["epoch"]
            tested = bool(args.test_every) and ((e + 1) % args.test_every == 0 or e == E - 1)
            if tested:
                state["inner"] = True
                cp = copy.deepcopy(out)
                cp.MSE_test_time_series = []
                cp = run_exp.test_model(cp, rate_target=rate_target, teacher=False)
                state["inner"] = False
                a, b = mse_stats(cp.MSE_test_time_series)
                log["test_mse"].append(a)
                log["test_mse_allsteps"].append(b)
                log["test_epochs"].append(e + 1)
                log["snaps"].update(weights_dict(out, f"snap{e + 1}_"))
                del cp
            if not args.quiet:
                msg = f"epoch {e + 1}/{E}: train {log['epoch_time'][-1]:.2f}s"
                if tested:
                    msg += f", test MSE {log['test_mse'][-1]:.4g}"
                print(msg, flush=True)
            return out
        if kw["validation"]:
            n0 = len(mc_.MSE_val_time_series)
            out = one_epoch(mc_, r0_arr, target, **kw)
            a, b = mse_stats(out.MSE_val_time_series[n0:])
            log["val_sched"].append({"after_epoch": state["epoch"] + 1, "val_mse": a, "val_mse_allsteps": b})
            return out
        return one_epoch(mc_, r0_arr, target, **kw)

    run_exp.run_one_epoch = recording_epoch
    t_run0 = time.perf_counter()
    mc = run_exp.run(
        mc, learn_weights=True, learn_lat_weights=True, learn_bw_weights=False, teacher=False, rate_target=rate_target
    )
    t_run = time.perf_counter() - t_run0
    run_exp.run_one_epoch = one_epoch

    final_a, final_b = mse_stats(mc.MSE_test_time_series)
    test_order = sample_order(mc.input_testing, X["test"], steps)

    angles = None
    if args.compare_bp:
        import src.compare as compare  # the authors' module

        cp = copy.deepcopy(mc)
        cp = compare.compare_updates(cp, model="BP", params=params)
        ang = np.nan_to_num(np.array(cp.angle_BP_updates_time_series, dtype=float))
        angles = {"mean_per_layer": ang.mean(axis=0).tolist(), "n_evals": int(ang.shape[0])}
        np.save(os.path.join(args.out, tag + "_angles.npy"), ang)

    res = {
        "model": args.model,
        "size": args.size,
        "layers": list(mc.layers),
        "error_layers": list(getattr(mc, "error_layers", [])),
        "seed": args.seed,
        "teacher_seed_source": args.teacher_seed_source,
        "teacher_seed": teacher_seed,
        "epochs": E,
        "params_file": ppath,
        "rate_target": bool(rate_target),
        "target_kind": "rate tanh(u_out)"
        if rate_target
        else "voltage u_out (MSE still computed on rates: |phi(u)-phi(tgt)|^2)",
        "dt": mc.dt,
        "Tpres": mc.Tpres,
        "steps_per_sample": steps,
        "settling_steps": int(mc.settling_time / mc.dt),
        "dataset_size": int(mc.dataset_size),
        "mse_definition": "per dt: ||r_out - target||^2 (sum over outputs); value = mean over the 2000 test steps "
        "after dropping the first 10 (Fig3 notebook); *_allsteps = mean over all steps",
        "test_mse_per_epoch": log["test_mse"],
        "test_mse_per_epoch_allsteps": log["test_mse_allsteps"],
        "test_mse_epochs": log["test_epochs"],
        "val_mse_scheduled": log["val_sched"],
        "final_test_mse": final_a,
        "final_test_mse_allsteps": final_b,
        "epoch_wall_time_s": log["epoch_time"],
        "mean_epoch_wall_time_s": float(np.mean(log["epoch_time"])) if log["epoch_time"] else None,
        "setup_time_s (init+teacher)": t_setup,
        "run_time_s (settle+train+val+test+per-epoch tests)": t_run,
        RAW_MSE_KEY: [float(x) for x in getattr(mc, "MSE_time_series", [])],
        "teacher_check_maxabs(analytic vs recorded target)": teacher_check,
        "teacher_gain_gbas_over_gbas_plus_gl": g,
        "angles_BP": angles,
        "eta_fw_used": np.asarray(mc.eta_fw, dtype=float).tolist() if mc.eta_fw is not None else None,
        "params_original": params_orig,
    }
    with open(os.path.join(args.out, tag + ".json"), "w") as f:
        json.dump(res, f, indent=1)

    npz = {}
    for li, W in enumerate(teacher_W):
        npz[f"teacher_W_{li}"] = W
    for k in X:
        npz[f"X_{k}"] = X[k]
        npz[f"Y_{k}"] = Y[k]
        npz[f"Y_{k}_steps"] = Ysteps[k]
        u, r = teacher_fn(X[k])
        npz[f"Y_{k}_rate_analytic"] = r
        npz[f"Y_{k}_volt_analytic"] = u
    npz.update(init_w)
    npz.update(weights_dict(mc, "final_"))
    npz.update(log["snaps"])  # weights after each tested epoch: snap<E>_...
    npz["train_order"] = np.array(log["orders"], dtype=np.int64)
    npz["test_order_final"] = test_order
    npz["layers"] = np.array(mc.layers)
    np.savez(os.path.join(args.out, tag + ".npz"), **npz)
    keys = ["model", "size", "seed", "epochs", "final_test_mse", "mean_epoch_wall_time_s", "test_mse_per_epoch"]
    print(json.dumps({k: res[k] for k in keys}))


if __name__ == "__main__":
    main()
