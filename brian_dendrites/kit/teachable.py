"""The members a supervised protocol needs (:class:`brian_dendrites.teaching.Teachable`), derived from a
:class:`~brian_dendrites.kit.ModelBase` model's declarations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from brian_dendrites.model import params_type

__all__ = ["TeachableBase"]


class TeachableBase:
    """Default :class:`~brian_dendrites.teaching.Teachable` members for a model of the kit.

    The record of a task is the model's default record of the task's sizes with the fields of
    ``tasks[task]`` replaced; initial weights are uniform in [-s, s] per projection; the output is the
    last population's rate ``r`` and potential ``u``, through ``params.phi``; targets are potentials,
    taken as they are. A model overrides any of them.

    Attributes
    ----------
    tasks : dict of str to dict
        Per protocol (e.g. ``"bars"``), the record fields that differ from the defaults (e.g. its learning rate).
    weight_scales : dict of str to dict
        Per protocol, the half-widths of the initial weights by projection name or pathway (others: 1).
    target_limits : tuple of float
        The range of output target potentials the model takes.
    """

    tasks: dict[str, dict] = {}
    weight_scales: dict[str, dict[str, float]] = {}
    target_limits: tuple[float, float] = (-10.0, 10.0)

    def task_params(self, task: str, sizes: tuple[int, ...]):
        """The default record of ``sizes`` with the fields of ``tasks[task]`` (see ``Teachable.task_params``).

        Parameters
        ----------
        task : str
            The protocol.
        sizes : tuple of int
            The layer sizes (input, ..., output).

        Returns
        -------
        parameter record
            A record of this model.
        """
        return replace(params_type(self)(), sizes=tuple(sizes), **self.tasks.get(task, {}))

    def weight_scale(self, task: str) -> dict[str, float]:
        """``weight_scales[task]``; a projection without an entry starts in U(-1, 1).

        Parameters
        ----------
        task : str
            The protocol.

        Returns
        -------
        dict of str to float
            Half-width by projection name or pathway.
        """
        return dict(self.weight_scales.get(task, {}))

    def initial_weights(self, params, rng: np.random.Generator, scale: dict[str, float]) -> dict[str, np.ndarray]:
        """Weights uniform in [-s, s], s the scale of the projection's name or pathway (1 if neither).

        Parameters
        ----------
        params : parameter record
            The network.
        rng : numpy.random.Generator
            The source of the weights, drawn projection by projection in the model's order.
        scale : dict of str to float
            Half-widths by projection name or pathway.

        Returns
        -------
        dict of str to numpy.ndarray
            A (post, pre) matrix per projection.
        """
        weights = {}
        for q in self.projections(params):
            s = scale.get(q.name, scale.get(q.pathway, 1.0))
            weights[q.name] = rng.uniform(-s, s, (q.n_post, q.n_pre))
        return weights

    def output(self, params) -> tuple[str, str, str]:
        """The last population, its rate ``r`` and potential ``u``.

        Parameters
        ----------
        params : parameter record
            The network.

        Returns
        -------
        tuple of str
            (group, rate variable, potential variable).
        """
        return list(self.populations(params))[-1], "r", "u"

    def transfer(self, params):
        """``params.phi``.

        Parameters
        ----------
        params : parameter record
            The network.

        Returns
        -------
        TransferFunction
            The output's transfer function.
        """
        return params.phi

    def targets(self, params, potentials: np.ndarray) -> np.ndarray:
        """The target potentials themselves.

        Parameters
        ----------
        params : parameter record
            The network.
        potentials : numpy.ndarray
            Output target potentials, (n_patterns, n_output).

        Returns
        -------
        numpy.ndarray
            ``potentials``.
        """
        return potentials

    def target_range(self, params) -> tuple[float, float]:
        """:attr:`target_limits`.

        Parameters
        ----------
        params : parameter record
            The network.

        Returns
        -------
        tuple of float
            (low, high).
        """
        return self.target_limits
