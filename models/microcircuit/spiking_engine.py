"""The spiking mode of the microcircuit, stepped in time for a batch of networks that share their weights.

The Brian2 spiking network (equations.py, network.py) runs one network; MNIST needs mini-batches of
thousands of neurons. :class:`SpikingEngine` steps the same equations, from the same parameter record
and pathway table, for a batch at once, on NumPy or PyTorch (CPU or CUDA, the arrays' kind). One step of
dt does what the Brian2 schedule does (equations.py, "Spiking mode"):

1. rates r(t) = phi(u(t)) (with lookahead: phi of the prospective potential), interneurons gamma phi;
2. on the plasticity clock, the error factors e(t) of Eqs. 7-10 (:data:`~.pathways.PATHWAY_TABLE`);
3. Euler steps of the somata (interneurons nudged toward u_{k+1}(t), the output by the balanced
   teaching conductances) and of the traces, dv/dt = -v/tau_s;
4. Poisson counts n(t) ~ Poisson(psi r(t) dt) per neuron (or counts given to :meth:`SpikingEngine.step`);
5. every trace jumps by W n_pre / (psi tau_s), then plastic weights change by eta e_post^T n_pre / psi.

Row b of the batch is one network; the weight changes of a step are averaged over the rows, as the
steady-state engine averages a mini-batch's, so that a batch of one is the Brian2 network. Thresholds
``biases`` (an input fixed at 1 with a plastic weight: a constant, non-spiking drive of v_B and v_D)
learn by db/dt = eta e; the Brian2 network has them with ``MicrocircuitParams(thresholds=True)`` (its
traces then hold v_B + b, which the engine's ``state.values`` hold without b). Noise is drawn from the engine's own
generator; ``tau_w`` (a filtered induction) and spike-nudged interneurons are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from brian2 import ms

from brian_dendrites.errors import ParameterError
from brian_dendrites.validation import check_integer

from .network import group_sizes, projections
from .parameters import LearningRates, MicrocircuitParams
from .pathways import PATHWAY_TABLE
from .steady_state import _accumulate, _array_kind, _check_array, _g

__all__ = ["SpikingState", "SpikingEngine"]

#: A NumPy array or a PyTorch tensor (all arrays of one call are of one kind).
ArrayLike = Any


def _ms(value) -> float:
    return float(value / ms)


@dataclass
class SpikingState:
    """The state of a batch of spiking networks: potentials and traces by group, (batch, neurons) arrays.

    Parameters
    ----------
    values : dict of str to array
        ``'group.variable'`` -> (batch, n): ``u`` and the traces ``v_B``, ``v_TD``, ``v_PI`` of each
        pyramidal layer (the output: ``u``, ``v_B``), ``u`` and ``v_D`` of each interneuron layer, and,
        with tau_input, the filtered input rates ``input_0.r``.
    counts : dict of str to array
        The spike counts of the last step by group (:meth:`SpikingEngine.step`).
    errors : dict of str to array
        The error factors of the last plasticity step by projection name.
    steps : int
        Steps taken.
    """

    values: dict
    counts: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    steps: int = 0


class SpikingEngine:
    """Steps the spiking microcircuit of ``params`` for a batch; the arrays' kind (NumPy or PyTorch) is the weights'.

    Parameters
    ----------
    params : MicrocircuitParams
        The network in spiking mode (``mode='spiking'``), without ``tau_w`` and with interneurons nudged
        by the potential above.
    eta : LearningRates, optional
        Learning rates; None: ``params.eta``.

    Raises
    ------
    ParameterError
        If ``params`` is in rate mode, has a ``tau_w``, nudges interneurons by spikes, or has a plasticity
        step that is not a multiple of dt.
    """

    def __init__(self, params: MicrocircuitParams, eta: LearningRates | None = None) -> None:
        if not params.spiking_mode:
            raise ParameterError("SpikingEngine: params.mode must be 'spiking'; rate mode runs on SteadyStateEngine")
        if params.tau_w is not None:
            raise ParameterError("SpikingEngine: params.tau_w must be None (a filtered induction is not supported)")
        if params.spiking.interneuron_nudging != "potential":
            raise ParameterError(
                "SpikingEngine: spiking.interneuron_nudging must be 'potential' ('spikes' is not supported)"
            )
        self.params, self.phi, self.n = params, params.phi, len(params.sizes) - 1
        s = params.spiking
        self.dt, self.psi, self.tau_s = _ms(params.dt), _g(s.psi), _ms(s.tau_s)  # psi: spikes per ms per unit rate
        self.tau_input = None if params.tau_input is None else _ms(params.tau_input)
        every = 1.0 if params.dt_plasticity is None else float(params.dt_plasticity / params.dt)
        if abs(every - round(every)) > 1e-9 or round(every) < 1:
            raise ParameterError("SpikingEngine: params.dt_plasticity must be a multiple of params.dt")
        self.every, self.lookahead, self.spike_rate = round(every), s.lookahead, s.postsynaptic == "spikes"
        self.signed = params.signed_inputs
        self.pyramidal = {}
        for k in range(1, self.n + 1):
            p = params.pyramidal_layer(k)
            self.pyramidal[k] = {g: _g(getattr(p, g)) for g in ("g_lk", "g_B", "g_A", "g_som")} | {
                "sigma": float(p.sigma * ms**0.5),
                "basal_attenuation": p.basal_attenuation,
            }
        self.interneuron = {}
        for k in range(1, self.n):
            q = params.interneuron_layer(k)
            self.interneuron[k] = {g: _g(getattr(q, g)) for g in ("g_lk", "g_D", "g_som")} | {
                "sigma": float(q.sigma * ms**0.5),
                "gamma": float(q.gamma),
                "dendritic_attenuation": q.dendritic_attenuation,
            }
        eta = eta or params.eta
        self.projections = projections(params.sizes)
        self.rates = {
            p.name: _g(eta.for_projection(p.pathway, p.layer, self.n))
            for p in self.projections
            if p.pathway in params.plastic
        }
        self._pre = {p.name: p.pre for p in self.projections}
        self._generators: dict = {}  # one unseeded generator per array kind and device, for generator=None

    def initial(self, batch: int, like: ArrayLike) -> SpikingState:
        """A batch at rest: every potential and trace 0 (the Brian2 network's zero state).

        Parameters
        ----------
        batch : int
            Networks, >= 1.
        like : array
            An array (NumPy or PyTorch) whose kind, dtype and device the state takes (e.g. a weight).

        Returns
        -------
        SpikingState
            The state.
        """
        check_integer("batch", batch, 1)
        values = {}
        for name, size in group_sizes(self.params.sizes).items():
            population = name.rsplit("_", 1)[0]
            variables = {
                "input": ("r",) if self.tau_input is not None else (),
                "pyramidal": ("u", "v_B") if name == f"pyramidal_{self.n}" else ("u", "v_B", "v_TD", "v_PI"),
                "interneuron": ("u", "v_D"),
            }[population]
            for v in variables:
                values[f"{name}.{v}"] = _zeros(like, (batch, size))
        return SpikingState(values)

    # -- one step ----------------------------------------------------------------------------------
    def step(
        self,
        state: SpikingState,
        weights: dict,
        biases: dict,
        x: ArrayLike,
        u_tgt: ArrayLike | None = None,
        nudging: float = 0.0,
        *,
        learn: bool = True,
        frozen=(),
        counts: dict | None = None,
        generator=None,
    ) -> dict:
        """One step of dt for every network of the batch, in place (see the module's docstring).

        Parameters
        ----------
        state : SpikingState
            The batch's state, updated in place.
        weights : dict of str to array
            (post, pre) weights by projection name, updated in place where plastic and ``learn``.
        biases : dict of str to array
            Thresholds (post,) of bottom-up and ip projections by name (missing: none), updated likewise.
        x : array
            Input rates of this step, (batch, n_0).
        u_tgt : array or None, optional
            Output target potentials, (batch, n_N); None: no teaching.
        nudging : float, optional
            The teaching switch in [0, 1] (g_teach = nudging g_som). Default 0.
        learn : bool, optional
            False leaves weights and thresholds unchanged. Default True.
        frozen : collection of str, optional
            Projections that do not learn. Default none.
        counts : dict of str to array, optional
            Spike counts of this step by group, (batch, n): given ones are used instead of drawn ones
            (the cross-check against Brian2 replays its counts).
        generator : numpy.random.Generator or torch.Generator, optional
            The source of spikes and noise; None: the engine's own, seeded by the operating system.

        Returns
        -------
        dict of str to array
            The spike counts of this step by group.

        Raises
        ------
        ParameterError
            If a weight is missing or of another shape, ``x`` or ``u_tgt`` is not of the weights' kind and
            of shape (batch, n_0) or (batch, n_N) with the state's batch, or ``nudging`` is not in [0, 1].
        """
        v, phi, n, dt = state.values, self.phi, self.n, self.dt
        x, u_tgt = self._check(state, weights, x, u_tgt, nudging)
        torch = not isinstance(x, np.ndarray)
        if generator is None:
            generator = self._generator(x)
        # 1. rates r(t)
        r0 = v["input_0.r"] if self.tau_input is not None else x
        rates, apical = {}, {}
        for k in range(1, n + 1):
            c, name = self.pyramidal[k], f"pyramidal_{k}"
            v_B = _biased(v[f"{name}.v_B"], biases.get(f"bottom_up_{k}"))
            if k < n:
                apical[k] = v[f"{name}.v_TD"] + v[f"{name}.v_PI"]
                drive = (c["g_B"] * v_B + c["g_A"] * apical[k]) / (c["g_lk"] + c["g_B"] + c["g_A"])
            else:
                g_teach = nudging * c["g_som"] if u_tgt is not None else 0.0
                drive = (c["g_B"] * v_B + (g_teach * u_tgt if g_teach else 0.0)) / (c["g_lk"] + c["g_B"] + g_teach)
            rates[name] = phi(drive if self.lookahead else v[f"{name}.u"])
        for k in range(1, n):
            c, name = self.interneuron[k], f"interneuron_{k}"
            v_D = _biased(v[f"{name}.v_D"], biases.get(f"ip_{k}"))
            above = v[f"pyramidal_{k + 1}.u"]
            drive = (c["g_D"] * v_D + c["g_som"] * above) / (c["g_lk"] + c["g_D"] + c["g_som"])
            rates[name] = c["gamma"] * phi(drive if self.lookahead else v[f"{name}.u"])
        # 2. error factors e(t), on the plasticity clock (every step without a coarser one, as Brian2's)
        if (learn or self.every > 1) and state.steps % self.every == 0:
            state.errors = self._errors(state, rates, apical, biases)
        # 3. Euler steps of the somata (from the state at t) and of the traces
        decay = 1 - dt / self.tau_s
        for k in range(1, n):
            c, name = self.interneuron[k], f"interneuron_{k}"
            u, v_D = v[f"{name}.u"], _biased(v[f"{name}.v_D"], biases.get(f"ip_{k}"))
            du = -c["g_lk"] * u + c["g_D"] * (v_D - u) + c["g_som"] * (v[f"pyramidal_{k + 1}.u"] - u)
            v[f"{name}.u"] = u + dt * du + self._noise(c["sigma"], u, generator)
            v[f"{name}.v_D"] = v[f"{name}.v_D"] * decay
        for k in range(1, n + 1):
            c, name = self.pyramidal[k], f"pyramidal_{k}"
            u, v_B = v[f"{name}.u"], _biased(v[f"{name}.v_B"], biases.get(f"bottom_up_{k}"))
            du = -c["g_lk"] * u + c["g_B"] * (v_B - u)
            if k < n:
                du = du + c["g_A"] * (apical[k] - u)
            elif u_tgt is not None and nudging:
                du = du + nudging * c["g_som"] * (u_tgt - u)
            v[f"{name}.u"] = u + dt * du + self._noise(c["sigma"], u, generator)
            for trace in ("v_B", "v_TD", "v_PI") if k < n else ("v_B",):
                v[f"{name}.{trace}"] = v[f"{name}.{trace}"] * decay
        if self.tau_input is not None:  # the input group updates after the pyramidal ones, before its spikes
            r0 = v["input_0.r"] = r0 + dt * (x - r0) / self.tau_input
        rates["input_0"] = r0
        # 4. spike counts n(t)
        counts = dict(counts or {})
        for name, r in rates.items():
            if name not in counts:
                counts[name] = _poisson(r, self.psi * dt, generator, signed=self.signed and name == "input_0")
        floats = {name: (c.to(x.dtype) if torch else c.astype(x.dtype, copy=False)) for name, c in counts.items()}
        # 5. traces jump with the old weights, then the plastic weights change
        jumps = {}
        for p in self.projections:
            target = PATHWAY_TABLE[p.pathway].target
            key = f"{p.post}.{target}"
            jump = _matmul_t(floats[p.pre], weights[p.name]) / (self.psi * self.tau_s)
            jumps[key] = jump if key not in jumps else jumps[key] + jump
        for key, jump in jumps.items():
            v[key] = v[key] + jump
        if learn:
            batch = x.shape[0]
            for name, error in state.errors.items():
                if name in frozen:
                    continue
                _accumulate(weights[name], self.rates[name] / (self.psi * batch), error, floats[self._pre[name]])
                if name in biases:
                    biases[name] += (self.rates[name] * dt / batch) * error.sum(0)
        state.counts, state.steps = counts, state.steps + 1
        return counts

    def _check(self, state: SpikingState, weights: dict, x, u_tgt, nudging: float):
        """ParameterError unless the arguments of :meth:`step` fit; ``x`` and ``u_tgt`` in the weights' dtype."""
        if not isinstance(weights, dict) or "bottom_up_1" not in weights:
            raise ParameterError("weights must be a dict of (post, pre) arrays by projection name, with 'bottom_up_1'")
        first = weights["bottom_up_1"]
        kind = _array_kind(first)
        for p in self.projections:
            if p.name not in weights:
                raise ParameterError(f"weights lacks '{p.name}'; this network needs {list(self._pre)}")
            _check_array(f"weights['{p.name}']", weights[p.name], kind, (p.n_post, p.n_pre), "(post, pre)")
        batch = len(next(iter(state.values.values()))) if state.values else getattr(x, "shape", (None,))[0]
        _check_array("x", x, kind, (batch, self.params.sizes[0]), "(batch, n_0)")
        if u_tgt is not None:
            _check_array("u_tgt", u_tgt, kind, (batch, self.params.sizes[-1]), "(batch, n_N)")
        if not (isinstance(nudging, (int, float)) and 0 <= nudging <= 1):
            raise ParameterError(f"nudging must be a number in [0, 1], got {nudging!r}")
        if kind == "numpy":
            return x.astype(first.dtype, copy=False), None if u_tgt is None else u_tgt.astype(first.dtype, copy=False)
        return x.to(first.dtype), None if u_tgt is None else u_tgt.to(first.dtype)

    def _generator(self, like):
        """The engine's own generator of spikes and noise for arrays like ``like`` (seeded by the OS once)."""
        key = "numpy" if isinstance(like, np.ndarray) else str(like.device)
        if key not in self._generators:
            if key == "numpy":
                self._generators[key] = np.random.default_rng()
            else:
                import torch

                self._generators[key] = torch.Generator(device=like.device)
                self._generators[key].seed()
        return self._generators[key]

    def _errors(self, state: SpikingState, rates: dict, apical: dict, biases: dict) -> dict:
        """The error factors of every plastic projection (Eqs. 7-10), from the pathway table."""
        v, phi, result = state.values, self.phi, {}
        for p in self.projections:
            if p.name not in self.rates:
                continue
            pathway, k = PATHWAY_TABLE[p.pathway], p.layer
            if p.pathway == "bottom_up":
                name = f"pyramidal_{k}"
                potential, a = _biased(v[f"{name}.v_B"], biases.get(p.name)), self.pyramidal[k]["basal_attenuation"]
            elif p.pathway == "ip":
                name = f"interneuron_{k}"
                potential = _biased(v[f"{name}.v_D"], biases.get(p.name))
                a = self.interneuron[k]["dendritic_attenuation"]
            else:
                name, a = f"pyramidal_{k}", 1.0
                potential = apical[k] if p.pathway == "pi" else v[f"{name}.v_TD"]
            r = rates[name]
            if self.spike_rate and name in state.counts:  # Urbanczik-Senn: the last step's count
                count = state.counts[name]
                r = (count.to(r.dtype) if hasattr(count, "to") else count.astype(r.dtype)) / (self.psi * self.dt)
            elif self.spike_rate:
                r = r * 0
            result[p.name] = pathway.factor(phi, r, potential, a)
        return result

    def _noise(self, sigma: float, like: ArrayLike, generator) -> ArrayLike | float:
        """sigma sqrt(dt) N(0, 1) per neuron (0 without noise)."""
        if not sigma:
            return 0.0
        if isinstance(like, np.ndarray):
            return sigma * np.sqrt(self.dt) * generator.standard_normal(like.shape).astype(like.dtype)
        import torch

        return sigma * self.dt**0.5 * torch.randn(like.shape, generator=generator, dtype=like.dtype, device=like.device)


def _zeros(like: ArrayLike, shape: tuple[int, int]) -> ArrayLike:
    if isinstance(like, np.ndarray):
        return np.zeros(shape, like.dtype)
    import torch

    return torch.zeros(shape, dtype=like.dtype, device=like.device)


def _biased(v, b):
    return v if b is None else v + b


def _matmul_t(rows, w):
    """rows @ w^T: (batch, pre) counts into (batch, post) potentials."""
    if isinstance(w, np.ndarray):
        return (w @ rows.T).T
    return rows @ w.T


def _poisson(r, scale: float, generator, signed: bool = False):
    """Counts ~ Poisson(scale r) (signed: Poisson(scale |r|) sign(r)), integers of r's shape."""
    if isinstance(r, np.ndarray):
        counts = generator.poisson(scale * (np.abs(r) if signed else r))
        return counts * np.sign(r).astype(counts.dtype) if signed else counts
    import torch

    counts = torch.poisson(scale * (r.abs() if signed else r), generator=generator)
    return counts * r.sign() if signed else counts
