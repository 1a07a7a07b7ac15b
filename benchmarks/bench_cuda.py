"""Time per 100 ms pattern of the Brian2 microcircuit against its size: cpp_standalone beside cuda_standalone.

The regression configuration (dt 0.1 ms, noise on, all pathways but top-down plastic on a 1 ms clock,
its hidden layer's learning rate in every hidden layer), with interneurons as many as the next layer, at
each size of ``--sizes``; compilation excluded. Each
target builds once per size, then runs ``--patterns`` patterns ``--repeats`` times: medians of the
simulation loop (Brian2's ``_last_run_time``) and of the wall time of a run (start of the binary,
reading its results). cuda_standalone needs Brian2CUDA and a GPU (docs/installation.md, "GPU").

    python benchmarks/bench_cuda.py [--sizes 30-50-10 784-500-500-10] [--targets cpp_standalone cuda_standalone]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import brian2  # noqa: E402
import numpy as np  # noqa: E402

from brian_dendrites import REGRESSION, NetworkState, Simulation, random_weights  # noqa: E402

SIZES = ("30-50-10", "784-100-10", "784-500-10", "784-500-500-10")


def per_pattern(sizes: tuple[int, ...], target: str, patterns: int, repeats: int) -> tuple[float, float]:
    """Median ms per pattern of the loop and of the whole run."""
    hidden, output = REGRESSION.eta.bottom_up  # the regression's rates, the hidden one for every hidden layer
    eta = dataclasses.replace(REGRESSION.eta, bottom_up=(hidden,) * (len(sizes) - 2) + (output,))
    params = REGRESSION.replace(sizes=sizes, eta=eta)
    rng = np.random.default_rng(0)
    sim = Simulation(params, patterns, target=target, name=f"bench_{target}")
    state = NetworkState(random_weights(params, rng, scale=0.1))
    inputs = rng.uniform(-1, 1, (patterns, sizes[0]))
    targets = rng.uniform(-1, 1, (patterns, sizes[-1]))
    sim.run(state, inputs, targets, seed=0)  # build and compile once
    loop, wall = [], []
    for repeat in range(repeats):
        start = time.perf_counter()
        sim.run(state, inputs, targets, seed=repeat)
        wall.append((time.perf_counter() - start) / patterns * 1e3)
        loop.append(brian2.get_device()._last_run_time / patterns * 1e3)
    return statistics.median(loop), statistics.median(wall)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--sizes", nargs="+", default=list(SIZES))
    args.add_argument("--targets", nargs="+", default=["cpp_standalone", "cuda_standalone"])
    args.add_argument("--patterns", type=int, default=20)
    args.add_argument("--repeats", type=int, default=5)
    opts = args.parse_args()
    print("size | target | loop ms per pattern | run ms per pattern")
    for size in opts.sizes:
        sizes = tuple(int(n) for n in size.split("-"))
        for target in opts.targets:
            loop, wall = per_pattern(sizes, target, opts.patterns, opts.repeats)
            print(f"{size} | {target} | {loop:.2f} | {wall:.2f}", flush=True)


if __name__ == "__main__":
    main()
