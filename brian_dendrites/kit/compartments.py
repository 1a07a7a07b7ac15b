"""Compartments: a soma coupled by conductances to named dendrites, and the dendrites themselves.

Every function returns Brian2 equation lines (plain strings) to print, edit and join into a model::

    >>> print(soma([("g_B", "v_B"), ("g_A", "v_A")]))
    du/dt = -g_lk*u + g_B*(v_B - u) + g_A*(v_A - u) : 1
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["soma", "dendrites", "traces", "thresholds", "shared"]


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


def traces(names: Sequence[str], tau: str = "tau_s", rests: Mapping[str, str] | None = None) -> list[str]:
    """Dendritic potentials as spike traces, dv/dt = -v/tau_s, that each presynaptic spike raises.

    A potential with a rest b (``rests``, e.g. a threshold of :func:`thresholds`) decays to it instead,
    dv/dt = (b - v)/tau_s: started at b, v is the spike trace plus b, a constant drive.

    Parameters
    ----------
    names : sequence of str
        The potentials, e.g. ``['v_B']``.
    tau : str, optional
        The traces' time constant, a shared run-time value. Default ``'tau_s'``.
    rests : mapping of str to str, optional
        Potential -> the per-neuron variable it decays to, e.g. ``{'v_B': 'b_B'}``; missing: 0.

    Returns
    -------
    list of str
        One trace per potential, then the declaration of ``tau``.
    """
    rests = rests or {}
    lines = [f"d{v}/dt = ({rests[v]} - {v})/{tau} : 1" if v in rests else f"d{v}/dt = -{v}/{tau} : 1" for v in names]
    return lines + [shared(tau, "second")]


def thresholds(rests: Mapping[str, str], errors: Mapping[str, str] | None = None, eta: str = "eta_b"):
    """Per-neuron thresholds b of trace potentials (:func:`traces`' ``rests``), fixed or learning as db/dt = eta e.

    A threshold is an input fixed at 1 with a plastic weight: with the potential's error factor e
    (e.g. Eq. 7's e_B) it learns by db/dt = eta e, and the potential, the trace plus b, moves with it.

    Parameters
    ----------
    rests : mapping of str to str
        Potential -> threshold, e.g. ``{'v_B': 'b_B'}``.
    errors : mapping of str to str, optional
        Threshold -> its error factor, e.g. ``{'b_B': 'e_B'}``, for the thresholds that learn; missing:
        fixed.
    eta : str, optional
        The learning rate, a shared run-time value. Default ``'eta_b'``.

    Returns
    -------
    lines : list of str
        The thresholds' declarations (``b_B : 1``), and ``eta`` where one learns.
    code : str
        Code of one Euler step of dt of the learning thresholds and their potentials (for a
        ``run_regularly`` every step); empty where none learns.
    """
    errors = errors or {}
    lines = [f"{b} : 1" for b in rests.values()] + ([shared(eta)] if errors else [])
    code = [f"{line} += {eta}*{errors[b]}*dt" for v, b in rests.items() if b in errors for line in (b, v)]
    return lines, "\n".join(code)


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
