"""Write a :class:`~brian_dendrites.recording.Recording` to NPZ or NWB and read it back; give it to Neo.

Both formats keep everything needed to rebuild the Recording exactly: float64
values, trace labels, units, neuron ids, sampling rate, start time, epochs,
spikes, description and metadata (stored as JSON, so it comes back as plain
JSON types). NWB keeps each unit's spike times and :func:`read_nwb` puts the
spikes of a train in time order, equal times in the order of their units: the
order of simultaneous spikes of different units is the one thing it does not
keep (NPZ does).

Writers never overwrite an existing file unless ``overwrite=True`` and write
atomically: the file is built under a temporary name in the target directory
and moved into place with :func:`os.replace`, so an interrupted export never
leaves a half-written file under the final name. Readers refuse a damaged file with a FileFormatError
naming it; :func:`read_nwb` checks the content against the fingerprint in the file's identifier, as HDF5
keeps no checksums (NPZ members have CRCs).

:func:`to_neo` (also ``Recording.to_neo()``) gives the recording as a ``neo.Block`` in memory, for
Elephant and the rest of the Neo ecosystem; the files stay NWB and NPZ.

NWB layout (written by :func:`write_nwb`)::

    /processing/<model>/                 ProcessingModule named by Recording.metadata["model"] when that is a
                                         name (the model that ran, e.g. "microcircuit"), else "network"
        <trace name>                     TimeSeries, data (n_samples, n_neurons), unit, and either rate and
                                         starting_time or timestamps (the first series holds them, the
                                         others link to them)
        traces                           DynamicTable, one row per trace:
                                         trace_name, layer, population, compartment, quantity, trace_description
        neurons                          DynamicTable, one row per data column:
                                         trace, column, neuron_id, layer, population, compartment
    /intervals/epochs                    Recording.epochs: start_time, stop_time, tags (the name), epoch_description
    /units                               Recording.spikes: one row per unit of each spike train, in order, with
                                         spike_times (k equal times for k spikes in one step), unit_name,
                                         group (Spikes.name), layer, population, group_description; resolution
                                         is ``spike_resolution``
    /general/notes                       Recording.metadata as JSON
    /general/experiment_description      Recording.description (absent when empty)
    /session_description                 Recording.description, else DEFAULT_SESSION_DESCRIPTION
    /general/subject                     Subject marking the data as simulated (species: Mammalia)

pynwb and hdmf are imported inside the NWB functions, and neo inside :func:`to_neo`, so that
importing this module stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import FileFormatError, ParameterError
from .files import atomic_target, prepare_output
from .files import read_npz as read_arrays
from .recording import Epoch, Recording, Spikes, Trace

if TYPE_CHECKING:
    import neo
    import quantities as pq
    from hdmf.common import DynamicTable
    from pynwb import NWBFile, ProcessingModule
    from pynwb.misc import Units

__all__ = [
    "DEFAULT_NWB_MODULE",
    "DEFAULT_SESSION_DESCRIPTION",
    "DEFAULT_SESSION_START_TIME",
    "SUBJECT_SPECIES",
    "export_recording",
    "read_npz",
    "read_nwb",
    "to_neo",
    "write_npz",
    "write_nwb",
]

#: The NWB processing module of a recording whose metadata names no model (``metadata["model"]``).
DEFAULT_NWB_MODULE = "network"
#: The NWB session description of a recording without a description.
DEFAULT_SESSION_DESCRIPTION = "Simulation of a network model with brian_dendrites"
# A simulation has no wall-clock start; a fixed one makes the same run write the same content.
DEFAULT_SESSION_START_TIME = datetime(2018, 1, 1, tzinfo=UTC)

# Version 2 added timestamps and epochs, version 3 spikes; files of versions 1 and 2 still read.
_NPZ_FORMAT_VERSION = 3
# The model is of mammalian neocortex and no particular species: the NCBI taxon of the class.
SUBJECT_SPECIES = "http://purl.obolibrary.org/obo/NCBITaxon_40674"
_FINGERPRINT_PREFIX = "brian_dendrites-"
# A unit for Neo: names or numbers with small integer powers, joined by * and /, e.g. 'mV', '1/s', 'm**2/s'.
_FACTOR = r"(?:[A-Za-z_]\w*|\d+(?:\.\d*)?)(?:\s*(?:\*\*|\^)\s*-?\d{1,2})?"
_UNIT = re.compile(rf"(?:\s*{_FACTOR}(?:\s*[*/]\s*{_FACTOR})*)?\s*")
_TRACE_TABLE = "traces"
_NEURON_TABLE = "neurons"
#: The columns of the NWB Units table besides spike_times, with their descriptions.
_UNIT_COLUMNS = {
    "unit_name": "name of the unit: a neuron, e.g. 'pyramidal_1[3]', or a unit the model names, e.g. 'input_0[3] ON'",
    "group": "name of the unit's spike train, the population's group (Recording.spike_train)",
    "layer": "layer index",
    "population": "neuron population",
    "group_description": "free-text description of the spike train",
}


def write_npz(recording: Recording, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``recording`` to one compressed NPZ file at ``path`` and return the path.

    Holds ``values_<i>`` and ``neuron_ids_<i>`` for the i-th trace, per-trace label
    arrays, the sampling rate (NaN with timestamps), start time, ``timestamps`` (only when
    given), the epochs' names, times and descriptions, ``spike_times_<j>``, ``spike_units_<j>``
    and ``spike_unit_names_<j>`` for the j-th spike train with its labels in ``spike_names``,
    ``spike_layers``, ``spike_populations`` and ``spike_descriptions``, the description and
    ``metadata_json``. Nothing is pickled. Raises FileExistsError if ``path`` exists and
    ``overwrite`` is False, ValueError if the recording has no traces, a trace has no samples,
    no neurons or non-finite values, a spike train has no units, or the metadata cannot be
    written as JSON.

    Parameters
    ----------
    recording : Recording
        The traces to write: at least one, none empty, all finite.
    path : str or os.PathLike
        The file to write (its folder is created if needed).
    overwrite : bool, optional
        Replace an existing file at ``path``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False (a FileExistsError).
    ParameterError
        If the recording cannot be exported (a ValueError, see above).
    """
    metadata_json = _validate(recording)
    traces = recording.traces
    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(_NPZ_FORMAT_VERSION),
        "sampling_rate": np.array(np.nan if recording.sampling_rate is None else recording.sampling_rate),
        "start_time": np.array(recording.start_time, dtype=np.float64),
        "description": np.array(recording.description),
        "metadata_json": np.array(metadata_json),
        "names": np.array([t.name for t in traces]),
        "layers": np.array([t.layer for t in traces], dtype=np.int64),
        "populations": np.array([t.population for t in traces]),
        "compartments": np.array([t.compartment for t in traces]),
        "quantities": np.array([t.quantity for t in traces]),
        "units": np.array([t.unit for t in traces]),
        "descriptions": np.array([t.description for t in traces]),
        "epoch_names": np.array([e.name for e in recording.epochs], dtype=str),
        "epoch_times": np.array([(e.start_time, e.stop_time) for e in recording.epochs]).reshape(-1, 2),
        "epoch_descriptions": np.array([e.description for e in recording.epochs], dtype=str),
        "spike_names": np.array([s.name for s in recording.spikes], dtype=str),
        "spike_layers": np.array([s.layer for s in recording.spikes], dtype=np.int64),
        "spike_populations": np.array([s.population for s in recording.spikes], dtype=str),
        "spike_descriptions": np.array([s.description for s in recording.spikes], dtype=str),
    }
    if recording.timestamps is not None:
        arrays["timestamps"] = recording.timestamps
    for i, trace in enumerate(traces):
        arrays[f"values_{i}"] = trace.values
        arrays[f"neuron_ids_{i}"] = trace.neuron_ids
    for j, spikes in enumerate(recording.spikes):
        arrays[f"spike_times_{j}"] = spikes.times
        arrays[f"spike_units_{j}"] = spikes.units
        arrays[f"spike_unit_names_{j}"] = np.array(spikes.unit_names, dtype=str)
    with atomic_target(path, overwrite) as tmp, open(tmp, "wb") as f:
        # A file object, because savez would append ".npz" to a temporary name.
        np.savez_compressed(f, **arrays)
    return Path(path)


