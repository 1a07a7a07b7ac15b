"""
Your own model: two-compartment neurons in layers
=================================================

Layers of two-compartment neurons that learn by the Urbanczik-Senn dendritic rule, in 40 lines.
Each neuron has a soma u and a dendrite v_D = W r_below, the rates of the layer below; the output
layer is nudged toward a target potential. The dendritic rule dW/dt = eta (phi(u) - phi(a v_D))
r_below^T, a = g_D / (g_lk + g_D), lets each dendrite learn to predict its soma. The equations come
from the model kit (:mod:`brian_dendrites.kit`), the bookkeeping (labels, state in and out, run
checks) from its :class:`~brian_dendrites.kit.ModelBase`: the model declares its populations,
projections and run-time values, and one ``register`` call makes
:class:`~brian_dendrites.simulation.Simulation` run, record and export it like the built-in models
(docs: :doc:`/own_model`).

Its bars runs beside the built-in models' (``python benchmarks/bars_models.py``, seeds 0-2, 150 epochs;
``brian-dendrites bars --model two_compartment`` once the model is registered as a plugin):

.. image:: /../figures/bars_models.png
   :alt: test accuracy against epoch on bars: microcircuit, error neurons and this example
"""

from dataclasses import dataclass, field

from brian2 import Quantity, ms

from brian_dendrites import Logistic, kit
from brian_dendrites.model import register
from brian_dendrites.transfer import TransferFunction


# The parameter record: layer sizes (input, ..., output), phi, conductances, the learning rate, dt.
@dataclass(frozen=True)
class TwoCompartmentParams:
    sizes: tuple[int, ...] = (4, 3)
    phi: TransferFunction = field(default_factory=Logistic)
    g_lk: Quantity = field(default_factory=lambda: 0.1 / ms)
    g_D: Quantity = field(default_factory=lambda: 1.0 / ms)
    g_som: Quantity = field(default_factory=lambda: 0.8 / ms)  # the output layer's nudging
    eta: Quantity = field(default_factory=lambda: 0.0002 / ms)
    dt: Quantity = field(default_factory=lambda: 0.1 * ms)


# The model: what it is made of (populations, projections, run-time values) and its wiring (build).
class TwoCompartmentModel(kit.ModelBase, kit.TeachableBase):  # TeachableBase: the protocols can teach it
    name, description = "two_compartment", "layers of two-compartment neurons that learn by the Urbanczik-Senn rule"
    inputs, runtime_fields = ("rates", "target", "nudging"), ("g_lk", "g_D", "g_som", "eta")
    tasks = {"bars": {"eta": 0.01 / ms}}  # the record fields that bars changes
    weight_scales = {"bars": {"dendrite_1": 4.0}}  # diverse hidden features: U(-4, 4)

    def populations(self, p):  # group -> size, recordable variables (compartment, quantity), carried ones
        neuron = {"u": ("soma", "voltage"), "v_D": ("dendrite", "voltage"), "r": ("rate", "rate")}
        layers = {f"neuron_{k}": kit.Population(n, neuron, ("u", "v_D")) for k, n in enumerate(p.sizes[1:], 1)}
        return {"input_0": kit.Population(p.sizes[0], {"r": ("rate", "rate")}), **layers}

    def projections(self, p):  # dendrite_k: layer k - 1 -> layer k
        return kit.chain("dendrite", list(self.populations(p)), p.sizes)

    def runtime_values(self, p, eta, noise):  # shared parameters, set at run time without recompiling
        values = {f"neuron_{k}.{g}": getattr(p, g) for k in range(1, len(p.sizes)) for g in ("g_lk", "g_D", "g_som")}
        return values | {f"dendrite_{k}.eta": 0 / ms if eta is None else eta for k in range(1, len(p.sizes))}

    def build(self, p, timed, currents=None):
        circuit, error = kit.Circuit(p), kit.prediction_error(p.phi, "v_D", "g_D/(g_lk + g_D)")  # r - phi(a v_D)
        circuit.neurons("input_0", p.sizes[0], ["r = rates(t, i) : 1 (constant over dt)"], namespace=timed)
        for k, n in enumerate(p.sizes[1:], 1):
            nudging = ["g_som*nudging(t)*(target(t, i) - u)"] if k == len(p.sizes) - 1 else []
            eqs = [kit.soma([("g_D", "v_D")], currents=nudging), *kit.dendrites(["v_D"]), kit.rate(p.phi)]
            eqs += [f"e_D = {error} : 1 (constant over dt)", *map(kit.shared, ("g_lk", "g_D", "g_som"))]
            circuit.neurons(f"neuron_{k}", n, eqs, currents, namespace=timed)
        for q in self.projections(p):  # dW/dt = eta e_D,post r_pre
            circuit.connect(q, "\n".join([kit.summed("v_D"), *kit.plastic("e_D_post*r_pre")]))
        return circuit


register(TwoCompartmentParams, TwoCompartmentModel())
