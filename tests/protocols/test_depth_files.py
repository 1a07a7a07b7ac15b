"""The depth protocol's inputs that could make its results wrong without a word: problem files, repeated
seeds and sizes, and damaged or half-written checkpoints. No student is trained here."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from brian_dendrites import FileFormatError, ParameterError, checkpoint, options
from brian_dendrites.canonical import digest, to_json
from brian_dendrites.cli import main
from brian_dendrites.models.error_neurons import ERROR_NEURONS, ErrorNeuronParams
from brian_dendrites.protocols import depth, depth_problems
from brian_dendrites.protocols.depth import DepthConfig
from brian_dendrites.protocols.depth_problems import load_problem, make_problem

PARAMS = ErrorNeuronParams()


def write_problem(path: Path, **changes) -> Path:
    """A 4-2-1 problem file of seed 3, with arrays replaced (or removed, for None) by ``changes``."""
    problem = make_problem((4, 2, 1), 3, PARAMS)
    arrays = {"sizes": np.array(problem.sizes), "seed": np.array(3)}
    arrays |= {f"teacher_{k}": w for k, w in enumerate(problem.teacher, start=1)}
    arrays |= {f"x_{name}": x for name, x in problem.x.items()} | problem.initial.weights
    arrays |= changes
    np.savez(path, **{name: value for name, value in arrays.items() if value is not None})
    return path


def record(student: str, epochs: int, layers: int) -> dict:
    """One (size, seed, student) entry as ``depth._train`` writes it."""
    angles = [] if student == "backprop" else [[10.0] * layers for _ in range(epochs)]
    return {
        "test_mse": [0.1] * (epochs + 1),
        "validation_mse": [0.1] * (epochs + 1),
        "angle_deg": angles,
        "ms_per_sample": 0.01,
    }


def fake_train(problem, config) -> dict:
    return {student: record(student, config.epochs, len(problem.sizes) - 1) for student in config.models}


CONFIG = {"sizes": ((4, 2, 1),), "seeds": (0, 1), "epochs": 2, "models": ("dendritic", "backprop")}


def write_checkpoint(out: Path, runs, **fields) -> Path:
    """The checkpoint of a run of CONFIG with ``runs`` (and other ``fields`` in its info)."""
    config = DepthConfig(**CONFIG, out=out)
    checkpoint.save(out / depth.CHECKPOINT, depth._fingerprint(config), {"runs": runs} | fields)
    return out / depth.CHECKPOINT


def write_legacy_checkpoint(out: Path, runs, fingerprint: str | None = None) -> Path:
    """The checkpoint that the code before brian_dendrites.checkpoint served depth wrote: one JSON object."""
    fingerprint = depth._fingerprint(DepthConfig(**CONFIG, out=out)) if fingerprint is None else fingerprint
    out.mkdir(exist_ok=True)
    (out / "depth_checkpoint.json").write_text(json.dumps({"fingerprint": fingerprint, "runs": runs}))
    return out / "depth_checkpoint.json"


def test_a_problem_file_runs_its_own_sizes_and_seed(tmp_path):
    path = write_problem(tmp_path / "p.npz")
    config = DepthConfig(problem=path)
    assert (config.sizes, config.seeds) == (((4, 2, 1),), (3,))  # recorded as what runs
    assert DepthConfig(problem=path, sizes=((4, 2, 1),), seeds=(3,)) == config
    with pytest.raises(ParameterError, match=rf"sizes 8-4-2-1 differ from the problem file {path}'s 4-2-1"):
        DepthConfig(problem=path, sizes=((8, 4, 2, 1),))
    with pytest.raises(ParameterError, match=rf"seeds 0,1 differ from the problem file {path}'s 3"):
        DepthConfig(problem=path, seeds=(0, 1))


def test_command_line_refuses_sizes_other_than_the_problems(tmp_path, capsys):
    path = write_problem(tmp_path / "p.npz")
    argv = ["depth", "--out", str(tmp_path / "o"), "--problem", str(path), "--sizes", "8-4-2-1"]
    assert main([*argv, "--epochs", "1", "--models", "backprop", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--sizes" in err and "8-4-2-1" in err and "4-2-1" in err
    assert not (tmp_path / "o" / "depth_results.json").exists()


def test_repeated_seeds_and_sizes_are_refused(tmp_path, capsys):
    with pytest.raises(argparse.ArgumentTypeError, match="must not repeat a seed, got 1 twice in '1,1'"):
        options.seeds("1,1")
    with pytest.raises(SystemExit):
        main(
            [
                "depth",
                "--out",
                str(tmp_path),
                "--seeds",
                "1,1",
                "--sizes",
                "2-1",
                "--models",
                "backprop",
                "--epochs",
                "1",
            ]
        )
    assert "--seeds: must not repeat a seed, got 1 twice" in capsys.readouterr().err
    with pytest.raises(ParameterError, match=r"seeds must not repeat, got 1 twice in \(1, 1\)"):
        DepthConfig(seeds=(1, 1))
    with pytest.raises(ParameterError, match=r"sizes must not repeat, got \(2, 1\) twice"):
        DepthConfig(sizes=((2, 1), (4, 2, 1), (2, 1)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x93\x07 random bytes" * 20, "not an NPZ archive of arrays, or damaged; a problem file holds sizes"),
        (b'{"sizes": [4, 2, 1]}', "not an NPZ archive of arrays, or damaged; a problem file holds sizes"),
        ({"x_test": None}, "the array 'x_test' is missing; a problem file holds .*x_train, x_validation and x_test"),
        ({"teacher_1": np.zeros((4, 2))}, r"'teacher_1' must be finite numbers of shape \(2, 4\)"),
        ({"x_train": np.full((100, 4), np.nan)}, r"'x_train' must be finite numbers of shape \('samples', 4\)"),
        ({"x_train": np.array([["a"] * 4] * 100)}, "'x_train' must be finite numbers"),
        ({"feedback_1": np.zeros((1, 2))}, r"'feedback_1' must be finite numbers of shape \(2, 1\)"),
        ({"sizes": np.array([4, 2, 2])}, "'sizes' must be 2 to 6 integers >= 1 ending in 1 output"),
        ({"seed": np.array([3, 4])}, r"'seed' must be finite numbers of shape \(\)"),
        ({"extra": np.zeros(3)}, r"unexpected arrays \['extra'\]"),
    ],
    ids=[
        "random bytes",
        "json",
        "no x_test",
        "teacher shape",
        "nan",
        "strings",
        "feedback shape",
        "sizes",
        "seed",
        "extra",
    ],
)
def test_a_damaged_problem_file_is_refused_naming_it(tmp_path, capsys, content, message):
    path = tmp_path / "p.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write_problem(path, **content)
    with pytest.raises(FileFormatError, match=message) as error:
        load_problem(path, PARAMS)
    assert str(path) in str(error.value) and "\n" not in str(error.value)
    assert (
        main(["depth", "--out", str(tmp_path / "o"), "--problem", str(path), "--models", "backprop", "--epochs", "1"])
        == 1
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "unsafely" not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ([], "its 'info' record must be a JSON object, got list"),  # a legacy JSON file
        ({"runs": None}, "not a depth checkpoint"),  # 'fingerprint' kept, 'runs' removed below
        ({"runs": {"4-2-1": {"0": {}}}}, r"runs\['4-2-1'\]\['0'\] must hold the models \['dendritic', 'backprop'\]"),
        ({"runs": {"4-2-1": {}}}, r"runs\['4-2-1'\] must map some of this run's seeds \['0', '1'\]"),
        ({"runs": {"8-4-2-1": {}}}, r"size '8-4-2-1' is not one of this run's \['4-2-1'\]"),
        ({"runs": {"4-2-1": {"7": {}}}}, "must map some of this run's seeds"),
        ("strings", r"\['backprop'\] must have test_mse and validation_mse of 3 finite numbers"),
        ("short", r"\['dendritic'\] must have test_mse and validation_mse of 3 finite numbers"),
        ("angles", r"\['dendritic'\] must have angle_deg of 2 lists of 2 numbers"),
        ("keys", r"\['backprop'\] must hold \['test_mse', 'validation_mse', 'angle_deg', 'ms_per_sample'\]"),
    ],
    ids=["list", "no runs", "no models", "no seeds", "other size", "other seed", "strings", "short", "angles", "keys"],
)
def test_a_damaged_checkpoint_is_refused_naming_it(tmp_path, monkeypatch, content, message):
    monkeypatch.setattr(depth, "_train", fake_train)
    out = tmp_path / "o"
    good = {student: record(student, 2, 2) for student in CONFIG["models"]}
    if isinstance(content, str):
        runs = {"4-2-1": {"0": json.loads(json.dumps(good))}}
        entry = runs["4-2-1"]["0"]
        if content == "strings":
            entry["backprop"]["test_mse"] = ["0.1"] * 3
        elif content == "short":
            entry["dendritic"]["validation_mse"] = [0.1] * 2
        elif content == "angles":
            entry["dendritic"]["angle_deg"] = [[10.0], [10.0]]
        else:
            del entry["backprop"]["ms_per_sample"]
        path = write_checkpoint(out, runs)
    elif isinstance(content, list):
        out.mkdir()
        path = out / depth.LEGACY_CHECKPOINT
        path.write_text("[]")
    elif content["runs"] is None:
        path = out / depth.CHECKPOINT
        checkpoint.save(path, depth._fingerprint(DepthConfig(**CONFIG, out=out)), {})
    else:
        path = write_checkpoint(out, **content)
    with pytest.raises(FileFormatError, match=message) as error:
        depth.run(DepthConfig(**CONFIG, out=out), progress=False)
    assert str(error.value).startswith(f"checkpoint {path}: ") and "\n" not in str(error.value)


def test_an_empty_run_in_the_checkpoint_ends_in_an_error_on_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(depth, "_train", fake_train)
    out = tmp_path / "o"
    path = write_checkpoint(out, {"4-2-1": {"0": {}}})
    argv = ["depth", "--out", str(out), "--sizes", "4-2-1", "--seeds", "0,1", "--epochs", "2"]
    assert main([*argv, "--models", "dendritic,backprop", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"brian-dendrites depth: error: checkpoint {path}: ") and err.count("\n") == 1
    assert not (out / "depth_results.json").exists()


def test_a_checkpoint_resumes_and_survives_an_interrupted_write(tmp_path, monkeypatch):
    """The run resumes from a checkpoint of seed 0; a write of seed 1's that fails halfway (a full disk)
    leaves that checkpoint as it was."""
    monkeypatch.setattr(depth, "_train", fake_train)
    out = tmp_path / "o"
    good = {student: record(student, 2, 2) for student in CONFIG["models"]}
    path = write_checkpoint(out, {"4-2-1": {"0": good}})
    before = path.read_bytes()
    savez = np.savez

    def half_then_full_disk(stream, **content):
        stream.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", half_then_full_disk)
    with pytest.raises(OSError, match="No space left"):
        depth.run(DepthConfig(**CONFIG, out=out), progress=False)
    assert path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [depth.CHECKPOINT]  # no temporary file left
    monkeypatch.setattr(np, "savez", savez)
    results = depth.run(DepthConfig(**CONFIG, out=out), progress=False)
    assert results["runs"] == {"4-2-1": {"0": good, "1": good}}
    assert checkpoint.load(path, depth._fingerprint(DepthConfig(**CONFIG, out=out))).info["runs"] == results["runs"]


def test_a_legacy_json_checkpoint_resumes_and_is_converted(tmp_path, monkeypatch):
    """A depth_checkpoint.json of the code before one checkpoint module served every protocol resumes;
    the next checkpoint is the NPZ of brian_dendrites.checkpoint, and the JSON file is gone."""
    monkeypatch.setattr(depth, "_train", fake_train)
    out = tmp_path / "o"
    good = {student: record(student, 2, 2) for student in CONFIG["models"]}
    trained = {student: {**record(student, 2, 2), "ms_per_sample": 0.5} for student in CONFIG["models"]}
    legacy = write_legacy_checkpoint(out, {"4-2-1": {"0": trained}})  # seed 0 done, by the legacy run
    results = depth.run(DepthConfig(**CONFIG, out=out), progress=False)
    assert results["runs"] == {"4-2-1": {"0": trained, "1": good}}  # seed 0 from the JSON file
    assert sorted(p.name for p in out.iterdir()) == ["depth_checkpoint.npz"]
    fingerprint = depth._fingerprint(DepthConfig(**CONFIG, out=out))
    assert checkpoint.load(out / "depth_checkpoint.npz", fingerprint).info == {"runs": results["runs"]}
    assert not legacy.exists()


def test_a_genuine_checkpoint_resumes_without_training(tmp_path, monkeypatch):
    """What ``_train`` writes passes the checkpoint's checks (the steady-state and backprop students, 2 epochs)."""
    config = DepthConfig(
        sizes=((2, 1), (4, 2, 1)), seeds=(0, 1), epochs=2, models=("dendritic", "backprop"), out=tmp_path
    )
    results = depth.run(config, progress=False)
    monkeypatch.setattr(depth, "TRAINERS", {})
    assert depth.run(config, progress=False) == results


