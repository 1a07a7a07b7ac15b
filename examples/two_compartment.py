"""Your own model: two-compartment neurons that learn by the Urbanczik-Senn dendritic rule.

Neurons with a soma u and a dendrite v_D = W r_in are nudged toward a target potential; the dendritic
rule dW/dt = eta (phi(u) - phi(a v_D)) r_in^T, a = g_D / (g_lk + g_D), lets the dendrite learn to
predict the soma. The model reaches the framework only through the contract of
:mod:`brian_dendrites.model` (a parameter record, a model object and one ``register`` call), and then
runs, records and exports like the built-in ones::

    python examples/two_compartment.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
from brian2 import NeuronGroup, Quantity, Synapses, ms

from brian_dendrites import Logistic, NetworkState, Simulation
from brian_dendrites.canonical import to_json
from brian_dendrites.model import Label, register
from brian_dendrites.transfer import TransferFunction
from brian_dendrites.validation import finite_array


@dataclass(frozen=True)
class TwoCompartmentParams:
    """The parameter record: sizes, transfer function, conductances, learning rate and time step."""

    sizes: tuple[int, int] = (4, 3)  # inputs, neurons
    phi: TransferFunction = field(default_factory=Logistic)
    g_lk: Quantity = field(default_factory=lambda: 0.1 / ms)
    g_D: Quantity = field(default_factory=lambda: 1.0 / ms)
    g_som: Quantity = field(default_factory=lambda: 0.8 / ms)
    eta: Quantity = field(default_factory=lambda: 0.0002 / ms)
    dt: Quantity = field(default_factory=lambda: 0.1 * ms)

    @property
    def attenuation(self) -> float:
        """The dendritic attenuation a = g_D / (g_lk + g_D)."""
        return float(self.g_D / (self.g_lk + self.g_D))


class TwoCompartmentModel:
    """The model: what brian_dendrites.model.NetworkModel asks for, nothing more."""

    name = "two_compartment"
    description = "two-compartment neurons that learn by the Urbanczik-Senn dendritic rule"
    inputs = ("rates", "target")

    def structure(self, params):
        """What the generated code depends on (keys the build cache)."""
        return {"sizes": list(params.sizes), "phi": to_json(params.phi), "dt": to_json(params.dt)}

    def labels(self, params):
        """The recordable variables, in the paper's terms."""
        soma, dendrite = Label("neuron", 1, "soma", "voltage"), Label("neuron", 1, "dendrite", "voltage")
        return {"input_0": {"r": Label("input", 0, "rate", "rate")}, "neuron_1": {"u": soma, "v_D": dendrite}}

    def check_run(self, params, n_patterns, inputs, targets=None, nudging=None, eta=None):
        """The run's input arrays by TimedArray name, checked, and its learning rate."""
        n_in, n_out = params.sizes
        targets = np.zeros((n_patterns, n_out)) if targets is None else targets
        rates = finite_array("inputs", inputs, (n_patterns, n_in), "(n_patterns, n_input)")
        return {"rates": rates, "target": finite_array("targets", targets, (n_patterns, n_out), "")}, eta

    def build(self, params, timed, currents=None):
        """The Brian2 objects: inputs, neurons and the plastic dendritic synapses."""
        if currents:
            raise ValueError("this test model takes no extra currents")
        phi = params.phi
        source = NeuronGroup(
            params.sizes[0],
            "r = rates(t, i) : 1 (constant over dt)",
            namespace={"rates": timed["rates"]},
            name="input_0",
        )
        neuron = NeuronGroup(
            params.sizes[1],
            f"""du/dt = -g_lk*u + g_D*(v_D - u) + g_som*(target(t, i) - u) : 1
            v_D : 1
            r = {phi.expression("u")} : 1 (constant over dt)
            g_lk : 1/second (shared, constant)
            g_D : 1/second (shared, constant)
            g_som : 1/second (shared, constant)""",
            method="euler",
            namespace={"target": timed["target"]},
            name="neuron_1",
        )
        synapses = Synapses(
            source,
            neuron,
            f"""v_D_post = w*r_pre : 1 (summed)
            dw/dt = eta*(r_post - {phi.expression("g_D_post/(g_lk_post + g_D_post)*v_D_post")})*r_pre : 1 (clock-driven)
            eta : 1/second (shared, constant)""",
            method="euler",
            name="dendrite_1",
        )
        synapses.connect()  # presynaptic-major: index i * n_post + j
        groups = {"input_0": source, "neuron_1": neuron}
        return SimpleNamespace(objects=[source, neuron, synapses], groups=groups, synapses=synapses, params=params)

    def zero_state(self, params):
        """The names and shapes of the state, all zero."""
        n_in, n_out = params.sizes
        return NetworkState({"dendrite_1": np.zeros((n_out, n_in))}, {}, {"neuron_1.u": np.zeros(n_out)})

    def load_state(self, circuit, params, state, eta, noise):
        """Brian2 variables -> the values that put the state and parameters into the circuit."""
        neuron, synapses = circuit.groups["neuron_1"], circuit.synapses
        return {
            neuron.g_lk: params.g_lk,
            neuron.g_D: params.g_D,
            neuron.g_som: params.g_som,
            neuron.u: state.potentials.get("neuron_1.u", np.zeros(len(neuron))),
            synapses.w: np.asarray(state.weights["dendrite_1"]).T.ravel(),
            synapses.eta: 0 / ms if eta is None else eta,
        }

    def read_state(self, circuit):
        """The circuit's weights and potentials."""
        n_in, n_out = circuit.params.sizes
        weights = {"dendrite_1": np.asarray(circuit.synapses.w[:]).reshape(n_in, n_out).T.copy()}
        return NetworkState(weights, {}, {"neuron_1.u": np.asarray(circuit.groups["neuron_1"].u[:])})


# One line makes Simulation run records of this class with this model.
register(TwoCompartmentParams, TwoCompartmentModel())


if __name__ == "__main__":
    params, rng = TwoCompartmentParams(), np.random.default_rng(5)
    sim = Simulation(params, 4, 50 * ms, record={"neuron_1": ["u", "v_D"]}, target="numpy")
    weights, x, u_tgt = rng.uniform(-1, 1, (3, 4)), rng.uniform(0, 1, 4), rng.uniform(-1, 1, 3)
    result = sim.run(NetworkState({"dendrite_1": weights}), np.tile(x, (4, 1)), np.tile(u_tgt, (4, 1)), eta=params.eta)
    print("somatic potentials at the end:", result.recording["neuron_1.u"].values[-1].round(3))
    print("weight change:", (result.state.weights["dendrite_1"] - weights).round(4))
