"""The spiking engine's MNIST classifier in the Brian2 spiking network: the same accuracy (a measurement).

With ``--model FILE``, checks the trained classifier in FILE (a spiking model file of ``mnist train
--mode spiking``, thresholds included: the Brian2 network is built with ``MicrocircuitParams(thresholds=
True)`` and loaded with them). Without it, trains variant (c) in spiking mode without thresholds for
``--epochs`` on the first ``--train`` images with the spiking engine. Then shows the first ``--images``
test images to the Brian2 spiking network (cpp_standalone) loaded with its weights and thresholds, one
after another, each for the classifier's presentation, and classifies each by the output neuron with the
most spikes after its settle time, as the engine does. Prints both accuracies, their difference and two
standard errors of it (``sigma``: of two independent binomial accuracies; ``sigma_paired``: from the
images the two classify differently, as both see the same images), and writes
``OUT/spiking_mnist_brian2.json``.

    python benchmarks/spiking_mnist_brian2.py [--train 55000] [--epochs 1] [--images 1000] [--out figures]
    python benchmarks/spiking_mnist_brian2.py --model runs/model_c.npz [--images 1000] [--out figures]
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
    state = NetworkState(classifier.weights, thresholds=classifier.biases if params.thresholds else {})
    result = sim.run(state, images, eta=LearningRates(), noise=False)
    train = result.recording.spike_train(output)
    duration, settle = float(presentation.duration / second), float(presentation.settle / second)
    pattern, offset = np.divmod(train.times + 1e-9, duration)
    counted = offset >= settle
    votes = np.zeros((len(images), params.sizes[-1]))
    np.add.at(votes, (pattern[counted].astype(int), train.units[counted]), 1)
    return np.argmax(votes, axis=1)


def with_thresholds(classifier, params):
    """``params`` with thresholds where the classifier has any that are not 0 (the Brian2 network then has them)."""
    if any(np.any(b != 0) for b in classifier.biases.values()):
        return params.replace(thresholds=True)
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="a trained spiking model file to check (no training)")
    parser.add_argument("--train", type=int, default=55000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args()
    if args.model is None:
        variant = dataclasses.replace(spiking_variant("c"), thresholds=False)
        folder = Path(tempfile.mkdtemp())
        mnist.train(variant, args.epochs, folder, args.data_dir, limit=args.train, progress=False)
        path = folder / "model_c.npz"
    else:
        path = args.model
    classifier, params = load_classifier(path)
    if not params.spiking_mode:
        raise SystemExit(f"{path}: a rate classifier; this checks spiking ones (mnist train --mode spiking)")
    images, labels = (a[: args.images] for a in mnist_data.split(mnist_data.load(args.data_dir))["test"])
    engine_labels = classify(classifier, params, classifier.presentation, images)[0]
    start = time.perf_counter()
    brian2_params = with_thresholds(classifier, params)
    labels_brian2 = brian2_labels(classifier, brian2_params, images)
    seconds = time.perf_counter() - start
    engine, brian2 = float(np.mean(engine_labels == labels)), float(np.mean(labels_brian2 == labels))
    n = len(images)
    error = float(np.sqrt(2 * engine * (1 - engine) / n))  # of the difference of two independent accuracies
    only_brian2 = int(np.sum((labels_brian2 == labels) & (engine_labels != labels)))
    only_engine = int(np.sum((engine_labels == labels) & (labels_brian2 != labels)))
    paired = float(np.sqrt(only_brian2 + only_engine - (only_brian2 - only_engine) ** 2 / n) / n)
    row = {"engine_accuracy": engine, "brian2_accuracy": brian2, "difference": brian2 - engine, "sigma": error}
    row |= {"sigma_paired": paired, "same_label": float(np.mean(engine_labels == labels_brian2))}
    row |= {"images": n, "thresholds": brian2_params.thresholds, "brian2_s": seconds}
    if args.model is None:
        row |= {"train_images": args.train, "epochs": args.epochs}
    else:
        log = classifier.log
        row |= {"model": str(args.model), "epochs": len(log["epoch"])}
        row |= {"test_error": log["test_error"][-1] if log["test_error"] else None}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "spiking_mnist_brian2.json").write_text(json.dumps(row, indent=1) + "\n")
    print(json.dumps(row))


if __name__ == "__main__":
    main()
