"""Brian2 equation strings of the dendritic error microcircuit (Eqs. 1-10).

Each function returns the model string; the namespace holds only structural
constants (reversal potentials, time constants, TimedArrays).
Quantities that many synapses read are stored once per neuron, so synapses
gather instead of recompute: rates r are ``constant over dt`` subexpressions
(updated every step), and the dendritic prediction errors e_* (Eqs. 7-10) are
parameters that the code returned by ``*_errors`` updates on the plasticity clock.

Discrete time, one step t -> t + dt:

1. r(t) = phi(u(t)); error factors from r(t) and the dendritic potentials
   that drove u(t) (computed in the previous step);
2. summed variables: dendritic potentials v(t) from the weights and r(t);
3. Euler-Maruyama: u(t + dt) from v(t); plasticity from e(t) and r(t).

Spiking mode (``MicrocircuitParams.mode == "spiking"``) changes three things and keeps the rest:
every group draws a Poisson spike count n_spikes ~ Poisson(psi r dt) per step (``spike_code``,
threshold ``n_spikes != 0``); dendritic potentials are traces that decay with tau_s and jump by
w n_spikes / (psi tau_s) on each presynaptic spike; plastic weights change by eta e_post n_spikes / psi
on each presynaptic spike (``spiking_synapse_code``). In one step, r(t) and e(t) as above, then the
counts n(t) from r(t), then the traces and weights take the spikes of step t.
"""

from __future__ import annotations

from collections.abc import Sequence

from brian2 import Equations

from brian_dendrites.transfer import TransferFunction

from .parameters import InterneuronParams, PyramidalParams, SpikingParams
from .pathways import PATHWAY_TABLE

__all__ = [
    "input_equations",
    "pyramidal_equations",
    "pyramidal_errors",
    "interneuron_equations",
    "interneuron_errors",
    "synapse_equations",
    "spike_code",
    "spiking_synapse_code",
]

_NOISE = " + sigma*xi"
_NUDGING = " + g_exc*(E_exc - u) + g_inh*(E_inh - u)"
# Balanced teaching conductances (section 2.1): the current vanishes at u = u_tgt.
_BALANCED = """
g_exc = g_teach*(u_tgt - E_inh)/(E_exc - E_inh) : 1/second
g_inh = g_teach*(E_exc - u_tgt)/(E_exc - E_inh) : 1/second
"""


# A spiking group's count per step and the spikes per time per unit rate (run-time values).
_SPIKES = ["n_spikes : integer", "psi : 1/second (shared, constant)"]


def input_equations(filtered: bool, spiking: bool = False) -> Equations:
    """Input layer 0: rates r follow the pattern ``r_pattern(t, i)``, low-pass filtered with tau_input.

    Parameters
    ----------
    filtered : bool
        True: dr/dt = (r_pattern(t, i) - r) / tau_input (``MicrocircuitParams.tau_input`` is not None);
        False: r = r_pattern(t, i).
    spiking : bool, optional
        True adds the spike count per step ``n_spikes`` and psi (spiking mode). Default False.

    Returns
    -------
    Equations
        The input group's equations.
    """
    rate = "dr/dt = (r_pattern(t, i) - r)/tau_input : 1" if filtered else "r = r_pattern(t, i) : 1 (constant over dt)"
    return Equations("\n".join([rate, *(_SPIKES if spiking else [])]))


def spike_code(signed: bool = False) -> str:
    """The code that draws a group's spike count of this step, n_spikes ~ Poisson(psi * r * dt).

    Parameters
    ----------
    signed : bool, optional
        True for opponent inputs (``SpikingParams.negative_inputs == 'opponent'``): a negative rate
        r draws Poisson(psi * abs(r) * dt) OFF spikes, counted negative. Default False.

    Returns
    -------
    str
        Brian2 code for a ``run_regularly`` before the thresholds (threshold ``n_spikes != 0``).
    """
    if signed:
        return "n_spikes = poisson(psi*abs(r)*dt)*sign(r)"
    return "n_spikes = poisson(psi*r*dt)"


