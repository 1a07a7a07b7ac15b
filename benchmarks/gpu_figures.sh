#!/usr/bin/env bash
# The GPU figures of docs/benchmarks.md ("GPU"), in one run on a machine with an NVIDIA GPU, nvcc and
# Python >= 3.12 (Brian2CUDA needs brian2 2.10). Writes its logs and results under $OUT (default gpu_results).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
OUT=${OUT:-gpu_results}
MNIST=${BRIAN_DENDRITES_MNIST:-../shared/data/mnist}
mkdir -p "$OUT"
"$PYTHON" -m venv .venv-gpu && .venv-gpu/bin/pip install -q ".[test,torch,cuda]"
nvidia-smi -L | tee "$OUT/gpu.txt"

# PyTorch: seconds per MNIST epoch per network, stacks of 1 to 50 networks, beside NumPy on one core.
.venv-gpu/bin/python benchmarks/bench_backends.py --device cuda --networks 1 10 50 --images 11000 \
    --data-dir "$MNIST" | tee "$OUT/backends.txt"
# Brian2CUDA: the three builds, and the steady state against cpp_standalone.
BRIAN_DENDRITES_MNIST="$MNIST" .venv-gpu/bin/pytest -q -p no:cacheprovider --cuda tests/test_cuda.py | tee "$OUT/test_cuda.txt"
# Time per pattern against the network size, both targets.
.venv-gpu/bin/python benchmarks/bench_cuda.py | tee "$OUT/cuda_sizes.txt"
# fig1 and regression --quick on both targets (their noise streams differ: cuRAND against the C++ generator).
for target in cpp_standalone cuda_standalone; do
    .venv-gpu/bin/brian-dendrites fig1 --out "$OUT/fig1_$target" --target "$target" --quiet --overwrite
    .venv-gpu/bin/brian-dendrites regression --quick --out "$OUT/regression_$target" --target "$target" --quiet --overwrite
done
