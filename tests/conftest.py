"""Shared fixtures. Standalone networks are built once per structure and cached
on disk (BRIAN_DENDRITES_CACHE), so a test session compiles only a few projects."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from brian2 import ms
from brian_dendrites.models.microcircuit import PATHWAYS, InterneuronParams, PyramidalParams
from brian_dendrites.protocols import fig1

from brian_dendrites import FIG1, Logistic, MicrocircuitParams, Simulation

sys.path.insert(0, str(Path(__file__).parent))

QUIET = 0.0 * ms**-0.5

#: Two hidden layers, every pathway plastic (Eqs. 7-10), no noise: the "any depth" network.
DEEP = MicrocircuitParams(
    sizes=(5, 4, 3, 2),
    phi=Logistic(),
    hidden=PyramidalParams(sigma=QUIET),
    output=PyramidalParams(g_A=0.0 / ms, sigma=QUIET),
    interneuron=InterneuronParams(sigma=QUIET),
    plastic=frozenset(PATHWAYS),
    E_exc=5.0,
    E_inh=-5.0,
)
DEEP_RECORD = {
    "pyramidal_1": ["u", "v_B", "v_A", "v_TD"],
    "pyramidal_2": ["u", "v_B", "v_A", "v_TD"],
    "pyramidal_3": ["u", "v_B"],
    "interneuron_1": ["u", "v_D"],
    "interneuron_2": ["u", "v_D"],
}


@pytest.fixture(scope="session")
def fig1_simulation() -> Simulation:
    """The Fig. 1 network exactly as the protocol builds it (one shared build)."""
    return Simulation(FIG1, fig1.Fig1Config().chunk, record=fig1.RECORD)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def python_process():
    """Run Python ``code`` in a fresh process, with extra environment variables; returns the CompletedProcess."""
    import os
    import subprocess

    def run(code: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code],
            env=os.environ | env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=Path(__file__).parent,
        )

    return run


@pytest.fixture
def as_version_0():
    """Turn the arrays of a model file into the layout written before format versions (version 0):
    no format_version, seed or parameter record, but the transfer function's name and parameters."""

    def convert(content: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        old = {k: v for k, v in content.items() if k not in ("format_version", "seed", "params")}
        return old | {"phi": np.array("logistic"), "phi_parameters": np.array("{}")}

    return convert
