"""The one resume mechanism (brian_dendrites.checkpoint): what a checkpoint holds, and the one message
for each checkpoint a run must not resume from. The protocols' own checks are in their tests."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from brian_dendrites import FileFormatError, NetworkState, ParameterError, checkpoint


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "run_checkpoint.npz"
    state = NetworkState({"w": np.eye(2)}, {"i": np.zeros(2)}, {"u": np.ones(3)}, {"w": np.arange(2.0)})
    arrays = {"weights/hidden": np.arange(3.0), "trace": np.zeros(4, np.float32)}
    checkpoint.save(path, "abc123", {"log": {"epoch": [0, 1]}, "angle": float("nan")}, state, arrays)
    return path, state, arrays


def test_a_checkpoint_holds_its_state_info_and_arrays(saved):
    path, state, arrays = saved
    zero = NetworkState({"w": np.zeros((2, 2))}, {"i": np.zeros(2)}, {"u": np.zeros(3)}, {"w": np.zeros(2)})
    loaded = checkpoint.load(path, "abc123", zero)
    assert loaded.info["log"] == {"epoch": [0, 1]} and np.isnan(loaded.info["angle"])
    assert "fingerprint" not in loaded.info  # it is checked, not returned
    for group in ("weights", "synapses", "potentials", "thresholds"):
        assert getattr(loaded.state, group).keys() == getattr(state, group).keys()
    np.testing.assert_array_equal(loaded.state.weights["w"], np.eye(2))
    np.testing.assert_array_equal(loaded.state.thresholds["w"], np.arange(2.0))
    assert loaded.arrays.keys() == arrays.keys() and loaded.arrays["trace"].dtype == np.float32
    assert checkpoint.load(path, ["older", "abc123"]).info["log"] == {"epoch": [0, 1]}  # one of several
    assert checkpoint.load(path, None).info["log"] == {"epoch": [0, 1]}  # read, not resumed: any


def test_the_fingerprint_is_the_digest_of_the_canonical_json():
    assert checkpoint.fingerprint({"b": (1, 2), "a": None}) == checkpoint.fingerprint({"a": None, "b": [1, 2]})
    assert checkpoint.fingerprint({"a": 1}) != checkpoint.fingerprint({"a": 2})


def test_a_checkpoint_of_another_run_is_refused(saved):
    path = saved[0]
    message = (
        f"checkpoint {path} was written by a different configuration; "
        "run with the same arguments to resume, or remove it to restart"
    )
    with pytest.raises(ParameterError, match=f"^{re.escape(message)}$"):
        checkpoint.load(path, "another")


def test_a_damaged_checkpoint_is_refused(saved):
    path = saved[0]
    path.write_bytes(path.read_bytes()[:200])  # a write cut short
    with pytest.raises(FileFormatError, match=f"^{re.escape(str(path))}: not a readable checkpoint \\(NPZ\\): "):
        checkpoint.load(path, "abc123")


def test_a_state_that_does_not_fit_the_network_is_refused(saved):
    path = saved[0]
    with pytest.raises(FileFormatError, match=f"^checkpoint {re.escape(str(path))} does not fit its configuration: "):
        checkpoint.load(path, "abc123", NetworkState({"w": np.zeros((3, 3))}))


def test_a_legacy_json_checkpoint_loads_the_same_way(tmp_path):
    """depth's checkpoint before this module: one JSON object of its fingerprint and its record."""
    path = tmp_path / "depth_checkpoint.json"
    path.write_text(json.dumps({"fingerprint": "abc123", "runs": {"2-1": {}}}))
    loaded = checkpoint.load(path, "abc123")
    assert loaded.info == {"runs": {"2-1": {}}} and loaded.state.weights == {} and loaded.arrays == {}
    with pytest.raises(ParameterError, match="was written by a different configuration"):
        checkpoint.load(path, "another")
    path.write_text('{"fingerprint": "abc1')
    with pytest.raises(FileFormatError, match=f"^checkpoint {re.escape(str(path))}: not readable JSON"):
        checkpoint.load(path, "abc123")


def test_a_version_1_checkpoint_loads_its_induction_as_synapse_state(tmp_path):
    # Version 1 (before issue 25) wrote the microcircuit's filtered induction of projection p as induction/p.
    path = tmp_path / "old_checkpoint.npz"
    info = json.dumps({"fingerprint": "abc123", "epoch": 3})
    induction = np.arange(6.0).reshape(2, 3)
    arrays = {"weights/p": np.ones((2, 3)), "induction/p": induction}
    np.savez(path, format_version=np.array(1), info=np.array(info), **arrays)
    zero = NetworkState({"p": np.zeros((2, 3))}, {"p.induction": np.zeros((2, 3))})
    loaded = checkpoint.load(path, "abc123", zero)
    assert loaded.info == {"epoch": 3} and list(loaded.state.synapses) == ["p.induction"]
    np.testing.assert_array_equal(loaded.state.synapses["p.induction"], induction)


def test_a_record_of_another_layout_is_checked_the_same_way(tmp_path):
    """check_fingerprint is load's check, for files that keep such a record in their own layout (MNIST's)."""
    path = tmp_path / "model_a.npz"
    assert checkpoint.check_fingerprint(path, {"fingerprint": "abc", "n": 1}, "abc") == {"n": 1}
    assert checkpoint.check_fingerprint(path, {"n": 1}, None) == {"n": 1}
    with pytest.raises(ParameterError, match=f"^model file {path} was written by a different configuration; run"):
        checkpoint.check_fingerprint(path, {"fingerprint": "abc"}, ["older"], "model file")
    with pytest.raises(FileFormatError, match="'info' record must be a JSON object, got list"):
        checkpoint.check_fingerprint(path, [], None)
