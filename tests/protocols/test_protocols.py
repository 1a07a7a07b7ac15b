"""The protocol contract and the registry: every registered protocol keeps the contract, and a new
protocol is one module plus one registry line.

This test module is itself such a module: the toy protocol below counts to ``--count``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import io
import json
import sys
from pathlib import Path

import pytest

from brian_dendrites import options
from brian_dendrites.cli import main, parser
from brian_dendrites.errors import ParameterError
from brian_dendrites.files import prepare_output
from brian_dendrites.protocols import attention, bars, depth, fig1, mnist, regression
from brian_dendrites.protocols.registry import PROTOCOLS, Contract, Group

# The toy protocol: the whole of a protocol module.

HELP = "a toy protocol that counts"


@dataclasses.dataclass(frozen=True)
class ToyConfig:
    out: str
    count: int = 1
    overwrite: bool = False


Config = ToyConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, help="count to (default 1)")
    options.add_quick_option(parser, "count to 1")
    parser.add_argument("--overwrite", action="store_true")


def config_from_args(args: argparse.Namespace) -> ToyConfig:
    return ToyConfig(args.out, options.quick_value(args, "count", 1, 1, "count to 1"), args.overwrite)


def check(config: ToyConfig) -> None:
    prepare_output(config.out, ["toy.json"], config.overwrite)


def run(config: ToyConfig, *, progress: bool = True) -> dict:
    return {"numbers": list(range(1, config.count + 1)), "total": config.count * (config.count + 1) // 2}


def write(results: dict, config: ToyConfig) -> list[Path]:
    path = Path(config.out) / "toy.json"
    path.write_text(json.dumps(results))
    return [path]


def summary(results: dict) -> int:
    return results["total"]


# The tests.

TOY = sys.modules[__name__]

#: Each command, the least it needs on the command line, and the record that gives.
REGISTERED = [
    (("fig1",), fig1, ["--out", "x"], {"out": "x"}),
    (("regression",), regression, ["--out", "x"], {"out": "x"}),
    (("bars",), bars, ["--out", "x"], {"out": "x"}),
    (("depth",), depth, ["--out", "x"], {"out": "x"}),
    (("mnist", "train"), mnist.Train, ["--out", "x"], {"out": "x"}),
    (("mnist", "evaluate"), mnist.Evaluate, ["model_a.npz"], {"model": "model_a.npz"}),
    (("attention",), attention, ["--out", "x"], {"out": "x"}),
]


def _commands(protocols, prefix=()):
    for name, protocol in protocols.items():
        if isinstance(protocol, Group):
            yield from _commands(protocol.COMMANDS, (*prefix, name))
        else:
            yield (*prefix, name), protocol


def test_the_registry_holds_the_papers_protocols():
    expected = {"fig1": fig1, "regression": regression, "bars": bars, "depth": depth, "mnist": mnist}
    assert PROTOCOLS == expected | {"attention": attention}
    assert isinstance(mnist, Group) and not isinstance(mnist, Contract)
    assert dict(_commands(PROTOCOLS)) == {command: protocol for command, protocol, _, _ in REGISTERED}


@pytest.mark.parametrize(
    ("command", "protocol", "argv", "fields"),
    [*REGISTERED, (("toy",), TOY, ["--out", "x"], {"out": "x"})],
    ids=["fig1", "regression", "bars", "depth", "mnist train", "mnist evaluate", "attention", "toy"],
)
def test_every_protocol_keeps_the_contract(command, protocol, argv, fields, monkeypatch):
    monkeypatch.setitem(PROTOCOLS, "toy", TOY)
    assert isinstance(protocol, Contract) and not isinstance(protocol, Group)
    assert isinstance(protocol.HELP, str) and protocol.HELP
    assert dataclasses.is_dataclass(protocol.Config) and protocol.Config.__dataclass_params__.frozen
    args = parser().parse_args([*command, *argv])
    assert args.protocol is protocol
    config = protocol.config_from_args(args)
    assert isinstance(config, protocol.Config)
    assert config == protocol.Config(**fields)  # the command line's defaults are the record's


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["fig1", "--out", "o", "--seed", "3", "--target", "numpy", "--format", "npz", "--overwrite",
             "--self-prediction-chunks", "2", "--learning-chunks", "1"],
            fig1.Fig1Config(seed=3, target="numpy", self_prediction_chunks=2, learning_chunks=1, out="o",
                            formats=("npz",), overwrite=True),
        ),
        (
            ["regression", "--out", "o", "--seed", "3", "--patterns", "500", "--jobs", "1"],
            regression.RegressionConfig("o", patterns=500, seed=3, jobs=1),
        ),
        (
            ["regression", "--out", "o", "--quick", "--overwrite"],
            regression.RegressionConfig("o", patterns=2_000, evaluate_every=5, overwrite=True),
        ),
        (
            ["mnist", "train", "--out", "o", "--variants", "b,a", "--epochs", "2", "--seed", "4", "--jobs", "1",
             "--data-dir", "d"],
            mnist.TrainConfig("o", ("b", "a"), epochs=2, data_dir="d", seed=4, jobs=1),
        ),
        (
            ["mnist", "evaluate", "m.npz", "--part", "validation", "--data-dir", "d"],
            mnist.EvaluateConfig("m.npz", "d", "validation"),
        ),
        (["mnist", "train", "--out", "o", "--quick", "--seed", "2"], mnist.TrainConfig("o", ("a",), epochs=1, seed=2)),
        (["mnist", "evaluate", "m.npz", "--quick"], mnist.EvaluateConfig("m.npz", images=1000)),
        (["mnist", "evaluate", "m.npz", "--images", "30"], mnist.EvaluateConfig("m.npz", images=30)),
        (
            ["attention", "--out", "o", "--quick"],
            attention.AttentionConfig("o", epochs=1, hidden=50, train_images=10_000, test_images=200, demo=False),
        ),
    ],
)  # fmt: skip
def test_options_parse_into_the_configuration_record(argv, expected):
    args = parser().parse_args(argv)
    assert args.protocol.config_from_args(args) == expected


@pytest.mark.parametrize(
    "argv",
    [["mnist", "train", "--out", "o", "--epochs", "2"], ["mnist", "evaluate", "m.npz", "--images", "5"],
     ["attention", "--out", "o", "--hidden", "20"]],
)  # fmt: skip
def test_quick_and_an_option_it_sets_are_refused_together(argv):
    args = parser().parse_args([*argv, "--quick"])
    with pytest.raises(ParameterError, match=f"--quick runs .*: give --quick or {argv[-2]}, not both"):
        args.protocol.config_from_args(args)


def test_regression_run_trains_both_learners_of_its_record(tmp_path, monkeypatch):
    work = []

    def train(job):
        work.append(job)
        log = {"loss": [4.0, 2.0], "loss_ema": [4.0, 3.0], "rms_apical": [0.1], "angle": [90.0, 60.0]}
        return {"log": log, "backprop_cosine": {}}

    monkeypatch.setattr(regression, "_train_job", train)
    config = regression.RegressionConfig(tmp_path, 300, seed=2, jobs=1, target="numpy", evaluate_every=3)
    summary = regression.run(config, progress=False)["summary"]
    assert summary["full"]["loss_end"] == 3.0 and summary["full_over_shallow"] == 1.0
    paths = [tmp_path / f"checkpoint_{name}_seed2.npz" for name in regression.LEARNERS]
    assert work == [(config, learner, path, False) for learner, path in zip(regression.LEARNERS, paths, strict=True)]
    with pytest.raises(TypeError):
        regression.run(300, seed=2)  # the legacy overload, which took the number of patterns, is gone


def test_every_protocol_runs_in_one_shape():
    for _, protocol in _commands(PROTOCOLS):
        parameters = inspect.signature(protocol.run).parameters
        assert list(parameters) == ["config", "progress"], protocol
        assert parameters["config"].default is inspect.Parameter.empty  # fig1.run had a default record
        assert parameters["progress"].kind is inspect.Parameter.KEYWORD_ONLY, protocol


@pytest.mark.parametrize(
    ("command", "protocol", "argv"),
    [entry[:3] for entry in REGISTERED],
    ids=["fig1", "regression", "bars", "depth", "mnist train", "mnist evaluate", "attention"],
)
def test_every_protocol_has_a_quick_run(command, protocol, argv):
    quick = parser().parse_args([*command, *argv, "--quick"])
    assert quick.quick is True and "a short run" in _help(command)
    assert protocol.config_from_args(quick) != protocol.config_from_args(parser().parse_args([*command, *argv]))


def _help(command: tuple[str, ...]) -> str:
    with pytest.raises(SystemExit), contextlib.redirect_stdout(io.StringIO()) as out:
        parser().parse_args([*command, "--help"])
    return out.getvalue()


def test_the_top_level_help_names_every_registered_command(monkeypatch):
    monkeypatch.setitem(PROTOCOLS, "toy", TOY)
    text = " ".join(_help(()).split())  # as argparse wraps it
    for command, protocol in _commands(PROTOCOLS):
        assert f" {' '.join(command)} {' '.join(protocol.HELP.split())}" in text, command
    assert "mnist train" in text and "toy a toy protocol that counts" in text


def test_a_new_protocol_is_one_module_and_one_registry_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(PROTOCOLS, "toy", TOY)  # the registry line

    out = tmp_path / "toy"
    assert main(["toy", "--out", str(out), "--count", "3"]) == 0
    assert json.loads((out / "toy.json").read_text()) == {"numbers": [1, 2, 3], "total": 6}
    assert capsys.readouterr().out == f"6\nwrote {out / 'toy.json'}\n"

    # Its outputs are checked before the run, and refused in the command line's words.
    monkeypatch.setattr(TOY, "run", lambda config, progress=True: pytest.fail("ran before its check"))
    assert main(["toy", "--out", str(out), "--count", "4"]) == 1
    assert capsys.readouterr().err == (
        f"brian-dendrites toy: error: {out / 'toy.json'} already exists; add --overwrite to replace\n"
    )

    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    help_ = capsys.readouterr().out
    assert "{fig1,regression,bars,depth,mnist,attention,toy,models,sweep}" in help_ and HELP in help_
