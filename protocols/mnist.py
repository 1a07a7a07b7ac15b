"""Fig. 3: MNIST with the steady-state engine (section 3.4).

Variants:

(a) 784-500-500-10, top-down and PI weights fixed, self-predicting start;
(b) as (a) with the hidden-to-hidden weights W_{2,1} also fixed;
(c) 784-1000-10, every pathway plastic (top-down by Eq. 10), random start;

baselines on (a)'s architecture: the shallow learner (only W_{3,2} learns) and
standard backprop with the same logistic units, targets and mini-batches.

Each variant trains in its own model file ``model_<variant>.npz`` (see
:func:`save_model`), rewritten atomically after every epoch together with the
training log, so that an interrupted run resumes from the last epoch (with the same seed).

This module is also the command group ``brian-dendrites mnist`` (a
:class:`~brian_dendrites.protocols.registry.Group`) of two protocols: :class:`Train` runs
:func:`run_all` and :func:`write_outputs` for a :class:`TrainConfig`, and :class:`Evaluate`
runs :func:`evaluate` for an :class:`EvaluateConfig`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from brian2 import ms
from brian_dendrites.models.microcircuit import (
    MNIST,
    RECORD_TYPES,
    LearningRates,
    MicrocircuitParams,
    projections,
    random_weights,
)
from brian_dendrites.models.microcircuit import self_predicting_weights as self_predicting
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.protocols.modes import add_mode_options
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from brian_dendrites import cli
from brian_dendrites import mnist as mnist_data
from brian_dendrites.canonical import dumps, from_json
from brian_dendrites.errors import DivergenceError, FileFormatError, ParameterError
from brian_dendrites.files import atomic_savez, atomic_target, check_output_folder, prepare_output, read_npz
from brian_dendrites.interrupt import process_pool
from brian_dendrites.transfer import transfer_function
from brian_dendrites.validation import is_finite_real, is_integer, is_real, repeated

__all__ = [
    "VARIANTS",
    "Variant",
    "Model",
    "one_hot",
    "best_validation",
    "train_epoch",
    "backprop_rate",
    "backprop_schedule",
    "train_stack",
    "run_seeds",
    "run_all_seeds",
    "BACKENDS",
    "predict",
    "save_model",
    "load_model",
    "evaluate",
    "run",
    "run_all",
    "write_outputs",
    "HELP",
    "COMMANDS",
    "TrainConfig",
    "EvaluateConfig",
    "Train",
    "Evaluate",
]

HELP = "Fig. 3: MNIST with the steady-state engine"

TARGET_LOW, TARGET_HIGH = 0.1, 0.8
#: Initial weights U(-0.2, 0.2) in every pathway. Top-down at the bottom-up scale starts each hidden
#: layer's error at backprop's magnitude, so that the inverse-lambda rescaling balances the layers
#: (with top-down U(-1, 1) the first layer's weight change was 427x backprop's, the output's 0.59x).
#: Variant (a) with lambda_N = 0.1, after one epoch: 61.7 % validation error at scale 0.1, 17.3 % at
#: 0.2, 63.8 % at 0.4.
WEIGHT_SCALE = 0.2
#: Bottom-up rate of the output layer (1/ms) in (a) and (b); one mini-batch applies 1 ms of Eqs. 7-10.
#: At the output, Eq. 7 is a delta rule with gain eta lambda_N a_B phi' |r_{N-1}|^2: with
#: lambda_N = 0.5, 0.2/ms oscillated (about 90 % validation error for 5 epochs). (c)'s hidden layer is
#: twice as wide, hence twice |r_1|^2: at 0.1/ms its validation error jumped between 5 % and 23 %,
#: so it uses half the rate.
BASE_RATE = 0.1
#: Factor on the hidden layers' rescaled rates. The fixed top-down weights keep their initial scale
#: while the bottom-up weights grow, so the hidden errors end up smaller than backprop's. Validation
#: error after 12 epochs: (a) 3.12 % at 3, 4.40 % at 1, 3.82 % at 10 with eta_IP_1 held at 0.5/ms
#: (at half the W_{2,1} rate, 1.7/ms, it lost self-prediction); (c) 3.0 % at 20, 3.08 % at 40,
#: 3.28 % at 8, 6.02 % at 1. In (b), W_{1,0} is the only hidden pathway that learns; mean validation
#: error over epochs 91-100: 2.10 % at 3, 1.82 % at 6, 1.67 % at 10.
HIDDEN_GAIN = {"a": 3.0, "b": 10.0, "c": 20.0}
#: Standard backprop's learning rate per mini-batch (2.0 collapses to chance in the first epoch),
#: held for BACKPROP_HOLD epochs, then multiplied by BACKPROP_DECAY after each epoch
#: (:func:`backprop_rate`). 1.79 % test error after 70 epochs; schedules, a cross-entropy loss, L2 and
#: dropout ended no lower (docs/mnist.md, "The backprop baseline").
BACKPROP_RATE = 1.0
BACKPROP_HOLD = 50
BACKPROP_DECAY = 0.9
#: Layout of the model files that :func:`save_model` writes; files without ``format_version`` are 0.
FORMAT_VERSION = 1
#: The entries of a model file besides ``weights/...`` and ``biases/...``, by format version.
_ENTRIES = {
    0: {"variant", "phi", "phi_parameters", "log"},
    1: {"format_version", "variant", "params", "log", "seed", "schedule"},
}
#: The steady-state engine's array backends: NumPy (the default and reference) and PyTorch.
BACKENDS = ("numpy", "torch")


@dataclass(frozen=True)
class Variant:
    """One MNIST experiment: a parameter record, how it starts, and what learns.

    Parameters
    ----------
    name : str
        The variant's key in :data:`VARIANTS` ("a", "b", "c", "shallow", "backprop").
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
    """

    name: str
    params: MicrocircuitParams
    self_predicting_start: bool = True
    frozen: tuple[str, ...] = ()  # projections whose weights stay fixed
    backprop: bool = False
    start: Callable[[dict, dict, MicrocircuitParams], None] | None = None
    thresholds: bool = True
    inputs: Callable[[np.ndarray], np.ndarray] | None = None


def _rates(lam_hidden: float, n_hidden: int, base: float, hidden_gain: float) -> LearningRates:
    """Bottom-up rates base x [g/lambda^2, g/lambda, 1] from the first layer up (g = ``hidden_gain``):
    each hidden layer sees the output error diluted once more by its mixing factor. eta_IP_k is half
    the rate of the bottom-up pathway W_{k+1,k} it learns to predict.

    Eq. 8 is a delta rule with gain eta_IP a_D lambda_I phi' |r_k|^2 along the mean rate vector,
    and it oscillates once that gain exceeds 2: with |r_1|^2 ~ 250, eta_IP_1 = 0.5/ms is stable,
    1.3/ms and 1.7/ms were not."""
    hidden = tuple(hidden_gain * base * lam_hidden ** -(n_hidden - k) / ms for k in range(n_hidden))
    bottom_up = hidden + (base / ms,)
    return LearningRates(bottom_up=bottom_up, ip=tuple(r / 2 for r in bottom_up[1:]), pi=0 / ms, top_down=0 / ms)


#: The hidden layers' mixing factor g_A / (g_lk + g_B + g_A), rounded to the 0.30 the rescaling uses.
_LAMBDA_HIDDEN = round(MNIST.hidden_layer(1).apical_mixing, 2)
_TWO_LAYER = MNIST.replace(eta=_rates(_LAMBDA_HIDDEN, 2, BASE_RATE, HIDDEN_GAIN["a"]))
#: (b): W_{2,1} is fixed, so the layer-1 interneurons have nothing to track. At (a)'s eta_IP_1 of
#: 0.5/ms they drifted from it and (b) collapsed at epoch 9 (62 % test error); (b) uses the IP rates
#: without the hidden gain.
_FIXED_W21 = MNIST.replace(
    eta=replace(_rates(_LAMBDA_HIDDEN, 2, BASE_RATE, HIDDEN_GAIN["b"]), ip=_rates(_LAMBDA_HIDDEN, 2, BASE_RATE, 1.0).ip)
)
_ONE_LAYER = MNIST.replace(
    sizes=(784, 1000, 10),
    plastic=frozenset({"bottom_up", "ip", "pi", "top_down"}),
    # Mean validation error over epochs 51-60: PI 1e-3, 1e-2, 3e-2/ms (top-down 1e-4): 3.74, 2.45,
    # 2.33 %; top-down 1e-3, 1e-4, 1e-5/ms (PI 3e-2): 3.26 (51-57), 2.33, 1.76 %. This fits PI having
    # to cancel the top-down input faster than it changes.
    eta=replace(_rates(_LAMBDA_HIDDEN, 1, BASE_RATE / 2, HIDDEN_GAIN["c"]), pi=3e-2 / ms, top_down=1e-5 / ms),
)

VARIANTS = {
    "a": Variant("a", _TWO_LAYER),
    "b": Variant("b", _FIXED_W21, frozen=("bottom_up_2",)),
    "c": Variant("c", _ONE_LAYER, self_predicting_start=False),
    "shallow": Variant("shallow", _TWO_LAYER, frozen=("bottom_up_1", "bottom_up_2")),
    "backprop": Variant("backprop", _TWO_LAYER, backprop=True),
}


def _empty_log() -> dict:
    return {"epoch": [], "validation_error": [], "test_error": [], "wall_s": []}


@dataclass
class Model:
    """A model in training: weights and thresholds, with its training log.

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
        misclassified) and ``wall_s`` (seconds), one entry per epoch; empty by default.
    seed : int, optional
        The seed of the initial weights and the shuffling; None where unknown.
    schedule : dict, optional
        A backprop model's learning-rate schedule (:func:`backprop_schedule`); None for the others,
        and for backprop models saved before schedules were recorded.
    """

    variant: str
    weights: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]
    log: dict = field(default_factory=_empty_log)
    seed: int | None = None
    schedule: dict | None = None

    @classmethod
    def initial(cls, variant: Variant, rng: np.random.Generator) -> Model:
        """The untrained model of ``variant``.

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
        Model
            The model, with an empty log and ``seed`` None.
        """
        p = variant.params
        weights = random_weights(p, rng, WEIGHT_SCALE)
        if variant.self_predicting_start:
            weights = self_predicting(p, weights)
        as32 = {k: v.astype(np.float32) for k, v in weights.items()}
        biases = {k: np.zeros(v.shape[0], np.float32) for k, v in as32.items() if k.startswith(("bottom_up", "ip"))}
        if variant.start is not None:
            variant.start(as32, biases, p)
        return cls(variant.name, as32, biases, schedule=backprop_schedule() if variant.backprop else None)

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


def one_hot(labels: np.ndarray, n: int = 10) -> np.ndarray:
    """Target rates of ``labels``: 0.8 for the label's output neuron, 0.1 for the others.

    Parameters
    ----------
    labels : numpy.ndarray
        Class labels, integers in [0, ``n``), shape (n_images,).
    n : int, default 10
        Number of classes (output neurons).

    Returns
    -------
    numpy.ndarray
        The target rates, float32, shape (n_images, ``n``).

    Raises
    ------
    ParameterError
        If ``labels`` is not one-dimensional, not of an integer type, or holds a value outside [0, ``n``).
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):  # [] is a float array
        raise ParameterError(f"labels must be integers in [0, {n}) in one dimension, got {labels.dtype} {labels.shape}")
    if labels.size and not 0 <= labels.min() <= labels.max() < n:
        raise ParameterError(f"labels must be integers in [0, {n}), got values from {labels.min()} to {labels.max()}")
    rates = np.full((len(labels), n), TARGET_LOW, np.float32)
    rates[np.arange(len(labels)), labels.astype(np.intp, copy=False)] = TARGET_HIGH
    return rates


