"""The spiking engine's MNIST classifier in the Brian2 spiking network: the same accuracy (a measurement).

Trains variant (c) in spiking mode without thresholds (the Brian2 network has none) for ``--epochs`` on
the first ``--train`` images with the spiking engine, then shows the first ``--images`` test images to
the Brian2 spiking network (cpp_standalone) loaded with its weights, one after another, each for the
classifier's presentation, and classifies each by the output neuron with the most spikes after its settle
time, as the engine does. Prints both accuracies, their difference and its binomial standard error, and
writes ``OUT/spiking_mnist_brian2.json``.

    python benchmarks/spiking_mnist_brian2.py [--train 55000] [--epochs 1] [--images 1000] [--out figures]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from brian2 import second

from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.models.microcircuit import LearningRates
from brian_dendrites.models.microcircuit.classifier_file import load_classifier
from brian_dendrites.models.microcircuit.spiking_learning import classify
from brian_dendrites.protocols import mnist
from brian_dendrites.protocols.mnist_variants import spiking_variant
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState


def brian2_labels(classifier, params, images: np.ndarray) -> np.ndarray:
    """The Brian2 network's class of each image: its output neuron with the most spikes after settle."""
    presentation = classifier.presentation
    output = f"pyramidal_{len(params.sizes) - 1}"
    sim = Simulation(
        params, len(images), presentation.duration, record_dt=params.dt, target="cpp_standalone", spikes=[output]
    )
    result = sim.run(NetworkState(classifier.weights), images, eta=LearningRates(), noise=False)
    train = result.recording.spike_train(output)
    duration, settle = float(presentation.duration / second), float(presentation.settle / second)
    pattern, offset = np.divmod(train.times + 1e-9, duration)
    counted = offset >= settle
    votes = np.zeros((len(images), params.sizes[-1]))
    np.add.at(votes, (pattern[counted].astype(int), train.units[counted]), 1)
    return np.argmax(votes, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=55000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args()
    variant = dataclasses.replace(spiking_variant("c"), thresholds=False)
    folder = Path(tempfile.mkdtemp())
    mnist.train(variant, args.epochs, folder, args.data_dir, limit=args.train, progress=False)
    classifier, params = load_classifier(folder / "model_c.npz")
    images, labels = (a[: args.images] for a in mnist_data.split(mnist_data.load(args.data_dir))["test"])
    engine = float(np.mean(classify(classifier, params, classifier.presentation, images)[0] == labels))
    start = time.perf_counter()
    brian2 = float(np.mean(brian2_labels(classifier, params, images) == labels))
    seconds = time.perf_counter() - start
    error = float(np.sqrt(2 * engine * (1 - engine) / len(images)))  # of the difference of two such accuracies
    row = {"engine_accuracy": engine, "brian2_accuracy": brian2, "difference": brian2 - engine, "sigma": error}
    row |= {"images": len(images), "train_images": args.train, "epochs": args.epochs, "brian2_s": seconds}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "spiking_mnist_brian2.json").write_text(json.dumps(row, indent=1) + "\n")
    print(json.dumps(row))


if __name__ == "__main__":
    main()
