"""Recording.to_neo: the Neo Block's signals, spike trains and epochs, and Elephant on a spiking Fig. 1 run."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import quantities as pq
from brian2 import second
from elephant.statistics import mean_firing_rate

from brian_dendrites.errors import ParameterError
from brian_dendrites.models.microcircuit import FIG1, random_weights
from brian_dendrites.recording import Epoch, Recording, Spikes, Trace
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState

RATE = 1000.0
EPOCHS = (Epoch("early", 0.5, 0.52, "first half"), Epoch("late", 0.52, 0.54))
SPIKES = Spikes("pyramidal_1", [0.5, 0.5, 0.512, 0.53], [1, 1, 0, 1], ["pyramidal_1[0]", "pyramidal_1[1]"], 1, "pyr")


@pytest.fixture
def recording() -> Recording:
    rng = np.random.default_rng(24)
    traces = (
        Trace("pyramidal_1.u", rng.normal(size=(40, 3)), 1, "pyramidal", "soma", "voltage", [0, 2, 5], "mV", "u"),
        Trace("interneuron_1.r", rng.uniform(size=(40, 2)), 1, "interneuron", "rate", "rate", [0, 1]),
    )
    return Recording(RATE, traces, start_time=0.5, description="test", metadata={"seed": np.int64(3)}, epochs=EPOCHS)


def test_signals_hold_the_traces_exactly(recording: Recording) -> None:
    block = recording.to_neo()
    assert block.description == "test" and block.annotations["metadata"] == {"seed": 3}
    (segment,) = block.segments
    assert [s.name for s in segment.analogsignals] == ["pyramidal_1.u", "interneuron_1.r"]
    for signal, trace in zip(segment.analogsignals, recording.traces, strict=True):
        assert signal.magnitude.tobytes() == trace.values.tobytes()  # (samples, channels), bit-exact
        assert signal.units == pq.Quantity(1.0, trace.unit).units
        assert signal.sampling_rate == RATE * pq.Hz and signal.t_start == 0.5 * pq.s
        assert signal.array_annotations["neuron_id"].tolist() == trace.neuron_ids.tolist()
        assert signal.description == trace.description
        for label in ("layer", "population", "compartment", "quantity"):
            assert signal.annotations[label] == getattr(trace, label)
    np.testing.assert_array_equal(segment.analogsignals[0].times.rescale(pq.s).magnitude, recording.times)
    assert str(segment.analogsignals[0].units.dimensionality) == "mV"
    (epochs,) = segment.epochs
    assert epochs.labels.tolist() == ["early", "late"]
    np.testing.assert_array_equal(epochs.times.magnitude, [0.5, 0.52])
    np.testing.assert_allclose(epochs.durations.magnitude, [0.02, 0.02])
    assert epochs.array_annotations["description"].tolist() == ["first half", ""]


def test_spike_trains_per_unit(recording: Recording) -> None:
    rec = dataclasses.replace(recording, spikes=(SPIKES,))
    block = rec.to_neo()
    trains = block.segments[0].spiketrains
    assert [t.name for t in trains] == ["pyramidal_1[0]", "pyramidal_1[1]"]
    assert trains[0].magnitude.tolist() == [0.512]
    assert trains[1].magnitude.tolist() == [0.5, 0.5, 0.53]  # a count of 2 in one step: two equal times
    for unit, train in enumerate(trains):
        assert train.units == pq.s
        assert (train.t_start, train.t_stop) == (0.5 * pq.s, 0.54 * pq.s)  # the 40 samples at 1 kHz
        assert train.annotations == {"spike_train": "pyramidal_1", "unit_index": unit, "layer": 1, "population": "pyr"}
    (group,) = block.groups
    assert group.name == "pyramidal_1" and [id(t) for t in group.spiketrains] == [id(t) for t in trains]
    # One epoch: the trains span it, and the signals hold its samples.
    late = rec.epoch("late").to_neo().segments[0]
    assert (late.spiketrains[1].t_start, late.spiketrains[1].t_stop) == (0.52 * pq.s, 0.54 * pq.s)
    assert late.spiketrains[1].magnitude.tolist() == [0.53]
    assert late.analogsignals[0].shape == (20, 3)


def test_timestamps_give_irregularly_sampled_signals(recording: Recording) -> None:
    times = np.concatenate([0.5 + 0.001 * np.arange(20), 0.6 + 0.01 * np.arange(20)])
    rec = dataclasses.replace(recording, sampling_rate=None, start_time=0.0, timestamps=times)
    segment = rec.to_neo().segments[0]
    assert len(segment.analogsignals) == 0
    signal = segment.irregularlysampledsignals[1]
    assert signal.name == "interneuron_1.r" and signal.magnitude.tobytes() == rec.traces[1].values.tobytes()
    assert signal.times.magnitude.tobytes() == times.tobytes()
    assert signal.array_annotations["neuron_id"].tolist() == [0, 1]


@pytest.mark.parametrize("unit", ["furlongs per spike", "2*mV", "9**9**9**9"])
def test_units_neo_cannot_hold_are_refused(recording: Recording, unit: str) -> None:
    bad = dataclasses.replace(recording.traces[0], unit=unit)
    with pytest.raises(ParameterError, match=rf"trace 'pyramidal_1\.u': unit '{re.escape(unit)}'"):
        dataclasses.replace(recording, traces=(bad,)).to_neo()
    with pytest.raises(ParameterError, match="metadata cannot be written as JSON"):
        dataclasses.replace(recording, metadata={"f": print}).to_neo()


def test_elephant_rate_of_a_spiking_output_neuron_is_psi_times_its_rate() -> None:
    """A spiking Fig. 1 network (numpy target, one 100 ms pattern): Elephant's mean firing rate of each
    output neuron's Neo SpikeTrain is psi times the mean of its recorded rate phi(u), within 4 Poisson sd."""
    params = FIG1.replace(mode="spiking")
    rng = np.random.default_rng(24)
    sim = Simulation(
        params, 1, record={"pyramidal_2": ["r"]}, record_dt=params.dt, target="numpy", spikes=["pyramidal_2"]
    )
    recording = sim.run(NetworkState(random_weights(params, rng, 1.0)), rng.uniform(0, 1, (1, 30))).recording
    block = recording.to_neo()
    (signal,) = block.segments[0].analogsignals
    assert signal.sampling_rate == float(1 / params.dt / second) * pq.Hz
    trains = block.segments[0].spiketrains
    assert len(trains) == 10 == signal.shape[1]
    psi = float(params.spiking.psi * second)
    duration = recording.n_samples / recording.sampling_rate
    for train, rates in zip(trains, signal.magnitude.T, strict=True):
        assert train.t_stop - train.t_start == pytest.approx(duration * pq.s, rel=1e-12)  # the 100 ms pattern
        expected = psi * rates.mean()  # Hz
        measured = float(mean_firing_rate(train).rescale(pq.Hz))
        count_sd = np.sqrt(expected * duration)
        assert abs(measured - expected) * duration < 4 * count_sd, train.name
        assert measured * duration == len(train)
