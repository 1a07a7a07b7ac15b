"""The students of the depth comparison: error neurons, dendritic errors and backprop, one function each.

Each trainer takes a :class:`Problem` (a tanh teacher, its data and the students' shared initial forward
weights) and returns the student's weights by name (``forward_k`` among them) at the start of every epoch
and at the end, from which :mod:`brian_dendrites.protocols.depth` computes test errors and, with
:func:`student_terms`, angles to backprop.

- ``error_neurons``: the Brian2 network of :mod:`brian_dendrites.models.error_neurons` (C++), each
  sample held for T_pres = 0.2 ms (20 steps), plasticity always on, as in the authors' runs.
- ``dendritic``: this project's Sacramento et al. (2018) microcircuit on its steady-state engine
  (:class:`~brian_dendrites.models.microcircuit.steady_state.SteadyStateEngine`), one settled state
  and weight change (Eqs. 7 and 8 over T_pres) per sample; top-down weights W^T + fixed noise and
  W^PI = -top-down as in the authors' 'BP' configuration, W^IP learned from the self-predicting state.
- ``backprop``: a feedforward tanh network r_k = phi(a W_k r_{k-1}) trained sample by sample, with the
  authors' ANN's update eta T_pres delta_k r_{k-1}^T (delta_k = phi' (W_{k+1}^T delta_{k+1}): backprop's
  direction in every layer, without the gain a in the backward pass, as their ANN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import ms

from brian_dendrites.models.error_neurons import ErrorNeuronParams
from brian_dendrites.models.error_neurons.steady_state import SteadyStateEngine as ErrorNeuronEngine
from brian_dendrites.models.microcircuit import (
    InterneuronParams,
    LearningRates,
    MicrocircuitParams,
    PyramidalParams,
    self_predicting_weights,
)
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState, synapses_to_matrix
from brian_dendrites.transfer import Tanh

__all__ = ["Problem", "T_PRES", "gains", "forward", "backprop_terms", "dendritic_params", "student_terms", "TRAINERS"]

#: How long each sample is held (the authors' T_pres).
T_PRES = 0.2 * ms
_PHI = Tanh()


@dataclass
class Problem:
    """A teacher, its data and the students' initial weights, for one architecture and seed.

    Parameters
    ----------
    sizes : tuple of int
        Layer sizes (n_0, ..., n_N) of teacher and students.
    teacher : list of numpy.ndarray
        The teacher's weights W_1..W_N, (n_k, n_{k-1}).
    x : dict of str to numpy.ndarray
        Inputs (100, n_0) of 'train', 'validation' and 'test'.
    y : dict of str to numpy.ndarray
        The teacher's output rates (100, n_N) for each set.
    y_potential : dict of str to numpy.ndarray
        The teacher's output potentials for each set (the dendritic student's voltage targets).
    initial : NetworkState
        The error-neuron student's initial state; its ``forward_k`` are every student's initial weights.
    seed : int
        The seed everything was drawn from (also of the sample order).
    """

    sizes: tuple[int, ...]
    teacher: list[np.ndarray]
    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    y_potential: dict[str, np.ndarray]
    initial: NetworkState
    seed: int

    @property
    def forward_weights(self) -> list[np.ndarray]:
        """The students' initial forward weights W_1..W_N."""
        return [self.initial.weights[f"forward_{k}"] for k in range(1, len(self.sizes))]


def gains(network: str, sizes: tuple[int, ...], params: ErrorNeuronParams) -> list[float]:
    """The gain a_k of each layer's basal drive in a network's output without a target, r_k = phi(a_k W_k r_{k-1}).

    Parameters
    ----------
    network : {'teacher', 'backprop', 'error_neurons', 'dendritic'}
        The teacher or a student.
    sizes : tuple of int
        Layer sizes.
    params : ErrorNeuronParams
        The conductances (shared by teacher and students, the authors' template).

    Returns
    -------
    list of float
        a_1..a_N: g_bas/(g_l + g_bas) for the ANNs (teacher and backprop, the authors' ANN),
        g_bas/(g_l + g_bas + g_api) for the error-neuron student and the dendritic student's hidden layers
        (its output layer has no apical compartment).
    """
    g_l, g_bas, g_api = (float(getattr(params, f) * ms) for f in ("g_l", "g_bas", "g_api"))
    ann, apical = g_bas / (g_l + g_bas), g_bas / (g_l + g_bas + g_api)
    n = len(sizes) - 1
    if network in ("teacher", "backprop"):
        return [ann] * n
    if network == "error_neurons":
        return [apical] * n
    return [apical] * (n - 1) + [ann]