def predict(model: Model, params: MicrocircuitParams, images: np.ndarray, batch: int = 1000) -> np.ndarray:
    """Class labels: the output neuron with the highest rate, without nudging.

    Parameters
    ----------
    model : Model
        The model.
    params : MicrocircuitParams
        Its parameter record.
    images : numpy.ndarray
        Input rates, shape (n_images, 784), in [0, 1].
    batch : int, default 1000
        Images settled at once.

    Returns
    -------
    numpy.ndarray
        The predicted labels, integers, shape (n_images,).
    """
    engine = SteadyStateEngine(params)
    labels = [
        np.argmax(engine.settle(model.weights, model.biases, images[i : i + batch]).r[-1], axis=1)
        for i in range(0, len(images), batch)
    ]
    return np.concatenate(labels)


def backprop_schedule() -> dict:
    """The backprop variants' learning-rate schedule, as a model file records it.

    Returns
    -------
    dict
        ``rate``, ``hold`` and ``decay``: BACKPROP_RATE, BACKPROP_HOLD and BACKPROP_DECAY.
    """
    return {"rate": BACKPROP_RATE, "hold": BACKPROP_HOLD, "decay": BACKPROP_DECAY}


def _describe_schedule(schedule: dict) -> str:
    return f"rate {schedule['rate']:g} for {schedule['hold']} epochs, then x{schedule['decay']:g} per epoch"


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
    model: Model, variant: Variant, images, labels, rng, batch: int = 10, progress=None, epoch: int = 0
) -> None:
    """One pass over shuffled ``images`` in mini-batches of ``batch`` (weight changes averaged).

    Each mini-batch applies 1 ms of Eqs. 7-10 at the steady state with the targets of
    :func:`one_hot` nudging the output, or, for a backprop variant, one step of standard backprop.
    ``model`` is changed in place.

    Parameters
    ----------
    model : Model
        The model to train.
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
    """
    p, engine = variant.params, SteadyStateEngine(variant.params)
    u_targets = p.phi.inverse(one_hot(labels)).astype(np.float32)
    order = rng.permutation(len(images))
    for start in range(0, len(order), batch):
        idx = order[start : start + batch]
        if variant.backprop:
            _backprop_step(model, engine, images[idx], one_hot(labels[idx]), backprop_rate(epoch))
        else:
            state = engine._settle(model.weights, model.biases, images[idx], u_targets[idx])  # unchecked: inner loop
            # 1 ms of Eqs. 7-10
            engine.learn(state, model.weights, model.biases, 1.0, variant.frozen, variant.thresholds)
        if progress is not None:
            progress.update(len(idx))


