"""MNIST in its standard IDX files (gzipped or raw).

Where the files are looked for, in order: an explicit ``data_dir``, the
environment variable ``BRIAN_DENDRITES_MNIST``, then the user cache
(``~/.cache/brian_dendrites/mnist``). Missing files are downloaded with pooch
from a standard mirror and checked against their published SHA-256; without a
network the error says which files to put where.

Whatever their source, :func:`load` accepts only the genuine files: each must hold the
standard number of records and its uncompressed content must have the known SHA-256, so
that a subset, or the test files under the training names, cannot go unnoticed. :func:`one_hot`
gives the target rates of the labels, as the MNIST classifiers learn them, and :func:`corrupt`
noisy copies of images.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import numpy as np

from brian_dendrites.errors import FileFormatError, ParameterError

__all__ = ["FILES", "GENUINE", "IDXError", "read_idx", "locate", "load", "split", "one_hot", "NOISE_KINDS", "corrupt"]

#: file name -> SHA-256 of the gzipped file (LeCun's distribution).
FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
#: raw (uncompressed) file name -> (number of records, SHA-256 of the uncompressed IDX file), for
#: gzipped and raw copies alike.
GENUINE = {
    "train-images-idx3-ubyte": (60_000, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": (60_000, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": (10_000, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": (10_000, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}
MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
ENVIRONMENT_VARIABLE = "BRIAN_DENDRITES_MNIST"
_MAGIC = {2049: 1, 2051: 3}  # labels: 1 dimension, images: 3 dimensions (unsigned bytes)
#: The target rates of :func:`one_hot`: the other classes' output neurons, the label's.
TARGET_LOW, TARGET_HIGH = 0.1, 0.8
#: The kinds of noise of :func:`corrupt`.
NOISE_KINDS = ("gaussian", "dropout", "occlusion")


class IDXError(FileFormatError):
    """An IDX file is truncated, corrupt or not of the expected kind."""


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """The uint8 array in an IDX file (gzipped if the name ends in .gz).

    Parameters
    ----------
    path : str or os.PathLike
        The IDX file of labels (1-D) or images (3-D).

    Returns
    -------
    numpy.ndarray
        The uint8 data, of the shape the header gives: (n,) for labels, (n, rows, columns) for images.

    Raises
    ------
    IDXError
        If the file cannot be read or decompressed, has another magic number, or its length does not
        match its header.
    """
    path = Path(path)
    return _parse(path, _content(path))


def _content(path: Path) -> bytes:
    """The bytes of the IDX file ``path``, decompressed if its name ends in .gz."""
    try:
        return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise IDXError(f"{path}: not a readable {'gzip' if path.suffix == '.gz' else 'IDX'} file ({error})") from error


def _parse(path: Path, raw: bytes) -> np.ndarray:
    """The uint8 array in the IDX content ``raw`` of ``path``."""
    if len(raw) < 8:
        raise IDXError(f"{path}: {len(raw)} bytes, too short for an IDX header")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in _MAGIC:
        raise IDXError(f"{path}: magic number {magic:#010x}, expected 0x00000801 (labels) or 0x00000803 (images)")
    ndim = _MAGIC[magic]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        raise IDXError(f"{path}: {len(raw)} bytes, but the header {shape} needs {expected} (truncated or corrupt)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def locate(data_dir: str | os.PathLike | None = None, download: bool = True) -> Path:
    """The folder holding the four MNIST files (see the module docstring for the search order).

    Parameters
    ----------
    data_dir : str or os.PathLike or None, optional
        A folder to look in first; if given and incomplete, nothing is downloaded.
    download : bool, optional
        Download missing files into the user cache when no folder holds them all.

    Returns
    -------
    pathlib.Path
        The first folder that holds all four files (gzipped or raw).

    Raises
    ------
    FileNotFoundError
        If ``data_dir`` lacks some of the files, or no folder has them all and the download is
        disabled or failed; the message says which files to put where.
    """
    candidates = [Path(d) for d in (data_dir, os.environ.get(ENVIRONMENT_VARIABLE)) if d]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "brian_dendrites" / "mnist"
    for folder in [*candidates, cache]:
        if all(_find(folder, name) for name in FILES):
            return folder
    if data_dir is not None:
        raise FileNotFoundError(f"data_dir {data_dir} lacks some of {sorted(FILES)} (gzipped or raw)")
    if download:
        try:
            import pooch

            for name, sha256 in FILES.items():
                pooch.retrieve(MIRROR + name, known_hash=f"sha256:{sha256}", fname=name, path=cache, progressbar=False)
            return cache
        except Exception as error:  # no network, no pooch, or a hash mismatch
            reason = f"download failed ({error})"
    else:
        reason = "download disabled"
    raise FileNotFoundError(
        f"MNIST not found and {reason}. Put {', '.join(sorted(FILES))} into {cache}, or into a folder named by "
        f"--data-dir or ${ENVIRONMENT_VARIABLE}."
    )


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / name, folder / name.removesuffix(".gz")):
        if candidate.is_file():
            return candidate
    return None


def load(data_dir: str | os.PathLike | None = None, download: bool = True) -> dict[str, np.ndarray]:
    """Images as float32 in [0, 1], shape (n, 784), and labels as int64, for 'train' and 'test'.

    Raises :class:`IDXError` naming the file if one is damaged, not of the expected kind, or not
    the genuine MNIST file (60,000 training and 10,000 test images, of known SHA-256).

    Parameters
    ----------
    data_dir : str or os.PathLike or None, optional
        A folder to look in first (see :func:`locate`).
    download : bool, optional
        Download missing files (see :func:`locate`).

    Returns
    -------
    dict of str to numpy.ndarray
        'train_images', 'train_labels', 'test_images' and 'test_labels'.

    Raises
    ------
    IDXError
        If a file is damaged, its images are not 28 x 28, its labels not 0..9 in one dimension, the
        numbers of images and labels differ, or it is not the genuine MNIST file of its name (another
        number of records, or another SHA-256 of its uncompressed content; see :data:`GENUINE`).
    FileNotFoundError
        Where :func:`locate` raises it.
    """
    folder = locate(data_dir, download)
    data, checks = {}, []
    for part, prefix in (("train", "train"), ("test", "t10k")):
        images_path = _find(folder, f"{prefix}-images-idx3-ubyte.gz")
        labels_path = _find(folder, f"{prefix}-labels-idx1-ubyte.gz")
        images_raw, labels_raw = _content(images_path), _content(labels_path)
        images, labels = _parse(images_path, images_raw), _parse(labels_path, labels_raw)
        if images.shape[1:] != (28, 28):
            raise IDXError(f"{images_path}: shape {images.shape}, expected images of 28 x 28 pixels")
        if labels.ndim != 1 or labels.max(initial=0) > 9:
            raise IDXError(
                f"{labels_path}: expected labels 0..9 in one dimension, got shape {labels.shape} "
                f"with maximum {labels.max(initial=0)}"
            )
        if len(images) != len(labels):
            raise IDXError(
                f"{labels_path}: {len(labels)} labels, expected one per image of {images_path} ({len(images)})"
            )
        checks.append((images_path, len(images), hashlib.sha256(images_raw).hexdigest()))
        checks.append((labels_path, len(labels), hashlib.sha256(labels_raw).hexdigest()))
        data[f"{part}_images"] = images.reshape(len(images), -1).astype(np.float32) / 255.0
        data[f"{part}_labels"] = labels.astype(np.int64)
    for path, records, sha256 in checks:  # after the checks of kind, which say more about a foreign file
        _check_genuine(path, records, sha256)
    return data


def _check_genuine(path: Path, records: int, found: str) -> None:
    """Refuse ``path``, of ``records`` records and uncompressed SHA-256 ``found``, unless it is genuine MNIST."""
    name = path.name.removesuffix(".gz")
    expected, sha256 = GENUINE[name]
    if records != expected:
        kind = "images" if "images" in name else "labels"
        raise IDXError(
            f"{path}: {records:,} {kind}, but MNIST's {name} has {expected:,}; only the genuine MNIST files are "
            "accepted (a subset, or the t10k test files under the train names, would give wrong results)"
        )
    if found != sha256:
        raise IDXError(
            f"{path}: not the genuine MNIST file, its uncompressed content has SHA-256 {found}, expected {sha256}"
        )


def split(data: dict[str, np.ndarray], validation: int = 5_000) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The paper's split: the last ``validation`` training images for validation, the rest (55,000) for training.

    Parameters
    ----------
    data : dict of str to numpy.ndarray
        What :func:`load` returns.
    validation : int, optional
        Number of training images, the last ones, to keep for validation.

    Returns
    -------
    dict of str to tuple of numpy.ndarray
        'train', 'validation' and 'test', each (images, labels).

    Raises
    ------
    ParameterError
        If ``validation`` leaves no training image, or is < 1.
    """
    images, labels = data["train_images"], data["train_labels"]
    if not 1 <= validation < len(images):
        raise ParameterError(
            f"the training set has {len(images):,} images, too few for a validation split of {validation:,}: "
            f"validation must be in [1, {len(images):,})"
        )
    return {
        "train": (images[:-validation], labels[:-validation]),
        "validation": (images[-validation:], labels[-validation:]),
        "test": (data["test_images"], data["test_labels"]),
    }


