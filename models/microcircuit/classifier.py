"""A trained microcircuit classifier: its weights and thresholds, how it starts, and its classes of images.

A :class:`Variant` says how a classifier is set up and trained (its record, its start, what learns); a
:class:`Classifier` holds the float32 weights and thresholds of one in training, with its training log.
:mod:`.learning` trains it, :mod:`.classifier_file` writes and reads it, :mod:`.stacked` trains several
at once on PyTorch. The MNIST protocol's variants are in :mod:`brian_dendrites.protocols.mnist_variants`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from brian_dendrites.errors import DivergenceError, ParameterError

from .learning import backprop_schedule
from .parameters import MicrocircuitParams
from .spiking_learning import Presentation, classify
from .steady_state import SteadyStateEngine
from .weights import random_weights, self_predicting_weights

__all__ = ["WEIGHT_SCALE", "LOG_KEYS", "Variant", "Classifier", "predict"]

#: Initial weights U(-0.2, 0.2) in every pathway. Top-down at the bottom-up scale starts each hidden
#: layer's error at backprop's magnitude, so that the inverse-lambda rescaling balances the layers
#: (with top-down U(-1, 1) the first layer's weight change was 427x backprop's, the output's 0.59x).
#: Variant (a) with lambda_N = 0.1, after one epoch: 61.7 % validation error at scale 0.1, 17.3 % at
#: 0.2, 63.8 % at 0.4.
WEIGHT_SCALE = 0.2
#: The lists of a training log, one entry per epoch.
LOG_KEYS = ("epoch", "validation_error", "test_error", "wall_s")


@dataclass(frozen=True)
class Variant:
    """One classifier experiment: a parameter record, how it starts, and what learns.

    Parameters
    ----------
    name : str
        The variant's name (the MNIST protocol's: "a", "b", "c", "shallow", "backprop").
    params : MicrocircuitParams
        The network: layer sizes, transfer function, conductances and learning rates (1/time).
    self_predicting_start : bool, default True
        Start from the self-predicting state (section 3.1): interneuron weights derived from the
        random bottom-up and top-down weights; otherwise from random weights.
    frozen : tuple of str, default ()
        Projections whose weights stay fixed (e.g. "bottom_up_2", W_{2,1}).
    backprop : bool, default False
        Train the same feedforward network by standard backprop instead of Eqs. 7-10.
    start : callable, optional
        ``start(weights, biases, params)`` changes the initial float32 weights and thresholds in
        place, after the self-predicting start (e.g. the attention protocol's fixed sensory map).
    thresholds : bool, default True
        Learn the thresholds; False keeps them at 0 (a network the Brian2 network can run as it is).
    inputs : callable, optional
        Maps images (n, 784) to the network's input rates (n, n_0); None: the images themselves.
    presentation : Presentation, optional
        How a spiking record's images are shown in time (:mod:`.spiking_learning`); None for a rate record,
        which learns at the steady state.
    """

    name: str
    params: MicrocircuitParams
    self_predicting_start: bool = True
    frozen: tuple[str, ...] = ()  # projections whose weights stay fixed
    backprop: bool = False
    start: Callable[[dict, dict, MicrocircuitParams], None] | None = None
    thresholds: bool = True
    inputs: Callable[[np.ndarray], np.ndarray] | None = None
    presentation: Presentation | None = None

    def __post_init__(self) -> None:
        if (self.presentation is not None) != self.params.spiking_mode:
            raise ParameterError(
                f"Variant '{self.name}': a spiking record needs a presentation and a rate record none, got mode "
                f"{self.params.mode!r} with presentation {self.presentation}"
            )


def _empty_log() -> dict:
    return {key: [] for key in LOG_KEYS}


@dataclass
class Classifier:
    """A classifier in training: weights and thresholds, with its training log.

    Weights (post, pre) and thresholds by projection name, float32; ``log`` is the training log;
    ``seed`` that of the initial weights and the shuffling (None where unknown).

    Parameters
    ----------
    variant : str
        The name of its :class:`Variant`.
    weights : dict of str to numpy.ndarray
        Weight matrices (post, pre) by projection name ("bottom_up_1", "ip_1", ...), float32.
    biases : dict of str to numpy.ndarray
        Thresholds (post,) of the bottom-up and IP projections by projection name, float32.
    log : dict of str to list, optional
        The training log: ``epoch``, ``validation_error``, ``test_error`` (fractions of images
        misclassified) and ``wall_s`` (seconds), one entry per epoch (:data:`LOG_KEYS`); empty by default.
    seed : int, optional
        The seed of the initial weights and the shuffling; None where unknown.
    schedule : dict, optional
        A backprop classifier's learning-rate schedule (:func:`~.learning.backprop_schedule`); None
        for the others, and for backprop classifiers saved before schedules were recorded.
    presentation : Presentation, optional
        How a spiking classifier's images are shown (its variant's); None for a rate classifier.
    """

    variant: str
    weights: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]
    log: dict = field(default_factory=_empty_log)
    seed: int | None = None
    schedule: dict | None = None
    presentation: Presentation | None = None

    @classmethod
    def initial(cls, variant: Variant, rng: np.random.Generator) -> Classifier:
        """The untrained classifier of ``variant``.

        Weights are drawn from U(-WEIGHT_SCALE, WEIGHT_SCALE), then made self-predicting if the
        variant starts so; thresholds are 0.

        Parameters
        ----------
        variant : Variant
            The variant.
        rng : numpy.random.Generator
            Draws the weights.

        Returns
        -------
        Classifier
            The classifier, with an empty log and ``seed`` None.
        """
        p = variant.params
        weights = random_weights(p, rng, WEIGHT_SCALE)
        if variant.self_predicting_start:
            weights = self_predicting_weights(p, weights)
        as32 = {k: v.astype(np.float32) for k, v in weights.items()}
        biases = {k: np.zeros(v.shape[0], np.float32) for k, v in as32.items() if k.startswith(("bottom_up", "ip"))}
        if variant.start is not None:
            variant.start(as32, biases, p)
        schedule = backprop_schedule() if variant.backprop else None
        return cls(variant.name, as32, biases, schedule=schedule, presentation=variant.presentation)

    def check_finite(self) -> None:
        """Check that every weight and threshold is finite.

        Raises
        ------
        DivergenceError
            If a weight or threshold is NaN or infinite.
        """
        for kind, arrays in (("weights", self.weights), ("thresholds", self.biases)):
            for name, value in arrays.items():
                if not np.all(np.isfinite(value)):
                    raise DivergenceError(
                        f"MNIST ({self.variant}): {kind} '{name}' became NaN or infinite; "
                        "lower the learning rates; the last saved epoch is kept"
                    )


def predict(classifier: Classifier, params: MicrocircuitParams, images: np.ndarray, batch: int = 1000) -> np.ndarray:
    """Class labels: the output neuron with the highest rate, without nudging (spiking: the most spikes).

    A rate classifier settles at the steady state; a spiking one (``params`` in spiking mode) is shown
    each image as its ``presentation`` says (:func:`.spiking_learning.classify`, spikes of seed 0).

    Parameters
    ----------
    classifier : Classifier
        The classifier.
    params : MicrocircuitParams
        Its parameter record.
    images : numpy.ndarray
        Input rates, shape (n_images, 784), in [0, 1].
    batch : int, default 1000
        Images settled (or shown) at once.

    Returns
    -------
    numpy.ndarray
        The predicted labels, integers, shape (n_images,).

    Raises
    ------
    ParameterError
        If ``params`` is in spiking mode and the classifier has no presentation.
    """
    if params.spiking_mode:
        if classifier.presentation is None:
            raise ParameterError("a classifier of a spiking record needs its presentation (Classifier.presentation)")
        return classify(classifier, params, classifier.presentation, images, batch=batch)[0]
    engine = SteadyStateEngine(params)
    labels = [
        np.argmax(engine.settle(classifier.weights, classifier.biases, images[i : i + batch]).r[-1], axis=1)
        for i in range(0, len(images), batch)
    ]
    return np.concatenate(labels)
