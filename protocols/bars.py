"""The bars task: a 9-30-3 network (the microcircuit, or any model that can be taught) learns to classify 3x3 bars.

The data set of the latent-equilibrium paper (Haider et al. 2021,
:mod:`brian_dendrites.datasets.bars`), which the NEST fork of the model uses as its spiking benchmark:
eight 3x3 images (low pixels 0.1, high pixels 1), three horizontal
bars, three vertical bars and two diagonals, in three classes. The classes are not linearly
separable (each pixel lies in one horizontal and in one vertical bar), so the hidden layer must learn.

Each epoch presents the eight images once, in a seeded random order, with plasticity always on and
the output nudged to the target potentials of the image's class. After each epoch the network is
tested on the same eight images without the target, without noise and without plasticity: the
accuracy (argmax of the output rates against the label) and the test MSE of the output rates against
the target rates phi(u_target), averaged over the images and the three outputs.

The model is the one of the record ``params`` (``--model NAME``; default the microcircuit's BARS): any
model with the members of :class:`~brian_dendrites.teaching.Teachable`; it starts self-predicting where it
has ``self_predicting``.

This module is also the protocol ``brian-dendrites bars`` (it keeps the
:class:`~brian_dendrites.protocols.registry.Contract`): :class:`BarsConfig` is its record, and
:func:`run` trains, checkpointing every epoch into the output folder (:mod:`brian_dendrites.checkpoint`),
from which an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from brian2 import Quantity, ms
from tqdm import tqdm

from brian_dendrites import checkpoint, options
from brian_dendrites.canonical import OMIT_AT_DEFAULT, fields_of, omitted, to_json
from brian_dendrites.datasets.bars import CLASSES, bars_data
from brian_dendrites.errors import ParameterError
from brian_dendrites.files import check_output_folder, prepare_output
from brian_dendrites.model import model_for, model_named
from brian_dendrites.models.microcircuit import BARS, LearningRates
from brian_dendrites.models.microcircuit.teaching import WEIGHT_SCALES
from brian_dendrites.protocols.modes import add_mode_options, mode_of, params_from_args
from brian_dendrites.raster import plot_raster
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState
from brian_dendrites.teaching import REQUIRED, require
from brian_dendrites.validation import check_integer, is_real

__all__ = [
    "HELP",
    "OUTPUTS",
    "RASTER",
    "CHECKPOINT",
    "QUICK_EPOCHS",
    "WEIGHT_SCALE",
    "SIZES",
    "DEFAULT_MODEL",
    "Config",
    "BarsConfig",
    "class_targets",
    "add_arguments",
    "config_from_args",
    "check",
    "run",
    "write",
    "summary",
]

HELP = "the bars task: a 9-30-3 network (--model, default the microcircuit) learns to classify 3x3 bars"

#: The files that every run writes into its output folder.
OUTPUTS = ("bars_results.json", "bars.png")
#: The raster figure of a spiking run.
RASTER = "bars_raster.png"
#: The checkpoint, rewritten after every epoch.
CHECKPOINT = "bars_checkpoint.npz"
#: The epochs of a ``--quick`` run.
QUICK_EPOCHS = 10
#: Spiking mode: the images of the raster run at the end (one per class), tested without plasticity.
RASTER_IMAGES = (0, 3, 6)
#: The layer sizes of the task.
SIZES = (9, 30, 3)
#: The model of a run without ``--model``.
DEFAULT_MODEL = "microcircuit"
#: The microcircuit's initial weights U(-s, s) by projection name or pathway (missing: 1). The input
#: weights are wider than Fig. 1's U(-1, 1): with 9 inputs in [0.1, 1] the hidden potentials then reach
#: the logistic's bends, and the hidden layer starts from features that are not nearly linear in the image.
WEIGHT_SCALE = WEIGHT_SCALES["bars"]


def class_targets(on: float, off: float, n_classes: int = 3) -> np.ndarray:
    """The output target potentials of each class: ``on`` for the class's own output, ``off`` for the others.

    Parameters
    ----------
    on : float
        Target potential of the output neuron of the class.
    off : float
        Target potential of the other output neurons.
    n_classes : int, default 3
        The number of classes (and output neurons).

    Returns
    -------
    numpy.ndarray
        Shape (n_classes, n_classes): row c holds the target potentials u_target of class c.
    """
    targets = np.full((n_classes, n_classes), float(off))
    np.fill_diagonal(targets, float(on))
    return targets


@dataclass(frozen=True)
class BarsConfig:
    """The configuration record of ``brian-dendrites bars``.

    ``epochs`` epochs of the eight images, each held for ``pattern_duration``; after each epoch a
    test of the eight images. Initial weights: U(-s, s) (s from ``weight_scale``), then made
    self-predicting (IP weights copied from the bottom-up ones, PI weights = -top-down). :func:`run`
    checkpoints every epoch into ``out`` (none if None); :func:`check` and :func:`write` write the
    results into ``out``, replacing earlier ones only if ``overwrite``.

    Parameters
    ----------
    params : parameter record, default BARS
        The network, 9 inputs and 3 outputs, with its learning rates (1/time): a record of any registered
        model with the members of :class:`~brian_dendrites.teaching.Teachable` (BARS: the microcircuit,
        9-30-3, logistic transfer function); ``BARS.replace(mode="spiking")`` runs the spiking network.
    epochs : int, default 100
        Training epochs of the eight images; >= 1.
    target_on : float, default 1.0
        Target potential of the output of an image's class; within the model's ``target_range``
        ([E_inh, E_exc] of the microcircuit).
    target_off : float, default -1.0
        Target potential of the other two outputs; within the model's ``target_range``, < ``target_on``.
    pattern_duration : Quantity, default 100 ms
        How long each image is held (a time), a whole multiple of ``params.dt``, which :func:`run`
        checks. Spiking mode tests on the mean of each image's second half.
    weight_scale : dict of str to float, optional
        Initial weights are drawn from U(-s, s) with s > 0 given by projection name ("bottom_up_1") or
        pathway ("top_down"); missing entries are 1. None (the default): the model's
        ``weight_scale("bars")``, :data:`WEIGHT_SCALE` for the microcircuit.
    seed : int, default 0
        Seed of the initial weights, the order of the images and the noise; >= 0.
    target : str, default "cpp_standalone"
        Brian2 code-generation target, one of :data:`brian_dendrites.simulation.TARGETS`, which
        :func:`run` checks.
    threads : int, default 1
        OpenMP threads of the cpp_standalone builds (``Simulation(threads=...)``).
    float32 : bool, default False
        Compute in single precision (``Simulation(float32=...)``).
    raster : bool, default True
        Spiking mode: end with a raster run of one image per class (a second build), which
        :func:`write` draws into :data:`RASTER`.
    out : str or os.PathLike, optional
        The output folder, also of the checkpoint :data:`CHECKPOINT`; None: no checkpoint.
    overwrite : bool, default False
        Replace existing output files.

    Raises
    ------
    ParameterError
        If ``params`` is not a record of a model that can be taught (naming the members it lacks) or
        does not have 9 inputs and 3 outputs, ``epochs`` is not an integer >= 1, ``seed``
        is not an integer >= 0, a target lies outside [E_inh, E_exc] or ``target_off`` >= ``target_on``,
        or a ``weight_scale`` is not > 0, or ``out`` is not a path or the empty path "".
    """

    params: object = BARS
    epochs: int = 100
    target_on: float = 1.0
    target_off: float = -1.0
    pattern_duration: Quantity = field(default_factory=lambda: 100 * ms)
    weight_scale: dict | None = None
    seed: int = 0
    target: str = "cpp_standalone"
    # Left out of the fingerprints at their defaults: earlier checkpoints still resume.
    threads: int = field(default=1, metadata=OMIT_AT_DEFAULT)
    float32: bool = field(default=False, metadata=OMIT_AT_DEFAULT)
    raster: bool = True
    out: str | os.PathLike | None = None
    overwrite: bool = False

    def __post_init__(self) -> None:
        p, model = self.params, model_for(self.params)
        require(model, REQUIRED, "bars")
        if self.weight_scale is None:
            object.__setattr__(self, "weight_scale", model.weight_scale("bars"))
        lowest, highest = model.target_range(p)
        if p.sizes[0] != 9 or p.sizes[-1] != len(CLASSES):
            raise ParameterError(f"params.sizes must have 9 inputs and 3 outputs, got {p.sizes}")
        for name, low in (("epochs", 1), ("seed", 0)):
            check_integer(name, getattr(self, name), low)
        for name in ("target_on", "target_off"):
            value = getattr(self, name)
            if not is_real(value) or not lowest <= value <= highest:
                raise ParameterError(
                    f"{name} must lie in the model's target range [{lowest}, {highest}], got {value!r}"
                )
        if self.target_off >= self.target_on:
            raise ParameterError(f"target_off ({self.target_off}) must be < target_on ({self.target_on})")
        if not isinstance(self.weight_scale, dict) or not all(
            is_real(s) and 0 < s < np.inf for s in self.weight_scale.values()
        ):
            raise ParameterError(f"weight_scale must map projection names to numbers > 0, got {self.weight_scale!r}")
        check_output_folder(self.out)

    @property
    def window(self) -> Quantity | None:
        """The test's averaging window: None (the last sample) in rate mode, half a pattern in spiking mode."""
        return self.pattern_duration / 2 if mode_of(self.params) == "spiking" else None


