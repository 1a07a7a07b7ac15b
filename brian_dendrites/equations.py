"""Tools for any model's Brian2 equations."""

from __future__ import annotations

from collections.abc import Sequence

from brian2 import Equations, second

from brian_dendrites.errors import ParameterError

__all__ = ["with_currents"]


def with_currents(eqs: Equations, lines: Sequence[str], group: str) -> Equations:
    """``eqs`` with every current that ``lines`` define added to du/dt.

    Works on the Equations of any model's neuron group whose membrane potential is ``u``, e.g. to add
    a user's extension ``["I_inj = 0.1/ms*(1 - u) : 1/second"]`` (``Simulation(currents=...)``). Each
    current must be in 1/time, as du/dt is.

    Parameters
    ----------
    eqs : Equations
        A neuron group's equations, with du/dt.
    lines : sequence of str
        Brian2 equation lines, each defining a new variable in 1/second.
    group : str
        The group's name, for error messages.

    Returns
    -------
    Equations
        ``eqs`` with du/dt extended and the currents' equations added.

    Raises
    ------
    ParameterError
        If ``lines`` are not Brian2 equations, or a current is not a new variable in 1/second.
    """
    try:
        currents = Equations("\n".join(lines))
    except Exception as error:  # Brian2's parser raises several kinds of errors
        raise ParameterError(f"currents[{group!r}]: not Brian2 equations ({error})") from error
    for name, equation in currents.items():
        if name in eqs or equation.dim != (1 / second).dim:
            raise ParameterError(f"currents[{group!r}]: {name} must be a new variable in 1/second, got {equation}")
    membrane = eqs["u"]
    added = " + ".join(currents)
    rest = Equations([equation for name, equation in eqs.items() if name != "u"])
    return Equations(f"du/dt = {membrane.expr} + {added} : 1") + rest + currents
