"""Fig. 3: MNIST with the steady-state engine (section 3.4).

The variants (:mod:`~brian_dendrites.protocols.mnist_variants`) are classifiers of
:mod:`brian_dendrites.models.microcircuit.classifier`. Each trains in its own model file
``model_<variant>.npz`` (:mod:`~brian_dendrites.models.microcircuit.classifier_file`), rewritten
atomically after every epoch together with the training log, so that an interrupted run resumes
from the last epoch (with the same seed).

:func:`train` trains one variant for one seed, :func:`train_seeds` one variant for several seeds
(on PyTorch at once), and :func:`run` every variant of a :class:`TrainConfig`.

This module is also the command group ``brian-dendrites mnist`` (a
:class:`~brian_dendrites.protocols.registry.Group`) of two protocols: :class:`Train` runs
:func:`run` and writes :mod:`~brian_dendrites.protocols.mnist_figures` for a :class:`TrainConfig`,
and :class:`Evaluate` runs :func:`evaluate` for an :class:`EvaluateConfig`.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from brian2 import ms
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from brian_dendrites import options
from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.errors import FileFormatError, ParameterError
from brian_dendrites.files import check_output_folder, prepare_output
from brian_dendrites.interrupt import process_pool
from brian_dendrites.models.microcircuit import MODES
from brian_dendrites.models.microcircuit.classifier import Classifier, Variant, predict
from brian_dendrites.models.microcircuit.classifier_file import load_classifier, resumable, save_classifier
from brian_dendrites.models.microcircuit.learning import backprop_schedule, train_epoch
from brian_dendrites.models.microcircuit.spiking_learning import classify
from brian_dendrites.models.microcircuit.stacked import stack_error, train_stack
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.protocols import mnist_figures
from brian_dendrites.protocols.mnist_variants import VARIANTS, spiking_variant
from brian_dendrites.protocols.modes import add_mode_options
from brian_dendrites.validation import check_integer, repeated

__all__ = [
    "HELP",
    "BACKENDS",
    "evaluate",
    "train",
    "train_seeds",
    "run",
    "best_validation",
    "TrainConfig",
    "EvaluateConfig",
    "Train",
    "Evaluate",
    "COMMANDS",
]

HELP = "Fig. 3: MNIST with the steady-state engine (--mode spiking: the spiking engine)"

#: The steady-state engine's array backends: NumPy (the default and reference) and PyTorch.
BACKENDS = ("numpy", "torch")
#: What ``mnist train --quick`` and ``mnist evaluate --quick`` run.
_QUICK_TRAIN, _QUICK_EVALUATE = "variant a for 1 epoch", "the first 1000 images"


def evaluate(path: str | os.PathLike, data_dir=None, part: str = "test", images: int | None = None) -> dict:
    """Classification error of the saved classifier ``path`` on the ``part`` images (train, validation, test).

    Parameters
    ----------
    path : str or os.PathLike
        A model file written by :func:`~brian_dendrites.models.microcircuit.classifier_file.save_classifier`.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files; None: see :func:`brian_dendrites.datasets.mnist.locate`.
    part : {"train", "validation", "test"}, default "test"
        The images: the first 55,000 training images, the last 5,000, or the 10,000 test images.
    images : int, optional
        Classify the first ``images`` of them only, >= 1; None: all.

    Returns
    -------
    dict
        ``model`` (the path), ``variant``, ``part``, ``images`` (their number), ``errors`` (the
        number misclassified) and ``error`` (the fraction misclassified); for a spiking classifier also
        ``spiking``: its ``sizes``, ``psi_per_ms``, presentation (``duration_ms``, ``settle_ms``, ``batch``)
        and, per image, ``spikes``, ``synaptic_events`` and ``spikes_by_group``, and ``max_rate_hz`` by group, a
        maximum over the images (:func:`~brian_dendrites.models.microcircuit.spiking_learning.classify`).

    Raises
    ------
    ParameterError
        If ``part`` is not one of the three, or ``images`` is not an integer >= 1.
    FileNotFoundError
        If the model file or the MNIST files cannot be found.
    FileFormatError
        If the model file or an MNIST file is damaged or of another kind, or the classifier's network
        does not take MNIST images.
    """
    if part not in ("train", "validation", "test"):
        raise ParameterError(f"part must be 'train', 'validation' or 'test', got '{part}'")
    if images is not None:
        check_integer("images", images, 1)
    classifier, params = load_classifier(path, VARIANTS)
    if params.sizes[0] != 784:
        raise FileFormatError(
            f"{path}: its network takes {params.sizes[0]} inputs, not an MNIST image's 784 pixels "
            "(the attention protocol's model is measured by brian-dendrites attention)"
        )
    x, labels = (a[:images] for a in mnist_data.split(mnist_data.load(data_dir))[part])
    if params.spiking_mode:
        predicted, activity = classify(classifier, params, classifier.presentation, x)
    else:
        predicted, activity = predict(classifier, params, x), None
    wrong = int(np.sum(predicted != labels))
    result = {
        "model": str(path),
        "variant": classifier.variant,
        "part": part,
        "images": len(labels),
        "errors": wrong,
        "error": wrong / len(labels),
    }
    if activity is not None:
        presentation = classifier.presentation.to_dict()
        result["spiking"] = {"sizes": list(params.sizes), "psi_per_ms": float(params.spiking.psi * ms), **presentation}
        result["spiking"] |= activity
    return result


def _variant(variant: str | Variant) -> Variant:
    """``variant``, or the variant of :data:`~brian_dendrites.protocols.mnist_variants.VARIANTS` it names."""
    if not isinstance(variant, Variant) and variant not in VARIANTS:
        raise ParameterError(f"variant must be one of {sorted(VARIANTS)}, got '{variant}'")
    return variant if isinstance(variant, Variant) else VARIANTS[variant]


def train(
    variant: str | Variant,
    epochs: int,
    out: str | os.PathLike,
    data_dir=None,
    seed: int = 0,
    limit: int | None = None,
    progress: bool = True,
    position: int = 0,
    device: str | None = None,
) -> dict:
    """Train ``variant`` for one seed to ``epochs`` epochs in ``out/model_<variant>.npz``, resuming from that file.

    The file, if it exists, must have been trained with the same ``seed`` and the variant's current
    parameters. After every epoch the classifier is evaluated on the validation and test images and
    saved, its log included.

    Parameters
    ----------
    variant : str or Variant
        A key of :data:`~brian_dendrites.protocols.mnist_variants.VARIANTS`, or a variant of another
        protocol (e.g. attention).
    epochs : int
        The number of epochs the classifier should have been trained for in the end, >= 1; one
        trained that far already is not trained further.
    out : str or os.PathLike
        The folder of the model file; created if needed.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files; None: see :func:`brian_dendrites.datasets.mnist.locate`.
    seed : int, default 0
        Seed of the initial weights and the shuffling; >= 0.
    limit : int, optional
        Train on the first ``limit`` training images only; None: all 55,000.
    progress : bool, default True
        Show a progress bar.
    position : int, default 0
        The line of the progress bar (for runs in parallel processes).
    device : str, optional
        A spiking variant's PyTorch device, e.g. "cuda" (the spiking engine on tensors); None: NumPy.

    Returns
    -------
    dict of str to list
        The training log (see :class:`~brian_dendrites.models.microcircuit.classifier.Classifier`),
        earlier epochs included.

    Raises
    ------
    ParameterError
        If ``variant`` is unknown, ``epochs`` < 1, or the model file was trained with another
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
    variant = _variant(variant)
    if epochs < 1:
        raise ParameterError(f"epochs must be an integer >= 1, got {epochs}")
    path = prepare_output(out) / f"model_{variant.name}.npz"
    classifier = _start(variant, path, seed, limit)
    parts = _data(variant, data_dir)
    train_x, train_y = (a[:limit] for a in parts["train"])
    done = len(classifier.log["epoch"])
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
            rng = np.random.default_rng([seed, epoch])
            train_epoch(classifier, variant, train_x, train_y, rng, progress=bar, epoch=epoch, device=device)
        _end_epoch(classifier, variant, parts, epoch, time.perf_counter() - start, path, bar, limit)
    bar.close()
    return classifier.log


