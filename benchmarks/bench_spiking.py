"""Wall time per 100 ms pattern of the spiking microcircuit beside the rate one (compilation excluded).

Network: 30-50-10 pyramidal neurons with 10 interneurons (the regression configuration), dt 0.1 ms,
Brian2 C++ (cpp_standalone), one core, plasticity on. The rate network is the baseline, run side by
side on the same inputs, targets and weights; the spiking network runs at each psi given (psi is a
run-time value: one build serves them all).

    python benchmarks/bench_spiking.py [--repeats 7] [--patterns 100] [--psi 1 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import brian2  # noqa: E402
import numpy as np  # noqa: E402

from brian_dendrites import REGRESSION, NetworkState, Simulation, random_weights  # noqa: E402
from brian_dendrites.protocols.modes import spiking_params  # noqa: E402


def _median_loop(sim: Simulation, params, state, inputs, targets, repeats: int) -> tuple[float, float]:
    """Median ms per pattern of the simulation loop and of the whole rerun."""
    sim.run(state, inputs, targets, seed=0, params=params)  # build and compile once
    device, loop, wall = brian2.get_device(), [], []
    for repeat in range(repeats):
        start = time.perf_counter()
        sim.run(state, inputs, targets, seed=repeat, params=params)
        wall.append((time.perf_counter() - start) / len(inputs) * 1e3)
        loop.append(device._last_run_time / len(inputs) * 1e3)
    return statistics.median(loop), statistics.median(wall)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--repeats", type=int, default=7)
    args.add_argument("--patterns", type=int, default=100)
    args.add_argument("--psi", type=float, nargs="+", default=[1.0, 100.0], help="spikes per ms per unit rate")
    opts = args.parse_args()
    rng = np.random.default_rng(0)
    state = NetworkState(random_weights(REGRESSION, rng, scale=1.0))
    inputs = rng.uniform(-1, 1, (opts.patterns, REGRESSION.sizes[0]))
    targets = rng.uniform(-1, 1, (opts.patterns, REGRESSION.sizes[-1]))
    rate = _median_loop(Simulation(REGRESSION, opts.patterns), REGRESSION, state, inputs, targets, opts.repeats)
    print(f"network {REGRESSION.sizes} + 10 interneurons, dt {REGRESSION.dt}, C++, one core, {opts.repeats} runs")
    print(f"rate mode          : loop {rate[0]:6.2f} ms per 100 ms pattern, whole rerun {rate[1]:6.2f}")
    spiking = spiking_params(REGRESSION, "spiking")
    sim = Simulation(spiking, opts.patterns)
    for psi in opts.psi:
        params = spiking_params(REGRESSION, "spiking", psi)
        loop, wall = _median_loop(sim, params, state, inputs, targets, opts.repeats)
        ratio = loop / rate[0]
        print(f"spiking, psi {psi:5g}/ms: loop {loop:6.2f} ms per pattern, whole rerun {wall:6.2f}, {ratio:.2f}x rate")


if __name__ == "__main__":
    main()
