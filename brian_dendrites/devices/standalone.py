"""Brian2's standalone devices: a fresh device for each build, the build record, the one active build.

Brian2's standalone devices hold one network at a time, so a process has one active build
(:data:`ACTIVE_BUILD`): building another retires it. Every value of a run comes as ``run_args``,
including the seed of the random numbers, so that the generated code never changes.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brian2
from brian2 import BrianObject, Network, NeuronGroup, TimedArray
from brian2.codegen.cpp_prefs import get_compiler_and_args
from brian2.devices.device import Device, all_devices

from brian_dendrites.devices.cache import locked
from brian_dendrites.devices.prefs import build_preferences, preferences
from brian_dendrites.devices.toolchain import PRECOMPILED, compile_project, cuda_makefile

__all__ = ["Build", "ActiveBuild", "ACTIVE_BUILD", "fresh_device", "seed_holder", "seed_from", "finish", "running"]


@dataclass(frozen=True)
class Build:
    """A compiled standalone network, which reruns with new ``run_args``.

    Parameters
    ----------
    circuit : circuit
        The model's circuit (see :meth:`NetworkModel.build <brian_dendrites.model.NetworkModel.build>`).
    timed : dict of str to brian2.TimedArray
        The run inputs' TimedArrays, by input name.
    network : brian2.Network
        The network of the circuit, the monitors, the user's objects and the seed holder.
    monitors : dict of str to brian2.BrianObject
        The recording's monitors, by group name (``spikes_<group>`` for spike monitors).
    extra : list of brian2.BrianObject
        The user's own objects.
    seed_holder : brian2.NeuronGroup
        The group whose ``seed`` seeds the random numbers (see :func:`seed_holder`).
    directory : pathlib.Path
        The project's folder in the build cache.
    target : {"cpp_standalone", "cuda_standalone"}
        The device it was built on.
    """

    circuit: Any
    timed: dict[str, TimedArray]
    network: Network
    monitors: dict[str, BrianObject]
    extra: list[BrianObject]
    seed_holder: NeuronGroup
    directory: Path
    target: str


class ActiveBuild:
    """The one build of this process that its standalone device holds, and the object it belongs to."""

    def __init__(self) -> None:
        self._owner: object | None = None
        self._build: Build | None = None

    def of(self, owner: object) -> Build | None:
        """The build of ``owner`` if it is the active one.

        Parameters
        ----------
        owner : object
            The object that built it (a Simulation).

        Returns
        -------
        Build or None
            The build, None where ``owner`` must build again.
        """
        build = self._build
        return build if self._owner is owner else None

    def hold(self, owner: object, build: Build) -> None:
        """Make ``build``, of ``owner``, the active build (after retiring the previous one, see :meth:`retire`).

        Parameters
        ----------
        owner : object
            The object that built it.
        build : Build
            The compiled network.
        """
        self._owner, self._build = owner, build

    def retire(self) -> None:
        """Retire the active build and free its objects, including those its device holds.

        A build on the other standalone device would otherwise see them. Brian2 names code objects uniquely
        among the live ones, so a live copy would rename the next build's code objects ("..._codeobject_1"),
        change its sources and make a cached build compile again.
        """
        retired, self._owner, self._build = self._build, None, None
        if retired is not None:
            brian2.set_device("runtime")  # so that reinit's reset of defaultclock.dt goes into no standalone project
            all_devices[retired.target].reinit()
        del retired
        gc.collect()


#: This process's active standalone build.
ACTIVE_BUILD = ActiveBuild()


@contextlib.contextmanager
def fresh_device(target: str, settings: dict[str, Any] | None = None) -> Iterator[Device]:
    """The standalone device ``target``, emptied, for a block that builds one network on it.

    The active build is retired first. Within the block Brian2's preferences are ``settings``, by
    default those the build needs (see :func:`~brian_dendrites.devices.prefs.build_preferences`);
    after it, the caller's again.

    Parameters
    ----------
    target : {"cpp_standalone", "cuda_standalone"}
        The standalone device.
    settings : dict of str to object or None, optional
        Brian2's preferences for the build; None: ``build_preferences(target)``.

    Yields
    ------
    brian2.devices.device.Device
        The device, current, that builds on :func:`finish` only (``build_on_run=False``).
    """
    with preferences(build_preferences(target) if settings is None else settings):
        ACTIVE_BUILD.retire()
        brian2.set_device("runtime")  # so that reinit's reset of defaultclock.dt goes into no standalone project
        all_devices[target].reinit()
        brian2.set_device(target, build_on_run=False)
        device = brian2.get_device()
        if target == "cpp_standalone" and get_compiler_and_args()[0] != "msvc":
            device.extra_compile_args = [*device.extra_compile_args, *PRECOMPILED]
        yield device


def seed_holder() -> NeuronGroup:
    """The group whose shared ``seed``, a run argument, seeds the random numbers (see :func:`seed_from`).

    Returns
    -------
    brian2.NeuronGroup
        One neuron named ``rng_seed``.
    """
    return NeuronGroup(1, "seed : integer (shared, constant)", name="rng_seed")


def seed_from(device: Device, holder: NeuronGroup, target: str, threads: int = 1) -> None:
    """Seed the random numbers of the generated program from the ``seed`` of ``holder``.

    With OpenMP each thread has a generator; thread i's is seeded with seed + i, as Brian2's ``seed`` does.

    Parameters
    ----------
    device : brian2.devices.device.Device
        The current standalone device.
    holder : brian2.NeuronGroup
        The group of :func:`seed_holder`, in the network.
    target : {"cpp_standalone", "cuda_standalone"}
        The device's name; Brian2CUDA draws its numbers with cuRAND.
    threads : int, optional
        The build's OpenMP threads (``cpp_standalone``). Default 1.
    """
    seed = f"brian::{device.get_array_name(holder.variables['seed'])}[0]"
    if target == "cuda_standalone":
        device.insert_code("main", f"random_number_buffer.set_seed({seed});")
    elif threads == 1:
        device.insert_code("main", f"brian::_random_generators[0].seed({seed});")
    else:
        device.insert_code(
            "main", f"for (int _i = 0; _i < {threads}; _i++) brian::_random_generators[_i].seed({seed} + _i);"
        )


def finish(device: Device, directory: Path, key: str, target: str) -> None:
    """Write the project of the network that has run on ``device`` into ``directory``, and compile it.

    Parameters
    ----------
    device : brian2.devices.device.Device
        The current standalone device.
    directory : pathlib.Path
        The project's folder in the build cache.
    key : str
        The digest of the structure.
    target : {"cpp_standalone", "cuda_standalone"}
        The device's name.
    """
    device.build(directory=str(directory), compile=False, run=False, with_output=False)
    if target == "cuda_standalone":
        cuda_makefile(directory)
    compile_project(directory, key, target)


@contextlib.contextmanager
def running(build: Build, run_args: dict) -> Iterator[None]:
    """Run the binary of ``build`` with ``run_args``; within the block its results can be read.

    The run's inputs and results are files in the build folder: runs of one build in two processes (the
    same structure and name) take turns, so that neither reads the other's.

    Parameters
    ----------
    build : Build
        The active build.
    run_args : dict
        Brian2 variable (or TimedArray) -> value.

    Yields
    ------
    None
        Within the block, the monitors and variables of the build hold the run's results.
    """
    device = all_devices[build.target]  # not necessarily the current one: runs give the caller's back
    with locked(build.directory.parent / f"{build.directory.name}.run.lock"):
        device.run(directory=str(build.directory), with_output=False, run_args=run_args)
        try:
            yield
        finally:
            device.delete(code=False, data=False, run_args=True, directory=False)