def read_npz(path: str | os.PathLike) -> Recording:
    """Read a Recording written by :func:`write_npz`.

    Parameters
    ----------
    path : str or os.PathLike
        The NPZ file.

    Returns
    -------
    Recording
        The recording as written, metadata as plain JSON types.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    FileFormatError
        If the file is not a whole NPZ archive (truncated, damaged: its members' CRCs are checked), holds
        pickles, lacks an array or holds arrays that make no recording, or has an NPZ format version this
        package does not know (it reads 1 to 3); the message names the file.
    """
    npz = read_arrays(path, "recording")
    try:
        version = int(npz["format_version"])
        if version not in range(1, _NPZ_FORMAT_VERSION + 1):
            raise FileFormatError(
                f"{path}: unsupported NPZ format version {version}, expected 1 to {_NPZ_FORMAT_VERSION}"
            )
        keys = ("names", "layers", "populations", "compartments", "quantities", "units", "descriptions")
        labels = {key: npz[key].tolist() for key in keys}  # plain str and int
        traces = tuple(
            Trace(
                name=name,
                values=npz[f"values_{i}"],
                layer=labels["layers"][i],
                population=labels["populations"][i],
                compartment=labels["compartments"][i],
                quantity=labels["quantities"][i],
                neuron_ids=npz[f"neuron_ids_{i}"],
                unit=labels["units"][i],
                description=labels["descriptions"][i],
            )
            for i, name in enumerate(labels["names"])
        )
        timestamps = npz.get("timestamps")
        epochs = ()
        if version >= 2:
            epochs = tuple(
                Epoch(str(name), *times, description=str(text))
                for name, times, text in zip(
                    npz["epoch_names"], npz["epoch_times"].tolist(), npz["epoch_descriptions"], strict=True
                )
            )
        spikes = ()
        if version >= 3:
            keys = ("spike_names", "spike_layers", "spike_populations", "spike_descriptions")
            spikes = tuple(
                Spikes(
                    name,
                    npz[f"spike_times_{j}"],
                    npz[f"spike_units_{j}"],
                    npz[f"spike_unit_names_{j}"].tolist(),
                    layer,
                    population,
                    description,
                )
                for j, (name, layer, population, description) in enumerate(
                    zip(*(npz[key].tolist() for key in keys), strict=True)
                )
            )
        return Recording(
            sampling_rate=None if timestamps is not None else float(npz["sampling_rate"]),
            traces=traces,
            start_time=float(npz["start_time"]),
            description=str(npz["description"]),
            metadata=json.loads(str(npz["metadata_json"])),
            timestamps=timestamps,
            epochs=epochs,
            spikes=spikes,
        )
    except FileFormatError:
        raise
    except KeyError as error:
        raise FileFormatError(f"{path}: not a recording written by write_npz: no array {error}") from error
    except (ValueError, TypeError, IndexError) as error:
        raise FileFormatError(f"{path}: not a readable recording (NPZ): {error}") from error


