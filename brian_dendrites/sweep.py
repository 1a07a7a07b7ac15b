"""``brian-dendrites sweep``: every point of a grid of a protocol's options, each the protocol's own run, on Dask.

A point is one value of each grid key (the cartesian product of the ``--grid KEY=VALUES``). It runs as
the protocol's command line, ``python -m brian_dendrites PROTOCOL <fixed options> --KEY VALUE ... --out
DIR/<point>``, in a folder of its own (:func:`point_name`), with its own checkpoints; it is finished
once ``DIR/<point>/summary.json``, the summary that the protocol printed, exists. A rerun skips the
finished points and reruns the others, which resume from their checkpoints. Each point is a Dask
task with retries: a worker that dies has its point rescheduled, and the point resumes the same way.

The points run on a ``distributed.LocalCluster`` (one worker process per core, one thread each), on a
running cluster (``--scheduler``) or on SLURM or PBS (dask-jobqueue). Before anything starts, every
point's command line is parsed by the protocol's own parser and turned into its configuration record,
so that a bad value is refused with the point that has it. At the end :func:`write_results` writes
``DIR/results.csv``, ``DIR/results.json`` (a row per point: the grid values and the summary's numbers)
and ``DIR/sweep.png``, a measure against the first grid key.

The task that runs on a worker (:func:`run_point`) uses the standard library only and travels by value:
a Dask worker runs tasks in threads, where importing Brian2 fails (it sets a SIGINT handler, which
only the main thread may do).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import json
import logging
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brian_dendrites.errors import BrianDendritesError, ClusterError, FileFormatError, ParameterError, SweepError
from brian_dendrites.files import atomic_target, check_output_folder
from brian_dendrites.options import positive_int

__all__ = [
    "MAX_POINTS",
    "SUMMARY",
    "LOG",
    "RECORD",
    "RESULTS",
    "HELP",
    "Point",
    "Sweep",
    "grid_values",
    "parse_grid",
    "point_name",
    "plan",
    "run_point",
    "flatten",
    "results_table",
    "default_measure",
    "write_results",
    "add_arguments",
    "main",
]

#: The most points a sweep runs without ``--force``.
MAX_POINTS = 10_000
#: In a point's folder: the summary that its protocol printed; the point is finished once it exists.
SUMMARY = "summary.json"
#: In a point's folder: every attempt's command, the files it found, its stderr and exit status.
LOG = "sweep.log"
#: In the sweep's folder: the protocol and its fixed options, which a rerun in that folder must repeat.
RECORD = "sweep.json"
#: In the sweep's folder: the results table (CSV, JSON) and the figure.
RESULTS = ("results.csv", "results.json", "sweep.png")
HELP = "run a protocol over a grid of its options (--grid KEY=VALUES), each point in DIR/<point>, on Dask"

_LOCK = ".sweep.lock"  # in a point's folder: held while an attempt runs, also by what it started
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_SWEEP_OWNS = ("out", "quiet", "overwrite", "help")  # the options that a sweep sets for every point
_INSTALL = "the sweep needs Dask: pip install 'brian_dendrites[sweep]' (dask[distributed] and dask-jobqueue)"


@dataclass(frozen=True)
class Point:
    """One point of a sweep.

    Parameters
    ----------
    values : dict of str to str
        Grid key -> its value at this point, in the grid's order, as given on the command line.
    name : str
        The point's folder in the sweep's folder (:func:`point_name` of ``values``).
    argv : tuple of str
        The protocol's command line of the point, without ``python -m brian_dendrites``.
    """

    values: dict[str, str]
    name: str
    argv: tuple[str, ...]


@dataclass(frozen=True)
class Sweep:
    """A checked sweep: its protocol, grid and points, and what every point's process gets.

    Parameters
    ----------
    command : tuple of str
        The protocol's command words, e.g. ``("bars",)`` or ``("mnist", "train")``.
    grid : dict of str to tuple of str
        Grid key (an option of the protocol, without its dashes) -> its values, in the order given.
    points : tuple of Point
        The cartesian product of the grid, the first key varying slowest.
    out : pathlib.Path
        The sweep's folder (absolute).
    options : dict of str to str
        The protocol's options that every point shares, as parsed (their reprs), for :data:`RECORD`.
    env : dict of str to str
        Environment variables for every point's process (``BRIAN_DENDRITES_CACHE``, ``..._MARCH``).
    """

    command: tuple[str, ...]
    grid: dict[str, tuple[str, ...]]
    points: tuple[Point, ...]
    out: Path
    options: dict[str, str]
    env: dict[str, str]

    def folder(self, point: Point) -> Path:
        """The folder of ``point``: ``out / point.name``.

        Parameters
        ----------
        point : Point
            A point of this sweep.

        Returns
        -------
        pathlib.Path
            Its folder.
        """
        return self.out / point.name

    def unfinished(self) -> list[Point]:
        """The points without a :data:`SUMMARY` in their folder, in order.

        Returns
        -------
        list of Point
            The points that a run of the sweep still has to run.
        """
        return [point for point in self.points if not (self.folder(point) / SUMMARY).exists()]


def grid_values(text: str) -> tuple[str, ...]:
    """The values of ``--grid KEY=VALUES``: an inclusive integer range ``0-9`` or a list ``10,100`` or ``a,b``.

    Parameters
    ----------
    text : str
        VALUES as given.

    Returns
    -------
    tuple of str
        The values, in order.

    Raises
    ------
    ParameterError
        If a range is empty (``5-3``), a listed value is empty or a value repeats.
    """
    bounds = re.fullmatch(r"(\d+)-(\d+)", text)
    if bounds:
        first, last = int(bounds[1]), int(bounds[2])
        if first > last:
            raise ParameterError(f"grid range '{text}' is empty: it must be FIRST-LAST with FIRST <= LAST")
        return tuple(str(value) for value in range(first, last + 1))
    values = tuple(text.split(","))
    if "" in values:
        raise ParameterError(f"grid values '{text}' must be a range like 0-9 or a list like 10,100 without empty items")
    twice = next((v for i, v in enumerate(values) if v in values[:i]), None)
    if twice is not None:
        raise ParameterError(f"grid values '{text}' repeat {twice!r}: the point would run once, counted twice")
    return values


def parse_grid(items: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The grid of the ``--grid KEY=VALUES`` options, in the order given.

    Parameters
    ----------
    items : sequence of str
        Each ``KEY=VALUES`` (KEY an option name, with or without its dashes; see :func:`grid_values`).

    Returns
    -------
    dict of str to tuple of str
        KEY without its dashes -> its values.

    Raises
    ------
    ParameterError
        If an item has no ``=`` or no key, a key repeats, or its values are refused by :func:`grid_values`.
    """
    grid: dict[str, tuple[str, ...]] = {}
    for item in items:
        key, equals, text = item.partition("=")
        key = key.strip().lstrip("-")
        if not equals or not key:
            raise ParameterError(f"--grid must be KEY=VALUES, e.g. seed=0-9 or psi=10,100, got '{item}'")
        if key in grid:
            raise ParameterError(f"grid key '{key}' is given twice; give all its values at once, e.g. {key}=1,2,3")
        grid[key] = grid_values(text)
    return grid


