"""Ctrl-C: an interrupted command stops at once, in every process, and keeps its last checkpoint.

Brian2 installs its own SIGINT handler on import: during a run it only asks the simulation to
stop, so a runtime run ends early without an error and a standalone run's results are read half
written; and where SIGINT was ignored at start (a background job), it calls the ignored handler and
fails with a TypeError. :func:`interruptible` (the command line's) replaces it, for the duration of a
block, by one that records the interrupt and raises ``KeyboardInterrupt``, as Python's default does;
:func:`process_pool` gives worker processes that stop with their parent. The checkpoints are
written atomically (:func:`brian_dendrites.files.atomic_target`), so an interrupt leaves the last one
whole.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from multiprocessing import get_context

__all__ = ["interrupted", "interruptible", "keep_ignored", "process_pool"]

#: This process's interrupt: ``received`` once SIGINT came; in a worker, ``busy`` while a job runs and
#: ``raised`` once the job's KeyboardInterrupt is raised.
_STATE = {"received": False, "busy": False, "raised": False}

#: Signal masks, and SIGINT sent to a process, exist on POSIX only.
_POSIX = hasattr(signal, "pthread_sigmask")


def interrupted() -> bool:
    """Whether SIGINT was received in :func:`interruptible` (or in this worker of :func:`process_pool`).

    Returns
    -------
    bool
        True once SIGINT came.
    """
    return _STATE["received"]


def _ignored(handler) -> bool:
    """Whether ``handler`` (that of SIGINT) ignores SIGINT, also through Brian2's handler, which wraps the
    one in place when Brian2 was imported."""
    handler = getattr(handler, "previous_handler", handler)
    return handler is signal.SIG_IGN


def keep_ignored() -> None:
    """Where SIGINT was ignored when Brian2 was imported, ignore it again, in place of Brian2's handler.

    Brian2's handler calls the one it replaced, and fails with "TypeError: 'Handlers' object is not
    callable" where that one was ``SIG_IGN``. The package calls this on import; outside the main
    thread, where signal handlers cannot be set, it does nothing.
    """
    handler = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is threading.main_thread() and handler is not signal.SIG_IGN and _ignored(handler):
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _on_interrupt(signum, frame) -> None:
    _STATE["received"] = True
    raise KeyboardInterrupt


@contextmanager
def interruptible() -> Iterator[None]:
    """In the block, SIGINT records the interrupt (see :func:`interrupted`) and raises ``KeyboardInterrupt``.

    SIGINT stays ignored where it was ignored at start (e.g. a job started in the background by a
    non-interactive shell). The handlers in place before are restored after the block. Outside the
    main thread, where signal handlers cannot be set, nothing changes.

    Yields
    ------
    None
        Run the interruptible work in the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    _STATE["received"] = False
    signal.signal(signal.SIGINT, signal.SIG_IGN if _ignored(previous) else _on_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _on_worker_interrupt(signum, frame) -> None:
    """A worker's SIGINT: interrupt the running job once (the parent may forward the SIGINT that the
    terminal also sent), and refuse the jobs that follow (see :func:`_job`)."""
    _STATE["received"] = True
    if _STATE["busy"] and not _STATE["raised"]:
        _STATE["raised"] = True
        raise KeyboardInterrupt


def _start_worker() -> None:
    """A worker's SIGINT handler (unless SIGINT is ignored), then SIGINT unblocked (see :class:`_Pool`)."""
    if not _ignored(signal.getsignal(signal.SIGINT)):
        signal.signal(signal.SIGINT, _on_worker_interrupt)
    if _POSIX:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _job(fn: Callable, *args, **kwargs):
    """Run one job in a worker, interruptible by SIGINT; after an interrupt, refuse to start one."""
    if _STATE["received"]:
        raise KeyboardInterrupt
    _STATE["busy"], _STATE["raised"] = True, False
    try:
        return fn(*args, **kwargs)
    finally:
        _STATE["busy"] = False


class _Pool(ProcessPoolExecutor):
    """Runs every job through :func:`_job`; workers start with SIGINT blocked, so that a Ctrl-C while
    they start waits until their handler is in place (it is delivered then) instead of killing them."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        if not _POSIX:
            return super().submit(partial(_job, fn), *args, **kwargs)
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return super().submit(partial(_job, fn), *args, **kwargs)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` spawned processes that stop with their parent on Ctrl-C.

    On Ctrl-C (SIGINT to the process group, as a terminal sends it, or to the parent alone, which
    forwards it, also where the block ends with a ``KeyboardInterrupt`` raised outside
    :func:`interruptible`), each worker interrupts its job and refuses the jobs not started. If the
    block fails, the jobs not started are cancelled and the block waits for the workers to end.

    Parameters
    ----------
    workers : int
        The number of worker processes, >= 1.

    Yields
    ------
    concurrent.futures.ProcessPoolExecutor
        The pool.
    """
    pool = _Pool(max_workers=workers, mp_context=get_context("spawn"), initializer=_start_worker)
    try:
        yield pool
    except BaseException as error:
        # Also a KeyboardInterrupt outside interruptible() (e.g. a Jupyter kernel's interrupt, which the
        # parent alone gets): the workers would otherwise finish their jobs before shutdown returns.
        if (isinstance(error, KeyboardInterrupt) or interrupted()) and _POSIX:
            for pid in list(getattr(pool, "_processes", None) or {}):
                try:
                    os.kill(pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
