"""The depth comparison of Max et al. (2025), their Fig. 3: error neurons, dendritic errors and backprop.

A teacher network r_k = tanh(a W_k r_{k-1}) with weights U(-1, 1) (a = g_bas/(g_l + g_bas), the
authors' ANN) maps inputs U(0, 1) to targets; students of the teacher's sizes (2-1 up to
32-16-8-4-2-1) learn from 100 training samples; 100 validation and 100 test samples measure them.
For each size and seed: the error-neuron model (Brian2, C++), this project's 2018 dendritic-error
microcircuit (steady-state engine) and backprop (:mod:`~brian_dendrites.protocols.depth_students`;
the problems: :mod:`~brian_dendrites.protocols.depth_problems`)
start from the same forward weights and see the samples in the same order. Their untrained
controls are the same students at epoch 0.

After every epoch: the test and validation MSE of the output rates without a target (the settled
network: the feedforward pass of each student, exactly, see models/error_neurons/steady_state.py),
and per layer the angle between the epoch's weight change and backprop's weight change for the same
student at the epoch's start (summed over the training set). Learning rates are the authors' (their
Fig. 3 params.json files, :data:`ETA`).

This module is also the protocol ``brian-dendrites depth``: it checkpoints after each (size, seed)
into the output folder (:mod:`brian_dendrites.checkpoint`), from which an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from brian_dendrites import checkpoint, options
from brian_dendrites.canonical import OMIT_AT_DEFAULT, fields_of, omitted, to_json
from brian_dendrites.errors import DivergenceError, FileFormatError, ParameterError
from brian_dendrites.files import check_output_folder, prepare_output
from brian_dendrites.models.error_neurons import ErrorNeuronParams
from brian_dendrites.protocols.depth_problems import load_problem, make_problem, read_problem
from brian_dendrites.protocols.depth_students import TRAINERS, Problem, backprop_terms, forward, gains, student_terms
from brian_dendrites.simulation import TARGETS
from brian_dendrites.validation import check_integer, is_finite_real, is_integer, is_real, repeated

__all__ = [
    "HELP",
    "SIZES",
    "STUDENTS",
    "NETWORK_MODEL",
    "ETA",
    "OUTPUTS",
    "CHECKPOINT",
    "LEGACY_CHECKPOINT",
    "QUICK",
    "Config",
    "DepthConfig",
    "add_arguments",
    "config_from_args",
    "check",
    "run",
    "write",
    "summary",
]

HELP = "depth comparison (Max et al. 2025, Fig. 3): error neurons, dendritic errors and backprop"

#: The students' sizes of the paper's Fig. 3.
SIZES = ((2, 1), (4, 2, 1), (8, 4, 2, 1), (16, 8, 4, 2, 1), (32, 16, 8, 4, 2, 1))
#: The trained students.
STUDENTS = ("error_neurons", "dendritic", "backprop")
#: The registered model whose Brian2 network is the network student (``--model``; the only one so far).
NETWORK_MODEL = "error_neurons"
#: Learning rates (1/ms) by student and number of layers, from the authors'
#: numpy_model/experiments/Fig3_multilayer_comparison/<size>/{errormc,sacramento2018,ann}/params.json.
#: error_neurons: eta_fw per layer (their Fig. 3 runs scale it by a connectome in 'skip' mode; here the
#: layered network, see docs/depth.md); dendritic: (eta_fw, eta_IP); backprop: eta_fw.
ETA = {
    "error_neurons": {
        2: (1.0,),
        3: (2.0, 0.2),
        4: (1.0, 0.2, 0.05),
        5: (2.0, 0.5, 0.125, 0.03125),
        6: (1.0, 0.2, 0.1, 0.05, 0.01),
    },
    "dendritic": {
        2: ((1.0,), ()),
        3: ((0.1, 0.02), (0.04,)),
        4: ((0.1, 0.02, 0.002), (0.04, 0.004)),
        5: ((0.1, 0.01, 0.002, 0.001), (0.02, 0.004, 0.002)),
        6: ((1.0, 0.2, 0.1, 0.05, 0.01), (0.4, 0.2, 0.1, 0.02)),
    },
    "backprop": {
        2: (1.0,),
        3: (2.0, 0.2),
        4: (1.0, 0.2, 0.05),
        5: (2.0, 0.5, 0.1, 0.01),
        6: (1.0, 0.2, 0.1, 0.05, 0.01),
    },
}
#: The files every run writes.
OUTPUTS = ("depth_results.json", "depth_curves.png", "depth_final.png", "depth_angles.png")
#: The checkpoint (:mod:`brian_dendrites.checkpoint`), rewritten after each (size, seed).
CHECKPOINT = "depth_checkpoint.npz"
#: The checkpoint of earlier code, one JSON object: resumed from if there is no :data:`CHECKPOINT`, and
#: removed once that is written.
LEGACY_CHECKPOINT = "depth_checkpoint.json"
#: The sizes, seeds and epochs of a ``--quick`` run.
QUICK = (((4, 2, 1),), (0, 1), 40)
_QUICK = "sizes 4-2-1, seeds 0,1 and 40 epochs"


def _label(sizes: tuple[int, ...]) -> str:
    return "-".join(map(str, sizes))


@dataclass(frozen=True)
class DepthConfig:
    """The configuration record of ``brian-dendrites depth``.

    Parameters
    ----------
    sizes : tuple of tuple of int, optional
        Student (and teacher) sizes, each with 2 to 6 layers ending in 1 output (the authors' learning
        rates exist for those depths), none twice. None: :data:`SIZES`, or the problem file's.
    seeds : tuple of int, optional
        Seeds of teacher, data, initial weights and sample order; each >= 0, none twice.
        None: 0, ..., 9, or the problem file's.
    epochs : int, default 1000
        Training epochs of the 100 samples; >= 1.
    models : tuple of str, default STUDENTS
        The trained students, a subset of :data:`STUDENTS` (the field keeps its name, the results'
        and checkpoints' key and the option ``--models``).
    params : ErrorNeuronParams, default ErrorNeuronParams()
        The conductances and dt of every student (the authors' template); sizes and eta come from here.
    problem : str or os.PathLike, optional
        An NPZ file with teacher, data and initial weights (see
        :func:`~brian_dendrites.protocols.depth_problems.load_problem`), e.g. written beside the authors'
        code; then ``sizes`` and ``seeds`` are its own (given ones must equal them).
    target : str, default "cpp_standalone"
        Brian2 code-generation target of the error-neuron network.
    threads : int, default 1
        OpenMP threads of the cpp_standalone builds (``Simulation(threads=...)``).
    float32 : bool, default False
        Compute in single precision (``Simulation(float32=...)``).
    out : str or os.PathLike, optional
        Output folder, also of the checkpoint; None: no checkpoint.
    overwrite : bool, default False
        Replace existing output files.

    Raises
    ------
    ParameterError
        If a field is outside its allowed values, a size or seed repeats, or ``sizes`` or ``seeds``
        differ from the problem file's.
    FileFormatError
        If the problem file is not a problem (see :func:`~brian_dendrites.protocols.depth_problems.load_problem`).
    FileNotFoundError
        If the problem file does not exist.
    """

    sizes: tuple[tuple[int, ...], ...] | None = None
    seeds: tuple[int, ...] | None = None
    epochs: int = 1000
    models: tuple[str, ...] = STUDENTS
    params: ErrorNeuronParams = field(default_factory=ErrorNeuronParams)
    problem: str | os.PathLike | None = None
    target: str = "cpp_standalone"
    # Left out of the fingerprints at their defaults: earlier checkpoints still resume.
    threads: int = field(default=1, metadata=OMIT_AT_DEFAULT)
    float32: bool = field(default=False, metadata=OMIT_AT_DEFAULT)
    out: str | os.PathLike | None = None
    overwrite: bool = False

    def __post_init__(self) -> None:
        check_output_folder(self.out)
        if self.sizes is not None:
            object.__setattr__(self, "sizes", tuple(tuple(s) for s in self.sizes))
        if self.seeds is not None:
            object.__setattr__(self, "seeds", tuple(self.seeds))
        object.__setattr__(self, "models", tuple(self.models))
        if not isinstance(self.params, ErrorNeuronParams):
            raise ParameterError(f"params must be an ErrorNeuronParams record, got {type(self.params).__name__}")
        if self.problem is not None:
            self._follow_problem()
        if self.sizes is None:
            object.__setattr__(self, "sizes", SIZES)
        if self.seeds is None:
            object.__setattr__(self, "seeds", tuple(range(10)))
        for sizes in self.sizes:
            if not (2 <= len(sizes) <= 6 and sizes[-1] == 1 and all(is_integer(n) and n >= 1 for n in sizes)):
                raise ParameterError(f"sizes: each must have 2 to 6 layers of >= 1 neurons and 1 output, got {sizes}")
        if not self.sizes or not self.seeds:
            raise ParameterError("sizes and seeds must not be empty")
        if not all(is_integer(s) and s >= 0 for s in self.seeds):
            raise ParameterError(f"seeds must be integers >= 0, got {self.seeds}")
        # NumPy integers as int, for the labels, the fingerprint and the results
        object.__setattr__(self, "sizes", tuple(tuple(int(n) for n in sizes) for sizes in self.sizes))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        for name in ("sizes", "seeds"):  # a repeated one would run once but be recorded twice
            twice = repeated(getattr(self, name))
            if twice is not None:
                raise ParameterError(f"{name} must not repeat, got {twice} twice in {getattr(self, name)}")
        object.__setattr__(self, "epochs", check_integer("epochs", self.epochs, 1))
        if not self.models or not set(self.models) <= set(STUDENTS):
            raise ParameterError(f"models must be a non-empty subset of {STUDENTS}, got {self.models}")
        if self.target not in TARGETS:
            raise ParameterError(f"target must be one of {TARGETS}, got {self.target!r}")

    def _follow_problem(self) -> None:
        """Take ``sizes`` and ``seeds`` from the problem file; refuse given ones that differ."""
        sizes, seed, _ = read_problem(self.problem)
        for name, own, text in (("sizes", (sizes,), _label), ("seeds", (seed,), str)):
            given = getattr(self, name)
            if given is not None and given != own:
                raise ParameterError(
                    f"{name} {','.join(map(text, given))} differ from the problem file {self.problem}'s "
                    f"{text(own[0])}: a problem file runs its own sizes and seed; leave out {name} (--{name})"
                )
            object.__setattr__(self, name, own)


Config = DepthConfig


def _angles(history: list, student: str, problem: Problem, params: ErrorNeuronParams) -> list[list[float]]:
    """Per epoch start, per layer: the mean over training samples of the angle (degrees) between the
    student's weight change (see ``student_terms``) and backprop's for the same sample and weights."""
    a, n = gains(student, problem.sizes, params), len(problem.sizes) - 1
    result = []
    for weights in history[:-1]:
        forward_weights = [weights[f"forward_{k}"] for k in range(1, n + 1)]
        reference = backprop_terms(forward_weights, a, problem.x["train"], problem.y["train"])
        own = student_terms(student, weights, problem, params)
        result.append(
            [float(np.nanmean(_outer_angle(e, r, d, s))) for (e, r), (d, s) in zip(own, reference, strict=True)]
        )
    return result


def _outer_angle(e, r, d, s) -> np.ndarray:
    """Angles (degrees) between e_i r_i^T and d_i s_i^T for each row i (NaN where one is zero):
    ``cos = (e.d)(r.s) / (|e| |d| |r| |s|)``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(e * d, 1) * np.sum(r * s, 1)
        cos = cos / (
            np.linalg.norm(e, axis=1)
            * np.linalg.norm(r, axis=1)
            * np.linalg.norm(d, axis=1)
            * np.linalg.norm(s, axis=1)
        )
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _errors(history: list, student: str, problem: Problem, params: ErrorNeuronParams, name: str) -> list[float]:
    """The MSE of the output rates without a target on set ``name``, at every entry of ``history``."""
    a, n = gains(student, problem.sizes, params), len(problem.sizes) - 1
    x, y = problem.x[name], problem.y[name]
    return [
        float(np.mean((forward([w[f"forward_{k}"] for k in range(1, n + 1)], a, x)[0][-1] - y) ** 2)) for w in history
    ]


def _train(problem: Problem, config: DepthConfig) -> dict:
    results = {}
    for student in config.models:
        t0 = time.perf_counter()
        eta = ETA[student][len(problem.sizes)]
        history = TRAINERS[student](
            problem,
            config.params,
            eta,
            config.epochs,
            target=config.target,
            threads=config.threads,
            float32=config.float32,
        )
        wall = time.perf_counter() - t0
        for w in history[-1].values():
            if not np.all(np.isfinite(w)):
                raise DivergenceError(
                    f"{student} {_label(problem.sizes)} seed {problem.seed}: weights became non-finite"
                )
        results[student] = {
            "test_mse": _errors(history, student, problem, config.params, "test"),
            "validation_mse": _errors(history, student, problem, config.params, "validation"),
            "angle_deg": [] if student == "backprop" else _angles(history, student, problem, config.params),
            "ms_per_sample": 1000 * wall / (config.epochs * len(problem.x["train"])),
        }
    return results


def _fingerprint(config: DepthConfig) -> str:
    fields = {k: v for k, v in fields_of(config).items() if k not in ("out", "overwrite") and not omitted(config, k)}
    if config.problem is not None:  # its content, not only its name
        fields["problem_sha256"] = hashlib.sha256(Path(config.problem).read_bytes()).hexdigest()
    return checkpoint.fingerprint(fields)


def _earlier_fingerprints(config: DepthConfig) -> set[str]:
    """The fingerprints that earlier code, before the problem file's content counted, wrote for the same command
    with a problem file: of the configuration without the content, with sizes and seeds as given or by default."""
    if config.problem is None:
        return set()
    fields = {k: v for k, v in fields_of(config).items() if k not in ("out", "overwrite") and not omitted(config, k)}
    given = [(config.sizes, SIZES), (config.seeds, tuple(range(10)))]
    return {checkpoint.fingerprint(fields | {"sizes": sz, "seeds": sd}) for sz in given[0] for sd in given[1]}


#: The entries of each (size, seed, student) in a checkpoint and in the results.
_RECORD = ("test_mse", "validation_mse", "angle_deg", "ms_per_sample")


def _read_checkpoint(path: Path, fingerprints: list[str], config: DepthConfig, units: list) -> dict:
    """The runs in the checkpoint ``path``, checked against the configuration it must have been written by.

    :func:`brian_dendrites.checkpoint.load` refuses a damaged file and one of another configuration (none
    of ``fingerprints``); then FileFormatError, naming the file and the fault, unless its info holds
    ``runs`` only: size label -> seed -> exactly ``config.models`` -> ``test_mse`` and
    ``validation_mse`` (epochs + 1 finite numbers), ``angle_deg`` (per epoch one number or NaN per
    layer; none for backprop) and ``ms_per_sample`` (a finite number >= 0), for sizes and seeds of
    ``units`` only.
    """
    info = checkpoint.load(path, fingerprints).info

    def fault(what: str) -> FileFormatError:
        return FileFormatError(f"checkpoint {path}: {what}; remove it to restart")

    if set(info) != {"runs"}:
        raise fault("not a depth checkpoint (a fingerprint and 'runs')")
    expected: dict[str, tuple] = {}
    for sizes, seed in units:
        expected.setdefault(_label(sizes), (len(sizes) - 1, set()))[1].add(str(seed))
    runs = info["runs"]
    if not isinstance(runs, dict):
        raise fault("'runs' is not an object")
    for label, seeds in runs.items():
        if label not in expected:
            raise fault(f"size '{label}' is not one of this run's {list(expected)}")
        layers, allowed = expected[label]
        if not isinstance(seeds, dict) or not seeds or not set(seeds) <= allowed:
            raise fault(f"runs['{label}'] must map some of this run's seeds {sorted(allowed, key=int)} to models")
        for seed, students in seeds.items():
            where = f"runs['{label}']['{seed}']"
            if not isinstance(students, dict) or list(students) != list(config.models):
                raise fault(f"{where} must hold the models {list(config.models)}")
            for student, record in students.items():
                wrong = _record_fault(record, student, config.epochs, layers)
                if wrong:
                    raise fault(f"{where}['{student}'] {wrong}")
    return runs


def _record_fault(record, student: str, epochs: int, layers: int) -> str | None:
    """What is wrong with one (size, seed, student) record read from a checkpoint, or None."""
    angles = 0 if student == "backprop" else epochs
    if not isinstance(record, dict) or set(record) != set(_RECORD):
        return f"must hold {list(_RECORD)}"
    if not all(_numbers(record[name], epochs + 1) for name in ("test_mse", "validation_mse")):
        return f"must have test_mse and validation_mse of {epochs + 1} finite numbers each"
    lists = record["angle_deg"]
    if not (isinstance(lists, list) and len(lists) == angles and all(_numbers(a, layers, nan=True) for a in lists)):
        return f"must have angle_deg of {angles} lists of {layers} numbers"
    if not (_numbers([record["ms_per_sample"]], 1) and record["ms_per_sample"] >= 0):
        return "must have ms_per_sample a finite number >= 0"
    return None


def _numbers(values, length: int, nan: bool = False) -> bool:
    """Whether ``values`` (read from JSON) is a list of ``length`` finite numbers (or NaN, if ``nan``)."""
    return (
        isinstance(values, list)
        and len(values) == length
        and all(is_finite_real(v) or (nan and is_real(v) and math.isnan(v)) for v in values)
    )


def run(config: DepthConfig, *, progress: bool = True) -> dict:
    """Train every student on every size and seed; resumes from the checkpoint in ``config.out``.

    Parameters
    ----------
    config : DepthConfig
        The configuration.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    dict
        ``config``; ``runs``: size label -> seed -> student -> ``test_mse`` and ``validation_mse``
        (epochs + 1 values, from epoch 0 = untrained), ``angle_deg`` (per epoch, per layer) and
        ``ms_per_sample`` (wall time of training per sample); ``summary``: size label -> student ->
        median, 25th and 75th percentile over seeds of the final and the untrained test MSE, and the
        median angle per layer at the start of the first and of the last epoch (not for backprop).

    Raises
    ------
    ParameterError
        If the checkpoint was written by another configuration.
    FileFormatError
        If the problem file or the checkpoint cannot be read, or the checkpoint's content is not what
        this configuration writes (the message names the file and the fault).
    DivergenceError
        If a student's weights or the network's state become non-finite.
    """
    problems = None if config.problem is None else [load_problem(config.problem, config.params)]
    units = [(sizes, seed) for sizes in config.sizes for seed in config.seeds]  # a problem's own (DepthConfig)
    fingerprint = _fingerprint(config)
    path, legacy = (
        (None, None) if config.out is None else (Path(config.out) / n for n in (CHECKPOINT, LEGACY_CHECKPOINT))
    )
    saved, runs = next((p for p in (path, legacy) if p is not None and p.exists()), None), {}
    if (
        saved is not None
    ):  # with a problem file, also a checkpoint of earlier code (which did not fingerprint its content)
        runs = _read_checkpoint(saved, [fingerprint, *_earlier_fingerprints(config)], config, units)
    bar = tqdm(units, desc="depth", disable=not progress)
    for sizes, seed in bar:
        label = _label(sizes)
        if str(seed) in runs.get(label, {}):
            continue
        bar.set_postfix(size=label, seed=seed)
        problem = problems[0] if problems else make_problem(sizes, seed, config.params)
        runs.setdefault(label, {})[str(seed)] = _train(problem, config)
        if path is not None:
            checkpoint.save(path, fingerprint, {"runs": runs})  # atomic: an interruption keeps the previous one
            legacy.unlink(missing_ok=True)  # converted
    return {
        "config": to_json(fields_of(config) | {"out": None, "overwrite": None}),
        "runs": runs,
        "summary": _summary(runs),
    }


def _summary(runs: dict) -> dict:
    result = {}
    for label, seeds in runs.items():
        result[label] = {}
        students = next(iter(seeds.values())).keys()
        for student in students:
            final = [seeds[s][student]["test_mse"][-1] for s in seeds]
            untrained = [seeds[s][student]["test_mse"][0] for s in seeds]
            angles = np.array([seeds[s][student]["angle_deg"] for s in seeds])
            result[label][student] = {
                "final_test_mse": _quartiles(final),
                "untrained_test_mse": _quartiles(untrained),
                "angle_deg_first_epoch": np.median(angles[:, 0], axis=0).round(2).tolist() if angles.size else None,
                "angle_deg_last_epoch": np.median(angles[:, -1], axis=0).round(2).tolist() if angles.size else None,
                "ms_per_sample": float(np.median([seeds[s][student]["ms_per_sample"] for s in seeds])),
                "seeds": len(final),
            }
    return result


def _quartiles(values) -> dict:
    q25, q50, q75 = np.percentile(values, [25, 50, 75])
    return {"median": float(q50), "q25": float(q25), "q75": float(q75)}


def check(config: DepthConfig) -> None:
    """Create ``config.out`` and check that the outputs can be written into it.

    See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
    """
    prepare_output(config.out, OUTPUTS, config.overwrite)


_COLORS = {"error_neurons": "tab:red", "dendritic": "tab:blue", "backprop": "k"}
_NAMES = {"error_neurons": "error neurons", "dendritic": "dendritic errors (2018)", "backprop": "backprop"}


def write(results: dict, config: DepthConfig) -> list[Path]:
    """Write depth_results.json and the three figures into ``config.out``.

    See :meth:`Contract.write <brian_dendrites.protocols.registry.Contract.write>`.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = prepare_output(config.out, OUTPUTS, config.overwrite)
    paths = [out / name for name in OUTPUTS]
    runs, labels = results["runs"], list(results["runs"])
    fig, axes = plt.subplots(1, len(labels), figsize=(3.2 * len(labels), 3), sharey=True, squeeze=False)
    for ax, label in zip(axes[0], labels, strict=True):
        for student in _students(runs[label]):
            curves = np.array([runs[label][s][student]["test_mse"] for s in runs[label]])
            median = np.median(curves, axis=0)
            ax.plot(median, color=_COLORS[student], label=_NAMES[student])
            ax.fill_between(
                range(len(median)), *np.percentile(curves, [25, 75], axis=0), color=_COLORS[student], alpha=0.2
            )
        ax.set_yscale("log")
        ax.set_title(label)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel("test MSE (median, IQR over seeds)")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(paths[1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 3.5))
    depth = [len(label.split("-")) - 1 for label in labels]
    for i, student in enumerate(_students(runs[labels[0]])):
        offset = (i - 1) * 0.08
        for d, label in zip(depth, labels, strict=True):
            final = [runs[label][s][student]["test_mse"][-1] for s in runs[label]]
            ax.scatter(np.full(len(final), d + offset), final, color=_COLORS[student], s=8, alpha=0.5)
        medians = [results["summary"][label][student]["final_test_mse"]["median"] for label in labels]
        ax.plot(np.add(depth, offset), medians, "o-", color=_COLORS[student], label=_NAMES[student])
        untrained = [results["summary"][label][student]["untrained_test_mse"]["median"] for label in labels]
        ax.plot(np.add(depth, offset), untrained, "x:", color=_COLORS[student], label=f"{_NAMES[student]}, untrained")
    ax.set_yscale("log")
    ax.set_xticks(depth, labels, rotation=20, fontsize=7)
    ax.set_ylabel("final test MSE")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(paths[2], dpi=120)
    plt.close(fig)

    fig, axes = plt.subplots(1, len(labels), figsize=(3.2 * len(labels), 3), sharey=True, squeeze=False)
    for ax, label in zip(axes[0], labels, strict=True):
        for student in _students(runs[label]):
            if student == "backprop":
                continue
            angles = np.array([runs[label][s][student]["angle_deg"] for s in runs[label]]).mean(axis=2)
            ax.plot(
                np.arange(1, angles.shape[1] + 1),
                np.median(angles, axis=0),
                color=_COLORS[student],
                label=_NAMES[student],
            )
        ax.set_title(label)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel("angle to backprop (deg, layer mean)")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(paths[3], dpi=120)
    plt.close(fig)
    paths[0].write_text(json.dumps(results, indent=1))
    return paths


def _students(seeds: dict) -> list[str]:
    return list(next(iter(seeds.values())))


def summary(results: dict) -> dict:
    """The configuration and the summary, without the per-epoch curves.

    See :meth:`Contract.summary <brian_dendrites.protocols.registry.Contract.summary>`.
    """
    return {"config": results["config"], "summary": results["summary"]}


def _sizes(text: str) -> tuple[tuple[int, ...], ...]:
    try:
        return tuple(tuple(int(n) for n in part.split("-")) for part in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"must be sizes like 4-2-1,16-8-4-2-1, got '{text}'") from error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``brian-dendrites depth``.

    See :meth:`Contract.add_arguments <brian_dendrites.protocols.registry.Contract.add_arguments>`.
    """
    parser.add_argument(
        "--out", type=options.output_folder, required=True, help="output directory for figures and results JSON"
    )
    parser.add_argument(
        "--sizes", type=_sizes, help="student sizes (default 2-1,...,32-16-8-4-2-1; with --problem, the problem's)"
    )
    parser.add_argument("--seeds", type=options.seeds, help="seeds: 0-9 (default) or 0,3; with --problem, its seed")
    parser.add_argument("--epochs", type=options.positive_int, help="training epochs (default 1000)")
    parser.add_argument("--models", type=options.subset(STUDENTS), default=STUDENTS, help=f"students, among {STUDENTS}")
    options.add_model_option(parser, NETWORK_MODEL)
    options.add_quick_option(parser, _QUICK)
    parser.add_argument("--problem", help="NPZ file of teacher, data and initial weights (see docs/depth.md)")
    parser.add_argument("--target", choices=TARGETS, default="cpp_standalone", help="Brian2 target (error neurons)")
    options.add_build_options(parser)
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def config_from_args(args: argparse.Namespace) -> DepthConfig:
    """The :class:`DepthConfig` of the options that :func:`add_arguments` added.

    See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
    """
    if args.model != NETWORK_MODEL:
        raise ParameterError(
            f"depth needs a model with the depth comparison's steady state and backprop angles: model {args.model!r} "
            f"lacks them (only {NETWORK_MODEL!r}, the Brian2 network student, has them)"
        )
    sizes, seeds, epochs = QUICK
    return DepthConfig(
        sizes=options.quick_value(args, "sizes", sizes, None, _QUICK),
        seeds=options.quick_value(args, "seeds", seeds, None, _QUICK),
        epochs=options.quick_value(args, "epochs", epochs, 1000, _QUICK),
        models=args.models,
        problem=options.quick_value(args, "problem", None, None, _QUICK),
        target=args.target,
        threads=options.threads(args),
        float32=args.float32,
        out=args.out,
        overwrite=args.overwrite,
    )
