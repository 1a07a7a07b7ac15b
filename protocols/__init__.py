"""Protocols reproducing the paper's experiments (installed as ``brian_dendrites.protocols``)."""

__all__ = ["fig1", "regression", "mnist"]
