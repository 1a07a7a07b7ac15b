"""Atomic checkpoints of a long run: network state, a JSON-able log and extra arrays, in one NPZ."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from brian_dendrites.files import atomic_savez
from brian_dendrites.simulation import NetworkState

__all__ = ["save_checkpoint", "load_checkpoint"]

_GROUPS = ("weights", "induction", "potentials", "arrays")


def save_checkpoint(path: Path, state: NetworkState, info: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
    """Write ``state``, ``info`` (JSON) and ``arrays`` to ``path``; an interruption leaves the old file intact."""
    content = {"info": np.array(json.dumps(info))}
    for group, values in zip(_GROUPS, (state.weights, state.induction, state.potentials, arrays or {}), strict=True):
        content |= {f"{group}/{key}": np.asarray(value) for key, value in values.items()}
    atomic_savez(path, content)


def load_checkpoint(path: Path) -> tuple[NetworkState, dict, dict[str, np.ndarray]]:
    """The state, info and arrays written by :func:`save_checkpoint`."""
    with np.load(path, allow_pickle=False) as data:
        groups: dict[str, dict] = {group: {} for group in _GROUPS}
        for key in data.files:
            if key != "info":
                group, name = key.split("/", 1)
                groups[group][name] = data[key]
        info = json.loads(str(data["info"]))
    state = NetworkState(groups["weights"], groups["induction"], groups["potentials"])
    return state, info, groups["arrays"]