def _dendrites(names: Sequence[str], spiking: bool) -> list[str]:
    """Dendritic potentials: parameters the synapses sum into, or spike traces decaying with tau_s."""
    if not spiking:
        return [f"{v} : 1" for v in names]
    return [f"d{v}/dt = -{v}/tau_s : 1" for v in names] + ["tau_s : second (shared, constant)", *_SPIKES]


def _rate(
    phi: TransferFunction, drives: Sequence[tuple[str, str]], teaching: bool, lookahead: bool, gain: str = ""
) -> str:
    """``r = phi(u)``; with ``lookahead`` phi of the prospective potential, the steady state of the
    present input: sum of g * potential over g_lk plus the conductances (``drives``: (g, potential)).
    ``gain`` (e.g. ``'gamma*'``) multiplies the rate."""
    if not lookahead:
        return f"r = {gain}{phi.expression('u')} : 1 (constant over dt)"
    numerator = " + ".join(f"{g}*{v}" for g, v in drives)
    total = " + ".join(["g_lk", *(g for g, _ in drives)])
    if teaching:
        numerator += " + g_exc*E_exc + g_inh*E_inh"
        total += " + g_exc + g_inh"
    return f"r = {gain}{phi.expression(f'({numerator})/({total})')} : 1 (constant over dt)"


def pyramidal_equations(
    phi: TransferFunction, *, output: bool, noise: bool, errors: set[str], spiking: SpikingParams | None = None
) -> Equations:
    """Pyramidal neuron, Eqs. 1, 3, 4.

    Hidden neurons have soma u, basal v_B and apical v_A = v_TD + v_PI (top-down
    plus interneuron input). Output neurons (``output=True``) have no apical
    compartment (their g_A is 0) and get the balanced teaching input toward
    ``u_target(t, i)``, switched on by ``nudging(t)``. ``errors`` names the
    pathways whose postsynaptic error factors the group stores: 'bottom_up'
    (Eq. 7), 'pi' (Eq. 9), 'top_down' (Eq. 10). Conductances and sigma are
    shared parameters, so new values need no recompilation.

    Parameters
    ----------
    phi : TransferFunction
        The transfer function of the rate r = phi(u).
    output : bool
        True for the output layer (no apical compartment, nudged toward the target).
    noise : bool
        True adds the white noise sigma * xi to du/dt.
    errors : set of str
        The pathways whose error factors the group stores, among 'bottom_up', 'pi' and 'top_down'.
    spiking : SpikingParams or None, optional
        Spiking mode: the dendritic potentials are spike traces, the group has a spike count
        ``n_spikes``, and ``spiking.lookahead`` picks the prospective rate. None: rate mode.

    Returns
    -------
    Equations
        The pyramidal group's equations.
    """
    conductances = ("g_lk", "g_B", "g_A", "g_som") if output else ("g_lk", "g_B", "g_A")
    drive = "-g_lk*u + g_B*(v_B - u)"
    dendrites, drives = ["v_B"], [("g_B", "v_B")]
    lines = []
    if output:
        drive += _NUDGING
        lines += ["u_tgt = u_target(t, i) : 1", "g_teach = g_som*nudging(t) : 1/second", _BALANCED]
    else:
        drive += " + g_A*(v_A - u)"
        dendrites += ["v_TD", "v_PI"]
        drives.append(("g_A", "v_A"))
        lines.append("v_A = v_TD + v_PI : 1")
    lines += _dendrites(dendrites, spiking is not None)
    if noise:
        drive += _NOISE
        lines.append("sigma : second**-0.5 (shared, constant)")
    lines.insert(0, f"du/dt = {drive} : 1")
    lines += [f"{g} : 1/second (shared, constant)" for g in conductances]
    lines.append(_rate(phi, drives, output, spiking is not None and spiking.lookahead))
    lines += [f"{name} : 1" for name in pyramidal_errors(phi, errors)]
    return Equations("\n".join(lines))