def earlier_fingerprint(config: DepthConfig, **given) -> str:
    """The checkpoint fingerprint that the code before the problem file's content counted computed: of the
    configuration's fields but ``out`` and ``overwrite`` (and ``threads`` and ``float32``, which it had not),
    sizes and seeds as given (default: its own defaults)."""
    later = ("out", "overwrite", "threads", "float32")
    fields = {k: v for k, v in dataclasses.asdict(config).items() if k not in later}
    return digest(to_json(fields | {"sizes": depth.SIZES, "seeds": tuple(range(10))} | given))


@pytest.mark.parametrize("given", [{}, {"sizes": ((4, 2, 1),), "seeds": (3,)}], ids=["defaults", "given"])
def test_a_checkpoint_of_earlier_code_with_a_problem_file_resumes(tmp_path, monkeypatch, given):
    config = DepthConfig(problem=write_problem(tmp_path / "p.npz"), epochs=2, models=("backprop",), out=tmp_path / "o")
    runs = {"4-2-1": {"3": {"backprop": record("backprop", 2, 2)}}}
    write_legacy_checkpoint(tmp_path / "o", runs, earlier_fingerprint(config, **given))
    monkeypatch.setattr(depth, "TRAINERS", {})  # resumes without training
    assert depth.run(config, progress=False)["runs"] == runs
    other = dataclasses.replace(config, epochs=3)  # another configuration, of earlier code too: refused
    write_legacy_checkpoint(tmp_path / "o", {}, earlier_fingerprint(other))
    with pytest.raises(ParameterError, match="was written by a different configuration"):
        depth.run(config, progress=False)


