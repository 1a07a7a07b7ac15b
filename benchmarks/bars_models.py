"""Bars on every model that can be taught: the test accuracy per epoch of each, seed by seed (a measurement).

Runs ``brian-dendrites bars`` (its Python API, the default rate mode) on the microcircuit, the error-neuron
model and the example model of examples/two_compartment.py (registered by importing that file, as a plugin
would), and draws their accuracy curves into ``OUT/bars_models.png`` with the numbers (first and stable
100 %, final MSE) in ``OUT/bars_models.json``. About a minute per model and seed on one core.

    python benchmarks/bars_models.py [--seeds 0 1 2] [--epochs 150] [--out figures]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

from brian_dendrites.model import model_named
from brian_dendrites.protocols import bars

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "two_compartment.py"
MODELS = ("microcircuit", "error_neurons", "two_compartment")


def register_example() -> None:
    """Import examples/two_compartment.py, whose last line registers its model."""
    spec = importlib.util.spec_from_file_location("two_compartment", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["two_compartment"] = module
    spec.loader.exec_module(module)


def measure(model: str, seed: int, epochs: int) -> dict:
    """One bars run: the accuracy per epoch (epoch 0: before training) and the protocol's summary numbers."""
    params = model_named(model).task_params("bars", bars.SIZES)
    result = bars.run(bars.BarsConfig(params=params, epochs=epochs, seed=seed), progress=False)
    keys = ("first_100", "stable_100", "final_accuracy", "final_mse")
    return {"accuracy": result["log"]["accuracy"], **{key: result[key] for key in keys}}


def plot(results: dict, path: Path) -> None:
    """Test accuracy against epoch, one panel per model, one line per seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 3.2), sharey=True)
    for ax, (model, runs) in zip(axes, results.items(), strict=True):
        for seed, run in runs.items():
            ax.plot([100 * a for a in run["accuracy"]], lw=1, label=f"seed {seed}")
        ax.set_title(model)
        ax.set_xlabel("epoch")
    axes[0].set_ylabel("test accuracy (%)")
    axes[0].legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args()
    register_example()
    results = {model: {str(seed): measure(model, seed, args.epochs) for seed in args.seeds} for model in args.models}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bars_models.json").write_text(json.dumps(results, indent=1) + "\n")
    plot(results, args.out / "bars_models.png")
    for model, runs in results.items():
        for seed, run in runs.items():
            print(model, seed, {k: v for k, v in run.items() if k != "accuracy"})


if __name__ == "__main__":
    main()