def _quoted(text: str) -> str:
    """``text`` with every character but letters, digits, '.' and '-' as %XX (UTF-8): safe and reversible."""
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def point_name(values: Mapping[str, str]) -> str:
    """The folder name of a point: its ``key=value`` pairs, sorted by key, joined by '_'.

    Keys and values keep letters, digits, '.' and '-'; any other character is written %XX (its UTF-8
    bytes), so that '_' and '=' only separate and two points never share a name, e.g.
    ``{"seed": "3", "psi": "10"}`` -> ``psi=10_seed=3``.

    Parameters
    ----------
    values : mapping of str to str
        Grid key -> value.

    Returns
    -------
    str
        The folder name.

    Raises
    ------
    ParameterError
        If the name is longer than 255 bytes, the limit of most file systems.
    """
    name = "_".join(f"{_quoted(key)}={_quoted(values[key])}" for key in sorted(values))
    if len(name) > 255:
        raise ParameterError(f"the point folder name {name[:60]}... is longer than 255 characters: shorten its values")
    return name


class _RefusingParser(argparse.ArgumentParser):
    """A protocol's parser that raises ParameterError instead of printing its usage and exiting."""

    def error(self, message: str):
        raise ParameterError(message)


def _protocols() -> dict[str, object]:
    """Every protocol of the command line by its command words ('bars', 'mnist train'), groups left out."""
    from brian_dendrites.protocols.registry import PROTOCOLS, Group

    def flat(protocols: Mapping, prefix: str) -> Iterator[tuple[str, object]]:
        for name, protocol in protocols.items():
            if isinstance(protocol, Group):
                yield from flat(protocol.COMMANDS, f"{prefix}{name} ")
            else:
                yield prefix + name, protocol

    return dict(flat(PROTOCOLS, ""))


def _option_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The parser's options by long name without dashes ('seed', 'learning-chunks')."""
    return {s[2:]: a for a in parser._actions for s in a.option_strings if s.startswith("--")}