def write_nwb(
    recording: Recording,
    path: str | os.PathLike,
    *,
    overwrite: bool = False,
    session_description: str | None = None,
    identifier: str | None = None,
    session_start_time: datetime | None = None,
    spike_resolution: float | None = None,
) -> Path:
    """Write ``recording`` to an NWB file at ``path`` and return the path.

    Each trace becomes a TimeSeries in the processing module named by
    ``recording.metadata["model"]``, the model that ran, when that is a name (a
    non-empty str without "/"), else :data:`DEFAULT_NWB_MODULE`; and
    each unit of each spike train a row of the Units table (see the module
    docstring for the layout). ``identifier`` defaults to a hash of
    the recording's content and ``session_start_time`` (timezone-aware) to
    :data:`DEFAULT_SESSION_START_TIME`, so the same recording gives the same
    file content; only the UUIDs NWB gives each object differ between writes.
    Raises FileExistsError if ``path`` exists and ``overwrite`` is False and
    ValueError where :func:`write_npz` does, for a trace named "traces" or
    "neurons" (the label tables), for a naive ``session_start_time`` and for a
    ``spike_resolution`` that is not a positive number.

    Parameters
    ----------
    recording : Recording
        The traces to write: at least one, none empty, all finite, none named "traces" or "neurons".
    path : str or os.PathLike
        The file to write (its folder is created if needed).
    overwrite : bool, optional
        Replace an existing file at ``path``.
    session_description : str or None, optional
        The NWB file's session description; None: ``recording.description``, or
        :data:`DEFAULT_SESSION_DESCRIPTION` when that is empty.
    identifier : str or None, optional
        The NWB file's identifier; None: a hash of the recording's content.
    session_start_time : datetime.datetime or None, optional
        Timezone-aware start of the session; None: :data:`DEFAULT_SESSION_START_TIME`.
    spike_resolution : float or None, optional
        The time step of the spike times in seconds (the simulation's ``dt``), the Units table's
        resolution; None: unknown, which nwbinspector reports for a recording with spikes.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False (a FileExistsError).
    ParameterError
        If the recording cannot be exported, ``session_start_time`` is naive or ``spike_resolution``
        is not a positive number (a ValueError, see above).
    """
    from hdmf.backends.hdf5 import H5DataIO
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.file import Subject

    metadata_json = _validate(recording)
    for trace in recording.traces:
        if trace.name in (_TRACE_TABLE, _NEURON_TABLE):
            raise ParameterError(f"trace '{trace.name}': the name is reserved for a label table in the NWB file")
    model = _model_name(recording)
    start = DEFAULT_SESSION_START_TIME if session_start_time is None else session_start_time
    if start.tzinfo is None:
        raise ParameterError(f"session_start_time must be timezone-aware, got {start!r}")
    if spike_resolution is not None and not (np.isfinite(spike_resolution) and spike_resolution > 0):
        raise ParameterError(f"spike_resolution must be a positive number of seconds, got {spike_resolution}")

    nwbfile = NWBFile(
        session_description=session_description or recording.description or DEFAULT_SESSION_DESCRIPTION,
        identifier=identifier or _fingerprint(recording, metadata_json),
        session_start_time=start,
        file_create_date=start,  # not "now", so that repeated writes agree
        experiment_description=recording.description or None,
        notes=metadata_json,
        keywords=["simulation", model, "Brian2", "brian_dendrites"],
        # nwbinspector rates a missing subject as CRITICAL; say plainly that there is no animal.
        subject=Subject(
            subject_id="model",
            description="Simulated network model of mammalian neocortex, not an animal.",
            species=SUBJECT_SPECIES,
            sex="O",
            date_of_birth=start,
        ),
        units=_units(recording.spikes, spike_resolution) if recording.spikes else None,
    )
    if recording.epochs:
        nwbfile.add_epoch_column(name="epoch_description", description="what happens in the epoch")
    for epoch in recording.epochs:
        nwbfile.add_epoch(epoch.start_time, epoch.stop_time, tags=[epoch.name], epoch_description=epoch.description)
    module = nwbfile.create_processing_module(
        name=model,
        description=(
            "Traces of the simulated network, one TimeSeries per recorded variable; "
            f"'{_TRACE_TABLE}' labels each TimeSeries, '{_NEURON_TABLE}' maps each data column to a neuron."
        ),
    )
    clock = {"rate": recording.sampling_rate, "starting_time": float(recording.start_time)}
    if recording.timestamps is not None:
        clock = {"timestamps": H5DataIO(recording.timestamps, compression="gzip")}
    for trace in recording.traces:
        series = TimeSeries(
            name=trace.name,
            data=H5DataIO(trace.values, compression="gzip"),
            unit=trace.unit,
            description=_label(trace),
            **clock,
        )
        module.add(series)
        if recording.timestamps is not None:
            clock = {"timestamps": series}  # one copy of the times; the other series link to it
    traces = recording.traces
    trace_columns = {
        "trace_name": ("name of the TimeSeries", [t.name for t in traces]),
        "layer": ("layer index", [t.layer for t in traces]),
        "population": ("neuron population", [t.population for t in traces]),
        "compartment": ("compartment recorded", [t.compartment for t in traces]),
        "quantity": ("recorded quantity, 'voltage' or 'rate'", [t.quantity for t in traces]),
        "trace_description": ("free-text description of the trace", [t.description for t in traces]),
    }
    rows = [(t, col, int(nid)) for t in traces for col, nid in enumerate(t.neuron_ids)]
    neuron_columns = {
        "trace": ("name of the TimeSeries", [t.name for t, _, _ in rows]),
        "column": ("column of the TimeSeries data", [col for _, col, _ in rows]),
        "neuron_id": ("index of the neuron in its population", [nid for _, _, nid in rows]),
        "layer": ("layer index", [t.layer for t, _, _ in rows]),
        "population": ("neuron population", [t.population for t, _, _ in rows]),
        "compartment": ("compartment recorded", [t.compartment for t, _, _ in rows]),
    }
    module.add(_table(_TRACE_TABLE, "One row per TimeSeries of this module.", trace_columns))
    module.add(_table(_NEURON_TABLE, "One row per data column of each TimeSeries.", neuron_columns))
    with atomic_target(path, overwrite) as tmp, NWBHDF5IO(str(tmp), mode="w") as io:
        io.write(nwbfile)
    return Path(path)


