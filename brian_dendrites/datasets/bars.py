"""The bars data set of the latent-equilibrium paper (Haider et al. 2021): eight 3x3 images in three classes.

Three horizontal bars, three vertical bars and two diagonals (low pixels 0.1, high pixels 1). The
classes are not linearly separable: each pixel lies in one horizontal and in one vertical bar.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CLASSES", "LOW", "HIGH", "bars_data"]

#: The classes, in the order of the output neurons.
CLASSES = ("horizontal", "vertical", "diagonal")
#: The pixel values of the images.
LOW, HIGH = 0.1, 1.0


def bars_data(low: float = LOW, high: float = HIGH) -> tuple[np.ndarray, np.ndarray]:
    """The eight images of the bars data set and their labels.

    Parameters
    ----------
    low : float, default 0.1
        The value of the pixels off the bar (an input rate).
    high : float, default 1.0
        The value of the pixels on the bar (an input rate).

    Returns
    -------
    images : numpy.ndarray
        Shape (8, 9), row-major 3x3 images: the horizontal bars in rows 0, 1, 2; the vertical bars in
        columns 0, 1, 2; the main diagonal; the anti-diagonal.
    labels : numpy.ndarray
        Shape (8,), the class of each image, an index into :data:`CLASSES`: 0, 0, 0, 1, 1, 1, 2, 2.
    """
    row, column = np.divmod(np.arange(9), 3)
    masks = [row == k for k in range(3)] + [column == k for k in range(3)]
    masks += [row == column, row + column == 2]
    images = np.array([np.where(mask, high, low) for mask in masks])
    return images, np.array([0, 0, 0, 1, 1, 1, 2, 2])
