"""Brian2's global state for a build or a run: its preferences, device and random seed, the caller's again after it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import brian2
import numpy as np
from brian2.devices.device import previous_devices

from brian_dendrites.devices.toolchain import curand_from_wheel, march, vector_math, with_march

__all__ = ["preferences", "build_preferences", "caller_state"]


@contextlib.contextmanager
def preferences(settings: Mapping[str, Any]) -> Iterator[None]:
    """Brian2's preferences ``settings`` within the block; each one's previous value again after it.

    Parameters
    ----------
    settings : mapping of str to object
        Preference name (e.g. ``"codegen.target"``) -> value.

    Yields
    ------
    None
        Within the block, the preferences have the values of ``settings``.
    """
    previous = {name: brian2.prefs[name] for name in settings}
    try:
        for name, value in settings.items():
            brian2.prefs[name] = value
        yield
    finally:
        for name, value in previous.items():
            brian2.prefs[name] = value


def build_preferences(target: str) -> dict[str, Any]:
    """The preferences that a build on ``target`` needs (see :func:`preferences`).

    Parameters
    ----------
    target : {"cpp_standalone", "cuda_standalone", "cython", "numpy"}
        Brian2's code-generation target (a runtime one: ``codegen.target``).

    Returns
    -------
    dict of str to object
        The vector-math define for GCC (:data:`~brian_dendrites.devices.toolchain.VECTOR_MATH`), the
        ``-march`` of :func:`~brian_dendrites.devices.toolchain.march` where it is not ``native``, the
        runtime target, or on ``cuda_standalone`` cuRAND from the wheel where the toolkit lacks it.
    """
    settings = vector_math()
    if (value := march()) != "native":
        gcc = settings["codegen.cpp.extra_compile_args_gcc"]
        settings["codegen.cpp.extra_compile_args_gcc"] = with_march(gcc, value)
        if (user := brian2.prefs.codegen.cpp.extra_compile_args) is not None:  # replaces the compiler's own
            settings["codegen.cpp.extra_compile_args"] = with_march(user, value)
    if target in ("cython", "numpy"):
        settings["codegen.target"] = target
    if target == "cuda_standalone":
        settings |= curand_from_wheel()
    return settings


@contextlib.contextmanager
def caller_state() -> Iterator[None]:
    """Brian2's device (with its build options) and NumPy's global random state as the caller had them,
    again after the block, whatever the block sets (``brian2.set_device``, ``brian2.seed``).

    Yields
    ------
    None
        Within the block, the device and seed may change.
    """
    device = brian2.get_device()
    build_on_run, options = getattr(device, "build_on_run", True), dict(getattr(device, "build_options", {}) or {})
    depth, random_state = len(previous_devices), np.random.get_state()
    try:
        yield
    finally:
        if brian2.get_device() is not device:
            brian2.set_device(device, build_on_run, **options)
        del previous_devices[depth:]  # set_device stacks every device it replaces
        np.random.set_state(random_state)
