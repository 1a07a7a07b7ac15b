"""Raster figures of recorded spikes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from brian_dendrites.recording import Recording

__all__ = ["COLORS", "INPUT_COLOR", "plot_raster", "population_colors"]

#: The colours of the populations, in order of their first spike train (:func:`population_colors`).
COLORS = ("tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange", "tab:brown", "tab:pink", "tab:olive")
#: The colour of the spike trains of layer 0, the input layer: grey.
INPUT_COLOR = "0.4"


def population_colors(recording: Recording) -> list[str]:
    """The colour of each spike train of ``recording``, from its labels only.

    Trains of layer 0, the input layer, are :data:`INPUT_COLOR`; every other population takes the next
    colour of :data:`COLORS` (cycling) at its first train, and its trains in other layers keep it. The
    microcircuit's ``input_0``, ``pyramidal_1``, ``interneuron_1``, ... are grey, blue and red.

    Parameters
    ----------
    recording : Recording
        A recording with spikes.

    Returns
    -------
    list of str
        One Matplotlib colour per train of ``recording.spikes``, in order.
    """
    order = dict.fromkeys(s.population for s in recording.spikes if s.layer != 0)
    color = {population: COLORS[k % len(COLORS)] for k, population in enumerate(order)}
    return [INPUT_COLOR if s.layer == 0 else color[s.population] for s in recording.spikes]


def plot_raster(recording: Recording, path: Path, title: str = "", max_spikes: int = 200_000) -> Path:
    """Draw the spikes of ``recording`` as a raster, one row per unit, populations stacked; save as ``path``.

    Each population has its colour (:func:`population_colors`).

    Parameters
    ----------
    recording : Recording
        A recording with spikes (``recording.spikes``).
    path : str or os.PathLike
        The image file to write (PNG).
    title : str, optional
        The figure's title.
    max_spikes : int, optional
        At most this many spikes per population are drawn, evenly thinned (the file stays small);
        the legend says how many there were. Default 200000.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fig, ax = plt.subplots(figsize=(9, 5))
    offset, ticks = 0, []
    for spikes, color in zip(recording.spikes, population_colors(recording), strict=True):
        keep = slice(None, None, max(1, int(np.ceil(spikes.times.size / max_spikes))))
        label = f"{spikes.name} ({spikes.times.size} spikes)"
        ax.scatter(spikes.times[keep], offset + spikes.units[keep], s=0.5, marker="|", color=color, label=label)
        ticks.append((offset + len(spikes.unit_names) / 2, spikes.name))
        offset += len(spikes.unit_names) + 2
    ax.set_yticks([t for t, _ in ticks], [name for _, name in ticks])
    ax.set_xlabel("time (s)")
    ax.set_ylim(-1, offset)
    ax.legend(fontsize=7, loc="upper right", markerscale=10)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