def _grid_arguments(actions: Mapping[str, argparse.Action], values: Mapping[str, str]) -> list[str]:
    """The command-line arguments of a point's grid values: ``--key value``, or a flag given for 'true'."""
    arguments = []
    for key, value in values.items():
        if actions[key].nargs == 0:
            arguments += [f"--{key}"] if value == "true" else []
        else:
            arguments += [f"--{key}", value]
    return arguments


def _check_grid(command: str, actions: Mapping[str, argparse.Action], grid: Mapping, fixed: Sequence[str]) -> None:
    """ParameterError unless every grid key is an option of the protocol that a sweep may vary."""
    for key, values in grid.items():
        if key not in actions or key in _SWEEP_OWNS:
            allowed = ", ".join(sorted(k for k in actions if k not in _SWEEP_OWNS))
            raise ParameterError(
                f"grid key '{key}' is not an option of {command} that a sweep varies; its options: {allowed}"
            )
        if actions[key].nargs == 0 and not set(values) <= {"true", "false"}:
            raise ParameterError(
                f"grid key '{key}' is a flag: its values must be true or false, got {','.join(values)}"
            )
        if any(arg == f"--{key}" or arg.startswith(f"--{key}=") for arg in fixed):
            raise ParameterError(f"--{key} is both in the grid and among the fixed options: give it once")


def _checked_march(value: str) -> str:
    """``value`` if the build accepts it as ``$BRIAN_DENDRITES_MARCH`` (the check of the build itself)."""
    from brian_dendrites.devices.toolchain import march

    saved = os.environ.get("BRIAN_DENDRITES_MARCH")
    os.environ["BRIAN_DENDRITES_MARCH"] = value
    try:
        return march()
    except ParameterError as error:
        raise ParameterError(f"--march: {error}") from None
    finally:
        if saved is None:
            del os.environ["BRIAN_DENDRITES_MARCH"]
        else:
            os.environ["BRIAN_DENDRITES_MARCH"] = saved


def plan(
    command: Sequence[str],
    grid: Sequence[str],
    fixed: Sequence[str],
    out: str | os.PathLike,
    *,
    cache: str | os.PathLike | None = None,
    march: str | None = None,
    force: bool = False,
) -> Sweep:
    """Check a sweep and every point of it, before anything starts; nothing is created.

    Each point's command line is parsed by the protocol's own parser and turned into its configuration
    record (its ``config_from_args``), so that a value the protocol refuses is refused here, naming the
    point. Every point runs with ``--quiet`` and, where the protocol has it, ``--overwrite``: a point
    without a summary is unfinished, and its outputs are those of an attempt that did not end (no
    protocol's ``--overwrite`` discards a checkpoint).

    Parameters
    ----------
    command : sequence of str
        The protocol's command words, e.g. ``["bars"]`` or ``["mnist", "train"]``.
    grid : sequence of str
        The ``--grid`` options, ``KEY=VALUES`` each (:func:`parse_grid`).
    fixed : sequence of str
        The protocol's options that every point shares, as on its command line.
    out : str or os.PathLike
        The sweep's folder.
    cache : str or os.PathLike, optional
        The build cache of every point (``$BRIAN_DENDRITES_CACHE``); None: the workers' own.
    march : str, optional
        The ``-march`` of every point's builds (``$BRIAN_DENDRITES_MARCH``); None: the workers' own.
    force : bool, default False
        Allow more than :data:`MAX_POINTS` points.

    Returns
    -------
    Sweep
        The sweep, its points in order.

    Raises
    ------
    ParameterError
        If the protocol is unknown or has no ``--out``, a grid key is not one of its options (or is one
        that the sweep sets), the grid has more than :data:`MAX_POINTS` points without ``force``, the
        protocol refuses a point's options (the message names the point), or ``march`` is refused.
    """
    protocols = _protocols()
    name = " ".join(command)
    if name not in protocols:
        raise ParameterError(f"unknown protocol '{name}'; choose from {', '.join(protocols)}")
    protocol = protocols[name]
    parser = _RefusingParser(prog=f"brian-dendrites {name}")
    protocol.add_arguments(parser)
    actions = _option_actions(parser)
    if "out" not in actions:
        raise ParameterError(f"{name} writes no output folder (--out): a sweep runs the protocols that do")
    values = parse_grid(grid)
    _check_grid(name, actions, values, fixed)
    count = int(np.prod([len(v) for v in values.values()]))
    if count > MAX_POINTS and not force:
        raise ParameterError(f"the grid has {count:,} points, more than {MAX_POINTS:,}: add --force to run them all")
    check_output_folder(out, "--out")
    check_output_folder(cache, "--cache")
    out = Path(out).resolve()
    owned = [f"--{key}" for key in ("quiet", "overwrite") if key in actions and f"--{key}" not in fixed]
    points, options = [], None
    for combination in itertools.product(*values.values()):
        point = dict(zip(values, combination, strict=True))
        folder = point_name(point)
        argv = (*command, *fixed, *_grid_arguments(actions, point), "--out", str(out / folder), *owned)
        try:
            args = parser.parse_args(argv[len(command) :])
            protocol.config_from_args(args)
        except (BrianDendritesError, ValueError, FileNotFoundError) as error:
            raise ParameterError(f"point {folder}: {error}") from None
        if options is None:
            varied = {actions[key].dest for key in values} | set(_SWEEP_OWNS)
            options = {k: repr(v) for k, v in sorted(vars(args).items()) if k not in varied}
        points.append(Point(point, folder, argv))
    env = {} if cache is None else {"BRIAN_DENDRITES_CACHE": str(Path(cache).resolve())}
    if march is not None:
        env["BRIAN_DENDRITES_MARCH"] = _checked_march(march)
    return Sweep(tuple(command), values, tuple(points), out, options, env)


