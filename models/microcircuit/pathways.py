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

from brian_dendrites.transfer import TransferFunction

__all__ = ["Pathway", "PATHWAY_TABLE"]


@dataclass(frozen=True)
class Pathway:
    """One plastic pathway.

    ``target`` is the postsynaptic potential its weights sum into (Eqs. 3-5), ``error`` the name of
    the stored postsynaptic error factor, ``potential`` the dendritic potential the error compares
    with (or, for Eq. 9, drives to rest), and ``attenuation`` the parameter-record property of its
    attenuation factor (None: not attenuated; ignored by Eq. 9).
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

    def expression(self, phi: TransferFunction, attenuation: str = "1") -> str:
        """The error factor as a Brian2 expression of the group's ``r`` and ``potential``;
        ``attenuation`` is the factor as a Brian2 expression of the group's conductances."""
        if not self.predicts_rate:
            return f"-{self.potential}"
        scaled = self.potential if self.attenuation is None else f"{attenuation}*{self.potential}"
        return f"r - {phi.expression(scaled)}"

    def factor(
        self, phi: TransferFunction, r, v: np.ndarray, attenuation: float = 1.0, prediction: np.ndarray | None = None
    ) -> np.ndarray:
        """The error factor in NumPy, from the rates ``r`` and the potential ``v`` (same shape);
        ``prediction`` is phi(attenuation * v) where the caller has it already."""
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