# The configuration record of the protocol contract (autodoc shows it as an alias).
Config = BarsConfig


def _fingerprint(config: BarsConfig) -> str:
    """What a checkpoint must match to be resumed: everything but the length of the run and the outputs."""
    ignored = ("epochs", "raster", "out", "overwrite")
    fields = {k: v for k, v in fields_of(config).items() if k not in ignored and not omitted(config, k)}
    return checkpoint.fingerprint(fields)


def _test(sim: Simulation, state: NetworkState, config: BarsConfig, images, labels, rates) -> dict:
    group, rate, _ = sim.model.output(config.params)
    r = sim.steady_state(state, images, window=config.window)[f"{group}.{rate}"]
    return {"accuracy": float(np.mean(r.argmax(axis=1) == labels)), "mse": float(np.mean((r - rates[labels]) ** 2))}


def _noise_seed(seed: int, epoch: int) -> int:
    return (seed * 1_000_003 + epoch) % 2**31


def _first_and_stable(accuracy: list[float]) -> tuple[int | None, int | None]:
    """The first epoch at 100 % and the epoch from which accuracy stays at 100 % (None: never)."""
    perfect = [a == 1.0 for a in accuracy]
    first = perfect.index(True) if any(perfect) else None
    stable = None
    for epoch in range(len(perfect) - 1, -1, -1):
        if not perfect[epoch]:
            break
        stable = epoch
    return first, stable


