"""Balanced conductance-based teaching input (section 2.1), evaluated by Brian2 itself."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import BrianLogger, NeuronGroup, TimedArray, get_device, linked_var, ms, prefs, set_device

from brian_dendrites import FIG1
from brian_dendrites.models.microcircuit import interneuron_equations, pyramidal_equations


@pytest.fixture(autouse=True)
def _numpy_runtime():
    previous_device, previous_target = get_device(), prefs.codegen.target
    set_device("runtime")
    prefs.codegen.target = "numpy"
    BrianLogger.suppress_name("unused_brian_object")  # groups evaluated here are never run
    yield
    prefs.codegen.target = previous_target
    set_device(previous_device)


def _current(group) -> np.ndarray:
    """i = g_exc (E_exc - u) + g_inh (E_inh - u), from the group's own conductances (1/ms)."""
    ns = group.namespace
    return np.asarray((group.g_exc * (ns["E_exc"] - group.u) + group.g_inh * (ns["E_inh"] - group.u)) * ms)


def test_output_teaching_current_is_g_som_times_target_minus_u():
    p = FIG1
    u_tgt = np.linspace(p.E_inh, p.E_exc, 7)
    eqs = pyramidal_equations(p.phi, output=True, noise=False, errors=set())
    namespace = {
        "E_exc": p.E_exc,
        "E_inh": p.E_inh,
        "u_target": TimedArray(u_tgt[None, :], dt=1 * ms),
        "nudging": TimedArray([1.0], dt=1 * ms),
    }
    group = NeuronGroup(len(u_tgt), eqs, namespace=namespace, method="euler")
    group.g_som = p.output.g_som
    g_som = float(p.output.g_som * ms)
    for u in (u_tgt, np.zeros_like(u_tgt), u_tgt + 0.37):
        group.u = u
        np.testing.assert_allclose(_current(group), g_som * (u_tgt - u), atol=1e-12)
    group.u = u_tgt
    np.testing.assert_allclose(_current(group), 0.0, atol=1e-12)  # vanishes exactly at the target
    assert np.all(np.asarray(group.g_exc) >= 0) and np.all(np.asarray(group.g_inh) >= 0)
    np.testing.assert_allclose(np.asarray((group.g_exc + group.g_inh) * ms), g_som)


def test_interneuron_is_nudged_toward_the_linked_upper_potential():
    p = FIG1
    eqs = interneuron_equations(p.phi, noise=False, error=False)
    group = NeuronGroup(5, eqs, namespace={"E_exc": p.E_exc, "E_inh": p.E_inh}, method="euler")
    group.g_som = p.interneuron_layer(1).g_som
    upper = NeuronGroup(5, "u : 1")
    upper.u = np.linspace(-0.8, 0.9, 5)
    group.u_tgt = linked_var(upper, "u")
    group.u = 0.25
    g_som = float(p.interneuron_layer(1).g_som * ms)
    np.testing.assert_allclose(_current(group), g_som * (np.asarray(upper.u) - 0.25), atol=1e-12)
    group.u = np.asarray(upper.u)
    np.testing.assert_allclose(_current(group), 0.0, atol=1e-12)