def test_huge_sizes_in_a_problem_file_allocate_nothing(tmp_path):
    """Sizes of a million neurons (a weight matrix of 8 TB) are refused by the arrays' shapes, not by memory."""
    path = write_problem(tmp_path / "p.npz", sizes=np.array([2, 10**6, 1]))
    with pytest.raises(FileFormatError, match=r"'teacher_1' must be finite numbers of shape \(1000000, 2\)"):
        load_problem(path, PARAMS)


@pytest.mark.parametrize("sizes", depth.SIZES)
def test_the_problem_files_weight_shapes_are_the_models(sizes):
    zero = ERROR_NEURONS.zero_state(PARAMS.replace(sizes=sizes, eta=()))
    assert depth_problems._weight_shapes(sizes) == {name: w.shape for name, w in zero.weights.items()}


def test_numpy_integers_are_integers_and_the_rest_refused():
    config = DepthConfig(sizes=((np.int64(4), 2, 1),), seeds=(np.int64(0), np.uint8(1)), epochs=np.int32(2))
    assert config == DepthConfig(sizes=((4, 2, 1),), seeds=(0, 1), epochs=2)
    assert depth._fingerprint(config) == depth._fingerprint(DepthConfig(sizes=((4, 2, 1),), seeds=(0, 1), epochs=2))
    assert type(config.seeds[0]) is int and type(config.sizes[0][0]) is int and type(config.epochs) is int
    for fields, message in [
        ({"seeds": (0.0,)}, r"seeds must be integers >= 0, got \(0\.0,\)"),
        ({"seeds": (True,)}, "seeds must be integers >= 0"),
        ({"sizes": ((4.0, 2, 1),)}, "sizes: each must have 2 to 6 layers"),
        ({"epochs": 2.0}, r"^epochs must be an integer >= 1, got 2\.0$"),
    ]:
        with pytest.raises(ParameterError, match=message):
            DepthConfig(**fields)
