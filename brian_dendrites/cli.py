"""The command line ``brian-dendrites COMMAND ...``: a subcommand per registered protocol, ``models`` and ``sweep``.

The subcommands are those of :data:`brian_dendrites.protocols.registry.PROTOCOLS`: every protocol adds
its own options (with the types of :mod:`brian_dendrites.options`) and turns them into its
configuration record; :func:`main` checks, runs, writes and summarizes it, the same way for every
protocol. No code here names one; the top-level help lists them all, from the registry.
``brian-dendrites models`` lists the registered models, plugins included (:func:`models_text`);
``brian-dendrites sweep PROTOCOL --grid KEY=VALUES ...`` runs a protocol over a grid of its options
(:mod:`brian_dendrites.sweep`), the protocol's other options passing through to every point.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Mapping

from brian2 import Quantity

from brian_dendrites.errors import BrianDendritesError, OutputExistsError
from brian_dendrites.interrupt import interrupted, interruptible

__all__ = ["main", "parser", "description", "models_text"]

_MODELS_HELP = "list the registered models (built-in and plugins), their parameters and defaults"


def _add_commands(parser: argparse.ArgumentParser, dest: str, protocols: Mapping):
    """A subcommand for each protocol in ``protocols``; a group's own subcommands below it; the subparsers."""
    from brian_dendrites.protocols.registry import Group

    commands = parser.add_subparsers(dest=dest, required=True)
    for name, protocol in protocols.items():
        command = commands.add_parser(name, help=protocol.HELP)
        if isinstance(protocol, Group):
            _add_commands(command, f"{name}_command", protocol.COMMANDS)
        else:
            protocol.add_arguments(command)
            command.set_defaults(protocol=protocol)
    return commands


def _commands(protocols: Mapping, prefix: str = "") -> list[tuple[str, str]]:
    """Every command of ``protocols`` and its one-line help, a group's subcommands after the group."""
    from brian_dendrites.protocols.registry import Group

    listed = []
    for name, protocol in protocols.items():
        listed.append((prefix + name, protocol.HELP))
        if isinstance(protocol, Group):
            listed += _commands(protocol.COMMANDS, f"{prefix}{name} ")
    return listed


def description() -> str:
    """The description that ``brian-dendrites --help`` prints: every registered command and its help.

    Returns
    -------
    str
        One line per command of :data:`~brian_dendrites.protocols.registry.PROTOCOLS`, a group's
        subcommands (``mnist train``) after it.
    """
    from brian_dendrites.protocols.registry import PROTOCOLS
    from brian_dendrites.sweep import HELP as SWEEP_HELP

    listed = [*_commands(PROTOCOLS), ("models", _MODELS_HELP), ("sweep", SWEEP_HELP)]
    lines = [f"  {name:<18} {help}" for name, help in listed]
    usage = "Run a protocol: brian-dendrites COMMAND [options]; brian-dendrites COMMAND --help lists its options."
    return "\n".join([usage, "", "commands:", *lines])


def parser() -> argparse.ArgumentParser:
    """The parser of ``brian-dendrites``, with a subcommand for each registered protocol.

    Returns
    -------
    argparse.ArgumentParser
        The parser; its description is :func:`description`. A parsed command has the attribute
        ``protocol``, the :class:`~brian_dendrites.protocols.registry.Contract` that runs it (None for
        ``models`` and ``sweep``). ``sweep`` takes the protocol's options too: parse it with
        ``parse_known_args``, whose unknown arguments are those.
    """
    # Imported here, not at the top: the package imports this module, and the protocols import the package.
    from brian_dendrites import __version__, sweep
    from brian_dendrites.protocols.registry import PROTOCOLS

    root = argparse.ArgumentParser(
        prog="brian-dendrites", description=description(), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = _add_commands(root, "command", PROTOCOLS)
    commands.add_parser("models", help=_MODELS_HELP, description=_MODELS_HELP).set_defaults(protocol=None)
    sweeping = commands.add_parser(
        "sweep",
        help=sweep.HELP,
        description=f"{sweep.HELP}. Every other option is the protocol's, the same for every point.",
        allow_abbrev=False,  # an option of the protocol (--overwrite) is no abbreviation of the sweep's (--over)
    )
    sweep.add_arguments(sweeping)
    sweeping.set_defaults(protocol=None)
    return root


def _shown(value) -> str:
    """A default as ``brian-dendrites models`` shows it: quantities with units, sets sorted, records inline."""
    if isinstance(value, Quantity):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_shown(item) for item in value)) + "}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_shown(item) for item in value)
        return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else f"({inner})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = (f"{f.name}={_shown(getattr(value, f.name))}" for f in dataclasses.fields(value) if f.repr)
        return f"{type(value).__name__}({', '.join(fields)})"
    return repr(value)


def _defaults(params_type: type) -> list[str]:
    """``name = default`` for each field of a parameter record class (factories called)."""
    if not dataclasses.is_dataclass(params_type):
        return [f"(no dataclass; a record is {params_type.__name__}(...))"]
    lines = []
    for field in dataclasses.fields(params_type):
        if field.default is not dataclasses.MISSING:
            shown = _shown(field.default)
        elif field.default_factory is not dataclasses.MISSING:
            shown = _shown(field.default_factory())
        else:
            shown = "(required)"
        lines.append(f"{field.name} = {shown}")
    return lines


def models_text() -> str:
    """What ``brian-dendrites models`` prints: every registered model, its record's defaults, its source.

    Loads the plugins first (see :mod:`brian_dendrites.plugins`).

    Returns
    -------
    str
        For each model, by name: ``name: description``, ``  from <source>``, ``  record <class>`` and
        one line ``    field = default`` per field of its parameter record.

    Raises
    ------
    ParameterError
        If two models are registered under one name.
    """
    from brian_dendrites.model import model_source, params_type, registered_models

    blocks = []
    for name, model in registered_models().items():
        kind = params_type(model)
        lines = [f"{name}: {model.description}", f"  from {model_source(model)}", f"  record {kind.__qualname__}"]
        blocks.append("\n".join([*lines, *(f"    {line}" for line in _defaults(kind))]))
    return "\n\n".join(blocks)


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
            root = parser()
            args, others = root.parse_known_args(argv)
            if others and args.command != "sweep":
                root.error(f"unrecognized arguments: {' '.join(others)}")  # as parse_args does
            command = f"brian-dendrites {args.command}"
            if args.command == "sweep":
                from brian_dendrites import sweep

                return sweep.main(args, others)
            if args.protocol is None:  # brian-dendrites models
                print(models_text())
                return 0
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
