"""The paper's simplified steady-state dynamics (section 3.4) as batched matrix algebra.

For a batch of inputs, in two steps:

1. bottom-up: every layer at its basal prediction, u_k = a_B v_B,k with
   v_B,k = W_{k,k-1} r_{k-1} + b_k; the output is then nudged,
   u_N = (g_B v_B,N + g_som u_trgt) / (g_lk + g_B + g_som);
2. top-down, k = N-1 .. 1: interneurons first, u^I = (g_D v^I + g_som u_{k+1}) /
   (g_lk + g_D + g_som) with rates r^I = gamma phi(u^I) (gamma: the disinhibition gain), then the
   apical potential (Eq. 4), then the soma, u_k = (g_B v_B + g_A v_A) / (g_lk + g_B + g_A).

``sweeps`` > 1 repeats both steps from the rates of the last pass, toward the fixed point of all
layers at once (the Brian2 network's steady state), which matters once the top-down input is not
cancelled (gamma < 1).

Then Eqs. 7-10, read from the pathway table (pathways.py) that the
Brian2 network also reads, give the weight changes, averaged over the batch. These are
the fixed-point equations of the Brian2 network (Eqs. 1-5 without noise), so
both share one parameter record; one top-down visit instead of the full
relaxation is exact as g_A -> 0. The paper's convex mixing (1 - lambda) v_B +
lambda u is the case g_lk = 0. Every neuron has a learnable threshold b: an
input fixed at 1 with a plastic weight.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from brian2 import ms
from scipy.linalg.blas import get_blas_funcs

from brian_dendrites.errors import ParameterError
from brian_dendrites.validation import check_integer, check_real

from .network import projections
from .parameters import LearningRates, MicrocircuitParams
from .pathways import PATHWAY_TABLE

__all__ = ["SteadyState", "SteadyStateEngine"]


def _g(conductance) -> float:
    return float(conductance * ms)  # 1/ms


@dataclass
class SteadyState:
    """Potentials and rates of a settled batch, by layer k (lists indexed by k; index 0 is the input).

    ``r_B`` holds the basal predictions phi(a_B v_B,k) of Eq. 7. Arrays are (batch, neurons); the
    dicts are keyed by hidden layer k = 1..N-1 and empty after ``feedforward`` alone.

    Parameters
    ----------
    r : list of numpy.ndarray
        Rates r_k, k = 0..N (r_0: the inputs).
    r_B : list of numpy.ndarray or None
        Basal predictions phi(a_B v_B,k), k = 0..N (None at 0).
    u : list of numpy.ndarray or None
        Somatic potentials u_k (None at 0).
    v_B : list of numpy.ndarray or None
        Basal potentials v_B,k = W_{k,k-1} r_{k-1} + b_k (None at 0).
    v_A : dict of int to numpy.ndarray
        Apical potentials v_A,k (Eq. 4): top-down plus interneuron input.
    v_TD : dict of int to numpy.ndarray
        The top-down part W_{k,k+1} r_{k+1} of the apical potential.
    u_I : dict of int to numpy.ndarray
        Somatic potentials of the interneurons.
    v_I : dict of int to numpy.ndarray
        Dendritic potentials v^I of the interneurons.
    r_I : dict of int to numpy.ndarray
        Rates gamma phi(u^I) of the interneurons.
    sweeps : int, optional
        The passes ``settle`` made. Default 1.
    residual : float, optional
        The largest change of a rate in the last pass; NaN after one pass. Default NaN.
    """

    r: list[np.ndarray]
    r_B: list[np.ndarray | None]
    u: list[np.ndarray | None]
    v_B: list[np.ndarray | None]
    v_A: dict[int, np.ndarray]
    v_TD: dict[int, np.ndarray]
    u_I: dict[int, np.ndarray]
    v_I: dict[int, np.ndarray]
    r_I: dict[int, np.ndarray]
    sweeps: int = 1
    residual: float = float("nan")


def _dendrite(rates, w, b=None):
    """Dendritic potentials ``rates @ w^T (+ b)``: (batch, post), or (networks, batch, post) for a stack.

    NumPy computes it as ``(w @ rates^T)^T`` (a transposed view): for a mini-batch of 10 and 784 x 500
    weights OpenBLAS takes 160 us for this product against 350 us for ``rates @ w^T`` (one core,
    float32). PyTorch on the CPU is slower that way (2.28 s against 1.51 s per 5,000 MNIST images).
    """
    if isinstance(w, np.ndarray):
        v = (w @ rates.swapaxes(-1, -2)).swapaxes(-1, -2)
    else:
        v = rates @ w.swapaxes(-1, -2)
    return v if b is None else v + b[..., None, :]


def _accumulate(w, alpha: float, error, pre) -> None:
    """w += alpha error^T pre in place, summed over the batch (per network of a stack). For one NumPy
    network: one gemm with beta = 1 on w's transpose, no temporary (the update is memory-bound; this
    halves the traffic of the plain form)."""
    if isinstance(w, np.ndarray) and w.ndim == 2 and w.flags.c_contiguous and w.dtype in (np.float32, np.float64):
        gemm = get_blas_funcs("gemm", (w,))
        result = gemm(alpha, pre, error, beta=1.0, c=w.T, trans_a=1, overwrite_c=1)
        if result.ctypes.data != w.ctypes.data:  # f2py worked on a copy
            w[...] = result.T
    else:
        w += alpha * (error.swapaxes(-1, -2) @ pre)


def _array_kind(value) -> str | None:
    """'numpy' or 'torch' for an array the engine computes with, None for anything else."""
    if isinstance(value, np.ndarray):
        return "numpy"
    torch = sys.modules.get("torch")  # a tensor exists only once PyTorch is imported
    return "torch" if torch is not None and isinstance(value, torch.Tensor) else None


def _real(value) -> bool:
    """Whether an array (NumPy or PyTorch) holds real numbers: integers or floats, not bools or complex."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iuf"
    return not value.dtype.is_complex and value.dtype is not sys.modules["torch"].bool


