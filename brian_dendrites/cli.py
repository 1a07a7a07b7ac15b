"""Command line: ``brian-dendrites fig1 --out DIR``, ``brian-dendrites regression --out DIR``,
``brian-dendrites mnist train --out DIR`` and ``brian-dendrites mnist evaluate MODEL``."""

# The docstring above is the description that ``brian-dendrites --help`` prints.
#
# The subcommands are those of ``brian_dendrites.protocols.registry.PROTOCOLS``: every protocol adds
# its own options (with the helpers below) and turns them into its configuration record; ``main``
# checks, runs, writes and summarizes it, the same way for every protocol. No code here names one.

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping

from brian_dendrites.errors import BrianDendritesError, OutputExistsError
from brian_dendrites.interrupt import interrupted, interruptible
from brian_dendrites.simulation import TARGETS
from brian_dendrites.validation import repeated

__all__ = ["main", "parser", "add_shared_options", "output_folder", "positive_int", "seed", "seeds", "subset"]


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


def add_shared_options(parser: argparse.ArgumentParser) -> None:
    """Add the options that fig1 and regression share to ``parser``.

    They are ``--out`` (required), ``--seed`` (:func:`seed`, default 0), ``--target`` (one of
    :data:`brian_dendrites.simulation.TARGETS`, default cpp_standalone), ``--overwrite`` and ``--quiet``.

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
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_commands(parser: argparse.ArgumentParser, dest: str, protocols: Mapping) -> None:
    """A subcommand for each protocol in ``protocols``; a group's own subcommands below it."""
    from brian_dendrites.protocols.registry import Group

    commands = parser.add_subparsers(dest=dest, required=True)
    for name, protocol in protocols.items():
        command = commands.add_parser(name, help=protocol.HELP)
        if isinstance(protocol, Group):
            _add_commands(command, f"{name}_command", protocol.COMMANDS)
        else:
            protocol.add_arguments(command)
            command.set_defaults(protocol=protocol)


def parser() -> argparse.ArgumentParser:
    """The parser of ``brian-dendrites``, with a subcommand for each registered protocol.

    Returns
    -------
    argparse.ArgumentParser
        The parser; its description is this module's docstring. A parsed command has the attribute
        ``protocol``, the :class:`~brian_dendrites.protocols.registry.Contract` that runs it.
    """
    # Imported here, not at the top: the protocols import this module for the helpers above.
    from brian_dendrites import __version__
    from brian_dendrites.protocols.registry import PROTOCOLS

    root = argparse.ArgumentParser(prog="brian-dendrites", description=__doc__)
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_commands(root, "command", PROTOCOLS)
    return root


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, then check, run and write the chosen protocol and print its summary as JSON.

    After the summary it prints the paths written, if any. Errors caused by the user's input
    (:class:`~brian_dendrites.errors.BrianDendritesError`, FileNotFoundError, ValueError) are not
    raised but reported in one line on stderr, and so is an interrupt (Ctrl-C, SIGINT), whatever
    error it then causes (see :mod:`brian_dendrites.interrupt`): the last checkpoint is intact, and
    the same command resumes from it.

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments without the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        The exit code: 0; 1 after a one-line ``brian-dendrites <command>: error: ...`` on stderr; or
        130 (as a shell reports SIGINT) after ``brian-dendrites <command>: interrupted; resume with the
        same command``.

    Raises
    ------
    SystemExit
        From argparse, for ``--help`` or arguments it refuses.
    """
    command = "brian-dendrites"
    with interruptible():
        try:
            args = parser().parse_args(argv)
            command = f"brian-dendrites {args.command}"
            protocol = args.protocol
            config = protocol.config_from_args(args)
            protocol.check(config)  # fail before, not after, the run
            results = protocol.run(config, progress=not getattr(args, "quiet", False))
            paths = protocol.write(results, config)
            print(json.dumps(protocol.summary(results), indent=2))
            if paths:
                print("wrote " + ", ".join(str(p) for p in paths))
        except BaseException as error:
            # After Ctrl-C, whatever surfaces: KeyboardInterrupt, or an error of Brian2 about the
            # standalone run that SIGINT stopped too (the same process group).
            if isinstance(error, KeyboardInterrupt) or interrupted():
                print(f"{command}: interrupted; resume with the same command", file=sys.stderr)
                return 130
            if isinstance(error, OutputExistsError):
                print(f"{command}: error: {error.describe()}; add --overwrite to replace", file=sys.stderr)
                return 1
            if isinstance(error, (BrianDendritesError, FileNotFoundError, ValueError)):
                print(f"{command}: error: {error}", file=sys.stderr)
                return 1
            raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