def run(config: BarsConfig, *, progress: bool = True) -> dict:
    """Train on the bars, testing after every epoch; resumes from the checkpoint in ``config.out``.

    The checkpoint holds the state and the log after the last epoch and the fingerprint of the
    configuration without ``epochs``: a run with more epochs continues a finished one.

    Parameters
    ----------
    config : BarsConfig
        The configuration.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    dict
        ``config`` (its fields as JSON), ``mode`` (and ``psi_per_ms`` in spiking mode), ``log`` with,
        per epoch from 0 (before training): ``epoch``, ``accuracy``, ``mse`` (mean over the images
        and outputs of (r_2 - phi(u_target))^2), ``train_s`` and ``test_s`` (wall time of the epoch's
        training and test runs); ``first_100``, the first epoch at 100 % test accuracy, and
        ``stable_100``, the first epoch from which it stays at 100 % (None if not); ``final_mse``;
        ``ms_per_sample``, the median wall time of an epoch's training run per image (the first
        epoch, which compiles, left out) and ``ms_per_test_sample`` likewise for the test;
        ``wall_s``, the wall time of all epochs (over resumptions); and in spiking mode
        ``psi_per_ms`` and, with ``config.raster``, the ``raster`` recording (not JSON; :func:`write`
        draws it).

    Raises
    ------
    ParameterError
        If the checkpoint was written by a different configuration or has more epochs than
        ``config.epochs``, or the simulation refuses ``config.target`` or ``config.pattern_duration``.
    FileFormatError
        If the checkpoint is not a readable checkpoint, does not fit its configuration or holds a
        damaged log (see :func:`brian_dendrites.checkpoint.load` and
        :func:`~brian_dendrites.checkpoint.check_log`).
    DivergenceError
        If the network state becomes non-finite or diverges.
    """
    p, model = config.params, model_for(config.params)
    spiking = mode_of(p) == "spiking"
    images, labels = bars_data()
    targets = class_targets(config.target_on, config.target_off, p.sizes[-1])
    rates = model.transfer(p)(targets)
    group, rate, potential = model.output(p)
    record = {group: [rate, potential]}
    sim = Simulation(
        p,
        len(images),
        config.pattern_duration,
        record=record,
        target=config.target,
        name="bars",
        threads=config.threads,
        float32=config.float32,
    )
    fingerprint = _fingerprint(config)
    path = None if config.out is None else Path(config.out) / CHECKPOINT

    log: dict[str, list] = {k: [] for k in ("epoch", "accuracy", "mse", "train_s", "test_s")}
    state = None
    if path is not None and path.exists():
        saved = checkpoint.load(path, fingerprint, sim.model.zero_state(p))
        state = saved.state
        log = checkpoint.check_log(path, saved.info.get("log"), tuple(log), counter="epoch")
        if log["epoch"][-1] > config.epochs:
            raise ParameterError(f"checkpoint {path} holds {log['epoch'][-1]} epochs, more than epochs={config.epochs}")
    if state is None:
        rng = np.random.default_rng(config.seed)
        weights = model.initial_weights(p, rng, config.weight_scale)
        if callable(getattr(model, "self_predicting", None)):
            weights = model.self_predicting(p, weights)
        state = NetworkState(weights)

    def log_epoch(epoch: int, train_s: float, t0: float) -> None:
        log["epoch"].append(epoch)
        log["train_s"].append(train_s)
        for key, value in _test(sim, state, config, images, labels, rates).items():
            log[key].append(value)
        log["test_s"].append(time.perf_counter() - t0)

    if not log["epoch"]:
        log_epoch(0, 0.0, time.perf_counter())
    start = log["epoch"][-1]
    epochs = range(start, config.epochs)
    bar = tqdm(epochs, desc=f"bars ({mode_of(p)})", disable=not progress, initial=start, total=config.epochs)
    for epoch in bar:
        order = np.random.default_rng([config.seed, epoch]).permutation(len(images))
        t0 = time.perf_counter()
        shown = model.targets(p, targets[labels[order]])
        state = sim.run(state, images[order], shown, seed=_noise_seed(config.seed, epoch)).state
        t1 = time.perf_counter()
        log_epoch(epoch + 1, t1 - t0, t1)
        bar.set_postfix(accuracy=f"{log['accuracy'][-1]:.3f}", mse=f"{log['mse'][-1]:.4f}")
        if path is not None:
            checkpoint.save(path, fingerprint, {"log": log}, state)

    first, stable = _first_and_stable(log["accuracy"])
    n = len(images)
    results = {
        "config": to_json({k: v for k, v in fields_of(config).items() if k not in ("out", "overwrite")}),
        "mode": mode_of(p),
        "log": log,
        "first_100": first,
        "stable_100": stable,
        "final_accuracy": log["accuracy"][-1],
        "final_mse": log["mse"][-1],
        "ms_per_sample": 1000 * float(np.median(log["train_s"][2:] or log["train_s"][1:] or [0.0])) / n,
        "ms_per_test_sample": 1000 * float(np.median(log["test_s"][2:] or log["test_s"])) / n,
        "wall_s": float(np.sum(log["train_s"]) + np.sum(log["test_s"])),
    }
    if spiking:
        results["psi_per_ms"] = float(p.spiking.psi * ms)
    if spiking and config.raster:
        groups = [name for name, variables in model.labels(p).items() if "n_spikes" in variables]
        raster = Simulation(
            p,
            len(RASTER_IMAGES),
            config.pattern_duration,
            target=config.target,
            name="bars_raster",
            spikes=groups,
            threads=config.threads,
            float32=config.float32,
        )
        shown = images[list(RASTER_IMAGES)]
        results["raster"] = raster.run(state, shown, eta=LearningRates(), noise=False).recording
    return results