def read_nwb(path: str | os.PathLike, *, verify: bool = True) -> Recording:
    """Read a Recording written by :func:`write_nwb`.

    HDF5 keeps no checksums: a file whose identifier is the default, the fingerprint of its content
    (:func:`write_nwb`), is checked against the content read back, so that damage that h5py reads
    without an error is refused too. A file with an identifier of the user's is not checked.

    Parameters
    ----------
    path : str or os.PathLike
        The NWB file.
    verify : bool, optional
        Check the content against the fingerprint in the file's identifier.

    Returns
    -------
    Recording
        The recording as written, metadata as plain JSON types.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    FileFormatError
        If the file is not a readable NWB file of a recording (truncated, damaged, of another layout) or,
        with ``verify``, its content does not match its fingerprint; the message names the file (and says
        when an earlier version may have written it: one with simultaneous spikes of several units, whose
        fingerprint of their order as given cannot be checked).
    """
    from hdmf.build.errors import BuildError, ConstructError

    try:
        recording, identifier, notes = _read_nwb(path)
    except FileNotFoundError:
        raise
    # h5py, hdmf and pynwb report a damaged file in many ways; they all mean that it cannot be read.
    except (
        OSError,
        RuntimeError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        BuildError,
        ConstructError,
    ) as error:
        raise FileFormatError(f"{path}: not a readable recording (NWB): {error}") from error
    if verify and identifier.startswith(_FINGERPRINT_PREFIX) and identifier != _fingerprint(recording, notes):
        # Earlier code fingerprinted simultaneous spikes of several units in the order given, which the file
        # does not keep: such a file cannot be checked, and is refused with the remedy.
        ties = any(np.any((np.diff(s.times) == 0) & (np.diff(s.units) != 0)) for s in recording.spikes)
        earlier = (
            "; or, as it holds simultaneous spikes of several units, it was written by an earlier brian_dendrites "
            "that fingerprinted them in an order the file does not keep"
            if ties
            else ""
        )
        raise FileFormatError(
            f"{path}: damaged: its content does not match the fingerprint in its identifier {identifier!r}{earlier} "
            "(read_nwb(..., verify=False) reads it anyway)"
        )
    return recording


