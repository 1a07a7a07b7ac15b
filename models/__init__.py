"""Neuron and network models, one folder per model (installed as ``brian_dendrites.models``)."""

from brian_dendrites.models import microcircuit

__all__ = ["microcircuit"]
