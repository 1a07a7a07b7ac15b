"""Shared fixtures. Standalone networks are built once per structure and cached
on disk (BRIAN_DENDRITES_CACHE), so a test session compiles only a few projects."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from brian_dendrites import FIG1, Simulation
from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.protocols import fig1

#: Opt-in markers: option -> (marker, why the tests wait for it).
OPT_IN = {
    "--cython": ("cython", "the Cython target compiles for minutes on a cold cache"),
    "--cuda": ("cuda", "Brian2CUDA (Python >= 3.12) and nvcc compile for minutes"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    for option, (marker, why) in OPT_IN.items():
        parser.addoption(option, action="store_true", help=f"also run the tests marked '{marker}' ({why})")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for option, (marker, why) in OPT_IN.items():
        if config.getoption(option):
            continue
        skip = pytest.mark.skip(reason=f"{why}; run with {option}")
        for item in items:
            if item.get_closest_marker(marker):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def fig1_simulation() -> Simulation:
    """The Fig. 1 network exactly as the protocol builds it (one shared build)."""
    return Simulation(FIG1, fig1.Fig1Config().chunk, record=fig1.RECORD)


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder holding the genuine MNIST IDX files, named by $BRIAN_DENDRITES_MNIST (.ci/run sets it).
    Tests that need it skip without it, and fail on CI (CI=true)."""
    folder = os.environ.get(mnist_data.ENVIRONMENT_VARIABLE)
    if folder and all((Path(folder) / name).is_file() for name in mnist_data.FILES):
        return Path(folder)
    message = f"the MNIST files: set {mnist_data.ENVIRONMENT_VARIABLE} to their folder (now {folder!r})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs {message}")
    pytest.skip(f"needs {message}")


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
        old = {k: v for k, v in content.items() if k not in ("format_version", "seed", "params", "info")}
        return old | {"phi": np.array("logistic"), "phi_parameters": np.array("{}")}

    return convert