def forward(weights: list[np.ndarray], layer_gains: list[float], x: np.ndarray) -> tuple[list, list]:
    """Rates and potentials of the feedforward pass r_k = phi(u_k), u_k = a_k W_k r_{k-1}.

    Parameters
    ----------
    weights : list of numpy.ndarray
        W_1..W_N.
    layer_gains : list of float
        a_1..a_N.
    x : numpy.ndarray
        Inputs (batch, n_0).

    Returns
    -------
    rates : list of numpy.ndarray
        r_0 = x, ..., r_N.
    potentials : list of numpy.ndarray
        u_1..u_N.
    """
    rates, potentials = [x], []
    for w, a in zip(weights, layer_gains, strict=True):
        potentials.append(a * rates[-1] @ w.T)
        rates.append(_PHI(potentials[-1]))
    return rates, potentials


def backprop_terms(weights: list[np.ndarray], layer_gains: list[float], x: np.ndarray, y: np.ndarray) -> list:
    """Per layer (delta_k, r_{k-1}), (batch, n_k) and (batch, n_{k-1}): backprop's change of each sample.

    delta_N = phi'(u_N) (y - r_N), delta_k = phi'(u_k) (W_{k+1}^T delta_{k+1}). The exact gradient of
    ``-|y - r_N|^2 / 2`` for a sample is a_k (a_{k+1} ... a_N) delta_k r_{k-1}^T: the same direction per layer.

    Parameters
    ----------
    weights : list of numpy.ndarray
        W_1..W_N.
    layer_gains : list of float
        a_1..a_N of the network whose gradient it is.
    x : numpy.ndarray
        Inputs (batch, n_0).
    y : numpy.ndarray
        Target rates (batch, n_N).

    Returns
    -------
    list of tuple of numpy.ndarray
        (delta_k, r_{k-1}) for k = 1..N.
    """
    rates, potentials = forward(weights, layer_gains, x)
    delta = _PHI.derivative(potentials[-1]) * (y - rates[-1])
    terms = [None] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        terms[k] = (delta, rates[k])
        if k:
            delta = _PHI.derivative(potentials[k - 1]) * (delta @ weights[k])
    return terms


def _orders(problem: Problem, epochs: int) -> list[np.ndarray]:
    """The sample order of each epoch (the same for every student)."""
    n = len(problem.x["train"])
    return [np.random.default_rng([problem.seed, 1 + epoch]).permutation(n) for epoch in range(epochs)]


def train_backprop(problem: Problem, params: ErrorNeuronParams, eta: tuple[float, ...], epochs: int, **_) -> list:
    """Backprop, sample by sample, weight change eta_k T_pres delta_k r_{k-1}^T (see the module docstring).

    Returns
    -------
    list of dict of str to numpy.ndarray
        The weights ``forward_k`` at the start of each epoch and at the end (epochs + 1 entries).
    """
    weights = [w.copy() for w in problem.forward_weights]
    layer_gains = gains("backprop", problem.sizes, params)
    rates = [e * float(T_PRES / ms) for e in eta]
    history = [_named(weights)]
    x, y = problem.x["train"], problem.y["train"]
    for order in _orders(problem, epochs):
        for i in order:
            terms = backprop_terms(weights, layer_gains, x[i : i + 1], y[i : i + 1])
            for w, (delta, pre), rate in zip(weights, terms, rates, strict=True):
                w += rate * delta.T @ pre
        history.append(_named(weights))
    return history


