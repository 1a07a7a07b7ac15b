"""Fig. 1 in float32 beside float64: the results of the same run (same seed, same noise) in both precisions.

Runs the fig1 protocol (full size, or ``--quick``'s chunks) once in float64 and once in float32
(``Fig1Config(float32=True)``), and prints each number of the results with its relative difference, the
largest relative difference of the learning curves, and the largest absolute difference of the recorded
potentials. Writes ``OUT/fig1_float32.json``.

    python benchmarks/fig1_float32.py [--quick] [--seed 0] [--out figures]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from brian_dendrites.protocols import fig1


def _numbers(results: dict, prefix: str = "") -> dict[str, float]:
    """The float entries of a nested results dict, by dotted key."""
    found = {}
    for key, value in results.items():
        if isinstance(value, dict):
            found |= _numbers(value, f"{prefix}{key}.")
        elif isinstance(value, float):
            found[prefix + key] = value
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args()
    config = fig1.Fig1Config(seed=args.seed)
    if args.quick:
        config = dataclasses.replace(config, self_prediction_chunks=fig1.QUICK_CHUNKS[0])
        config = dataclasses.replace(config, learning_chunks=fig1.QUICK_CHUNKS[1])
    runs = {f: fig1.run(dataclasses.replace(config, float32=f), progress=False) for f in (False, True)}
    (double, curves64, rec64), (single, curves32, rec32) = runs[False], runs[True]
    numbers = {}
    for key, value in _numbers(double).items():
        other = _numbers(single)[key]
        numbers[key] = {"float64": value, "float32": other, "relative": abs(other - value) / max(abs(value), 1e-300)}
        print(f"{key:55s} {value:.6g}  {other:.6g}  rel {numbers[key]['relative']:.2e}")
    curves = {}
    for key, value in curves64.items():
        a, b = np.asarray(value, dtype=float), np.asarray(curves32[key], dtype=float)
        if a.dtype.kind == "f" and a.size:
            curves[key] = float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(a))), 1e-300))
    traces = {t.name: float(np.max(np.abs(t.values - rec32[t.name].values))) for t in rec64.traces}
    print("curves, largest relative difference:", json.dumps(curves))
    print("traces, largest absolute difference:", json.dumps(traces))
    row = {"quick": args.quick, "seed": args.seed, "numbers": numbers, "curves": curves, "traces": traces}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fig1_float32.json").write_text(json.dumps(row, indent=1) + "\n")


if __name__ == "__main__":
    main()
