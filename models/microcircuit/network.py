"""Builds the Brian2 objects of a microcircuit with any number of hidden layers.

Names follow the paper's indices: ``input_0``; ``pyramidal_k`` for k = 1..N
(N is the output layer); ``interneuron_k`` for each hidden layer; synapses
``bottom_up_k`` (W_{k,k-1}), ``top_down_k`` (W_{k,k+1}), ``ip_k`` (W^IP_{k,k})
and ``pi_k`` (W^PI_{k,k}). Weight matrices are (post, pre), as in the paper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses, TimedArray, linked_var

from brian_dendrites.equations import with_currents
from brian_dendrites.kit import SPIKE_THRESHOLD, error_code, spike_code, spiking_synapses, variable_views
from brian_dendrites.model import Projection

from .equations import (
    input_equations,
    interneuron_equations,
    interneuron_errors,
    pyramidal_equations,
    pyramidal_errors,
    synapse_equations,
    threshold_lines,
)
from .parameters import LearningRates, MicrocircuitParams
from .pathways import PATHWAY_TABLE

__all__ = [
    "projections",
    "group_sizes",
    "recordable",
    "stored_errors",
    "Microcircuit",
    "build_microcircuit",
    "runtime_parameters",
    "threshold_pathway",
    "threshold_rate",
]

# Interneurons update first (order 0), so they are nudged by u_{k+1}(t); then
# pyramidal neurons (1), inputs (2) and plasticity (3). Summed variables run
# just before their target group (order - 1).
_ORDER = {"interneuron": 0, "pyramidal": 1, "input": 2, "plasticity": 3}


def projections(sizes: tuple[int, ...]) -> list[Projection]:
    """All projections of a network with pyramidal layer ``sizes``.

    Parameters
    ----------
    sizes : tuple of int
        Pyramidal layer sizes (n_0, ..., n_N).

    Returns
    -------
    list of Projection
        ``bottom_up_k`` for k = 1..N, then ``top_down_k``, ``ip_k`` and ``pi_k`` for each hidden layer k.
        A projection's ``pathway`` is its plastic pathway (a key of ``PATHWAY_TABLE``); its ``layer``
        the pyramidal layer it projects into (bottom-up, top-down), or the hidden layer whose
        interneurons it connects (ip, pi).
    """
    n = len(sizes) - 1
    result = []
    for k in range(1, n + 1):
        pre = "input_0" if k == 1 else f"pyramidal_{k - 1}"
        result.append(Projection(f"bottom_up_{k}", "bottom_up", k, pre, f"pyramidal_{k}", sizes[k - 1], sizes[k]))
    for k in range(1, n):
        # Layer k has one interneuron per pyramidal neuron of layer k + 1.
        result += [
            Projection(f"top_down_{k}", "top_down", k, f"pyramidal_{k + 1}", f"pyramidal_{k}", sizes[k + 1], sizes[k]),
            Projection(f"ip_{k}", "ip", k, f"pyramidal_{k}", f"interneuron_{k}", sizes[k], sizes[k + 1]),
            Projection(f"pi_{k}", "pi", k, f"interneuron_{k}", f"pyramidal_{k}", sizes[k + 1], sizes[k]),
        ]
    return result


def group_sizes(sizes: tuple[int, ...]) -> dict[str, int]:
    """Neurons per group of a network with pyramidal layer ``sizes``.

    Parameters
    ----------
    sizes : tuple of int
        Pyramidal layer sizes (n_0, ..., n_N).

    Returns
    -------
    dict of str to int
        Group name -> size; interneuron_k has n_{k+1} neurons.
    """
    n = len(sizes) - 1
    result = {"input_0": sizes[0]} | {f"pyramidal_{k}": sizes[k] for k in range(1, n + 1)}
    return result | {f"interneuron_{k}": sizes[k + 1] for k in range(1, n)}


def recordable(params: MicrocircuitParams) -> dict[str, tuple[str, ...]]:
    """The per-neuron variables that can be recorded, by group.

    Parameters
    ----------
    params : MicrocircuitParams
        The network's parameters.

    Returns
    -------
    dict of str to tuple of str
        Group name -> variable names (the output layer has no apical potentials). Spiking mode adds
        the spike count per step ``n_spikes`` to every group, and the trace ``v_N`` of the nudging
        spikes to interneurons nudged by spikes.
    """
    n = len(params.sizes) - 1
    variables = {
        "input": ("r",),
        "pyramidal": ("u", "v_B", "v_A", "v_TD", "v_PI", "r"),
        "interneuron": ("u", "v_D", "r"),
    }
    if params.spiking_mode and params.spiking.interneuron_nudging == "spikes":
        variables["interneuron"] += ("v_N",)
    result = {name: variables[name.rsplit("_", 1)[0]] for name in group_sizes(params.sizes)}
    result[f"pyramidal_{n}"] = ("u", "v_B", "r")  # the output layer has no apical compartment
    if params.spiking_mode:
        result = {name: (*variables, "n_spikes") for name, variables in result.items()}
    return result


@dataclass
class Microcircuit:
    """The Brian2 objects of one network (add ``objects`` to a Network).

    Parameters
    ----------
    params : MicrocircuitParams
        The record the network was built from.
    groups : dict of str to NeuronGroup
        The neuron groups by name.
    synapses : dict of str to Synapses
        The synapses by projection name.
    projections : list of Projection
        The projections, in the order of :func:`projections`.
    """

    params: MicrocircuitParams
    groups: dict[str, NeuronGroup]
    synapses: dict[str, Synapses]
    projections: list[Projection]

    @property
    def objects(self) -> list:
        """The neuron groups, then the synapses."""
        return [*self.groups.values(), *self.synapses.values()]

    def plastic(self, projection: Projection) -> bool:
        """Whether ``projection`` has plasticity code (its pathway is in ``params.plastic``).

        Parameters
        ----------
        projection : Projection
            One of the network's projections.

        Returns
        -------
        bool
            True if its weights have plasticity code.
        """
        return projection.pathway in self.params.plastic


def stored_errors(params: MicrocircuitParams, group: str) -> set[str]:
    """The plastic pathways whose postsynaptic error factor ``group`` stores (see pathways.py).

    Parameters
    ----------
    params : MicrocircuitParams
        The network's parameters.
    group : str
        A group name, e.g. ``'pyramidal_1'``.

    Returns
    -------
    set of str
        A subset of ``params.plastic``: {'ip'} for interneurons, {'bottom_up'} for the output layer,
        {'bottom_up', 'pi', 'top_down'} for hidden layers; empty for the input.
    """
    population, layer = group.rsplit("_", 1)
    if population == "interneuron":
        return params.plastic & {"ip"}
    if population == "pyramidal":
        output = int(layer) == len(params.sizes) - 1
        return params.plastic & ({"bottom_up"} if output else {"bottom_up", "pi", "top_down"})
    return set()


def build_microcircuit(
    params: MicrocircuitParams,
    r_pattern: TimedArray,
    u_target: TimedArray,
    nudging: TimedArray,
    currents: dict[str, list[str]] | None = None,
) -> Microcircuit:
    """Create the groups and synapses of ``params``.

    Inputs, targets and the nudging switch are the TimedArrays ``r_pattern(t, i)``, ``u_target(t, i)``
    and ``nudging(t)``. ``currents`` adds a user's currents to the membrane equation of the groups it
    names (see :func:`brian_dendrites.equations.with_currents`). Weights start at zero: the caller sets them.

    Parameters
    ----------
    params : MicrocircuitParams
        The network's parameters.
    r_pattern : TimedArray
        Input rates r_0, ``r_pattern(t, i)``.
    u_target : TimedArray
        Output target potentials, ``u_target(t, i)``.
    nudging : TimedArray
        The teaching switch of the output's nudging, ``nudging(t)``, in [0, 1].
    currents : dict of str to list of str, optional
        Group name -> Brian2 equation lines of extra currents in 1/second. Default None: none.

    Returns
    -------
    Microcircuit
        The groups, synapses and projections.

    Raises
    ------
    ParameterError
        If ``currents`` holds lines that are not Brian2 equations or not new currents in 1/second.
    """
    currents = currents or {}
    sizes, phi, n = params.sizes, params.phi, len(params.sizes) - 1
    reversal = {"E_exc": params.E_exc, "E_inh": params.E_inh}
    neuron_clock = Clock(params.dt, name="neuron_clock")
    plasticity_clock = neuron_clock
    if params.dt_plasticity is not None and params.dt_plasticity != params.dt:
        plasticity_clock = Clock(params.dt_plasticity, name="plasticity_clock")
    spiking = params.spiking if params.spiking_mode else None
    spike_rate = spiking is not None and spiking.postsynaptic == "spikes"
    groups: dict[str, NeuronGroup] = {}

    def add_group(name: str, size: int, eqs, population: str, namespace: dict, errors=None) -> NeuronGroup:
        if name in currents:
            eqs = with_currents(eqs, currents[name], name)
        group = NeuronGroup(
            size,
            eqs,
            method="euler",
            name=name,
            order=_ORDER[population],
            namespace=namespace,
            clock=neuron_clock,
            threshold=SPIKE_THRESHOLD if spiking else None,
            reset="" if spiking else None,
        )
        if errors:
            # Error factors: once per neuron, at the start of each plasticity step.
            group.run_regularly(error_code(errors), clock=plasticity_clock, when="before_groups", name=f"{name}_errors")
        if spiking:
            signed = population == "input" and params.signed_inputs
            group.run_regularly(spike_code(signed), when="before_thresholds", name=f"{name}_spikes")
        if params.thresholds and population != "input":
            # Plastic thresholds: every step, after the spikes have reached the traces and weights.
            learning = threshold_pathway(name) in params.plastic
            code = threshold_lines(population, learning)[1]
            if code:
                group.run_regularly(code, when="after_synapses", name=f"{name}_thresholds")
                group.eta_b = threshold_rate(params, name, params.eta)
        groups[name] = group
        return group

    inputs = {"r_pattern": r_pattern, "tau_input": params.tau_input}
    add_group("input_0", sizes[0], input_equations(params.tau_input is not None, spiking is not None), "input", inputs)
    for k in range(1, n + 1):
        layer, errors = params.pyramidal_layer(k), stored_errors(params, f"pyramidal_{k}")
        eqs = pyramidal_equations(
            phi, output=k == n, noise=layer.sigma > 0, errors=errors, spiking=spiking, thresholds=params.thresholds
        )
        namespace = reversal | {"u_target": u_target, "nudging": nudging}
        add_group(f"pyramidal_{k}", sizes[k], eqs, "pyramidal", namespace, pyramidal_errors(phi, errors, spike_rate))
    synapses: dict[str, Synapses] = {}
    for k in range(1, n):
        layer, plastic = params.interneuron_layer(k), "ip" in params.plastic
        eqs = interneuron_equations(
            phi, noise=layer.sigma > 0, error=plastic, spiking=spiking, thresholds=params.thresholds
        )
        errors = interneuron_errors(phi, spike_rate) if plastic else None
        group = add_group(f"interneuron_{k}", sizes[k + 1], eqs, "interneuron", reversal, errors)
        if "v_N" in group.variables:  # nudged by the spikes of the pyramidal neuron above, one to one
            above = groups[f"pyramidal_{k + 1}"]
            on_pre = "v_N_post += n_spikes_pre/psi_pre/tau_s_post"
            nudge = Synapses(above, group, on_pre=on_pre, name=f"nudge_{k}", clock=neuron_clock)
            nudge.connect(j="i")
            synapses[nudge.name] = nudge
        else:
            group.u_tgt = linked_var(groups[f"pyramidal_{k + 1}"], "u")
    for view, value in variable_views(groups, runtime_parameters(params)).items():
        view.set_item(slice(None), value)

    all_projections = projections(sizes)
    for proj in all_projections:
        plastic, pathway = proj.pathway in params.plastic, PATHWAY_TABLE[proj.pathway]
        pre, post = groups[proj.pre], groups[proj.post]
        error, filtered = pathway.error if plastic else None, params.tau_w is not None
        if spiking:
            # Spikes arrive every step of the presynaptic clock; a filtered induction is integrated
            # into w on the plasticity clock.
            code = spiking_synapses(pathway.target, error, filtered=filtered)
            dt_w = params.dt if params.dt_plasticity is None else params.dt_plasticity
            syn = Synapses(
                pre,
                post,
                code["model"],
                on_pre=code["on_pre"],
                name=proj.name,
                order=_ORDER["plasticity"],
                namespace={"tau_w": params.tau_w, "dt_w": dt_w},
                clock=neuron_clock,
            )
        else:
            syn = Synapses(
                pre,
                post,
                synapse_equations(pathway.target, error, filtered),
                method="euler",
                name=proj.name,
                order=_ORDER["plasticity"],
                namespace={"tau_w": params.tau_w},
                clock=plasticity_clock,
            )
        # Presynaptic-major order: consecutive synapses share r_pre and hit different targets.
        pre_idx, post_idx = np.divmod(np.arange(len(pre) * len(post)), len(post))
        syn.connect(i=pre_idx, j=post_idx)
        if spiking and code["filter_code"]:
            syn.run_regularly(code["filter_code"], clock=plasticity_clock, when="end", name=f"{proj.name}_filter")
        if plastic:
            syn.eta = params.eta.for_projection(proj.pathway, proj.layer, n)
        synapses[proj.name] = syn
    return Microcircuit(params, groups, synapses, all_projections)


def threshold_pathway(group: str) -> str:
    """The pathway whose projection into ``group`` holds its thresholds: 'bottom_up' (pyramidal) or 'ip'.

    Parameters
    ----------
    group : str
        A pyramidal or interneuron group, e.g. ``'pyramidal_1'``.

    Returns
    -------
    str
        The pathway.
    """
    return "ip" if group.startswith("interneuron") else "bottom_up"


def threshold_rate(params: MicrocircuitParams, group: str, eta) -> object:
    """The learning rate of ``group``'s thresholds: that of the projection they belong to (None: 0).

    Parameters
    ----------
    params : MicrocircuitParams
        The network's parameters.
    group : str
        A pyramidal or interneuron group, e.g. ``'interneuron_1'``.
    eta : LearningRates or None
        The run's learning rates; None: 0.

    Returns
    -------
    Quantity
        The rate (1/time).
    """
    eta = LearningRates() if eta is None else eta
    return eta.for_projection(threshold_pathway(group), int(group.rsplit("_", 1)[1]), len(params.sizes) - 1)


def runtime_parameters(params: MicrocircuitParams) -> dict[str, object]:
    """The conductances, noise amplitudes and gains of ``params``, and psi and tau_s of spiking mode.

    Parameters
    ----------
    params : MicrocircuitParams
        The record whose values to read.

    Returns
    -------
    dict of str to Quantity
        ``'group.variable'`` -> value, for g_lk, g_B, g_A, g_D, g_som, sigma (where the layer has
        noise) and gamma of every group that has them, then psi and tau_s of every group in spiking mode.
    """
    n = len(params.sizes) - 1
    variables = {"pyramidal": ("g_lk", "g_B", "g_A", "g_som"), "interneuron": ("g_lk", "g_D", "g_som", "gamma")}
    values = {}
    for name in group_sizes(params.sizes):
        population, layer = name.rsplit("_", 1)
        if population == "input":
            continue
        pyramidal = population == "pyramidal"
        record = params.pyramidal_layer(int(layer)) if pyramidal else params.interneuron_layer(int(layer))
        names = [v for v in variables[population] if v != "g_som" or not pyramidal or int(layer) == n]
        if record.sigma > 0:
            names.insert(len(names) - (0 if pyramidal else 1), "sigma")
        values |= {f"{name}.{v}": getattr(record, v) for v in names}
    if params.spiking_mode:
        for name in group_sizes(params.sizes):
            values[f"{name}.psi"] = params.spiking.psi
            if not name.startswith("input"):
                values[f"{name}.tau_s"] = params.spiking.tau_s
    return values
