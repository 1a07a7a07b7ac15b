"""The one resume mechanism of every resumable protocol: atomic checkpoints of a run, with its fingerprint.

A checkpoint is one NPZ file (no pickles) holding

- ``format_version`` (:data:`FORMAT_VERSION`);
- ``info``, a JSON object: ``fingerprint`` (:func:`fingerprint` of the configuration that wrote it)
  and the protocol's record (its progress and log);
- ``weights/<name>``, ``synapses/<name>``, ``potentials/<name>``, ``thresholds/<name>``: a network
  state, if any (version 1 wrote a state's ``synapses['<p>.induction']`` as ``induction/<p>``; it still loads);
- ``arrays/<name>``: any other arrays (a name may hold "/": ``arrays/weights/hidden``).

:func:`save` writes it atomically (an interruption leaves the previous file intact); :func:`load`
reads it back and refuses, with one message each, a file that is not such a checkpoint or is
damaged (FileFormatError), one of another configuration (ParameterError), or a state that does not
fit the network (FileFormatError). :func:`check_fingerprint` is that fingerprint check and its message,
for files of another layout (the MNIST model files); :func:`check_log` checks the run log a protocol keeps.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from brian_dendrites.canonical import digest, to_json
from brian_dendrites.errors import FileFormatError, ParameterError
from brian_dendrites.files import atomic_savez, read_npz
from brian_dendrites.state import NetworkState
from brian_dendrites.validation import check_state, is_finite_real

__all__ = ["FORMAT_VERSION", "Checkpoint", "fingerprint", "save", "load", "check_fingerprint", "check_log"]

#: Written into every checkpoint; :func:`load` refuses others.
FORMAT_VERSION = 2
_GROUPS = ("weights", "synapses", "potentials", "thresholds", "arrays")


@dataclass(frozen=True)
class Checkpoint:
    """What :func:`load` read from a checkpoint.

    Parameters
    ----------
    info : dict
        The protocol's JSON record, without the fingerprint.
    state : NetworkState
        The network state (empty where none was saved).
    arrays : dict of str to numpy.ndarray, optional
        The other arrays by name.
    """

    info: dict
    state: NetworkState
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def fingerprint(record) -> str:
    """The fingerprint of a configuration: the digest of its canonical JSON (equal in every process).

    Parameters
    ----------
    record : object
        What must match for a checkpoint to be resumed, e.g. a configuration record or a dict of its
        fields; anything :func:`brian_dendrites.canonical.to_json` accepts.

    Returns
    -------
    str
        :func:`brian_dendrites.canonical.digest` of ``to_json(record)``.
    """
    return digest(to_json(record))


def save(
    path: Path,
    fingerprint: str,
    info: dict,
    state: NetworkState | None = None,
    arrays: dict[str, np.ndarray] | None = None,
) -> None:
    """Write a checkpoint to ``path``; an interruption leaves the old file intact.

    Parameters
    ----------
    path : pathlib.Path
        The checkpoint file, replaced if it exists.
    fingerprint : str
        The fingerprint of the run's configuration (:func:`fingerprint`), which :func:`load` compares.
    info : dict
        A record of plain JSON types (e.g. the run's progress and log), without a 'fingerprint' key.
    state : NetworkState or None, optional
        The network state to save (None: none).
    arrays : dict of str to numpy.ndarray or None, optional
        Other arrays by name (None: none).
    """
    state = NetworkState({}) if state is None else state
    record = {"fingerprint": fingerprint, **info}
    content = {"format_version": np.array(FORMAT_VERSION), "info": np.array(json.dumps(record))}
    groups = (state.weights, state.synapses, state.potentials, state.thresholds, arrays or {})
    for group, values in zip(_GROUPS, groups, strict=True):
        content |= {f"{group}/{key}": np.asarray(value) for key, value in values.items()}
    atomic_savez(path, content)


def load(
    path: Path,
    fingerprints: str | Collection[str] | None,
    zero_state: NetworkState | None = None,
    what: str = "checkpoint",
) -> Checkpoint:
    """The checkpoint ``path`` that :func:`save` wrote, if a run of one of ``fingerprints`` wrote it.

    Nothing in the file is executed (no pickles). A ``.json`` path is a checkpoint of earlier code
    that wrote one JSON object (depth's ``depth_checkpoint.json``): its ``fingerprint`` is checked
    the same way, the rest is the info, and it has no state or arrays.

    Parameters
    ----------
    path : pathlib.Path
        The checkpoint file.
    fingerprints : str, collection of str or None
        The fingerprint of the run that resumes, or several that it accepts (e.g. those of earlier code);
        None accepts any (a file that is read, not resumed, e.g. a trained network to evaluate).
    zero_state : NetworkState or None, optional
        The network's zero state (its model's ``zero_state``): the saved state must fit it (see
        :func:`brian_dendrites.validation.check_state`). None: not checked.
    what : str, default "checkpoint"
        What the file is, for the messages.

    Returns
    -------
    Checkpoint
        The saved info (without the fingerprint), state and arrays.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    FileFormatError
        If the file is not such a checkpoint, is damaged, has another format version, an 'info'
        record that is not a JSON object, a non-finite state, or a state that does not fit ``zero_state``.
    ParameterError
        If a configuration of another fingerprint wrote it.
    """
    path = Path(path)
    if path.suffix == ".json":
        return _load_json(path, fingerprints, what)
    arrays = read_npz(path, what)
    version = arrays.pop("format_version", None)
    if version is None or version.shape != () or int(version) not in (1, FORMAT_VERSION):
        raise FileFormatError(f"{what} {path}: format version {version}, this package reads 1 and {FORMAT_VERSION}")
    try:
        info = json.loads(str(arrays.pop("info")))
    except (KeyError, ValueError) as error:
        raise FileFormatError(f"{what} {path}: its 'info' record is missing or not JSON") from error
    groups: dict[str, dict] = {group: {} for group in _GROUPS}
    for key, value in arrays.items():
        group, _, name = key.partition("/")
        if group == "induction" and int(version) == 1:  # version 1's name of the synapse state
            group, name = "synapses", f"{name}.induction"
        if group not in groups or not name:
            raise FileFormatError(f"{what} {path}: unexpected entry '{key}'")
        if group != "arrays" and not (value.dtype.kind == "f" and np.all(np.isfinite(value))):
            raise FileFormatError(f"{what} {path}: '{key}' is not a finite floating-point array")
        groups[group][name] = value
    info = check_fingerprint(path, info, fingerprints, what)
    state = NetworkState(groups["weights"], groups["synapses"], groups["potentials"], groups["thresholds"])
    if zero_state is not None:
        try:
            check_state(zero_state, state)
        except ParameterError as error:
            raise FileFormatError(f"{what} {path} does not fit its configuration: {error}") from error
    return Checkpoint(info, state, groups["arrays"])


def _load_json(path: Path, fingerprints: str | Collection[str] | None, what: str) -> Checkpoint:
    """A checkpoint of earlier code, one JSON object: its fingerprint and the info."""
    try:
        info = json.loads(path.read_text())
    except (UnicodeDecodeError, ValueError) as error:
        raise FileFormatError(f"{what} {path}: not readable JSON: {error}") from error
    return Checkpoint(check_fingerprint(path, info, fingerprints, what), NetworkState({}))


def check_fingerprint(path: Path, info, fingerprints: str | Collection[str] | None, what: str = "checkpoint") -> dict:
    """The record ``info`` of the file ``path`` without its ``fingerprint``, if one of ``fingerprints`` wrote it.

    :func:`load` checks every checkpoint with it; a file of another layout that keeps such a record
    (an MNIST model file's ``info``) is checked the same way, with the same message.

    Parameters
    ----------
    path : pathlib.Path
        The file, for the messages.
    info : object
        The record as read from the file; it must be a JSON object.
    fingerprints : str, collection of str or None
        As :func:`load` takes them; None accepts any.
    what : str, default "checkpoint"
        What the file is, for the messages.

    Returns
    -------
    dict
        A copy of ``info`` without its ``fingerprint``.

    Raises
    ------
    FileFormatError
        If ``info`` is not a JSON object (a dict).
    ParameterError
        If its fingerprint is not one of ``fingerprints``.
    """
    if not isinstance(info, dict):
        raise FileFormatError(f"{what} {path}: its 'info' record must be a JSON object, got {type(info).__name__}")
    info = dict(info)
    fingerprint = info.pop("fingerprint", None)
    if fingerprints is None:
        return info
    accepted = [fingerprints] if isinstance(fingerprints, str) else list(fingerprints)
    if fingerprint not in accepted:  # a list: any JSON value compares, unhashed
        raise ParameterError(
            f"{what} {path} was written by a different configuration; "
            "run with the same arguments to resume, or remove it to restart"
        )
    return info


def check_log(path: Path, log, keys: Sequence[str], counter: str | None = None) -> dict[str, list]:
    """The run log of the checkpoint ``path``, checked before a run resumes from it.

    A log is a record of lists, one entry per evaluation (e.g. epoch). It must hold, under each of
    ``keys``, a non-empty list of finite numbers, all of one length; ``counter``'s list must be the
    consecutive integers 0, 1, 2, ...

    Parameters
    ----------
    path : pathlib.Path
        The checkpoint file, for the messages.
    log : object
        The log as :func:`load` read it from the info record.
    keys : sequence of str
        The lists the log must hold; others are left out of the result.
    counter : str, optional
        The key of the list that counts the entries from 0 (None: none).

    Returns
    -------
    dict of str to list
        A copy of the lists of ``keys``.

    Raises
    ------
    FileFormatError
        Naming ``path``, if ``log`` is not a record, lacks a key, a list is empty or holds anything but
        finite numbers, the lists have unequal lengths, or ``counter``'s list is not 0, 1, 2, ...
    """
    if not isinstance(log, dict):
        raise FileFormatError(f"checkpoint {path}: its log must be a record of lists, got {type(log).__name__}")
    missing = [key for key in keys if key not in log]
    if missing:
        raise FileFormatError(f"checkpoint {path}: its log lacks {missing}")
    for key in keys:
        values = log[key]
        if not isinstance(values, list) or not values or not all(map(is_finite_real, values)):
            raise FileFormatError(f"checkpoint {path}: log '{key}' must be a non-empty list of finite numbers")
    lengths = {key: len(log[key]) for key in keys}
    if len(set(lengths.values())) > 1:
        raise FileFormatError(f"checkpoint {path}: the log's lists have unequal lengths {lengths}")
    if counter is not None:
        wrong = next((i for i, v in enumerate(log[counter]) if type(v) is not int or v != i), None)
        if wrong is not None:
            value = log[counter][wrong]
            message = f"log '{counter}' must count 0, 1, 2, ..., entry {wrong} is {value!r}"
            raise FileFormatError(f"checkpoint {path}: {message}")
    return {key: list(log[key]) for key in keys}
