"""The state a run of any model starts from and ends with."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["NetworkState", "matrix_to_synapses", "synapses_to_matrix"]


@dataclass
class NetworkState:
    """Everything a run starts from and ends with, by the names the model gives (its ``zero_state``).

    ``weights`` are (post, pre) matrices by projection name; ``synapses`` maps 'projection.variable'
    to the (post, pre) matrix of any other per-synapse state, and ``potentials`` maps 'group.variable'
    to per-neuron state, so that consecutive runs continue exactly where the previous one stopped;
    ``thresholds`` are a projection's per-neuron thresholds (post,), by projection name as the weights.
    Which variables these hold is the model's choice (its ``zero_state``).

    Parameters
    ----------
    weights : dict of str to numpy.ndarray
        Weight matrix (post, pre) of each projection, by projection name.
    synapses : dict of str to numpy.ndarray, optional
        Per-synapse state other than the weights, (post, pre), by 'projection.variable'.
    potentials : dict of str to numpy.ndarray, optional
        Per-neuron state (neurons,) by 'group.variable'.
    thresholds : dict of str to numpy.ndarray, optional
        Thresholds (post,) by projection name: a constant drive of the potential the projection's
        synapses feed, as of an input fixed at 1 with a plastic weight (the microcircuit's
        ``MicrocircuitParams(thresholds=True)``: 'bottom_up_k' and 'ip_k'). Missing ones are zero.
    """

    weights: dict[str, np.ndarray]
    synapses: dict[str, np.ndarray] = field(default_factory=dict)
    potentials: dict[str, np.ndarray] = field(default_factory=dict)
    thresholds: dict[str, np.ndarray] = field(default_factory=dict)

    def copy(self) -> NetworkState:
        """A deep copy: every array is copied.

        Returns
        -------
        NetworkState
            A state with copies of the arrays of this one.
        """
        groups = (self.weights, self.synapses, self.potentials, self.thresholds)
        return NetworkState(*({k: v.copy() for k, v in group.items()} for group in groups))


def matrix_to_synapses(matrix: np.ndarray) -> np.ndarray:
    """(post, pre) weight matrix -> flat synapse values in connection order.

    Parameters
    ----------
    matrix : array_like
        A (n_post, n_pre) weight matrix.

    Returns
    -------
    numpy.ndarray
        The n_pre * n_post values, presynaptic-major (float).
    """
    return np.ascontiguousarray(np.asarray(matrix, dtype=float).T).ravel()


def synapses_to_matrix(values: np.ndarray, n_pre: int, n_post: int) -> np.ndarray:
    """Flat synapse values in connection order -> (post, pre) matrix.

    Parameters
    ----------
    values : array_like
        The n_pre * n_post synapse values, presynaptic-major.
    n_pre : int
        Presynaptic neurons.
    n_post : int
        Postsynaptic neurons.

    Returns
    -------
    numpy.ndarray
        A new (n_post, n_pre) float matrix.
    """
    return np.asarray(values, dtype=float).reshape(n_pre, n_post).T.copy()
