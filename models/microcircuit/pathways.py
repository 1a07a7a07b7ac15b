"""The plastic pathways of the microcircuit (Eqs. 7-10), defined once for every engine.

Every pathway's weights W (post, pre) change as dW/dt = eta * e_post * r_pre^T, with a
postsynaptic error factor e_post of one of two forms:

- a dendritic prediction error, e = phi(u) - phi(a v): the rate against the rate predicted by
  the attenuated dendritic potential v (Eq. 7 basal, Eq. 8 interneuron dendrite, Eq. 10
  top-down, which is not attenuated);
- the apical potential's distance from rest, e = v_rest - v_A with v_rest = 0 (Eq. 9).

The Brian2 network (equations.py, network.py) and the steady-state engine (steady_state.py)
both read :data:`PATHWAY_TABLE`: its Brian2 expression and its NumPy function are two spellings of
one formula, side by side here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brian_dendrites.kit import prediction_error, rest_error
from brian_dendrites.transfer import TransferFunction

__all__ = ["Pathway", "PATHWAY_TABLE"]


@dataclass(frozen=True)
class Pathway:
    """One plastic pathway.

    ``target`` is the postsynaptic potential its weights sum into (Eqs. 3-5), ``error`` the name of
    the stored postsynaptic error factor, ``potential`` the dendritic potential the error compares
    with (or, for Eq. 9, drives to rest), and ``attenuation`` the parameter-record property of its
    attenuation factor (None: not attenuated; ignored by Eq. 9).

    Parameters
    ----------
    name : str
        The pathway's name: 'bottom_up', 'ip', 'pi' or 'top_down' (a key of :data:`PATHWAY_TABLE`).
    equation : int
        The paper's equation of its weight change, 7-10.
    target : str
        The postsynaptic potential its weights sum into, e.g. ``'v_B'``.
    error : str
        The name of the stored postsynaptic error factor, e.g. ``'e_B'``.
    potential : str
        The dendritic potential the error compares with (Eq. 9: drives to rest), e.g. ``'v_B'``.
    attenuation : str or None
        The parameter-record property of the attenuation factor, e.g. ``'basal_attenuation'``;
        None: not attenuated.
    """

    name: str
    equation: int
    target: str
    error: str
    potential: str
    attenuation: str | None

    @property
    def predicts_rate(self) -> bool:
        """True for a dendritic prediction error (Eqs. 7, 8, 10), False for Eq. 9."""
        return self.equation != 9

    def expression(self, phi: TransferFunction, attenuation: str = "1", rate: str = "r") -> str:
        """The error factor as a Brian2 expression of the group's rate and ``potential``.

        Parameters
        ----------
        phi : TransferFunction
            The transfer function.
        attenuation : str, optional
            The attenuation factor as a Brian2 expression of the group's conductances, e.g.
            ``'g_B/(g_lk + g_B + g_A)'``; ignored unless the pathway is attenuated. Default ``'1'``.
        rate : str, optional
            The postsynaptic rate as a Brian2 expression: ``'r'`` (phi(u)), or a spike-count estimate
            (Urbanczik-Senn). Default ``'r'``.

        Returns
        -------
        str
            ``'rate - phi(a*potential)'``, or ``'-potential'`` for Eq. 9 (v_rest = 0).
        """
        if not self.predicts_rate:
            return rest_error(self.potential)
        return prediction_error(phi, self.potential, None if self.attenuation is None else attenuation, rate)

    def factor(
        self, phi: TransferFunction, r, v: np.ndarray, attenuation: float = 1.0, prediction: np.ndarray | None = None
    ) -> np.ndarray:
        """The error factor in NumPy, from the rates ``r`` and the potential ``v`` (same shape).

        Parameters
        ----------
        phi : TransferFunction
            The transfer function.
        r : numpy.ndarray or None
            The postsynaptic rates; ignored (may be None) for Eq. 9.
        v : numpy.ndarray
            The pathway's dendritic potential.
        attenuation : float, optional
            The attenuation factor a; ignored unless the pathway is attenuated. Default 1.
        prediction : numpy.ndarray or None, optional
            phi(attenuation * v) where the caller has it already; None computes it.

        Returns
        -------
        numpy.ndarray
            ``r - phi(a v)``, or ``-v`` for Eq. 9 (v_rest = 0).
        """
        if not self.predicts_rate:
            return -v
        if prediction is None:
            prediction = phi(v if self.attenuation is None else attenuation * v)
        return r - prediction


#: Eqs. 7-10, by pathway name (the names of MicrocircuitParams.plastic and LearningRates).
PATHWAY_TABLE = {
    pathway.name: pathway
    for pathway in (
        Pathway("bottom_up", 7, target="v_B", error="e_B", potential="v_B", attenuation="basal_attenuation"),
        Pathway("ip", 8, target="v_D", error="e_D", potential="v_D", attenuation="dendritic_attenuation"),
        Pathway("pi", 9, target="v_PI", error="e_A", potential="v_A", attenuation=None),
        Pathway("top_down", 10, target="v_TD", error="e_TD", potential="v_TD", attenuation=None),
    )
}
