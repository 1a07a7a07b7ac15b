"""The state a run of any model starts from and ends with."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["NetworkState", "matrix_to_synapses", "synapses_to_matrix"]


@dataclass
class NetworkState:
    """Everything a run starts from and ends with, by the names the model gives (its ``zero_state``).

    ``weights`` and ``induction`` (the filtered plasticity induction of filtered plastic pathways)
    are (post, pre) matrices by projection name; ``potentials`` maps 'group.variable' to per-neuron
    state, so that consecutive runs continue exactly where the previous one stopped. For the
    microcircuit: somatic potentials u, dendritic potentials v_B, v_TD, v_PI, v_D and rates r.

    Parameters
    ----------
    weights : dict of str to numpy.ndarray
        Weight matrix (post, pre) of each projection, by projection name.
    induction : dict of str to numpy.ndarray, optional
        Filtered plasticity induction (post, pre) of each filtered plastic projection, by projection name.
    potentials : dict of str to numpy.ndarray, optional
        Per-neuron state (neurons,) by 'group.variable'.
    """

    weights: dict[str, np.ndarray]
    induction: dict[str, np.ndarray] = field(default_factory=dict)
    potentials: dict[str, np.ndarray] = field(default_factory=dict)

    def copy(self) -> NetworkState:
        """A deep copy: every array is copied.

        Returns
        -------
        NetworkState
            A state with copies of the arrays of this one.
        """
        copy = {k: v.copy() for k, v in self.weights.items()}
        return NetworkState(
            copy, {k: v.copy() for k, v in self.induction.items()}, {k: v.copy() for k, v in self.potentials.items()}
        )


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
