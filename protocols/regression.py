"""Fig. 2 and the alignment panel of Fig. S1: a 30-50-10 microcircuit learns a
30-20-10 teacher network online, with plasticity always on and no phases.

The full model learns bottom-up (Eq. 7), IP (Eq. 8) and PI (Eq. 9) weights;
top-down weights stay fixed (feedback alignment). The shallow learner sees
the same teacher, patterns and initial weights, but its input-to-hidden weights
W_{1,0} are frozen. Test losses ||r_2 - r_2^trgt||^2 are measured on held-out
patterns without noise, without plasticity and without the target; the same
runs give the RMS apical voltage with the target switched off.

``--model NAME`` teaches another registered model (default the microcircuit's REGRESSION): one with the
members of :class:`~brian_dendrites.teaching.Teachable` and ``shallow_rates`` and ``apical``. The
alignment angle and the cosine to backprop are the microcircuit's (``alignment``, ``backprop_cosine``);
for a model without them they are null.

This module is also the protocol ``brian-dendrites regression`` (it keeps the
:class:`~brian_dendrites.protocols.registry.Contract`): :class:`RegressionConfig` is its record
(both learners and the output folder), :func:`run` trains both learners (each with :func:`train`,
checkpointing into the output folder with :mod:`brian_dendrites.checkpoint`), and :func:`check` and
:func:`write` wrap :func:`check_outputs` and :func:`write_outputs`. The teacher is
:class:`brian_dendrites.datasets.teachers.Teacher`.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from brian2 import ms
from tqdm import tqdm

import brian_dendrites.checkpoint as checkpoints
from brian_dendrites import options
from brian_dendrites.canonical import OMIT_AT_DEFAULT, omitted, to_json
from brian_dendrites.datasets.teachers import Teacher
from brian_dendrites.errors import FileFormatError, ParameterError
from brian_dendrites.files import check_output_folder, prepare_output
from brian_dendrites.interrupt import process_pool
from brian_dendrites.model import model_named
from brian_dendrites.models.microcircuit.teaching import WEIGHT_SCALES, alignment
from brian_dendrites.protocols.modes import add_mode_options, mode_of, spiking_params
from brian_dendrites.raster import plot_raster
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState
from brian_dendrites.teaching import REQUIRED, require
from brian_dendrites.validation import check_integer

__all__ = [
    "HELP",
    "Config",
    "LEARNERS",
    "SIZES",
    "DEFAULT_MODEL",
    "NEEDS",
    "RegressionConfig",
    "train",
    "alignment_angle",
    "add_arguments",
    "config_from_args",
    "check",
    "check_outputs",
    "run",
    "write",
    "write_outputs",
    "summary",
]

HELP = "Fig. 2: a 30-50-10 network (--model, default the microcircuit) learns a teacher network"

LEARNERS = ("full", "shallow")
#: The student's layer sizes.
SIZES = (30, 50, 10)
#: The model of a run without ``--model``.
DEFAULT_MODEL = "microcircuit"
#: What the protocol needs from a model (:mod:`brian_dendrites.teaching`).
NEEDS = (*REQUIRED, "shallow_rates", "apical")
#: The microcircuit's initial weights U(-s, s): the student's input weights are scaled so that its hidden
#: potentials k_B * W_{1,0} r_0 spread like the teacher's k_{1,0} W r_0 around the soft rectifier's
#: threshold theta = 3; with U(-1, 1) the hidden layer is silent.
WEIGHT_SCALE = WEIGHT_SCALES["regression"]
BACKPROP_LAMBDAS = (0.3, 0.1, 0.03, 0.01)
#: Training patterns per learner of a run, and of a ``--quick`` one.
PATTERNS, QUICK_PATTERNS = 200_000, 2_000
_QUICK = f"{QUICK_PATTERNS} patterns, evaluated every 5 chunks"


@dataclass(frozen=True)
class RegressionConfig:
    """The configuration record of ``brian-dendrites regression``: both learners and the output folder.

    Both learners, full and shallow, trained side by side by :func:`run` (``jobs`` processes) on
    ``patterns`` training patterns of 100 ms from ``seed``, in chunks of ``chunk``, evaluated on
    ``chunk`` held-out patterns every ``evaluate_every`` chunks, with the checkpoints in ``out`` (none
    if None). :func:`check` and :func:`write` write the results into ``out``, replacing earlier ones
    only if ``overwrite``.

    Parameters
    ----------
    out : str or os.PathLike, optional
        The folder of the checkpoints ``checkpoint_<learner>_seed<seed>.npz``, from which a run
        resumes, and of the outputs; None: no checkpoints (and nothing to write into).
    patterns : int, default 200000
        Training patterns of 100 ms per learner, drawn from U(-1, 1); >= 1 and a multiple of ``chunk``.
    seed : int, default 0
        Seed of the teacher, the initial weights, the patterns and the noise; >= 0.
    jobs : int, default 2
        Processes: 2 trains both learners side by side, 1 one after the other.
    target : str, default "cpp_standalone"
        Brian2 code-generation target, one of :data:`brian_dendrites.simulation.TARGETS`, which
        :func:`train` checks.
    threads : int, default 1
        OpenMP threads of the cpp_standalone builds (``Simulation(threads=...)``).
    float32 : bool, default False
        Compute in single precision (``Simulation(float32=...)``).
    evaluate_every : int, default 20
        Chunks between two evaluations (and checkpoints), >= 1.
    overwrite : bool, default False
        Replace existing output files.
    mode : {"rate", "spiking"}, default "rate"
        The neuron model; spiking mode gives the signed inputs ON/OFF opponent spike trains.
    psi : float or None, default None
        Spiking mode: spikes per ms per unit rate, > 0; None: the record's (100).
    chunk : int, default 100
        Patterns per simulation run, >= 1; also the number of held-out test patterns.
    ema : float, default 0.2
        Weight of each new test loss in the exponential moving average ``loss_ema``; in (0, 1].
    weight_scale : dict of str to float, optional
        Initial weights are drawn from U(-s, s) with s given by projection name ("bottom_up_1")
        or pathway ("top_down"); missing entries are 1. None (the default): the model's
        ``weight_scale("regression")``, :data:`WEIGHT_SCALE` for the microcircuit.
    model : str, default "microcircuit"
        The registered model to teach; it needs the members :data:`NEEDS`.

    Raises
    ------
    ParameterError
        If ``out`` is not a path or is the empty path "", ``patterns``, ``chunk`` or
        ``evaluate_every`` is not an integer >= 1, ``seed`` is not an integer >= 0, ``patterns`` is
        not a multiple of ``chunk``, ``ema`` lies outside (0, 1], ``mode`` or ``psi`` is refused
        (see :func:`~brian_dendrites.protocols.modes.spiking_params`), or ``model`` is not registered
        or lacks one of :data:`NEEDS` (the message names them).
    """

    out: str | os.PathLike | None = None
    patterns: int = PATTERNS
    seed: int = 0
    jobs: int = 2
    target: str = "cpp_standalone"
    # Left out of the fingerprints at their defaults: earlier checkpoints still resume.
    threads: int = field(default=1, metadata=OMIT_AT_DEFAULT)
    float32: bool = field(default=False, metadata=OMIT_AT_DEFAULT)
    evaluate_every: int = 20
    overwrite: bool = False
    mode: str = "rate"
    psi: float | None = None
    chunk: int = 100
    ema: float = 0.2
    weight_scale: dict | None = None
    model: str = DEFAULT_MODEL

    def __post_init__(self) -> None:
        model = model_named(self.model)
        require(model, NEEDS, "regression")
        if self.weight_scale is None:
            object.__setattr__(self, "weight_scale", model.weight_scale("regression"))
        check_output_folder(self.out)
        for name in ("patterns", "chunk", "evaluate_every", "seed"):
            check_integer(name, getattr(self, name), int(name != "seed"))
        if self.patterns % self.chunk:
            raise ParameterError(f"patterns ({self.patterns}) must be a multiple of chunk ({self.chunk})")
        if not 0 < self.ema <= 1:
            raise ParameterError(f"ema must lie in (0, 1], got {self.ema}")
        self.params  # noqa: B018  (checks mode and psi)

    @property
    def params(self):
        """The student network in ``mode``, with its learning rates: the model's record of the task.

        The microcircuit's: REGRESSION (30-50-10, soft rectifier).
        """
        model = model_named(self.model)
        return spiking_params(model.task_params("regression", SIZES), self.mode, self.psi)

    def eta(self, learner: str):
        """The learning rates of ``learner``'s run: those of :attr:`params`, only the output's for the shallow one.

        Parameters
        ----------
        learner : {"full", "shallow"}
            The full model learns bottom-up (Eq. 7), IP (Eq. 8) and PI (Eq. 9) weights; the shallow
            learner has the bottom-up rate of W_{1,0} set to 0.

        Returns
        -------
        learning rates
            The learner's rates (1/time): ``params.eta``, or the model's ``shallow_rates``.
        """
        params = self.params
        return model_named(self.model).shallow_rates(params) if learner == "shallow" else params.eta

    def learner_record(self, learner: str) -> dict:
        """What one learner's run depends on, as canonical JSON: its checkpoint's ``config`` and fingerprint.

        The fields and the type name are those of the one-learner record of earlier code, so that its
        checkpoints resume.

        Parameters
        ----------
        learner : {"full", "shallow"}
            The learner.

        Returns
        -------
        dict
            ``type`` ("RegressionConfig"), ``learner``, ``params`` (with units), ``patterns``, ``chunk``,
            ``evaluate_every``, ``ema``, ``seed``, ``target`` and ``weight_scale``, and ``threads`` and
            ``float32`` where they are not the defaults.

        Raises
        ------
        ParameterError
            If ``learner`` is not one of :data:`LEARNERS`.
        """
        if learner not in LEARNERS:
            raise ParameterError(f"learner must be one of {LEARNERS}, got '{learner}'")
        fields = ("patterns", "chunk", "evaluate_every", "ema", "seed", "target", "weight_scale")
        fields += tuple(name for name in ("threads", "float32") if not omitted(self, name))
        record = {"type": "RegressionConfig", "learner": learner, "params": self.params}
        return to_json(record | {name: getattr(self, name) for name in fields})


# The configuration record of the protocol contract (autodoc shows it as an alias; a "#:" doc comment
# would be checked by numpydoc against the record's fields).
Config = RegressionConfig


def alignment_angle(weights: dict[str, np.ndarray]) -> float:
    """Angle (degrees) between W_{2,1}^T and the fixed top-down W_{1,2} of the microcircuit (its ``alignment``).

    Parameters
    ----------
    weights : dict of str to numpy.ndarray
        Weight matrices (post, pre) by projection name; ``bottom_up_2`` and ``top_down_1`` are used.

    Returns
    -------
    float
        The angle in degrees, in [0, 180]: about 90 for unrelated weights, 0 for aligned ones.
    """
    return alignment(None, weights)


def _readouts(model, params) -> dict[str, str]:
    """The recorded variables, as "group.variable": the input (if the model labels ``input_0.r``), the apical
    error and the output rate."""
    labels = model.labels(params)
    apical, (group, rate, _) = model.apical(params), model.output(params)
    names = {"apical": ".".join(apical), "output": f"{group}.{rate}"}
    return ({"input": "input_0.r"} if "r" in labels.get("input_0", {}) else {}) | names


def _record(readouts: dict[str, str]) -> dict[str, list[str]]:
    record = {}
    for name in readouts.values():
        group, variable = name.split(".")
        record.setdefault(group, []).append(variable)
    return record


def _evaluate(sim: Simulation, state: NetworkState, test_x: np.ndarray, test_r: np.ndarray, readouts: dict):
    # Spiking mode: the mean over each pattern's second half, as the spikes go on.
    window = sim.pattern_duration / 2 if mode_of(sim.params) == "spiking" else None
    values = sim.steady_state(state, test_x, window=window)
    loss = float(np.mean(np.sum((values[readouts["output"]] - test_r) ** 2, axis=1)))
    return loss, float(np.sqrt(np.mean(values[readouts["apical"]] ** 2)))


def _traces(recording, teacher: Teacher, x: np.ndarray, out: int, readouts: dict, seconds: float = 1.0) -> dict:
    """Fig. 2B traces of the first ``seconds`` of a chunk: output ``out`` and its target, hidden apical 0, input 0
    (the held pattern where the model does not record its input)."""
    samples = round(seconds * recording.sampling_rate)
    per_pattern = round(recording.sampling_rate * 0.1)
    target = np.repeat(teacher.rates(x)[:, out], per_pattern)[:samples]
    r_in = recording[readouts["input"]].values[:samples, 0] if "input" in readouts else np.repeat(x[:, 0], per_pattern)
    return {
        "r_out": recording[readouts["output"]].values[:samples, out],
        "r_target": target,
        "v_apical": recording[readouts["apical"]].values[:samples, 0],
        "r_in": r_in[:samples],
    }


def train(
    config: RegressionConfig, checkpoint: Path | None = None, *, learner: str = "full", progress: bool = True
) -> dict:
    """Train one learner of ``config``; resumes from ``checkpoint`` if it exists and was written by the same run.

    The checkpoint (:mod:`brian_dendrites.checkpoint`) records the learner's run as canonical JSON with
    units (``config``, :meth:`RegressionConfig.learner_record`) and its fingerprint.

    Parameters
    ----------
    config : RegressionConfig
        The configuration; its ``out``, ``jobs`` and ``overwrite`` do not count here.
    checkpoint : str or os.PathLike, optional
        The checkpoint file, rewritten at every evaluation; None: no checkpoint.
    learner : {"full", "shallow"}, default "full"
        The learner (see :meth:`RegressionConfig.eta`).
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    dict
        ``learner``, ``seed``; ``log`` with, per evaluation, ``time_s`` (training time in s),
        ``loss`` (test loss ||r_2 - r_2^trgt||^2), ``rms_apical`` (RMS hidden apical potential
        without the target), ``angle`` (:func:`alignment_angle`; only for a model with ``alignment``) and
        ``loss_ema`` (the loss's moving average); ``traces``, the Fig. 2B traces of the first and the last
        chunk, as lists; ``backprop_cosine``, the cosine between the W_{1,0} changes of the microcircuit and
        of backprop at the end, by mixing factor lambda (see
        :func:`brian_dendrites.models.microcircuit.backprop.backprop_cosine`; None for a model without
        ``backprop_cosine``); in spiking mode ``raster``, a Recording of every group's spikes for two test
        patterns after training.

    Raises
    ------
    ParameterError
        If ``learner`` is not one of :data:`LEARNERS`, ``checkpoint`` was written by a different
        configuration, or the simulation refuses ``config.target``.
    FileFormatError
        If ``checkpoint`` is not a readable checkpoint, does not fit its configuration, or holds a
        damaged log (see :func:`brian_dendrites.checkpoint.check_log`), progress or traces.
    DivergenceError
        If the network state becomes non-finite or diverges.
    """
    learner_run = config.learner_record(learner)
    p, n, eta = config.params, config.chunk, config.eta(learner)
    model = model_named(config.model)
    aligned = callable(getattr(model, "alignment", None))
    readouts = _readouts(model, p)
    rng = np.random.default_rng(config.seed)
    teacher = Teacher.draw(rng, model.transfer(p), (p.sizes[0], 20, p.sizes[-1]))
    weights = model.initial_weights(p, rng, config.weight_scale)
    test_x = rng.uniform(-1, 1, (n, p.sizes[0]))
    test_r = teacher.rates(test_x)
    shown = int(np.argmax(test_r.std(axis=0)))  # the output neuron with the most varied target, for Fig. 2B
    sim = Simulation(
        p,
        n,
        record=_record(readouts),
        target=config.target,
        name=learner,
        threads=config.threads,
        float32=config.float32,
    )
    fingerprint = checkpoints.fingerprint(learner_run)  # canonical: the same in every process
    chunks = config.patterns // n

    keys = ("time_s", "loss", "rms_apical", *(("angle",) if aligned else ()))
    state, log, traces, start = NetworkState(weights), {k: [] for k in keys}, {}, 0
    if checkpoint is not None and Path(checkpoint).exists():
        saved = checkpoints.load(checkpoint, fingerprint, sim.model.zero_state(p))
        state, info = saved.state, saved.info
        start, traces = _resumed_chunk(checkpoint, info, config.evaluate_every, chunks), dict(saved.arrays)
        log = checkpoints.check_log(checkpoint, info.get("log"), tuple(log))
        _check_resumed(checkpoint, log, traces, start, config.evaluate_every, chunks)

    def record(c: int) -> None:
        loss, apical = _evaluate(sim, state, test_x, test_r, readouts)
        log["time_s"].append(c * n * 0.1)
        log["loss"].append(loss)
        log["rms_apical"].append(apical)
        if aligned:
            log["angle"].append(model.alignment(p, state.weights))

    if start == 0:
        record(0)
    bar = tqdm(
        range(start, chunks),
        desc=f"regression ({learner})",
        disable=not progress,
        initial=start,
        total=chunks,
        position=LEARNERS.index(learner),
    )
    for c in bar:
        x = np.random.default_rng([config.seed, c]).uniform(-1, 1, (n, p.sizes[0]))
        targets = model.targets(p, teacher.potential(x))
        result = sim.run(state, x, targets, eta=eta, seed=(config.seed * 1_000_003 + c) % 2**31)
        state = result.state
        if c == 0:
            traces |= {f"before_{k}": v for k, v in _traces(result.recording, teacher, x, shown, readouts).items()}
        if c == chunks - 1:
            traces |= {f"after_{k}": v for k, v in _traces(result.recording, teacher, x, shown, readouts).items()}
        if (c + 1) % config.evaluate_every == 0 or c == chunks - 1:
            record(c + 1)
            bar.set_postfix(loss=f"{log['loss'][-1]:.4f}")
            if checkpoint is not None:
                info = {"config": learner_run, "log": log, "next_chunk": c + 1}
                checkpoints.save(checkpoint, fingerprint, info, state, traces)

    log["loss_ema"] = list(_ema(log["loss"], config.ema))
    cosines = None
    if callable(getattr(model, "backprop_cosine", None)):
        u_target = teacher.potential(test_x[:1])[0]
        cosines = [model.backprop_cosine(sim, state.weights, test_x[0], u_target, lam) for lam in BACKPROP_LAMBDAS]
    raster = {}
    if mode_of(p) == "spiking":  # the spikes of every group for two test patterns, after training
        groups = ["input_0", "pyramidal_1", "interneuron_1", "pyramidal_2"]
        spiking = Simulation(
            p, 2, target=config.target, name=learner, spikes=groups, threads=config.threads, float32=config.float32
        )
        raster["raster"] = spiking.run(state, test_x[:2], eta=eta, seed=config.seed).recording
    return {
        "learner": learner,
        "seed": config.seed,
        "log": log,
        "traces": {k: np.asarray(v).tolist() for k, v in traces.items()},
        "backprop_cosine": None if cosines is None else dict(zip(map(str, BACKPROP_LAMBDAS), cosines, strict=True)),
        **raster,
    }


def _evaluations(chunk: int, every: int, chunks: int) -> int:
    """How many evaluations a run has logged after ``chunk`` chunks: at 0, every ``every`` and at the last."""
    return 1 + chunk // every + (chunk == chunks and chunks % every != 0)


def _resumed_chunk(checkpoint: Path, info: dict, every: int, chunks: int) -> int:
    """The checkpoint's ``next_chunk``: one where a run of ``chunks`` chunks, evaluated every ``every``, saves."""
    chunk = info.get("next_chunk")
    if type(chunk) is not int or not 1 <= chunk <= chunks or (chunk % every and chunk != chunks):
        raise FileFormatError(
            f"checkpoint {checkpoint}: next_chunk must be {chunks} or a multiple of {every} in [1, {chunks}], "
            f"got {chunk!r}"
        )
    return chunk


def _check_resumed(checkpoint: Path, log: dict, traces: dict, chunk: int, every: int, chunks: int) -> None:
    """FileFormatError unless the checkpoint's log and Fig. 2B traces are those of ``chunk`` chunks."""
    expected = _evaluations(chunk, every, chunks)
    if len(log["loss"]) != expected:
        raise FileFormatError(
            f"checkpoint {checkpoint}: its log has {len(log['loss'])} evaluations, next_chunk={chunk} needs {expected}"
        )
    phases = ("before", "after") if chunk == chunks else ("before",)
    names = {f"{phase}_{key}" for phase in phases for key in ("r_out", "r_target", "v_apical", "r_in")}
    if set(traces) != names:
        raise FileFormatError(f"checkpoint {checkpoint}: its traces must be {sorted(names)}, got {sorted(traces)}")
    for name, values in traces.items():
        if values.ndim != 1 or values.dtype.kind != "f" or not np.all(np.isfinite(values)):
            raise FileFormatError(f"checkpoint {checkpoint}: trace '{name}' must be a 1-d array of finite numbers")


def _ema(values: list[float], alpha: float):
    average = values[0]
    for value in values:
        average = alpha * value + (1 - alpha) * average
        yield average


def _train_job(args) -> dict:
    config, learner, checkpoint, progress = args
    return train(config, checkpoint, learner=learner, progress=progress)


def run(config: RegressionConfig, *, progress: bool = True) -> dict:
    """Train the full model and the shallow learner of ``config``: the summary and each one's results.

    The learners train side by side with ``config.jobs`` = 2; the results of each are those of
    :func:`train`.

    Parameters
    ----------
    config : RegressionConfig
        The configuration.
    progress : bool, default True
        Show progress bars.

    Returns
    -------
    dict
        ``summary`` (``model`` for a model other than the microcircuit, ``seed``, ``patterns``; ``full``
        with ``loss_start``, ``loss_end`` (moving average), ``rms_apical_end``, ``angle_start`` and
        ``angle_end`` (None without ``alignment``); ``shallow`` with ``loss_start`` and ``loss_end``;
        ``backprop_cosine`` (None without it); ``full_over_shallow`` and ``full_end_over_start``, ratios
        of the losses), then ``full`` and ``shallow``, the results of :func:`train`.

    Raises
    ------
    ParameterError
        If the simulation refuses the target, or a checkpoint in ``config.out`` was written by a
        different configuration.
    FileFormatError
        If a checkpoint in ``config.out`` is not readable or does not fit its configuration.
    DivergenceError
        If a network state becomes non-finite or diverges.
    """
    seed, out, params = config.seed, config.out, config.params
    tag = _tag(seed, config.mode, config.model)
    paths = [None if out is None else Path(out) / f"checkpoint_{learner}_{tag}.npz" for learner in LEARNERS]
    work = [(config, learner, path, progress) for learner, path in zip(LEARNERS, paths, strict=True)]
    if config.jobs > 1:
        with process_pool(config.jobs) as pool:
            full, shallow = pool.map(_train_job, work)
    else:
        full, shallow = map(_train_job, work)
    angles = full["log"].get("angle", [None])
    summary = {
        **({"model": config.model} if config.model != DEFAULT_MODEL else {}),
        "seed": seed,
        "mode": mode_of(params),
        **({"psi_per_ms": float(params.spiking.psi * ms)} if mode_of(params) == "spiking" else {}),
        "patterns": config.patterns,
        "full": {
            "loss_start": full["log"]["loss"][0],
            "loss_end": full["log"]["loss_ema"][-1],
            "rms_apical_end": full["log"]["rms_apical"][-1],
            "angle_start": angles[0],
            "angle_end": angles[-1],
        },
        "shallow": {"loss_start": shallow["log"]["loss"][0], "loss_end": shallow["log"]["loss_ema"][-1]},
        "backprop_cosine": full["backprop_cosine"],
    }
    summary["full_over_shallow"] = summary["full"]["loss_end"] / summary["shallow"]["loss_end"]
    summary["full_end_over_start"] = summary["full"]["loss_end"] / summary["full"]["loss_start"]
    return {"summary": summary, "full": full, "shallow": shallow}


def _without_raster(learner: dict) -> dict:
    return {key: value for key, value in learner.items() if key != "raster"}


def _tag(seed: int, mode: str, model: str = DEFAULT_MODEL) -> str:
    """The file names' tag: ``seed<seed>``, ``spiking_seed<seed>`` in spiking mode; another model's name first."""
    tag = f"spiking_seed{seed}" if mode == "spiking" else f"seed{seed}"
    return tag if model == DEFAULT_MODEL else f"{model}_{tag}"


def check_outputs(
    out: Path, seed: int, overwrite: bool = False, mode: str = "rate", model: str = DEFAULT_MODEL
) -> list[Path]:
    """The output paths of ``seed``; before a run, creates ``out`` and checks that they can be written.

    Parameters
    ----------
    out : str or os.PathLike
        The output folder; created if needed.
    seed : int
        The seed of the run, part of the file names.
    overwrite : bool, default False
        Allow replacing existing outputs.
    mode : {"rate", "spiking"}, default "rate"
        The run's mode; spiking mode tags the names ``spiking_seed<seed>`` and adds the raster.
    model : str, default "microcircuit"
        The run's model; another model's name comes first in the tag, e.g. ``error_neurons_seed0``.

    Returns
    -------
    list of pathlib.Path
        ``regression_results_seed<seed>.json``, ``fig2b_seed<seed>.png``, ``fig2c_seed<seed>.png`` and
        ``fig_s1_alignment_seed<seed>.png`` in ``out``; in spiking mode ``..._spiking_seed<seed>...``
        and ``regression_raster_spiking_seed<seed>.png``.

    Raises
    ------
    OutputError
        If ``out`` cannot be created or is not a writable folder.
    OutputExistsError
        If an output exists and not ``overwrite``.
    """
    names = ["regression_results_{}.json", "fig2b_{}.png", "fig2c_{}.png", "fig_s1_alignment_{}.png"]
    names += ["regression_raster_{}.png"] if mode == "spiking" else []
    names = [name.format(_tag(seed, mode, model)) for name in names]
    out = prepare_output(out, names, overwrite)
    return [out / name for name in names]


def write_outputs(out: Path, results: dict, overwrite: bool = False) -> list[Path]:
    """Write regression_results.json, fig2b.png, fig2c.png and fig_s1_alignment.png into ``out``.

    Each name ends in ``_seed<seed>`` (see :func:`check_outputs`).

    Parameters
    ----------
    out : str or os.PathLike
        The output folder; created if needed.
    results : dict
        What :func:`run` returned.
    overwrite : bool, default False
        Replace existing outputs.

    Returns
    -------
    list of pathlib.Path
        The paths written, as :func:`check_outputs` lists them.

    Raises
    ------
    OutputError
        If ``out`` cannot be created or is not a writable folder.
    OutputExistsError
        If an output exists and not ``overwrite``; nothing is written then.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    mode, model = results["summary"].get("mode", "rate"), results["summary"].get("model", DEFAULT_MODEL)
    paths = check_outputs(out, results["summary"]["seed"], overwrite, mode, model)
    if mode == "spiking":
        title = f"Regression, spiking mode (psi = {results['summary']['psi_per_ms']:g}/ms), full model after training"
        plot_raster(results["full"]["raster"], paths[4], title)
    results = {**results, "full": _without_raster(results["full"]), "shallow": _without_raster(results["shallow"])}
    full, shallow = results["full"], results["shallow"]

    fig, axes = plt.subplots(2, 2, figsize=(9, 5), sharex=True, sharey="row")
    for col, phase in enumerate(("before", "after")):
        tr = {k: np.asarray(v) for k, v in full["traces"].items() if k.startswith(phase)}
        t = np.arange(len(tr[f"{phase}_r_out"])) / 1000
        axes[0, col].plot(t, tr[f"{phase}_r_out"], color="tab:blue", label="output $r_2$")
        axes[0, col].plot(t, tr[f"{phase}_r_target"], color="tab:blue", ls="--", label="target $r_2^{trgt}$")
        axes[0, col].plot(t, tr[f"{phase}_r_in"] * 0.1, color="tab:green", alpha=0.6, label="input $r_0$ (x0.1)")
        axes[1, col].plot(t, tr[f"{phase}_v_apical"], color="slategray", label="hidden apical $v_A$")
        axes[0, col].set_title(f"({'i' if phase == 'before' else 'ii'}) {phase} learning")
        axes[1, col].set_xlabel("time (s)")
    axes[0, 0].legend(fontsize=7)
    axes[1, 0].legend(fontsize=7)
    fig.suptitle(f"Fig. 2B: the {model} model learns the teacher online".replace("microcircuit model", "microcircuit"))
    fig.tight_layout()
    fig.savefig(paths[1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    for result, color, label in ((full, "tab:blue", "full model"), (shallow, "k", "shallow learner")):
        ax.plot(result["log"]["time_s"], result["log"]["loss_ema"], color=color, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("training time (s), one pattern per 100 ms")
    ax.set_ylabel("test loss $||r_2 - r_2^{trgt}||^2$ (EMA)")
    ax.legend()
    ax.set_title("Fig. 2C: error curves")
    fig.tight_layout()
    fig.savefig(paths[2], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.5))
    if "angle" in full["log"]:
        ax.plot(full["log"]["time_s"], full["log"]["angle"], color="tab:purple")
    else:
        ax.text(0.5, 0.5, f"model {model!r} has no alignment angle", ha="center", transform=ax.transAxes)
    ax.axhline(90, color="k", ls=":")
    ax.set_xlabel("training time (s)")
    ax.set_ylabel(r"angle($W_{2,1}^T$, $W_{1,2}$) (deg)")
    ax.set_title("Fig. S1: forward weights align with the fixed top-down weights")
    fig.tight_layout()
    fig.savefig(paths[3], dpi=120)
    plt.close(fig)
    paths[0].write_text(json.dumps(results, indent=1))
    return paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``brian-dendrites regression``: the shared ones, the model, the duration and the processes.

    See :meth:`Contract.add_arguments <brian_dendrites.protocols.registry.Contract.add_arguments>`.
    """
    options.add_shared_options(parser)
    options.add_quick_option(parser, _QUICK)
    options.add_model_option(parser, DEFAULT_MODEL)
    add_mode_options(parser)
    parser.add_argument(
        "--patterns",
        type=options.positive_int,
        help=f"training patterns of 100 ms, a multiple of 100 (default {PATTERNS})",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        choices=(1, 2),
        default=2,
        help="processes: 2 trains the full model and the shallow learner side by side (default)",
    )


def config_from_args(args: argparse.Namespace) -> RegressionConfig:
    """The :class:`RegressionConfig` of the options that :func:`add_arguments` added.

    See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
    """
    return RegressionConfig(
        model=args.model,
        mode=args.mode,
        psi=args.psi,
        out=args.out,
        patterns=options.quick_value(args, "patterns", QUICK_PATTERNS, PATTERNS, f"{QUICK_PATTERNS} patterns"),
        seed=args.seed,
        jobs=args.jobs,
        target=args.target,
        threads=options.threads(args),
        float32=args.float32,
        evaluate_every=5 if args.quick else 20,
        overwrite=args.overwrite,
    )


def check(config: RegressionConfig) -> None:
    """:func:`check_outputs` of ``config.out``, before :func:`run`.

    See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
    """
    check_outputs(config.out, config.seed, config.overwrite, config.mode, config.model)


def write(results: dict, config: RegressionConfig) -> list[Path]:
    """:func:`write_outputs` of what :func:`run` returned into ``config.out``; the paths written.

    See :meth:`Contract.write <brian_dendrites.protocols.registry.Contract.write>`.
    """
    return write_outputs(config.out, results, overwrite=config.overwrite)


def summary(results: dict) -> dict:
    """The summary of both learners (``results["summary"]``).

    See :meth:`Contract.summary <brian_dendrites.protocols.registry.Contract.summary>`.
    """
    return results["summary"]
