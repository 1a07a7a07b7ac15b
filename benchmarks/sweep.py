"""A six-point sweep (bars over six seeds) run serially (one Dask worker) and on two local workers: the ratio.

Each repetition runs ``brian-dendrites sweep bars --grid seed=0-5 --epochs E`` from scratch, as a user
would (the client's and the cluster's start included), once with ``--workers 1`` and once with
``--workers 2``, alternately; an untimed point first fills the build cache, so that no timing includes a
compilation. Both sweeps must give the same results (the timings aside). Writes the wall times, their
medians and the ratio into ``OUT/sweep_benchmark.json``.

    python benchmarks/sweep.py [--epochs 20] [--repetitions 3] [--out figures]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The summary's timings, which differ between two runs of one point.
TIMINGS = {"ms_per_sample", "ms_per_test_sample", "wall_s"}


def sweep(out: Path, epochs: int, workers: int, seeds: str = "0-5") -> float:
    """The wall time in s of one sweep into ``out`` (its command as a user types it)."""
    command = [sys.executable, "-m", "brian_dendrites", "sweep", "bars", "--grid", f"seed={seeds}"]
    command += ["--epochs", str(epochs), "--out", str(out), "--workers", str(workers), "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def results(out: Path) -> list[dict]:
    return [
        {k: v for k, v in row.items() if k not in TIMINGS} for row in json.loads((out / "results.json").read_text())
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="bars epochs per point (default 20)")
    parser.add_argument("--repetitions", type=int, default=3, help="repetitions of each sweep (default 3)")
    parser.add_argument("--out", type=Path, default=Path("figures"), help="folder of sweep_benchmark.json")
    args = parser.parse_args()
    times: dict[int, list[float]] = {1: [], 2: []}
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        sweep(Path(folder) / "warm", 1, 1, seeds="0")  # the build cache holds the bars build after this
        for repetition in range(args.repetitions):
            for workers in (1, 2):
                out = Path(folder) / f"{workers}_{repetition}"
                times[workers].append(sweep(out, args.epochs, workers))
                print(f"repetition {repetition}, {workers} worker(s): {times[workers][-1]:.1f} s", flush=True)
            if results(Path(folder) / f"1_{repetition}") != results(Path(folder) / f"2_{repetition}"):
                raise SystemExit("the serial and the parallel sweep gave different results")
    serial, parallel = statistics.median(times[1]), statistics.median(times[2])
    report = {
        "command": f"brian-dendrites sweep bars --grid seed=0-5 --epochs {args.epochs} --workers N",
        "points": 6,
        "epochs": args.epochs,
        "repetitions": args.repetitions,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in load],
        "serial_s": [round(t, 2) for t in times[1]],
        "two_workers_s": [round(t, 2) for t in times[2]],
        "median_serial_s": round(serial, 2),
        "median_two_workers_s": round(parallel, 2),
        "speedup": round(serial / parallel, 3),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sweep_benchmark.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
