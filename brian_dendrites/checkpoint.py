"""Atomic checkpoints of a long run: network state, a JSON-able log and extra arrays, in one NPZ."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from brian_dendrites.errors import FileFormatError
from brian_dendrites.files import atomic_savez, read_npz
from brian_dendrites.simulation import NetworkState

__all__ = ["FORMAT_VERSION", "save_checkpoint", "load_checkpoint"]

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
    format version or holds a non-finite state. Nothing in the file is executed (no pickles).

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
        If the file is not such a checkpoint, is damaged, has another format version or holds a
        non-finite state.
    """
    arrays = read_npz(path, "checkpoint")
    version = arrays.pop("format_version", None)
    if version is None or version.shape != () or int(version) != FORMAT_VERSION:
        raise FileFormatError(f"checkpoint {path}: format version {version}, this package reads {FORMAT_VERSION}")
    try:
        info = json.loads(str(arrays.pop("info")))
    except (KeyError, ValueError) as error:
        raise FileFormatError(f"checkpoint {path}: its 'info' record is missing or not JSON") from error
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
