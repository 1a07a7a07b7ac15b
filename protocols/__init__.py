"""Protocols reproducing the paper's experiments (installed as ``brian_dendrites.protocols``).

:mod:`~brian_dendrites.protocols.registry` lists them for the command line and states the contract
each one keeps.
"""

__all__ = ["fig1", "regression", "mnist", "registry"]