def _backprop_step(model: Model, engine: SteadyStateEngine, x: np.ndarray, r_target: np.ndarray, rate: float) -> None:
    """SGD at ``rate`` on 1/2 ||r_N - r_trgt||^2 through the feedforward network, u_k = a_B v_B,k (no apical input)."""
    # The rates of settle's hidden layers add the apical input of the fixed top-down and interneuron weights,
    # which no longer cancel once W changes: backprop through those rates is not backprop.
    state, n, phi = engine._feedforward(model.weights, model.biases, x), engine.n, engine.phi  # unchecked
    delta = (state.r[n] - r_target) * phi.derivative(state.u[n])
    for k in range(n, 0, -1):
        a_B = engine.a_B[k]
        name = f"bottom_up_{k}"
        grad_w = a_B * (delta.T @ state.r[k - 1]) / len(x)
        grad_b = a_B * delta.mean(axis=0)
        if k > 1:
            delta = a_B * (delta @ model.weights[name]) * phi.derivative(state.u[k - 1])
        model.weights[name] -= rate * grad_w.astype(np.float32)
        model.biases[name] -= rate * grad_b.astype(np.float32)


def save_model(model: Model, params: MicrocircuitParams, path: Path) -> Path:
    """Write ``model`` atomically to ``path``, an NPZ file (format version 1) holding

    - ``weights/<projection>`` (post, pre) and ``biases/<projection>`` (post,): float32 arrays;
    - ``variant``; ``params``, the parameter record as canonical JSON with units
      (:func:`brian_dendrites.canonical.dumps`), which :func:`load_model` reads back;
    - ``log`` (JSON: epoch, validation_error, test_error, wall_s per epoch);
    - ``format_version`` (int, 1) and ``seed`` (int, that of the initial weights and the
      shuffling; absent where ``model.seed`` is None);
    - ``schedule`` (JSON, a backprop model's learning-rate schedule; absent where ``model.schedule``
      is None).

    Files of format version 0 have no ``format_version`` and ``seed``, and instead of the record
    the transfer function's name ``phi`` and its ``phi_parameters`` (JSON).

    Parameters
    ----------
    model : Model
        The model.
    params : MicrocircuitParams
        Its parameter record.
    path : str or os.PathLike
        The file; an interruption leaves an earlier file intact.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    content = {f"weights/{k}": v for k, v in model.weights.items()} | {
        f"biases/{k}": v for k, v in model.biases.items()
    }
    content |= {
        "format_version": np.array(FORMAT_VERSION),
        "variant": np.array(model.variant),
        "params": np.array(dumps(params)),
        "log": np.array(json.dumps(model.log)),
    }
    if model.seed is not None:
        content["seed"] = np.array(model.seed)
    if model.schedule is not None:
        content["schedule"] = np.array(json.dumps(model.schedule, sort_keys=True))
    atomic_savez(path, content)
    return Path(path)


def _expected_arrays(params: MicrocircuitParams) -> dict[str, tuple[int, ...]]:
    """The shape of every array of a model with ``params`` (those :meth:`Model.initial` creates)."""
    shapes = {}
    for p in projections(params.sizes):
        shapes[f"weights/{p.name}"] = (p.n_post, p.n_pre)
        if p.pathway in ("bottom_up", "ip"):
            shapes[f"biases/{p.name}"] = (p.n_post,)
    return shapes


def _integer(content: dict[str, np.ndarray], name: str, path: Path, default: int | None) -> int | None:
    """The integer ``content[name]``, or ``default`` if absent."""
    if name not in content:
        return default
    value = content[name]
    if value.shape != () or value.dtype.kind not in "iu":
        raise FileFormatError(f"{path}: '{name}' is {value.dtype} {value.shape}, expected one integer")
    return int(value)


def load_model(path: Path) -> tuple[Model, MicrocircuitParams]:
    """The model and the parameter record stored with it (for format version 0, the variant's record
    with the saved transfer function).

    Nothing in the file is executed (no pickles). Raises :class:`FileFormatError`, naming ``path``
    and the fault, if the file is not a model file of a known format version, holds other entries
    than those :func:`save_model` writes, its weights and thresholds are not exactly the float32
    arrays, finite and of the shapes, of its variant, or its log is not one entry per epoch 1..n
    (lists of equal length; errors in [0, 1]; ``wall_s`` finite and >= 0). Files of format version 0
    (see :func:`save_model`) load with ``seed`` None.

    Parameters
    ----------
    path : str or os.PathLike
        A model file written by :func:`save_model`.

    Returns
    -------
    model : Model
        The model, with its log and seed.
    params : MicrocircuitParams
        Its parameter record.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    FileFormatError
        If the file is not a model file of a known format version, or its contents do not fit.
    """
    path = Path(path)
    content = read_npz(path, "model file")
    version = _integer(content, "format_version", path, default=0)
    if version not in (0, FORMAT_VERSION):
        raise FileFormatError(f"{path}: format_version {version} is unknown (expected 0 to {FORMAT_VERSION})")
    absent = [k for k in ("variant", *(("params",) if version else ("phi", "phi_parameters"))) if k not in content]
    if absent:
        raise FileFormatError(f"{path}: not a model file, it lacks {absent}")
    unexpected = sorted(k for k in content if k not in _ENTRIES[version] and not k.startswith(("weights/", "biases/")))
    if unexpected:
        raise FileFormatError(
            f"{path}: unexpected entries {unexpected}; a model file of format version {version} holds only "
            f"{sorted(_ENTRIES[version])} besides its weights/ and biases/"
        )
    variant = str(content["variant"])
    if not version and variant not in VARIANTS:  # version 1 files carry their own record
        raise FileFormatError(f"{path}: unknown variant '{variant}', expected one of {sorted(VARIANTS)}")
    params = _stored_params(content, path) if version else _version_0_params(content, path, variant)
    try:
        log = json.loads(str(content["log"])) if "log" in content else _empty_log()
    except ValueError as error:
        raise FileFormatError(f"{path}: 'log' is not valid JSON ({error})") from error
    _check_log(log, path)

    expected = _expected_arrays(params)
    found = {k for k in content if k.startswith(("weights/", "biases/"))}
    if found != expected.keys():
        missing, extra = sorted(expected.keys() - found), sorted(found - expected.keys())
        raise FileFormatError(f"{path}: not the arrays of variant '{variant}': missing {missing}, unexpected {extra}")
    for name, shape in expected.items():
        value = content[name]
        if value.shape != shape or value.dtype != np.float32:
            raise FileFormatError(f"{path}: '{name}' is {value.dtype} {value.shape}, expected float32 {shape}")
        if not np.all(np.isfinite(value)):
            raise FileFormatError(f"{path}: '{name}' holds NaN or infinite values")
    weights, biases = (
        {k.split("/", 1)[1]: content[k] for k in expected if k.startswith(f"{kind}/")} for kind in ("weights", "biases")
    )
    schedule = _schedule(content, path)
    return Model(variant, weights, biases, log, _integer(content, "seed", path, default=None), schedule), params


def _schedule(content: dict[str, np.ndarray], path: Path) -> dict | None:
    """The backprop schedule a model file records, or None."""
    if "schedule" not in content:
        return None
    try:
        schedule = json.loads(str(content["schedule"]))
    except ValueError as error:
        raise FileFormatError(f"{path}: 'schedule' is not valid JSON ({error})") from error
    numbers = isinstance(schedule, dict) and schedule.keys() == backprop_schedule().keys()
    if not (numbers and is_real(schedule["rate"]) and is_real(schedule["decay"]) and is_integer(schedule["hold"])):
        raise FileFormatError(f"{path}: 'schedule' must map rate and decay to numbers and hold to an integer")
    return schedule


def _check_log(log, path: Path) -> None:
    """Refuse a training log that is not one entry per epoch 1..n of fractions and durations."""
    keys = _empty_log().keys()
    if not isinstance(log, dict) or log.keys() != keys or not all(isinstance(v, list) for v in log.values()):
        raise FileFormatError(f"{path}: 'log' must map {', '.join(keys)} to lists, and nothing else")
    lengths = {k: len(v) for k, v in log.items()}
    if len(set(lengths.values())) > 1:
        raise FileFormatError(f"{path}: 'log' lists of unequal lengths {lengths}, expected one entry per epoch")
    wrong = [(i, e) for i, e in enumerate(log["epoch"], 1) if type(e) is not int or e != i]
    if wrong:
        raise FileFormatError(
            f"{path}: 'log' epochs must be 1, 2, ..., {len(log['epoch'])}, got {wrong[0][1]!r} as entry {wrong[0][0]}"
        )
    for key, high in (("validation_error", 1.0), ("test_error", 1.0), ("wall_s", math.inf)):
        bad = [v for v in log[key] if not is_finite_real(v) or not 0 <= v <= high]
        if bad:
            allowed = "fractions in [0, 1]" if high == 1 else "finite seconds >= 0"
            raise FileFormatError(f"{path}: 'log' {key} must be {allowed}, got {bad[0]!r}")


def _stored_params(content: dict[str, np.ndarray], path: Path) -> MicrocircuitParams:
    """The parameter record stored as canonical JSON; only known record types are built."""
    try:
        params = from_json(json.loads(str(content["params"])), RECORD_TYPES)
    except (ValueError, TypeError) as error:  # also bad JSON, a field or value a record refuses
        raise FileFormatError(f"{path}: unusable parameter record 'params' ({error})") from error
    if not isinstance(params, MicrocircuitParams):
        raise FileFormatError(f"{path}: 'params' holds a {type(params).__name__}, not a MicrocircuitParams")
    return params


def _version_0_params(content: dict[str, np.ndarray], path: Path, variant: str) -> MicrocircuitParams:
    """The variant's record with the transfer function saved in a format-0 file."""
    try:
        phi = transfer_function(str(content["phi"]), **json.loads(str(content["phi_parameters"])))
    except (ValueError, TypeError) as error:  # also bad JSON, parameters of another function
        raise FileFormatError(f"{path}: unusable transfer function ({error})") from error
    return VARIANTS[variant].params.replace(phi=phi)


