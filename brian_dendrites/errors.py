"""The package's exceptions.

Every error that bad input causes derives from :class:`BrianDendritesError` and
also from the built-in class a caller would expect (``ValueError``,
``FileExistsError``, ...). Such errors are the user's to fix, not bugs: an
uncaught one prints Python's usual traceback, without Brian2's "report this
bug" banner, which stays for Brian2's own errors (see :func:`install_excepthook`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = [
    "BrianDendritesError",
    "ParameterError",
    "FileFormatError",
    "OutputError",
    "OutputExistsError",
    "DivergenceError",
    "ClusterError",
    "SweepError",
    "install_excepthook",
]


class BrianDendritesError(Exception):
    """Base of every error caused by the user's input, files or parameters."""


class ParameterError(BrianDendritesError, ValueError):
    """A parameter, input or state value outside its allowed range; the message names it."""


class FileFormatError(BrianDendritesError, ValueError):
    """A file to read is damaged, truncated, of another kind or of an unknown format version."""


class OutputError(BrianDendritesError, OSError):
    """An output folder cannot be created or written."""


class OutputExistsError(OutputError, FileExistsError):
    """Output files exist and overwriting was not asked for; ``paths`` lists them.

    Parameters
    ----------
    paths : sequence of str
        The existing output paths; the message names them all.
    """

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)
        super().__init__(f"{self.describe()}; pass overwrite=True to replace")

    def describe(self) -> str:
        """The existing paths as a phrase, without the hint to pass ``overwrite=True``.

        Returns
        -------
        str
            E.g. 'a.npz, b.nwb already exist'.
        """
        return f"{', '.join(self.paths)} already {'exists' if len(self.paths) == 1 else 'exist'}"


class DivergenceError(BrianDendritesError, RuntimeError):
    """The network state became non-finite or diverged; no results were written."""


class ClusterError(BrianDendritesError, OSError):
    """A Dask cluster for a sweep cannot be reached or started (or Dask is not installed)."""


class SweepError(BrianDendritesError, RuntimeError):
    """Points of a sweep failed; the message names them and their logs."""


def install_excepthook() -> None:
    """Let uncaught :class:`BrianDendritesError` bypass Brian2's bug-report banner.

    Brian2 replaces ``sys.excepthook`` on import; this wraps whatever hook is
    installed, so Brian2's own errors keep its message. Idempotent.
    """
    previous = sys.excepthook
    if getattr(previous, "_brian_dendrites", False):
        return

    def hook(exc_type, exc_value, traceback) -> None:
        if issubclass(exc_type, BrianDendritesError):
            sys.__excepthook__(exc_type, exc_value, traceback)
        else:
            previous(exc_type, exc_value, traceback)

    hook._brian_dendrites = True
    sys.excepthook = hook
