"""Seconds per MNIST training epoch (55,000 images) of the steady-state engine, variant (a).

Network 784-500-500-10 with 500 + 10 interneurons, mini-batches of 10, float32,
Eqs. 7-8 on bottom-up and IP weights (the protocol's training step). Timed with
1 and with 2 BLAS threads (threadpoolctl). Baseline, run side by side: the same
engine called one image at a time in float64 (matrix-vector products, weight
changes summed over the mini-batch), timed on ``--baseline-images`` images and
scaled to an epoch. Both start from the same weights; the script checks that the
batched engine in float64 and the baseline agree after the baseline's images,
and reports how far the float32 engine that is timed drifts from them. Last, the epoch's matrix
products and updates alone (``products_alone``): the floor that BLAS sets for the engine.

    python benchmarks/bench_mnist.py [--repeats 5] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_limits

from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.models.microcircuit.classifier import Classifier, Variant
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine, _accumulate, _dendrite
from brian_dendrites.protocols.mnist_variants import VARIANTS

EPOCH = 55_000


def baseline(model: Classifier, engine: SteadyStateEngine, images, labels, batch: int = 10) -> None:
    """Per-sample float64 loop: the engine settles one image at a time (matrix-vector products) and adds
    its weight change, divided by the batch size, to the mini-batch's change, applied once per batch."""
    w = {k: v.astype(np.float64) for k, v in model.weights.items()}
    b = {k: v.astype(np.float64) for k, v in model.biases.items()}
    u_targets = engine.phi.inverse(mnist_data.one_hot(labels))
    for start in range(0, len(images), batch):
        chunk = slice(start, start + batch)
        dw, db = {k: np.zeros_like(v) for k, v in w.items()}, {k: np.zeros_like(v) for k, v in b.items()}
        for x, u_tgt in zip(images[chunk].astype(np.float64), u_targets[chunk], strict=True):
            engine.learn(engine.settle(w, b, x[None], u_tgt[None]), dw, db, dt=1.0 / batch)  # 1 ms per batch
        for name in w:
            w[name] += dw[name]
            if name in b:
                b[name] += db[name]
    model.weights, model.biases = w, b


def engine_epoch(model: Classifier, variant: Variant, images, labels) -> None:
    """The protocol's step without shuffling, so that it sees images in the baseline's order."""
    engine = SteadyStateEngine(variant.params)
    dtype = model.weights["bottom_up_1"].dtype  # float32 as in the protocol; float64 for the agreement check
    u_targets = variant.params.phi.inverse(mnist_data.one_hot(labels)).astype(dtype)
    for start in range(0, len(images), 10):
        batch = slice(start, start + 10)
        state = engine.settle(model.weights, model.biases, images[batch], u_targets[batch])
        engine.learn(state, model.weights, model.biases)


def products_alone(model: Classifier, engine: SteadyStateEngine) -> None:
    """An epoch's matrix algebra alone, the floor that BLAS sets: per mini-batch, the engine's own
    product for every projection (as one settling pass computes them) and its in-place update of
    every plastic projection, with the same shapes and dtype, on fixed rates."""
    rng = np.random.default_rng(0)
    rates = {n: rng.random((10, n), dtype=np.float32) for w in model.weights.values() for n in w.shape}
    plastic = [name for name in model.weights if name in engine.rates]
    for _ in range(EPOCH // 10):
        for w in model.weights.values():
            _dendrite(rates[w.shape[1]], w)
        for name in plastic:
            w = model.weights[name]
            _accumulate(w, 1e-12, rates[w.shape[0]], rates[w.shape[1]])


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--repeats", type=int, default=5)
    args.add_argument("--baseline-images", type=int, default=2_000)
    args.add_argument("--data-dir")
    opts = args.parse_args()
    images, labels = mnist_data.split(mnist_data.load(opts.data_dir))["train"]
    variant = VARIANTS["a"]
    start = Classifier.initial(variant, np.random.default_rng(0))
    fresh = lambda: Classifier(  # noqa: E731
        "a", {k: v.copy() for k, v in start.weights.items()}, {k: v.copy() for k, v in start.biases.items()}
    )

    n = opts.baseline_images
    reference, fast, fast64 = fresh(), fresh(), fresh()
    fast64.weights = {k: v.astype(np.float64) for k, v in fast64.weights.items()}
    fast64.biases = {k: v.astype(np.float64) for k, v in fast64.biases.items()}
    with threadpool_limits(1):
        begin = time.perf_counter()
        baseline(reference, SteadyStateEngine(variant.params), images[:n], labels[:n])
        baseline_s = (time.perf_counter() - begin) * EPOCH / n
        engine_epoch(fast, variant, images[:n], labels[:n])
        engine_epoch(fast64, variant, images[:n], labels[:n])
    for label, model in (("float64", fast64), ("float32", fast)):
        worst = max(np.max(np.abs(model.weights[k] - reference.weights[k])) for k in reference.weights)
        print(f"engine {label} vs baseline float64 after {n} images: max |dW| difference {worst:.2e}")
        if label == "float64" and worst > 1e-9:
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
    floor = []
    for _ in range(opts.repeats):
        with threadpool_limits(1):
            begin = time.perf_counter()
            products_alone(fresh(), SteadyStateEngine(variant.params))
            floor.append(time.perf_counter() - begin)
    print(f"the epoch's products and updates alone, 1 BLAS thread: median {statistics.median(floor):.2f} s")
    best = min(medians, key=medians.get)
    print(f"baseline, per-sample float64 loop: {baseline_s:.0f} s per epoch (from {n} images)")
    print(f"ratio baseline / engine ({best} thread(s)): {baseline_s / medians[best]:.0f}x")


if __name__ == "__main__":
    main()
