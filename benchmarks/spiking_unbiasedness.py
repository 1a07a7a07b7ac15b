"""Spike-driven plasticity against the rate rule, for a fixed network state (a measurement).

FIG1 with all four pathways plastic, no tau_w filter and eta = 1e-5/ms (the state stays fixed): the
spiking network runs PATTERNS patterns of 100 ms at psi, recording every step, and the rate network
runs from the same weights and inputs. Per projection it prints the Mahalanobis distance per synapse
of the spiking weight changes from the rate rule on the spiking trajectory (1 +- sqrt(2/n) if unbiased;
tests/models/test_spiking.py asserts it) and ||dW_spiking - dW_rate|| / ||dW_rate|| against the rate network.

    python benchmarks/spiking_unbiasedness.py [--psi 10 100 1000] [--patterns 10 40]
"""

from __future__ import annotations

import argparse

import numpy as np
from brian2 import ms

from brian_dendrites.models.microcircuit import (
    FIG1,
    PATHWAYS,
    LearningRates,
    SpikingParams,
    projections,
    random_weights,
)
from brian_dendrites.models.microcircuit.pathways import PATHWAY_TABLE
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState

ETA = 1e-5 / ms
RATE = FIG1.replace(plastic=frozenset(PATHWAYS), tau_w=None, eta=LearningRates(ETA, ETA, ETA, ETA))
RECORD = {
    "input_0": ["r"],
    "pyramidal_1": ["r", "e_B", "e_A", "e_TD"],
    "pyramidal_2": ["r", "e_B"],
    "interneuron_1": ["r", "e_D"],
}


def measure(psi: float, patterns: int) -> dict[str, tuple[float, float]]:
    """Projection name -> (Mahalanobis distance per synapse, relative difference from the rate network)."""
    params = RATE.replace(mode="spiking", spiking=SpikingParams(psi=psi / ms))
    rng = np.random.default_rng(0)
    weights = random_weights(RATE, rng, 1.0)
    inputs = rng.uniform(0, 1, (patterns, RATE.sizes[0]))
    spiking = Simulation(params, patterns, record=RECORD, record_dt=params.dt).run(
        NetworkState(weights), inputs, noise=False
    )
    rate = Simulation(RATE, patterns).run(NetworkState(weights), inputs, noise=False)
    dt, eta, result = float(params.dt / ms), float(ETA * ms), {}
    for proj in projections(RATE.sizes):
        e = spiking.recording[f"{proj.post}.{PATHWAY_TABLE[proj.pathway].error}"].values
        r = spiking.recording[f"{proj.pre}.r"].values
        change = spiking.state.weights[proj.name] - weights[proj.name]
        deviation = change - eta * dt * e.T @ r
        distance = sum(
            deviation[:, j] @ np.linalg.solve(eta**2 / psi * dt * (e * r[:, j : j + 1]).T @ e, deviation[:, j])
            for j in range(r.shape[1])
        )
        rate_change = rate.state.weights[proj.name] - weights[proj.name]
        result[proj.name] = (distance / change.size, np.linalg.norm(change - rate_change) / np.linalg.norm(rate_change))
    return result


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--psi", type=float, nargs="+", default=[10.0, 100.0, 1000.0])
    args.add_argument("--patterns", type=int, nargs="+", default=[10, 40])
    opts = args.parse_args()
    for psi in opts.psi:
        for patterns in opts.patterns:
            for name, (distance, difference) in measure(psi, patterns).items():
                print(
                    f"psi {psi:6g}/ms, {patterns * 0.1:4g} s, {name:12s}: Mahalanobis per synapse {distance:.3f}, "
                    f"vs rate network {100 * difference:.2f} %"
                )


if __name__ == "__main__":
    main()