def _start(variant: Variant, path: Path, seed: int, limit: int | None) -> Classifier:
    """The classifier in ``path`` to resume, or the variant's initial classifier for ``seed``."""
    classifier = resumable(path, variant, seed, VARIANTS, limit)
    if classifier is None:
        classifier = Classifier.initial(variant, np.random.default_rng(seed))
        classifier.seed = seed
        classifier.schedule = backprop_schedule() if variant.backprop else None
    return classifier


def _data(variant: Variant, data_dir) -> dict:
    """The train, validation and test parts of MNIST, as the variant's network takes them."""
    parts = mnist_data.split(mnist_data.load(data_dir))
    if variant.inputs is not None:
        parts = {part: (variant.inputs(images), labels) for part, (images, labels) in parts.items()}
    return parts


def _end_epoch(
    classifier: Classifier, variant: Variant, parts, epoch: int, seconds: float, path: Path, bar, limit, errors=None
) -> None:
    """Check, evaluate (unless ``errors`` gives the validation and test errors), log and save ``classifier``
    after training epoch ``epoch`` (0-based) on the first ``limit`` training images."""
    classifier.check_finite()
    log = classifier.log
    for part in ("validation", "test"):
        images, labels = parts[part]
        error = errors[part] if errors else float(np.mean(predict(classifier, variant.params, images) != labels))
        log[f"{part}_error"].append(error)
    log["epoch"].append(epoch + 1)
    log["wall_s"].append(seconds)
    save_classifier(classifier, variant.params, path, limit)
    bar.set_postfix(test_error=f"{100 * log['test_error'][-1]:.2f}%")


