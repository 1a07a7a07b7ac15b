"""A neuron's output: its rate through a transfer function, or Poisson spike counts of that rate."""

from __future__ import annotations

from collections.abc import Sequence

from brian_dendrites.transfer import TransferFunction

__all__ = ["rate", "prospective", "spike_count", "spike_code", "spike_rate", "SPIKE_THRESHOLD"]

#: The threshold of a group with spike counts: it spikes in every step with a count.
SPIKE_THRESHOLD = "n_spikes != 0"


def rate(phi: TransferFunction, argument: str = "u", *, gain: str = "", name: str = "r") -> str:
    """The rate ``r = phi(u)``, stored once per step (``constant over dt``) for every synapse to read.

    Parameters
    ----------
    phi : TransferFunction
        The transfer function.
    argument : str, optional
        The potential phi reads, e.g. ``'u'`` or a :func:`prospective` one. Default ``'u'``.
    gain : str, optional
        A factor in front, e.g. ``'gamma*'``. Default none.
    name : str, optional
        The rate's name. Default ``'r'``.

    Returns
    -------
    str
        The rate's equation line.
    """
    return f"{name} = {gain}{phi.expression(argument)} : 1 (constant over dt)"


def prospective(couplings: Sequence[tuple[str, str]], *, leak: str = "g_lk", total: str | None = None) -> str:
    """The prospective (lookahead) potential: the steady state of the present input, sum g v / (g_lk + sum g).

    Parameters
    ----------
    couplings : sequence of (str, str)
        (conductance, potential) of every input to the soma: dendrites, and reversal potentials of
        teaching conductances (``balanced_teaching().drives``).
    leak : str, optional
        The leak conductance (towards rest 0). Default ``'g_lk'``.
    total : str or None, optional
        The name of the total conductance, if the model defines one. Default None: the sum.

    Returns
    -------
    str
        A Brian2 expression, e.g. ``'(g_B*v_B + g_A*v_A)/(g_lk + g_B + g_A)'``.
    """
    numerator = " + ".join(f"{g}*{v}" for g, v in couplings)
    numerator = f"({numerator})" if len(couplings) > 1 or total is not None else numerator
    return f"{numerator}/{total or '(' + ' + '.join([leak, *(g for g, _ in couplings)]) + ')'}"


def spike_count(rate_unit: str = "psi") -> list[str]:
    """A group's Poisson spike count per step ``n_spikes`` and psi, the spikes per time per unit rate.

    Parameters
    ----------
    rate_unit : str, optional
        The name of psi, a shared run-time value. Default ``'psi'``.

    Returns
    -------
    list of str
        The two declarations; draw the count with :func:`spike_code`, threshold :data:`SPIKE_THRESHOLD`.
    """
    return ["n_spikes : integer", f"{rate_unit} : 1/second (shared, constant)"]


def spike_code(signed: bool = False) -> str:
    """The code that draws a group's spike count of this step, n_spikes ~ Poisson(psi * r * dt).

    Parameters
    ----------
    signed : bool, optional
        True for opponent inputs: a negative rate r draws Poisson(psi * abs(r) * dt) OFF spikes,
        counted negative. Default False.

    Returns
    -------
    str
        Brian2 code for a ``run_regularly`` before the thresholds.
    """
    if signed:
        return "n_spikes = poisson(psi*abs(r)*dt)*sign(r)"
    return "n_spikes = poisson(psi*r*dt)"


def spike_rate() -> str:
    """The rate estimated from the neuron's own spike count of the last step (Urbanczik-Senn).

    Returns
    -------
    str
        ``'n_spikes/(psi*dt)'``.
    """
    return "n_spikes/(psi*dt)"
