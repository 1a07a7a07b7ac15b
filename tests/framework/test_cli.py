"""The command line and scripts: outputs checked before any work, CLI wording, one-line errors,
no Brian2 bug-report banner for user errors, and a notice when a build compiles."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from brian2.devices.device import all_devices

from brian_dendrites import FIG1, Simulation
from brian_dendrites.cli import main
from brian_dendrites.devices.standalone import ACTIVE_BUILD
from brian_dendrites.protocols import fig1, regression

_SHORT_FIG1 = ["--quiet", "--self-prediction-chunks", "1", "--learning-chunks", "1"]


@pytest.fixture
def no_runs(monkeypatch):
    """Protocol runs fail the test: output checks must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the protocol ran before its outputs were checked")

    monkeypatch.setattr(fig1, "run", refuse)
    monkeypatch.setattr(regression, "run", refuse)


@pytest.mark.parametrize("command", [["fig1", *_SHORT_FIG1], ["regression", "--quick", "--quiet"]])
@pytest.mark.parametrize("below", ["", "sub"])
def test_an_output_folder_that_is_a_file_fails_before_the_run(tmp_path, capsys, no_runs, command, below):
    regular = tmp_path / "results.txt"
    regular.write_text("not a folder")
    out = regular / below if below else regular
    assert main([command[0], "--out", str(out), *command[1:]]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"{regular} is a file, not a folder" in error
    assert regular.read_text() == "not a folder"


def test_existing_outputs_fail_before_the_run_in_cli_words(tmp_path, capsys, no_runs):
    (tmp_path / "fig1_results.json").write_text("{}")
    assert main(["fig1", "--out", str(tmp_path), *_SHORT_FIG1]) == 1
    error = capsys.readouterr().err
    assert f"{tmp_path / 'fig1_results.json'} already exists; add --overwrite to replace" in error
    assert "overwrite=True" not in error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fig1", "--out", "x", "--learning-chunks", "abc"], "--learning-chunks: must be an integer >= 1, got 'abc'"),
        (["fig1", "--out", "x", "--learning-chunks", "0"], "--learning-chunks: must be an integer >= 1, got '0'"),
        (["fig1", "--out", "x", "--seed", "-1"], "--seed: must be an integer >= 0, got '-1'"),
        (["regression", "--out", "x", "--patterns", "1e3"], "--patterns: must be an integer >= 1, got '1e3'"),
        (["mnist", "train", "--out", "x", "--seed", "seven"], "--seed: must be an integer >= 0, got 'seven'"),
    ],
)
def test_bad_cli_values_are_named_in_cli_words(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "_positive_int" not in error and "invalid" not in error


_BANNER = "Brian 2 encountered an unexpected error"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "error"),
    [
        ("from brian_dendrites.files import refuse_existing; refuse_existing([__import__('sys').executable])",
         "brian_dendrites.errors.OutputExistsError:"),
        ("from brian_dendrites import MicrocircuitParams; MicrocircuitParams(sizes=(30, -1, 10))",
         "brian_dendrites.errors.ParameterError: sizes[1] must be an integer >= 1, got -1"),
    ],
)  # fmt: skip
def test_user_errors_in_scripts_have_no_bug_report_banner(python_process, script, error):
    process = python_process(script)
    assert process.returncode == 1
    assert error in process.stderr and _BANNER not in process.stderr


@pytest.mark.slow
def test_internal_errors_keep_brians_banner(python_process):
    process = python_process("import brian_dendrites; raise RuntimeError('a bug')")
    assert process.returncode == 1 and _BANNER in process.stderr


def test_a_new_build_says_it_is_compiling_and_how_long_it_took(tmp_path, monkeypatch):
    monkeypatch.setenv("BRIAN_DENDRITES_CACHE", str(tmp_path))
    device = type(all_devices["cpp_standalone"])

    def write_an_empty_project(self, directory, **kwargs):
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "makefile"), "w"):
            pass

    monkeypatch.setattr(device, "build", write_an_empty_project)
    monkeypatch.setattr(device, "compile_source", lambda self, *args, **kwargs: None)
    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = logging.getLogger("brian_dendrites")
    logger.addHandler(handler)
    zeros = {"r_pattern": np.zeros((2, 30)), "u_target": np.zeros((2, 10)), "nudging": np.zeros(2)}
    try:
        sim = Simulation(FIG1, 2)
        sim._build_standalone(zeros)
        assert len(messages) == 2
        assert messages[0].startswith("compiling the network (cpp_standalone, first use of this structure) in ")
        assert messages[1].startswith("compiled in ") and " s; later runs" in messages[1]
        (tmp_path / f"standalone_{sim._structure_key()}" / "main").write_text("")  # now built
        Simulation(FIG1, 2)._build_standalone(zeros)
        assert len(messages) == 2  # a cached build says nothing
    finally:
        logger.removeHandler(handler)
        ACTIVE_BUILD.retire()


def test_version_has_one_source(capsys):
    from importlib.metadata import version

    import brian_dendrites

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"brian-dendrites {brian_dendrites.__version__}\n"
    assert version("brian_dendrites") == brian_dendrites.__version__  # the installed metadata reads it