def _check_record(sweep: Sweep) -> None:
    """ParameterError if the sweep's folder holds a sweep of another protocol or other fixed options."""
    path = sweep.out / RECORD
    if not path.exists():
        return
    try:
        record = json.loads(path.read_text())
        command, options = record["command"], record["options"]
    except (ValueError, KeyError, TypeError) as error:
        raise FileFormatError(f"{path}: not the record of a sweep ({error})") from None
    if command != list(sweep.command):
        raise ParameterError(
            f"{sweep.out} holds a sweep of {' '.join(command)}, not {' '.join(sweep.command)}: choose another --out"
        )
    changed = [k for k in sorted({*options, *sweep.options}) if options.get(k) != sweep.options.get(k)]
    if changed:
        listed = ", ".join(f"{k}={options.get(k)} (now {sweep.options.get(k)})" for k in changed)
        raise ParameterError(
            f"{sweep.out} holds a sweep of other fixed options, {listed}: its finished points are not this sweep's; "
            "choose another --out"
        )


def _write_record(sweep: Sweep) -> None:
    """Write :data:`RECORD` into the sweep's folder (created), unless it is there."""
    path = sweep.out / RECORD
    if not path.exists():
        with atomic_target(path) as tmp:
            tmp.write_text(json.dumps({"command": list(sweep.command), "options": sweep.options}, indent=1))


# ---- On a worker: the standard library only (see the module's docstring). ----


def _slot(name: object) -> str:
    """A worker's name as ``$BRIAN_DENDRITES_SLOT``: letters, digits, '_' and '-' (others become '-')."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(name)).strip("-") or "worker"


def _dying_with_parent(interruptible: bool):
    """A ``preexec_fn`` (Linux; None elsewhere): the child gets SIGKILL once the thread that started it ends.

    prctl(PR_SET_PDEATHSIG) acts on the death of the starting thread: the worker's task thread, which
    waits for the child. If the worker died before the call, the child ends at once. If
    ``interruptible``, the child takes SIGINT as Python's default, also where the worker ignores it.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    libc, parent = ctypes.CDLL(None, use_errno=True), os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:
            os._exit(137)
        if interruptible:  # Ctrl-C stops the point cleanly; the C call: Python sets handlers in its main thread only
            libc.signal(int(signal.SIGINT), 0)  # SIG_DFL
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    return preexec


@contextlib.contextmanager
def _point_lock(folder: Path) -> Iterator[int]:
    """Hold an exclusive lock on the point's folder (fcntl; none where it is missing); yields its descriptor.

    The point's process inherits the descriptor, and so do the processes it starts: a second attempt of
    the point (a task that Dask ran twice) waits until every process of the first has ended.
    """
    with open(folder / _LOCK, "a") as handle:
        try:
            import fcntl
        except ImportError:
            yield handle.fileno()
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle.fileno()