def one_hot(labels: np.ndarray, n: int = 10) -> np.ndarray:
    """Target rates of ``labels``: 0.8 for the label's output neuron, 0.1 for the others.

    Parameters
    ----------
    labels : numpy.ndarray
        Class labels, integers in [0, ``n``), shape (n_images,).
    n : int, default 10
        Number of classes (output neurons).

    Returns
    -------
    numpy.ndarray
        The target rates, float32, shape (n_images, ``n``).

    Raises
    ------
    ParameterError
        If ``labels`` is not one-dimensional, not of an integer type, or holds a value outside [0, ``n``).
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):  # [] is a float array
        raise ParameterError(f"labels must be integers in [0, {n}) in one dimension, got {labels.dtype} {labels.shape}")
    if labels.size and not 0 <= labels.min() <= labels.max() < n:
        raise ParameterError(f"labels must be integers in [0, {n}), got values from {labels.min()} to {labels.max()}")
    rates = np.full((len(labels), n), TARGET_LOW, np.float32)
    rates[np.arange(len(labels)), labels.astype(np.intp, copy=False)] = TARGET_HIGH
    return rates


def corrupt(images: np.ndarray, kind: str, level: float, rng: np.random.Generator) -> np.ndarray:
    """Noisy copies of ``images`` (28 x 28 pixels each).

    Parameters
    ----------
    images : numpy.ndarray
        Pixels in [0, 1], (n, 784).
    kind : {'gaussian', 'dropout', 'occlusion'}
        Gaussian: add sigma = ``level`` times N(0, 1), clipped to [0, 1]; dropout: set the fraction
        ``level`` of pixels to 0 at random; occlusion: set a square covering the fraction ``level``
        of the image, at a random place, to 0.
    level : float
        The noise level, in [0, 1].
    rng : numpy.random.Generator
        Draws the noise.

    Returns
    -------
    numpy.ndarray
        The noisy images, float32, (n, 784).
    """
    if kind not in NOISE_KINDS:
        raise ParameterError(f"kind must be one of {sorted(NOISE_KINDS)}, got {kind!r}")
    if not 0 <= level <= 1:
        raise ParameterError(f"level must lie in [0, 1], got {level!r}")
    x = np.array(images, dtype=np.float32)
    if kind == "gaussian":
        return np.clip(x + level * rng.standard_normal(x.shape), 0, 1).astype(np.float32)
    if kind == "dropout":
        return x * (rng.random(x.shape) >= level)
    side = round(28 * np.sqrt(level))
    squares = x.reshape(-1, 28, 28)
    for image, (row, col) in zip(squares, rng.integers(0, 28 - side + 1, (len(x), 2)), strict=True):
        image[row : row + side, col : col + side] = 0
    return squares.reshape(len(x), 784)
