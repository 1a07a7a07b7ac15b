"""Wall time per 100 ms pattern of the Brian2 C++ microcircuit (compilation excluded).

Network: 30-50-10 pyramidal neurons with 10 interneurons, dt 0.1 ms, noise on,
all pathways but top-down plastic (the regression configuration), one core.
Baseline, run side by side: a plain NumPy per-step implementation of the
same equations on the same plasticity clock (tests/numpy_reference.py).

    python benchmarks/bench_microcircuit.py [--repeats 7] [--patterns 100] [--plasticity-every-step]

By default plasticity is integrated on the regression set's 1 ms clock, in both;
``--plasticity-every-step`` integrates it every 0.1 ms in both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from brian2.devices.device import all_devices  # noqa: E402

from brian_dendrites import REGRESSION, NetworkState, Simulation, random_weights  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from numpy_reference import simulate as numpy_simulate  # noqa: E402


def timed_runs(params, patterns: int, repeats: int, target: str = "cpp_standalone", name: str = "", **build):
    """Build the network of ``params`` once, then run ``patterns`` random patterns ``repeats`` times.

    ``build`` are further options of the Simulation (``threads``, ``float32``). Returns the median ms per
    pattern of the simulation loop (Brian2's ``_last_run_time``) and of the whole run (start of the
    binary, reading its results), and the runs' (state, inputs, targets)."""
    rng = np.random.default_rng(0)
    sim = Simulation(params, patterns, target=target, name=name, **build)
    state = NetworkState(random_weights(params, rng, scale=0.1))
    inputs = rng.uniform(-1, 1, (patterns, params.sizes[0]))
    targets = rng.uniform(-1, 1, (patterns, params.sizes[-1]))
    sim.run(state, inputs, targets, seed=0)  # build and compile once
    loop, wall = [], []
    for repeat in range(repeats):
        start = time.perf_counter()
        sim.run(state, inputs, targets, seed=repeat)
        wall.append((time.perf_counter() - start) / patterns * 1e3)
        loop.append(all_devices[target]._last_run_time / patterns * 1e3)
    return statistics.median(loop), statistics.median(wall), (state, inputs, targets)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--repeats", type=int, default=7)
    args.add_argument("--patterns", type=int, default=100)
    args.add_argument("--baseline-patterns", type=int, default=10)
    args.add_argument("--plasticity-every-step", action="store_true")
    opts = args.parse_args()
    params = REGRESSION.replace(dt_plasticity=None) if opts.plasticity_every_step else REGRESSION
    loop, wall, (state, inputs, targets) = timed_runs(params, opts.patterns, opts.repeats)
    baseline = []
    for repeat in range(max(3, opts.repeats // 2)):
        start = time.perf_counter()
        numpy_simulate(params, state, inputs[: opts.baseline_patterns], targets[: opts.baseline_patterns], seed=repeat)
        baseline.append((time.perf_counter() - start) / opts.baseline_patterns * 1e3)
    plasticity_dt = params.dt_plasticity or params.dt
    print(f"network {params.sizes}, dt {params.dt}, plasticity every {plasticity_dt}, noise on, one core")
    print(f"{opts.patterns} patterns per run, {opts.repeats} runs")
    print(f"Brian2 C++ simulation loop : median {loop:.2f} ms per 100 ms pattern")
    print(f"Brian2 C++ whole rerun     : median {wall:.2f} ms per pattern (process start, I/O)")
    print(f"NumPy per-step baseline    : median {statistics.median(baseline):.2f} ms per pattern")
    print(f"speed-up over NumPy        : {statistics.median(baseline) / loop:.1f}x")


if __name__ == "__main__":
    main()
