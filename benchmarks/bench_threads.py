"""Time per 100 ms pattern of the Brian2 microcircuit against its size, at 1 and 2 OpenMP threads, in
float64 and float32 (``Simulation(threads=..., float32=...)``).

The configuration of ``bench_cuda.py`` (the regression network at each size, noise on, plasticity on a
1 ms clock), cpp_standalone, compilation excluded. For each size the four builds run one after another,
each ``--repeats`` times; medians of the simulation loop per pattern, and the ratio of each against one
thread in float64 (today's default), measured beside them. Writes ``OUT/threads.json``.

    python benchmarks/bench_threads.py [--sizes 30-50-10 784-500-500-10] [--patterns 5] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench_cuda import SIZES, regression_network
from bench_microcircuit import timed_runs

BUILDS = {"1 thread, float64": (1, False), "2 threads, float64": (2, False), "1 thread, float32": (1, True)}
BUILDS["2 threads, float32"] = (2, True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES))
    parser.add_argument("--patterns", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        params = regression_network(tuple(int(n) for n in size.split("-")))
        medians = {}
        for label, (threads, float32) in BUILDS.items():
            name = f"bench_t{threads}_{'f32' if float32 else 'f64'}"
            medians[label] = timed_runs(
                params, args.patterns, args.repeats, name=name, threads=threads, float32=float32
            )[0]
        base = medians["1 thread, float64"]
        for label, median in medians.items():
            rows.append({"size": size, "build": label, "ms_per_pattern": median, "speedup": base / median})
            print(f"{size} | {label} | {median:.2f} ms | x{base / median:.2f}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "threads.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