def _printed_summary(stdout: str):
    """The JSON summary that the protocol's command printed: the JSON value followed only by 'wrote ...'."""
    decoder = json.JSONDecoder()
    for start in re.finditer(r"^[\[{]", stdout, re.M):
        try:
            value, end = decoder.raw_decode(stdout, start.start())
        except ValueError:
            continue
        rest = stdout[end:].strip()
        if not rest or rest.startswith("wrote "):
            return value
    raise ValueError("the protocol printed no JSON summary")


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in its folder: whole or not at all."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def run_point(
    argv: Sequence[str], folder: str, env: Mapping[str, str], cwd: str, root: str, interruptible: bool = True
) -> dict:
    """The Dask task of one point: run its protocol's command in ``folder``; write the summary it prints.

    Runs ``python -m brian_dendrites *argv`` with the worker's Python, under a lock on ``folder``, with
    ``$BRIAN_DENDRITES_SLOT`` from the worker's name and the variables ``env``; the process is killed if
    the worker dies. Each attempt is logged in :data:`LOG` (the command, the files it found, its stderr
    and exit status). A point whose summary exists is not run again.

    Parameters
    ----------
    argv : sequence of str
        The point's command line, without ``python -m brian_dendrites`` (:attr:`Point.argv`).
    folder : str
        The point's folder (created if needed).
    env : mapping of str to str
        Environment variables for the process, over the worker's own.
    cwd : str
        The client's working folder: the process's, where it exists on the worker (relative paths
        among the options then mean the same), else the worker's.
    root : str
        The folder holding the client's ``brian_dendrites`` package: put first on ``$PYTHONPATH``
        where it is a source checkout that exists on the worker.
    interruptible : bool, default True
        The process takes SIGINT as Python's default (Ctrl-C stops it cleanly), also where the worker
        ignores it (as a LocalCluster's do); False where the sweep was started with SIGINT ignored.

    Returns
    -------
    dict
        ``ran`` (False: the summary was there), ``seconds`` (the attempt's wall time), and ``error``
        (the last line of stderr and the exit status) if the protocol failed.

    Raises
    ------
    ChildProcessError
        If the process was killed by a signal (Dask then retries the point).
    """
    import distributed

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with _point_lock(folder) as lock:
        if (folder / SUMMARY).exists():
            return {"ran": False, "seconds": 0.0}
        slot = _slot(distributed.get_worker().name)
        environment = {**os.environ, **env, "BRIAN_DENDRITES_SLOT": slot}
        if (Path(root) / "brian_dendrites" / "__init__.py").is_file() and Path(root).name != "site-packages":
            environment["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
        command = [sys.executable, "-m", "brian_dendrites", *argv]
        found = sorted(p.name for p in folder.iterdir() if p.name not in (LOG, _LOCK))
        start = time.perf_counter()
        with open(folder / LOG, "a") as log:
            log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} on worker {slot}: {shlex.join(command)}\n")
            log.write(f"--- found: {', '.join(found) or 'nothing'}\n")
            log.flush()
            offset = log.tell()
            process = subprocess.run(
                command,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=environment,
                cwd=cwd if os.path.isdir(cwd) else None,
                preexec_fn=_dying_with_parent(interruptible),
                pass_fds=(lock,),
            )
            try:
                summary = _printed_summary(process.stdout) if process.returncode == 0 else None
            except ValueError:  # the output is kept for a look
                summary = None
                log.write(process.stdout)
            log.write(f"--- exit status {process.returncode}\n")
        seconds = time.perf_counter() - start
        if process.returncode < 0:
            raise ChildProcessError(f"point {folder.name} was killed by signal {-process.returncode}")
        if summary is None:
            with open(folder / LOG) as log:
                log.seek(offset)
                lines = [line for line in log.read().splitlines() if line.strip() and not line.startswith("---")]
            reason = lines[-1] if process.returncode else "it printed no JSON summary"
            return {"ran": True, "seconds": seconds, "error": f"{reason} (exit status {process.returncode})"}
        _write_atomically(folder / SUMMARY, json.dumps(summary, indent=2))
        return {"ran": True, "seconds": seconds}


# ---- On the client. ----


def _typed(value: str) -> int | float | str:
    """A grid value as a number where it reads as one."""
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def flatten(summary, prefix: str = "") -> dict[str, int | float | None]:
    """The numbers (and nulls) of a summary, nested dicts flattened with dotted keys.

    Parameters
    ----------
    summary : object
        A protocol's JSON summary (a dict; anything else is one value, keyed ``prefix`` or "summary").
    prefix : str, default ""
        Prefix of the keys (with its dot), for the recursion.

    Returns
    -------
    dict of str to int, float or None
        E.g. ``{"full.loss_end": 0.01, "first_100": None}``, in the summary's order; strings, booleans
        and lists are left out.
    """
    if not isinstance(summary, dict):
        summary = {prefix.rstrip(".") or "summary": summary}
        prefix = ""
    flat = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
        elif value is None or _is_number(value):
            flat[f"{prefix}{key}"] = value
    return flat