def _read_nwb(path: str | os.PathLike) -> tuple[Recording, str, str]:
    """The Recording in the NWB file ``path``, the file's identifier and its notes (the metadata's JSON)."""
    from pynwb import NWBHDF5IO

    with NWBHDF5IO(str(path), mode="r") as io:
        nwbfile = io.read()
        module = _trace_module(nwbfile)
        labels = {col: list(module[_TRACE_TABLE][col].data[:]) for col in module[_TRACE_TABLE].colnames}
        neurons = {col: np.asarray(module[_NEURON_TABLE][col].data[:]) for col in ("trace", "column", "neuron_id")}
        traces = []
        for i, name in enumerate(labels["trace_name"]):
            series = module[name]
            rows = neurons["trace"] == name
            order = np.argsort(neurons["column"][rows])
            traces.append(
                Trace(
                    name=str(name),
                    values=np.asarray(series.data[:]),
                    layer=int(labels["layer"][i]),
                    population=str(labels["population"][i]),
                    compartment=str(labels["compartment"][i]),
                    quantity=str(labels["quantity"][i]),
                    neuron_ids=neurons["neuron_id"][rows][order],
                    unit=str(series.unit),
                    description=str(labels["trace_description"][i]),
                )
            )
        first = module[labels["trace_name"][0]]
        epochs = ()
        if nwbfile.epochs is not None:
            table = nwbfile.epochs
            epochs = tuple(
                Epoch(str(table["tags"][i][0]), table["start_time"][i], table["stop_time"][i], str(text))
                for i, text in enumerate(
                    table["epoch_description"][:] if "epoch_description" in table.colnames else [""] * len(table)
                )
            )
        regular = first.timestamps is None
        recording = Recording(
            sampling_rate=float(first.rate) if regular else None,
            traces=tuple(traces),
            start_time=float(first.starting_time) if regular else 0.0,
            description=nwbfile.experiment_description or "",
            metadata=json.loads(nwbfile.notes),
            timestamps=None if regular else np.asarray(first.timestamps[:]),
            epochs=epochs,
            spikes=_read_units(nwbfile.units),
        )
        return recording, str(nwbfile.identifier), str(nwbfile.notes)


