"""The error-neuron network's steady state for a held input, in NumPy.

With lookahead each Euler step maps the rates of one step to those of the next (the rates follow the
previous step's dendrites), so a held input settles to a fixed point of that map. Without a target
every error vanishes and the fixed point is closed-form: the feedforward pass r_k = phi(g_bas/g_tot
W_k r_{k-1}). With one, :meth:`SteadyStateEngine.settle` iterates the map. The Brian2 network is checked
against both. :class:`SteadyStateEngine` has the face of the microcircuit's engine
(:class:`brian_dendrites.models.microcircuit.steady_state.SteadyStateEngine`): ``feedforward``, ``settle``
and ``weight_changes``, without thresholds (the network has none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import ms

from brian_dendrites.errors import ParameterError
from brian_dendrites.validation import check_integer, check_real, finite_array, real_array

from .network import projections
from .parameters import ErrorNeuronParams
from .weights import feedback_matrices

__all__ = ["SteadyState", "SteadyStateEngine"]


def _g(value) -> float:
    return float(value * ms)  # 1/ms


@dataclass
class SteadyState:
    """Rates r_k (representation), errors e_k and apical potentials of areas 1..N at a fixed point.

    Parameters
    ----------
    rates : list of numpy.ndarray
        r_0 (the input) ... r_N, each (n_k,) or (batch, n_k).
    errors : list of numpy.ndarray
        e_1 ... e_N.
    apical : list of numpy.ndarray
        v_api,1 ... v_api,N.
    """

    rates: list[np.ndarray]
    errors: list[np.ndarray]
    apical: list[np.ndarray]


class SteadyStateEngine:
    """The fixed points of the error-neuron network's step map and their weight changes, for one parameter record.

    Weights are the (post, pre) arrays of a state (``NetworkState.weights``), keyed by projection name
    and ``feedback_k``.

    Parameters
    ----------
    params : ErrorNeuronParams
        The network's parameters.

    Raises
    ------
    ParameterError
        If ``params`` is not an ErrorNeuronParams record.
    """

    def __init__(self, params: ErrorNeuronParams) -> None:
        if not isinstance(params, ErrorNeuronParams):
            raise ParameterError(f"params must be an ErrorNeuronParams record, got {type(params).__name__}")
        self.params, self.n = params, len(params.sizes) - 1
        # (post, pre) of every weight the map reads
        self._shapes = {proj.name: (proj.n_post, proj.n_pre) for proj in projections(params.sizes)}
        self._shapes |= {f"feedback_{k}": (params.sizes[k], params.sizes[k + 1]) for k in range(1, self.n)}

    def _check(self, weights, x, r_target=None, feedforward: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """``x`` and ``r_target`` as float arrays; ParameterError unless the arguments fit the network.

        Every weight the map reads (``feedforward``: the forward ones) must be present with its shape and
        finite real values; ``x`` (n_0,) or (batch, n_0) and ``r_target`` (x's batch, n_N) finite reals.
        """
        params = self.params
        if not isinstance(weights, dict):
            raise ParameterError(f"weights must be a dict of arrays by projection name, got {type(weights).__name__}")
        needed = [name for name in self._shapes if not feedforward or name.startswith("forward_")]
        for name in needed:
            if name not in weights:
                raise ParameterError(f"weights lacks '{name}'; this network needs {needed}")
            finite_array(f"weights['{name}']", weights[name], self._shapes[name], "(post, pre)")
        x = real_array("x", x)
        batch = x.shape[:-1] if x.ndim in (1, 2) else ("batch",)
        x = finite_array("x", x, (*batch, params.sizes[0]), "(n_0,) or (batch, n_0)")
        if r_target is not None:
            r_target = finite_array("r_target", r_target, (*batch, params.sizes[-1]), "x's (n_N,) or (batch, n_N)")
        return x, r_target

    def feedforward(self, weights: dict[str, np.ndarray], x: np.ndarray) -> SteadyState:
        """The free state without a target (every error 0): r_k = phi(g_bas/g_tot W_k r_{k-1}).

        Parameters
        ----------
        weights : dict of str to numpy.ndarray
            A state's weights (``forward_k`` are read).
        x : numpy.ndarray
            Input rates, (n_0,) or (batch, n_0).

        Returns
        -------
        SteadyState
            The rates of every area, input first; errors and apical potentials 0.

        Raises
        ------
        ParameterError
            If a forward weight is missing, of another shape or not finite, or ``x`` is not (n_0,) or
            (batch, n_0) finite real numbers.
        """
        x, _ = self._check(weights, x, feedforward=True)
        rates = self._feedforward(weights, x)
        zeros = [np.zeros_like(r) for r in rates[1:]]
        return SteadyState(rates, zeros, [z.copy() for z in zeros])

    def _feedforward(self, weights: dict[str, np.ndarray], x: np.ndarray) -> list[np.ndarray]:
        """The rates of :meth:`feedforward` for a float array ``x``, unchecked."""
        params = self.params
        basal = _g(params.g_bas) / _g(params.g_l + params.g_bas + params.g_api)
        rates = [x]
        for k in range(1, len(params.sizes)):
            rates.append(params.phi(basal * rates[-1] @ weights[f"forward_{k}"].T))
        return rates

    def settle(
        self,
        weights: dict[str, np.ndarray],
        x: np.ndarray,
        r_target: np.ndarray,
        steps: int = 2000,
        tolerance: float = 1e-13,
        converge: bool = True,
    ) -> SteadyState:
        """The fixed point of the network's step map for input ``x`` and target rates ``r_target``.

        The map starts from the free state (the feedforward pass, every error 0). With ``converge=False``
        it runs exactly ``steps`` steps and returns that state: the network after holding the input and
        target for ``steps`` dt (where the loop through the output error neurons does not settle, the
        state at the end of a presentation).

        Parameters
        ----------
        weights : dict of str to numpy.ndarray
            A state's weights.
        x : numpy.ndarray
            Input rates (n_0,) or (batch, n_0).
        r_target : numpy.ndarray
            Target rates (n_N,) or (batch, n_N).
        steps : int, optional
            Most iterations. Default 2000.
        tolerance : float, optional
            Stop when no rate or error moves by more than ``tolerance``. Default 1e-13.
        converge : bool, optional
            False: run ``steps`` steps, whether or not the map has converged. Default True.

        Returns
        -------
        SteadyState
            The fixed point.

        Raises
        ------
        ParameterError
            If a weight is missing, of another shape or not finite, ``x`` is not (n_0,) or (batch, n_0)
            finite real numbers, ``r_target`` not finite real numbers of x's batch and n_N columns,
            ``steps`` not an integer >= 1, ``tolerance`` not a real number >= 0, or ``converge`` not True
            or False.
        RuntimeError
            If ``converge`` and the map has not converged after ``steps`` iterations.
        """
        check_integer("steps", steps, 1)
        check_real("tolerance", tolerance, 0)
        if not isinstance(converge, bool):
            raise ParameterError(f"converge must be True or False, got {converge!r}")
        x, r_target = self._check(weights, x, r_target)
        params, n = self.params, self.n
        g_l, g_bas, g_api = _g(params.g_l), _g(params.g_bas), _g(params.g_api)
        g_tot, c_den, c_out = g_l + g_bas + g_api, _g(params.g_den), _g(params.g_ntgt)
        down = feedback_matrices(params, weights)
        rates = self._feedforward(weights, x)
        errors = [np.zeros_like(r) for r in rates[1:]]
        for _ in range(steps):
            apical = [e @ weights[f"lateral_pi_{k}"].T for k, e in enumerate(errors, start=1)]
            u = [
                (g_bas * rates[k - 1] @ weights[f"forward_{k}"].T + g_api * apical[k - 1]) / g_tot
                for k in range(1, n + 1)
            ]
            slopes = [params.phi.derivative(v) for v in u]
            new_rates = [x] + [params.phi(v) for v in u]
            new_errors = [None] * n
            nudged = slopes[-1] * (r_target - new_rates[-1])
            new_errors[-1] = c_out / (g_l + c_out) * nudged @ weights[f"lateral_ip_{n}"].T
            for k in range(n - 1, 0, -1):
                top_down = errors[k] @ down[k].T  # B^II_k e_{k+1}, from the previous step's errors
                new_errors[k - 1] = c_den / (g_l + c_den) * (slopes[k - 1] @ weights[f"lateral_ip_{k}"].T) * top_down
            moved = max(np.max(np.abs(a - b)) for a, b in zip(new_rates + new_errors, rates + errors, strict=True))
            rates, errors = new_rates, new_errors
            if converge and moved < tolerance:
                break
        else:
            if converge:
                raise RuntimeError(f"the error-neuron network did not settle within {steps} steps")
        apical = [e @ weights[f"lateral_pi_{k}"].T for k, e in enumerate(errors, start=1)]
        return SteadyState(rates, errors, apical)

    def weight_changes(self, state: SteadyState) -> dict[str, np.ndarray]:
        """dW_k/dt / eta_k = (g_api/g_tot) v_api,k r_{k-1}^T at the fixed point (summed over a batch).

        Parameters
        ----------
        state : SteadyState
            A fixed point (see :meth:`settle`).

        Returns
        -------
        dict of str to numpy.ndarray
            Per ``forward_k``, the (n_k, n_{k-1}) weight change per unit time and unit learning rate.
        """
        params = self.params
        scale = _g(params.g_api) / _g(params.g_l + params.g_bas + params.g_api)
        result = {}
        for k, apical in enumerate(state.apical, start=1):
            pre = state.rates[k - 1]
            result[f"forward_{k}"] = scale * (np.outer(apical, pre) if apical.ndim == 1 else apical.T @ pre)
        return result