def evaluate(path: Path, data_dir=None, part: str = "test") -> dict:
    """Classification error of the saved model ``path`` on the ``part`` images (train, validation, test).

    Parameters
    ----------
    path : str or os.PathLike
        A model file written by :func:`save_model`.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files; None: see :func:`brian_dendrites.mnist.locate`.
    part : {"train", "validation", "test"}, default "test"
        The images: the first 55,000 training images, the last 5,000, or the 10,000 test images.

    Returns
    -------
    dict
        ``model`` (the path), ``variant``, ``part``, ``images`` (their number), ``errors`` (the
        number misclassified) and ``error`` (the fraction misclassified).

    Raises
    ------
    ParameterError
        If ``part`` is not one of the three.
    FileNotFoundError
        If the model file or the MNIST files cannot be found.
    FileFormatError
        If the model file or an MNIST file is damaged or of another kind, or the model's network does
        not take MNIST images.
    """
    if part not in ("train", "validation", "test"):
        raise ParameterError(f"part must be 'train', 'validation' or 'test', got '{part}'")
    model, params = load_model(path)
    if params.sizes[0] != 784:
        raise FileFormatError(
            f"{path}: its network takes {params.sizes[0]} inputs, not an MNIST image's 784 pixels "
            "(the attention protocol's model is measured by brian-dendrites attention)"
        )
    images, labels = mnist_data.split(mnist_data.load(data_dir))[part]
    wrong = int(np.sum(predict(model, params, images) != labels))
    return {
        "model": str(path),
        "variant": model.variant,
        "part": part,
        "images": len(labels),
        "errors": wrong,
        "error": wrong / len(labels),
    }


def _resumable(path: Path, variant: Variant, seed: int) -> Model | None:
    """The model in ``path`` to resume training ``variant`` with ``seed``, or None if there is no file."""
    if not path.exists():
        return None
    model, params = load_model(path)
    variant_name = variant.name
    if model.variant != variant_name:
        raise FileFormatError(f"{path} holds variant '{model.variant}', not '{variant_name}'")
    if model.seed is None:
        raise FileFormatError(
            f"{path} records no seed for its weights and shuffling (format version 0, or not written by run), so "
            "training cannot resume from it reproducibly: choose another output folder (it can still be evaluated)"
        )
    if dumps(params) != dumps(variant.params):
        raise ParameterError(
            f"{path} was trained with other parameters than variant '{variant_name}' has now; it can be "
            "evaluated, but training it further would mix two configurations: choose another output folder"
        )
    if variant.backprop and model.schedule != backprop_schedule():
        trained = (
            "records no learning-rate schedule (an earlier version wrote it)"
            if model.schedule is None
            else f"was trained with the backprop learning-rate schedule of {_describe_schedule(model.schedule)}"
        )
        raise ParameterError(
            f"{path} {trained}, not the present {_describe_schedule(backprop_schedule())}; it can be evaluated, "
            "but choose another output folder to train"
        )
    if model.seed != seed:
        raise ParameterError(
            f"seed {seed} differs from the seed {model.seed} that {path} was trained with: pass seed {model.seed} "
            f"(--seed {model.seed}) to resume it, or choose another output folder"
        )
    return model


