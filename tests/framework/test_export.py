"""Tests for brian_dendrites.export: NPZ and NWB round trips, spikes, nwbinspector, overwrite and input checks."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import h5py
import numpy as np
import pytest
from nwbinspector import Importance, inspect_nwbfile

from brian_dendrites.errors import FileFormatError, OutputError, ParameterError
from brian_dendrites.export import (
    DEFAULT_NWB_MODULE,
    DEFAULT_SESSION_DESCRIPTION,
    DEFAULT_SESSION_START_TIME,
    export_recording,
    read_npz,
    read_nwb,
    write_npz,
    write_nwb,
)
from brian_dendrites.recording import Epoch, Recording, Spikes, Trace

N_SAMPLES = 300
RATE = 10_000.0
WRITERS = {"npz": write_npz, "nwb": write_nwb}
READERS = {"npz": read_npz, "nwb": read_nwb}
# An opponent input (units 'input_0[i] ON', then 'OFF') where a count of k in one step is k equal times, and
# pyramidal neurons of which the second never spikes; in time order, equal times by unit, as read_nwb orders them.
SPIKES = (
    Spikes(
        "input_0",
        [0.2501, 0.2501, 0.2501, 0.2612, 0.2612, 0.2755],
        [0, 0, 3, 1, 2, 0],
        [f"input_0[{i}] {side}" for side in ("ON", "OFF") for i in range(2)],
        0,
        "input",
        description="spikes of input_0: a count of k in one step gives k spikes at that step's time",
    ),
    Spikes(
        "pyramidal_1", [0.2503, 0.2611, 0.2611, 0.2799], [2, 0, 2, 0], [f"pyramidal_1[{i}]" for i in range(3)], 1, "pyr"
    ),
)
# The nwbinspector suggestions that the file cannot act on: who ran it, where, and the module name (the model's).
UNFIXABLE = {"check_experimenter_exists", "check_institution", "check_processing_module_name"}


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
    assert [s.name for s in actual.spikes] == [s.name for s in expected.spikes]
    for got, want in zip(actual.spikes, expected.spikes, strict=True):
        assert got.times.dtype == np.float64 and got.units.dtype == np.int64
        assert got.times.tobytes() == want.times.tobytes(), got.name  # bit-exact
        assert got.units.tolist() == want.units.tolist(), got.name
        for label in ("unit_names", "layer", "population", "description"):
            assert getattr(got, label) == getattr(want, label), (got.name, label)
            assert type(getattr(got, label)) is type(getattr(want, label)), (got.name, label)


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


def test_spikes_round_trip_and_pass_nwbinspector(recording: Recording, tmp_path: Path) -> None:
    from pynwb import NWBHDF5IO

    epochs = (Epoch("early", 0.25, 0.26), Epoch("late", 0.26, 0.28))  # two: nwbinspector questions a single row
    rec = dataclasses.replace(recording, epochs=epochs, spikes=SPIKES)
    nwb, npz = export_recording(rec, tmp_path / "run", spike_resolution=1e-4)
    for back in (read_nwb(nwb), read_npz(npz)):
        assert_same_recording(back, rec)
        late = back.epoch("late")
        assert late.spike_train("input_0").times.tolist() == [0.2612, 0.2612, 0.2755]
        assert late.spike_train("input_0").units.tolist() == [1, 2, 0]
        assert late.spike_train("pyramidal_1").units.tolist() == [0, 2, 0]

    messages = list(inspect_nwbfile(nwbfile_path=nwb))
    assert {m.check_function_name for m in messages} <= UNFIXABLE, [m.message for m in messages]
    with NWBHDF5IO(str(nwb), mode="r") as io:
        units = io.read().units
        assert units.resolution == 1e-4
        assert list(units["unit_name"][:]) == [*SPIKES[0].unit_names, *SPIKES[1].unit_names]
        assert list(units["group"][:]) == ["input_0"] * 4 + ["pyramidal_1"] * 3
        assert list(units["layer"][:]) == [0] * 4 + [1] * 3
        assert list(units["population"][:]) == ["input"] * 4 + ["pyr"] * 3
        assert units["group_description"][0] == SPIKES[0].description
        assert list(units["spike_times"][0]) == [0.2501, 0.2501, 0.2755]  # 'input_0[0] ON'
        assert list(units["spike_times"][5]) == []  # 'pyramidal_1[1]' is in the table without spikes


def test_nwb_orders_simultaneous_spikes_by_unit(tmp_path: Path) -> None:
    # Simultaneous spikes in another order than by unit (an OFF unit before an ON unit, as the simulator
    # may give them): NPZ keeps the order, NWB returns the same spikes of each unit, equal times by unit.
    spikes = dataclasses.replace(SPIKES[0], times=[0.2501, 0.2501, 0.2612], units=[3, 0, 1])
    rec = Recording(RATE, (Trace("x", np.zeros((3, 1)), 0, "input", "rate", "rate", [0]),), spikes=(spikes,))
    assert read_npz(write_npz(rec, tmp_path / "run.npz")).spikes[0].units.tolist() == [3, 0, 1]
    back = read_nwb(write_nwb(rec, tmp_path / "run.nwb")).spikes[0]
    assert back.times.tolist() == spikes.times.tolist() and back.units.tolist() == [0, 3, 1]
    for unit in range(4):
        assert back.times[back.units == unit].tolist() == spikes.times[spikes.units == unit].tolist()


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


@pytest.mark.parametrize("version", [1, 2])
def test_npz_older_formats_still_read(recording: Recording, tmp_path: Path, version: int) -> None:
    """Files written before spikes (format 2) and before timestamps and epochs (format 1) read without them."""
    rec = dataclasses.replace(recording, epochs=(Epoch("all", 0, 1),) if version == 2 else (), spikes=SPIKES)
    path = write_npz(rec, tmp_path / "run.npz")
    newer = ("spike_",) if version == 2 else ("spike_", "epoch_")
    with np.load(path) as npz:
        old = {k: npz[k] for k in npz.files if not k.startswith(newer)} | {"format_version": np.array(version)}
    np.savez(tmp_path / "old.npz", **old)
    assert_same_recording(read_npz(tmp_path / "old.npz"), dataclasses.replace(rec, spikes=()))


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
        assert nwbfile.session_description == recording.description  # its metadata names no model: "network"
        module = nwbfile.processing[DEFAULT_NWB_MODULE]
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


@pytest.mark.parametrize("model", ["error_neurons", "microcircuit", None, {"name": "x"}, "a/b", ""])
def test_nwb_module_and_session_are_the_models(recording: Recording, tmp_path: Path, model) -> None:
    from pynwb import NWBHDF5IO

    text = "Simulation of the error-neuron microcircuit of Max et al. (2025)"
    metadata = {"seed": 3} if model is None else {"seed": 3, "model": model}
    run = dataclasses.replace(recording, description=text if model else "", metadata=metadata)
    path = write_nwb(run, tmp_path / "run.nwb")
    named = model if isinstance(model, str) and model and "/" not in model else None
    with NWBHDF5IO(str(path), mode="r") as io:
        nwbfile = io.read()
        assert list(nwbfile.processing) == [named or DEFAULT_NWB_MODULE]
        assert nwbfile.session_description == (text if model else DEFAULT_SESSION_DESCRIPTION)
        assert list(nwbfile.keywords[:]) == ["simulation", named or DEFAULT_NWB_MODULE, "Brian2", "brian_dendrites"]
    assert_same_recording(read_nwb(path), run)


def test_nwb_of_earlier_code_reads_back(recording: Recording, tmp_path: Path) -> None:
    # Before issue 25 every file's module was "microcircuit", whatever its metadata said.
    path = write_nwb(recording, tmp_path / "run.nwb")
    with h5py.File(path, "r+") as f:
        f.move(f"processing/{DEFAULT_NWB_MODULE}", "processing/microcircuit")
    assert_same_recording(read_nwb(path), recording)  # and its fingerprint checks
    with h5py.File(path, "r+") as f:
        del f["processing/microcircuit/traces"]
    with pytest.raises(FileFormatError, match="expected one processing module with a 'traces' table, found 0"):
        read_nwb(path)


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
    assert "file_create_date" in first and "processing/network/L1_pyr_soma/data" in first

    changed = dataclasses.replace(recording, metadata={"seed": 1})
    assert content(write_nwb(changed, tmp_path / "c.nwb"))["identifier"] != first["identifier"]
    spiking = content(write_nwb(dataclasses.replace(recording, spikes=SPIKES), tmp_path / "d.nwb"))
    assert spiking["identifier"] != first["identifier"]
    later = dataclasses.replace(SPIKES[1], times=SPIKES[1].times + 1e-4)
    respiking = dataclasses.replace(recording, spikes=(SPIKES[0], later))
    assert content(write_nwb(respiking, tmp_path / "e.nwb"))["identifier"] != spiking["identifier"]


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

    silent = Spikes("pyramidal_1", [], [], [], 1, "pyramidal")
    with pytest.raises(ValueError, match="spikes 'pyramidal_1' have no units"):
        write(dataclasses.replace(recording, spikes=(silent,)), tmp_path / f"silent.{fmt}")
    assert list(tmp_path.iterdir()) == []


def test_nwb_rejects_naive_start_time_and_bad_resolution(recording: Recording, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        write_nwb(recording, tmp_path / "run.nwb", session_start_time=datetime(2020, 1, 1))
    for resolution in (0.0, -1e-4, np.nan):
        with pytest.raises(ValueError, match="spike_resolution must be a positive number"):
            write_nwb(recording, tmp_path / "run.nwb", spike_resolution=resolution)
    assert not (tmp_path / "run.nwb").exists()


def _damaged(path: Path, damage: str) -> Path:
    """``path`` truncated, zeroed or with one bit flipped in its header or in its middle, as a new file."""
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "zeroed":
        data = bytearray(len(data))
    else:
        data[{"header_flip": 1, "middle_flip": len(data) // 2}[damage]] ^= 0x04
    bad = path.with_name(f"{damage}{path.suffix}")
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize(
    ("fmt", "damage"),
    # A flip in the middle of an NWB file lands in what read_nwb does not read; see the data flips below.
    [(fmt, damage) for fmt in ("npz", "nwb") for damage in ("truncated", "zeroed", "header_flip")]
    + [("npz", "middle_flip")],
)
def test_damaged_file_is_refused_naming_it(recording: Recording, tmp_path: Path, fmt: str, damage: str) -> None:
    rec = dataclasses.replace(recording, spikes=SPIKES, epochs=(Epoch("all", 0.25, 0.28),))
    bad = _damaged(WRITERS[fmt](rec, tmp_path / f"run.{fmt}"), damage)
    with pytest.raises(FileFormatError, match=rf"{bad.name}: not a readable recording \({fmt.upper()}\)"):
        READERS[fmt](bad)


@pytest.mark.parametrize(
    "content",
    [
        {"format_version": np.array(3)},  # no labels or traces
        {"format_version": np.array("three")},
        {"names": np.array([{"pickled": True}], dtype=object)},
    ],
    ids=["missing_arrays", "bad_version", "pickle"],
)
def test_npz_that_is_no_recording_is_refused_naming_it(tmp_path: Path, content: dict) -> None:
    np.savez(tmp_path / "other.npz", **content)
    with pytest.raises(FileFormatError, match=r"other\.npz: not a (readable )?recording"):
        read_npz(tmp_path / "other.npz")
    (tmp_path / "text.npz").write_text("not an archive")
    with pytest.raises(FileFormatError, match=r"text\.npz: not a readable recording \(NPZ\)"):
        read_npz(tmp_path / "text.npz")
    with pytest.raises(FileNotFoundError):
        read_npz(tmp_path / "missing.npz")


def _data_offset(path: Path, dataset: str) -> int:
    """Byte offset in the HDF5 file of the (first chunk of the) data of ``dataset``."""
    with h5py.File(path, "r") as f:
        ds = f[dataset].id
        return ds.get_offset() if ds.get_offset() is not None else ds.get_chunk_info(0).byte_offset


@pytest.mark.parametrize(
    "dataset",
    [
        "processing/network/neurons/neuron_id",  # uncompressed: HDF5 reads a flip in it without an error
        "processing/network/L1_pyr_soma/starting_time",
        "processing/network/L1_pyr_soma/data",  # gzip
        "units/spike_times",
    ],
)
def test_nwb_data_bit_flip_is_refused(recording: Recording, tmp_path: Path, dataset: str) -> None:
    path = write_nwb(dataclasses.replace(recording, spikes=SPIKES), tmp_path / "run.nwb")
    data = bytearray(path.read_bytes())
    data[_data_offset(path, dataset) + 1] ^= 0x04
    (tmp_path / "flipped.nwb").write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"flipped\.nwb: (damaged: its content does not match|not a readable)"):
        read_nwb(tmp_path / "flipped.nwb")


def test_nwb_fingerprint_check(recording: Recording, tmp_path: Path) -> None:
    """verify=False reads a damaged file anyway; a file with the user's identifier is not checked."""
    for identifier in (None, "my-run"):
        path = write_nwb(recording, tmp_path / f"{identifier}.nwb", identifier=identifier)
        data = bytearray(path.read_bytes())
        data[_data_offset(path, "processing/network/neurons/neuron_id")] ^= 0x04  # neuron 0 becomes 4
        path.write_bytes(bytes(data))
        if identifier is None:
            with pytest.raises(FileFormatError, match="does not match the fingerprint"):
                read_nwb(path)
        back = read_nwb(path, verify=False) if identifier is None else read_nwb(path)
        assert back["L1_pyr_soma"].neuron_ids.tolist() == [4, 1, 2, 3]
    with pytest.raises(FileNotFoundError):
        read_nwb(tmp_path / "missing.nwb")


