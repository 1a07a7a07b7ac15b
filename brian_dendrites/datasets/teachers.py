"""Teacher networks: the targets a student network learns to reproduce.

:class:`Teacher` is the two-layer teacher of Sacramento et al. (2018), section 3.3, which the
regression protocol's students learn (Fig. 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brian_dendrites.transfer import TransferFunction

__all__ = ["Teacher"]


@dataclass(frozen=True)
class Teacher:
    """The teacher network of section 3.3: r_trgt = phi(k21 W21 phi(k10 W10 r0)).

    ``potential`` is the output's u_trgt = k21 W21 phi(k10 W10 r0), the target potential that
    nudges the student's output layer.

    Parameters
    ----------
    w10 : numpy.ndarray
        Input-to-hidden weights W10, shape (n_hidden, n_input) (post, pre); dimensionless.
    w21 : numpy.ndarray
        Hidden-to-output weights W21, shape (n_output, n_hidden) (post, pre); dimensionless.
    phi : TransferFunction
        The transfer function of both layers (the student's).
    k10 : float, default 2.0
        Gain of the hidden layer's input.
    k21 : float, default 10.0
        Gain of the output layer's input.
    """

    w10: np.ndarray
    w21: np.ndarray
    phi: TransferFunction
    k10: float = 2.0
    k21: float = 10.0

    @classmethod
    def draw(cls, rng: np.random.Generator, phi: TransferFunction, sizes=(30, 20, 10)) -> Teacher:
        """A teacher with weights drawn from U(-1, 1) and the default gains.

        Parameters
        ----------
        rng : numpy.random.Generator
            Draws W10, then W21.
        phi : TransferFunction
            The transfer function.
        sizes : tuple of int, default (30, 20, 10)
            The layer sizes: input, hidden, output.

        Returns
        -------
        Teacher
            The teacher.
        """
        return cls(rng.uniform(-1, 1, (sizes[1], sizes[0])), rng.uniform(-1, 1, (sizes[2], sizes[1])), phi)

    def potential(self, x: np.ndarray) -> np.ndarray:
        """The output's target potentials u_trgt = k21 W21 phi(k10 W10 x).

        Parameters
        ----------
        x : numpy.ndarray
            Input rates r0, shape (n_patterns, n_input).

        Returns
        -------
        numpy.ndarray
            The target potentials, shape (n_patterns, n_output); dimensionless.
        """
        return self.k21 * self.phi(self.k10 * x @ self.w10.T) @ self.w21.T

    def rates(self, x: np.ndarray) -> np.ndarray:
        """The output's target rates r_trgt = phi(u_trgt).

        Parameters
        ----------
        x : numpy.ndarray
            Input rates r0, shape (n_patterns, n_input).

        Returns
        -------
        numpy.ndarray
            The target rates, shape (n_patterns, n_output).
        """
        return self.phi(self.potential(x))
