"""Command line: ``brian-dendrites fig1 --out DIR``."""

from __future__ import annotations

import argparse
import json
import sys

from brian_dendrites.validation import DivergenceError

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


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {value}")
    return value


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(f for f in text.split(",") if f)
    allowed = ("nwb", "npz")
    if not formats or any(f not in allowed for f in formats):
        raise argparse.ArgumentTypeError(f"must be a comma-separated subset of {allowed}, got '{text}'")
    return formats


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="brian-dendrites", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    fig1 = commands.add_parser("fig1", help="Fig. S1 self-prediction and Fig. 1 single-pattern learning")
    fig1.add_argument("--out", required=True, help="output directory for figures, results JSON and traces")
    fig1.add_argument(
        "--format",
        type=_formats,
        default=("nwb", "npz"),
        help="trace export formats, comma-separated: nwb,npz (default: both)",
    )
    fig1.add_argument("--seed", type=int, default=0, help="seed for weights, patterns and noise (default 0)")
    fig1.add_argument(
        "--target",
        choices=("cpp_standalone", "cython", "numpy"),
        default="cpp_standalone",
        help="Brian2 code-generation target (default cpp_standalone)",
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
    fig1.add_argument("--overwrite", action="store_true", help="replace existing output files")
    fig1.add_argument("--quiet", action="store_true", help="no progress bars")
    fig1.set_defaults(run=_fig1)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except (DivergenceError, FileExistsError, ValueError) as error:
        print(f"brian-dendrites {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
