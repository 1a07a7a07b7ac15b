"""The MNIST data set (brian_dendrites.datasets.mnist): the IDX loader on the real files in
../shared/data/mnist and on corrupted copies, the target rates, the noisy copies."""

from __future__ import annotations

import gzip
import re
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest

from brian_dendrites.cli import main
from brian_dendrites.datasets import mnist
from brian_dendrites.errors import ParameterError


def test_real_files_have_the_published_shapes_and_label_counts(mnist_dir):
    data = mnist.load(mnist_dir, download=False)
    assert data["train_images"].shape == (60_000, 784) and data["test_images"].shape == (10_000, 784)
    assert data["train_images"].dtype == np.float32
    assert data["train_images"].min() == 0 and data["train_images"].max() == 1
    train_counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    test_counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(data["train_labels"]).tolist() == train_counts
    assert np.bincount(data["test_labels"]).tolist() == test_counts
    parts = mnist.split(data)
    assert [len(parts[k][0]) for k in ("train", "validation", "test")] == [55_000, 5_000, 10_000]


def test_raw_and_gzipped_files_read_the_same(mnist_dir, tmp_path):
    raw = tmp_path / "t10k-labels-idx1-ubyte"
    raw.write_bytes(gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    np.testing.assert_array_equal(mnist.read_idx(raw), mnist.read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz"))


def test_truncated_corrupt_and_foreign_files_are_rejected(mnist_dir, tmp_path):
    data = gzip.decompress((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    cases = {
        "truncated": (data[:-5], "truncated or corrupt"),
        "magic": (b"\x00\x00\x08\x02" + data[4:], "magic number"),
        "short": (data[:6], "too short"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}-idx1-ubyte"
        path.write_bytes(content)
        with pytest.raises(mnist.IDXError, match=message):
            mnist.read_idx(path)
    broken = tmp_path / "broken.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(mnist.IDXError, match="gzip"):
        mnist.read_idx(broken)


@pytest.mark.parametrize("where", [0.25, 0.5])
def test_corrupted_gzip_stream_is_rejected_naming_the_file(mnist_dir, tmp_path, where):
    """Bytes overwritten inside the compressed stream: at 1/4 zlib fails ("invalid distance too far
    back", once a raw zlib.error), at 1/2 the stream inflates but fails its CRC check."""
    data = bytearray((mnist_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    middle = int(len(data) * where)
    data[middle : middle + 8] = b"\xff" * 8
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(data)
    if where == 0.25:
        with pytest.raises(zlib.error):
            gzip.decompress(bytes(data))
    with pytest.raises(mnist.IDXError, match=f"^{re.escape(str(path))}: not a readable gzip file"):
        mnist.read_idx(path)


@pytest.fixture(scope="module")
def first_records(mnist_dir) -> dict[str, np.ndarray]:
    """The first 100 records of each real file, by raw (uncompressed) file name."""
    return {name.removesuffix(".gz"): mnist.read_idx(mnist_dir / name)[:100] for name in mnist.FILES}


def _write_idx(path: Path, array: np.ndarray) -> None:
    magic = 2051 if array.ndim == 3 else 2049
    header = b"".join(n.to_bytes(4, "big") for n in (magic, *array.shape))
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.mark.parametrize(
    "name, damage, message",
    [
        ("train-images-idx3-ubyte", lambda a: a.reshape(100, 14, 56), r"shape \(100, 14, 56\), expected .*28 x 28"),
        ("t10k-labels-idx1-ubyte", lambda a: np.where(np.arange(100) == 7, 10, a), "expected labels 0..9"),
        ("train-labels-idx1-ubyte", lambda a: a[:99], "99 labels, expected one per image"),
    ],
    ids=["not-28x28", "label-10", "fewer-labels"],
)
def test_files_of_the_wrong_kind_are_rejected_naming_the_file(first_records, tmp_path, name, damage, message):
    for raw, records in first_records.items():
        _write_idx(tmp_path / raw, records)
    # The undamaged copies are of the right kind, but not genuine MNIST: refused for their size.
    with pytest.raises(mnist.IDXError, match="100 images, but MNIST's train-images-idx3-ubyte has 60,000"):
        mnist.load(tmp_path, download=False)
    _write_idx(tmp_path / name, damage(first_records[name]))
    with pytest.raises(mnist.IDXError, match=f"^{re.escape(str(tmp_path / name))}: .*{message}"):
        mnist.load(tmp_path, download=False)


def test_search_order_and_missing_files(mnist_dir, tmp_path, monkeypatch):
    copy = tmp_path / "copy"
    shutil.copytree(mnist_dir, copy)
    monkeypatch.setenv(mnist.ENVIRONMENT_VARIABLE, str(copy))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert mnist.locate(download=False) == copy
    assert mnist.locate(mnist_dir, download=False) == mnist_dir  # an explicit folder comes first
    monkeypatch.setenv(mnist.ENVIRONMENT_VARIABLE, str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        mnist.locate(download=False)
    with pytest.raises(FileNotFoundError, match="lacks"):
        mnist.locate(tmp_path / "empty", download=False)


def _link(folder: Path, source: Path, names: dict[str, str]) -> Path:
    """``folder`` with a link ``name`` to ``source / target`` for each ``name: target``."""
    folder.mkdir(exist_ok=True)
    for name, target in names.items():
        (folder / name).symlink_to(source / target)
    return folder


def test_a_training_subset_is_refused_naming_both_sizes(mnist_dir, first_records, tmp_path, capsys):
    """100 training images once all went to the 5,000-image validation split: training on nothing."""
    folder = _link(tmp_path / "subset", mnist_dir, {n: n for n in mnist.FILES if n.startswith("t10k")})
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        _write_idx(folder / name, first_records[name])
    path = re.escape(str(folder / "train-images-idx3-ubyte"))
    with pytest.raises(mnist.IDXError, match=f"^{path}: 100 images, but MNIST's train-images-idx3-ubyte has 60,000"):
        mnist.load(folder, download=False)
    argv = ["mnist", "train", "--out", str(tmp_path / "out"), "--variants", "shallow", "--epochs", "1", "--jobs", "1"]
    assert main([*argv, "--data-dir", str(folder), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        f"brian-dendrites mnist: error: {folder / 'train-images-idx3-ubyte'}: 100 images"
    )


def test_the_test_files_under_the_training_names_are_refused(mnist_dir, tmp_path):
    folder = _link(tmp_path, mnist_dir, {n: n.replace("train", "t10k") for n in mnist.FILES})
    path = re.escape(str(folder / "train-images-idx3-ubyte.gz"))
    with pytest.raises(mnist.IDXError, match=f"^{path}: 10,000 images, but MNIST's train-images-idx3-ubyte has 60,000"):
        mnist.load(folder, download=False)


def test_raw_copies_load_and_changed_content_is_refused_by_its_hash(mnist_dir, tmp_path):
    folder = _link(tmp_path, mnist_dir, {n: n for n in mnist.FILES if "images" in n})
    labels = {n.removesuffix(".gz"): mnist.read_idx(mnist_dir / n) for n in mnist.FILES if "labels" in n}
    for name, records in labels.items():
        _write_idx(folder / name, records)
    data = mnist.load(folder, download=False)  # the genuine content, uncompressed
    np.testing.assert_array_equal(data["train_labels"], labels["train-labels-idx1-ubyte"])
    changed = labels["train-labels-idx1-ubyte"].copy()
    changed[123] = (changed[123] + 1) % 10
    _write_idx(folder / "train-labels-idx1-ubyte", changed)
    path = re.escape(str(folder / "train-labels-idx1-ubyte"))
    with pytest.raises(
        mnist.IDXError, match=f"^{path}: not the genuine MNIST file, .* SHA-256 [0-9a-f]{{64}}, expected"
    ):
        mnist.load(folder, download=False)


@pytest.mark.parametrize("validation", [5_000, 100, 0])
def test_split_refuses_a_training_set_too_small_for_its_validation_split(validation):
    data = {"train_images": np.zeros((100, 784), np.float32), "train_labels": np.zeros(100, np.int64)}
    data |= {"test_images": data["train_images"], "test_labels": data["train_labels"]}
    message = f"the training set has 100 images, too few for a validation split of {validation:,}: .*in \\[1, 100\\)"
    with pytest.raises(ParameterError, match=message):
        mnist.split(data, validation)
    assert [len(part[0]) for part in mnist.split(data, 99).values()] == [1, 99, 100]


def test_one_hot_targets_are_the_papers_rates():
    rates = mnist.one_hot(np.array([3, 0]))
    assert rates[0, 3] == pytest.approx(0.8) and rates[0, 0] == pytest.approx(0.1) and rates[1, 0] == pytest.approx(0.8)


@pytest.mark.parametrize("labels", [[], np.array([], np.uint8)], ids=["list", "uint8"])
def test_one_hot_of_an_empty_batch_is_empty(labels):
    rates = mnist.one_hot(labels)
    assert rates.shape == (0, 10) and rates.dtype == np.float32


@pytest.mark.parametrize(
    "labels, message",
    [
        ([-1], r"labels must be integers in \[0, 10\), got values from -1 to -1"),
        ([3, 10], r"labels must be integers in \[0, 10\), got values from 3 to 10"),
        ([2.7], r"labels must be integers in \[0, 10\) in one dimension, got float64 \(1,\)"),
        ([True], r"labels must be integers .* got bool"),
        ([[1, 2]], r"labels must be integers .* in one dimension, got int64 \(1, 2\)"),
    ],
    ids=["negative", "too-large", "float", "bool", "2-d"],
)
def test_one_hot_refuses_labels_outside_the_classes(labels, message):
    """-1 once marked class 9, 10 raised IndexError and 2.7 became class 2."""
    with pytest.raises(ParameterError, match=message):
        mnist.one_hot(labels)
    assert mnist.one_hot(np.array([9], np.uint8))[0, 9] == pytest.approx(0.8)


def test_noise_kinds(rng):
    images = np.full((200, 784), 0.5, np.float32)
    dropped = mnist.corrupt(images, "dropout", 0.25, rng)
    assert abs(np.mean(dropped == 0) - 0.25) < 0.01
    occluded = mnist.corrupt(images, "occlusion", 0.25, rng)
    assert np.all(np.sum(occluded == 0, axis=1) == 14 * 14)
    assert abs(np.std(mnist.corrupt(images, "gaussian", 0.05, rng)) / 0.05 - 1) < 0.02  # never clipped
    noisy = mnist.corrupt(images, "gaussian", 0.5, rng)
    assert noisy.min() == 0 and noisy.max() == 1  # clipped to the pixel range
    np.testing.assert_array_equal(mnist.corrupt(images, "gaussian", 0.0, rng), images)
    with pytest.raises(ParameterError, match="kind must be one of"):
        mnist.corrupt(images, "blur", 0.5, rng)
    with pytest.raises(ParameterError, match=r"level must lie in \[0, 1\]"):
        mnist.corrupt(images, "dropout", 1.5, rng)
