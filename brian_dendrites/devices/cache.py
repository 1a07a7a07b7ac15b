"""The build cache: where compiled standalone projects live, the digest of their sources, and the locks.

A build compiles only when its generated sources differ from those its binary was built from (the
digest of :func:`sources_digest`, stored beside the binary). Builds of one structure under different
names compile once: one process compiles under a lock on the structure's key, the others copy its binary.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import brian2
import numpy as np

from brian_dendrites.errors import ParameterError

__all__ = [
    "cache_directory",
    "build_directory",
    "describe",
    "locked",
    "sources_digest",
    "built_from",
    "copy_twin",
    "stamp",
    "unstamp",
]

# Beside a build's binary: the digest of the sources it was built from.
_STAMP = "sources.sha256"

# Lines of main.cpp (main.cu) that Brian2 (Brian2CUDA) writes in the order of a set of clocks: those that set
# a clock's variables, and Brian2CUDA's refill of its random numbers on each clock (one function, so that
# the order of these calls changes nothing).
_SET_ORDERED = (
    re.compile(rb"^\s*_array_\w*clock_(?:dt|t|timestep)\[0\] = "),
    re.compile(rb"^\s*\w+\.add\(&\w+, _run_random_number_buffer\);$"),
)
# Lines of a code object that Brian2 writes in a set's order: the constants of a block's subexpressions
# (e.g. a TimedArray's value and a conductance, whichever the hash seed puts first).
_CODE_OBJECT_SET_ORDERED = (re.compile(rb"^\s*const [\w:]+ \w+ = [^;]*;$"),)


def cache_directory() -> Path:
    """Where compiled standalone projects live: $BRIAN_DENDRITES_CACHE or ~/.cache/brian_dendrites.

    ``~/.cache`` is ``$XDG_CACHE_HOME`` where that is set.

    Returns
    -------
    pathlib.Path
        The cache folder (not created here).
    """
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "brian_dendrites"
    return Path(os.environ.get("BRIAN_DENDRITES_CACHE", default))


def build_directory(name: str, key: str) -> Path:
    """The folder of the build of structure ``key`` under ``name`` (empty: no name).

    ``$BRIAN_DENDRITES_SLOT`` (letters, digits, '_' or '-'), where set, is appended to the name: it
    separates the folders of processes that share one cache, such as the workers of a sweep, which would
    otherwise take turns on one folder's runs. Its builds still compile once (see :func:`copy_twin`).

    Parameters
    ----------
    name : str
        The simulation's name, which separates builds that run in parallel processes.
    key : str
        The digest of the structure.

    Returns
    -------
    pathlib.Path
        ``standalone_<name>_<slot>_<key>`` in the cache folder, without the parts that are empty.

    Raises
    ------
    ParameterError
        If ``$BRIAN_DENDRITES_SLOT`` has other characters.
    """
    slot = os.environ.get("BRIAN_DENDRITES_SLOT", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]*", slot):
        raise ParameterError(
            f"BRIAN_DENDRITES_SLOT must be letters, digits, '_' or '-' (it names a folder), got {slot!r}"
        )
    return cache_directory() / "_".join(["standalone", *(part for part in (name, slot) if part), key])


def describe(obj: brian2.BrianObject) -> dict:
    """What the generated code of a user's Brian2 object depends on, as canonical JSON.

    Parameters
    ----------
    obj : brian2.BrianObject
        A monitor, group or synapses of the user's.

    Returns
    -------
    dict
        Plain JSON types: its type, name, schedule, equations and code, and those of its contained objects.
    """
    description = {"type": type(obj).__name__, "name": obj.name, "when": obj.when, "order": obj.order}
    description["dt"] = float(obj.clock.dt)
    for attribute in ("equations", "events", "event_codes", "record_variables", "event", "abstract_code"):
        if getattr(obj, attribute, None) is not None:
            description[attribute] = str(getattr(obj, attribute))
    for attribute in ("source", "target"):
        if getattr(obj, attribute, None) is not None:
            description[attribute] = getattr(obj, attribute).name
    if isinstance(getattr(obj, "record", None), np.ndarray):
        description["record"] = obj.record.tolist()
    if hasattr(obj, "_pathways"):  # a Synapses' on_pre/on_post code
        description["pathways"] = [str(pathway.code) for pathway in obj._pathways]
    if isinstance(obj, brian2.NeuronGroup):
        description["N"] = len(obj)
    description["contained"] = [describe(child) for child in obj.contained_objects]
    return description


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` between processes (none where fcntl is missing, as on Windows).

    Parameters
    ----------
    path : pathlib.Path
        The lock file (created if missing).

    Yields
    ------
    None
        Within the block, the lock is held.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _set_ordered(line: bytes, patterns: tuple[re.Pattern, ...] = _SET_ORDERED) -> int:
    """Which of ``patterns`` the line matches (1, 2, ...), 0 for none."""
    return next((i for i, pattern in enumerate(patterns, 1) if pattern.match(line)), 0)


def sources_digest(directory: Path) -> str:
    """SHA-256 of the makefile and the sources it lists (SRCS, H_SRCS).

    Only each run of consecutive lines written in a set's order is sorted (``_SET_ORDERED`` in main.cpp
    and main.cu, ``_CODE_OBJECT_SET_ORDERED`` in the code objects): every other line keeps its place, so a
    change of the schedule (the order of the code objects) changes the digest.

    Parameters
    ----------
    directory : pathlib.Path
        A generated standalone project.

    Returns
    -------
    str
        The hexadecimal digest.
    """
    makefile = (directory / "makefile").read_text()
    listed = re.findall(r"^(?:H_)?SRCS = (.*)$", makefile, re.M)
    digest = hashlib.sha256(makefile.encode())
    for name in sorted(" ".join(listed).split()):
        text = (directory / name).read_bytes()
        patterns = _SET_ORDERED if name in ("main.cpp", "main.cu") else _CODE_OBJECT_SET_ORDERED
        runs = itertools.groupby(text.splitlines(), key=lambda line: _set_ordered(line, patterns))
        text = b"\n".join(line for kind, lines in runs for line in (sorted(lines) if kind else lines))
        digest.update(name.encode() + b"\0" + text + b"\0")
    return digest.hexdigest()


def built_from(directory: Path, sources: str) -> bool:
    """Whether the project in ``directory`` has a binary built from the sources of digest ``sources``.

    Parameters
    ----------
    directory : pathlib.Path
        A standalone project.
    sources : str
        A digest of :func:`sources_digest`.

    Returns
    -------
    bool
        True if its binary exists and was built from these sources.
    """
    stamp = directory / _STAMP
    return (directory / "main").exists() and stamp.exists() and stamp.read_text() == sources


def copy_twin(directory: Path, key: str, sources: str) -> bool:
    """Copy the binary of a build of structure ``key`` under another name that was built from ``sources``.

    Parameters
    ----------
    directory : pathlib.Path
        The project that needs a binary.
    key : str
        The digest of its structure.
    sources : str
        The digest of its sources (see :func:`sources_digest`).

    Returns
    -------
    bool
        True if a twin was found and its binary copied (``directory`` is then built), False otherwise.
    """
    twin = next((d for d in directory.parent.glob(f"standalone_*{key}") if built_from(d, sources)), None)
    if twin is None:
        return False
    shutil.copy2(twin / "main", directory / "main")
    stamp(directory, sources)
    return True


def stamp(directory: Path, sources: str) -> None:
    """Record beside the binary in ``directory`` that it was built from the sources of digest ``sources``.

    Parameters
    ----------
    directory : pathlib.Path
        A standalone project whose binary is built.
    sources : str
        The digest of its sources.
    """
    (directory / _STAMP).write_text(sources)


def unstamp(directory: Path) -> None:
    """Forget which sources the binary in ``directory`` was built from (before it is rebuilt).

    Parameters
    ----------
    directory : pathlib.Path
        A standalone project.
    """
    (directory / _STAMP).unlink(missing_ok=True)
