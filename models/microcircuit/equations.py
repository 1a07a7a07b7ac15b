"""Brian2 equation strings of the dendritic error microcircuit (Eqs. 1-10), joined from the model kit.

Each function returns the model string, made of the pieces of :mod:`brian_dendrites.kit`; the
namespace holds only structural constants (reversal potentials, time constants, TimedArrays).
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
every group draws a Poisson spike count n_spikes ~ Poisson(psi r dt) per step (the kit's
``spike_code``, threshold ``n_spikes != 0``); dendritic potentials are traces that decay with tau_s
and jump by w n_spikes / (psi tau_s) on each presynaptic spike; plastic weights change by
eta e_post n_spikes / psi on each presynaptic spike (the kit's ``spiking_synapses``). In one step,
r(t) and e(t) as above, then the counts n(t) from r(t), then the traces and weights take the spikes
of step t.

Thresholds (``MicrocircuitParams.thresholds``, spiking mode only) are the spiking engine's: a per-neuron
b_B of each pyramidal neuron's basal potential and b_D of each interneuron's, an input fixed at 1 with a
plastic weight. The traces decay to them, dv_B/dt = (b_B - v_B)/tau_s, from v_B = b_B at the start, so
that v_B is the spike trace plus b_B everywhere v_B enters (soma, lookahead, error factors); where the
pathway is plastic, each step after the spikes b_B and v_B both change by eta_b e_B dt (Eq. 7 with
presynaptic rate 1; Eq. 8 for b_D).
"""

from __future__ import annotations

from collections.abc import Sequence

from brian2 import Equations

from brian_dendrites.errors import ParameterError
from brian_dendrites.kit import (
    balanced_teaching,
    dendrites,
    error_factors,
    error_variables,
    noise,
    plastic,
    prospective,
    rate,
    shared,
    soma,
    spike_count,
    spike_rate,
    summed,
    thresholds,
    traces,
)
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
    "THRESHOLDS",
    "threshold_lines",
]

# Balanced teaching conductances toward u_tgt (section 2.1), of outputs and interneurons.
_TEACHING = balanced_teaching()


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
    return Equations("\n".join([rate, *(spike_count() if spiking else [])]))


#: Population -> (its potential with a threshold, the threshold, the potential's error factor).
THRESHOLDS = {"pyramidal": ("v_B", "b_B", "e_B"), "interneuron": ("v_D", "b_D", "e_D")}


def threshold_lines(population: str, learning: bool) -> tuple[list[str], str]:
    """The threshold of a pyramidal neuron (b_B) or interneuron (b_D): its lines, and its learning code.

    Parameters
    ----------
    population : {'pyramidal', 'interneuron'}
        The population.
    learning : bool
        True: the threshold learns by db/dt = eta_b e (its pathway is plastic); False: it is fixed.

    Returns
    -------
    lines : list of str
        ``b : 1`` and, where it learns, the shared ``eta_b``.
    code : str
        One step of dt of b and its potential, ``b += eta_b*e*dt`` and ``v += eta_b*e*dt`` (empty where fixed).
    """
    v, b, e = THRESHOLDS[population]
    return thresholds({v: b}, {b: e} if learning else None)


def _dendrites(names: Sequence[str], spiking: bool, rests: dict[str, str] | None = None) -> list[str]:
    """Dendritic potentials: parameters the synapses sum into, or spike traces decaying with tau_s (to ``rests``)."""
    if rests and not spiking:
        raise ParameterError("thresholds need spiking mode: the rate network's dendritic potentials are sums")
    return [*traces(names, rests=rests), *spike_count()] if spiking else dendrites(names)


