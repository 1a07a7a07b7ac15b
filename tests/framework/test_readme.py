"""The README's API example runs as a user would run it: saved in the repository root and started there,
where the source folder brian_dendrites/ shadows the installed package."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.standalone]


def _api_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Python API") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs_from_the_repository_root(tmp_path):
    example = _api_example()
    assert "from brian_dendrites import" in example and "sim.run(" in example
    # The package is imported in the root (the case that failed); the example's files go to tmp_path.
    code = f"import os\nimport brian_dendrites.models, brian_dendrites.protocols\nos.chdir({str(tmp_path)!r})\n"
    process = subprocess.run(
        [sys.executable, "-c", code + example], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert (tmp_path / "apical.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "traces.nwb").exists() and (tmp_path / "traces.npz").exists()
