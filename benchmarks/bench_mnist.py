"""Seconds per MNIST training epoch (55,000 images) of the steady-state engine, variant (a).

Network 784-500-500-10 with 500 + 10 interneurons, mini-batches of 10, float32,
Eqs. 7-8 on bottom-up and IP weights (the protocol's training step). Timed with
1 and with 2 BLAS threads (threadpoolctl). Baseline, run side by side: a plain
per-sample NumPy float64 loop of the same two-step dynamics and weight changes
(matrix-vector products, outer products summed over the mini-batch), timed on
``--baseline-images`` images and scaled to an epoch. Both start from the same
weights; the script checks that they agree after the baseline's images.

    python benchmarks/bench_mnist.py [--repeats 5] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from brian_dendrites.protocols import mnist as protocol
from threadpoolctl import threadpool_limits

from brian_dendrites import mnist as mnist_data
from brian_dendrites.steady_state import SteadyStateEngine

EPOCH = 55_000


def baseline(model: protocol.Model, engine: SteadyStateEngine, images, labels, batch: int = 10) -> None:
    """Per-sample float64 loop: settle one image at a time, sum the weight changes, apply per batch."""
    phi, rates = engine.phi, engine.rates
    w = {k: v.astype(np.float64) for k, v in model.weights.items()}
    b = {k: v.astype(np.float64) for k, v in model.biases.items()}
    u_targets = phi.inverse(protocol.one_hot(labels))
    mix_D, mix_som, a_D = engine.interneuron[1]
    for start in range(0, len(images), batch):
        dw = {k: np.zeros_like(v) for k, v in w.items() if k in rates}
        db = {k: np.zeros_like(v) for k, v in b.items() if k in rates}
        chunk = slice(start, start + batch)
        for x, u_tgt in zip(images[chunk].astype(np.float64), u_targets[chunk], strict=True):
            v1 = w["bottom_up_1"] @ x + b["bottom_up_1"]
            r1 = phi(engine.a_B[1] * v1)
            v2 = w["bottom_up_2"] @ r1 + b["bottom_up_2"]
            r2 = phi(engine.a_B[2] * v2)
            v3 = w["bottom_up_3"] @ r2 + b["bottom_up_3"]
            r3_basal = phi(engine.a_B[3] * v3)
            u3 = engine.nudge_B * v3 + engine.nudge_som * u_tgt
            # Layer 2, then layer 1: interneurons, apical potential, soma.
            vI2 = w["ip_2"] @ r2 + b["ip_2"]
            uI2 = mix_D * vI2 + mix_som * u3
            u2 = engine.a_B[2] * v2 + engine.apical[2] * (w["top_down_2"] @ phi(u3) + w["pi_2"] @ phi(uI2))
            vI1 = w["ip_1"] @ r1 + b["ip_1"]
            uI1 = mix_D * vI1 + mix_som * u2
            u1 = engine.a_B[1] * v1 + engine.apical[1] * (w["top_down_1"] @ phi(u2) + w["pi_1"] @ phi(uI1))
            errors = {
                "bottom_up_1": (phi(u1) - r1, x),
                "bottom_up_2": (phi(u2) - r2, phi(u1)),
                "bottom_up_3": (phi(u3) - r3_basal, phi(u2)),
                "ip_1": (phi(uI1) - phi(a_D * vI1), phi(u1)),
                "ip_2": (phi(uI2) - phi(a_D * vI2), phi(u2)),
            }
            for name, (error, pre) in errors.items():
                dw[name] += np.outer(error, pre)
                db[name] += error
        for name in dw:
            w[name] += rates[name] * dw[name] / batch
            b[name] += rates[name] * db[name] / batch
    model.weights, model.biases = w, b


def engine_epoch(model: protocol.Model, variant: protocol.Variant, images, labels) -> None:
    """The protocol's step without shuffling, so that it sees images in the baseline's order."""
    engine = SteadyStateEngine(variant.params)
    u_targets = variant.params.phi.inverse(protocol.one_hot(labels)).astype(np.float32)
    for start in range(0, len(images), 10):
        batch = slice(start, start + 10)
        state = engine.settle(model.weights, model.biases, images[batch], u_targets[batch])
        engine.learn(state, model.weights, model.biases)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--repeats", type=int, default=5)
    args.add_argument("--baseline-images", type=int, default=2_000)
    args.add_argument("--data-dir")
    opts = args.parse_args()
    images, labels = mnist_data.split(mnist_data.load(opts.data_dir))["train"]
    variant = protocol.VARIANTS["a"]
    start = protocol.Model.initial(variant, np.random.default_rng(0))
    fresh = lambda: protocol.Model(  # noqa: E731
        "a", {k: v.copy() for k, v in start.weights.items()}, {k: v.copy() for k, v in start.biases.items()}
    )

    n = opts.baseline_images
    reference, fast = fresh(), fresh()
    with threadpool_limits(1):
        begin = time.perf_counter()
        baseline(reference, SteadyStateEngine(variant.params), images[:n], labels[:n])
        baseline_s = (time.perf_counter() - begin) * EPOCH / n
        engine_epoch(fast, variant, images[:n], labels[:n])
    worst = max(np.max(np.abs(fast.weights[k] - reference.weights[k])) for k in reference.weights)
    print(f"engine float32 vs baseline float64 after {n} images: max |dW| difference {worst:.2e}")
    if worst > 1e-4:
        raise SystemExit("the engine and the baseline disagree: the timings would compare different work")

    medians = {}
    for threads in (1, 2):
        times = []
        for _ in range(opts.repeats):
            model = fresh()
            with threadpool_limits(threads):
                begin = time.perf_counter()
                engine_epoch(model, variant, images, labels)
                times.append(time.perf_counter() - begin)
        medians[threads] = statistics.median(times)
        print(f"engine, {threads} BLAS thread(s): median {medians[threads]:.2f} s per epoch over {opts.repeats} runs")
    best = min(medians, key=medians.get)
    print(f"baseline, per-sample float64 loop: {baseline_s:.0f} s per epoch (from {n} images)")
    print(f"ratio baseline / engine ({best} thread(s)): {baseline_s / medians[best]:.0f}x")


if __name__ == "__main__":
    main()
