"""White noise on a membrane potential."""

from __future__ import annotations

from .compartments import shared

__all__ = ["noise"]


def noise(sigma: str = "sigma") -> tuple[str, str]:
    """The noise term sigma*xi of du/dt and its amplitude, a shared run-time value.

    xi is Brian2's white noise, in s^-0.5: each Euler-Maruyama step adds sigma*sqrt(dt)*N(0, 1).

    Parameters
    ----------
    sigma : str, optional
        The amplitude's name. Default ``'sigma'``.

    Returns
    -------
    term : str
        ``'sigma*xi'``, for :func:`~brian_dendrites.kit.soma`'s ``currents``.
    declaration : str
        The amplitude's equation line (second**-0.5).
    """
    return f"{sigma}*xi", shared(sigma, "second**-0.5")
