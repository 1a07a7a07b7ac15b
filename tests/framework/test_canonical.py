"""Build keys and checkpoint fingerprints are canonical: equal in every process, whatever the hash seed."""

from __future__ import annotations

import json

import pytest
from brian2 import ms

from brian_dendrites import FIG1, REGRESSION, LearningRates, Simulation
from brian_dendrites.canonical import digest, dumps, from_json, to_json
from brian_dendrites.models.microcircuit.parameters import RECORD_TYPES

_KEYS = """
import json
from brian_dendrites import FIG1, MNIST, Simulation
from brian_dendrites.canonical import digest
from brian_dendrites.protocols.regression import RegressionConfig
print(json.dumps([
    Simulation(FIG1, 20)._structure_key(),
    Simulation(MNIST, 3, record={"pyramidal_1": ["u", "v_A"], "input_0": ["r"]})._structure_key(),
    digest(RegressionConfig(patterns=1000, seed=3)),
]))
"""


@pytest.mark.slow
def test_keys_are_equal_under_different_hash_seeds(python_process):
    keys = []
    for hash_seed in ("1", "2", "3", "4"):
        process = python_process(_KEYS, PYTHONHASHSEED=hash_seed)
        assert process.returncode == 0, process.stderr
        keys.append(json.loads(process.stdout.splitlines()[-1]))
    assert all(k == keys[0] for k in keys), keys
    assert keys[0][0] == Simulation(FIG1, 20)._structure_key()  # and equal to this process's


def test_canonical_json_ignores_set_and_mapping_order():
    assert dumps(frozenset({"pi", "ip", "bottom_up"})) == dumps(frozenset({"bottom_up", "pi", "ip"}))
    assert dumps({"b": 1, "a": 2}) == dumps({"a": 2, "b": 1})
    assert FIG1.replace(plastic={"pi", "ip", "bottom_up"}) == FIG1  # a set is stored as a frozenset
    assert digest(FIG1.replace(plastic=["pi", "ip", "bottom_up"])) == digest(FIG1)


def test_canonical_json_keeps_units_and_every_field():
    described = to_json(REGRESSION)
    assert described["type"] == "MicrocircuitParams"
    assert described["dt"] == {"value": pytest.approx(1e-4), "unit": "s"}
    assert described["hidden"]["g_B"] == {"value": pytest.approx(1000.0), "unit": "s^-1"}
    assert described["plastic"] == ["bottom_up", "ip", "pi"]
    assert described["phi"] == {
        "type": "SoftRectifier",
        "gamma": 0.1,
        "beta": 1.0,
        "theta": 3.0,
        "name": "soft_rectifier",
    }
    assert digest(FIG1) != digest(FIG1.replace(eta=LearningRates(pi=0.001 / ms)))
    with pytest.raises(TypeError, match="no canonical JSON form for object"):
        to_json(object())


def test_runtime_values_do_not_change_the_build_key():
    """Conductances, noise amplitudes and rates are run_args; the record and sizes are code."""
    key = Simulation(FIG1, 20)._structure_key()
    assert Simulation(FIG1.replace(eta=LearningRates(pi=1 / ms)), 20)._structure_key() == key
    assert Simulation(FIG1, 20, record={"pyramidal_1": ["u"]})._structure_key() != key
    assert Simulation(FIG1.replace(sizes=(30, 21, 10)), 20)._structure_key() != key


def test_a_field_left_out_at_its_default_keeps_the_digests_of_records_without_it():
    """MicrocircuitParams.thresholds (OMIT_AT_DEFAULT) is absent from the JSON of a record without thresholds,
    which a record read back without it equals; with thresholds it is part of the description and the key."""
    spiking = FIG1.replace(mode="spiking", tau_w=None)
    assert "thresholds" not in to_json(spiking) and "thresholds" not in dumps(FIG1)
    assert digest(spiking.replace(thresholds=False)) == digest(spiking)
    with_thresholds = spiking.replace(thresholds=True)
    assert to_json(with_thresholds)["thresholds"] is True
    assert from_json(to_json(with_thresholds), RECORD_TYPES) == with_thresholds
    assert from_json(to_json(spiking), RECORD_TYPES) == spiking
    assert Simulation(with_thresholds, 2)._structure_key() != Simulation(spiking, 2)._structure_key()


def test_fields_at_their_defaults_leave_checkpoint_fingerprints_unchanged():
    """Fields added with OMIT_AT_DEFAULT (threads, float32, the parameters' thresholds) leave the bars
    checkpoints' fingerprints as they were before them: the quick runs' fingerprints of commit 958cdb0."""
    import argparse
    import dataclasses

    from brian_dendrites.canonical import fields_of
    from brian_dendrites.protocols import bars

    parser = argparse.ArgumentParser()
    bars.add_arguments(parser)
    quick = bars.config_from_args(parser.parse_args(["--quick", "--out", "bars", "--quiet"]))
    spiking = bars.config_from_args(parser.parse_args(["--quick", "--mode", "spiking", "--out", "b", "--quiet"]))
    assert "thresholds" not in fields_of(quick)["params"]
    assert fields_of(dataclasses.replace(spiking, params=spiking.params.replace(thresholds=True, tau_w=None)))[
        "params"
    ]["thresholds"]
    assert bars._fingerprint(quick) == "3ae6b92ecc5f3048"
    assert bars._fingerprint(spiking) == "f641f60dabbba1c5"