def pyramidal_equations(
    phi: TransferFunction,
    *,
    output: bool,
    noise: bool,
    errors: set[str],
    spiking: SpikingParams | None = None,
    thresholds: bool = False,
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
    thresholds : bool, optional
        Spiking mode: v_B decays to the threshold b_B (:func:`threshold_lines`), which learns where
        ``errors`` holds 'bottom_up'. Default False.

    Returns
    -------
    Equations
        The pyramidal group's equations.

    Raises
    ------
    ParameterError
        If ``thresholds`` is True in rate mode.
    """
    conductances = ("g_lk", "g_B", "g_A", "g_som") if output else ("g_lk", "g_B", "g_A")
    rests = {"v_B": "b_B"} if thresholds else None
    if output:
        couplings, drives, currents = [("g_B", "v_B")], [("g_B", "v_B"), *_TEACHING.drives], [_TEACHING.current]
        lines = ["u_tgt = u_target(t, i) : 1", "g_teach = g_som*nudging(t) : 1/second", *_TEACHING.lines]
        lines += _dendrites(["v_B"], spiking is not None, rests)
    else:
        couplings = drives = [("g_B", "v_B"), ("g_A", "v_A")]
        dendritic = _dendrites(["v_B", "v_TD", "v_PI"], spiking is not None, rests)
        currents, lines = [], ["v_A = v_TD + v_PI : 1", *dendritic]
    parameters = [shared(g) for g in conductances]
    if thresholds:
        parameters += threshold_lines("pyramidal", "bottom_up" in errors)[0]
    return _neuron(phi, couplings, drives, currents, lines, parameters, noise, spiking, pyramidal_errors(phi, errors))


def _neuron(phi, couplings, drives, currents, lines, parameters, sigma, spiking, errors, gain="") -> Equations:
    """Soma, ``lines``, noise amplitude, ``parameters``, rate (with lookahead: of the prospective potential
    of ``drives``), the stored error factors ``errors``."""
    term, amplitude = noise()
    lookahead = spiking is not None and spiking.lookahead
    return Equations(
        "\n".join(
            [
                soma(couplings, currents=[*currents, *([term] if sigma else [])]),
                *lines,
                *([amplitude] if sigma else []),
                *parameters,
                rate(phi, prospective(drives) if lookahead else "u", gain=gain),
                *error_variables(errors),
            ]
        )
    )


def _errors(phi: TransferFunction, pathways, record: type, spike_based: bool) -> dict[str, str]:
    """Error factor name -> Brian2 expression, from the pathway table, in table order."""
    return error_factors(PATHWAY_TABLE, pathways, phi, record.EXPRESSIONS, spike_rate() if spike_based else "r")


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
    phi: TransferFunction, *, noise: bool, error: bool, spiking: SpikingParams | None = None, thresholds: bool = False
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
    thresholds : bool, optional
        Spiking mode: v_D decays to the threshold b_D (:func:`threshold_lines`), which learns with
        ``error``. Default False.

    Returns
    -------
    Equations
        The interneuron group's equations.

    Raises
    ------
    ParameterError
        If ``thresholds`` is True in rate mode.
    """
    names = ["v_D", "v_N"] if spiking is not None and spiking.interneuron_nudging == "spikes" else ["v_D"]
    nudging = f"u_tgt = {phi.inverse_expression('v_N')} : 1" if len(names) == 2 else "u_tgt : 1 (linked)"
    dendritic = _dendrites(names, spiking is not None, {"v_D": "b_D"} if thresholds else None)
    lines = [*dendritic, nudging, "g_teach = g_som : 1/second", *_TEACHING.lines]
    couplings = [("g_D", "v_D")]
    drives, currents = [*couplings, *_TEACHING.drives], [_TEACHING.current]
    parameters = [*(shared(g) for g in ("g_lk", "g_D", "g_som")), shared("gamma", "1")]
    if thresholds:
        parameters += threshold_lines("interneuron", error)[0]
    errors = ["e_D"] if error else []
    return _neuron(phi, couplings, drives, currents, lines, parameters, noise, spiking, errors, gain="gamma*")


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
    factor = None if error is None else f"{error}_post*r_pre"
    return "\n".join([summed(target), *plastic(factor, filtered=filtered)])