# Urbanczik-Senn: the postsynaptic rate estimated from the neuron's own spike count of the last step.
_SPIKE_RATE = "n_spikes/(psi*dt)"


def _errors(phi: TransferFunction, pathways, record: type, spike_rate: bool) -> dict[str, str]:
    """Error factor name -> Brian2 expression, from the pathway table, in table order."""
    rate = _SPIKE_RATE if spike_rate else "r"
    return {
        p.error: p.expression(phi, record.EXPRESSIONS.get(p.attenuation, "1"), rate)
        for p in PATHWAY_TABLE.values()
        if p.name in pathways
    }


def pyramidal_errors(phi: TransferFunction, pathways: set[str], spike_rate: bool = False) -> dict[str, str]:
    """Postsynaptic error factors of a pyramidal neuron, name -> Brian2 expression (see pathways.py).

    Parameters
    ----------
    phi : TransferFunction
        The transfer function.
    pathways : set of str
        The pathways, among 'bottom_up' (Eq. 7), 'pi' (Eq. 9) and 'top_down' (Eq. 10).
    spike_rate : bool, optional
        True (Urbanczik-Senn, spiking mode) uses the spike count of the last step, n_spikes / (psi
        dt), for the rate r. Default False.

    Returns
    -------
    dict of str to str
        Error factor name (e.g. 'e_B') -> Brian2 expression, in the order of the pathway table.
    """
    return _errors(phi, pathways, PyramidalParams, spike_rate)


def interneuron_errors(phi: TransferFunction, spike_rate: bool = False) -> dict[str, str]:
    """Postsynaptic error factor of an interneuron (Eq. 8): name -> Brian2 expression.

    Parameters
    ----------
    phi : TransferFunction
        The transfer function.
    spike_rate : bool, optional
        True (Urbanczik-Senn) uses the spike count of the last step for the rate r. Default False.

    Returns
    -------
    dict of str to str
        ``{'e_D': expression}``.
    """
    return _errors(phi, {"ip"}, InterneuronParams, spike_rate)


def interneuron_equations(
    phi: TransferFunction, *, noise: bool, error: bool, spiking: SpikingParams | None = None
) -> Equations:
    """SST interneuron, Eqs. 2 and 5: soma u, dendrite v_D.

    The soma is nudged one-to-one toward the linked somatic potential ``u_tgt`` of a pyramidal
    neuron in the layer above. The rate is ``gamma*phi(u)``: the run-time disinhibition gain
    gamma in [0, 1] (``InterneuronParams.gamma``) stands for VIP-like inhibition of the SST cells.

    Parameters
    ----------
    phi : TransferFunction
        The transfer function of the rate r = phi(u).
    noise : bool
        True adds the white noise sigma * xi to du/dt.
    error : bool
        True stores the error factor e_D of Eq. 8 (the 'ip' pathway is plastic).
    spiking : SpikingParams or None, optional
        Spiking mode: v_D is a spike trace, the group has a spike count ``n_spikes``; with
        ``spiking.interneuron_nudging == 'spikes'`` the nudging target is phi^-1 of the trace v_N
        of the linked pyramidal neuron's spikes. None: rate mode.

    Returns
    -------
    Equations
        The interneuron group's equations.
    """
    conductances = ("g_lk", "g_D", "g_som")
    drive = "-g_lk*u + g_D*(v_D - u)" + _NUDGING
    dendrites = ["v_D", "v_N"] if spiking is not None and spiking.interneuron_nudging == "spikes" else ["v_D"]
    nudging = f"u_tgt = {phi.inverse_expression('v_N')} : 1" if len(dendrites) == 2 else "u_tgt : 1 (linked)"
    lines = [*_dendrites(dendrites, spiking is not None), nudging, "g_teach = g_som : 1/second", _BALANCED]
    if noise:
        drive += _NOISE
        lines.append("sigma : second**-0.5 (shared, constant)")
    lines.insert(0, f"du/dt = {drive} : 1")
    lines += [f"{g} : 1/second (shared, constant)" for g in conductances]
    lines += ["gamma : 1 (shared, constant)"]
    lines.append(_rate(phi, [("g_D", "v_D")], True, spiking is not None and spiking.lookahead, gain="gamma*"))
    if error:
        lines.append("e_D : 1")
    return Equations("\n".join(lines))