def export_recording(
    recording: Recording,
    path_stem: str | os.PathLike,
    formats: Iterable[str] = ("nwb", "npz"),
    *,
    overwrite: bool = False,
    spike_resolution: float | None = None,
) -> list[Path]:
    """Write ``recording`` to ``path_stem.<format>`` for each of ``formats`` ("nwb", "npz").

    Checks every target before writing any, so a refused overwrite writes nothing.
    Returns the written paths in the order of ``formats``.

    Parameters
    ----------
    recording : Recording
        The traces to write (see :func:`write_npz` and :func:`write_nwb`).
    path_stem : str or os.PathLike
        The files' path without the suffix, which is the format's name.
    formats : iterable of {"nwb", "npz"}, optional
        The formats to write, in order.
    overwrite : bool, optional
        Replace existing files.
    spike_resolution : float or None, optional
        The time step of the spike times in seconds, for NWB (see :func:`write_nwb`).

    Returns
    -------
    list of pathlib.Path
        The written paths, in the order of ``formats``.

    Raises
    ------
    ParameterError
        If a format is unknown, or where :func:`write_npz` or :func:`write_nwb` raise it.
    OutputError
        If the folder of ``path_stem`` cannot be created or written (e.g. a file stands in its place).
    OutputExistsError
        If any target exists and ``overwrite`` is False; then nothing is written.
    """
    writers = {"nwb": partial(write_nwb, spike_resolution=spike_resolution), "npz": write_npz}
    formats = list(formats)
    unknown = [f for f in formats if f not in writers]
    if unknown:
        hint = "; a Neo Block comes from Recording.to_neo()" if "neo" in unknown else ""
        raise ParameterError(f"unknown export format(s) {unknown}; choose from {sorted(writers)}{hint}")
    targets = [Path(f"{os.fspath(path_stem)}.{fmt}") for fmt in formats]
    prepare_output(Path(path_stem).parent, [target.name for target in targets], overwrite)
    return [writers[fmt](recording, target, overwrite=overwrite) for fmt, target in zip(formats, targets, strict=True)]


def to_neo(recording: Recording) -> neo.Block:
    """The recording as a :class:`neo.Block`, for Elephant and the rest of the Neo ecosystem.

    One Segment holds, for each trace, an AnalogSignal (regular sampling) or an IrregularlySampledSignal
    (``timestamps``) named as the trace, of its unit, one channel per neuron, with the array annotation
    ``neuron_id`` and the annotations ``layer``, ``population``, ``compartment`` and ``quantity``; for each
    unit of each spike train a SpikeTrain named as the unit, in seconds, with the annotations ``spike_train``
    (the Spikes' name), ``unit_index``, ``layer`` and ``population``; and the epochs as one Epoch
    ``epochs`` (labels: the names; array annotation ``description``). The Block has a Group per spike train
    holding its units, and the metadata as plain JSON types (annotation ``metadata``). Every SpikeTrain
    spans the recording: from its first sample (or epoch, or spike) to the end of its last sample period
    (regular sampling) or its last sample, epoch or spike; ``recording.epoch(name).to_neo()`` gives the
    trains of one epoch, spanning it. A count of k spikes in one step is k equal times.

    Parameters
    ----------
    recording : Recording
        The recording; its metadata must be JSON-writable.

    Returns
    -------
    neo.Block
        A new Block with one Segment.

    Raises
    ------
    ParameterError
        If a trace's unit is not one that Neo (the quantities package) knows, or the metadata cannot be
        written as JSON.
    """
    import neo
    import quantities as pq

    try:
        metadata = json.loads(json.dumps(recording.metadata, default=_json_default))
    except (TypeError, ValueError) as err:
        raise ParameterError(f"recording metadata cannot be written as JSON: {err}") from err
    times = recording.times
    regular = recording.timestamps is None
    segment = neo.Segment(name="recording", description=recording.description)
    for trace in recording.traces:
        unit = _neo_unit(trace)
        labels = {
            "name": trace.name,
            "description": trace.description,
            "array_annotations": {"neuron_id": trace.neuron_ids},
            "layer": trace.layer,
            "population": trace.population,
            "compartment": trace.compartment,
            "quantity": trace.quantity,
        }
        if regular:
            segment.analogsignals.append(
                neo.AnalogSignal(
                    trace.values,
                    units=unit,
                    sampling_rate=recording.sampling_rate * pq.Hz,
                    t_start=recording.start_time * pq.s,
                    **labels,
                )
            )
        else:
            segment.irregularlysampledsignals.append(
                neo.IrregularlySampledSignal(times * pq.s, trace.values, units=unit, **labels)
            )
    t_start, t_stop = (edge * pq.s for edge in _span(recording))
    block = neo.Block(name="brian_dendrites recording", description=recording.description, metadata=metadata)
    for train in recording.spikes:
        group = neo.Group(name=train.name, description=train.description, layer=train.layer)
        for unit, (name, spike_times) in enumerate(zip(train.unit_names, _times_by_unit(train), strict=True)):
            spiketrain = neo.SpikeTrain(
                spike_times * pq.s,
                t_start=t_start,
                t_stop=t_stop,
                name=name,
                description=train.description,
                spike_train=train.name,
                unit_index=unit,
                layer=train.layer,
                population=train.population,
            )
            segment.spiketrains.append(spiketrain)
            group.add(spiketrain)
        block.groups.append(group)
    if recording.epochs:
        segment.epochs.append(
            neo.Epoch(
                times=[e.start_time for e in recording.epochs] * pq.s,
                durations=[e.stop_time - e.start_time for e in recording.epochs] * pq.s,
                labels=np.array([e.name for e in recording.epochs]),
                name="epochs",
                array_annotations={"description": np.array([e.description for e in recording.epochs])},
            )
        )
    block.segments.append(segment)
    return block


