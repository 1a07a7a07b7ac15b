"""Section 3.1: the microcircuit approximates backprop in the weak-feedback limit."""

from __future__ import annotations

import numpy as np
import pytest

from brian_dendrites import FIG1, random_weights
from brian_dendrites.models.microcircuit.backprop import backprop_cosine, weak_feedback


def test_weak_feedback_sets_the_mixing_factors():
    params = weak_feedback(FIG1, 0.05)
    hidden, out, inter = params.hidden_layer(1), params.output, params.interneuron_layer(1)
    assert float(hidden.g_A / (hidden.g_lk + hidden.g_B + hidden.g_A)) == pytest.approx(0.05)
    assert float(out.g_som / (out.g_lk + out.g_B + out.g_som)) == pytest.approx(0.05)
    assert float(inter.g_som / (inter.g_lk + inter.g_D + inter.g_som)) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="lam"):
        weak_feedback(FIG1, 1.5)


@pytest.mark.slow
@pytest.mark.standalone
def test_hidden_weight_change_approaches_backprop_as_lambda_shrinks(fig1_simulation, rng):
    weights = random_weights(FIG1, rng)
    x, u_tgt = rng.uniform(0, 1, 30), rng.uniform(-1, 1, 10)
    lambdas = (0.5, 0.2, 0.05, 0.01)
    cosines = [backprop_cosine(fig1_simulation, weights, x, u_tgt, lam) for lam in lambdas]
    assert np.all(np.diff(cosines) > 0), cosines  # approaches 1 monotonically
    assert cosines[0] < 0.99  # strong feedback is not backprop
    assert cosines[-1] > 0.999, cosines
