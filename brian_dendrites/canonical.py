"""Canonical descriptions of configurations: JSON with units, never a repr.

Build caches and checkpoint fingerprints are keyed by :func:`digest`, which
must not depend on the process: a ``repr`` of a set changes with Python's
per-process hash seed, so sets are sorted here and every mapping is written
with sorted keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import PurePath

import numpy as np
from brian2 import Quantity

__all__ = ["to_json", "dumps", "digest"]


def to_json(value):
    """``value`` as plain JSON types, independent of set order and hash seed.

    Quantities become ``{"value": SI value, "unit": SI dimensions}``, dataclass
    records ``{"type": class name, <field>: ...}``, sets sorted lists, tuples lists.
    """
    if isinstance(value, Quantity):
        return {"value": to_json(np.asarray(value).tolist()), "unit": str(value.dim)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"type": type(value).__name__} | fields
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((to_json(item) for item in value), key=dumps)
    if isinstance(value, (tuple, list)):
        return [to_json(item) for item in value]
    if isinstance(value, np.ndarray | np.generic):
        return to_json(value.tolist())
    if isinstance(value, PurePath):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"no canonical JSON form for {type(value).__name__}")


def dumps(value) -> str:
    """Canonical JSON text of ``value`` (sorted keys, no whitespace)."""
    return json.dumps(to_json(value), sort_keys=True, separators=(",", ":"))


def digest(value, length: int = 16) -> str:
    """A hex SHA-256 prefix of the canonical JSON of ``value``: equal in every process for equal values."""
    return hashlib.sha256(dumps(value).encode()).hexdigest()[:length]
