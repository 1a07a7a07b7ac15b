"""Every parameter record of both models, and every transfer function, reads back from its JSON description."""

from __future__ import annotations

import dataclasses
import json

import pytest
from brian2 import ms

from brian_dendrites.canonical import from_json, record_types, to_json
from brian_dendrites.models import error_neurons, microcircuit
from brian_dendrites.models.error_neurons import parameters as error_parameters
from brian_dendrites.models.microcircuit import parameters as microcircuit_parameters
from brian_dendrites.transfer import TRANSFER_FUNCTIONS, SoftRectifier

PHIS = [kind() for kind in TRANSFER_FUNCTIONS.values()] + [SoftRectifier(gamma=0.5, beta=2.0, theta=0.25)]
MODELS = {"microcircuit": (microcircuit_parameters, microcircuit.RECORD_TYPES)}
MODELS["error_neurons"] = (error_parameters, error_neurons.RECORD_TYPES)


def _read_back(record, types):
    """``record`` through its JSON text and back."""
    return from_json(json.loads(json.dumps(to_json(record))), types)


@pytest.mark.parametrize("model", MODELS)
def test_record_types_name_every_parameter_record_and_transfer_function(model):
    module, types = MODELS[model]
    records = {getattr(module, name) for name in module.__all__ if isinstance(getattr(module, name), type)}
    assert set(types.values()) == records | set(TRANSFER_FUNCTIONS.values())
    assert all(types[name].__name__ == name for name in types)


@pytest.mark.parametrize("name", sorted(set(microcircuit.RECORD_TYPES) | set(error_neurons.RECORD_TYPES)))
def test_every_record_type_reads_back(name):
    types = microcircuit.RECORD_TYPES | error_neurons.RECORD_TYPES
    record = types[name]()
    back = _read_back(record, types)
    assert type(back) is type(record) and back == record


@pytest.mark.parametrize("phi", PHIS, ids=repr)
def test_nested_microcircuit_records_read_back_with_every_transfer_function(phi):
    params = microcircuit.PARAMETER_SETS
    records = [p.replace(phi=phi) for p in params.values()]
    records.append(
        microcircuit.FIG1.replace(
            phi=phi,
            mode="spiking",
            sizes=(4, 3, 2, 1),
            hidden=(microcircuit.PyramidalParams(g_A=0.3 / ms), microcircuit.PyramidalParams()),
            interneuron=(microcircuit.InterneuronParams(gamma=0.5), microcircuit.InterneuronParams()),
            eta=microcircuit.LearningRates(bottom_up=(1 / ms, 2 / ms, 3 / ms)),
            spiking=microcircuit.SpikingParams(psi=10 / ms, lookahead=True),
        )
    )
    for record in records:
        back = _read_back(record, microcircuit.RECORD_TYPES)
        assert back == record and back.phi == phi and back.hidden == record.hidden
    # The defect of issue 25: a tanh network's description did not read back.
    assert _read_back(microcircuit.FIG1.replace(phi=phi), microcircuit.RECORD_TYPES).phi == phi


@pytest.mark.parametrize("phi", PHIS, ids=repr)
def test_error_neuron_records_read_back_with_every_transfer_function(phi):
    record = error_neurons.TEMPLATE.replace(phi=phi, sizes=(3, 2, 2, 1), eta=(1 / ms, 2 / ms, 3 / ms), feedback="FA")
    assert _read_back(record, error_neurons.RECORD_TYPES) == record


@dataclasses.dataclass(frozen=True)
class _Leaf:
    x: float = 1.0


class _Base:
    pass


@dataclasses.dataclass(frozen=True)
class _Kind(_Base):
    leaf: _Leaf | None = None


@dataclasses.dataclass(frozen=True)
class _Root:
    parts: tuple[_Base, ...] = ()


def test_record_types_follow_fields_and_subclasses():
    types = record_types(_Root)
    assert types == {"_Kind": _Kind, "_Leaf": _Leaf, "_Root": _Root}
    record = _Root(parts=(_Kind(_Leaf(2.0)), _Kind()))
    assert from_json(to_json(record), types) == record
    twin = dataclasses.make_dataclass("_Leaf", [], bases=(_Base,), frozen=True)  # a second '_Leaf'
    with pytest.raises(ValueError, match="two record types are named '_Leaf'"):
        record_types(_Root)
    del twin
