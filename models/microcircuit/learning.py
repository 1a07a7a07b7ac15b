"""How a classifier learns: an epoch of Eqs. 7-10 at the steady state, of the standard backprop baseline, or
in spiking mode (:mod:`.spiking_learning`).

:func:`train_epoch` trains a :class:`~.classifier.Classifier` in mini-batches; a backprop variant takes
SGD steps on the same feedforward network, at the rate of the schedule :func:`backprop_rate`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from brian_dendrites.datasets.mnist import one_hot
from brian_dendrites.errors import ParameterError
from brian_dendrites.transfer import Logistic

from . import spiking_learning
from .steady_state import SteadyStateEngine

if TYPE_CHECKING:
    from .classifier import Classifier, Variant

__all__ = [
    "BACKPROP_RATE",
    "BACKPROP_HOLD",
    "BACKPROP_DECAY",
    "BACKPROP_L2",
    "backprop_schedule",
    "backprop_rate",
    "train_epoch",
]

#: Standard backprop's learning rate per mini-batch, held for BACKPROP_HOLD epochs, then multiplied by
#: BACKPROP_DECAY after each epoch (:func:`backprop_rate`), on the cross-entropy of the logistic outputs
#: plus BACKPROP_L2/2 times the squared weights: 1.49 % test error after 100 epochs (docs/mnist.md,
#: "The backprop baseline"; the squared error at rate 1.0 ended at 1.79 %).
BACKPROP_RATE = 0.5
BACKPROP_HOLD = 50
BACKPROP_DECAY = 0.92
BACKPROP_L2 = 1.5e-5


def backprop_schedule() -> dict:
    """The backprop variants' training schedule, as a model file records it.

    Returns
    -------
    dict
        ``rate``, ``hold``, ``decay`` and ``l2``: BACKPROP_RATE, BACKPROP_HOLD, BACKPROP_DECAY and
        BACKPROP_L2; ``loss``: 'cross_entropy'.
    """
    return {
        "rate": BACKPROP_RATE,
        "hold": BACKPROP_HOLD,
        "decay": BACKPROP_DECAY,
        "loss": "cross_entropy",
        "l2": BACKPROP_L2,
    }


def backprop_rate(epoch: int) -> float:
    """Backprop's learning rate per mini-batch in epoch ``epoch`` (0-based).

    Parameters
    ----------
    epoch : int
        The epoch, >= 0.

    Returns
    -------
    float
        BACKPROP_RATE for the first BACKPROP_HOLD epochs, then BACKPROP_DECAY times less each epoch.
    """
    return BACKPROP_RATE * BACKPROP_DECAY ** max(0, epoch + 1 - BACKPROP_HOLD)


def train_epoch(
    classifier: Classifier,
    variant: Variant,
    images,
    labels,
    rng,
    batch: int = 10,
    progress=None,
    epoch: int = 0,
    device: str | None = None,
) -> None:
    """One pass over shuffled ``images`` in mini-batches of ``batch`` (weight changes averaged).

    Each mini-batch applies 1 ms of Eqs. 7-10 at the steady state with the targets of
    :func:`~brian_dendrites.datasets.mnist.one_hot` nudging the output, or, for a backprop variant,
    one step of standard backprop. A variant with a ``presentation`` (a spiking record) trains by
    :func:`.spiking_learning.train_epoch` instead (``batch`` and ``epoch`` are then not
    used). ``classifier`` is changed in place.

    Parameters
    ----------
    classifier : Classifier
        The classifier to train.
    variant : Variant
        Its variant: parameters, frozen projections, backprop or not.
    images : numpy.ndarray
        Input rates, shape (n_images, 784), in [0, 1].
    labels : numpy.ndarray
        Class labels, integers in [0, 10), shape (n_images,).
    rng : numpy.random.Generator
        Shuffles the images.
    batch : int, default 10
        Images per mini-batch.
    progress : tqdm.tqdm, optional
        A progress bar, advanced by the number of images of each mini-batch.
    epoch : int, default 0
        The epoch (0-based), which sets a backprop variant's learning rate (:func:`backprop_rate`).
    device : str, optional
        A spiking variant's PyTorch device (:func:`.spiking_learning.train_epoch`); None: NumPy.
    """
    if variant.presentation is not None:  # a spiking record, shown in time
        spiking_learning.train_epoch(classifier, variant, images, labels, rng, progress, device)
        return
    p, engine = variant.params, SteadyStateEngine(variant.params)
    u_targets = p.phi.inverse(one_hot(labels)).astype(np.float32)
    order = rng.permutation(len(images))
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        if variant.backprop:
            _backprop_step(classifier, engine, images[idx], one_hot(labels[idx]), backprop_rate(epoch))
        else:
            # unchecked: inner loop
            state = engine._settle(classifier.weights, classifier.biases, images[idx], u_targets[idx])
            # 1 ms of Eqs. 7-10
            engine.learn(state, classifier.weights, classifier.biases, 1.0, variant.frozen, variant.thresholds)
        if progress is not None:
            progress.update(len(idx))


def _backprop_step(
    classifier: Classifier, engine: SteadyStateEngine, x: np.ndarray, r_target: np.ndarray, rate: float
) -> None:
    """SGD at ``rate`` through the feedforward network, u_k = a_B v_B,k (no apical input), on the mini-batch's mean
    cross-entropy of the logistic outputs r_N against r_trgt, plus BACKPROP_L2/2 times the squared weights."""
    # The rates of settle's hidden layers add the apical input of the fixed top-down and interneuron weights,
    # which no longer cancel once W changes: backprop through those rates is not backprop.
    state, n, phi = engine._feedforward(classifier.weights, classifier.biases, x), engine.n, engine.phi  # unchecked
    if not isinstance(phi, Logistic):
        raise ParameterError(f"the backprop baseline's cross-entropy needs the logistic phi, not {phi.name!r}")
    delta = state.r[n] - r_target  # d(cross-entropy)/du_N of logistic outputs
    for k in range(n, 0, -1):
        a_B = engine.a_B[k]
        name = f"bottom_up_{k}"
        grad_w = a_B * (delta.T @ state.r[k - 1]) / len(x) + BACKPROP_L2 * classifier.weights[name]
        grad_b = a_B * delta.mean(axis=0)
        if k > 1:
            delta = a_B * (delta @ classifier.weights[name]) * phi.derivative(state.u[k - 1])
        classifier.weights[name] -= rate * grad_w.astype(np.float32)
        classifier.biases[name] -= rate * grad_b.astype(np.float32)