def _names(spiking: bool) -> list[str]:
    return [*OUTPUTS, *((RASTER,) if spiking else ())]


def check(config: BarsConfig) -> None:
    """Create ``config.out`` and check, before :func:`run`, that the outputs can be written into it.

    See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
    """
    prepare_output(config.out, _names(mode_of(config.params) == "spiking" and config.raster), config.overwrite)


def write(results: dict, config: BarsConfig) -> list[Path]:
    """Write bars_results.json, bars.png and in spiking mode bars_raster.png into ``config.out``.

    See :meth:`Contract.write <brian_dendrites.protocols.registry.Contract.write>`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spiking = "raster" in results
    out = prepare_output(config.out, _names(spiking), config.overwrite)
    paths = [out / name for name in _names(spiking)]
    log = results["log"]
    mode = results["mode"] + (f", psi = {results['psi_per_ms']:g}/ms" if "psi_per_ms" in results else "")
    fig, axes = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    axes[0].plot(log["epoch"], np.asarray(log["accuracy"]) * 100, color="tab:blue")
    axes[0].set_ylabel("test accuracy (%)")
    axes[0].set_ylim(0, 105)
    axes[1].plot(log["epoch"], log["mse"], color="tab:red")
    axes[1].set_yscale("log")
    axes[1].set_ylabel(r"test MSE of the output rates")
    axes[1].set_xlabel("epoch (8 images)")
    for ax in axes:
        if results["first_100"] is not None:
            ax.axvline(results["first_100"], color="k", ls=":", lw=0.8)
    axes[0].set_title(f"Bars task ({mode}), seed {results['config']['seed']}")
    fig.tight_layout()
    fig.savefig(paths[1], dpi=120)
    plt.close(fig)
    if spiking:
        title = f"Bars, spiking mode (psi = {results['psi_per_ms']:g}/ms): one image per class after training"
        plot_raster(results["raster"], paths[2], title)
    paths[0].write_text(json.dumps(summary(results) | {"log": log}, indent=1))
    return paths


def summary(results: dict) -> dict:
    """The results without the per-epoch log and the raster.

    See :meth:`Contract.summary <brian_dendrites.protocols.registry.Contract.summary>`.
    """
    return {k: v for k, v in results.items() if k not in ("log", "raster")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``brian-dendrites bars``: the shared ones, the model, the mode, the lookahead and the epochs.

    See :meth:`Contract.add_arguments <brian_dendrites.protocols.registry.Contract.add_arguments>`.
    """
    options.add_shared_options(parser)
    options.add_quick_option(parser, f"{QUICK_EPOCHS} epochs")
    options.add_model_option(parser, DEFAULT_MODEL)
    add_mode_options(parser)
    parser.add_argument(
        "--no-lookahead",
        action="store_true",
        help="spiking mode: rates of the somatic potential, not of the prospective one (BARS has lookahead)",
    )
    parser.add_argument("--epochs", type=options.positive_int, help="training epochs of 8 images (default 100)")


def config_from_args(args: argparse.Namespace) -> BarsConfig:
    """The :class:`BarsConfig` of the options that :func:`add_arguments` added.

    See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
    """
    model = model_named(args.model)
    require(model, REQUIRED, "bars")
    params = params_from_args(model.task_params("bars", SIZES), args)
    if args.no_lookahead:
        if mode_of(params) != "spiking":
            raise ParameterError("--no-lookahead applies to --mode spiking only")
        params = params.replace(spiking=replace(params.spiking, lookahead=False))
    return BarsConfig(
        params=params,
        epochs=options.quick_value(args, "epochs", QUICK_EPOCHS, 100, f"{QUICK_EPOCHS} epochs"),
        seed=args.seed,
        target=args.target,
        threads=options.threads(args),
        float32=args.float32,
        out=args.out,
        overwrite=args.overwrite,
    )
