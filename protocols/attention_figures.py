"""The figures and results JSON of ``brian-dendrites attention`` (see :mod:`~brian_dendrites.protocols.attention`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["write"]

_STYLES = {  # (gamma, attention) -> label, colour, line style
    (1.0, "off"): ("gamma 1 (normal)", "k", "-"),
    (0.0, "off"): ("gamma 0 (disinhibited)", "tab:blue", "-"),
    (0.0, "correct"): ("gamma 0, attention on the class", "tab:green", "-"),
    (0.0, "wrong"): ("gamma 0, attention on another class", "tab:red", "--"),
}


def _curves(conditions: list[dict], measure: str, axes, ylabel: str) -> None:
    """One panel per noise kind: ``measure`` against the noise level, one line per style."""
    kinds = list(dict.fromkeys(c["kind"] for c in conditions))
    for ax, kind in zip(axes, kinds, strict=True):
        for (gamma, attention), (label, colour, style) in _STYLES.items():
            points = [
                (c["level"], c[measure])
                for c in conditions
                if (c["kind"], c["gamma"], c["attention"]) == (kind, gamma, attention)
            ]
            if points:
                ax.plot(*zip(*points, strict=True), style, color=colour, marker="o", ms=3, label=label)
        ax.set(title=kind, xlabel="noise level")
    axes[0].set_ylabel(ylabel)
    axes[-1].legend(fontsize=7)


def _images(ax_row, images, titles, scaled: bool = False) -> None:
    """Images on one grey scale, pixel 0 black and 1 white (``scaled``: each from its minimum to its maximum)."""
    limits = {} if scaled else {"vmin": 0.0, "vmax": 1.0}
    for ax, image, title in zip(ax_row, images, titles, strict=True):
        ax.imshow(np.reshape(image, (28, 28)), cmap="gray", **limits)
        ax.set_title(title, fontsize=7)
        ax.axis("off")


def write(results: dict, out: Path, names: tuple[str, ...]) -> list[Path]:
    """Write the results JSON and the figures named ``names`` (in :data:`attention.OUTPUTS` order) into ``out``.

    Parameters
    ----------
    results : dict
        What :func:`~brian_dendrites.protocols.attention.run` returned.
    out : pathlib.Path
        The output folder (checked already).
    names : tuple of str
        The file names: results JSON, reconstruction, classification, gamma, examples, generation and
        (with a demonstration) demo figures.

    Returns
    -------
    list of pathlib.Path
        The paths written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = [out / name for name in names]
    conditions = results["conditions"]
    kinds = len(dict.fromkeys(c["kind"] for c in conditions))
    for path, measure, ylabel in (
        (paths[1], "reconstruction", "RMS(sensory rates - clean)"),
        (paths[2], "sensory_error", "error on the sensory image"),
    ):
        fig, axes = plt.subplots(1, kinds, figsize=(3.4 * kinds, 3), squeeze=False, sharey=True)
        _curves(conditions, measure, axes[0], ylabel)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)

    fig, axes = plt.subplots(1, kinds, figsize=(3.4 * kinds, 3), squeeze=False, sharey=True)
    for ax, kind in zip(axes[0], dict.fromkeys(c["kind"] for c in conditions), strict=True):
        level = max(c["level"] for c in conditions if c["kind"] == kind and c["level"] <= 0.5)
        for attention, colour in (("off", "tab:blue"), ("correct", "tab:green"), ("wrong", "tab:red")):
            points = sorted(
                (c["gamma"], c["reconstruction"])
                for c in conditions
                if (c["kind"], c["level"], c["attention"]) == (kind, level, attention)
            )
            if points:
                ax.plot(*zip(*points, strict=True), marker="o", ms=3, color=colour, label=f"attention {attention}")
        ax.set(title=f"{kind} {level:g}", xlabel="gamma (1: normal, 0: disinhibited)")
        ax.invert_xaxis()
    axes[0][0].set_ylabel("RMS(sensory rates - clean)")
    axes[0][-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(paths[3], dpi=120)
    plt.close(fig)

    examples = results["examples"]
    rows = ["clean", "noisy", *examples["shown"]]
    fig, axes = plt.subplots(
        len(rows), len(examples["labels"]), figsize=(1.2 * len(examples["labels"]), 1.3 * len(rows))
    )
    for ax_row, row in zip(axes, rows, strict=True):
        images = examples[row] if row in ("clean", "noisy") else examples["shown"][row]
        _images(ax_row, images, [row] * len(images))
    fig.tight_layout()
    fig.savefig(paths[4], dpi=120)
    plt.close(fig)

    generation = results["generation"]
    fig, axes = plt.subplots(1, 10, figsize=(12, 1.7))
    titles = [
        f"{c}: {raw}/{scaled}"
        for c, raw, scaled in zip(range(10), generation["classes"], generation["classes_scaled"], strict=True)
    ]
    _images(axes, generation["images"], titles, scaled=True)
    fig.suptitle("clamped class: classified as-is / scaled to [0, 1] (shown scaled)", fontsize=8)
    fig.tight_layout()
    fig.savefig(paths[5], dpi=120)
    plt.close(fig)

    if "demo" in results:
        _demo(results["demo"], paths[6], plt)
    paths[0].write_text(json.dumps(results))
    return paths if "demo" in results else paths[:-1]


def _demo(demo: dict, path: Path, plt) -> None:
    """Traces of the Brian2 demonstration and the sensory image at the end of each phase."""
    times, phases = np.array(demo["times"]), demo["phases"]
    sensory, apical = np.array(demo["sensory"]), np.array(demo["apical"])
    image = np.array(demo["image"])
    shown = [int(np.argmax(image)), int(np.argmin(np.abs(image - 0.5))), int(np.argmin(image))]
    fig = plt.figure(figsize=(10, 7.5))
    grid = fig.add_gridspec(4, len(phases) + 1)
    _images([fig.add_subplot(grid[0, 0])], [image], [f"input (class {demo['label']})"])
    for i, phase in enumerate(phases):
        title = f"{phase['name']} (Brian2)\nmax |Brian2 - engine| {phase['difference']:.1e}"
        _images([fig.add_subplot(grid[0, i + 1])], [phase["sensory"]], [title])
    panels = (
        (sensory[:, shown], "sensory rates r_1 (3 pixels)"),
        (apical[:, shown], "apical potentials v_A,1 (same pixels)"),
        (np.array(demo["classes"]), "class rates r_3"),
    )
    for row, (values, label) in enumerate(panels, start=1):
        ax = fig.add_subplot(grid[row, :])
        ax.plot(times, values)
        ax.set_ylabel(label, fontsize=7)
        for i in range(1, len(phases)):
            ax.axvline(i * demo["phase_ms"], color="0.6", lw=0.8)
    ax.set_xlabel("time (ms); phases: " + ", ".join(p["name"] for p in phases))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
