"""Raster colours come from the spike trains' labels, whatever the model names its populations."""

from __future__ import annotations

import matplotlib.axes
import numpy as np

from brian_dendrites.raster import COLORS, INPUT_COLOR, plot_raster, population_colors
from brian_dendrites.recording import Recording, Spikes, Trace


def _recording(*trains: tuple[str, int, str]) -> Recording:
    """A recording with one spike of one unit in each (name, layer, population) train."""
    spikes = tuple(Spikes(name, [0.001], [0], [f"{name}[0]"], layer, pop) for name, layer, pop in trains)
    trace = Trace("x", np.zeros((2, 1)), 0, "p", "c", "rate", np.arange(1))
    return Recording(1000.0, (trace,), spikes=spikes)


def test_populations_take_colours_in_order_of_first_appearance(tmp_path, monkeypatch):
    trains = [("stimulus_0", 0, "stimulus"), ("rep_1", 1, "representation"), ("err_1", 1, "error")]
    recording = _recording(*trains, ("rep_2", 2, "representation"))
    expected = [INPUT_COLOR, COLORS[0], COLORS[1], COLORS[0]]
    assert population_colors(recording) == expected
    drawn, scatter = [], matplotlib.axes.Axes.scatter

    def spy(ax, *args, color, **kwargs):
        drawn.append(color)
        return scatter(ax, *args, color=color, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "scatter", spy)
    assert plot_raster(recording, tmp_path / "raster.png").stat().st_size > 0
    assert drawn == expected


def test_microcircuit_colours_are_grey_blue_red_and_the_cycle_wraps():
    trains = [("input_0", 0, "input"), ("pyramidal_1", 1, "pyramidal"), ("interneuron_1", 1, "interneuron")]
    assert population_colors(_recording(*trains)) == ["0.4", "tab:blue", "tab:red"]  # as before issue 25
    many = _recording(*((f"p{k}_1", 1, f"p{k}") for k in range(len(COLORS) + 1)))
    assert population_colors(many) == [*COLORS, COLORS[0]]