def results_table(sweep: Sweep) -> list[dict]:
    """A row per finished point of ``sweep``: ``point`` (its folder), the grid values, its summary's numbers.

    A summary key that equals a grid key is left out (the grid's value stands).

    Parameters
    ----------
    sweep : Sweep
        The sweep.

    Returns
    -------
    list of dict
        The rows, in the order of the points; grid values as numbers where they read as numbers.

    Raises
    ------
    FileFormatError
        If a point's summary is not JSON.
    """
    rows = []
    for point in sweep.points:
        path = sweep.folder(point) / SUMMARY
        if not path.exists():
            continue
        try:
            summary = json.loads(path.read_text())
        except ValueError as error:
            raise FileFormatError(f"{path}: not a JSON summary ({error})") from None
        row = {"point": point.name, **{key: _typed(value) for key, value in point.values.items()}}
        for key, value in flatten(summary).items():
            row.setdefault(key, value)
        rows.append(row)
    return rows


def default_measure(rows: Sequence[Mapping], grid: Mapping[str, object]) -> str | None:
    """The measure of the figure without ``--measure``: the first result that is a number in every row.

    Results of the configuration (``config.*``) and the grid keys are left out; one that varies
    between the rows is preferred.

    Parameters
    ----------
    rows : sequence of mapping
        The rows of :func:`results_table`.
    grid : mapping
        The grid, whose keys are not measures.

    Returns
    -------
    str or None
        The column, or None if no column is a number in every row.
    """
    columns = [c for c in dict.fromkeys(k for row in rows for k in row) if c != "point" and c not in grid]
    numeric = [
        c for c in columns if not c.startswith("config.") and rows and all(_is_number(row.get(c)) for row in rows)
    ]
    varying = [c for c in numeric if len({row[c] for row in rows}) > 1]
    return (varying or numeric or [None])[0]