def _named(weights: list[np.ndarray]) -> dict[str, np.ndarray]:
    return {f"forward_{k}": w.copy() for k, w in enumerate(weights, start=1)}


def dendritic_params(sizes: tuple[int, ...], params: ErrorNeuronParams, eta_fw=(), eta_ip=()) -> MicrocircuitParams:
    """The 2018 microcircuit with the authors' conductances for it (their sacramento2018 configurations).

    g_lk = g_l, g_B = g_bas, g_A = g_api, output nudging g_som = g_ntgt, interneurons g_D = g_den and
    nudging g_som = 0.06/ms (their gnI); tanh; no noise; Eqs. 7 (bottom-up) and 8 (W^IP) plastic.

    Parameters
    ----------
    sizes : tuple of int
        Layer sizes.
    params : ErrorNeuronParams
        The conductances.
    eta_fw : tuple of float, optional
        Bottom-up learning rates (1/ms), one per layer.
    eta_ip : tuple of float, optional
        W^IP learning rates (1/ms), one per hidden layer.

    Returns
    -------
    MicrocircuitParams
        The record.
    """
    quiet = 0 * ms**-0.5
    hidden = PyramidalParams(g_lk=params.g_l, g_B=params.g_bas, g_A=params.g_api, sigma=quiet)
    output = PyramidalParams(g_lk=params.g_l, g_B=params.g_bas, g_A=0 / ms, g_som=params.g_ntgt, sigma=quiet)
    interneuron = InterneuronParams(g_lk=params.g_l, g_D=params.g_den, g_som=0.06 / ms, sigma=quiet)
    eta = LearningRates(bottom_up=tuple(e / ms for e in eta_fw) or 0 / ms, ip=tuple(e / ms for e in eta_ip) or 0 / ms)
    return MicrocircuitParams(
        sizes=sizes,
        phi=_PHI,
        hidden=hidden,
        output=output,
        interneuron=interneuron,
        eta=eta,
        plastic={"bottom_up", "ip"},
        tau_w=None,
        tau_input=None,
        dt=params.dt,
    )


def train_dendritic(problem: Problem, params: ErrorNeuronParams, eta: tuple, epochs: int, **_) -> list:
    """The 2018 microcircuit on the steady-state engine (see the module docstring); ``eta`` = (eta_fw, eta_ip).

    Returns
    -------
    list of dict of str to numpy.ndarray
        Every weight of the microcircuit at the start of each epoch and at the end (the bottom-up
        ones also as ``forward_k``).
    """
    sizes, n = problem.sizes, len(problem.sizes) - 1
    p = dendritic_params(sizes, params, *eta)
    engine = SteadyStateEngine(p)
    rng = np.random.default_rng([problem.seed, 0])
    noise = {k: rng.uniform(-0.5, 0.5, (sizes[k], sizes[k + 1])) for k in range(1, n)}
    weights = {f"bottom_up_{k}": w.copy() for k, w in enumerate(problem.forward_weights, start=1)}
    weights |= {f"top_down_{k}": weights[f"bottom_up_{k + 1}"].T + noise[k] for k in range(1, n)}
    weights = self_predicting_weights(p, weights)
    biases = {name: np.zeros(w.shape[0]) for name, w in weights.items()}
    history = [_copy(weights)]
    x, y = problem.x["train"], problem.y_potential["train"]
    for order in _orders(problem, epochs):
        for i in order:
            for k in range(1, n):  # 'BP' top-down weights follow W^T; W^PI cancels them
                weights[f"top_down_{k}"] = weights[f"bottom_up_{k + 1}"].T + noise[k]
                weights[f"pi_{k}"] = -weights[f"top_down_{k}"]
            state = engine._settle(weights, biases, x[i : i + 1], y[i : i + 1])  # unchecked: inner loop
            engine.learn(state, weights, biases, dt=float(T_PRES / ms))
            for b in biases.values():
                b[:] = 0  # the authors' students have no thresholds
        history.append(_copy(weights))
    return history