def train_seeds(
    variant: str | Variant,
    epochs: int,
    out: str | os.PathLike,
    data_dir=None,
    seeds=(0,),
    limit: int | None = None,
    progress: bool = True,
    backend: str = "numpy",
    device: str = "cpu",
) -> dict:
    """Train ``variant`` for every seed, each in ``out/seed_<seed>/model_<variant>.npz``, resuming.

    The numpy backend trains the seeds one after another (:func:`train`); the torch backend trains
    them at once, stacked (:func:`~brian_dendrites.models.microcircuit.stacked.train_stack`), on
    ``device``, and evaluates the stack there. Each model file is checked and saved after every epoch
    as :func:`train` does; its ``wall_s`` is the whole stack's training epoch. Classifiers that an
    interruption left ahead wait until the others reach their epoch.

    Parameters
    ----------
    variant : str or Variant
        A key of :data:`~brian_dendrites.protocols.mnist_variants.VARIANTS`, or a variant of another protocol.
    epochs : int
        Epochs every classifier should reach, >= 1.
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
        Seed -> its classifier's training log.

    Raises
    ------
    ParameterError
        For an unknown backend or repeated seeds; otherwise where :func:`train` raises it, as the
        other errors.
    """
    if backend not in BACKENDS:
        raise ParameterError(f"backend must be one of {BACKENDS}, got {backend!r}")
    seeds = tuple(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ParameterError(f"seeds must be distinct, at least one, got {seeds}")
    if epochs < 1:
        raise ParameterError(f"epochs must be an integer >= 1, got {epochs}")
    folders = {seed: Path(out) / f"seed_{seed}" for seed in seeds}
    variant = _variant(variant)
    if backend == "numpy" or variant.presentation is not None:  # the spiking engine trains one seed at a time
        device_of_seed = None if backend == "numpy" else device
        return {
            seed: train(variant, epochs, folders[seed], data_dir, seed, limit, progress, device=device_of_seed)
            for seed in seeds
        }
    paths = {seed: prepare_output(folders[seed]) / f"model_{variant.name}.npz" for seed in seeds}
    classifiers = {seed: _start(variant, paths[seed], seed, limit) for seed in seeds}
    parts = _data(variant, data_dir)
    train_x, train_y = (a[:limit] for a in parts["train"])
    done = {seed: min(len(c.log["epoch"]), epochs) for seed, c in classifiers.items()}
    bar = tqdm(
        total=epochs * len(train_x) * len(seeds),
        initial=sum(done.values()) * len(train_x),
        disable=not progress,
        desc=f"MNIST ({variant.name}, {len(seeds)} seeds, {device})",
        unit="img",
    )
    for epoch in range(min(done.values()), epochs):
        due = [seed for seed in seeds if len(classifiers[seed].log["epoch"]) == epoch]
        start = time.perf_counter()
        rngs = [np.random.default_rng([seed, epoch]) for seed in due]
        stack = train_stack([classifiers[seed] for seed in due], variant, train_x, train_y, rngs, device, progress=bar)
        seconds = time.perf_counter() - start
        engine = SteadyStateEngine(variant.params)
        errors = {part: stack_error(engine, *stack, *parts[part], device) for part in ("validation", "test")}
        for s, seed in enumerate(due):
            error = {part: float(rates[s]) for part, rates in errors.items()}
            _end_epoch(classifiers[seed], variant, parts, epoch, seconds, paths[seed], bar, limit, error)
    bar.close()
    return {seed: classifiers[seed].log for seed in seeds}


def run(config: TrainConfig, *, progress: bool = True) -> dict:
    """Train the variants of ``config`` to its epochs, then evaluate every model file of its folders on the test images.

    For one seed on numpy (no ``config.seeds``), :func:`train` of each variant (``config.jobs``
    processes) in ``config.out``; otherwise :func:`train_seeds` of each variant in the seed folders
    ``config.out/seed_<seed>``. The evaluation includes the model files of earlier runs; the model
    files to resume are checked before any training.

    Parameters
    ----------
    config : TrainConfig
        The configuration.
    progress : bool, default True
        Show progress bars.

    Returns
    -------
    dict
        For one seed on numpy: ``seed`` and ``variants``: for each model file in ``config.out``, by
        variant, ``test_error`` (a fraction), ``epochs``, ``best_validation_epoch`` and
        ``test_error_at_best_validation`` (see :func:`best_validation`), ``wall_s`` (training time
        in seconds) and ``log``. Otherwise ``seeds``, ``backend``, ``device``; ``runs``: seed -> the
        former for its folder; ``variants``: name -> ``test_errors`` (one per seed), their ``mean``
        and ``std``, ``best_validation_epochs`` and ``test_errors_at_best_validation`` (one per
        seed) and the latter's ``mean_at_best_validation``.

    Raises
    ------
    ParameterError, FileFormatError, FileNotFoundError, OutputError, DivergenceError
        Where :func:`train` raises them, for any of the variants (those of the model files to resume
        before any training).
    """
    seed = 0 if config.seed is None else config.seed
    out, data_dir, epochs = config.out, config.data_dir, config.epochs
    variants = config.variants_to_train()
    if config.seeds is None and config.backend == "numpy":
        folder = prepare_output(out)
        for name, variant in variants.items():  # fail before any work
            resumable(folder / f"model_{name}.npz", variant, seed, VARIANTS)
        work = [(v, epochs, out, data_dir, seed, None, progress, i) for i, v in enumerate(variants.values())]
        if config.jobs > 1 and len(work) > 1:
            with process_pool(config.jobs) as pool:
                list(pool.map(train, *zip(*work, strict=True)))
        else:
            for job in work:
                train(*job)
        return _collect(out, data_dir, seed)
    seeds = config.seeds or (seed,)
    for variant in variants.values():
        train_seeds(variant, epochs, out, data_dir, seeds, None, progress, config.backend, config.device)
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
    return {
        "seeds": list(seeds),
        "backend": config.backend,
        "device": str(config.device),
        "runs": runs,
        "variants": summary,
    }


def _collect(out: Path, data_dir, seed: int) -> dict:
    """``seed`` and, for each model file of a variant in ``out``, its test error and log (see :func:`run`)."""
    results = {"seed": seed, "variants": {}}
    for name in VARIANTS:
        path = Path(out) / f"model_{name}.npz"
        if path.exists():
            classifier, _ = load_classifier(path, VARIANTS)
            measured = evaluate(path, data_dir)
            results["variants"][name] = {
                "test_error": measured["error"],
                "epochs": len(classifier.log["epoch"]),
                **best_validation(classifier.log),
                "wall_s": float(np.sum(classifier.log["wall_s"])),
                "log": classifier.log,
                **({"spiking": measured["spiking"]} if "spiking" in measured else {}),
            }
    return results


def best_validation(log: dict) -> dict:
    """The first epoch of ``log`` with the lowest validation error, and the test error at that epoch.

    Parameters
    ----------
    log : dict of str to list
        A training log (see :class:`~brian_dendrites.models.microcircuit.classifier.Classifier`).

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


@dataclass(frozen=True)
class TrainConfig:
    """The configuration record of ``brian-dendrites mnist train``.

    :func:`run` of ``variants`` to ``epochs`` epochs from ``seed`` with ``jobs`` processes, the model
    files in ``out``, MNIST from ``data_dir`` (None: see :func:`brian_dendrites.datasets.mnist.locate`).

    Parameters
    ----------
    out : str or os.PathLike
        The folder of the model files ``model_<variant>.npz``, the results and the figure.
    variants : tuple of str, default all of VARIANTS
        The variants to train, keys of :data:`~brian_dendrites.protocols.mnist_variants.VARIANTS`.
    epochs : int, default 100
        Epochs of 55,000 images each variant should reach, >= 1 (checked by :func:`run`).
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files.
    seed : int, optional
        Seed of the initial weights and the shuffling; >= 0. None: 0, or with ``seeds`` theirs.
    jobs : int, default 2
        Processes that train variants in parallel (without ``seeds``, on numpy).
    seeds : tuple of int, optional
        Train every one of these seeds, each in ``out/seed_<seed>`` (:func:`train_seeds`);
        not together with ``seed``.
    backend : {"numpy", "torch"}, default "numpy"
        The steady-state engine's arrays; "torch" trains the seeds of a variant at once, always in
        seed folders (``seed`` alone: ``out/seed_<seed>``).
    device : str, default "cpu"
        The torch backend's device, e.g. "cuda".
    mode : {"rate", "spiking"}, default "rate"
        "spiking" trains the variants' spiking versions
        (:func:`~brian_dendrites.protocols.mnist_variants.spiking_variant`) on the spiking engine: on NumPy,
        or with backend "torch" on PyTorch tensors on ``device``, one seed after another.
    psi : float, optional
        Spiking mode: spikes per ms per unit rate, > 0; None: 100.

    Raises
    ------
    ParameterError
        For an unknown backend, a device other than "cpu" without the torch backend, repeated seeds,
        both ``seed`` and ``seeds``, the torch backend without PyTorch or the device, an unknown mode,
        psi in rate mode or out of range, or a variant without a spiking mode.
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
    mode: str = "rate"
    psi: float | None = None

    def __post_init__(self) -> None:
        check_output_folder(self.out)
        if self.mode not in MODES:
            raise ParameterError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.mode == "rate" and self.psi is not None:
            raise ParameterError("psi (--psi) applies to mode 'spiking' (--mode spiking) only")
        if self.mode == "spiking":
            self.variants_to_train()  # refuses psi out of range and variants without a spiking mode
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

    def variants_to_train(self) -> dict[str, Variant]:
        """The variants to train by name: those of VARIANTS, or in spiking mode their spiking versions.

        Returns
        -------
        dict of str to Variant
            ``variants`` -> their variant in this mode.
        """
        if self.mode == "rate":
            return {name: VARIANTS[name] for name in self.variants}
        return {name: spiking_variant(name, self.psi) for name in self.variants}


@dataclass(frozen=True)
class EvaluateConfig:
    """The configuration record of ``brian-dendrites mnist evaluate``.

    :func:`evaluate` of the model file ``model`` on the ``part`` images (train, validation, test)
    of MNIST from ``data_dir``.

    Parameters
    ----------
    model : str or os.PathLike
        A model file written by :func:`~brian_dendrites.models.microcircuit.classifier_file.save_classifier`.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files; None: see :func:`brian_dendrites.datasets.mnist.locate`.
    part : {"train", "validation", "test"}, default "test"
        The images to classify (checked by :func:`evaluate`).
    images : int, optional
        Classify the first ``images`` of them only (checked by :func:`evaluate`); None: all.
    """

    model: str | os.PathLike
    data_dir: str | os.PathLike | None = None
    part: str = "test"
    images: int | None = None


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="folder with the four MNIST IDX files (default: $BRIAN_DENDRITES_MNIST, then the user cache, "
        "downloading there if needed)",
    )


