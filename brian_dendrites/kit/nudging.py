"""Balanced conductance teaching (the nudging of the output layer): excitation and inhibition whose current vanishes
at u = u_tgt."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Teaching", "balanced_teaching"]


@dataclass(frozen=True)
class Teaching:
    """The pieces of a teaching input (see :func:`balanced_teaching`).

    Parameters
    ----------
    current : str
        Its term of du/dt, for :func:`~brian_dendrites.kit.soma`'s ``currents``.
    lines : tuple of str
        The equation lines of its conductances.
    drives : tuple of (str, str)
        (conductance, reversal potential) pairs, for :func:`~brian_dendrites.kit.prospective`.
    """

    current: str
    lines: tuple[str, ...]
    drives: tuple[tuple[str, str], ...]


def balanced_teaching(conductance: str = "g_teach", target: str = "u_tgt") -> Teaching:
    """Teaching conductances g_exc, g_inh of total ``conductance`` that pull u toward ``target`` (section 2.1).

    g_exc = g (u_tgt - E_inh) / (E_exc - E_inh) and g_inh = g (E_exc - u_tgt) / (E_exc - E_inh): the
    current g_exc (E_exc - u) + g_inh (E_inh - u) is g (u_tgt - u), and both stay >= 0 for u_tgt in
    [E_inh, E_exc]. The model defines ``conductance`` and ``target`` and puts E_exc, E_inh in the namespace.

    Parameters
    ----------
    conductance : str, optional
        The total teaching conductance (1/time). Default ``'g_teach'``.
    target : str, optional
        The target potential. Default ``'u_tgt'``.

    Returns
    -------
    Teaching
        The current, the conductances' lines and their drives.
    """
    lines = (
        f"g_exc = {conductance}*({target} - E_inh)/(E_exc - E_inh) : 1/second",
        f"g_inh = {conductance}*(E_exc - {target})/(E_exc - E_inh) : 1/second",
    )
    return Teaching("g_exc*(E_exc - u) + g_inh*(E_inh - u)", lines, (("g_exc", "E_exc"), ("g_inh", "E_inh")))
