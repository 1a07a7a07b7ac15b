"""Synapses: dendritic potentials as weighted sums of presynaptic rates, or jumps of spike traces."""

from __future__ import annotations

from .compartments import shared

__all__ = ["summed", "plastic", "spiking_synapses"]


def summed(target: str, source: str = "r") -> str:
    """The postsynaptic ``target`` potential as the weighted sum of presynaptic ``source`` rates.

    Parameters
    ----------
    target : str
        The postsynaptic potential, e.g. ``'v_B'``.
    source : str, optional
        The presynaptic rate. Default ``'r'``.

    Returns
    -------
    str
        ``'v_B_post = w*r_pre : 1 (summed)'``.
    """
    return f"{target}_post = w*{source}_pre : 1 (summed)"


def plastic(factor: str | None = None, *, filtered: bool = False, tau: str = "tau_w") -> list[str]:
    """The weight w, fixed, or learning as dw/dt = eta * factor (e.g. ``'e_B_post*r_pre'``).

    Parameters
    ----------
    factor : str or None, optional
        The induction, a Brian2 expression; None: a fixed weight.
    filtered : bool, optional
        True low-pass filters the induction with ``tau`` first. Default False.
    tau : str, optional
        The filter's time constant, from the namespace. Default ``'tau_w'``.

    Returns
    -------
    list of str
        The weight's lines and the learning rate eta (a shared run-time value).
    """
    if factor is None:
        return ["w : 1"]
    if filtered:
        lines = [
            "dw/dt = eta*induction : 1 (clock-driven)",
            f"dinduction/dt = ({factor} - induction)/{tau} : 1 (clock-driven)",
        ]
    else:
        lines = [f"dw/dt = eta*{factor} : 1 (clock-driven)"]
    return [*lines, shared("eta")]


def spiking_synapses(target: str, error: str | None = None, *, filtered: bool = False) -> dict[str, str]:
    """Synapses onto a spike trace: the model, and the code of each presynaptic spike count ``n_spikes_pre``.

    Each spike adds ``w / (psi tau_s)`` to the postsynaptic ``target`` trace, so that its mean is the
    rate synapses' w r. With an ``error`` factor each spike changes w by ``eta e_post / psi``, or, with
    ``filtered``, adds ``e_post / (psi tau_w)`` to the induction that ``filter_code`` integrates into w
    (dt_w: the plasticity step).

    Parameters
    ----------
    target : str
        The postsynaptic trace, e.g. ``'v_B'``.
    error : str or None, optional
        The postsynaptic error factor, e.g. ``'e_B'``; None: a fixed weight.
    filtered : bool, optional
        True filters the induction with tau_w. Default False.

    Returns
    -------
    dict of str to str
        ``model``, ``on_pre`` (a signed count enters with its sign) and ``filter_code`` (empty without
        a filter).
    """
    spikes = "n_spikes_pre/psi_pre"
    on_pre = [f"{target}_post += w*{spikes}/tau_s_post"]
    model, filter_code = ["w : 1"], ""
    if error is not None:
        model.append(shared("eta"))
        if filtered:
            model.append("induction : 1")
            on_pre.append(f"induction += {error}_post*{spikes}/tau_w")
            # Euler step of dw/dt = eta*induction, dinduction/dt = -induction/tau_w.
            filter_code = "w += eta*induction*dt_w\ninduction -= induction*dt_w/tau_w"
        else:
            on_pre.append(f"w += eta*{error}_post*{spikes}")
    return {"model": "\n".join(model), "on_pre": "\n".join(on_pre), "filter_code": filter_code}
