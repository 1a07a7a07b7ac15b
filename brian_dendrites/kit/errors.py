"""Error factors of dendritic plasticity: formulas, and the factors a model's pathway table gives.

A plastic weight changes as dw/dt = eta * e_post * r_pre. The postsynaptic error factor e is stored
once per neuron (a parameter that :func:`error_code` updates on the plasticity clock), so that
synapses gather it instead of recomputing it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

from brian_dendrites.transfer import TransferFunction

__all__ = ["ErrorPathway", "prediction_error", "rest_error", "error_factors", "error_code", "error_variables"]


class ErrorPathway(Protocol):  # numpydoc ignore=PR01
    """What :func:`error_factors` reads of a pathway-table entry (e.g. the microcircuit's ``Pathway``).

    Attributes
    ----------
    name : str
        The pathway's name, as ``pathways`` names it.
    error : str
        The name of its stored error factor, e.g. ``'e_B'``.
    attenuation : str or None
        The key of its attenuation factor in ``attenuations`` (None: not attenuated).
    """

    name: str
    error: str
    attenuation: str | None

    def expression(self, phi: TransferFunction, attenuation: str = "1", rate: str = "r") -> str:
        """The error factor as a Brian2 expression.

        Parameters
        ----------
        phi : TransferFunction
            The transfer function.
        attenuation : str, optional
            The attenuation factor, a Brian2 expression.
        rate : str, optional
            The neuron's rate, a Brian2 expression.

        Returns
        -------
        str
            The error factor.
        """


def prediction_error(phi: TransferFunction, potential: str, attenuation: str | None = None, rate: str = "r") -> str:
    """The dendritic prediction error rate - phi(a v) (Urbanczik and Senn 2014).

    Parameters
    ----------
    phi : TransferFunction
        The transfer function.
    potential : str
        The dendritic potential v.
    attenuation : str or None, optional
        The attenuation a as a Brian2 expression, e.g. ``'g_D/(g_lk + g_D)'``; None: none.
    rate : str, optional
        The neuron's rate: ``'r'``, or a spike-count estimate (:func:`~brian_dendrites.kit.spike_rate`).

    Returns
    -------
    str
        ``'r - phi(a*v)'``.
    """
    scaled = potential if attenuation is None else f"{attenuation}*{potential}"
    return f"{rate} - {phi.expression(scaled)}"


def rest_error(potential: str) -> str:
    """The distance of a dendritic potential from rest, v_rest - v with v_rest = 0.

    Parameters
    ----------
    potential : str
        The dendritic potential v.

    Returns
    -------
    str
        ``'-v'``.
    """
    return f"-{potential}"


def error_factors(
    table: Mapping[str, ErrorPathway],
    pathways: Collection[str],
    phi: TransferFunction,
    attenuations: Mapping[str, str] | None = None,
    rate: str = "r",
) -> dict[str, str]:
    """The error factors of the pathways in ``pathways``, from a model's pathway ``table``, in table order.

    Parameters
    ----------
    table : mapping of str to ErrorPathway
        The model's pathways by name.
    pathways : collection of str
        The pathways whose factors the group stores.
    phi : TransferFunction
        The transfer function.
    attenuations : mapping of str to str, optional
        Attenuation key -> Brian2 expression (a missing key: 1).
    rate : str, optional
        The neuron's rate in the prediction errors. Default ``'r'``.

    Returns
    -------
    dict of str to str
        Error factor name -> Brian2 expression.
    """
    attenuations = attenuations or {}
    chosen = [p for p in table.values() if p.name in pathways]
    return {p.error: p.expression(phi, attenuations.get(p.attenuation, "1"), rate) for p in chosen}


def error_code(factors: Mapping[str, str]) -> str:
    """The code that stores ``factors``, for a ``run_regularly`` at the start of each plasticity step.

    Parameters
    ----------
    factors : mapping of str to str
        Error factor name -> Brian2 expression.

    Returns
    -------
    str
        One assignment per factor.
    """
    return "\n".join(f"{name} = {expression}" for name, expression in factors.items())


def error_variables(factors: Mapping[str, str]) -> list[str]:
    """The declarations of the stored ``factors`` in the group's equations.

    Parameters
    ----------
    factors : mapping of str to str
        Error factor name -> Brian2 expression (or a list of names).

    Returns
    -------
    list of str
        One ``e : 1`` line per factor.
    """
    return [f"{name} : 1" for name in factors]
