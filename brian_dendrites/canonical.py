"""Canonical descriptions of configurations: JSON with units, never a repr.

Build caches and checkpoint fingerprints are keyed by :func:`digest`, which
must not depend on the process: a ``repr`` of a set changes with Python's
per-process hash seed, so sets are sorted here and every mapping is written
with sorted keys. :func:`from_json` reads a description back into records of
named types only, so loading a file never executes anything from it.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import typing
from collections.abc import Iterable, Mapping
from pathlib import PurePath

import numpy as np
from brian2 import Quantity
from brian2.units.fundamentalunits import get_or_create_dimension

__all__ = ["OMIT_AT_DEFAULT", "omitted", "fields_of", "to_json", "from_json", "record_types", "dumps", "digest"]

#: The ``metadata`` of a record field that :func:`to_json` leaves out while it holds its default, so
#: that adding the field leaves the descriptions, digests and fingerprints of existing records as they
#: were (:func:`from_json` fills it in with its default): ``field(default=False, metadata=OMIT_AT_DEFAULT)``.
OMIT_AT_DEFAULT = {"canonical": "omit at default"}


def to_json(value):
    """``value`` as plain JSON types, independent of set order and hash seed.

    Quantities become ``{"value": SI value, "unit": SI dimensions}``, dataclass
    records ``{"type": class name, <field>: ...}`` (without the fields of :data:`OMIT_AT_DEFAULT` that
    hold their default), sets sorted lists, tuples lists.

    Parameters
    ----------
    value : object
        Quantities, dataclass records, mappings, sets, tuples, lists, NumPy arrays and scalars,
        paths, None, bool, int, float or str, nested in any way.

    Returns
    -------
    object
        ``value`` as dicts, lists, str, int, float, bool and None.

    Raises
    ------
    TypeError
        If ``value`` holds an object of another type.
    """
    if isinstance(value, Quantity):
        return {"value": to_json(np.asarray(value).tolist()), "unit": str(value.dim)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value) if not _omitted(value, f)}
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


def omitted(record, name: str) -> bool:
    """Whether :func:`to_json` leaves out the field ``name`` of ``record`` (see :data:`OMIT_AT_DEFAULT`).

    Parameters
    ----------
    record : dataclass instance
        A record.
    name : str
        One of its fields.

    Returns
    -------
    bool
        True if the field is marked :data:`OMIT_AT_DEFAULT` and holds its default.
    """
    return _omitted(record, next(f for f in dataclasses.fields(record) if f.name == name))


def fields_of(record) -> dict:
    """``dataclasses.asdict(record)`` without the fields, at any depth, that :func:`to_json` leaves out.

    Parameters
    ----------
    record : dataclass instance
        A record.

    Returns
    -------
    dict
        Field name -> value, records within it as such dicts too; a field of :data:`OMIT_AT_DEFAULT`
        at its default is absent, so that a dict made before the field existed stays the same.
    """
    return {f.name: _plain(getattr(record, f.name)) for f in dataclasses.fields(record) if not _omitted(record, f)}


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return fields_of(value)
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return copy.deepcopy(value)


def _omitted(record, f: dataclasses.Field) -> bool:
    """Whether ``to_json`` leaves out the field ``f`` of ``record``: one of OMIT_AT_DEFAULT at its default."""
    if f.metadata.get("canonical") != OMIT_AT_DEFAULT["canonical"] or f.default is dataclasses.MISSING:
        return False
    value = getattr(record, f.name)
    return type(value) is type(f.default) and value == f.default


def dumps(value) -> str:
    """Canonical JSON text of ``value`` (sorted keys, no whitespace).

    Parameters
    ----------
    value : object
        Anything :func:`to_json` accepts.

    Returns
    -------
    str
        The JSON text of ``to_json(value)``.
    """
    return json.dumps(to_json(value), sort_keys=True, separators=(",", ":"))


def digest(value, length: int = 16) -> str:
    """A hex SHA-256 prefix of the canonical JSON of ``value``: equal in every process for equal values.

    Parameters
    ----------
    value : object
        Anything :func:`to_json` accepts.
    length : int, optional
        Number of hex digits to keep (at most 64).

    Returns
    -------
    str
        The first ``length`` hex digits of the SHA-256 of ``dumps(value)``.
    """
    return hashlib.sha256(dumps(value).encode()).hexdigest()[:length]


def from_json(value, types: Mapping[str, type]):
    """The inverse of :func:`to_json` for records whose class is in ``types`` (name -> class).

    Lists come back as tuples (records turn them into the sets they hold). Raises ValueError on an
    unknown record type, a field the record does not have, or a unit it cannot read.

    Parameters
    ----------
    value : object
        Plain JSON types, as :func:`to_json` writes them.
    types : mapping of str to type
        The record classes that may be built, by class name.

    Returns
    -------
    object
        ``value`` with quantities and records rebuilt and lists as tuples.

    Raises
    ------
    ValueError
        On an unknown record type, an unknown field or an unreadable unit.
    """
    if isinstance(value, list):
        return tuple(from_json(item, types) for item in value)
    if not isinstance(value, dict):
        return value
    if value.keys() == {"value", "unit"}:
        return Quantity(np.asarray(value["value"], dtype=float), dim=_dimension(value["unit"]))
    if "type" in value:
        name = value["type"]
        if name not in types:
            raise ValueError(f"unknown record type {name!r}; known: {sorted(types)}")
        kind = types[name]
        names = {f.name for f in dataclasses.fields(kind) if f.init}
        unknown = sorted(set(value) - names - {"type"})
        if unknown:
            raise ValueError(f"{name} has no fields {unknown}")
        return kind(**{key: from_json(item, types) for key, item in value.items() if key != "type"})
    return {key: from_json(item, types) for key, item in value.items()}


def record_types(*records: type) -> dict[str, type]:
    """``records`` and every record class their fields may hold, by class name: the ``types`` of :func:`from_json`.

    Walks the type hints of the records' fields. A dataclass in a hint is a record, whose fields are
    walked in turn; a field typed with a class may hold any of its dataclass subclasses (e.g. ``phi:
    TransferFunction`` holds a Logistic, SoftRectifier or Tanh), those defined when this is called.

    Parameters
    ----------
    *records : type
        Dataclass records, e.g. a model's parameter record.

    Returns
    -------
    dict of str to type
        Class name -> record class, sorted by name.

    Raises
    ------
    ValueError
        If two different record classes have the same name (a description could not tell them apart).
    """
    found: dict[str, type] = {}
    pending = list(records)
    while pending:
        kind = pending.pop()
        for record in (kind, *_subclasses(kind)):
            if not dataclasses.is_dataclass(record) or found.get(record.__name__) is record:
                continue
            if record.__name__ in found:
                raise ValueError(
                    f"two record types are named {record.__name__!r}: {found[record.__name__]} and {record}"
                )
            found[record.__name__] = record
            pending += _classes(typing.get_type_hints(record).values())
    return dict(sorted(found.items()))


def _subclasses(kind: type) -> list[type]:
    """Every subclass of ``kind``, at any depth."""
    direct = kind.__subclasses__() if kind is not type else []
    return [sub for child in direct for sub in (child, *_subclasses(child))]


def _classes(hints: Iterable) -> list[type]:
    """The classes that type hints name, e.g. ``A`` and ``int`` in ``A | tuple[int, ...]``."""
    result = []
    for hint in hints:
        if isinstance(hint, type) and typing.get_origin(hint) is None:  # a class, not tuple[...]
            result.append(hint)
        result += _classes(typing.get_args(hint))
    return result


def _dimension(text: str):
    """Brian2's dimension written as ``str(dim)``, e.g. 's^-1' or 'm^2 kg s^-3 A^-1'."""
    if text == "1":
        return get_or_create_dimension()
    exponents = {}
    for token in text.split():
        symbol, _, exponent = token.partition("^")
        if symbol not in ("m", "kg", "s", "A", "K", "mol", "cd"):
            raise ValueError(f"cannot read the unit {text!r}")
        exponents[symbol] = float(exponent) if exponent else 1.0
    return get_or_create_dimension(**exponents)
