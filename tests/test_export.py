"""Tests for brian_dendrites.export: NPZ and NWB round trips, nwbinspector, overwrite and input checks."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import h5py
import numpy as np
import pytest
from nwbinspector import Importance, inspect_nwbfile

from brian_dendrites.export import (
    DEFAULT_SESSION_START_TIME,
    export_recording,
    read_npz,
    read_nwb,
    write_npz,
    write_nwb,
)
from brian_dendrites.recording import Epoch, Recording, Trace

N_SAMPLES = 300
RATE = 10_000.0
WRITERS = {"npz": write_npz, "nwb": write_nwb}
READERS = {"npz": read_npz, "nwb": read_nwb}


@pytest.fixture
def recording() -> Recording:
    """Layer-1 pyramidal soma and apical voltages and interneuron rates, random but seeded."""
    rng = np.random.default_rng(2018)
    traces = (
        Trace(
            "L1_pyr_soma",
            rng.normal(size=(N_SAMPLES, 4)),
            1,
            "pyramidal",
            "soma",
            "voltage",
            np.arange(4),
            description="somatic potential u",
        ),
        Trace("L1_pyr_apical", rng.normal(size=(N_SAMPLES, 4)), 1, "pyramidal", "apical", "voltage", np.arange(4)),
        Trace("L1_int_rate", rng.uniform(size=(N_SAMPLES, 3)), 1, "interneuron", "rate", "rate", [0, 2, 5]),
    )
    return Recording(
        sampling_rate=RATE,
        traces=traces,
        start_time=0.25,
        description="synthetic test recording",
        metadata={"seed": 2018, "dt": 1e-4, "layer_sizes": [4, 3], "model": {"name": "sacramento2018"}},
    )


def assert_same_recording(actual: Recording, expected: Recording) -> None:
    assert actual.sampling_rate == expected.sampling_rate
    assert actual.start_time == expected.start_time
    assert actual.description == expected.description
    assert actual.metadata == expected.metadata
    assert actual.epochs == expected.epochs
    if expected.timestamps is None:
        assert actual.timestamps is None
    else:
        assert actual.timestamps.tobytes() == expected.timestamps.tobytes()
    assert [t.name for t in actual.traces] == [t.name for t in expected.traces]
    for got, want in zip(actual.traces, expected.traces, strict=True):
        assert got.values.dtype == np.float64
        assert got.values.shape == want.values.shape
        assert got.values.tobytes() == want.values.tobytes(), got.name  # bit-exact
        assert got.neuron_ids.tolist() == want.neuron_ids.tolist()
        for label in ("layer", "population", "compartment", "quantity", "unit", "description"):
            assert getattr(got, label) == getattr(want, label), (got.name, label)


@pytest.mark.parametrize("fmt", ["npz", "nwb"])
def test_round_trip(recording: Recording, tmp_path: Path, fmt: str) -> None:
    path = WRITERS[fmt](recording, tmp_path / f"run.{fmt}")
    assert path == tmp_path / f"run.{fmt}"
    assert_same_recording(READERS[fmt](path), recording)


@pytest.mark.parametrize("fmt", ["npz", "nwb"])
def test_round_trip_awkward_values(tmp_path: Path, fmt: str) -> None:
    # A rate that is not exact in float32, a single neuron and no descriptions or metadata.
    trace = Trace("x", np.array([[1e-300], [-0.0], [np.pi]]), 2, "input", "rate", "rate", [7])
    rec = Recording(sampling_rate=1 / 3e-4, traces=(trace,), start_time=-1.5)
    assert_same_recording(READERS[fmt](WRITERS[fmt](rec, tmp_path / f"x.{fmt}")), rec)


@pytest.mark.parametrize("fmt", ["npz", "nwb"])
def test_round_trip_with_timestamps_and_epochs(recording: Recording, tmp_path: Path, fmt: str) -> None:
    # Two phases sampled differently on one clock, as the fig1 export holds them.
    times = np.concatenate([0.099 + 0.1 * np.arange(100), 10 + np.arange(N_SAMPLES - 100) / 1000])
    epochs = (Epoch("self_prediction", 0, 10, "once per pattern"), Epoch("learning", 10, 10.2, "every 1 ms"))
    rec = dataclasses.replace(recording, sampling_rate=None, start_time=0.0, timestamps=times, epochs=epochs)
    back = READERS[fmt](WRITERS[fmt](rec, tmp_path / f"run.{fmt}"))
    assert_same_recording(back, rec)
    learning = back.epoch("learning")
    assert learning.n_samples == N_SAMPLES - 100 and learning.epochs == epochs[1:]
    np.testing.assert_array_equal(learning["L1_pyr_soma"].values, recording["L1_pyr_soma"].values[100:])
    np.testing.assert_array_equal(back.epoch("self_prediction").times, times[:100])


def test_epochs_of_regular_recordings_and_bad_clocks(recording: Recording) -> None:
    rec = dataclasses.replace(recording, epochs=(Epoch("late", 0.26, 1.0),))
    late = rec.epoch("late")  # samples at 0.25 + k / 10 kHz from 0.26 s on
    assert late.sampling_rate == RATE and late.start_time == pytest.approx(0.26)
    assert late.n_samples == N_SAMPLES - 100
    with pytest.raises(KeyError, match=r"no epoch named 'early'; have \['late'\]"):
        rec.epoch("early")
    with pytest.raises(ValueError, match="either a sampling_rate or timestamps"):
        dataclasses.replace(recording, timestamps=np.arange(N_SAMPLES) / RATE)
    with pytest.raises(ValueError, match="finite, increasing"):
        dataclasses.replace(recording, sampling_rate=None, start_time=0.0, timestamps=np.zeros(N_SAMPLES))
    with pytest.raises(ValueError, match="start_time < stop_time"):
        Epoch("x", 1.0, 1.0)
    with pytest.raises(ValueError, match="epoch names must be unique"):
        dataclasses.replace(recording, epochs=(Epoch("x", 0, 1), Epoch("x", 1, 2)))


def test_npz_format_1_still_reads(recording: Recording, tmp_path: Path) -> None:
    """Files written before timestamps and epochs (format 1) read as the regular recording they hold."""
    path = write_npz(recording, tmp_path / "run.npz")
    with np.load(path) as npz:
        old = {k: npz[k] for k in npz.files if not k.startswith("epoch_")} | {"format_version": np.array(1)}
    np.savez(tmp_path / "old.npz", **old)
    assert_same_recording(read_npz(tmp_path / "old.npz"), recording)


def test_npz_holds_no_pickles(recording: Recording, tmp_path: Path) -> None:
    path = write_npz(recording, tmp_path / "run.npz")
    with np.load(path, allow_pickle=False) as npz:
        assert all(npz[key].dtype != object for key in npz.files)
        assert npz["names"].tolist() == ["L1_pyr_soma", "L1_pyr_apical", "L1_int_rate"]


def test_nwb_layout(recording: Recording, tmp_path: Path) -> None:
    from pynwb import NWBHDF5IO, TimeSeries

    path = write_nwb(recording, tmp_path / "run.nwb")
    with NWBHDF5IO(str(path), mode="r") as io:
        nwbfile = io.read()
        assert nwbfile.session_start_time == DEFAULT_SESSION_START_TIME
        module = nwbfile.processing["microcircuit"]
        for trace in recording.traces:
            series = module[trace.name]
            assert type(series) is TimeSeries
            assert series.data.shape == (N_SAMPLES, trace.values.shape[1])  # time first
            assert series.rate == RATE
            assert series.starting_time == 0.25
            assert series.unit == "dimensionless"
            for label in (f"Layer {trace.layer}", trace.population, trace.compartment, trace.quantity):
                assert label in series.description
        neurons = module["neurons"]
        columns = ("trace", "column", "neuron_id", "layer", "population")
        rows = list(zip(*(neurons[c].data[:] for c in columns), strict=True))
        assert len(rows) == 4 + 4 + 3
        assert ("L1_int_rate", 2, 5, 1, "interneuron") in rows
        assert ("L1_pyr_apical", 3, 3, 1, "pyramidal") in rows
        assert list(module["traces"]["compartment"].data[:]) == ["soma", "apical", "rate"]


def test_nwb_content_is_deterministic(recording: Recording, tmp_path: Path) -> None:
    def content(path: Path) -> dict:
        """Every dataset and attribute of the HDF5 file, except NWB's random object ids."""
        found = {}

        def visit(name: str, obj: h5py.HLObject) -> None:
            for key, value in obj.attrs.items():
                if key != "object_id" and not isinstance(value, h5py.Reference):
                    found[f"{name}@{key}"] = repr(value)
            if isinstance(obj, h5py.Dataset) and h5py.check_dtype(ref=obj.dtype) is None:
                found[name] = repr(obj[()])

        with h5py.File(path, "r") as f:
            visit("/", f)
            f.visititems(visit)
        return found

    first = content(write_nwb(recording, tmp_path / "a.nwb"))
    second = content(write_nwb(recording, tmp_path / "b.nwb"))
    assert first == second
    assert first["identifier"] == second["identifier"]
    assert "file_create_date" in first and "processing/microcircuit/L1_pyr_soma/data" in first

    changed = dataclasses.replace(recording, metadata={"seed": 1})
    assert content(write_nwb(changed, tmp_path / "c.nwb"))["identifier"] != first["identifier"]


