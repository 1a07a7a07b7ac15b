"""The results JSON and Fig. 3B of ``brian-dendrites mnist train`` (see :mod:`~brian_dendrites.protocols.mnist`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from brian_dendrites.files import atomic_target

__all__ = ["write"]


def write(results: dict, out: str | os.PathLike) -> list[Path]:
    """Write mnist_results.json and fig3b.png (test error per epoch) into ``out``, or for several seeds
    into each seed's folder ``out/seed_<seed>``, and the summary over seeds into ``out/mnist_seeds.json``.

    All are derived from the model files, so they are replaced on every run; each is written
    atomically.

    Parameters
    ----------
    results : dict
        What :func:`~brian_dendrites.protocols.mnist.run` returns.
    out : str or os.PathLike
        The output folder.

    Returns
    -------
    list of pathlib.Path
        The paths written: mnist_results.json and fig3b.png (of each seed), then mnist_seeds.json.
    """
    if "runs" in results:
        paths = [path for seed, run in results["runs"].items() for path in _write_seed(run, Path(out) / f"seed_{seed}")]
        summary = Path(out) / "mnist_seeds.json"
        with atomic_target(summary) as tmp:
            tmp.write_text(json.dumps({k: v for k, v in results.items() if k != "runs"}, indent=2))
        return [*paths, summary]
    return _write_seed(results, out)


def _write_seed(results: dict, out: str | os.PathLike) -> list[Path]:
    """mnist_results.json and fig3b.png of one seed's ``results`` in ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    paths = [out / "mnist_results.json", out / "fig3b.png"]
    with atomic_target(paths[0]) as tmp:
        tmp.write_text(json.dumps(results, indent=2))
    styles = {"a": "C0", "b": "C0--", "c": "C2", "shallow": "k", "backprop": "C3"}
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, entry in results["variants"].items():
        log = entry["log"]
        ax.plot(log["epoch"], 100 * np.asarray(log["test_error"]), styles[name], label=name)
    ax.set(xlabel="epoch", ylabel="test error (%)", yscale="log", title="MNIST (Fig. 3B)")
    ax.legend()
    fig.tight_layout()
    with atomic_target(paths[1]) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return paths
