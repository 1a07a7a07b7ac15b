"""Rate or spiking mode: the ``--mode`` and ``--psi`` options of the protocols, and the record they pick."""

from __future__ import annotations

import argparse

from brian_dendrites.errors import ParameterError
from brian_dendrites.model import model_for
from brian_dendrites.models.microcircuit import MODES

__all__ = ["mode_of", "spiking_params", "add_mode_options", "params_from_args"]


def mode_of(params) -> str:
    """The mode of a record: its ``mode`` where it has one, else 'rate' (a model without a spiking mode).

    Parameters
    ----------
    params : parameter record
        A record of a registered model.

    Returns
    -------
    str
        'rate' or 'spiking'.
    """
    return getattr(params, "mode", "rate")


def spiking_params(params, mode: str = "rate", psi: float | None = None):
    """``params`` in ``mode``: unchanged for 'rate'; for 'spiking', the model's spiking record with ``psi``.

    Spiking mode is the microcircuit's (its ``spiking`` member gives signed inputs, as regression's,
    ON/OFF opponent inputs); a model without a ``spiking`` member (:mod:`brian_dendrites.teaching`) is
    refused.

    Parameters
    ----------
    params : parameter record
        A record of the protocol's network.
    mode : {'rate', 'spiking'}, optional
        The neuron model. Default 'rate'.
    psi : float or None, optional
        Spikes per ms per unit rate, > 0 (spiking mode only); None keeps the record's.

    Returns
    -------
    parameter record
        The record in ``mode``.

    Raises
    ------
    ParameterError
        If ``mode`` is unknown, ``psi`` is given in rate mode or is not a number > 0, or the model has
        no spiking mode.
    """
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {MODES}, got {mode!r}")
    if mode == "rate":
        if psi is not None:
            raise ParameterError("psi applies to mode='spiking' only")
        return params
    model = model_for(params)
    if not callable(getattr(model, "spiking", None)):
        raise ParameterError(f"mode='spiking': model {model.name!r} has no spiking mode (it lacks 'spiking')")
    return model.spiking(params, psi)


def add_mode_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--mode`` and ``--psi`` to a protocol's parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser of the protocol's subcommand.
    """
    parser.add_argument("--mode", choices=MODES, default="rate", help="neuron model (default rate)")
    parser.add_argument(
        "--psi",
        type=float,
        default=None,
        help="spiking mode: spikes per ms per unit rate, > 0 (default 100)",
    )


def params_from_args(params, args: argparse.Namespace):
    """:func:`spiking_params` of ``params`` with the parsed ``--mode`` and ``--psi``.

    Parameters
    ----------
    params : parameter record
        A record of the protocol's network.
    args : argparse.Namespace
        The parsed options of :func:`add_mode_options`.

    Returns
    -------
    parameter record
        The record in the chosen mode.

    Raises
    ------
    ParameterError
        As :func:`spiking_params`.
    """
    return spiking_params(params, args.mode, args.psi)