def test_nwbinspector_finds_nothing_critical(recording: Recording, tmp_path: Path) -> None:
    path = write_nwb(recording, tmp_path / "run.nwb")
    messages = list(inspect_nwbfile(nwbfile_path=path))
    serious = {Importance.ERROR, Importance.PYNWB_VALIDATION, Importance.CRITICAL}
    assert [m for m in messages if m.importance in serious] == []


def test_nwbinspector_check_can_fail(recording: Recording, tmp_path: Path) -> None:
    # The same check does flag a CRITICAL problem: a session start in the future.
    path = write_nwb(recording, tmp_path / "future.nwb", session_start_time=datetime(2999, 1, 1, tzinfo=UTC))
    messages = list(inspect_nwbfile(nwbfile_path=path))
    assert any(m.importance == Importance.CRITICAL for m in messages)


@pytest.mark.parametrize("fmt", ["npz", "nwb"])
def test_no_silent_overwrite(recording: Recording, tmp_path: Path, fmt: str) -> None:
    path = WRITERS[fmt](recording, tmp_path / f"run.{fmt}")
    before = path.read_bytes()
    other = dataclasses.replace(recording, description="a different run")

    with pytest.raises(FileExistsError, match=r"run\.\w+ already exists; pass overwrite=True to replace"):
        WRITERS[fmt](other, path)
    assert path.read_bytes() == before

    WRITERS[fmt](other, path, overwrite=True)
    assert READERS[fmt](path).description == "a different run"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left behind


