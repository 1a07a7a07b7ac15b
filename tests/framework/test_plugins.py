"""Models as plugins (brian_dendrites.plugins): a real wheel with an entry point of the group
``brian_dendrites.models`` lists its model in ``brian-dendrites models`` and runs a protocol on it; a
broken plugin warns once, a taken name and an unknown name are clear errors.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from brian2 import Quantity, ms

from brian_dendrites import ParameterError, cli, model, plugins
from brian_dendrites.model import model_for, model_named, model_source, params_type, register, registered_models

_ROOT = Path(__file__).resolve().parents[2]
_EXAMPLE = _ROOT / "examples" / "two_compartment.py"
_SOURCE = "plugin bd-demo-plugin 0.3.1 (entry point demo)"
_PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "bd-demo-plugin"
version = "0.3.1"

[project.entry-points."brian_dendrites.models"]
demo = "bd_demo_plugin"

[tool.setuptools]
packages = ["bd_demo_plugin"]
"""


def _cli(*args: str, site: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m brian_dendrites ARGS`` in a fresh process that finds the plugin's site folder."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "brian_dendrites", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _pip(*args: str) -> None:
    """Run pip of this interpreter offline; fail the test with pip's output if it fails."""
    done = subprocess.run([sys.executable, "-m", "pip", "-q", *args, "--no-index"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    """A folder with a plugin distribution installed from a real wheel: the example model as its module."""
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("building the plugin's wheel offline needs setuptools in this environment")
    root = tmp_path_factory.mktemp("plugin")
    package = root / "src" / "bd_demo_plugin"
    package.mkdir(parents=True)
    (root / "src" / "pyproject.toml").write_text(_PYPROJECT)
    (package / "__init__.py").write_text(_EXAMPLE.read_text())
    _pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"), str(root / "src"))
    wheels = list((root / "dist").glob("bd_demo_plugin-0.3.1-*.whl"))
    assert len(wheels) == 1, wheels
    _pip("install", "--no-deps", "--target", str(root / "site"), str(wheels[0]))
    assert (root / "site" / "bd_demo_plugin-0.3.1.dist-info" / "entry_points.txt").is_file()
    return root / "site"


@pytest.mark.slow
def test_an_installed_plugin_is_listed_and_runs_a_protocol_from_the_command_line(plugin_site, tmp_path):
    listed = _cli("models", site=plugin_site, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    blocks = {block.splitlines()[0].split(":")[0]: block.splitlines() for block in listed.stdout.split("\n\n")}
    assert blocks["microcircuit"][1] == "  from built-in brian_dendrites.models.microcircuit"
    assert "    tau_w = 30. ms" in blocks["microcircuit"]
    mine = [name for name, lines in blocks.items() if lines[1] == f"  from {_SOURCE}"]
    assert len(mine) == 1, listed.stdout  # the example's model, from the wheel's entry point
    lines = blocks[mine[0]]
    assert lines[2].startswith("  record ") and "    dt = 100. us" in lines  # the example's record, defaults shown
    assert "failed to load" not in listed.stderr

    # One epoch (--quick is 10; the test's budget is seconds): the bars task on the plugin's model.
    out, fields = tmp_path / "bars", [line.split(" = ")[0].strip() for line in lines[3:]]
    bars = ["bars", "--model", mine[0], "--epochs", "1", "--out", str(out), "--target", "numpy", "--quiet"]
    ran = _cli(*bars, site=plugin_site, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    results = json.loads((out / "bars_results.json").read_text())
    assert list(results["config"]["params"]) == fields  # the plugin's record ran, field by field
    assert results["config"]["epochs"] == 1 and results["log"]["epoch"] == [0, 1]
    assert all(accuracy * 8 == round(accuracy * 8) for accuracy in results["log"]["accuracy"])  # of 8 test images


@pytest.fixture
def fresh(monkeypatch):
    """Plugins not loaded yet, with the entry points a test sets (``fresh(point, ...)``); the registry restored."""
    monkeypatch.setattr(model, "_REGISTRY", dict(model._REGISTRY))
    monkeypatch.setattr(plugins, "_loaded", False)
    monkeypatch.setattr(plugins, "_failure", None)

    def install(*points):
        monkeypatch.setattr(plugins, "plugin_entry_points", lambda: list(points))

    return install


def _point(name: str, load, dist: str = "demo-pkg", version: str = "2.0") -> SimpleNamespace:
    """An entry point of the plugin group, as importlib.metadata gives it (what load_all uses of it)."""
    return SimpleNamespace(
        name=name,
        value=f"{dist.replace('-', '_')}.models",
        load=load,
        dist=SimpleNamespace(metadata={"Name": dist}, version=version),
    )


@dataclasses.dataclass(frozen=True)
class MyParams:
    """A parameter record of a test model."""

    n: int
    tau: Quantity = dataclasses.field(default_factory=lambda: 10 * ms)
    plastic: frozenset = frozenset({"b", "a"})


def _a_model(name: str) -> SimpleNamespace:
    """An object with every member of the model contract (none is called here)."""
    members = {member: None for member in model._MEMBERS}
    return SimpleNamespace(**{**members, "name": name, "description": f"the {name} model", "inputs": ()})


class _Lines(logging.Handler):
    """Keeps the messages logged to it."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_a_plugin_loads_lazily_once_and_its_models_name_it_as_their_source(fresh):
    calls = []
    mine = _a_model("mine")

    def load():
        calls.append(1)
        register(MyParams, mine)

    fresh(_point("good", load))
    assert calls == []  # nothing loads before a model is looked up
    assert model_for(MyParams(3)) is mine  # a record no model is registered for loads the plugins
    assert model_named("mine") is mine and params_type(mine) is MyParams
    assert model_source(mine) == "plugin demo-pkg 2.0 (entry point good)"
    assert model_source(model_named("microcircuit")) == "built-in brian_dendrites.models.microcircuit"
    registered_models()
    assert calls == [1]

    text = cli.models_text()
    block = text.split("\n\n")[list(registered_models()).index("mine")]
    assert block.splitlines() == [
        "mine: the mine model",
        "  from plugin demo-pkg 2.0 (entry point good)",
        "  record MyParams",
        "    n = (required)",
        "    tau = 10. ms",
        "    plastic = {'a', 'b'}",
    ]


def test_a_plugin_that_fails_to_import_warns_once_in_one_line_and_every_other_model_works(fresh):
    def broken():
        import bd_no_such_module_h8  # noqa: F401

    fresh(_point("broken", broken, "broken-pkg", "0.1"), _point("good", lambda: register(MyParams, _a_model("mine"))))
    lines = _Lines()
    logger = logging.getLogger("brian_dendrites.plugins")
    logger.addHandler(lines)
    try:
        names = list(registered_models())
        model_named("microcircuit")
        assert model_for(MyParams(1)).name == "mine"
    finally:
        logger.removeHandler(lines)
    assert {"error_neurons", "microcircuit", "mine"} <= set(names)
    assert lines.messages == [
        "plugin broken-pkg 0.1 (entry point broken) = broken_pkg.models failed to load, skipped:"
        " ModuleNotFoundError: No module named 'bd_no_such_module_h8'"
    ]


def test_two_models_of_one_name_are_an_error_naming_both_sources(fresh, capsys):
    with pytest.raises(
        ParameterError,
        match=r"two models named 'microcircuit': MicrocircuitModel \(built-in brian_dendrites"
        r"\.models\.microcircuit\) and SimpleNamespace \(module \S*test_plugins\)",
    ):
        register(MyParams, _a_model("microcircuit"))

    fresh(_point("dup", lambda: register(MyParams, _a_model("error_neurons")), "dup-pkg", "1.0"))
    expected = (
        r"two models named 'error_neurons': ErrorNeuronModel \(built-in brian_dendrites\.models\.error_neurons\)"
        r" and SimpleNamespace \(plugin dup-pkg 1\.0 \(entry point dup\)\)"
    )
    with pytest.raises(ParameterError, match=expected):
        registered_models()
    with pytest.raises(ParameterError, match=expected):  # not a broken plugin to skip: every lookup says so
        model_named("microcircuit")
    assert cli.main(["models"]) == 1
    assert re.fullmatch(
        f"brian-dendrites models: error: {expected}; a model's name must be unique\n", capsys.readouterr().err
    )


def test_an_unknown_model_name_lists_the_registered_ones(fresh):
    fresh()
    with pytest.raises(
        ParameterError, match=r"unknown model 'nope'; registered models: \['error_neurons', 'microcircuit'"
    ):
        model_named("nope")
    with pytest.raises(ParameterError, match=r"model 'mine' is not registered"):
        params_type(_a_model("mine"))
