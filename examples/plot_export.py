"""
Exporting a recording to NWB and Neo
====================================

Every run records into a :class:`~brian_dendrites.recording.Recording`, which
:func:`~brian_dendrites.export.export_recording` writes as NWB (and NumPy ``.npz``), and which
:meth:`~brian_dendrites.recording.Recording.to_neo` hands to the Neo ecosystem (Elephant,
Neo's readers and writers). Here a small microcircuit of the spiking mode runs for three input
patterns; its traces and spikes go to an NWB file in a temporary folder, are read back, and
the figure is drawn from the file and from the Neo Block.
"""

# %%
# A short run of a 4-3-2 microcircuit in spiking mode (at most 200 spikes/s, so that single spikes show),
# recording the output's potentials and the spikes of every group (Brian2's ``numpy`` target: no
# compilation for so short a run).
import tempfile
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from brian2 import ms

from brian_dendrites.export import export_recording, read_nwb
from brian_dendrites.models.microcircuit import FIG1, random_weights
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState

params = FIG1.replace(sizes=(4, 3, 2), mode="spiking")
params = params.replace(spiking=replace(params.spiking, psi=0.2 / ms))
rng = np.random.default_rng(0)
groups = ["input_0", "pyramidal_1", "interneuron_1", "pyramidal_2"]
sim = Simulation(params, 3, 50 * ms, record={"pyramidal_2": ["u"]}, target="numpy", spikes=groups)
result = sim.run(NetworkState(random_weights(params, rng)), rng.uniform(0, 1, (3, 4)), seed=1)
recording = result.recording
print(recording.traces[0].name, recording.n_samples, "samples;", [s.name for s in recording.spikes])

# %%
# Export to NWB and ``.npz``, then read the NWB file back: the same traces and spikes.
folder = Path(tempfile.mkdtemp())
paths = export_recording(recording, folder / "traces", ("nwb", "npz"), spike_resolution=float(params.dt / ms) / 1000)
print([p.name for p in paths])
back = read_nwb(paths[0])
assert np.array_equal(back["pyramidal_2.u"].values, recording["pyramidal_2.u"].values)

# %%
# The same recording as a Neo Block: one AnalogSignal per trace, one SpikeTrain per neuron.
block = back.to_neo()
segment = block.segments[0]
signal = segment.analogsignals[0]
fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
top.plot(signal.times, signal.magnitude)
top.set_ylabel(f"{signal.name}\n(read from NWB)")
for k, train in enumerate(segment.spiketrains):
    bottom.plot(train.times, np.full(len(train), k), "|", markersize=6, color="k")
bottom.set_ylabel("unit (Neo SpikeTrains)")
bottom.set_xlabel("time (s)")
fig.tight_layout()
plt.show()
