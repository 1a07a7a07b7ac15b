"""Brian2 equations of the error-neuron microcircuit (Max et al. 2025), joined from the model kit.

Every step starts by turning the dendritic potentials of the previous step into rates: the
prospective ("lookahead") potential u_breve = u + (du/dt)/g_tot is the steady state of those
dendrites, and the rate is phi(u_breve) (``start_code``). The synapses then sum the new rates into
the dendrites, the somata integrate, and the forward weights learn from the previous step's apical
error and presynaptic rate, as in the authors' Euler scheme.
"""

from __future__ import annotations

from brian2 import Equations

from brian_dendrites.kit import dendrites, plastic, prospective, shared, soma, summed
from brian_dendrites.transfer import TransferFunction

__all__ = [
    "input_equations",
    "representation_equations",
    "error_equations",
    "start_code",
    "forward_synapse",
    "LATERAL_IP",
    "LATERAL_PI",
]


def input_equations() -> Equations:
    """Input area 0: the rate of this step ``r`` (set by ``start_code``) and of the previous one.

    Returns
    -------
    Equations
        The input group's equations.
    """
    return Equations("r : 1\nr_old : 1")


def representation_equations(output: bool) -> Equations:
    """Representation neuron of area k: soma u, basal v_bas = W_k r_{k-1}, apical v_api = B^PI_k e_k.

    ``r_err`` is the rate e_k of the area's error neuron of the same index (linked).

    ``v_td`` (hidden areas) holds B^II_k e_{k+1}, the error of the area above as this area's error
    neurons receive it (see :func:`forward_synapse`). ``q`` is what the neuron sends to the error
    neurons through W^IP: phi'(u_breve) in hidden areas; at the output nudging(t) phi'(u_breve)
    (r* - r) with the target rate r* = ``r_target(t - delay, i)``: the target arrives N steps after
    the input switches, when the input's effect reaches the output (``delay`` = N dt, as the
    authors shift their targets).

    Parameters
    ----------
    output : bool
        True for the output area N.

    Returns
    -------
    Equations
        The representation group's equations.
    """
    lines = [
        soma([("g_bas", "v_bas"), ("g_api", "v_api")], leak="g_l", total="g_tot"),
        *dendrites(["v_bas", "v_api"]),
        "u_breve : 1",
        "r : 1",
        "r_old : 1",
        "slope : 1",
        "e_A : 1",
        "q : 1",
        "r_err : 1 (linked)",
        *(shared(g) for g in ("g_l", "g_bas", "g_api")),
    ]
    if not output:
        lines.append("v_td : 1")
    return Equations("\n".join(lines))


def error_equations(output: bool) -> Equations:
    """Error neuron of area k: soma u and dendrite v_den; its rate r = u_breve is linear (the error e_k).

    Hidden areas: v_den = (W^IP phi'(u_breve)) * (B^II e_{k+1}), the sum ``a_lat`` through W^IP times
    the top-down input ``v_td`` of the area's representation neurons (linked). Output: v_den = W^IP
    [phi'(u_breve) (r* - r)], while nudged. ``g_E`` is g_den (hidden) or g_ntgt (output).

    Parameters
    ----------
    output : bool
        True for the output area N.

    Returns
    -------
    Equations
        The error group's equations.
    """
    lines = [
        soma([("g_E", "v_den")], leak="g_l", factored=True),
        "a_lat : 1",
        "r : 1",
        *(shared(g) for g in ("g_l", "g_E")),
    ]
    lines += ["v_den = a_lat : 1"] if output else ["v_den = a_lat*v_td : 1", "v_td : 1 (linked)"]
    return Equations("\n".join(lines))


def start_code(population: str, phi: TransferFunction, output: bool = False) -> str:
    """The code each group runs at the start of a step: this step's rates from the previous dendrites.

    Parameters
    ----------
    population : {'input', 'representation', 'error'}
        The group's population.
    phi : TransferFunction
        The representation neurons' transfer function.
    output : bool, optional
        True for the output area.

    Returns
    -------
    str
        Brian2 code for a ``run_regularly`` in the 'start' slot.
    """
    if population == "input":
        return "r_old = r\nr = r_pattern(t, i)"
    if population == "error":
        return f"r = {prospective([('g_E', 'v_den')], leak='g_l')}"
    lines = [
        "r_old = r",
        f"u_breve = {prospective([('g_bas', 'v_bas'), ('g_api', 'v_api')], total='g_tot')}",
        "e_A = g_api*v_api/g_tot",  # = u_breve - g_bas v_bas/g_tot, the apical error factor
        f"r = {phi.expression('u_breve')}",
        f"slope = {phi.derivative_expression('u_breve')}",
        "q = nudging(t - delay)*slope*(r_target(t - delay, i) - r)" if output else "q = slope",
    ]
    return "\n".join(lines)


def forward_synapse(feedback: str | None) -> str:
    """Forward weights W_k (representation k-1 to k) with their plasticity, and B^II_{k-1} (k >= 2).

    dW_k/dt = eta e_A,post r_old,pre: the apical error factor and the presynaptic rate of the
    previous step. The top-down weights B^II_{k-1} = W_k^T + b ('BP') or b ('FA') live on the same
    synapses: each sums its weight times the error of area k (``r_err_post``, the rate of the error
    neuron linked to the postsynaptic representation neuron) into ``v_td`` of the presynaptic
    representation neuron, whose error neuron reads it.

    Parameters
    ----------
    feedback : {'BP', 'FA'} or None
        How B^II is set; None for W_1 (the input has no error neurons).

    Returns
    -------
    str
        The Synapses model string.
    """
    lines = [summed("v_bas"), *plastic("e_A_post*r_old_pre")]
    if feedback is not None:
        weight = "(w + b)" if feedback == "BP" else "b"
        lines += [f"v_td_pre = {weight}*r_err_post : 1 (summed)", "b : 1"]
    return "\n".join(lines)


#: Lateral weights W^IP_k (representation to error neurons, fixed).
LATERAL_IP = "\n".join([summed("a_lat", "q"), *plastic()])
#: Lateral weights B^PI_k (error to representation neurons, fixed).
LATERAL_PI = "\n".join([summed("v_api"), *plastic()])
