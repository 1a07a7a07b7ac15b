"""Wall time per training sample of the error-neuron model: this project's C++ network against the authors'
NumPy code, on the same sizes, side by side in one process.

Both do the same work per sample: 20 Euler steps of 0.01 ms (T_pres = 0.2 ms) with the target on and
the forward plasticity always on. Ours runs as the depth protocol does (``Simulation`` of 10 epochs of
100 samples, weights recorded once per epoch); theirs steps ``errormc_model.evolve_system`` of their
numpy_model/src/microcircuit.py, built by their ``init_MC`` from their Fig. 3 configuration in layered
mode (the model ours implements). Their code is imported from ``--authors`` (a checkout of
kma-code/Error-Neuron-Microcircuits' numpy_model folder), never copied here; without it only ours runs.

Usage::

    python benchmarks/bench_error_neurons.py [--authors /path/to/numpy_model] [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from brian2 import ms
from threadpoolctl import threadpool_limits

from brian_dendrites import Simulation
from brian_dendrites.models.error_neurons import ErrorNeuronParams, random_weights
from brian_dendrites.protocols.depth import ETA
from brian_dendrites.state import NetworkState

SIZES = ((4, 2, 1), (16, 8, 4, 2, 1), (32, 16, 8, 4, 2, 1))
SAMPLES, EPOCHS, STEPS = 100, 10, 20


def ours(sizes: tuple[int, ...], repeats: int) -> float:
    """Median ms per training sample of the Brian2 network (C++)."""
    eta = tuple(e / ms for e in ETA["error_neurons"][len(sizes)])
    params = ErrorNeuronParams(sizes=sizes, eta=eta)
    rng = np.random.default_rng(0)
    state = NetworkState(random_weights(params, rng))
    n = SAMPLES * EPOCHS
    x, y = rng.uniform(0, 1, (n, sizes[0])), rng.uniform(-0.5, 0.5, (n, sizes[-1]))
    record = {f"forward_{k}": ["w"] for k in range(1, len(sizes))}
    sim = Simulation(params, n, 0.2 * ms, record=record, record_dt=SAMPLES * 0.2 * ms, name="bench")
    state = sim.run(state, x, y).state  # compiles (first use) and warms up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        state = sim.run(state, x, y).state
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times) / n


def theirs(authors: Path, sizes: tuple[int, ...], repeats: int, samples: int = 50) -> float:
    """Median ms per training sample of the authors' errormc_model (layered mode)."""
    sys.path.insert(0, str(authors))
    import src.init_MC as init_mc  # the authors' module, imported from their checkout

    logging.disable(logging.INFO)  # their models log every construction step

    label = "-".join(map(str, sizes))
    config = authors / "experiments" / "Fig3_multilayer_comparison" / label / "errormc" / "params.json"
    params = json.loads(config.read_text())
    params |= {
        "fw_connection_mode": "layered",
        "bw_connection_mode": "layered",
        "init_realistic_connectivity": False,
        "eta_fw": list(ETA["error_neurons"][len(sizes)]),
    }
    (mc,) = init_mc.init_MC(params, [56789])
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, (samples, sizes[0])), rng.uniform(-0.5, 0.5, (samples, sizes[-1]))
    times = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        for i in range(samples):
            for _ in range(STEPS):
                mc.evolve_system(r0=x[i], u_tgt=[y[i]], record=False)
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times[1:]) / samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authors", type=Path, help="the authors' numpy_model folder (to run their code beside)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    results = []
    for sizes in SIZES:
        row = {"sizes": "-".join(map(str, sizes)), "ours_ms_per_sample": ours(sizes, args.repeats)}
        if args.authors:
            for threads in (1, 2):
                with threadpool_limits(threads):
                    row[f"authors_ms_per_sample_{threads}_threads"] = theirs(args.authors, sizes, args.repeats)
            row["ratio_1_thread"] = row["authors_ms_per_sample_1_threads"] / row["ours_ms_per_sample"]
        results.append(row)
        print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