def _plot(sweep: Sweep, rows: Sequence[Mapping], measure: str, over: str | None, path: Path) -> None:
    """``measure`` against the first grid key, a line per combination of the others (``over``: mean ± std)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    keys = list(sweep.grid)
    x_key, others = keys[0], [k for k in keys[1:] if k != over]
    xs = [_typed(value) for value in sweep.grid[x_key]]
    numeric = all(_is_number(x) for x in xs)
    lines: dict[tuple, dict] = {}
    for row in rows:
        if _is_number(row.get(measure)):
            lines.setdefault(tuple(row[k] for k in others), {}).setdefault(row[x_key], []).append(row[measure])
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for label, by_x in lines.items():
        shown = [x for x in (sorted(xs) if numeric else xs) if x in by_x]
        means = [float(np.mean(by_x[x])) for x in shown]
        stds = [float(np.std(by_x[x], ddof=1)) if len(by_x[x]) > 1 else 0.0 for x in shown]
        positions = shown if numeric else [xs.index(x) for x in shown]
        text = ", ".join(f"{k}={v}" for k, v in zip(others, label, strict=True)) or None
        ax.errorbar(positions, means, yerr=stds if over else None, marker="o", capsize=3, label=text)
    if not numeric:
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    elif all(isinstance(x, int) for x in xs):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(x_key)
    ax.set_ylabel(measure)
    ax.set_title(f"{' '.join(sweep.command)}: {measure}" + (f", mean ± std over {over}" if over else ""))
    if others:
        ax.legend(fontsize=8)
    fig.tight_layout()
    with atomic_target(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)


def write_results(sweep: Sweep, measure: str | None = None, over: str | None = None) -> list[Path]:
    """Write the results table (:data:`RESULTS`: CSV, JSON) and the figure of the finished points of ``sweep``.

    Parameters
    ----------
    sweep : Sweep
        The sweep.
    measure : str, optional
        The column of the figure, a dotted key of the summaries; None: :func:`default_measure`.
    over : str, optional
        A grid key other than the first: the figure shows the mean ± standard deviation (ddof 1) over
        its values. None: a line per combination of the other keys.

    Returns
    -------
    list of pathlib.Path
        The paths written: the CSV and JSON tables, and the figure unless no point finished.

    Raises
    ------
    ParameterError
        If ``measure`` is not a number of a finished point's summary (the tables are written first).
    """
    rows = results_table(sweep)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    csv_path, json_path, figure = (sweep.out / name for name in RESULTS)
    with atomic_target(csv_path) as tmp, open(tmp, "w", newline="") as stream:
        writer = csv.DictWriter(stream, columns, restval="")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    with atomic_target(json_path) as tmp:
        tmp.write_text(json.dumps(rows, indent=1))
    if not rows:
        return [csv_path, json_path]
    chosen = default_measure(rows, sweep.grid) if measure is None else measure
    if chosen is None or not any(_is_number(row.get(chosen)) for row in rows):
        numbers = [c for c in columns if any(_is_number(row.get(c)) for row in rows) and c not in sweep.grid]
        raise ParameterError(
            f"--measure {chosen} is not a number of the summaries; they have: {', '.join(numbers)} "
            f"(the tables are written: {csv_path}, {json_path})"
        )
    _plot(sweep, rows, chosen, over, figure)
    return [csv_path, json_path, figure]


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _jobqueue(args: argparse.Namespace):
    """The dask-jobqueue cluster of ``--slurm`` or ``--pbs``: a worker process per core of each job."""
    import dask
    from dask_jobqueue import PBSCluster, SLURMCluster

    kind, option = (SLURMCluster, "--slurm") if args.slurm else (PBSCluster, "--pbs")
    if args.memory is None and dask.config.get(f"jobqueue.{option[2:]}.memory", None) is None:
        raise ParameterError(f"{option} needs --memory, the memory of each job (e.g. 8GB)")
    # Options left out fall back to Dask's configuration (jobqueue.yaml); cores, where it has none, to 1.
    cores = args.cores or dask.config.get(f"jobqueue.{option[2:]}.cores", None) or 1
    given = {"walltime": args.walltime} if args.walltime else {}
    try:
        return kind(
            queue=args.queue,
            account=args.account,
            cores=cores,
            processes=args.cores or dask.config.get(f"jobqueue.{option[2:]}.processes", None) or cores,
            memory=args.memory,
            **given,
            job_name="brian-dendrites-sweep",
            scheduler_options={"dashboard_address": ":0"},  # a free port: 8787 may be taken
        )
    except ValueError as error:
        raise ParameterError(f"{option}: {' '.join(str(error).split())}") from None


@contextlib.contextmanager
def _client(args: argparse.Namespace, points: int) -> Iterator:
    """A Dask client of the cluster that the options choose: --scheduler, --slurm, --pbs or a LocalCluster."""
    from distributed import Client, LocalCluster

    if args.scheduler:
        try:
            client = Client(args.scheduler, timeout=args.timeout)
        except (OSError, ValueError, TypeError) as error:
            raise ClusterError(
                f"cannot reach the scheduler {args.scheduler} within {args.timeout:g} s ({error})"
            ) from None
        with client:
            yield client
    elif args.slurm or args.pbs:
        with _jobqueue(args) as cluster, Client(cluster) as client:
            cluster.scale(jobs=args.batch_jobs)
            yield client
    else:
        workers = min(args.workers or _cores(), points)
        with _sigint_ignored():  # by the workers, which inherit it: Ctrl-C reaches the client and the points
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # a free port
                silence_logs=logging.ERROR,
            )
        with cluster, Client(cluster) as client:
            yield client


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored in the block (in the main thread; elsewhere nothing changes); then the handler before."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _run(client, sweep: Sweep, points: Sequence[Point], retries: int, progress: bool) -> tuple[int, dict[str, str]]:
    """Run ``points`` on ``client``, a task each (with ``retries``): how many ran, and the failures by point."""
    import signal

    import cloudpickle
    from distributed import as_completed
    from tqdm import tqdm

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers need not import the package
    root = str(Path(__file__).resolve().parent.parent)
    token = os.urandom(4).hex()
    futures = {
        client.submit(
            run_point,
            list(point.argv),
            str(sweep.folder(point)),
            sweep.env,
            os.getcwd(),
            root,
            signal.getsignal(signal.SIGINT) is not signal.SIG_IGN,
            key=f"point-{point.name}-{token}",
            pure=False,
            retries=retries,
        ): point
        for point in points
    }
    ran, failures = 0, {}
    with tqdm(total=len(points), desc=f"sweep {' '.join(sweep.command)}", unit="point", disable=not progress) as bar:
        for future in as_completed(futures):
            name = futures[future].name
            try:
                outcome = future.result()
            except Exception as error:  # the task's own error after its retries, or a worker killed too often
                failures[name] = f"{type(error).__name__}: {error}"
            else:
                ran += outcome["ran"]
                if "error" in outcome:
                    failures[name] = outcome["error"]
            bar.update()
    return ran, failures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``brian-dendrites sweep`` to ``parser``; the protocol's own options pass through.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser of the ``sweep`` subcommand (``allow_abbrev=False``: a protocol's ``--overwrite`` is
        not the sweep's ``--over``).
    """
    parser.add_argument("protocol", nargs="+", metavar="PROTOCOL", help="the protocol, e.g. bars or mnist train")
    parser.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="KEY=VALUES",
        help="an option of the protocol and its values: 0-9 (inclusive), 10,100 or a,b; true,false for a flag",
    )
    parser.add_argument(
        "--out", required=True, help="the sweep's folder: a folder per point, results.csv/json, sweep.png"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="worker processes of the LocalCluster (default one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on this running Dask cluster, e.g. tcp://host:8786")
    where.add_argument("--slurm", action="store_true", help="run on SLURM jobs (dask-jobqueue)")
    where.add_argument("--pbs", action="store_true", help="run on PBS jobs (dask-jobqueue)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to reach --scheduler (default 10)")
    parser.add_argument("--queue", help="--slurm/--pbs: the queue (partition)")
    parser.add_argument("--account", help="--slurm/--pbs: the account to charge")
    parser.add_argument(
        "--walltime", help="--slurm/--pbs: each job's wall time, e.g. 01:00:00 (default: Dask's config)"
    )
    parser.add_argument(
        "--cores",
        type=positive_int,
        help="--slurm/--pbs: cores per job, a worker each (default: Dask's config, else 1)",
    )
    parser.add_argument("--memory", help="--slurm/--pbs: memory per job, e.g. 8GB")
    parser.add_argument("--batch-jobs", type=int, default=1, help="--slurm/--pbs: jobs to submit (default 1)")
    parser.add_argument("--dry-run", action="store_true", help="--slurm/--pbs: print the job script; submit nothing")
    parser.add_argument(
        "--cache", help="the build cache of every point ($BRIAN_DENDRITES_CACHE), on a shared file system"
    )
    parser.add_argument(
        "--march", help="-march of every point's builds, e.g. x86-64-v2 for mixed CPUs (default native)"
    )
    parser.add_argument(
        "--measure", help="the figure's measure, a dotted key of the summaries (default: a first number)"
    )
    parser.add_argument("--over", metavar="KEY", help="a grid key: the figure shows mean ± std over its values")
    parser.add_argument(
        "--retries", type=int, default=2, help="retries of a point whose process was killed (default 2)"
    )
    parser.add_argument("--force", action="store_true", help=f"run a grid of more than {MAX_POINTS:,} points")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _check_options(args: argparse.Namespace, grid: Sequence[str]) -> None:
    """ParameterError for options of the sweep that contradict each other or are out of range."""
    for name in ("workers", "cores", "batch_jobs"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise ParameterError(f"--{name.replace('_', '-')} must be an integer >= 1, got {getattr(args, name)}")
    if args.retries < 0 or not args.timeout > 0:
        raise ParameterError(f"--retries must be >= 0 and --timeout > 0, got {args.retries} and {args.timeout:g}")
    if args.dry_run and not (args.slurm or args.pbs):
        raise ParameterError("--dry-run prints the job script of --slurm or --pbs: give one of them")
    keys = list(parse_grid(grid))
    if args.over is not None and args.over not in keys[1:]:
        raise ParameterError(f"--over must be a grid key other than the first ({keys[0]}, the x axis), got {args.over}")


def main(args: argparse.Namespace, fixed: Sequence[str]) -> int:
    """Run ``brian-dendrites sweep``: check it, run its unfinished points, write the results; print a summary.

    Prints the job script with ``--dry-run``; otherwise a JSON summary (``points``, ``ran``, ``skipped``,
    ``failed``) and the paths written.

    Parameters
    ----------
    args : argparse.Namespace
        The options of :func:`add_arguments`, as parsed.
    fixed : sequence of str
        The other arguments: the protocol's options that every point shares.

    Returns
    -------
    int
        0.

    Raises
    ------
    ParameterError
        For bad input (see :func:`plan`), before anything starts.
    ClusterError
        If Dask is not installed or the scheduler cannot be reached within ``--timeout``.
    SweepError
        If points failed: it names them and their logs, after the results of the others are written.
    """
    _check_options(args, args.grid)
    sweep = plan(args.protocol, args.grid, fixed, args.out, cache=args.cache, march=args.march, force=args.force)
    try:
        import distributed  # noqa: F401

        if args.slurm or args.pbs:
            import dask_jobqueue  # noqa: F401
    except ImportError:
        raise ClusterError(_INSTALL) from None
    if args.dry_run:
        with _jobqueue(args) as cluster:
            print(cluster.job_script())
        return 0
    _check_record(sweep)
    todo = sweep.unfinished()
    ran, failures = 0, {}
    if todo:
        with _client(args, len(todo)) as client:
            _write_record(sweep)
            ran, failures = _run(client, sweep, todo, args.retries, progress=not args.quiet)
    paths = write_results(sweep, args.measure, args.over)
    if failures:
        listed = "; ".join(f"{name} ({reason})" for name, reason in failures.items())
        raise SweepError(
            f"{len(failures)} of {len(sweep.points)} points failed: {listed}; their logs: {sweep.out}/<point>/{LOG}; "
            "the same command reruns them"
        )
    print(json.dumps({"points": len(sweep.points), "ran": ran, "skipped": len(sweep.points) - ran}, indent=2))
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0