def run(
    variant_name: str | Variant,
    epochs: int,
    out: Path,
    data_dir=None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = True,
    position: int = 0,
) -> dict:
    """Train ``variant_name`` to ``epochs`` epochs in ``out/model_<variant>.npz``, resuming from that file.

    The file, if it exists, must have been trained with the same ``seed`` and the variant's current
    parameters. After every epoch the model is evaluated on the validation and test images and
    saved, its log included.

    Parameters
    ----------
    variant_name : str or Variant
        A key of :data:`VARIANTS`, or a variant of another protocol (e.g. attention).
    epochs : int
        The number of epochs the model should have been trained for in the end, >= 1; a model
        trained that far already is not trained further.
    out : str or os.PathLike
        The folder of the model file; created if needed.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files; None: see :func:`brian_dendrites.mnist.locate`.
    seed : int, default 0
        Seed of the initial weights and the shuffling; >= 0.
    limit : int, optional
        Train on the first ``limit`` training images only; None: all 55,000.
    progress : bool, default True
        Show a progress bar.
    position : int, default 0
        The line of the progress bar (for runs in parallel processes).

    Returns
    -------
    dict of str to list
        The model's training log (see :class:`Model`), earlier epochs included.

    Raises
    ------
    ParameterError
        If ``variant_name`` is unknown, ``epochs`` < 1, or the model file was trained with another
        seed or other parameters.
    FileFormatError
        If the model file is damaged, holds another variant or records no seed, or an MNIST file is
        damaged.
    FileNotFoundError
        If the MNIST files cannot be found.
    OutputError
        If ``out`` cannot be created or is not a writable folder.
    DivergenceError
        If a weight or threshold becomes NaN or infinite; the last saved epoch is kept.
    """
    if not isinstance(variant_name, Variant) and variant_name not in VARIANTS:
        raise ParameterError(f"variant must be one of {sorted(VARIANTS)}, got '{variant_name}'")
    if epochs < 1:
        raise ParameterError(f"epochs must be an integer >= 1, got {epochs}")
    variant = variant_name if isinstance(variant_name, Variant) else VARIANTS[variant_name]
    path = prepare_output(out) / f"model_{variant.name}.npz"
    model = _start(variant, path, seed)
    parts = _data(variant, data_dir)
    train_x, train_y = (a[:limit] for a in parts["train"])
    done = len(model.log["epoch"])
    bar = tqdm(
        total=epochs * len(train_x),
        initial=min(done, epochs) * len(train_x),
        disable=not progress,
        desc=f"MNIST ({variant.name})",
        unit="img",
        position=position,
    )
    for epoch in range(done, epochs):
        start = time.perf_counter()
        with threadpool_limits(1):  # see SteadyStateEngine.learn
            train_epoch(
                model, variant, train_x, train_y, np.random.default_rng([seed, epoch]), progress=bar, epoch=epoch
            )
        _end_epoch(model, variant, parts, epoch, time.perf_counter() - start, path, bar)
    bar.close()
    return model.log


def _start(variant: Variant, path: Path, seed: int) -> Model:
    """The model in ``path`` to resume, or the variant's initial model for ``seed``."""
    model = _resumable(path, variant, seed)
    if model is None:
        model = Model.initial(variant, np.random.default_rng(seed))
        model.seed = seed
        model.schedule = backprop_schedule() if variant.backprop else None
    return model


def _data(variant: Variant, data_dir) -> dict:
    """The train, validation and test parts of MNIST, as the variant's network takes them."""
    parts = mnist_data.split(mnist_data.load(data_dir))
    if variant.inputs is not None:
        parts = {part: (variant.inputs(images), labels) for part, (images, labels) in parts.items()}
    return parts


def _end_epoch(
    model: Model, variant: Variant, parts: dict, epoch: int, seconds: float, path: Path, bar, errors=None
) -> None:
    """Check, evaluate (unless ``errors`` gives the validation and test errors), log and save ``model``
    after training epoch ``epoch`` (0-based)."""
    model.check_finite()
    log = model.log
    for part in ("validation", "test"):
        images, labels = parts[part]
        error = errors[part] if errors else float(np.mean(predict(model, variant.params, images) != labels))
        log[f"{part}_error"].append(error)
    log["epoch"].append(epoch + 1)
    log["wall_s"].append(seconds)
    save_model(model, variant.params, path)
    bar.set_postfix(test_error=f"{100 * log['test_error'][-1]:.2f}%")


