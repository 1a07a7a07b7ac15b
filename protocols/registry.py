"""The protocols of the command line, and the contract each one keeps.

:data:`PROTOCOLS` maps every subcommand of ``brian-dendrites`` to a protocol (it keeps the
:class:`Contract`) or a :class:`Group` of them. :mod:`brian_dendrites.cli` builds its parser from
it, and runs every protocol the same way::

    config = protocol.config_from_args(args)
    protocol.check(config)  # before any work
    results = protocol.run(config, progress=not args.quiet)
    paths = protocol.write(results, config)
    print(json.dumps(protocol.summary(results), indent=2))

Adding a protocol is one module that keeps the :class:`Contract` plus one line in :data:`PROTOCOLS`;
the top-level ``brian-dendrites --help`` lists it from there. A resumable protocol checkpoints with
:mod:`brian_dendrites.checkpoint`.
"""

from __future__ import annotations

import argparse
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from brian_dendrites.protocols import attention, bars, depth, fig1, mnist, regression

__all__ = ["Contract", "Group", "PROTOCOLS"]


@typing.runtime_checkable
class Contract(typing.Protocol):
    """What a protocol exposes to the command line.

    A protocol is a module (:mod:`~brian_dendrites.protocols.fig1`,
    :mod:`~brian_dendrites.protocols.regression`), or a class used as one where a module holds two
    (``mnist.Train``, ``mnist.Evaluate``). Its name is its key in the registry.

    ``write`` takes the whole record, not only the output folder: what to write can depend on more
    of it (fig1's trace formats, ``overwrite``), and a protocol that only reports has no folder.

    Parameters
    ----------
    *args, **kwargs
        None: a protocol class is not instantiated (``Contract()`` raises TypeError); a module or
        class keeps the contract by having its attributes, which ``isinstance`` checks.

    Attributes
    ----------
    HELP : str
        One line for ``brian-dendrites --help``.
    Config : type
        The configuration record, a frozen dataclass: everything one run needs, its output folder
        and ``overwrite`` included, so that ``check``, ``run`` and ``write`` take nothing else.
    """

    HELP: str
    Config: type

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the protocol's command-line options to ``parser``.

        Every protocol has ``--quick``, a short run for tests and a first look, which its help and docs
        page describe (:func:`brian_dendrites.options.add_quick_option`); :meth:`config_from_args` turns
        it into the record of that run (:func:`brian_dendrites.options.quick_value`). The option types
        and the options that several protocols share are those of :mod:`brian_dendrites.options`.

        Parameters
        ----------
        parser : argparse.ArgumentParser
            The parser of the protocol's subcommand.
        """

    def config_from_args(self, args: argparse.Namespace) -> Any:
        """The ``Config`` record of the parsed options.

        Parameters
        ----------
        args : argparse.Namespace
            The options that :meth:`add_arguments` added, as parsed.

        Returns
        -------
        Config
            The configuration record of the run.

        Raises
        ------
        ParameterError
            For an option value the record refuses.
        """

    def check(self, config: Any) -> None:
        """Check the outputs of ``config`` before any work.

        A protocol that writes into a folder creates it here, or leaves that and the checks to
        :meth:`run` (as ``mnist.Train`` does).

        Parameters
        ----------
        config : Config
            The configuration record of the run.

        Raises
        ------
        OutputError
            If the output folder cannot be created or is not a writable folder.
        OutputExistsError
            If an output exists and ``config`` does not allow overwriting.
        """

    def run(self, config: Any, *, progress: bool = True) -> Any:
        """Do the work of ``config``.

        Parameters
        ----------
        config : Config
            The configuration record of the run.
        progress : bool, default True
            Show progress bars.

        Returns
        -------
        object
            The results, as :meth:`write` and :meth:`summary` take them.
        """

    def write(self, results: Any, config: Any) -> list[Path]:
        """Write ``results`` as ``config`` says.

        Parameters
        ----------
        results : object
            What :meth:`run` returned.
        config : Config
            The configuration record of the run.

        Returns
        -------
        list of pathlib.Path
            The paths written, in order (none if the protocol only reports).
        """

    def summary(self, results: Any) -> Any:
        """What the command line prints of ``results``, as JSON.

        Parameters
        ----------
        results : object
            What :meth:`run` returned.

        Returns
        -------
        object
            A value that :func:`json.dumps` can write.
        """


@typing.runtime_checkable
class Group(typing.Protocol):
    """A command whose subcommands are protocols (``brian-dendrites mnist train``).

    Parameters
    ----------
    *args, **kwargs
        None: a protocol class is not instantiated (``Group()`` raises TypeError); a module or
        class is a group by having its attributes, which ``isinstance`` checks.

    Attributes
    ----------
    HELP : str
        One line for ``brian-dendrites --help``.
    COMMANDS : Mapping[str, Contract]
        The subcommands by name, in the order of the help.
    """

    HELP: str
    COMMANDS: Mapping[str, Contract]


#: The subcommands of ``brian-dendrites`` by name, in the order of its help.
PROTOCOLS: dict[str, Contract | Group] = {
    "fig1": fig1,
    "regression": regression,
    "bars": bars,
    "depth": depth,
    "mnist": mnist,
    "attention": attention,
}
