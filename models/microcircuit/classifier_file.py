"""The model file of a classifier: a versioned NPZ file of its weights, record, log, seed and schedule.

:func:`save_classifier` writes format version 2 atomically; :func:`load_classifier` reads versions 0
to 2 and refuses, in one line naming the file, anything else. Nothing in a file is executed.

A model file is also the checkpoint its training resumes from (:func:`resumable`), with the one
resume mechanism of :mod:`brian_dendrites.checkpoint`: its ``info`` record holds the
:func:`~brian_dendrites.checkpoint.fingerprint` of the training's configuration, checked by
:func:`~brian_dendrites.checkpoint.check_fingerprint`. Unlike a checkpoint it stores that
configuration too (the record, seed and schedule), so that a file is evaluated without the code
that wrote it, and a refusal to resume says what differs.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from brian_dendrites import checkpoint
from brian_dendrites.canonical import dumps, from_json
from brian_dendrites.errors import FileFormatError, ParameterError
from brian_dendrites.files import atomic_savez, read_npz
from brian_dendrites.transfer import transfer_function
from brian_dendrites.validation import is_finite_real, is_integer, is_real

from .classifier import Classifier, Variant, _empty_log
from .learning import backprop_schedule
from .network import projections
from .parameters import RECORD_TYPES, MicrocircuitParams
from .spiking_learning import Presentation

__all__ = ["FORMAT_VERSION", "save_classifier", "load_classifier", "resumable", "training_fingerprint"]

#: Layout of the model files that :func:`save_classifier` writes; files without ``format_version`` are 0.
FORMAT_VERSION = 3
#: The entries of a model file besides ``weights/...`` and ``biases/...``, by format version.
_ENTRIES = {
    0: {"variant", "phi", "phi_parameters", "log"},
    1: {"format_version", "variant", "params", "log", "seed", "schedule"},
    2: {"format_version", "variant", "params", "log", "seed", "schedule", "info"},
    3: {"format_version", "variant", "params", "log", "seed", "schedule", "info", "presentation"},
}
#: The entries without which a file of that format version is not a model file.
_REQUIRED = {
    0: ("variant", "phi", "phi_parameters"),
    1: ("variant", "params"),
    2: ("variant", "params", "info"),
    3: ("variant", "params", "info", "presentation"),
}


def training_fingerprint(
    params: MicrocircuitParams,
    seed: int | None,
    schedule: dict | None,
    limit: int | None,
    presentation: Presentation | None = None,
) -> str:
    """The :func:`~brian_dendrites.checkpoint.fingerprint` of a training: what must match for it to resume.

    Parameters
    ----------
    params : MicrocircuitParams
        The classifier's parameter record.
    seed : int or None
        The seed of its initial weights and shuffling.
    schedule : dict or None
        Its backprop learning-rate schedule (None: not a backprop classifier).
    limit : int or None
        The training images, the first ``limit`` of the training part (None: all).
    presentation : Presentation or None, optional
        A spiking classifier's presentation; None (a rate classifier) adds nothing to the fingerprint.

    Returns
    -------
    str
        The fingerprint.
    """
    fields = {"params": params, "seed": seed, "schedule": schedule, "train_images": limit}
    if presentation is not None:
        fields["presentation"] = presentation.to_dict()
    return checkpoint.fingerprint(fields)


def save_classifier(
    classifier: Classifier, params: MicrocircuitParams, path: str | os.PathLike, limit: int | None = None
) -> Path:
    """Write ``classifier`` atomically to ``path``, an NPZ file (format version 2; 3 for a spiking one) holding

    - ``weights/<projection>`` (post, pre) and ``biases/<projection>`` (post,): float32 arrays;
    - ``variant``; ``params``, the parameter record as canonical JSON with units
      (:func:`brian_dendrites.canonical.dumps`), which :func:`load_classifier` reads back;
    - ``log`` (JSON: epoch, validation_error, test_error, wall_s per epoch);
    - ``format_version`` (int, 2) and ``seed`` (int, that of the initial weights and the
      shuffling; absent where ``classifier.seed`` is None);
    - ``schedule`` (JSON, a backprop classifier's learning-rate schedule; absent where ``classifier.schedule``
      is None);
    - ``info`` (JSON, the record of :mod:`brian_dendrites.checkpoint`): ``fingerprint``, the
      :func:`training_fingerprint` of ``params``, the seed, the schedule, ``limit`` and the presentation;
    - format version 3 only: ``presentation`` (JSON, :meth:`Presentation.to_dict
      <.spiking_learning.Presentation.to_dict>`), how a spiking classifier's images are shown.

    Rate classifiers are written as format version 2, which format 3 extends. Files of format version 1
    have no ``info``. Files of format version 0 have no ``format_version`` and ``seed`` either, and
    instead of the record the transfer function's name ``phi`` and its
    ``phi_parameters`` (JSON).

    Parameters
    ----------
    classifier : Classifier
        The classifier.
    params : MicrocircuitParams
        Its parameter record.
    path : str or os.PathLike
        The file; an interruption leaves an earlier file intact.
    limit : int or None, optional
        The training images it was trained on, the first ``limit`` (None: all), for the fingerprint.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ParameterError
        If ``params`` is in spiking mode and the classifier has no presentation, or the other way round.
    """
    seed, schedule, presentation = classifier.seed, classifier.schedule, classifier.presentation
    if (presentation is not None) != params.spiking_mode:
        raise ParameterError(
            f"save_classifier: a spiking record needs the classifier's presentation and a rate record none; got "
            f"mode {params.mode!r} with presentation {presentation}"
        )
    training = (params, seed, schedule, limit)
    content = {f"weights/{k}": v for k, v in classifier.weights.items()} | {
        f"biases/{k}": v for k, v in classifier.biases.items()
    }
    content |= {
        "format_version": np.array(FORMAT_VERSION if presentation is not None else 2),
        "variant": np.array(classifier.variant),
        "params": np.array(dumps(params)),
        "log": np.array(json.dumps(classifier.log)),
        "info": np.array(json.dumps({"fingerprint": training_fingerprint(*training, presentation)})),
    }
    if presentation is not None:
        content["presentation"] = np.array(json.dumps(presentation.to_dict(), sort_keys=True))
    if classifier.seed is not None:
        content["seed"] = np.array(classifier.seed)
    if classifier.schedule is not None:
        content["schedule"] = np.array(json.dumps(classifier.schedule, sort_keys=True))
    atomic_savez(path, content)
    return Path(path)


def _expected_arrays(params: MicrocircuitParams) -> dict[str, tuple[int, ...]]:
    """The shape of every array of a classifier with ``params`` (those :meth:`Classifier.initial` creates)."""
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


def load_classifier(
    path: str | os.PathLike, variants: Mapping[str, Variant] | None = None
) -> tuple[Classifier, MicrocircuitParams]:
    """The classifier and the parameter record stored with it (for format version 0, the record of
    its variant in ``variants``, with the saved transfer function).

    Nothing in the file is executed (no pickles). Raises :class:`FileFormatError`, naming ``path``
    and the fault, if the file is not a model file of a known format version, holds other entries
    than those :func:`save_classifier` writes, its weights and thresholds are not exactly the float32
    arrays, finite and of the shapes, of its variant, or its log is not one entry per epoch 1..n
    (lists of equal length; errors in [0, 1]; ``wall_s`` finite and >= 0), or (format version 2) its
    ``info`` is not a record with a fingerprint. Files of format version 0 (see :func:`save_classifier`)
    load with ``seed`` None.

    Parameters
    ----------
    path : str or os.PathLike
        A model file written by :func:`save_classifier`.
    variants : mapping of str to Variant, optional
        The variants by name, for files of format version 0, which store only the variant's name
        (the MNIST protocol's :data:`~brian_dendrites.protocols.mnist_variants.VARIANTS`); None: no
        variant is known.

    Returns
    -------
    classifier : Classifier
        The classifier, with its log and seed.
    params : MicrocircuitParams
        Its parameter record.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    FileFormatError
        If the file is not a model file of a known format version, or its contents do not fit.
    """
    return _read(path, variants)[:2]


def _read(
    path: str | os.PathLike, variants: Mapping[str, Variant] | None
) -> tuple[Classifier, MicrocircuitParams, str | None]:
    """:func:`load_classifier`, and the training's fingerprint (None: a file of format version 0 or 1)."""
    path, variants = Path(path), variants or {}
    content = read_npz(path, "model file")
    version = _integer(content, "format_version", path, default=0)
    if version not in _ENTRIES:
        raise FileFormatError(f"{path}: format_version {version} is unknown (expected 0 to {FORMAT_VERSION})")
    absent = [k for k in _REQUIRED[version] if k not in content]
    if absent:
        raise FileFormatError(f"{path}: not a model file, it lacks {absent}")
    unexpected = sorted(k for k in content if k not in _ENTRIES[version] and not k.startswith(("weights/", "biases/")))
    if unexpected:
        raise FileFormatError(
            f"{path}: unexpected entries {unexpected}; a model file of format version {version} holds only "
            f"{sorted(_ENTRIES[version])} besides its weights/ and biases/"
        )
    variant = str(content["variant"])
    if not version and variant not in variants:  # version 1 files carry their own record
        raise FileFormatError(f"{path}: unknown variant '{variant}', expected one of {sorted(variants)}")
    params = _stored_params(content, path) if version else _version_0_params(content, path, variants[variant].params)
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
    seed = _integer(content, "seed", path, default=None)
    presentation = _presentation(content, path)
    if (presentation is not None) != params.spiking_mode:
        raise FileFormatError(f"{path}: a presentation belongs with a spiking record, and a spiking record needs one")
    classifier = Classifier(variant, weights, biases, log, seed, _schedule(content, path), presentation)
    return classifier, params, _fingerprint(content, path) if "info" in content else None


def _fingerprint(content: dict[str, np.ndarray], path: Path) -> str:
    """The fingerprint in a model file's ``info`` record."""
    try:
        info = json.loads(str(content["info"]))
    except ValueError as error:
        raise FileFormatError(f"{path}: 'info' is not valid JSON ({error})") from error
    if not isinstance(info, dict) or info.keys() != {"fingerprint"} or not isinstance(info["fingerprint"], str):
        raise FileFormatError(f"{path}: 'info' must be a record of one 'fingerprint' string, got {info!r}")
    return info["fingerprint"]


def _schedule(content: dict[str, np.ndarray], path: Path) -> dict | None:
    """The backprop schedule a model file records, or None."""
    if "schedule" not in content:
        return None
    try:
        schedule = json.loads(str(content["schedule"]))
    except ValueError as error:
        raise FileFormatError(f"{path}: 'schedule' is not valid JSON ({error})") from error
    # Files before the cross-entropy baseline record rate, hold and decay only: the squared error without L2.
    keys = isinstance(schedule, dict) and schedule.keys() in ({"rate", "hold", "decay"}, backprop_schedule().keys())
    numbers = keys and is_real(schedule["rate"]) and is_real(schedule["decay"]) and is_integer(schedule["hold"])
    if not (numbers and is_real(schedule.get("l2", 0)) and schedule.get("loss", "squared_error") in _LOSSES):
        raise FileFormatError(
            f"{path}: 'schedule' must map rate, decay and l2 to numbers, hold to an integer and loss to one of "
            f"{_LOSSES}"
        )
    return schedule


def _presentation(content: dict[str, np.ndarray], path: Path) -> Presentation | None:
    """The presentation a model file of a spiking classifier records, or None."""
    if "presentation" not in content:
        return None
    try:
        values = json.loads(str(content["presentation"]))
        if not isinstance(values, dict) or values.keys() != {"duration_ms", "settle_ms", "batch"}:
            raise ValueError("it must hold duration_ms, settle_ms and batch")
        return Presentation.from_dict(values)
    except (ValueError, TypeError, ParameterError) as error:
        raise FileFormatError(f"{path}: unusable 'presentation' ({error})") from error


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


def _version_0_params(content: dict[str, np.ndarray], path: Path, record: MicrocircuitParams) -> MicrocircuitParams:
    """The variant's ``record`` with the transfer function saved in a format-0 file."""
    try:
        phi = transfer_function(str(content["phi"]), **json.loads(str(content["phi_parameters"])))
    except (ValueError, TypeError) as error:  # also bad JSON, parameters of another function
        raise FileFormatError(f"{path}: unusable transfer function ({error})") from error
    return record.replace(phi=phi)


_LOSSES = ("squared_error", "cross_entropy")


def _describe_schedule(schedule: dict) -> str:
    return (
        f"rate {schedule['rate']:g} for {schedule['hold']} epochs, then x{schedule['decay']:g} per epoch, "
        f"on the {schedule.get('loss', 'squared_error').replace('_', ' ')} with L2 {schedule.get('l2', 0):g}"
    )


def resumable(
    path: str | os.PathLike,
    variant: Variant,
    seed: int,
    variants: Mapping[str, Variant] | None = None,
    limit: int | None = None,
) -> Classifier | None:
    """The classifier in ``path`` to resume training ``variant`` with ``seed``, or None if there is no file.

    What differs is named: the variant, the parameters, the backprop schedule, the seed; then a file
    of format version 2 must hold the :func:`training_fingerprint` of the training that resumes
    (:func:`brian_dendrites.checkpoint.check_fingerprint`), which also covers ``limit``. Files of
    format version 1 have none and resume as before.

    Parameters
    ----------
    path : str or os.PathLike
        The model file of ``variant``, which need not exist.
    variant : Variant
        The variant to train further.
    seed : int
        The seed of the training.
    variants : mapping of str to Variant, optional
        As :func:`load_classifier` takes them.
    limit : int or None, optional
        The training images of the training that resumes, the first ``limit`` (None: all).

    Returns
    -------
    Classifier or None
        The classifier, or None if ``path`` does not exist.

    Raises
    ------
    FileFormatError
        If the file is damaged, holds another variant or records no seed.
    ParameterError
        If the file was trained with other parameters, another backprop schedule, another seed or
        (format version 2) other training images.
    """
    path = Path(path)
    if not path.exists():
        return None
    classifier, params, fingerprint = _read(path, variants)
    variant_name = variant.name
    if classifier.variant != variant_name:
        raise FileFormatError(f"{path} holds variant '{classifier.variant}', not '{variant_name}'")
    if classifier.seed is None:
        raise FileFormatError(
            f"{path} records no seed for its weights and shuffling (format version 0, or not written by run), so "
            "training cannot resume from it reproducibly: choose another output folder (it can still be evaluated)"
        )
    if dumps(params) != dumps(variant.params):
        raise ParameterError(
            f"{path} was trained with other parameters than variant '{variant_name}' has now; it can be "
            "evaluated, but training it further would mix two configurations: choose another output folder"
        )
    if variant.backprop and classifier.schedule != backprop_schedule():
        trained = (
            "records no learning-rate schedule (an earlier version wrote it)"
            if classifier.schedule is None
            else f"was trained with the backprop learning-rate schedule of {_describe_schedule(classifier.schedule)}"
        )
        raise ParameterError(
            f"{path} {trained}, not the present {_describe_schedule(backprop_schedule())}; it can be evaluated, "
            "but choose another output folder to train"
        )
    if classifier.seed != seed:
        raise ParameterError(
            f"seed {seed} differs from the seed {classifier.seed} that {path} was trained with: pass seed "
            f"{classifier.seed} (--seed {classifier.seed}) to resume it, or choose another output folder"
        )
    if classifier.presentation != variant.presentation:
        raise ParameterError(
            f"{path} was shown its images otherwise ({classifier.presentation}) than variant '{variant_name}' shows "
            f"them now ({variant.presentation}); choose another output folder to train"
        )
    if fingerprint is not None:
        schedule = backprop_schedule() if variant.backprop else None
        expected = training_fingerprint(variant.params, seed, schedule, limit, variant.presentation)
        checkpoint.check_fingerprint(path, {"fingerprint": fingerprint}, expected, "model file")
    return classifier
