"""Spiking mode against psi: Fig. 1 and bars errors from biological rates to large psi (a measurement).

For each psi (spikes per ms per unit rate) it runs the full Fig. S1/Fig. 1 protocol and the bars task in
spiking mode, seed 0, and plots the errors against psi beside the rate model's (psi = infinity), into
``OUT/spiking_psi_sweep.png`` with the numbers in ``OUT/spiking_psi_sweep.json``. About 2 minutes per
psi on one core.

    python benchmarks/psi_sweep.py [--psi 0.1 1 10 100 1000] [--bars-epochs 150] [--out figures]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from brian_dendrites.models.microcircuit import BARS, FIG1
from brian_dendrites.protocols import bars, fig1
from brian_dendrites.protocols.modes import spiking_params

#: What each protocol's results contribute to the figure.
FIG1_KEYS = (("self_prediction", "rms_apical_end"), ("learning", "output_error_end"), ("learning", "rms_apical_end"))


def measure(mode: str, psi: float | None, bars_epochs: int) -> dict:
    """The Fig. 1 errors and the bars results of one mode (and psi)."""
    figure, _, _ = fig1.run(fig1.Fig1Config(params=spiking_params(FIG1, mode, psi)), progress=False)
    task = bars.run(
        bars.BarsConfig(params=spiking_params(BARS, mode, psi), epochs=bars_epochs, raster=False), progress=False
    )
    return {
        "psi_per_ms": psi,
        **{f"fig1_{phase}_{key}": figure[phase][key] for phase, key in FIG1_KEYS},
        "bars_final_mse": task["final_mse"],
        "bars_final_accuracy": task["final_accuracy"],
        "bars_first_100": task["first_100"],
        "bars_stable_100": task["stable_100"],
    }


def plot(results: dict, path: Path) -> None:
    """Errors against psi, the rate model's as dashed lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sweep, rate = results["spiking"], results["rate"]
    psi = [row["psi_per_ms"] for row in sweep]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    labels = {
        "fig1_self_prediction_rms_apical_end": "Fig. S1: RMS apical, end",
        "fig1_learning_output_error_end": "Fig. 1: output error, end",
        "fig1_learning_rms_apical_end": "Fig. 1: RMS apical, end",
    }
    for (key, label), color in zip(labels.items(), ("slategray", "tab:blue", "tab:red"), strict=True):
        left.plot(psi, [row[key] for row in sweep], "o-", color=color, label=label)
        left.axhline(rate[key], color=color, ls="--", lw=0.8)
    left.set_title("Fig. S1 / Fig. 1 (dashed: rate model)")
    right.plot(psi, [row["bars_final_mse"] for row in sweep], "o-", color="k", label="test MSE after training")
    right.axhline(rate["bars_final_mse"], color="k", ls="--", lw=0.8)
    for row in sweep:
        right.annotate(f"{100 * row['bars_final_accuracy']:.0f} %", (row["psi_per_ms"], row["bars_final_mse"]))
    right.set_title("bars (labels: final test accuracy)")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("psi (spikes per ms per unit rate)")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--psi", type=float, nargs="+", default=[0.1, 1.0, 10.0, 100.0, 1000.0])
    args.add_argument("--bars-epochs", type=int, default=150)
    args.add_argument("--out", type=Path, default=Path("figures"))
    args.add_argument("--plot-only", action="store_true", help="redraw from OUT/spiking_psi_sweep.json")
    opts = args.parse_args()
    data = opts.out / "spiking_psi_sweep.json"
    if opts.plot_only:
        results = json.loads(data.read_text())
    else:
        results = {
            "rate": measure("rate", None, opts.bars_epochs),
            "spiking": [measure("spiking", psi, opts.bars_epochs) for psi in opts.psi],
        }
        data.write_text(json.dumps(results, indent=1))
    plot(results, opts.out / "spiking_psi_sweep.png")


if __name__ == "__main__":
    main()
