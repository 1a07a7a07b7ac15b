"""Command line: ``brian-dendrites fig1 --out DIR``, ``brian-dendrites regression --out DIR``,
``brian-dendrites mnist train --out DIR`` and ``brian-dendrites mnist evaluate MODEL``."""

from __future__ import annotations

import argparse
import json
import sys

from brian_dendrites.errors import BrianDendritesError, OutputExistsError
from brian_dendrites.simulation import TARGETS

__all__ = ["main"]


def _fig1(args: argparse.Namespace) -> None:
    from brian_dendrites.protocols import fig1

    config = fig1.Fig1Config(
        seed=args.seed,
        target=args.target,
        self_prediction_chunks=args.self_prediction_chunks,
        learning_chunks=args.learning_chunks,
    )
    fig1.check_outputs(args.out, args.format, args.overwrite)  # fail before, not after, the run
    results, curves, recording = fig1.run(config, progress=not args.quiet)
    paths = fig1.write_outputs(args.out, results, curves, recording, formats=args.format, overwrite=args.overwrite)
    print(json.dumps(results, indent=2))
    print("wrote " + ", ".join(str(p) for p in paths))


def _regression(args: argparse.Namespace) -> None:
    from brian_dendrites.protocols import regression

    patterns = 2_000 if args.quick else args.patterns
    regression.check_outputs(args.out, args.seed, args.overwrite)  # fail before, not after, the run
    results = regression.run(
        patterns,
        seed=args.seed,
        out=args.out,
        jobs=args.jobs,
        progress=not args.quiet,
        target=args.target,
        evaluate_every=5 if args.quick else 20,
    )
    paths = regression.write_outputs(args.out, results, overwrite=args.overwrite)
    print(json.dumps(results["summary"], indent=2))
    print("wrote " + ", ".join(str(p) for p in paths))


def _mnist_train(args: argparse.Namespace) -> None:
    from brian_dendrites.protocols import mnist

    results = mnist.run_all(
        args.variants, args.epochs, args.out, args.data_dir, seed=args.seed, jobs=args.jobs, progress=not args.quiet
    )
    paths = mnist.write_outputs(args.out, results)
    print(json.dumps({k: v["test_error"] for k, v in results["variants"].items()}, indent=2))
    print("wrote " + ", ".join(str(p) for p in paths))


def _mnist_evaluate(args: argparse.Namespace) -> None:
    from brian_dendrites.protocols import mnist

    print(json.dumps(mnist.evaluate(args.model, args.data_dir, args.part), indent=2))


def _variants(text: str) -> tuple[str, ...]:
    from brian_dendrites.protocols.mnist import VARIANTS

    variants = tuple(v for v in text.split(",") if v)
    if not variants or any(v not in VARIANTS for v in variants):
        raise argparse.ArgumentTypeError(f"must be a comma-separated subset of {tuple(VARIANTS)}, got '{text}'")
    return variants


def _integer(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got '{text}'")
    return value


def _positive_int(text: str) -> int:
    return _integer(text, 1)


def _seed(text: str) -> int:
    value = _integer(text, 0)
    if value >= 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32), got '{text}'")
    return value


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(f for f in text.split(",") if f)
    allowed = ("nwb", "npz")
    if not formats or any(f not in allowed for f in formats):
        raise argparse.ArgumentTypeError(f"must be a comma-separated subset of {allowed}, got '{text}'")
    return formats


def _command(commands, name: str, help: str, run) -> argparse.ArgumentParser:
    """A subcommand with the options every protocol shares."""
    command = commands.add_parser(name, help=help)
    command.add_argument("--out", required=True, help="output directory for figures, results JSON and traces")
    command.add_argument("--seed", type=_seed, default=0, help="seed of weights, patterns and noise (default 0)")
    command.add_argument(
        "--target",
        choices=TARGETS,
        default="cpp_standalone",
        help="Brian2 code-generation target (default cpp_standalone)",
    )
    command.add_argument("--overwrite", action="store_true", help="replace existing output files")
    command.add_argument("--quiet", action="store_true", help="no progress bars")
    command.set_defaults(run=run)
    return command


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="brian-dendrites", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    fig1 = _command(commands, "fig1", "Fig. S1 self-prediction and Fig. 1 single-pattern learning", _fig1)
    fig1.add_argument(
        "--format",
        type=_formats,
        default=("nwb", "npz"),
        help="trace export formats, comma-separated: nwb,npz (default: both)",
    )
    fig1.add_argument(
        "--self-prediction-chunks",
        type=_positive_int,
        default=30,
        help="Fig. S1 duration in chunks of 100 patterns of 100 ms (default 30)",
    )
    fig1.add_argument(
        "--learning-chunks",
        type=_positive_int,
        default=3,
        help="Fig. 1 duration in chunks of 100 patterns of 100 ms (default 3)",
    )

    reg = _command(commands, "regression", "Fig. 2: a 30-50-10 microcircuit learns a teacher network", _regression)
    reg.add_argument(
        "--patterns",
        type=_positive_int,
        default=200_000,
        help="training patterns of 100 ms, a multiple of 100 (default 200000)",
    )
    reg.add_argument("--quick", action="store_true", help="2000 patterns, for tests")
    reg.add_argument(
        "--jobs",
        type=int,
        choices=(1, 2),
        default=2,
        help="processes: 2 trains the full model and the shallow learner side by side (default)",
    )

    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument(
        "--data-dir",
        help="folder with the four MNIST IDX files (default: $BRIAN_DENDRITES_MNIST, then the user cache, "
        "downloading there if needed)",
    )
    mnist = commands.add_parser("mnist", help="Fig. 3: MNIST with the steady-state engine")
    mnist_commands = mnist.add_subparsers(dest="mnist_command", required=True)
    train = mnist_commands.add_parser(
        "train",
        parents=[data_dir],
        help="train the variants, resuming from the model files in --out; write results JSON and fig3b.png",
    )
    train.add_argument("--out", required=True, help="output directory: model_<variant>.npz, results, figure")
    train.add_argument(
        "--variants",
        type=_variants,
        default=("a", "b", "c", "shallow", "backprop"),
        help="comma-separated, from a,b,c,shallow,backprop (default: all)",
    )
    train.add_argument("--epochs", type=_positive_int, default=100, help="epochs of 55000 images (default 100)")
    train.add_argument(
        "--seed", type=_seed, default=0, help="seed of the initial weights and the shuffling (default 0)"
    )
    train.add_argument("--jobs", type=int, choices=(1, 2), default=2, help="processes (default 2)")
    train.add_argument("--quiet", action="store_true", help="no progress bars")
    train.set_defaults(run=_mnist_train)
    evaluate = mnist_commands.add_parser("evaluate", parents=[data_dir], help="error of a saved model file")
    evaluate.add_argument("model", help="a model_<variant>.npz file")
    evaluate.add_argument(
        "--part", choices=("train", "validation", "test"), default="test", help="images to classify (default test)"
    )
    evaluate.set_defaults(run=_mnist_evaluate)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except OutputExistsError as error:
        print(f"brian-dendrites {args.command}: error: {error.describe()}; add --overwrite to replace", file=sys.stderr)
        return 1
    except (BrianDendritesError, FileNotFoundError, ValueError) as error:
        print(f"brian-dendrites {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