def train_stack(models: list[Model], variant: Variant, images, labels, rngs, device="cpu", batch=10, progress=None):
    """One epoch of several models of ``variant`` at once, stacked on PyTorch (CPU or CUDA).

    Model s sees the images in the order ``rngs[s].permutation``, in mini-batches of ``batch``, as
    :func:`train_epoch` with that generator would show them; the weights and thresholds are
    replaced by the trained ones (float32 NumPy arrays).

    Parameters
    ----------
    models : list of Model
        Models of ``variant`` (the same parameters), changed in place.
    variant : Variant
        Their variant; not a backprop variant.
    images : numpy.ndarray
        Input rates, (n_images, n_0).
    labels : numpy.ndarray
        Class labels, (n_images,).
    rngs : list of numpy.random.Generator
        One per model: shuffles its images.
    device : str or torch.device, default "cpu"
        Where the stack trains, e.g. "cuda".
    batch : int, default 10
        Images per mini-batch.
    progress : tqdm.tqdm, optional
        A progress bar, advanced by the images of every model.

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
    weights = {k: torch.from_numpy(np.stack([m.weights[k] for m in models])).to(device) for k in models[0].weights}
    biases = {k: torch.from_numpy(np.stack([m.biases[k] for m in models])).to(device) for k in models[0].biases}
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).to(device)
    u_targets = torch.from_numpy(engine.phi.inverse(one_hot(labels)).astype(np.float32)).to(device)
    orders = torch.from_numpy(np.stack([rng.permutation(len(images)) for rng in rngs])).to(device)
    for start in range(0, len(images), batch):
        idx = orders[:, start : start + batch]
        state = engine._settle(weights, biases, x[idx], u_targets[idx])  # unchecked: no GPU sync per batch
        engine.learn(state, weights, biases, 1.0, variant.frozen, variant.thresholds)  # 1 ms of Eqs. 7-10
        if progress is not None:
            progress.update(idx.numel())
    for s, model in enumerate(models):
        model.weights = {k: w[s].cpu().numpy() for k, w in weights.items()}
        model.biases = {k: b[s].cpu().numpy() for k, b in biases.items()}
    return weights, biases


def _stack_errors(engine: SteadyStateEngine, weights: dict, biases: dict, parts: dict, device, batch: int = 1000):
    """The validation and test errors of every network of a stack, computed on ``device``: [{part: error}]."""
    import torch

    wrong = {}
    for part in ("validation", "test"):
        images, labels = parts[part]
        x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).to(device)
        chunks = [
            engine.feedforward(weights, biases, x[i : i + batch]).r[-1].argmax(-1) for i in range(0, len(x), batch)
        ]
        wrong[part] = (torch.cat(chunks, -1) != torch.from_numpy(labels).to(device)).double().mean(-1).cpu().numpy()
    return [{part: float(rates[s]) for part, rates in wrong.items()} for s in range(len(wrong["test"]))]


def run_seeds(
    variant_name: str | Variant,
    epochs: int,
    out: Path,
    data_dir=None,
    seeds=(0,),
    limit: int | None = None,
    progress: bool = True,
    backend: str = "numpy",
    device: str = "cpu",
) -> dict:
    """Train ``variant_name`` for every seed, each in ``out/seed_<seed>/model_<variant>.npz``, resuming.

    The numpy backend trains the seeds one after another (:func:`run`); the torch backend trains
    them at once, stacked (:func:`train_stack`), on ``device``, and evaluates the stack there. Each
    model file is checked and saved after every epoch as :func:`run` does; its ``wall_s`` is the whole
    stack's training epoch.
    Models that an interruption left ahead wait until the others reach their epoch.

    Parameters
    ----------
    variant_name : str or Variant
        A key of :data:`VARIANTS`, or a variant of another protocol.
    epochs : int
        Epochs every model should reach, >= 1.
    out : str or os.PathLike
        The folder of the seed folders; created if needed.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files.
    seeds : sequence of int, default (0,)
        The seeds, each >= 0, no repeats.
    limit : int, optional
        Train on the first ``limit`` training images only.
    progress : bool, default True
        Show a progress bar.
    backend : {"numpy", "torch"}, default "numpy"
        The steady-state engine's arrays.
    device : str, default "cpu"
        The torch backend's device, e.g. "cuda".

    Returns
    -------
    dict of int to dict
        Seed -> its model's training log.

    Raises
    ------
    ParameterError
        For an unknown variant or backend, ``epochs`` < 1, repeated seeds, or model files of other
        seeds or parameters.
    """
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be one of {BACKENDS}, got {backend!r}")
    seeds = tuple(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ParameterError(f"seeds must be distinct, at least one, got {seeds}")
    if epochs < 1:
        raise ParameterError(f"epochs must be an integer >= 1, got {epochs}")
    folders = {seed: Path(out) / f"seed_{seed}" for seed in seeds}
    if backend == "numpy":
        return {seed: run(variant_name, epochs, folders[seed], data_dir, seed, limit, progress) for seed in seeds}
    variant = variant_name if isinstance(variant_name, Variant) else VARIANTS[variant_name]
    paths = {seed: prepare_output(folders[seed]) / f"model_{variant.name}.npz" for seed in seeds}
    models = {seed: _start(variant, paths[seed], seed) for seed in seeds}
    parts = _data(variant, data_dir)
    train_x, train_y = (a[:limit] for a in parts["train"])
    done = {seed: min(len(m.log["epoch"]), epochs) for seed, m in models.items()}
    bar = tqdm(
        total=epochs * len(train_x) * len(seeds),
        initial=sum(done.values()) * len(train_x),
        disable=not progress,
        desc=f"MNIST ({variant.name}, {len(seeds)} seeds, {device})",
        unit="img",
    )
    for epoch in range(min(done.values()), epochs):
        due = [seed for seed in seeds if len(models[seed].log["epoch"]) == epoch]
        start = time.perf_counter()
        rngs = [np.random.default_rng([seed, epoch]) for seed in due]
        stack = train_stack([models[seed] for seed in due], variant, train_x, train_y, rngs, device, progress=bar)
        seconds = time.perf_counter() - start
        errors = _stack_errors(SteadyStateEngine(variant.params), *stack, parts, device)
        for seed, error in zip(due, errors, strict=True):
            _end_epoch(models[seed], variant, parts, epoch, seconds, paths[seed], bar, error)
    bar.close()
    return {seed: models[seed].log for seed in seeds}


def run_all(variants, epochs: int, out: Path, data_dir=None, seed: int = 0, jobs: int = 2, progress=True) -> dict:
    """Train ``variants`` to ``epochs``, then evaluate every model file in ``out`` on the test images.

    Runs :func:`run` for each variant (``jobs`` processes); the evaluation includes the model files of
    earlier runs. The model files to resume are checked before any training.

    Parameters
    ----------
    variants : iterable of str
        Keys of :data:`VARIANTS`.
    epochs : int
        Epochs of each variant in the end, >= 1.
    out : str or os.PathLike
        The folder of the model files; created if needed.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files; None: see :func:`brian_dendrites.mnist.locate`.
    seed : int, default 0
        Seed of the initial weights and the shuffling; >= 0.
    jobs : int, default 2
        Processes that train variants in parallel.
    progress : bool, default True
        Show progress bars.

    Returns
    -------
    dict
        ``seed`` and ``variants``: for each model file in ``out``, by variant, ``test_error`` (a
        fraction), ``epochs``, ``best_validation_epoch`` and ``test_error_at_best_validation`` (see
        :func:`best_validation`), ``wall_s`` (training time in seconds) and ``log`` (see :class:`Model`).

    Raises
    ------
    ParameterError
        If a variant is unknown, ``epochs`` < 1, or a model file was trained with another seed or
        other parameters.
    FileFormatError
        If a model file is damaged, holds another variant or records no seed, or an MNIST file is
        damaged.
    FileNotFoundError
        If the MNIST files cannot be found.
    OutputError
        If ``out`` cannot be created or is not a writable folder.
    DivergenceError
        If a weight or threshold becomes NaN or infinite.
    """
    folder = prepare_output(out)
    for name in variants:  # fail before any work
        _resumable(folder / f"model_{name}.npz", VARIANTS[name], seed)
    work = [(v, epochs, out, data_dir, seed, None, progress, i) for i, v in enumerate(variants)]
    if jobs > 1 and len(work) > 1:
        with process_pool(jobs) as pool:
            list(pool.map(run, *zip(*work, strict=True)))
    else:
        for job in work:
            run(*job)
    return _collect(out, data_dir, seed)


def _collect(out: Path, data_dir, seed: int) -> dict:
    """``seed`` and, for each model file of a variant in ``out``, its test error and log (see :func:`run_all`)."""
    results = {"seed": seed, "variants": {}}
    for name in VARIANTS:
        path = Path(out) / f"model_{name}.npz"
        if path.exists():
            model, _ = load_model(path)
            results["variants"][name] = {
                "test_error": evaluate(path, data_dir)["error"],
                "epochs": len(model.log["epoch"]),
                **best_validation(model.log),
                "wall_s": float(np.sum(model.log["wall_s"])),
                "log": model.log,
            }
    return results


def best_validation(log: dict) -> dict:
    """The first epoch of ``log`` with the lowest validation error, and the test error at that epoch.

    Parameters
    ----------
    log : dict of str to list
        A training log (see :class:`Model`).

    Returns
    -------
    dict
        ``best_validation_epoch`` (int) and ``test_error_at_best_validation`` (a fraction); both None
        for a log without epochs.
    """
    if not log["epoch"]:
        return {"best_validation_epoch": None, "test_error_at_best_validation": None}
    best = int(np.argmin(log["validation_error"]))
    return {"best_validation_epoch": log["epoch"][best], "test_error_at_best_validation": log["test_error"][best]}


def run_all_seeds(variants, epochs: int, out: Path, data_dir, seeds, backend="numpy", device="cpu", progress=True):
    """Train ``variants`` for every seed (:func:`run_seeds`), then evaluate each seed's folder.

    Parameters
    ----------
    variants : iterable of str
        Keys of :data:`VARIANTS`.
    epochs : int
        Epochs of each model in the end, >= 1.
    out : str or os.PathLike
        The folder of the seed folders ``seed_<seed>``.
    data_dir : str or os.PathLike or None
        The folder with the MNIST files.
    seeds : sequence of int
        The seeds.
    backend : {"numpy", "torch"}, default "numpy"
        The steady-state engine's arrays (torch: the seeds of a variant train at once).
    device : str, default "cpu"
        The torch backend's device.
    progress : bool, default True
        Show progress bars.

    Returns
    -------
    dict
        ``seeds``, ``backend``, ``device``; ``runs``: seed -> what :func:`run_all` returns for its
        folder; ``variants``: name -> ``test_errors`` (one per seed), their ``mean`` and ``std``,
        ``best_validation_epochs`` and ``test_errors_at_best_validation`` (one per seed, see
        :func:`best_validation`) and the latter's ``mean_at_best_validation``.
    """
    for name in variants:
        run_seeds(name, epochs, out, data_dir, seeds, None, progress, backend, device)
    runs = {seed: _collect(Path(out) / f"seed_{seed}", data_dir, seed) for seed in seeds}
    summary = {}
    for name in VARIANTS:
        entries = [runs[seed]["variants"][name] for seed in seeds if name in runs[seed]["variants"]]
        if entries:
            errors = [e["test_error"] for e in entries]
            at_best = [e["test_error_at_best_validation"] for e in entries]
            summary[name] = {
                "test_errors": errors,
                "mean": float(np.mean(errors)),
                "std": float(np.std(errors)),
                "best_validation_epochs": [e["best_validation_epoch"] for e in entries],
                "test_errors_at_best_validation": at_best,
                "mean_at_best_validation": None if None in at_best else float(np.mean(at_best)),
            }
    return {"seeds": list(seeds), "backend": backend, "device": str(device), "runs": runs, "variants": summary}


def write_outputs(out: Path, results: dict) -> list[Path]:
    """Write mnist_results.json and fig3b.png (test error per epoch) into ``out``.

    Both are derived from the model files, so they are replaced on every run; each is written
    atomically.

    Parameters
    ----------
    out : str or os.PathLike
        The output folder.
    results : dict
        What :func:`run_all` returned.

    Returns
    -------
    list of pathlib.Path
        The paths of mnist_results.json and fig3b.png.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    paths = [out / "mnist_results.json", out / "fig3b.png"]
    with atomic_target(paths[0]) as tmp:
        tmp.write_text(json.dumps(results, indent=2))
    styles = {"a": "C0", "b": "C0--", "c": "C2", "shallow": "k", "backprop": "C3"}
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, entry in results["variants"].items():
        log = entry["log"]
        ax.plot(log["epoch"], 100 * np.asarray(log["test_error"]), styles[name], label=name)
    ax.set(xlabel="epoch", ylabel="test error (%)", yscale="log", title="MNIST (Fig. 3B)")
    ax.legend()
    fig.tight_layout()
    with atomic_target(paths[1]) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return paths


