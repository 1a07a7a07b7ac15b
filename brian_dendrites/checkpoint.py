"""Atomic checkpoints of a long run: network state, a JSON-able log and extra arrays, in one NPZ."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from brian_dendrites.errors import FileFormatError
from brian_dendrites.files import atomic_savez, read_npz
from brian_dendrites.simulation import NetworkState
from brian_dendrites.validation import is_finite_real

__all__ = ["FORMAT_VERSION", "save_checkpoint", "load_checkpoint", "check_log"]

#: Written into every checkpoint; :func:`load_checkpoint` refuses others.
FORMAT_VERSION = 1
_GROUPS = ("weights", "induction", "potentials", "arrays")


def save_checkpoint(path: Path, state: NetworkState, info: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
    """Write ``state``, ``info`` (JSON) and ``arrays`` to ``path``; an interruption leaves the old file intact.

    Parameters
    ----------
    path : pathlib.Path
        The checkpoint file, replaced if it exists.
    state : NetworkState
        The network state to save.
    info : dict
        A record of plain JSON types (e.g. the run's progress and log).
    arrays : dict of str to numpy.ndarray or None, optional
        Extra arrays by name (None: none).
    """
    content = {"format_version": np.array(FORMAT_VERSION), "info": np.array(json.dumps(info))}
    for group, values in zip(_GROUPS, (state.weights, state.induction, state.potentials, arrays or {}), strict=True):
        content |= {f"{group}/{key}": np.asarray(value) for key, value in values.items()}
    atomic_savez(path, content)


def load_checkpoint(path: Path) -> tuple[NetworkState, dict, dict[str, np.ndarray]]:
    """The state, info and arrays written by :func:`save_checkpoint`.

    Raises FileFormatError, naming the file, if it is not such a checkpoint, is damaged, has another
    format version, an 'info' record that is not a JSON object, or a non-finite state. Nothing in the
    file is executed (no pickles).

    Parameters
    ----------
    path : pathlib.Path
        The checkpoint file.

    Returns
    -------
    state : NetworkState
        The saved network state.
    info : dict
        The saved JSON record.
    arrays : dict of str to numpy.ndarray
        The saved extra arrays.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    FileFormatError
        If the file is not such a checkpoint, is damaged, has another format version, an 'info'
        record that is not a JSON object, or a non-finite state.
    """
    arrays = read_npz(path, "checkpoint")
    version = arrays.pop("format_version", None)
    if version is None or version.shape != () or int(version) != FORMAT_VERSION:
        raise FileFormatError(f"checkpoint {path}: format version {version}, this package reads {FORMAT_VERSION}")
    try:
        info = json.loads(str(arrays.pop("info")))
    except (KeyError, ValueError) as error:
        raise FileFormatError(f"checkpoint {path}: its 'info' record is missing or not JSON") from error
    if not isinstance(info, dict):
        raise FileFormatError(f"checkpoint {path}: its 'info' record must be a JSON object, got {type(info).__name__}")
    groups: dict[str, dict] = {group: {} for group in _GROUPS}
    for key, value in arrays.items():
        group, _, name = key.partition("/")
        if group not in groups or not name:
            raise FileFormatError(f"checkpoint {path}: unexpected entry '{key}'")
        if group != "arrays" and not (value.dtype.kind == "f" and np.all(np.isfinite(value))):
            raise FileFormatError(f"checkpoint {path}: '{key}' is not a finite floating-point array")
        groups[group][name] = value
    state = NetworkState(groups["weights"], groups["induction"], groups["potentials"])
    return state, info, groups["arrays"]


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
        The log as :func:`load_checkpoint` read it from the info record.
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