def _finite(value) -> bool:
    return bool(np.isfinite(value).all()) if isinstance(value, np.ndarray) else bool(value.isfinite().all())


def _check_array(name: str, value, kind: str | None, shape: tuple, axes: str, finite: bool = False) -> None:
    """ParameterError unless ``value`` is an array of ``kind`` of real numbers, of ``shape`` (finite if ``finite``)."""
    if kind is None or _array_kind(value) != kind or not _real(value):
        what = f"{type(value).__name__} of dtype {value.dtype}" if hasattr(value, "dtype") else type(value).__name__
        raise ParameterError(
            f"{name} must be a NumPy array or PyTorch tensor of real numbers, all of the kind of "
            f"weights['bottom_up_1']; got {what}"
        )
    if tuple(value.shape) != shape:
        expected = f"({', '.join(map(str, shape))})"
        raise ParameterError(f"{name} must have shape {axes} = {expected}, got {tuple(value.shape)}")
    if finite and not _finite(value):
        raise ParameterError(f"{name} must be finite, found NaN or inf")


class SteadyStateEngine:
    """Settles batches and applies Eqs. 7-10 for one parameter record.

    The conductance ratios and learning rates (1/ms) are read from ``params`` once, as floats,
    so that the per-batch work is only matrix algebra. Weights are (post, pre) arrays and
    thresholds ``biases`` (post,) arrays keyed by projection name; their dtype is kept. The arrays
    are NumPy arrays or PyTorch tensors (on any device), all of one kind. A stack of S networks of
    this record trains at once: weights (S, post, pre), thresholds (S, post), inputs and targets
    (S, batch, n); every network sees its own batch.

    Parameters
    ----------
    params : MicrocircuitParams
        The network's parameters (conductances, phi, plastic pathways); rate mode only.
    eta : LearningRates, optional
        Learning rates; None: ``params.eta``.

    Raises
    ------
    ParameterError
        If ``params`` is in spiking mode.
    """

    def __init__(self, params: MicrocircuitParams, eta: LearningRates | None = None) -> None:
        if params.spiking_mode:
            raise ParameterError(
                "SteadyStateEngine: params.mode must be 'rate' (the steady state of rate units); "
                "spiking mode runs on SpikingEngine (spiking_engine.py) or the Brian2 network (Simulation)"
            )
        self.params, self.phi, self.n = params, params.phi, len(params.sizes) - 1
        eta = eta or params.eta
        out = params.output
        self.a_B = {k: params.pyramidal_layer(k).basal_attenuation for k in range(1, self.n + 1)}
        self.nudge_B, self.nudge_som = out.nudged_mixing
        self.apical, self.interneuron, self.gamma = {}, {}, {}
        for k in range(1, self.n):
            p, q = params.pyramidal_layer(k), params.interneuron_layer(k)
            self.apical[k] = p.apical_mixing
            self.interneuron[k] = (*q.nudged_mixing, q.dendritic_attenuation)
            self.gamma[k] = float(q.gamma)
        self.rates = {
            proj.name: _g(eta.for_projection(proj.pathway, proj.layer, self.n))
            for proj in projections(params.sizes)
            if proj.pathway in params.plastic
        }
        # (post, pre) of every weight settle reads; thresholds: bottom-up and ip
        self._shapes = {proj.name: (proj.n_post, proj.n_pre) for proj in projections(params.sizes)}
        self._thresholds = [name for name in self._shapes if name.startswith(("bottom_up_", "ip_"))]

    def _check(self, weights: dict, biases: dict, x, u_tgt=None, feedforward: bool = False) -> None:
        """ParameterError unless the arguments of :meth:`settle` (``feedforward``: of :meth:`feedforward`) fit.

        The weights' values are not read, so that the check costs microseconds per call.
        """
        if not isinstance(weights, dict) or not isinstance(biases, dict):
            raise ParameterError(
                "weights and biases must be dicts of arrays by projection name, "
                f"got {type(weights).__name__} and {type(biases).__name__}"
            )
        names = [name for name in self._shapes if not feedforward or name.startswith("bottom_up_")]
        kind = _array_kind(weights.get("bottom_up_1"))
        stack = tuple(weights["bottom_up_1"].shape[:-2]) if kind else ()  # (networks,) for a stack
        head = "(networks, " if stack else "("
        for name in names:
            if name not in weights:
                raise ParameterError(f"weights lacks '{name}'; this network needs {names}")
            _check_array(f"weights['{name}']", weights[name], kind, stack + self._shapes[name], head + "post, pre)")
        thresholds = [name for name in names if name in self._thresholds]
        for name in thresholds:
            if name not in biases:
                raise ParameterError(f"biases lacks '{name}'; this network needs {thresholds}")
            _check_array(f"biases['{name}']", biases[name], kind, stack + self._shapes[name][:1], head + "post)")
        batch = tuple(getattr(x, "shape", ())[:-1])  # x: (batch, n_0), or one batch per network of a stack
        if len(batch) not in (1, 1 + len(stack)) or batch[:-1] not in ((), stack):
            batch = (*stack, "batch")
        _check_array("x", x, kind, (*batch, self.params.sizes[0]), head + "batch, n_0)", finite=True)
        if u_tgt is not None:
            _check_array("u_tgt", u_tgt, kind, (*batch, self.params.sizes[-1]), "x's " + head + "batch, n_N)", True)

    def feedforward(self, weights: dict, biases: dict, x: np.ndarray) -> SteadyState:
        """Step 1 alone: every layer at its basal prediction, u_k = a_B v_B,k (no target, no apical input).

        Parameters
        ----------
        weights : dict of str to numpy.ndarray
            (post, pre) weight matrices by projection name; ``bottom_up_k`` are read.
        biases : dict of str to numpy.ndarray
            Thresholds (post,) by projection name; ``bottom_up_k`` are read.
        x : numpy.ndarray
            Input rates, (batch, n_0).

        Returns
        -------
        SteadyState
            The feedforward state (its dicts are empty).

        Raises
        ------
        ParameterError
            If a bottom-up weight or threshold is missing or of another shape, the arrays are not all
            NumPy arrays or all PyTorch tensors of real numbers, or ``x`` is not (batch, n_0) and finite.
        """
        self._check(weights, biases, x, feedforward=True)
        return self._feedforward(weights, biases, x)

    def _feedforward(self, weights: dict, biases: dict, x) -> SteadyState:
        """:meth:`feedforward` without the checks."""
        phi = self.phi
        r, r_B, u, v_B = [x], [None], [None], [None]
        for k in range(1, self.n + 1):
            v = _dendrite(r[k - 1], weights[f"bottom_up_{k}"], biases[f"bottom_up_{k}"])
            v_B.append(v)
            u.append(self.a_B[k] * v)
            r_B.append(phi(u[k]))
            r.append(r_B[k])
        return SteadyState(r, r_B, u, v_B, {}, {}, {}, {}, {})

    def settle(
        self,
        weights: dict,
        biases: dict,
        x: np.ndarray,
        u_tgt: np.ndarray | None = None,
        sweeps: int = 1,
        tolerance: float = 0.0,
    ) -> SteadyState:
        """Two-step steady state for inputs ``x`` (batch, n_0); ``u_tgt`` (batch, n_N) nudges the output.

        Parameters
        ----------
        weights : dict of str to numpy.ndarray
            (post, pre) weight matrices by projection name.
        biases : dict of str to numpy.ndarray
            Thresholds (post,) by projection name; ``bottom_up_k`` and ``ip_k`` are read.
        x : numpy.ndarray
            Input rates, (batch, n_0).
        u_tgt : numpy.ndarray, optional
            Output target potentials, (batch, n_N); None: no nudging.
        sweeps : int, optional
            Passes of both steps at most; each after the first starts from the last pass's rates.
            Default 1 (the paper's simplified dynamics).
        tolerance : float, optional
            Stop after a pass that moved no rate by more than this. Default 0: all ``sweeps``.

        Returns
        -------
        SteadyState
            The settled state.

        Raises
        ------
        ParameterError
            If a weight or threshold the pass reads is missing or of another shape, the arrays are not
            all NumPy arrays or all PyTorch tensors of real numbers, ``x`` is not (batch, n_0) and finite,
            ``u_tgt`` is not (batch, n_N) and finite,
            ``sweeps`` is not an integer >= 1 or ``tolerance`` not a real number >= 0.
        """
        check_integer("sweeps", sweeps, 1)
        check_real("tolerance", tolerance, 0)
        self._check(weights, biases, x, u_tgt)
        return self._settle(weights, biases, x, u_tgt, sweeps, tolerance)

    def _settle(self, weights: dict, biases: dict, x, u_tgt=None, sweeps: int = 1, tolerance: float = 0.0):
        """:meth:`settle` without the checks, for callers whose arguments are known to fit (training loops)."""
        phi, n = self.phi, self.n
        state = self._feedforward(weights, biases, x)
        r, u, v_B = state.r, state.u, state.v_B
        for sweep in range(sweeps):
            before = r[1:]  # every pass rebinds the rates
            if sweep:  # step 1 again, from the rates the last pass settled at (v_B,1 keeps x's)
                for k in range(2, n + 1):
                    v_B[k] = _dendrite(r[k - 1], weights[f"bottom_up_{k}"], biases[f"bottom_up_{k}"])
                    state.r_B[k] = phi(self.a_B[k] * v_B[k])
            if sweep or u_tgt is not None:
                u[n] = self.a_B[n] * v_B[n] if u_tgt is None else self.nudge_B * v_B[n] + self.nudge_som * u_tgt
                r[n] = phi(u[n])
            for k in range(n - 1, 0, -1):
                mix_D, mix_som, _ = self.interneuron[k]
                v_I = _dendrite(r[k], weights[f"ip_{k}"], biases[f"ip_{k}"])
                u_I = mix_D * v_I + mix_som * u[k + 1]
                r_I = self.gamma[k] * phi(u_I)
                v_TD = _dendrite(r[k + 1], weights[f"top_down_{k}"])
                v_A = v_TD + _dendrite(r_I, weights[f"pi_{k}"])
                u[k] = self.a_B[k] * v_B[k] + self.apical[k] * v_A
                r[k] = phi(u[k])
                state.u_I[k], state.v_I[k], state.r_I[k], state.v_TD[k], state.v_A[k] = u_I, v_I, r_I, v_TD, v_A
            if sweep:
                state.sweeps = sweep + 1
                state.residual = max(float(abs(a - b).max()) for a, b in zip(r[1:], before, strict=True))
                if state.residual <= tolerance:
                    break
        return state

    def _factors(self, state: SteadyState):
        """(name, rate * postsynaptic error, presynaptic rates, has threshold) of Eqs. 7-10."""
        phi = self.phi
        for proj in projections(self.params.sizes):
            if proj.name not in self.rates:
                continue
            k, pathway = proj.layer, PATHWAY_TABLE[proj.pathway]
            if proj.pathway == "bottom_up":  # the basal prediction r_B is phi(a_B v_B) of step 1
                error = pathway.factor(phi, state.r[k], state.v_B[k], self.a_B[k], prediction=state.r_B[k])
                pre = state.r[k - 1]
            elif proj.pathway == "ip":
                error = pathway.factor(phi, state.r_I[k], state.v_I[k], self.interneuron[k][2])
                pre = state.r[k]
            elif proj.pathway == "pi":
                error, pre = pathway.factor(phi, None, state.v_A[k]), state.r_I[k]
            else:
                error, pre = pathway.factor(phi, state.r[k], state.v_TD[k]), state.r[k + 1]
            yield proj.name, self.rates[proj.name] * error, pre, proj.pathway in ("bottom_up", "ip")

    def weight_changes(self, state: SteadyState) -> dict:
        """Batch-averaged changes of Eqs. 7-10 per unit time (1/ms): {name: (dW, db)}.

        db is the threshold change (None for pathways without thresholds).

        Parameters
        ----------
        state : SteadyState
            A settled batch (from ``settle``).

        Returns
        -------
        dict of str to tuple
            Projection name -> (dW (post, pre), db (post,) or None), for every projection of a plastic
            pathway.
        """
        batch = state.r[0].shape[-2]
        return {
            name: (error.swapaxes(-1, -2) @ pre / batch, error.mean(axis=-2) if threshold else None)
            for name, error, pre, threshold in self._factors(state)
        }

    def learn(
        self, state: SteadyState, weights: dict, biases: dict, dt: float = 1.0, frozen=(), thresholds: bool = True
    ) -> None:
        """Apply the batch-averaged changes over ``dt`` (ms) in place, except to the ``frozen`` projections.

        Run it under one BLAS thread (``threadpoolctl.threadpool_limits(1)``), as the MNIST protocol
        does: the in-place update uses scipy's BLAS, and scipy's and numpy's OpenBLAS pools with two
        threads each made a 784-500-500-10 epoch take 100 s instead of 7 s on a 2-core machine.

        Parameters
        ----------
        state : SteadyState
            A settled batch (from ``settle``).
        weights : dict of str to numpy.ndarray
            (post, pre) weight matrices by projection name, updated in place.
        biases : dict of str to numpy.ndarray
            Thresholds (post,) by projection name, updated in place (bottom-up and ip pathways).
        dt : float, optional
            The time the changes apply over, in ms. Default 1.
        frozen : collection of str, optional
            Names of projections to leave unchanged. Default: none.
        thresholds : bool, optional
            False leaves every threshold unchanged (a network without thresholds, as the Brian2 rate
            network is, keeps them at 0). Default True.
        """
        scale = dt / state.r[0].shape[-2]
        for name, error, pre, threshold in self._factors(state):
            if name in frozen:
                continue
            _accumulate(weights[name], scale, error, pre)
            if threshold and thresholds:
                biases[name] += scale * error.sum(axis=-2)
