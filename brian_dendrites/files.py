"""Writing results safely: never overwrite silently, never leave a half-written file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["refuse_existing", "atomic_target", "atomic_savez"]


def refuse_existing(paths: Iterable[str | os.PathLike], overwrite: bool = False) -> None:
    """Raise FileExistsError naming every existing path, unless ``overwrite``."""
    existing = [str(p) for p in paths if Path(p).exists()]
    if existing and not overwrite:
        verb = "exists" if len(existing) == 1 else "exist"
        raise FileExistsError(
            f"{', '.join(existing)} already {verb}; pass overwrite=True (CLI: --overwrite) to replace"
        )


@contextmanager
def atomic_target(path: str | os.PathLike, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` once the block succeeds."""
    path = Path(path)
    refuse_existing([path], overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())  # on disk before it takes the final name
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_savez(path: str | os.PathLike, content: dict[str, np.ndarray]) -> None:
    """``np.savez`` to ``path`` atomically (an interruption leaves any previous file intact)."""
    with atomic_target(path) as tmp, open(tmp, "wb") as stream:
        np.savez(stream, **content)