class Train:
    """The protocol of ``brian-dendrites mnist train``: :func:`run`, then :func:`.mnist_figures.write`.

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
        add_mode_options(parser)
        parser.add_argument(
            "--out",
            type=options.output_folder,
            required=True,
            help="output directory: model_<variant>.npz, results, figure",
        )
        parser.add_argument(
            "--variants",
            type=options.subset(tuple(VARIANTS)),
            help="comma-separated, from a,b,c,shallow,backprop (default: all)",
        )
        parser.add_argument("--epochs", type=options.positive_int, help="epochs of 55000 images (default 100)")
        options.add_quick_option(parser, _QUICK_TRAIN)
        parser.add_argument(
            "--seed",
            type=options.seed,
            help="seed of the initial weights and the shuffling (default 0; not with --seeds)",
        )
        parser.add_argument("--jobs", type=int, choices=(1, 2), default=2, help="processes (default 2)")
        parser.add_argument("--seeds", type=options.seeds, help="train these seeds (0-9 or 0,3), each in --out/seed_k")
        parser.add_argument("--backend", choices=BACKENDS, default="numpy", help="engine arrays (default numpy)")
        parser.add_argument("--device", default="cpu", help="torch device, e.g. cuda (default cpu)")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    @staticmethod
    def config_from_args(args: argparse.Namespace) -> TrainConfig:
        """The :class:`TrainConfig` of the options that :meth:`add_arguments` added.

        See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
        """
        values = {f.name: getattr(args, f.name) for f in fields(TrainConfig)}
        every = tuple(name for name in VARIANTS if args.mode == "rate" or not VARIANTS[name].backprop)
        values["variants"] = options.quick_value(args, "variants", ("a",), every, _QUICK_TRAIN)
        values["epochs"] = options.quick_value(args, "epochs", 1, 100, _QUICK_TRAIN)
        return TrainConfig(**values)

    @staticmethod
    def check(config: TrainConfig) -> None:
        """Nothing: :func:`run` checks ``out`` and the model files it resumes before any work.

        See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
        """

    run = staticmethod(run)  # the module's run

    @staticmethod
    def write(results: dict, config: TrainConfig) -> list[Path]:
        """:func:`.mnist_figures.write` of ``results`` into ``config.out``.

        See :meth:`Contract.write <brian_dendrites.protocols.registry.Contract.write>`.
        """
        return mnist_figures.write(results, config.out)

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
        """Add the argument ``model`` and the options ``--data-dir``, ``--part``, ``--images`` and ``--quick``.

        See :meth:`Contract.add_arguments <brian_dendrites.protocols.registry.Contract.add_arguments>`.
        """
        _add_data_dir(parser)
        parser.add_argument("model", help="a model_<variant>.npz file")
        parser.add_argument(
            "--part", choices=("train", "validation", "test"), default="test", help="images to classify (default test)"
        )
        parser.add_argument("--images", type=options.positive_int, help="classify the first N of them (default all)")
        options.add_quick_option(parser, _QUICK_EVALUATE)

    @staticmethod
    def config_from_args(args: argparse.Namespace) -> EvaluateConfig:
        """The :class:`EvaluateConfig` of the options that :meth:`add_arguments` added.

        See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
        """
        images = options.quick_value(args, "images", 1000, None, _QUICK_EVALUATE)
        return EvaluateConfig(args.model, args.data_dir, args.part, images)

    @staticmethod
    def check(config: EvaluateConfig) -> None:
        """Nothing: the command writes no file.

        See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
        """

    @staticmethod
    def run(config: EvaluateConfig, *, progress: bool = True) -> dict:
        """:func:`evaluate` of ``config``.

        See :meth:`Contract.run <brian_dendrites.protocols.registry.Contract.run>`.
        """
        return evaluate(config.model, config.data_dir, config.part, config.images)

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
