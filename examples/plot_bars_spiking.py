"""
The bars task in spiking mode
=============================

The protocol of ``brian-dendrites bars --mode spiking --epochs 20``, through the Python API: a 9-30-3
microcircuit whose neurons emit Poisson spikes at their rates learns to classify eight 3x3 images of
bars (three horizontal, three vertical, two diagonals) into three classes. After each epoch the
network is tested on the eight images; at the end a raster run of one image per class records the
spikes of every group. The full run has 100 epochs (``BarsConfig()``).
"""

# %%
# Train for 20 epochs (compiled to C++: one build for training, one for the raster run; an epoch
# then takes a fraction of a second).
import matplotlib.pyplot as plt
import numpy as np
from brian2 import second

from brian_dendrites.datasets.bars import CLASSES
from brian_dendrites.models.microcircuit import BARS
from brian_dendrites.protocols.bars import BarsConfig, run

config = BarsConfig(params=BARS.replace(mode="spiking"), epochs=20)
results = run(config, progress=False)
print("test accuracy per epoch:", results["log"]["accuracy"])
print("test MSE at the end:", round(results["final_mse"], 4))

# %%
# Left: test accuracy and MSE after each epoch (epoch 0: before training). Right: the output layer's
# spikes in the raster run (no plasticity, no noise), counted per image: one image of each class,
# each held for ``config.pattern_duration``.
log = results["log"]
fig, (curve, table) = plt.subplots(1, 2, figsize=(10, 4))
curve.plot(log["epoch"], np.asarray(log["accuracy"]) * 100, "o-", color="tab:blue")
curve.set_xlabel("epoch (8 images)")
curve.set_ylabel("test accuracy (%)", color="tab:blue")
curve.set_ylim(0, 105)
mse = curve.twinx()
mse.plot(log["epoch"], log["mse"], "s--", color="tab:red")
mse.set_ylabel("test MSE of the output rates", color="tab:red")

output = results["raster"].spike_train("pyramidal_2")
image = (output.times // float(config.pattern_duration / second)).astype(int)
counts = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
np.add.at(counts, (image, output.units), 1)
table.imshow(counts, cmap="Greys")
for (row, col), n in np.ndenumerate(counts):
    table.text(col, row, n, ha="center", va="center", color="tab:orange")
table.set_xticks(range(len(CLASSES)), [f"output {k}" for k in range(len(CLASSES))])
table.set_yticks(range(len(CLASSES)), [f"a {name} image" for name in CLASSES])
table.set_title("output spikes per image")
fig.tight_layout()
plt.show()
