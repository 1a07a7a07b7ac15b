"""The model kit: the pieces the built-in models are made of, for a model of your own.

Each piece returns Brian2 equation strings to print, edit and join (docs: Your own model):

- compartments: :func:`soma` coupled by conductances to named :func:`dendrites` (or spike
  :func:`traces`, with :func:`thresholds`), and :func:`shared` run-time parameters;
- synapses: dendritic potentials as :func:`summed` presynaptic rates, weights fixed or
  :func:`plastic`, or :func:`spiking_synapses` onto traces;
- outputs: the :func:`rate` through a transfer function, of u or of the :func:`prospective`
  potential, and Poisson spike counts (:func:`spike_count`, :func:`spike_code`, :func:`spike_rate`);
- :func:`noise`; :func:`balanced_teaching`;
- error factors: :func:`prediction_error`, :func:`rest_error`, and :func:`error_factors` from a
  model's pathway table, stored by :func:`error_code` in :func:`error_variables`;
- :class:`ModelBase`, which derives the contract's bookkeeping from a model's :class:`Population`
  records, projections, :class:`Threshold` records and run-time values; a :class:`Circuit` to build
  into, a :func:`chain` of layers, and :func:`check_arrays` of a run; :class:`TeachableBase`, the
  members a supervised protocol needs (:class:`~brian_dendrites.teaching.Teachable`), from the same declarations.
"""

from .base import Circuit, ModelBase, Population, SynapseState, Threshold, chain, check_arrays, variable_views
from .compartments import dendrites, shared, soma, thresholds, traces
from .errors import ErrorPathway, error_code, error_factors, error_variables, prediction_error, rest_error
from .noise import noise
from .nudging import Teaching, balanced_teaching
from .outputs import SPIKE_THRESHOLD, prospective, rate, spike_code, spike_count, spike_rate
from .synapses import plastic, spiking_synapses, summed
from .teachable import TeachableBase

__all__ = [
    "soma",
    "dendrites",
    "traces",
    "thresholds",
    "shared",
    "summed",
    "plastic",
    "spiking_synapses",
    "rate",
    "prospective",
    "spike_count",
    "spike_code",
    "spike_rate",
    "SPIKE_THRESHOLD",
    "noise",
    "Teaching",
    "balanced_teaching",
    "ErrorPathway",
    "prediction_error",
    "rest_error",
    "error_factors",
    "error_code",
    "error_variables",
    "Population",
    "SynapseState",
    "Threshold",
    "Circuit",
    "ModelBase",
    "TeachableBase",
    "variable_views",
    "chain",
    "check_arrays",
]
