"""Rate or spiking mode: the ``--mode`` and ``--psi`` options of the protocols, and the record they pick."""

from __future__ import annotations

import argparse
from dataclasses import replace

from brian2 import ms

from brian_dendrites.errors import ParameterError
from brian_dendrites.models.microcircuit import MODES, MicrocircuitParams
from brian_dendrites.validation import is_real

__all__ = ["spiking_params", "add_mode_options", "params_from_args"]


def spiking_params(params: MicrocircuitParams, mode: str = "rate", psi: float | None = None) -> MicrocircuitParams:
    """``params`` in ``mode``: unchanged for 'rate'; for 'spiking', with ``psi`` and opponent inputs.

    Parameters
    ----------
    params : MicrocircuitParams
        A record of the protocol's network.
    mode : {'rate', 'spiking'}, optional
        The neuron model. Default 'rate'.
    psi : float or None, optional
        Spikes per ms per unit rate, > 0 (spiking mode only); None keeps ``params.spiking.psi``.

    Returns
    -------
    MicrocircuitParams
        The record; in spiking mode, signed inputs (regression) get ON/OFF opponent inputs.

    Raises
    ------
    ParameterError
        If ``mode`` is unknown, or ``psi`` is given in rate mode or is not a number > 0.
    """
    if mode not in MODES:
        raise ParameterError(f"mode must be one of {MODES}, got {mode!r}")
    if mode == "rate":
        if psi is not None:
            raise ParameterError("psi applies to mode='spiking' only")
        return params
    spiking = params.spiking
    if psi is not None:
        if not is_real(psi) or not psi > 0:
            raise ParameterError(f"psi must be a number of spikes per ms per unit rate, > 0, got {psi!r}")
        spiking = replace(spiking, psi=float(psi) / ms)
    if params.signed_inputs:
        spiking = replace(spiking, negative_inputs="opponent")
    return params.replace(mode="spiking", spiking=spiking)


def add_mode_options(parser: argparse.ArgumentParser, spiking: bool = True) -> None:
    """Add ``--mode`` (and, with ``spiking``, ``--psi``) to a protocol's parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The parser of the protocol's subcommand.
    spiking : bool, optional
        False for a protocol without a spiking mode: ``--mode`` then accepts 'rate' only, and argparse
        refuses ``--mode spiking`` naming the option. Default True.
    """
    if not spiking:
        parser.add_argument("--mode", choices=("rate",), default="rate", help="rate only: no spiking mode here")
        return
    parser.add_argument("--mode", choices=MODES, default="rate", help="neuron model (default rate)")
    parser.add_argument(
        "--psi",
        type=float,
        default=None,
        help="spiking mode: spikes per ms per unit rate, > 0 (default 100)",
    )


def params_from_args(params: MicrocircuitParams, args: argparse.Namespace) -> MicrocircuitParams:
    """:func:`spiking_params` of ``params`` with the parsed ``--mode`` and ``--psi``.

    Parameters
    ----------
    params : MicrocircuitParams
        A record of the protocol's network.
    args : argparse.Namespace
        The parsed options of :func:`add_mode_options`.

    Returns
    -------
    MicrocircuitParams
        The record in the chosen mode.

    Raises
    ------
    ParameterError
        As :func:`spiking_params`.
    """
    return spiking_params(params, args.mode, args.psi)
