"""Several classifiers of one variant trained at once, stacked on PyTorch (CPU or CUDA).

:func:`train_stack` gives each classifier the epoch :func:`~.learning.train_epoch` would, and
:func:`stack_error` measures every network of the stack where it trains.
"""

from __future__ import annotations

import numpy as np

from brian_dendrites.datasets.mnist import one_hot
from brian_dendrites.errors import ParameterError

from .classifier import Classifier, Variant
from .steady_state import SteadyStateEngine

__all__ = ["train_stack", "stack_error"]


def train_stack(
    classifiers: list[Classifier], variant: Variant, images, labels, rngs, device="cpu", batch=10, progress=None
):
    """One epoch of several classifiers of ``variant`` at once, stacked on PyTorch (CPU or CUDA).

    Classifier s sees the images in the order ``rngs[s].permutation``, in mini-batches of ``batch``, as
    :func:`~.learning.train_epoch` with that generator would show them; the weights and thresholds are
    replaced by the trained ones (float32 NumPy arrays).

    Parameters
    ----------
    classifiers : list of Classifier
        Classifiers of ``variant`` (the same parameters), changed in place.
    variant : Variant
        Their variant; not a backprop variant.
    images : numpy.ndarray
        Input rates, (n_images, n_0).
    labels : numpy.ndarray
        Class labels, (n_images,).
    rngs : list of numpy.random.Generator
        One per classifier: shuffles its images.
    device : str or torch.device, default "cpu"
        Where the stack trains, e.g. "cuda".
    batch : int, default 10
        Images per mini-batch.
    progress : tqdm.tqdm, optional
        A progress bar, advanced by the images of every classifier.

    Returns
    -------
    weights, biases : dict of str to torch.Tensor
        The trained stack on ``device`` (weights (S, post, pre), thresholds (S, post)).

    Raises
    ------
    ParameterError
        If ``variant`` trains by backprop.
    """
    import torch

    if variant.backprop:
        raise ParameterError(f"variant '{variant.name}' trains by backprop, which runs on the numpy backend only")
    engine = SteadyStateEngine(variant.params)
    first = classifiers[0]
    weights = {k: torch.from_numpy(np.stack([c.weights[k] for c in classifiers])).to(device) for k in first.weights}
    biases = {k: torch.from_numpy(np.stack([c.biases[k] for c in classifiers])).to(device) for k in first.biases}
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).to(device)
    u_targets = torch.from_numpy(engine.phi.inverse(one_hot(labels)).astype(np.float32)).to(device)
    orders = torch.from_numpy(np.stack([rng.permutation(len(images)) for rng in rngs])).to(device)
    for start in range(0, len(images), batch):
        idx = orders[:, start : start + batch]
        state = engine._settle(weights, biases, x[idx], u_targets[idx])  # unchecked: no GPU sync per batch
        engine.learn(state, weights, biases, 1.0, variant.frozen, variant.thresholds)  # 1 ms of Eqs. 7-10
        if progress is not None:
            progress.update(idx.numel())
    for s, classifier in enumerate(classifiers):
        classifier.weights = {k: w[s].cpu().numpy() for k, w in weights.items()}
        classifier.biases = {k: b[s].cpu().numpy() for k, b in biases.items()}
    return weights, biases


def stack_error(engine: SteadyStateEngine, weights: dict, biases: dict, images, labels, device, batch: int = 1000):
    """The error of every network of a stack on ``images``, computed on ``device`` (feedforward).

    Parameters
    ----------
    engine : SteadyStateEngine
        The engine of the stack's record.
    weights, biases : dict of str to torch.Tensor
        The stack, as :func:`train_stack` returns it.
    images : numpy.ndarray
        Input rates, (n_images, n_0).
    labels : numpy.ndarray
        Their classes, (n_images,).
    device : str or torch.device
        Where the stack is.
    batch : int, default 1000
        Images fed forward at once.

    Returns
    -------
    numpy.ndarray
        The fraction of ``images`` each network misclassifies, float64, (S,).
    """
    import torch

    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).to(device)
    chunks = [engine.feedforward(weights, biases, x[i : i + batch]).r[-1].argmax(-1) for i in range(0, len(x), batch)]
    return (torch.cat(chunks, -1) != torch.from_numpy(labels).to(device)).double().mean(-1).cpu().numpy()
