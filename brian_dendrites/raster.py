"""Raster figures of recorded spikes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from brian_dendrites.recording import Recording

__all__ = ["plot_raster"]

_COLORS = {"input": "0.4", "pyramidal": "tab:blue", "interneuron": "tab:red"}


def plot_raster(recording: Recording, path: Path, title: str = "", max_spikes: int = 200_000) -> Path:
    """Draw the spikes of ``recording`` as a raster, one row per unit, populations stacked; save as ``path``.

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
    for spikes in recording.spikes:
        keep = slice(None, None, max(1, int(np.ceil(spikes.times.size / max_spikes))))
        color = _COLORS.get(spikes.population, "k")
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
