"""Time per 100 ms pattern of the Brian2 microcircuit against its size: cpp_standalone beside cuda_standalone.

The regression configuration (dt 0.1 ms, noise on, all pathways but top-down plastic on a 1 ms clock,
its hidden layer's learning rate in every hidden layer), with interneurons as many as the next layer, at
each size of ``--sizes``; compilation excluded. Each target builds once per size, then runs
``--patterns`` patterns ``--repeats`` times (``bench_microcircuit.timed_runs``): medians of the
simulation loop and of the wall time of a run (start of the binary, reading its results).
cuda_standalone needs Brian2CUDA and a GPU (docs/installation.md, "GPU").

    python benchmarks/bench_cuda.py [--sizes 30-50-10 784-500-500-10] [--targets cpp_standalone cuda_standalone]
"""

from __future__ import annotations

import argparse
import dataclasses

from bench_microcircuit import timed_runs

from brian_dendrites import REGRESSION

SIZES = ("30-50-10", "784-100-10", "784-500-10", "784-500-500-10")


def regression_network(sizes: tuple[int, ...]):
    """The regression configuration at ``sizes``, its hidden layer's learning rate in every hidden layer."""
    hidden, output = REGRESSION.eta.bottom_up
    eta = dataclasses.replace(REGRESSION.eta, bottom_up=(hidden,) * (len(sizes) - 2) + (output,))
    return REGRESSION.replace(sizes=sizes, eta=eta)


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
            params = regression_network(sizes)
            loop, wall, _ = timed_runs(params, opts.patterns, opts.repeats, target, name=f"bench_{target}")
            print(f"{size} | {target} | {loop:.2f} | {wall:.2f}", flush=True)


if __name__ == "__main__":
    main()
