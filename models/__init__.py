"""Neuron and network models, one folder per model (installed as ``brian_dendrites.models``)."""

from brian_dendrites.models import error_neurons, microcircuit

__all__ = ["error_neurons", "microcircuit"]
