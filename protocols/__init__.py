"""Protocols reproducing the paper's experiments (installed as ``brian_dendrites.protocols``).

:mod:`~brian_dendrites.protocols.registry` lists them for the command line and states the contract
each one keeps: :mod:`.fig1`, :mod:`.regression`, :mod:`.bars`, :mod:`.depth`, :mod:`.mnist` and
:mod:`.attention`. Helper modules: :mod:`.modes` (the options of the rate and spiking modes) and
:mod:`.depth_problems` and :mod:`.depth_students` (depth's problems and trainers).
"""

__all__ = [
    "fig1",
    "regression",
    "bars",
    "depth",
    "mnist",
    "attention",
    "registry",
    "modes",
    "depth_problems",
    "depth_students",
]