@dataclass(frozen=True)
class TrainConfig:
    """The configuration record of ``brian-dendrites mnist train``.

    :func:`run_all` of ``variants`` to ``epochs`` epochs from ``seed`` with ``jobs`` processes, the
    model files in ``out``, MNIST from ``data_dir`` (None: see :func:`brian_dendrites.mnist.locate`).

    Parameters
    ----------
    out : str or os.PathLike
        The folder of the model files ``model_<variant>.npz``, the results and the figure.
    variants : tuple of str, default all of VARIANTS
        The variants to train, keys of :data:`VARIANTS`.
    epochs : int, default 100
        Epochs of 55,000 images each variant should reach, >= 1 (checked by :func:`run`).
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files.
    seed : int, optional
        Seed of the initial weights and the shuffling; >= 0. None: 0, or with ``seeds`` theirs.
    jobs : int, default 2
        Processes that train variants in parallel (without ``seeds``, on numpy).
    seeds : tuple of int, optional
        Train every one of these seeds, each in ``out/seed_<seed>`` (:func:`run_all_seeds`);
        not together with ``seed``.
    backend : {"numpy", "torch"}, default "numpy"
        The steady-state engine's arrays; "torch" trains the seeds of a variant at once, always in
        seed folders (``seed`` alone: ``out/seed_<seed>``).
    device : str, default "cpu"
        The torch backend's device, e.g. "cuda".

    Raises
    ------
    ParameterError
        For an unknown backend, a device other than "cpu" without the torch backend, repeated seeds,
        both ``seed`` and ``seeds``, or the torch backend without PyTorch or the device.
    """

    out: str | os.PathLike
    variants: tuple[str, ...] = tuple(VARIANTS)
    epochs: int = 100
    data_dir: str | os.PathLike | None = None
    seed: int | None = None
    jobs: int = 2
    seeds: tuple[int, ...] | None = None
    backend: str = "numpy"
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_output_folder(self.out)
        if self.backend not in BACKENDS:
            raise ParameterError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.backend == "numpy" and self.device != "cpu":
            raise ParameterError(f"device {self.device!r} needs backend 'torch' (numpy runs on the CPU)")
        if self.seeds is not None and self.seed is not None:
            raise ParameterError(
                f"give seed (--seed) or seeds (--seeds), not both: seed {self.seed} would be ignored for seeds "
                f"{tuple(self.seeds)}"
            )
        if self.seeds is not None:
            object.__setattr__(self, "seeds", tuple(self.seeds))
            if not self.seeds or repeated(self.seeds) is not None or min(self.seeds) < 0:
                raise ParameterError(f"seeds must be distinct integers >= 0, got {self.seeds}")
        if self.backend == "torch":
            try:
                import torch
            except ImportError as error:
                raise ParameterError("backend 'torch' needs PyTorch: pip install 'brian_dendrites[torch]'") from error
            try:
                torch.empty(1, device=self.device)
            except (RuntimeError, AssertionError) as error:
                raise ParameterError(f"device {self.device!r} is not available to PyTorch: {error}") from error


