"""What a supervised protocol needs from a model to teach it: :class:`Teachable` and :func:`require`.

A model that the protocols ``bars``, ``regression`` and fig1's target learning can teach adds, beside
the runner's contract (:class:`~brian_dendrites.model.NetworkModel`), the members of :class:`Teachable`:
its tuned record for a task, its initial weights, its output and how it takes a target. A protocol
checks the members it uses with :func:`require` before it builds anything, and refuses a model that
lacks one, naming it. The optional members (:data:`OPTIONAL`) serve single protocols: bars starts
self-predicting where a model can; regression requires ``shallow_rates`` (its shallow learner) and
``apical`` (its RMS apical readout); fig1 requires the microcircuit's dendrite readouts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

import numpy as np

from brian_dendrites.errors import ParameterError

if TYPE_CHECKING:
    from brian_dendrites.transfer import TransferFunction

__all__ = ["Teachable", "REQUIRED", "OPTIONAL", "require"]

#: The members every supervised protocol uses.
REQUIRED = ("task_params", "weight_scale", "initial_weights", "output", "transfer", "targets", "target_range")
#: Members that single protocols use where a model has them (see :class:`Teachable`).
OPTIONAL = ("self_predicting", "shallow_rates", "apical", "spiking")


class Teachable(Protocol):  # numpydoc ignore=PR01
    """What a protocol needs from a model to teach it (beside :class:`~brian_dendrites.model.NetworkModel`).

    Targets are given as output potentials, which :meth:`targets` turns into what the model's run takes
    and :meth:`transfer` into the output rates they stand for. The optional members: ``self_predicting(params,
    weights) -> weights`` (bars starts from it where a model has it), ``shallow_rates(params) -> eta``
    (the learning rates with only the last layer plastic: regression's shallow learner), ``apical(params)
    -> (group, variable)`` (a hidden layer's error readout: regression's RMS apical potential) and
    ``spiking(params, psi) -> params`` (the record in spiking mode, ``--mode spiking``).

    Attributes
    ----------
    name : str
        The model's name, as registered.
    """

    name: str

    def task_params(self, task: str, sizes: tuple[int, ...]):
        """The model's record, with its tuned learning rates, for a protocol's task and layer sizes.

        Parameters
        ----------
        task : str
            The protocol, e.g. ``"bars"``, ``"regression"`` or ``"fig1"``.
        sizes : tuple of int
            The layer sizes (input, ..., output) the task asks for, e.g. (9, 30, 3).

        Returns
        -------
        parameter record
            A record of this model of these sizes.
        """

    def weight_scale(self, task: str) -> dict[str, float]:
        """The model's default half-widths of its initial weights for ``task`` (see :meth:`initial_weights`).

        Parameters
        ----------
        task : str
            The protocol.

        Returns
        -------
        dict of str to float
            Half-width > 0 by projection name or pathway (missing ones: 1).
        """

    def initial_weights(self, params, rng: np.random.Generator, scale: dict[str, float]) -> dict[str, np.ndarray]:
        """Random initial weights, every weight of the model's ``zero_state``.

        Parameters
        ----------
        params : parameter record
            The network.
        rng : numpy.random.Generator
            The source of the weights.
        scale : dict of str to float
            Half-widths by projection name or pathway (missing ones: 1).

        Returns
        -------
        dict of str to numpy.ndarray
            A (post, pre) matrix by name.
        """

    def output(self, params) -> tuple[str, str, str]:
        """The output layer: its group, its rate variable and its potential variable.

        Parameters
        ----------
        params : parameter record
            The network.

        Returns
        -------
        tuple of str
            E.g. ``("pyramidal_2", "r", "u")``: recorded as ``"pyramidal_2.r"``.
        """

    def transfer(self, params) -> TransferFunction:
        """The output layer's transfer function, from output potentials to output rates.

        Parameters
        ----------
        params : parameter record
            The network.

        Returns
        -------
        TransferFunction
            phi of the output layer.
        """

    def targets(self, params, potentials: np.ndarray) -> np.ndarray:
        """What the model's run takes as targets for output target potentials (rates or the potentials).

        Parameters
        ----------
        params : parameter record
            The network.
        potentials : numpy.ndarray
            Output target potentials, (n_patterns, n_output).

        Returns
        -------
        numpy.ndarray
            The ``targets`` of :meth:`Simulation.run <brian_dendrites.simulation.Simulation.run>`.
        """

    def target_range(self, params) -> tuple[float, float]:
        """The range of output target potentials the model takes.

        Parameters
        ----------
        params : parameter record
            The network.

        Returns
        -------
        tuple of float
            (low, high), finite.
        """


def require(model, members: Iterable[str], protocol: str) -> None:
    """Refuse ``model`` unless it has every one of ``members``, naming the ones it lacks.

    Parameters
    ----------
    model : object
        A registered model.
    members : iterable of str
        The members of :class:`Teachable` (or its optional ones) that ``protocol`` uses.
    protocol : str
        The protocol's name, for the message.

    Raises
    ------
    ParameterError
        If ``model`` lacks one: "bars needs a model that can be taught: model 'x' lacks ['output', ...]".
    """
    missing = [member for member in members if not callable(getattr(model, member, None))]
    if missing:
        name = getattr(model, "name", type(model).__name__)
        raise ParameterError(f"{protocol} needs a model that can be taught: model {name!r} lacks {missing}")