def _neo_unit(trace: Trace) -> pq.Quantity:
    """The unit of ``trace`` in the quantities package (Neo's), refusing one it does not know or a factor."""
    import quantities as pq

    try:
        if not _UNIT.fullmatch(trace.unit):  # quantities evaluates the text: no '9**9**9**9'
            raise LookupError(trace.unit)
        unit = 1.0 * pq.unit_registry[trace.unit]
    except (LookupError, SyntaxError, ValueError, TypeError) as err:
        raise ParameterError(f"trace '{trace.name}': unit '{trace.unit}' is not a unit Neo knows") from err
    if unit.magnitude != 1.0:  # quantities would drop the factor of e.g. '2*mV'
        raise ParameterError(f"trace '{trace.name}': unit '{trace.unit}' holds a factor; Neo needs a plain unit")
    return unit.units


def _span(recording: Recording) -> tuple[float, float]:
    """From the first sample, epoch or spike to the end of the last sample period (regular sampling), or to
    the last sample, epoch or spike."""
    times = recording.times
    edges = [t for e in recording.epochs for t in (e.start_time, e.stop_time)]
    edges += [t for s in recording.spikes if s.times.size for t in (s.times[0], s.times[-1])]
    if times.size:
        edges += [times[0], times[-1] + 1 / recording.sampling_rate if recording.timestamps is None else times[-1]]
    return (float(min(edges)), float(max(edges))) if edges else (recording.start_time, recording.start_time)


def _validate(recording: Recording) -> str:
    """Check that ``recording`` can be exported; return its metadata as JSON."""
    if not recording.traces:
        raise ParameterError("recording has no traces; there is nothing to export")
    for trace in recording.traces:
        if 0 in trace.values.shape:
            raise ParameterError(f"trace '{trace.name}' is empty: {trace.values.shape} (samples, neurons)")
        bad = np.count_nonzero(~np.isfinite(trace.values))
        if bad:
            raise ParameterError(f"trace '{trace.name}' has {bad} non-finite value(s) (NaN or inf)")
    for spikes in recording.spikes:
        if not spikes.unit_names:
            raise ParameterError(f"spikes '{spikes.name}' have no units")
    try:
        return json.dumps(recording.metadata, default=_json_default)
    except (TypeError, ValueError) as err:
        raise ParameterError(f"recording metadata cannot be written as JSON: {err}") from err


def _json_default(value: object) -> object:
    """Turn NumPy scalars and arrays into plain JSON types."""
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _fingerprint(recording: Recording, metadata_json: str) -> str:
    """Content hash of ``recording``, the default NWB identifier, which :func:`read_nwb` checks."""
    digest = hashlib.sha256()
    epochs = [[e.name, e.start_time, e.stop_time, e.description] for e in recording.epochs]
    header = [recording.sampling_rate, recording.start_time, recording.description, metadata_json, epochs]
    digest.update(json.dumps(header).encode())
    if recording.timestamps is not None:
        digest.update(np.ascontiguousarray(recording.timestamps, dtype="<f8").tobytes())
    for t in recording.traces:
        labels = [t.name, t.layer, t.population, t.compartment, t.quantity, t.unit, t.description, t.values.shape]
        digest.update(json.dumps(labels).encode())
        digest.update(np.ascontiguousarray(t.values, dtype="<f8").tobytes())
        digest.update(np.ascontiguousarray(t.neuron_ids, dtype="<i8").tobytes())
    for s in recording.spikes:
        digest.update(json.dumps(["spikes", s.name, s.layer, s.population, s.description, s.unit_names]).encode())
        order = np.lexsort((s.units, s.times))  # simultaneous spikes by unit, as read_nwb returns them
        digest.update(np.ascontiguousarray(s.times[order], dtype="<f8").tobytes())
        digest.update(np.ascontiguousarray(s.units[order], dtype="<i8").tobytes())
    return f"{_FINGERPRINT_PREFIX}{digest.hexdigest()[:32]}"


