"""Seconds per MNIST training epoch (55,000 images) per network: NumPy against PyTorch stacks, variant (a).

784-500-500-10 with 500 + 10 interneurons, mini-batches of 10, float32. The baseline, run side by side,
is the NumPy engine under one BLAS thread (``learning.train_epoch``, the protocol's default backend);
each stack of S networks trains with ``stacked.train_stack`` on ``--device``, every network on its own
shuffle. Each is timed on ``--images`` training images and scaled to an epoch; medians of ``--repeats``
runs, after one warm-up run per configuration (CUDA start-up, allocator).

    python benchmarks/bench_backends.py --device cuda --networks 1 10 50 [--images 11000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.models.microcircuit.classifier import Classifier
from brian_dendrites.models.microcircuit.learning import train_epoch
from brian_dendrites.models.microcircuit.stacked import train_stack
from brian_dendrites.protocols.mnist_variants import VARIANTS

EPOCH = 55_000


def timed(step, repeats: int) -> float:
    step()  # warm-up
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        step()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--device", default="cpu")
    args.add_argument("--networks", type=int, nargs="+", default=[1, 4])
    args.add_argument("--images", type=int, default=5_000)
    args.add_argument("--repeats", type=int, default=3)
    args.add_argument("--data-dir")
    opts = args.parse_args()
    images, labels = mnist_data.split(mnist_data.load(opts.data_dir))["train"]
    images, labels = images[: opts.images], labels[: opts.images]
    variant = VARIANTS["a"]
    scale = EPOCH / len(images)
    torch.set_num_threads(1)  # on the CPU, as the NumPy baseline: one core each

    def numpy_epoch():
        model = Classifier.initial(variant, np.random.default_rng(0))
        with threadpool_limits(1):
            train_epoch(model, variant, images, labels, np.random.default_rng(0))

    numpy_s = timed(numpy_epoch, opts.repeats) * scale
    print(f"numpy, 1 BLAS thread: {numpy_s:.2f} s per epoch per network (median of {opts.repeats})")
    for count in opts.networks:

        def stack_epoch(count=count):
            models = [Classifier.initial(variant, np.random.default_rng(s)) for s in range(count)]
            rngs = [np.random.default_rng(s) for s in range(count)]
            train_stack(models, variant, images, labels, rngs, device=opts.device)  # ends on the host

        stack_s = timed(stack_epoch, opts.repeats) * scale
        print(
            f"torch {opts.device}, {count} network(s) at once: {stack_s:.2f} s per epoch of the stack, "
            f"{stack_s / count:.3f} s per network; numpy / torch per network {numpy_s * count / stack_s:.1f}x"
        )


if __name__ == "__main__":
    main()