@dataclass(frozen=True)
class EvaluateConfig:
    """The configuration record of ``brian-dendrites mnist evaluate``.

    :func:`evaluate` of the model file ``model`` on the ``part`` images (train, validation, test)
    of MNIST from ``data_dir``.

    Parameters
    ----------
    model : str or os.PathLike
        A model file written by :func:`save_model`.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files; None: see :func:`brian_dendrites.mnist.locate`.
    part : {"train", "validation", "test"}, default "test"
        The images to classify (checked by :func:`evaluate`).
    """

    model: str | os.PathLike
    data_dir: str | os.PathLike | None = None
    part: str = "test"


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="folder with the four MNIST IDX files (default: $BRIAN_DENDRITES_MNIST, then the user cache, "
        "downloading there if needed)",
    )


class Train:
    """The protocol of ``brian-dendrites mnist train``: :func:`run_all`, then :func:`write_outputs`.

    It keeps the :class:`~brian_dendrites.protocols.registry.Contract` with static methods.
    """

    HELP = "train the variants, resuming from the model files in --out; write results JSON and fig3b.png"
    Config = TrainConfig

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        """Add the options of ``brian-dendrites mnist train`` to ``parser``.

        See :meth:`Contract.add_arguments <brian_dendrites.protocols.registry.Contract.add_arguments>`.
        """
        _add_data_dir(parser)
        add_mode_options(parser, spiking=False)
        parser.add_argument(
            "--out",
            type=cli.output_folder,
            required=True,
            help="output directory: model_<variant>.npz, results, figure",
        )
        parser.add_argument(
            "--variants",
            type=cli.subset(tuple(VARIANTS)),
            default=tuple(VARIANTS),
            help="comma-separated, from a,b,c,shallow,backprop (default: all)",
        )
        parser.add_argument("--epochs", type=cli.positive_int, default=100, help="epochs of 55000 images (default 100)")
        parser.add_argument(
            "--seed", type=cli.seed, help="seed of the initial weights and the shuffling (default 0; not with --seeds)"
        )
        parser.add_argument("--jobs", type=int, choices=(1, 2), default=2, help="processes (default 2)")
        parser.add_argument("--seeds", type=cli.seeds, help="train these seeds (0-9 or 0,3), each in --out/seed_<k>")
        parser.add_argument("--backend", choices=BACKENDS, default="numpy", help="engine arrays (default numpy)")
        parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda (default cpu)")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    @staticmethod
    def config_from_args(args: argparse.Namespace) -> TrainConfig:
        """The :class:`TrainConfig` of the options that :meth:`add_arguments` added.

        See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
        """
        return TrainConfig(
            args.out,
            args.variants,
            args.epochs,
            args.data_dir,
            args.seed,
            args.jobs,
            args.seeds,
            args.backend,
            args.device,
        )

    @staticmethod
    def check(config: TrainConfig) -> None:
        """Nothing: :func:`run_all` checks ``out`` and the model files it resumes before any work.

        See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
        """

    @staticmethod
    def run(config: TrainConfig, progress: bool = True) -> dict:
        """:func:`run_all` of ``config``.

        See :meth:`Contract.run <brian_dendrites.protocols.registry.Contract.run>`.
        """
        seed = 0 if config.seed is None else config.seed
        if config.seeds is None and config.backend == "numpy":
            return run_all(
                config.variants,
                config.epochs,
                config.out,
                config.data_dir,
                seed=seed,
                jobs=config.jobs,
                progress=progress,
            )
        seeds = config.seeds or (seed,)
        return run_all_seeds(
            config.variants, config.epochs, config.out, config.data_dir, seeds, config.backend, config.device, progress
        )

    @staticmethod
    def write(results: dict, config: TrainConfig) -> list[Path]:
        """:func:`write_outputs` of ``results`` into ``config.out``.

        See :meth:`Contract.write <brian_dendrites.protocols.registry.Contract.write>`.
        """
        if "runs" not in results:
            return write_outputs(config.out, results)
        paths = [
            path
            for seed, run in results["runs"].items()
            for path in write_outputs(Path(config.out) / f"seed_{seed}", run)
        ]
        summary = Path(config.out) / "mnist_seeds.json"
        with atomic_target(summary) as tmp:
            tmp.write_text(json.dumps({k: v for k, v in results.items() if k != "runs"}, indent=2))
        return [*paths, summary]

    @staticmethod
    def summary(results: dict) -> dict:
        """The final test error of each variant and the test error at its best-validation epoch (over
        seeds: the mean and standard deviation of the first, the mean of the second).

        See :meth:`Contract.summary <brian_dendrites.protocols.registry.Contract.summary>`.
        """
        if "runs" in results:
            keys = ("mean", "std", "mean_at_best_validation")
        else:
            keys = ("test_error", "best_validation_epoch", "test_error_at_best_validation")
        return {name: {k: entry[k] for k in keys} for name, entry in results["variants"].items()}


class Evaluate:
    """The protocol of ``brian-dendrites mnist evaluate``: :func:`evaluate`; it writes nothing.

    It keeps the :class:`~brian_dendrites.protocols.registry.Contract` with static methods.
    """

    HELP = "error of a saved model file"
    Config = EvaluateConfig

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        """Add the argument ``model`` and the options ``--data-dir`` and ``--part``.

        See :meth:`Contract.add_arguments <brian_dendrites.protocols.registry.Contract.add_arguments>`.
        """
        _add_data_dir(parser)
        parser.add_argument("model", help="a model_<variant>.npz file")
        parser.add_argument(
            "--part", choices=("train", "validation", "test"), default="test", help="images to classify (default test)"
        )

    @staticmethod
    def config_from_args(args: argparse.Namespace) -> EvaluateConfig:
        """The :class:`EvaluateConfig` of the options that :meth:`add_arguments` added.

        See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
        """
        return EvaluateConfig(args.model, args.data_dir, args.part)

    @staticmethod
    def check(config: EvaluateConfig) -> None:
        """Nothing: the command writes no file.

        See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
        """

    @staticmethod
    def run(config: EvaluateConfig, progress: bool = True) -> dict:
        """:func:`evaluate` of ``config``.

        See :meth:`Contract.run <brian_dendrites.protocols.registry.Contract.run>`.
        """
        return evaluate(config.model, config.data_dir, config.part)

    @staticmethod
    def write(results: dict, config: EvaluateConfig) -> list[Path]:
        """Nothing: the command only reports.

        See :meth:`Contract.write <brian_dendrites.protocols.registry.Contract.write>`.
        """
        return []

    @staticmethod
    def summary(results: dict) -> dict:
        """The results of :func:`evaluate` as they are.

        See :meth:`Contract.summary <brian_dendrites.protocols.registry.Contract.summary>`.
        """
        return results


#: The subcommands of ``brian-dendrites mnist``.
COMMANDS = {"train": Train, "evaluate": Evaluate}