def _copy(weights: dict) -> dict:
    """The microcircuit's weights, its bottom-up ones also as ``forward_k``."""
    copy = {name: w.copy() for name, w in weights.items()}
    return copy | {name.replace("bottom_up", "forward"): w for name, w in copy.items() if name.startswith("bottom_up")}


def train_error_neurons(
    problem: Problem,
    params: ErrorNeuronParams,
    eta: tuple,
    epochs: int,
    target: str = "cpp_standalone",
    threads: int = 1,
    float32: bool = False,
    **_,
) -> list:
    """The error-neuron Brian2 network, in runs of up to 100 epochs, weights recorded at every epoch start.

    Returns
    -------
    list of dict of str to numpy.ndarray
        Every weight at the start of each epoch and at the end (lateral and feedback ones fixed).
    """
    sizes, n = problem.sizes, len(problem.sizes) - 1
    p = params.replace(sizes=sizes, eta=tuple(e / ms for e in eta))
    samples = len(problem.x["train"])
    chunk = max(c for c in range(1, min(epochs, 100) + 1) if epochs % c == 0)
    record = {f"forward_{k}": ["w"] for k in range(1, n + 1)}
    sim = Simulation(
        p, samples * chunk, T_PRES, record, samples * T_PRES, target, "depth", threads=threads, float32=float32
    )
    orders, state, history = _orders(problem, epochs), problem.initial, []
    fixed = {name: w for name, w in state.weights.items() if not name.startswith("forward")}
    for start in range(0, epochs, chunk):
        order = np.concatenate(orders[start : start + chunk])
        result = sim.run(state, problem.x["train"][order], problem.y["train"][order])
        state = result.state
        traces = [result.recording[f"forward_{k}.w"].values for k in range(1, n + 1)]
        for e in range(chunk):
            matrices = {
                f"forward_{k}": synapses_to_matrix(t[e], sizes[k - 1], sizes[k]) for k, t in enumerate(traces, 1)
            }
            history.append(fixed | matrices)
    history.append(fixed | {f"forward_{k}": state.weights[f"forward_{k}"].copy() for k in range(1, n + 1)})
    return history


def student_terms(student: str, weights: dict, problem: Problem, params: ErrorNeuronParams) -> list:
    """Per layer (error_k, r_{k-1}) of each training sample with its target: the student's own weight
    change of the sample is proportional to error_k r_{k-1}^T.

    The error neurons' state is the one after the sample's 0.2 ms presentation (20 steps from its free
    state): where the loop through the output error neurons does not settle, that is what the network
    learns from. The 2018 microcircuit's is its steady state.

    Parameters
    ----------
    student : {'error_neurons', 'dendritic'}
        The student.
    weights : dict of str to numpy.ndarray
        Its weights (an entry of its trainer's history).
    problem : Problem
        The problem (its training set).
    params : ErrorNeuronParams
        The conductances.

    Returns
    -------
    list of tuple of numpy.ndarray
        (error_k, r_{k-1}), (batch, n_k) and (batch, n_{k-1}), for k = 1..N: the apical error factor
        g_api v_api/g_tot (error neurons) or Eq. 7's r_k - phi(a_B v_B,k) (dendritic errors).
    """
    x, n = problem.x["train"], len(problem.sizes) - 1
    if student == "error_neurons":
        p = params.replace(sizes=problem.sizes, eta=())
        steps = round(float(T_PRES / p.dt))
        state = ErrorNeuronEngine(p).settle(weights, x, problem.y["train"], steps=steps, converge=False)
        scale = float(p.g_api / (p.g_l + p.g_bas + p.g_api))
        return [(scale * state.apical[k], state.rates[k]) for k in range(n)]
    engine = SteadyStateEngine(dendritic_params(problem.sizes, params))
    biases = {name: np.zeros(w.shape[0]) for name, w in weights.items()}
    state = engine.settle(weights, biases, x, problem.y_potential["train"])
    return [(state.r[k] - state.r_B[k], state.r[k - 1]) for k in range(1, n + 1)]


#: Trainer of each student.
TRAINERS = {"error_neurons": train_error_neurons, "dendritic": train_dendritic, "backprop": train_backprop}
