"""Writing results safely: never overwrite silently, never leave a half-written file."""

from __future__ import annotations

import os
import tempfile
import tokenize
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from brian_dendrites.errors import FileFormatError, OutputError, OutputExistsError, ParameterError

__all__ = ["refuse_existing", "check_output_folder", "prepare_output", "atomic_target", "atomic_savez", "read_npz"]


def refuse_existing(paths: Iterable[str | os.PathLike], overwrite: bool = False) -> None:
    """Raise :class:`OutputExistsError` naming every existing path, unless ``overwrite``.

    Parameters
    ----------
    paths : iterable of str or os.PathLike
        The paths to check.
    overwrite : bool, optional
        Allow existing paths.

    Raises
    ------
    OutputExistsError
        If any of ``paths`` exists and ``overwrite`` is False.
    """
    existing = [str(p) for p in paths if Path(p).exists()]
    if existing and not overwrite:
        raise OutputExistsError(existing)


def check_output_folder(value, name: str = "out") -> None:
    """Raise :class:`ParameterError` unless ``value`` is None or a non-empty path (str or os.PathLike).

    An empty string would silently write into the current folder.

    Parameters
    ----------
    value : object
        The output folder of a configuration record (None: none).
    name : str, default "out"
        Its name, for the message.

    Raises
    ------
    ParameterError
        If ``value`` is not None, a str or an os.PathLike, or is the empty path "".
    """
    if value is not None and not isinstance(value, (str, os.PathLike)):
        raise ParameterError(f"{name} must be a folder path (str or os.PathLike), got {type(value).__name__}")
    if value is not None and os.fspath(value) == "":
        raise ParameterError(f"{name} must be a folder path, got an empty one ('')")


def prepare_output(folder: str | os.PathLike, names: Iterable[str] = (), overwrite: bool = False) -> Path:
    """Create ``folder`` if needed and check, before any work, that it is a writable folder.

    Also checks that none of the files ``names`` in it exists (unless ``overwrite``).
    Raises :class:`OutputError` or :class:`OutputExistsError`, naming the path.

    Parameters
    ----------
    folder : str or os.PathLike
        The output folder, created with its parents if needed.
    names : iterable of str, optional
        Names of the files to be written into ``folder``.
    overwrite : bool, optional
        Allow those files to exist.

    Returns
    -------
    pathlib.Path
        ``folder``.

    Raises
    ------
    OutputError
        If ``folder`` or one of its parents is a file, or ``folder`` cannot be created or written.
    OutputExistsError
        If one of the files exists and ``overwrite`` is False.
    """
    folder = Path(folder)
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputError(f"output folder {folder} cannot be created: {blocking} is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OutputError(f"output folder {folder} is not writable ({error.strerror or error})") from error
    refuse_existing([folder / name for name in names], overwrite)
    return folder


@contextmanager
def atomic_target(path: str | os.PathLike, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` once the block succeeds.

    A context manager. The folder of ``path`` is created if needed; if the block fails, the
    temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The final path.
    overwrite : bool, optional
        Allow ``path`` to exist (it is replaced).

    Yields
    ------
    pathlib.Path
        The temporary path to write, in the folder of ``path``.

    Raises
    ------
    OutputError
        If the folder of ``path`` cannot be created or written (e.g. a file stands in its place).
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    path = Path(path)
    refuse_existing([path], overwrite)
    prepare_output(path.parent)  # a file in the folder's place fails clearly
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())  # on disk before it takes the final name
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_savez(path: str | os.PathLike, content: dict[str, np.ndarray]) -> None:
    """``np.savez`` to ``path`` atomically (an interruption leaves any previous file intact).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write or replace.
    content : dict of str to numpy.ndarray
        The arrays by name.
    """
    with atomic_target(path) as tmp, open(tmp, "wb") as stream:
        np.savez(stream, **content)


def read_npz(path: str | os.PathLike, what: str) -> dict[str, np.ndarray]:
    """Every array in the NPZ file ``path``, unpickling nothing.

    A missing file raises FileNotFoundError; one that is not a whole NPZ archive raises
    :class:`FileFormatError` naming ``what`` it should be.

    Parameters
    ----------
    path : str or os.PathLike
        The NPZ file.
    what : str
        What the file should be, for the message (e.g. 'checkpoint').

    Returns
    -------
    dict of str to numpy.ndarray
        The arrays by name.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    FileFormatError
        If the file is not a whole NPZ archive or holds pickled objects.
    """
    try:
        with open(path, "rb") as stream:
            if not zipfile.is_zipfile(stream):  # also a truncated file: the zip directory is at its end
                raise ValueError("not a zip archive, or truncated")
            stream.seek(0)
            with np.load(stream, allow_pickle=False) as data:
                return {key: np.asarray(data[key]) for key in data.files}
    except FileNotFoundError:
        raise
    # A damaged member can also name an unknown compression (NotImplementedError) or break the .npy
    # header, which numpy parses with tokenize.
    except (
        OSError,
        EOFError,
        ValueError,
        TypeError,
        NotImplementedError,
        tokenize.TokenError,
        zipfile.BadZipFile,
        zlib.error,
    ) as error:
        raise FileFormatError(f"{path}: not a readable {what} (NPZ): {error}") from error
