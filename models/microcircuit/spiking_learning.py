"""How a classifier learns and classifies in spiking mode: each image presented in time to the spiking engine.

A :class:`Presentation` says how long each image is shown, how much of it passes before Eqs. 7-10 apply
(the traces settle on the new image) and how many images run side by side. :func:`train_epoch` shows the
shuffled training images with their targets nudging the output, learning after ``settle``;
:func:`classify` shows images without a target and picks the output neuron with the most spikes after
``settle``, counting the spikes and synaptic events it took (an energy proxy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from brian2 import Quantity, ms

from brian_dendrites.datasets.mnist import one_hot
from brian_dendrites.errors import ParameterError
from brian_dendrites.validation import check_integer

from .spiking_engine import SpikingEngine, SpikingState

if TYPE_CHECKING:
    from .classifier import Classifier, Variant
    from .parameters import MicrocircuitParams

__all__ = ["Presentation", "train_epoch", "classify"]


@dataclass(frozen=True)
class Presentation:
    """How the spiking engine shows images.

    Parameters
    ----------
    duration : Quantity, default 8 ms
        Each image's presentation; a multiple of the record's dt.
    settle : Quantity, default 4 ms
        The start of each presentation without plasticity (training) or spike counting (classifying),
        while the traces forget the image before; < ``duration``, a multiple of dt.
    batch : int, default 100
        Images shown side by side, each to its own copy of the network (weight changes averaged), >= 1.
    """

    duration: Quantity = field(default_factory=lambda: 8 * ms)
    settle: Quantity = field(default_factory=lambda: 4 * ms)
    batch: int = 100

    def __post_init__(self) -> None:
        for name in ("duration", "settle"):
            value = getattr(self, name)
            time = isinstance(value, Quantity) and value.has_same_dimensions(ms) and np.ndim(value) == 0
            if not time or not float(value / ms) >= 0:
                raise ParameterError(f"Presentation.{name} must be a time >= 0, got {value!r}")
        if not self.settle < self.duration:
            raise ParameterError(f"Presentation.settle ({self.settle}) must be shorter than duration ({self.duration})")
        check_integer("Presentation.batch", self.batch, 1)

    def steps(self, params: MicrocircuitParams) -> tuple[int, int]:
        """(steps per image, steps before learning or counting) at ``params.dt``.

        Parameters
        ----------
        params : MicrocircuitParams
            The network.

        Returns
        -------
        tuple of int
            The two step counts.

        Raises
        ------
        ParameterError
            If ``duration`` or ``settle`` is not a multiple of dt.
        """
        result = []
        for name in ("duration", "settle"):
            ratio = float(getattr(self, name) / params.dt)
            if abs(ratio - round(ratio)) > 1e-9:
                raise ParameterError(f"Presentation.{name} must be a multiple of dt = {params.dt}")
            result.append(round(ratio))
        return result[0], result[1]

    def to_dict(self) -> dict:
        """The presentation as JSON-ready numbers: ``duration_ms``, ``settle_ms``, ``batch``.

        Returns
        -------
        dict
            The three values.
        """
        return {"duration_ms": float(self.duration / ms), "settle_ms": float(self.settle / ms), "batch": self.batch}

    @classmethod
    def from_dict(cls, values: dict) -> Presentation:
        """The presentation of :meth:`to_dict`'s numbers.

        Parameters
        ----------
        values : dict
            ``duration_ms``, ``settle_ms``, ``batch``.

        Returns
        -------
        Presentation
            The presentation.
        """
        return cls(values["duration_ms"] * ms, values["settle_ms"] * ms, values["batch"])


def train_epoch(
    classifier: Classifier, variant: Variant, images, labels, rng, progress=None, device: str | None = None
) -> None:
    """One pass over shuffled ``images``, ``variant.presentation.batch`` at a time, in place.

    Each batch is shown for ``duration`` with the targets of :func:`~brian_dendrites.datasets.mnist.one_hot`
    nudging the output; after ``settle`` every step applies Eqs. 7-10 (the engine's event-driven rule).
    Every row of the batch continues from the state its last image left (as one Brian2 network shown
    images one after another); the state starts at rest.

    Parameters
    ----------
    classifier : Classifier
        The classifier to train.
    variant : Variant
        Its variant: a spiking record, its presentation, frozen projections, thresholds or not.
    images : numpy.ndarray
        Input rates, shape (n_images, n_0), in [0, 1].
    labels : numpy.ndarray
        Class labels in [0, 10), shape (n_images,).
    rng : numpy.random.Generator
        Shuffles the images and draws the spikes.
    progress : tqdm.tqdm, optional
        A progress bar, advanced by the images of each batch.
    device : str, optional
        A PyTorch device (e.g. "cpu", "cuda"): the engine runs there on tensors, with spikes from a torch
        generator seeded by ``rng``; the trained weights come back as float32 NumPy arrays. None: NumPy.
    """
    p, presentation = variant.params, variant.presentation
    engine, (steps, settle) = SpikingEngine(p), presentation.steps(p)
    u_targets = p.phi.inverse(one_hot(labels)).astype(np.float32)
    order, state = rng.permutation(len(images)), None
    arrays = _Arrays(device, rng)
    weights = arrays.put(classifier.weights)
    biases = arrays.put(classifier.biases) if variant.thresholds else {}
    images, u_targets = arrays.put({"x": images, "u": u_targets}).values()
    for start in range(0, len(order), presentation.batch):
        idx = arrays.index(order[start : start + presentation.batch])
        state = _rows(engine, state, len(idx), weights["bottom_up_1"])
        x, u_tgt = images[idx], u_targets[idx]
        for step in range(steps):
            learn = step >= settle
            engine.step(state, weights, biases, x, u_tgt, 1.0, learn=learn, frozen=variant.frozen, generator=arrays.rng)
        if progress is not None:
            progress.update(len(idx))
    classifier.weights.update(arrays.get(weights))
    classifier.biases.update(arrays.get(biases))


class _Arrays:
    """NumPy arrays as they are (``device`` None), or as PyTorch tensors on ``device``, with a generator of spikes."""

    def __init__(self, device: str | None, rng: np.random.Generator) -> None:
        self.device, self.rng = device, rng
        if device is not None:
            import torch

            self.torch = torch
            self.rng = torch.Generator(device=device).manual_seed(int(rng.integers(2**62)))

    def put(self, arrays: dict) -> dict:
        if self.device is None:
            return arrays
        return {k: self.torch.as_tensor(v, device=self.device) for k, v in arrays.items()}

    def index(self, idx: np.ndarray):
        return idx if self.device is None else self.torch.as_tensor(idx, device=self.device)

    def get(self, arrays: dict) -> dict:
        if self.device is None:
            return arrays
        return {k: v.cpu().numpy().astype(np.float32) for k, v in arrays.items()}


def _rows(engine: SpikingEngine, state: SpikingState | None, batch: int, like) -> SpikingState:
    """``state`` for ``batch`` rows: a fresh one at rest the first time, its first rows for a shorter batch."""
    if state is None:
        return engine.initial(batch, like)
    if len(next(iter(state.values.values()))) == batch:
        return state
    rows = {key: value[:batch] for key, value in state.values.items()}
    counts = {key: value[:batch] for key, value in state.counts.items()}
    return SpikingState(rows, counts, {key: value[:batch] for key, value in state.errors.items()}, state.steps)


def classify(
    classifier: Classifier,
    params: MicrocircuitParams,
    presentation: Presentation,
    images,
    rng=None,
    batch: int = 1000,
    device: str | None = None,
) -> tuple[np.ndarray, dict]:
    """Class labels of ``images``: the output neuron with the most spikes after ``settle``, without a target.

    Each batch of ``batch`` images starts at rest and is shown for ``presentation.duration``; ties go to
    the lower class.

    Parameters
    ----------
    classifier : Classifier
        The classifier.
    params : MicrocircuitParams
        Its spiking record.
    presentation : Presentation
        How each image is shown (its ``batch`` is not used: ``batch`` images run side by side).
    images : numpy.ndarray
        Input rates, shape (n_images, n_0).
    rng : numpy.random.Generator, optional
        Draws the spikes; None: seed 0.
    batch : int, default 1000
        Images shown at once.
    device : str, optional
        A PyTorch device to run on (see :func:`train_epoch`); None: NumPy.

    Returns
    -------
    labels : numpy.ndarray
        The predicted labels, shape (n_images,).
    activity : dict
        Per image, means over ``images``: ``spikes`` (every neuron's, the whole presentation),
        ``synaptic_events`` (each spike counted once per synapse it reaches), ``spikes_by_group``
        (the former by group), ``max_rate_hz`` (the
        highest rate of any neuron of a group over one presentation, by group: the rate of a unit, as each unit
        is one neuron here; a maximum over the images, not a mean).
    """
    check_integer("batch", batch, 1)
    arrays = _Arrays(device, np.random.default_rng(0) if rng is None else rng)
    weights, biases = arrays.put(classifier.weights), arrays.put(classifier.biases)
    engine, (steps, settle) = SpikingEngine(params), presentation.steps(params)
    fanout = {}
    for p in engine.projections:
        fanout[p.pre] = fanout.get(p.pre, 0) + p.n_post
    labels, spikes, peak = [], {}, {}
    seconds = steps * float(params.dt / ms) / 1000
    for start in range(0, len(images), batch):
        x = arrays.put({"x": images[start : start + batch]})["x"]
        state, totals, votes = engine.initial(len(x), weights["bottom_up_1"]), {}, 0
        for step in range(steps):
            counts = engine.step(state, weights, biases, x, learn=False, generator=arrays.rng)
            for name, c in counts.items():
                totals[name] = totals.get(name, 0) + abs(c)
            if step >= settle:
                votes = votes + counts[f"pyramidal_{engine.n}"]
        labels.append(np.argmax(arrays.get({"v": votes})["v"], axis=1))
        for name, total in arrays.get(totals).items():  # (images, neurons)
            spikes[name] = spikes.get(name, 0.0) + float(total.sum()) / len(images)
            peak[name] = max(peak.get(name, 0.0), float(total.max()) / seconds)
    events = sum(count * fanout.get(name, 0) for name, count in spikes.items())
    activity = {"spikes": sum(spikes.values()), "synaptic_events": events, "spikes_by_group": spikes}
    return np.concatenate(labels), activity | {"max_rate_hz": peak}
