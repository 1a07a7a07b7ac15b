"""Spiking MNIST against psi, and against N neurons per unit at 100 spikes/s each (a measurement).

For each psi, variant (c) in spiking mode (784-1000-10, ``mnist train --mode spiking --psi X``) learns one
epoch of the first ``--train`` training images; its test error on the 10,000 test images goes to
``OUT/spiking_mnist_psi.json`` and ``OUT/spiking_mnist_psi.png`` (the rate model's error as a line). The
top axis reads psi as N = psi / (0.1 per ms) neurons per unit: a unit at psi is exactly N neurons at
0.1 r per ms each (:meth:`Spikes.per_neuron <brian_dendrites.recording.Spikes.per_neuron>`), at most
100 spikes/s as the logistic rates r stay below 1.

    python benchmarks/spiking_mnist_psi.py [--psi 1 3 10 100] [--train 5000] [--data-dir ...] [--out figures]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from brian_dendrites.protocols import mnist
from brian_dendrites.protocols.mnist_variants import spiking_variant

#: A neuron's spikes per ms at rate 1 (100 spikes/s).
NEURON_PSI = 0.1


def measure(psi: float | None, train: int, data_dir) -> dict:
    """One epoch of ``train`` images at ``psi`` (None: the rate model), and its test error."""
    variant = "c" if psi is None else spiking_variant("c", psi)
    log = mnist.train(variant, 1, tempfile.mkdtemp(), data_dir, limit=train, progress=False)
    row = {"psi_per_ms": psi, "test_error": log["test_error"][-1], "train_s": log["wall_s"][-1]}
    if psi is not None:
        row["neurons_per_unit"] = psi / NEURON_PSI
    return row


def plot(rows: list[dict], rate: dict, path: Path) -> None:
    """Test error against psi, with N neurons per unit at 100 spikes/s on the top axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.plot([r["psi_per_ms"] for r in rows], [100 * r["test_error"] for r in rows], "o-", color="k", label="spiking")
    ax.axhline(100 * rate["test_error"], color="tab:blue", ls="--", label="rate model")
    ax.set_xscale("log")
    ax.set_xlabel("psi (spikes per ms per unit rate)")
    ax.set_ylabel("test error (%)")
    top = ax.secondary_xaxis("top", functions=(lambda p: p / NEURON_PSI, lambda n: n * NEURON_PSI))
    top.set_xlabel("N neurons per unit, each at most 100 spikes/s")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--psi", type=float, nargs="+", default=[1.0, 3.0, 10.0, 100.0])
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args()
    rate = measure(None, args.train, args.data_dir)
    rows = [measure(psi, args.train, args.data_dir) for psi in args.psi]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "spiking_mnist_psi.json").write_text(json.dumps({"rate": rate, "spiking": rows}, indent=1) + "\n")
    plot(rows, rate, args.out / "spiking_mnist_psi.png")
    print(json.dumps(rate))
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