def test_nwb_fingerprint_of_earlier_code_with_simultaneous_spikes_is_explained(tmp_path: Path) -> None:
    """Earlier code fingerprinted simultaneous spikes in the order given ([3, 0, 1] here), which the file
    does not keep: such a file cannot be checked, and the refusal says so; one without such spikes not."""
    spikes = dataclasses.replace(SPIKES[0], times=[0.2501, 0.2501, 0.2612], units=[3, 0, 1])
    rec = Recording(RATE, (Trace("x", np.zeros((3, 1)), 0, "input", "rate", "rate", [0]),), spikes=(spikes,))
    earlier = "brian_dendrites-" + "0" * 32  # not the fingerprint of the order the file keeps
    path = write_nwb(rec, tmp_path / "ties.nwb", identifier=earlier)
    with pytest.raises(
        FileFormatError,
        match=r"ties\.nwb: damaged: .*; or, as it holds simultaneous spikes of "
        r"several units, it was written by an earlier brian_dendrites .*verify=False",
    ):
        read_nwb(path)
    assert read_nwb(path, verify=False).spikes[0].units.tolist() == [0, 3, 1]
    alone = dataclasses.replace(spikes, times=[0.2501, 0.2502, 0.2612])
    path = write_nwb(dataclasses.replace(rec, spikes=(alone,)), tmp_path / "alone.nwb", identifier=earlier)
    with pytest.raises(FileFormatError, match=r"alone\.nwb: damaged: .*identifier '[^']*' \(read_nwb"):
        read_nwb(path)


@pytest.mark.parametrize("blocker", ["file", "/dev/null"])
def test_export_into_a_file_says_it_is_no_folder(recording: Recording, tmp_path: Path, blocker: str) -> None:
    if blocker == "file":
        blocker = tmp_path / "file"
        blocker.write_text("x")
    elif not Path(blocker).exists():
        pytest.skip("no /dev/null")
    message = rf"output folder {blocker} cannot be created: {blocker} is a file, not a folder"
    with pytest.raises(OutputError, match=message):
        export_recording(recording, Path(blocker) / "t")  # not "File exists: '/dev/null'"
    for fmt in ("npz", "nwb"):
        with pytest.raises(OutputError, match=f"{blocker} is a file, not a folder"):
            WRITERS[fmt](recording, Path(blocker) / "out" / f"run.{fmt}")
    with pytest.raises(ParameterError, match=r"unknown export format\(s\) \['neo'\].*Recording\.to_neo\(\)"):
        export_recording(recording, tmp_path / "run", formats=("nwb", "neo"))
