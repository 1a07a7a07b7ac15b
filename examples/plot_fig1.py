"""
Fig. S1 and Fig. 1: self-prediction, then a new target
======================================================

The protocol of ``brian-dendrites fig1 --quick``, through the Python API. Phase (a), Fig. S1: from
random weights, with random inputs and no target, IP and PI plasticity make the interneurons
cancel the top-down input, and the hidden layer's apical potentials fall silent. Phase (b),
Fig. 1: one input pattern is held and a new target switches on at the output; the apical error
appears, bottom-up plasticity moves the output to the target, and the apical error vanishes
again. The full run (``Fig1Config()``) has 30 chunks of (a) and 3 of (b).
"""

# %%
# Run both phases: 3 chunks of 100 patterns of self-prediction and 1 of learning, compiled to C++.
import matplotlib.pyplot as plt

from brian_dendrites.protocols.fig1 import QUICK_CHUNKS, Fig1Config, run

config = Fig1Config(self_prediction_chunks=QUICK_CHUNKS[0], learning_chunks=QUICK_CHUNKS[1])
results, curves, recording = run(config, progress=False)
print(
    "apical RMS, (a) start -> end:",
    round(results["self_prediction"]["rms_apical_start"], 3),
    "->",
    round(results["self_prediction"]["rms_apical_end"], 3),
)
print(
    "output error, (b) onset -> end:",
    round(results["learning"]["output_error_onset"], 3),
    "->",
    round(results["learning"]["output_error_end"], 3),
)

# %%
# Left: Fig. S1, the hidden layer's apical potential per pattern of (a). Right: Fig. 1, output
# neuron 0 moves to its target after the onset, and the apical potential of hidden neuron 0 rises
# and falls back.
learning = recording.epoch("learning")
t = learning.times - learning.epochs[0].start_time
onset = results["learning"]["target_onset_s"]
fig, (s1, f1) = plt.subplots(1, 2, figsize=(10, 3.8))
s1.plot(curves["self_prediction_rms_apical"], color="slategray")
s1.set_xlabel("pattern of (a)")
s1.set_ylabel("RMS apical potential $v_A$ (hidden)")
s1.set_title("Fig. S1: self-prediction")
f1.plot(t, learning["pyramidal_2.u"].values[:, 0], color="tab:blue", label="output $u_2$")
f1.axhline(curves["u_target"][0], color="tab:blue", ls="--", label="target")
f1.plot(t, learning["pyramidal_1.v_A"].values[:, 0], color="slategray", label="apical $v_A$ (hidden 0)")
f1.axvline(onset, color="k", ls=":", lw=0.8)
f1.set_xlabel("time in (b) (s)")
f1.set_title("Fig. 1: a new target")
f1.legend(fontsize=8)
fig.tight_layout()
plt.show()
