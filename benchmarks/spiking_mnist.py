"""Spiking MNIST against rate MNIST: accuracy per epoch, and the raster of one image's presentation (a measurement).

Reads the model files that ``brian-dendrites mnist train`` wrote in rate mode (``--rate DIR``) and in spiking
mode (``--spiking DIR``) for one variant, and draws

- ``OUT/spiking_mnist_accuracy.png``: test accuracy against epoch, both modes;
- ``OUT/spiking_mnist_raster.png``: the spikes of the hidden and output layers while the spiking classifier
  is shown one test image (its presentation, no target);

with the numbers in ``OUT/spiking_mnist.json`` (the logs, and ``mnist evaluate``'s spiking activity).

    python benchmarks/spiking_mnist.py --rate results/mnist_rate --spiking results/mnist_spiking \\
        [--variant c] [--image 0] [--data-dir ../shared/data/mnist] [--out figures]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from brian2 import ms

from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.models.microcircuit.classifier_file import load_classifier
from brian_dendrites.models.microcircuit.spiking_engine import SpikingEngine
from brian_dendrites.protocols import mnist
from brian_dendrites.raster import plot_raster
from brian_dendrites.recording import Recording, Spikes


def raster(path: Path, image: np.ndarray, out: Path) -> Path:
    """The spikes of the hidden and output layers while the classifier of ``path`` is shown ``image``.

    Each unit is drawn as the population of N = psi / (0.1 per ms) neurons at most at 100 spikes/s that it
    stands for (:meth:`Spikes.per_neuron`): 10 neurons of each of the first 30 hidden units and 40 of each
    output unit, each spike at a uniform time within its step (a Poisson process given its count per step).
    """
    classifier, params = load_classifier(path)
    engine, (steps, _) = SpikingEngine(params), classifier.presentation.steps(params)
    state, rng = engine.initial(1, classifier.weights["bottom_up_1"]), np.random.default_rng(0)
    weights, biases, counts = classifier.weights, classifier.biases, []
    for _ in range(steps):
        counts.append(engine.step(state, weights, biases, image[None], learn=False, generator=rng))
    dt, psi = float(params.dt / ms) / 1000, float(params.spiking.psi * ms)
    size = max(1, round(psi / 0.1))  # neurons per unit at 100 spikes/s
    trains = []
    for k in range(1, engine.n + 1):
        name, (units, shown) = f"pyramidal_{k}", ((30, 10) if k < engine.n else (params.sizes[-1], 40))
        per_step = np.array([c[name][0] for c in counts]).astype(int)[:, :units]  # (steps, units)
        step, unit = np.nonzero(per_step)
        repeats = per_step[step, unit]
        times = np.repeat(step * dt, repeats) + rng.uniform(0, dt, repeats.sum())
        order = np.argsort(times)
        names = [f"{name}[{i}]" for i in range(per_step.shape[1])]
        train = Spikes(name, times[order], np.repeat(unit, repeats)[order], names, k, "pyramidal").per_neuron(size, rng)
        keep = train.units % size < shown
        neurons = train.units[keep] // size * shown + train.units[keep] % size
        labels = [f"{unit}/{j}" for unit in names for j in range(shown)]
        trains.append(Spikes(name, train.times[keep], neurons, labels, k, "pyramidal"))
    recording = Recording(1 / dt, [], spikes=trains)
    title = f"one test image, {steps * float(params.dt / ms):g} ms; {size} neurons per unit, at most 100 spikes/s each"
    return plot_raster(recording, out, title)


def accuracy(logs: dict, out: Path) -> Path:
    """Test accuracy against epoch, one line per mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for mode, log in logs.items():
        ax.plot(log["epoch"], [100 * (1 - e) for e in log["test_error"]], "o-", ms=3, label=mode)
    ax.axhline(97, color="gray", lw=0.8, ls="--")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(frameon=False)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=Path, required=True, help="folder of the rate mode's model file")
    parser.add_argument("--spiking", type=Path, required=True, help="folder of the spiking mode's model file")
    parser.add_argument("--variant", default="c")
    parser.add_argument("--image", type=int, default=0, help="the test image of the raster")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args()
    folders = {"rate": args.rate, "spiking": args.spiking}
    files = {mode: folder / f"model_{args.variant}.npz" for mode, folder in folders.items()}
    logs = {mode: load_classifier(path)[0].log for mode, path in files.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    accuracy(logs, args.out / "spiking_mnist_accuracy.png")
    images, _ = mnist_data.split(mnist_data.load(args.data_dir))["test"]
    raster(files["spiking"], images[args.image], args.out / "spiking_mnist_raster.png")
    activity = mnist.evaluate(files["spiking"], args.data_dir, images=1000)["spiking"]
    (args.out / "spiking_mnist.json").write_text(json.dumps({"logs": logs, "activity": activity}, indent=1) + "\n")
    print(json.dumps({mode: log["test_error"][-1] for mode, log in logs.items()}), json.dumps(activity))


if __name__ == "__main__":
    main()
