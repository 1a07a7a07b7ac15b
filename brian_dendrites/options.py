"""The command line's option types and shared options, for the CLI and every protocol's ``add_arguments``.

:mod:`brian_dendrites.cli` assembles the parser from the protocols; each protocol adds its options with
the argument types and :func:`add_shared_options` here, so that neither imports the other.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from brian_dendrites.errors import ParameterError
from brian_dendrites.model import model_named
from brian_dendrites.simulation import TARGETS
from brian_dendrites.validation import check_integer, repeated

__all__ = [
    "positive_int",
    "seed",
    "seeds",
    "output_folder",
    "subset",
    "model",
    "add_shared_options",
    "threads",
    "add_model_option",
    "add_build_options",
    "add_quick_option",
    "quick_value",
]


def _integer(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got '{text}'")
    return value


def positive_int(text: str) -> int:
    """Argument type: an integer >= 1.

    Parameters
    ----------
    text : str
        The option's value as given on the command line.

    Returns
    -------
    int
        The integer, >= 1.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not an integer >= 1 (argparse reports it as a usage error).
    """
    return _integer(text, 1)


def seed(text: str) -> int:
    """Argument type: a seed, an integer in [0, 2**32).

    Parameters
    ----------
    text : str
        The option's value as given on the command line.

    Returns
    -------
    int
        The seed, in [0, 2**32).

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not an integer in [0, 2**32) (argparse reports it as a usage error).
    """
    value = _integer(text, 0)
    if value >= 2**32:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**32), got '{text}'")
    return value


def seeds(text: str) -> tuple[int, ...]:
    """Argument type: seeds as a range ``0-9`` or a list ``0,3,7``, each in [0, 2**32).

    Parameters
    ----------
    text : str
        The option's value as given on the command line.

    Returns
    -------
    tuple of int
        The seeds, in the order given.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is neither form, a seed is outside [0, 2**32) or a seed repeats.
    """
    try:
        if "-" in text:
            first, last = (int(n) for n in text.split("-"))
            values = tuple(range(first, last + 1))
        else:
            values = tuple(int(n) for n in text.split(","))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"must be seeds like 0-9 or 0,3,7, got '{text}'") from error
    if not values or any(not 0 <= v < 2**32 for v in values):
        raise argparse.ArgumentTypeError(f"must be seeds like 0-9 or 0,3,7, each in [0, 2**32), got '{text}'")
    twice = repeated(values)
    if twice is not None:  # it would run once but be recorded twice
        raise argparse.ArgumentTypeError(f"must not repeat a seed, got {twice} twice in '{text}'")
    return values


def output_folder(text: str) -> str:
    """Argument type: an output folder, any path but the empty one (which would mean the current folder).

    Parameters
    ----------
    text : str
        The option's value as given on the command line.

    Returns
    -------
    str
        ``text``.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is empty (argparse reports it as a usage error).
    """
    if not text:
        raise argparse.ArgumentTypeError("must be a folder path, got an empty one ('')")
    return text


def subset(allowed: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """Argument type: a comma-separated, non-empty subset of ``allowed``, as a tuple.

    Parameters
    ----------
    allowed : tuple of str
        The values the option may list.

    Returns
    -------
    callable
        The argument type: it turns ``"a,b"`` into ``("a", "b")``, in the order given, and raises
        argparse.ArgumentTypeError for an empty list or a value not in ``allowed``.
    """

    def parse(text: str) -> tuple[str, ...]:
        chosen = tuple(item for item in text.split(",") if item)
        if not chosen or any(item not in allowed for item in chosen):
            raise argparse.ArgumentTypeError(f"must be a comma-separated subset of {allowed}, got '{text}'")
        return chosen

    return parse


def model(text: str) -> str:
    """Argument type: the name of a registered model (:func:`brian_dendrites.model.model_named`).

    Parameters
    ----------
    text : str
        The option's value as given on the command line.

    Returns
    -------
    str
        The name.

    Raises
    ------
    argparse.ArgumentTypeError
        If no model of that name is registered; the message lists the registered ones.
    """
    try:
        model_named(text)
    except ParameterError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def add_model_option(parser: argparse.ArgumentParser, default: str) -> None:
    """Add ``--model NAME``, the registered model a protocol teaches (:mod:`brian_dendrites.teaching`).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser of the protocol's subcommand.
    default : str
        The protocol's model when the option is not given.
    """
    parser.add_argument(
        "--model",
        type=model,
        default=default,
        help=f"the registered model to teach (default {default}; `brian-dendrites models` lists them)",
    )


def add_shared_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that fig1, regression and bars share to ``parser``.

    They are ``--out`` (required), ``--seed`` (:func:`seed`, default 0), ``--target`` (one of
    :data:`brian_dendrites.simulation.TARGETS`, default cpp_standalone), those of
    :func:`add_build_options`, ``--overwrite`` and ``--quiet``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser of the protocol's subcommand.
    """
    parser.add_argument(
        "--out", type=output_folder, required=True, help="output directory for figures, results JSON and traces"
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed of weights, patterns and noise (default 0)")
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default="cpp_standalone",
        help="Brian2 code-generation target (default cpp_standalone)",
    )
    add_build_options(parser)
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--threads`` and ``--float32``, of the Brian2 builds, to a protocol's parser.

    They become the ``threads`` and ``float32`` of its :class:`~brian_dendrites.simulation.Simulation`:
    OpenMP threads of a ``cpp_standalone`` build (default 1) and single precision (default off).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser of the protocol's subcommand.
    """
    parser.add_argument(
        "--threads", type=positive_int, default=1, help="OpenMP threads of the cpp_standalone builds (default 1)"
    )
    parser.add_argument("--float32", action="store_true", help="compute in single precision (default float64)")


def threads(args: argparse.Namespace) -> int:
    """The value of ``--threads``, checked where it enters: in [1, 256], and 1 unless the target is cpp_standalone.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options of a protocol with :func:`add_build_options` (``target``: cpp_standalone if absent).

    Returns
    -------
    int
        The number of OpenMP threads.

    Raises
    ------
    ParameterError
        If it is out of range, or above 1 with another target.
    """
    value = check_integer("--threads", args.threads, 1, 256)
    target = getattr(args, "target", "cpp_standalone")
    if value > 1 and target != "cpp_standalone":
        raise ParameterError(
            f"--threads {value} needs --target cpp_standalone (OpenMP threads of its builds), got {target}"
        )
    return value


def add_quick_option(parser: argparse.ArgumentParser, runs: str) -> None:
    """Add ``--quick``, a short run (for tests and a first look), to a protocol's parser.

    Every protocol has it (see :class:`~brian_dendrites.protocols.registry.Contract`); its
    ``config_from_args`` turns it into the record of the short run, with :func:`quick_value`.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser of the protocol's subcommand.
    runs : str
        What the short run is, for the help, e.g. "10 epochs".
    """
    parser.add_argument("--quick", action="store_true", help=f"a short run, for tests: {runs}")


def quick_value(args: argparse.Namespace, option: str, quick, default, runs: str):
    """The value of ``--<option>``: ``quick`` with ``--quick``, else the one given, else ``default``.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options, with ``quick`` (:func:`add_quick_option`) and ``option`` (default None).
    option : str
        The option's name without the dashes, e.g. "epochs" or "learning-chunks".
    quick : object
        Its value in the short run.
    default : object
        Its value when neither ``--quick`` nor the option is given.
    runs : str
        What the short run is, for the message.

    Returns
    -------
    object
        The option's value.

    Raises
    ------
    ParameterError
        If both ``--quick`` and the option are given.
    """
    given = getattr(args, option.replace("-", "_"))
    if args.quick and given is not None:
        raise ParameterError(f"--quick runs {runs}: give --quick or --{option}, not both")
    if args.quick:
        return quick
    return default if given is None else given
