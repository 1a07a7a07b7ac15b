"""The problems of the depth comparison: a tanh teacher, its data and the students' initial weights.

:func:`make_problem` draws one for a size and seed; :func:`load_problem` reads one from a problem file
(e.g. written beside the authors' code). The initial weights are those of the error-neuron student
(:func:`brian_dendrites.models.error_neurons.random_weights`), so the problems stay with the protocol
(:mod:`brian_dendrites.protocols.depth`) rather than in :mod:`brian_dendrites.datasets`.
"""

from __future__ import annotations

import os

import numpy as np

from brian_dendrites.errors import FileFormatError
from brian_dendrites.files import read_npz
from brian_dendrites.models.error_neurons import ErrorNeuronParams, projections, random_weights
from brian_dendrites.protocols.depth_students import Problem, forward, gains
from brian_dendrites.state import NetworkState

__all__ = ["SAMPLES", "PROBLEM_ARRAYS", "make_problem", "read_problem", "load_problem"]

#: Samples per set (training, validation, test).
SAMPLES = 100


def make_problem(sizes: tuple[int, ...], seed: int, params: ErrorNeuronParams) -> Problem:
    """The teacher, data and initial student weights of one size and seed.

    Drawn from ``numpy.random.default_rng([seed, *sizes])`` in this order: teacher weights U(-1, 1),
    300 inputs U(0, 1) (training, validation, test), then the error-neuron student's initial weights
    (:func:`~brian_dendrites.models.error_neurons.random_weights`), whose forward weights every
    student starts from.

    Parameters
    ----------
    sizes : tuple of int
        Layer sizes.
    seed : int
        The seed.
    params : ErrorNeuronParams
        The conductances (they give the teacher's gain).

    Returns
    -------
    Problem
        The problem.
    """
    rng = np.random.default_rng([seed, *sizes])
    teacher = [rng.uniform(-1, 1, (sizes[k], sizes[k - 1])) for k in range(1, len(sizes))]
    inputs = rng.uniform(0, 1, (3 * SAMPLES, sizes[0]))
    initial = NetworkState(random_weights(params.replace(sizes=sizes, eta=()), rng))
    return _problem(sizes, seed, params, teacher, np.split(inputs, 3), initial)


def _problem(sizes, seed, params, teacher, inputs, initial) -> Problem:
    a = gains("teacher", sizes, params)
    x, y, y_potential = {}, {}, {}
    for name, values in zip(("train", "validation", "test"), inputs, strict=True):
        rates, potentials = forward(teacher, a, values)
        x[name], y[name], y_potential[name] = values, rates[-1], potentials[-1]
    return Problem(tuple(sizes), teacher, x, y, y_potential, initial, seed)


#: What a problem file holds, for messages.
PROBLEM_ARRAYS = (
    "sizes (n_0, ..., n_N), seed, teacher_k (n_k, n_{k-1}) for k = 1..N, x_train, x_validation and x_test "
    "(samples, n_0), forward_k (n_k, n_{k-1}), lateral_ip_k and lateral_pi_k (n_k, n_k), feedback_k (n_k, n_{k+1})"
)


def read_problem(path: str | os.PathLike) -> tuple[tuple[int, ...], int, dict]:
    """The sizes, seed and checked arrays of a problem file (see :func:`load_problem`).

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    sizes : tuple of int
        The layer sizes.
    seed : int
        The seed.
    arrays : dict of str to numpy.ndarray
        The checked arrays by name.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    FileFormatError
        Naming the file and its fault, as :func:`load_problem`.
    """

    def fault(what: str) -> FileFormatError:
        return FileFormatError(f"problem file {path}: {what}; a problem file holds {PROBLEM_ARRAYS}")

    try:
        arrays = read_npz(path, "depth problem file")
    except FileFormatError as error:
        raise fault("not an NPZ archive of arrays, or damaged") from error

    def array(name: str, shape: tuple) -> np.ndarray:  # shape: None for any number of samples (>= 1)
        if name not in arrays:
            raise fault(f"the array '{name}' is missing")
        value = arrays[name]
        fits = value.ndim == len(shape) and all(n in (None, m) for n, m in zip(shape, value.shape, strict=True))
        if not (fits and value.size and value.dtype.kind in "iuf" and np.all(np.isfinite(value))):
            expected = tuple("samples" if n is None else n for n in shape)
            raise fault(f"'{name}' must be finite numbers of shape {expected}, got {value.dtype} {value.shape}")
        return value

    sizes = array("sizes", (None,))
    if not (sizes.dtype.kind in "iu" and 2 <= len(sizes) <= 6 and sizes[-1] == 1 and sizes.min() >= 1):
        raise fault(f"'sizes' must be 2 to 6 integers >= 1 ending in 1 output, got {sizes.tolist()}")
    seed = array("seed", ())
    if not (seed.dtype.kind in "iu" and seed >= 0):
        raise fault(f"'seed' must be an integer >= 0, got {seed}")
    sizes, n = tuple(int(m) for m in sizes), len(sizes) - 1
    shapes = {f"teacher_{k}": (sizes[k], sizes[k - 1]) for k in range(1, n + 1)}
    shapes |= {f"x_{name}": (None, sizes[0]) for name in ("train", "validation", "test")}
    shapes |= _weight_shapes(sizes)  # from the sizes only: a damaged file's huge sizes allocate nothing
    unexpected = sorted(set(arrays) - set(shapes) - {"sizes", "seed"})
    if unexpected:
        raise fault(f"unexpected arrays {unexpected} for sizes {sizes}")
    return sizes, int(seed), {name: array(name, shape) for name, shape in shapes.items()}


def _weight_shapes(sizes: tuple[int, ...]) -> dict[str, tuple[int, int]]:
    """The shapes of the error-neuron student's weights (``ERROR_NEURONS.zero_state``), without arrays."""
    shapes = {proj.name: (proj.n_post, proj.n_pre) for proj in projections(sizes)}
    return shapes | {f"feedback_{k}": (sizes[k], sizes[k + 1]) for k in range(1, len(sizes) - 1)}


def load_problem(path: str | os.PathLike, params: ErrorNeuronParams) -> Problem:
    """A problem from an NPZ file: ``sizes``, ``seed``, ``teacher_k`` (k = 1..N), ``x_train``,
    ``x_validation``, ``x_test`` and the error-neuron student's initial weights ``forward_k``,
    ``lateral_ip_k``, ``lateral_pi_k``, ``feedback_k`` (B^II offsets, (n_k, n_{k+1})).

    The shapes are those of :data:`PROBLEM_ARRAYS`; every array holds finite numbers, and the file holds
    no others (nor pickles).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    params : ErrorNeuronParams
        The conductances.

    Returns
    -------
    Problem
        The problem; targets come from the teacher.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    FileFormatError
        If the file is not an NPZ archive, lacks an array or has another, or an array has the wrong shape,
        type or a non-finite value; the message names the file and the arrays it must hold.
    """
    sizes, seed, arrays = read_problem(path)
    n = len(sizes) - 1
    teacher = [arrays[f"teacher_{k}"].astype(float) for k in range(1, n + 1)]
    inputs = [arrays[f"x_{name}"].astype(float) for name in ("train", "validation", "test")]
    params = params.replace(sizes=sizes, eta=())
    initial = NetworkState({name: arrays[name].astype(float) for name in _weight_shapes(sizes)})
    return _problem(sizes, seed, params, teacher, inputs, initial)
