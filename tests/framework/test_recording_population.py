"""Population coding of a spike train: a unit at psi as N neurons at psi / N (Spikes.per_neuron)."""

from __future__ import annotations

import numpy as np
import pytest

from brian_dendrites.errors import ParameterError
from brian_dendrites.recording import Spikes


def _unit_train(rng, mean: float, steps: int, units: int, dt: float = 1e-4) -> Spikes:
    """Poisson counts of mean ``mean`` per step for each unit, as a spike train (a count k: k spikes)."""
    counts = rng.poisson(mean, (steps, units))
    step, unit = np.nonzero(counts)
    repeats = counts[step, unit]
    return Spikes(
        "layer", np.repeat(step * dt, repeats), np.repeat(unit, repeats), [f"u[{i}]" for i in range(units)], 1, "p"
    )


def test_a_unit_at_psi_is_n_independent_poisson_neurons_at_psi_over_n():
    """Split into N = 100 neurons, a unit's counts of mean 1 per step become counts of mean 0.01 per neuron
    with the variance of a Poisson count, uncorrelated between neurons; the neurons' rates add up to the unit's."""
    rng, steps, n = np.random.default_rng(0), 20_000, 100
    unit = _unit_train(rng, 1.0, steps, 2)
    neurons = unit.per_neuron(n, rng)
    assert len(neurons.unit_names) == 2 * n and neurons.unit_names[n] == "u[1]/0"
    per_step = np.zeros((steps, 2 * n))
    np.add.at(per_step, (np.round(neurons.times / 1e-4).astype(int), neurons.units), 1)
    mean, var = per_step.mean(0), per_step.var(0)
    sigma = np.sqrt(0.01 / steps)  # of a mean of `steps` Poisson(0.01) counts
    assert np.all(np.abs(mean - 0.01) < 5 * sigma)
    assert abs(np.mean(var / mean) - 1) < 0.05
    correlation = np.corrcoef(per_step[:, :n].T)[np.triu_indices(n, 1)]
    assert np.abs(correlation).max() < 5 / np.sqrt(steps)
    duration = steps * 1e-4
    np.testing.assert_allclose(neurons.rates(duration).reshape(2, n).sum(1), unit.rates(duration))


def test_population_and_rates_refuse_bad_values():
    train = Spikes("layer", [0.0], [0], ["u[0]"], 1, "p")
    with pytest.raises(ParameterError, match="size"):
        train.per_neuron(0, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="duration"):
        train.rates(0.0)
