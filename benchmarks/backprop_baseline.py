"""Training variants of the MNIST backprop baseline (784-500-500-10, seed 0), one JSON line per epoch.

The attempts behind docs/mnist.md, "The backprop baseline". Every variant trains the protocol's
backprop network with the classifier's ``train_epoch`` (the same shuffles, mini-batches of 10 and
one BLAS thread); the learning rate of epoch e (0-based) is ``rate * decay ** max(0, e + 1 - hold)``,
by default the schedule of ``models/microcircuit/learning.py``, so that the defaults give the epochs
of ``mnist train``.
Besides the protocol's cross-entropy of the logistic outputs with its L2 penalty (``--loss ce --l2
1.5e-5``, what ``mnist train`` runs), the squared error on the rates (``--loss mse``), other L2 penalties
and inverted dropout on the hidden layers can be tried. ``--start`` continues from weights this script saved
(``--save-every``), so that schedules can branch from a common run.

    python benchmarks/backprop_baseline.py --epochs 100 --hold 1000 --data-dir DIR --save-every 10 --save-as const
    python benchmarks/backprop_baseline.py --start const_60.npz --first-epoch 60 --epochs 80 --hold 61 --decay 0.9
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from threadpoolctl import threadpool_limits

from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.models.microcircuit import learning
from brian_dendrites.models.microcircuit.classifier import Classifier, predict
from brian_dendrites.protocols.mnist_variants import VARIANTS


def make_step(loss: str, l2: float, dropout: float, rng: np.random.Generator):
    """A replacement of the classifier's backprop step: same network, another loss or a regulariser."""

    def step(model, engine, x, r_target, rate):
        n, phi, keep = engine.n, engine.phi, 1 - dropout
        r, u, masks = [x], [None], [None]
        for k in range(1, n + 1):
            u.append(engine.a_B[k] * (r[-1] @ model.weights[f"bottom_up_{k}"].T + model.biases[f"bottom_up_{k}"]))
            mask = (rng.random(u[-1].shape) < keep) / keep if dropout and k < n else 1.0
            r.append(phi(u[-1]) * mask)
            masks.append(mask)
        delta = r[n] - r_target if loss == "ce" else (r[n] - r_target) * phi.derivative(u[n])
        for k in range(n, 0, -1):
            a_B, name = engine.a_B[k], f"bottom_up_{k}"
            grad_w = a_B * (delta.T @ r[k - 1]) / len(x) + l2 * model.weights[name]
            grad_b = a_B * delta.mean(axis=0)
            if k > 1:
                delta = a_B * (delta @ model.weights[name]) * phi.derivative(u[k - 1]) * masks[k - 1]
            model.weights[name] -= rate * grad_w.astype(np.float32)
            model.biases[name] -= rate * grad_b.astype(np.float32)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=100, help="train up to this epoch")
    parser.add_argument("--first-epoch", type=int, default=0, help="epochs already trained (with --start)")
    parser.add_argument("--start", default=None, help="weights saved by this script")
    parser.add_argument("--rate", type=float, default=learning.BACKPROP_RATE)
    parser.add_argument("--hold", type=int, default=learning.BACKPROP_HOLD, help="epochs at the full rate")
    parser.add_argument("--decay", type=float, default=learning.BACKPROP_DECAY, help="factor per epoch after the hold")
    parser.add_argument("--loss", choices=("mse", "ce"), default="ce")
    parser.add_argument("--l2", type=float, default=learning.BACKPROP_L2)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--save-every", type=int, default=0)
    parser.add_argument("--save-as", default="backprop")
    args = parser.parse_args()

    variant = VARIANTS["backprop"]
    parts = mnist_data.split(mnist_data.load(args.data_dir))
    model = Classifier.initial(variant, np.random.default_rng(0))
    if args.start:
        with np.load(args.start) as saved:
            model.weights = {k: saved[f"weights/{k}"] for k in model.weights}
            model.biases = {k: saved[f"biases/{k}"] for k in model.biases}
    if (args.loss, args.l2, args.dropout) != ("ce", learning.BACKPROP_L2, 0.0):
        learning._backprop_step = make_step(args.loss, args.l2, args.dropout, np.random.default_rng(123))
    learning.BACKPROP_RATE, learning.BACKPROP_HOLD, learning.BACKPROP_DECAY = args.rate, args.hold, args.decay
    for epoch in range(args.first_epoch, args.epochs):
        start = time.perf_counter()
        with threadpool_limits(1):
            learning.train_epoch(model, variant, *parts["train"], np.random.default_rng([0, epoch]), epoch=epoch)
        errors = {
            part: float(np.mean(predict(model, variant.params, parts[part][0]) != parts[part][1]))
            for part in ("validation", "test")
        }
        rate = learning.backprop_rate(epoch)
        print(json.dumps({"epoch": epoch + 1, "rate": rate, **errors, "s": time.perf_counter() - start}), flush=True)
        if args.save_every and (epoch + 1) % args.save_every == 0:
            arrays = {f"weights/{k}": w for k, w in model.weights.items()} | {
                f"biases/{k}": b for k, b in model.biases.items()
            }
            np.savez(f"{args.save_as}_{epoch + 1}.npz", **arrays)


if __name__ == "__main__":
    main()