@pytest.mark.parametrize("fmt", ["npz", "nwb"])
def test_failed_write_keeps_old_file(recording: Recording, tmp_path: Path, fmt: str, monkeypatch) -> None:
    path = WRITERS[fmt](recording, tmp_path / f"run.{fmt}")
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise RuntimeError("interrupted")

    if fmt == "npz":
        monkeypatch.setattr(np, "savez_compressed", fail)
    else:
        from pynwb import NWBHDF5IO

        monkeypatch.setattr(NWBHDF5IO, "write", fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        WRITERS[fmt](recording, path, overwrite=True)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_export_recording(recording: Recording, tmp_path: Path) -> None:
    paths = export_recording(recording, tmp_path / "run")
    assert paths == [tmp_path / "run.nwb", tmp_path / "run.npz"]
    assert_same_recording(read_nwb(paths[0]), recording)
    assert_same_recording(read_npz(paths[1]), recording)

    (tmp_path / "run.npz").unlink()
    (tmp_path / "other.npz").write_bytes(b"keep")
    with pytest.raises(FileExistsError, match="other.npz"):
        export_recording(recording, tmp_path / "other")
    assert not (tmp_path / "other.nwb").exists()  # refused before writing anything
    assert (tmp_path / "other.npz").read_bytes() == b"keep"

    with pytest.raises(ValueError, match="unknown export format"):
        export_recording(recording, tmp_path / "x", formats=("csv",))


@pytest.mark.parametrize("fmt", ["npz", "nwb"])
def test_bad_input(recording: Recording, tmp_path: Path, fmt: str) -> None:
    write = WRITERS[fmt]
    with pytest.raises(ValueError, match="no traces"):
        write(Recording(sampling_rate=RATE, traces=()), tmp_path / f"empty.{fmt}")

    values = recording["L1_pyr_apical"].values.copy()
    values[10, 2] = np.nan
    bad = dataclasses.replace(recording["L1_pyr_apical"], values=values)
    with pytest.raises(ValueError, match=r"trace 'L1_pyr_apical' has 1 non-finite"):
        write(dataclasses.replace(recording, traces=(recording.traces[0], bad)), tmp_path / f"nan.{fmt}")

    inf = dataclasses.replace(bad, values=np.full((N_SAMPLES, 1), np.inf), neuron_ids=[0])
    with pytest.raises(ValueError, match=r"trace 'L1_pyr_apical' has 300 non-finite"):
        write(dataclasses.replace(recording, traces=(inf,)), tmp_path / f"inf.{fmt}")

    no_neurons = dataclasses.replace(bad, values=np.zeros((N_SAMPLES, 0)), neuron_ids=[])
    with pytest.raises(ValueError, match=r"trace 'L1_pyr_apical' is empty"):
        write(dataclasses.replace(recording, traces=(no_neurons,)), tmp_path / f"none.{fmt}")

    with pytest.raises(ValueError, match="JSON"):
        write(dataclasses.replace(recording, metadata={"f": print}), tmp_path / f"meta.{fmt}")
    assert list(tmp_path.iterdir()) == []


def test_nwb_rejects_naive_start_time(recording: Recording, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        write_nwb(recording, tmp_path / "run.nwb", session_start_time=datetime(2020, 1, 1))
    assert not (tmp_path / "run.nwb").exists()
