"""Compartments: a soma coupled by conductances to named dendrites, and the dendrites themselves.

Every function returns Brian2 equation lines (plain strings) to print, edit and join into a model::

    >>> print(soma([("g_B", "v_B"), ("g_A", "v_A")]))
    du/dt = -g_lk*u + g_B*(v_B - u) + g_A*(v_A - u) : 1
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["soma", "dendrites", "traces", "shared"]


def soma(
    couplings: Sequence[tuple[str, str]],
    *,
    leak: str = "g_lk",
    currents: Sequence[str] = (),
    total: str | None = None,
    factored: bool = False,
) -> str:
    """The somatic potential u, leaking to rest 0 and coupled to dendrites: du/dt = -g_lk u + sum_d g_d (v_d - u).

    Parameters
    ----------
    couplings : sequence of (str, str)
        (conductance, dendritic potential) of each dendrite, e.g. ``[("g_B", "v_B")]``.
    leak : str, optional
        The leak conductance. Default ``'g_lk'``.
    currents : sequence of str, optional
        Further terms of du/dt (1/time), e.g. a teaching current or ``noise()[0]``, added in order.
    total : str or None, optional
        The name of the total conductance g_lk + sum_d g_d: given, du/dt = sum_d g_d v_d - total u,
        and a line defines ``total``. Default None.
    factored : bool, optional
        True writes du/dt = sum_d g_d v_d - (g_lk + sum_d g_d) u (implied by ``total``). Default False.

    Returns
    -------
    str
        The equation of du/dt (and of ``total``), dimensionless u.
    """
    conductances = [leak, *(g for g, _ in couplings)]
    if total is None and not factored:
        drive = " + ".join([f"-{leak}*u", *(f"{g}*({v} - u)" for g, v in couplings), *currents])
        return f"du/dt = {drive} : 1"
    loss = total or f"({' + '.join(conductances)})"
    drive = " + ".join(f"{g}*{v}" for g, v in couplings) + f" - {loss}*u" + "".join(f" + {c}" for c in currents)
    line = f"du/dt = {drive} : 1"
    return line if total is None else f"{line}\n{total} = {' + '.join(conductances)} : 1/second"


def dendrites(names: Sequence[str]) -> list[str]:
    """Dendritic potentials that synapses sum presynaptic rates into (``v_post = w*r_pre : 1 (summed)``).

    Parameters
    ----------
    names : sequence of str
        The potentials, e.g. ``['v_B']``.

    Returns
    -------
    list of str
        One ``v : 1`` line per potential.
    """
    return [f"{v} : 1" for v in names]


def traces(names: Sequence[str], tau: str = "tau_s") -> list[str]:
    """Dendritic potentials as spike traces, dv/dt = -v/tau_s, that each presynaptic spike raises.

    Parameters
    ----------
    names : sequence of str
        The potentials, e.g. ``['v_B']``.
    tau : str, optional
        The traces' time constant, a shared run-time value. Default ``'tau_s'``.

    Returns
    -------
    list of str
        One trace per potential, then the declaration of ``tau``.
    """
    return [f"d{v}/dt = -{v}/{tau} : 1" for v in names] + [shared(tau, "second")]


def shared(name: str, unit: str = "1/second") -> str:
    """A shared parameter that a run sets without recompiling (a conductance, by default).

    Parameters
    ----------
    name : str
        The parameter, e.g. ``'g_lk'``.
    unit : str, optional
        Its Brian2 unit. Default ``'1/second'``.

    Returns
    -------
    str
        ``'name : unit (shared, constant)'``.
    """
    return f"{name} : {unit} (shared, constant)"
