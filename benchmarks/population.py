"""Learning at biological firing rates by population coding: each unit as N neurons at psi / N (a measurement).

A unit whose count per step is Poisson with mean psi r dt is exactly a population of N neurons, each
Poisson at psi r / N, whose spikes its postsynaptic units sum with one weight per pair of units
(:meth:`Spikes.per_neuron <brian_dendrites.recording.Spikes.per_neuron>`). For each N it runs the full
Fig. S1/Fig. 1 protocol and the bars task in spiking mode at psi = N x ``--neuron-rate`` (default 0.1/ms,
100 spikes/s at rate 1), seed 0, splits the raster runs' spikes into N neurons per unit, and reports the
highest per-neuron rate: of the neurons' mean (the unit's rate / N) and of any single neuron, over the
raster run. It writes ``OUT/population.json`` and prints each row beside the psi sweep's row at the same
psi (figures/spiking_psi_sweep.json, the same runs).

    python benchmarks/population.py [--sizes 10 100] [--neuron-rate 0.1] [--bars-epochs 150] [--out figures]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from brian_dendrites.models.microcircuit import BARS, FIG1
from brian_dendrites.protocols import bars, fig1
from brian_dendrites.protocols.modes import spiking_params

SWEEP = Path(__file__).resolve().parents[1] / "figures" / "spiking_psi_sweep.json"


def per_neuron_rates(recording, size: int) -> dict:
    """The highest rates (Hz) of the raster run's spikes as ``size`` neurons per unit, over all groups."""
    rng, unit_mean, single = np.random.default_rng(0), 0.0, 0.0
    raster = next(epoch for epoch in recording.epochs if epoch.name == "raster") if recording.epochs else None
    for train in recording.spikes:
        if not train.times.size:
            continue
        start, stop = (raster.start_time, raster.stop_time) if raster else (0.0, float(train.times.max()) + 1e-4)
        inside = train.between(start, stop)
        unit_mean = max(unit_mean, float(inside.rates(stop - start).max()) / size)
        single = max(single, float(inside.per_neuron(size, rng).rates(stop - start).max()))
    return {"max_neuron_mean_rate_hz": unit_mean, "max_single_neuron_rate_hz": single}


def measure(size: int, neuron_rate: float, bars_epochs: int) -> dict:
    """Fig. 1 and bars at psi = size x neuron_rate, with the per-neuron rates of their raster runs."""
    psi = size * neuron_rate
    figure, _, recording = fig1.run(fig1.Fig1Config(params=spiking_params(FIG1, "spiking", psi)), progress=False)
    task = bars.run(bars.BarsConfig(params=spiking_params(BARS, "spiking", psi), epochs=bars_epochs), progress=False)
    return {
        "neurons_per_unit": size,
        "psi_per_ms": psi,
        "fig1_learning_output_error_end": figure["learning"]["output_error_end"],
        "fig1_learning_rms_apical_end": figure["learning"]["rms_apical_end"],
        "fig1_self_prediction_rms_apical_end": figure["self_prediction"]["rms_apical_end"],
        "fig1_rates": per_neuron_rates(recording, size),
        "bars_final_accuracy": task["final_accuracy"],
        "bars_first_100": task["first_100"],
        "bars_stable_100": task["stable_100"],
        "bars_rates": per_neuron_rates(task["raster"], size),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    parser.add_argument("--neuron-rate", type=float, default=0.1, help="spikes per ms per unit rate of a neuron")
    parser.add_argument("--bars-epochs", type=int, default=150)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args()
    rows = [measure(size, args.neuron_rate, args.bars_epochs) for size in args.sizes]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "population.json").write_text(json.dumps(rows, indent=1) + "\n")
    sweep = {row["psi_per_ms"]: row for row in json.loads(SWEEP.read_text())["spiking"]} if SWEEP.exists() else {}
    for row in rows:
        print(json.dumps(row))
        if row["psi_per_ms"] in sweep:
            print("  psi sweep at the same psi:", json.dumps(sweep[row["psi_per_ms"]]))


if __name__ == "__main__":
    main()
