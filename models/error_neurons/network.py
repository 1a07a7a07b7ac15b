"""Builds the Brian2 objects of an error-neuron microcircuit with any number of areas.

Names: ``input_0``; ``representation_k`` and ``error_k`` for areas k = 1..N; synapses ``forward_k``
(W_k, area k-1 to k, carrying B^II_{k-1} for k >= 2), ``lateral_ip_k`` (W^IP_k) and ``lateral_pi_k``
(B^PI_k). Weight matrices are (post, pre); B^II_k is (n_k, n_{k+1}).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses, TimedArray, linked_var, ms

from brian_dendrites.model import Projection

from .equations import (
    LATERAL_IP,
    LATERAL_PI,
    error_equations,
    forward_synapse,
    input_equations,
    representation_equations,
    start_code,
)
from .parameters import ErrorNeuronParams

__all__ = ["ErrorNeuronCircuit", "build_error_circuit", "projections", "group_sizes", "runtime_parameters"]

# Groups update before the plasticity, which must read the weights only after every dendrite summed them.
_GROUP_ORDER, _PLASTICITY_ORDER = 0, 10


def projections(sizes: tuple[int, ...]) -> list[Projection]:
    """All projections of a network with area ``sizes``, in build order.

    Parameters
    ----------
    sizes : tuple of int
        Area sizes (n_0, ..., n_N).

    Returns
    -------
    list of Projection
        ``forward_k`` for k = 1..N, then ``lateral_ip_k`` and ``lateral_pi_k`` for each area k; a
        projection's ``pathway`` is its name without the area index k, its ``layer``.
    """
    n = len(sizes) - 1
    result = []
    for k in range(1, n + 1):
        pre = "input_0" if k == 1 else f"representation_{k - 1}"
        result.append(Projection(f"forward_{k}", "forward", k, pre, f"representation_{k}", sizes[k - 1], sizes[k]))
    for k in range(1, n + 1):
        result += [
            Projection(f"lateral_ip_{k}", "lateral_ip", k, f"representation_{k}", f"error_{k}", sizes[k], sizes[k]),
            Projection(f"lateral_pi_{k}", "lateral_pi", k, f"error_{k}", f"representation_{k}", sizes[k], sizes[k]),
        ]
    return result


def group_sizes(sizes: tuple[int, ...]) -> dict[str, int]:
    """Neurons per group.

    Parameters
    ----------
    sizes : tuple of int
        Area sizes (n_0, ..., n_N).

    Returns
    -------
    dict of str to int
        Group name -> size; area k has n_k representation and n_k error neurons.
    """
    result = {"input_0": sizes[0]}
    for k in range(1, len(sizes)):
        result |= {f"representation_{k}": sizes[k], f"error_{k}": sizes[k]}
    return result


@dataclass
class ErrorNeuronCircuit:
    """The Brian2 objects of one error-neuron network (add ``objects`` to a Network).

    Parameters
    ----------
    params : ErrorNeuronParams
        The record the network was built from.
    groups : dict of str to NeuronGroup
        The neuron groups by name.
    synapses : dict of str to Synapses
        The synapses by name (see :func:`projections`).
    """

    params: ErrorNeuronParams
    groups: dict[str, NeuronGroup]
    synapses: dict[str, Synapses]

    @property
    def objects(self) -> list:
        """The neuron groups, then the synapses."""
        return [*self.groups.values(), *self.synapses.values()]


def build_error_circuit(
    params: ErrorNeuronParams, r_pattern: TimedArray, r_target: TimedArray, nudging: TimedArray
) -> ErrorNeuronCircuit:
    """Create the groups and synapses of ``params``; weights start at zero.

    Parameters
    ----------
    params : ErrorNeuronParams
        The network's parameters.
    r_pattern : TimedArray
        Input rates r_0, ``r_pattern(t, i)``.
    r_target : TimedArray
        Output target rates r*, ``r_target(t, i)``.
    nudging : TimedArray
        The switch of the output error neurons' target input, ``nudging(t)``, in [0, 1].

    Returns
    -------
    ErrorNeuronCircuit
        The groups and synapses.
    """
    sizes, n = params.sizes, len(params.sizes) - 1
    clock = Clock(params.dt, name="neuron_clock")
    groups: dict[str, NeuronGroup] = {}

    def add(name: str, eqs, population: str, output: bool, namespace: dict) -> NeuronGroup:
        group = NeuronGroup(
            sizes[int(name.rsplit("_", 1)[1])],
            eqs,
            method="euler",
            name=name,
            order=_GROUP_ORDER,
            namespace=namespace,
            clock=clock,
        )
        # Before the monitors (order 0): a sample at t shows the rates of step t.
        group.run_regularly(start_code(population, params.phi, output), when="start", order=-1, name=f"{name}_start")
        groups[name] = group
        return group

    add("input_0", input_equations(), "input", False, {"r_pattern": r_pattern})
    for k in range(1, n + 1):
        output = k == n
        add(
            f"representation_{k}",
            representation_equations(output),
            "representation",
            output,
            {"r_target": r_target, "nudging": nudging, "delay": n * params.dt},
        )
        add(f"error_{k}", error_equations(output), "error", output, {})
    for k in range(1, n + 1):
        groups[f"representation_{k}"].r_err = linked_var(groups[f"error_{k}"], "r")
    for k in range(1, n):
        groups[f"error_{k}"].v_td = linked_var(groups[f"representation_{k}"], "v_td")

    synapses = {}
    for proj in projections(sizes):
        if proj.pathway == "forward":
            code = forward_synapse(None if proj.pre == "input_0" else params.feedback)
            order = _PLASTICITY_ORDER
        else:
            code, order = (LATERAL_IP if proj.pathway == "lateral_ip" else LATERAL_PI), _GROUP_ORDER
        pre, post = groups[proj.pre], groups[proj.post]
        syn = Synapses(pre, post, code, method="euler", name=proj.name, order=order, clock=clock)
        # Presynaptic-major order, as in the microcircuit (see brian_dendrites.state.matrix_to_synapses).
        pre_idx, post_idx = np.divmod(np.arange(len(pre) * len(post)), len(post))
        syn.connect(i=pre_idx, j=post_idx)
        synapses[proj.name] = syn
    return ErrorNeuronCircuit(params, groups, synapses)


def runtime_parameters(params: ErrorNeuronParams, eta) -> dict[str, object]:
    """The conductances of ``params`` and the learning rates ``eta``, by ``'object.variable'``.

    Parameters
    ----------
    params : ErrorNeuronParams
        The record whose conductances to use.
    eta : tuple of Quantity or None
        Learning rates of W_1..W_N (None: every forward weight frozen).

    Returns
    -------
    dict of str to Quantity
        ``'group.variable'`` or ``'forward_k.eta'`` -> value.
    """
    n = len(params.sizes) - 1
    values = {}
    for k in range(1, n + 1):
        values |= {f"representation_{k}.{g}": getattr(params, g) for g in ("g_l", "g_bas", "g_api")}
        values |= {f"error_{k}.g_l": params.g_l, f"error_{k}.g_E": params.g_ntgt if k == n else params.g_den}
    return values | {f"forward_{k}.eta": 0 / ms if eta is None else eta[k - 1] for k in range(1, n + 1)}