def _label(trace: Trace) -> str:
    """NWB description of a trace: layer, population, compartment and quantity."""
    label = f"Layer {trace.layer} {trace.population} {trace.compartment} {trace.quantity}"
    return f"{label}: {trace.description}" if trace.description else label


def _units(spikes: tuple[Spikes, ...], resolution: float | None) -> Units:
    """The NWB Units table of ``spikes``: one row per unit, train after train, with its labels."""
    from pynwb.misc import Units

    rows = [
        {
            "spike_times": times,
            "unit_name": name,
            "group": train.name,
            "layer": np.uint8(train.layer),  # a byte, which nwbinspector does not take for a yes/no column
            "population": train.population,
            "group_description": train.description,
        }
        for train in spikes
        for name, times in zip(train.unit_names, _times_by_unit(train), strict=True)
    ]
    table = Units(
        name="units",
        description="Spikes of the simulated populations: one row per unit (a neuron, or a unit the model names, "
        "e.g. the ON or OFF half of an input), the units of each spike train ('group') in order.",
        resolution=resolution,
        id=np.arange(len(rows)),
    )
    spike_times = [row["spike_times"] for row in rows]
    table.add_column("spike_times", "the spike times of each unit, in seconds", data=spike_times, index=True)
    for column, doc in _UNIT_COLUMNS.items():
        table.add_column(column, doc, data=[row[column] for row in rows])
    return table


def _times_by_unit(spikes: Spikes) -> list[np.ndarray]:
    """The spike times of each unit of ``spikes``, in time order."""
    order = np.argsort(spikes.units, kind="stable")
    ends = np.cumsum(np.bincount(spikes.units, minlength=len(spikes.unit_names)))
    return np.split(spikes.times[order], ends[:-1])


def _read_units(table: Units | None) -> tuple[Spikes, ...]:
    """The spike trains of a Units table written by :func:`_units`, each in time order, equal times by unit."""
    if table is None:
        return ()
    labels = {column: np.asarray(table[column].data[:]) for column in _UNIT_COLUMNS}
    ends = np.asarray(table["spike_times"].data[:], dtype=np.int64)
    times = np.asarray(table["spike_times"].target.data[:], dtype=np.float64)
    row_of_spike = np.repeat(np.arange(len(ends)), np.diff(ends, prepend=0))
    trains = []
    for name in dict.fromkeys(labels["group"]):
        rows = np.flatnonzero(labels["group"] == name)
        mine = np.isin(row_of_spike, rows)
        units = np.searchsorted(rows, row_of_spike[mine])
        order = np.lexsort((units, times[mine]))
        first = rows[0]
        trains.append(
            Spikes(
                str(name),
                times[mine][order],
                units[order],
                [str(unit) for unit in labels["unit_name"][rows]],
                int(labels["layer"][first]),
                str(labels["population"][first]),
                str(labels["group_description"][first]),
            )
        )
    return tuple(trains)


def _model_name(recording: Recording) -> str:
    """The processing module's name: ``recording.metadata["model"]`` if it is a name, else the default."""
    model = recording.metadata.get("model")
    return model if isinstance(model, str) and model and "/" not in model else DEFAULT_NWB_MODULE


def _trace_module(nwbfile: NWBFile) -> ProcessingModule:
    """The processing module of ``nwbfile`` that holds the traces: the one with a traces table, whatever its
    name (the model's; "microcircuit" in every file of brian_dendrites before issue 25)."""
    modules = [module for module in nwbfile.processing.values() if _TRACE_TABLE in module.data_interfaces]
    if len(modules) != 1:
        raise FileFormatError(f"expected one processing module with a '{_TRACE_TABLE}' table, found {len(modules)}")
    return modules[0]


def _table(name: str, description: str, columns: dict[str, tuple[str, list]]) -> DynamicTable:
    """A DynamicTable called ``name`` with ``columns`` given as {name: (description, data)}."""
    from hdmf.common import DynamicTable, VectorData

    return DynamicTable(
        name=name,
        description=description,
        columns=[VectorData(name=col, description=doc, data=data) for col, (doc, data) in columns.items()],
    )