def synapse_equations(target: str, error: str | None, filtered: bool) -> str:
    """Dense synapses summing ``w*r_pre`` into the postsynaptic ``target`` potential.

    With an ``error`` factor the weight follows dw/dt = eta * e_post * r_pre
    (Eqs. 7-10); with ``filtered`` the induction term is first low-pass
    filtered with tau_w. Without ``error`` the weights are fixed.

    Parameters
    ----------
    target : str
        The postsynaptic potential, e.g. ``'v_B'``.
    error : str or None
        The postsynaptic error factor, e.g. ``'e_B'``; None: fixed weights.
    filtered : bool
        True filters the induction with tau_w (``MicrocircuitParams.tau_w`` is not None).

    Returns
    -------
    str
        The Synapses model string.
    """
    lines = [f"{target}_post = w*r_pre : 1 (summed)"]
    if error is None:
        lines.append("w : 1")
    elif filtered:
        lines += [
            "dw/dt = eta*induction : 1 (clock-driven)",
            f"dinduction/dt = ({error}_post*r_pre - induction)/tau_w : 1 (clock-driven)",
        ]
    else:
        lines.append(f"dw/dt = eta*{error}_post*r_pre : 1 (clock-driven)")
    if error is not None:
        lines.append("eta : 1/second (shared, constant)")
    return "\n".join(lines)


def spiking_synapse_code(target: str, error: str | None, filtered: bool) -> dict[str, str]:
    """Synapses of spiking mode: the model, and the code of each presynaptic spike count ``n_spikes_pre``.

    Each spike adds ``w / (psi tau_s)`` to the postsynaptic ``target`` trace; with an ``error``
    factor it changes w by ``eta e_post / psi`` (Eqs. 7-10), or, with ``filtered``, adds
    ``e_post / (psi tau_w)`` to the induction that ``filter_code`` integrates into w.

    Parameters
    ----------
    target : str
        The postsynaptic trace, e.g. ``'v_B'``.
    error : str or None
        The postsynaptic error factor, e.g. ``'e_B'``; None: fixed weights.
    filtered : bool
        True filters the induction with tau_w (``MicrocircuitParams.tau_w`` is not None).

    Returns
    -------
    dict of str to str
        ``model`` (the Synapses model string), ``on_pre`` (the code of a presynaptic spike; a signed
        count of opponent inputs enters with its sign) and ``filter_code`` (the code run on the
        plasticity clock; empty without a filter).
    """
    spikes = "n_spikes_pre/psi_pre"
    on_pre = [f"{target}_post += w*{spikes}/tau_s_post"]
    model, filter_code = ["w : 1"], ""
    if error is not None:
        model.append("eta : 1/second (shared, constant)")
        if filtered:
            model.append("induction : 1")
            on_pre.append(f"induction += {error}_post*{spikes}/tau_w")
            # Euler step of dw/dt = eta*induction, dinduction/dt = -induction/tau_w (dt_w: the plasticity step).
            filter_code = "w += eta*induction*dt_w\ninduction -= induction*dt_w/tau_w"
        else:
            on_pre.append(f"w += eta*{error}_post*{spikes}")
    return {"model": "\n".join(model), "on_pre": "\n".join(on_pre), "filter_code": filter_code}
