#!/usr/bin/env bash
# The GPU figures of docs/benchmarks.md ("GPU"), made on a lent GPU machine: Python 3.12 with PyTorch,
# nvcc, no package index. First, here:
#     bash benchmarks/gpu_figures.sh prepare
# puts the wheels that machine's Python lacks in .whl and MNIST in .mnist (both git-ignored). There, with
# both carried, one or more steps, each sized for one 10-minute command:
#     bash benchmarks/gpu_figures.sh torch cuda-tests     # PyTorch stacks; pytest --cuda
#     bash benchmarks/gpu_figures.sh cuda-sizes           # time per pattern against the size, both targets
#     bash benchmarks/gpu_figures.sh fig1                 # fig1 on both targets (3,300 patterns)
#     bash benchmarks/gpu_figures.sh regression           # regression --quick on both targets
#     bash benchmarks/gpu_figures.sh spiking-mnist        # one spiking MNIST epoch on the GPU (issue 27)
# The first two commands are estimated at 5-7 minutes each, so they fill one 15-minute lease; the
# protocols, whose small networks may run slower on a GPU than in C++, are left for another.
# Logs go to $OUT (the device tool's output folder) or gpu_results.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_results}
export PYTHONUNBUFFERED=1 BRIAN_DENDRITES_MNIST=$PWD/.mnist

if [[ ${1:-} == prepare ]]; then
    rm -rf .whl && mkdir -p .whl .mnist .git/info
    for ignored in /.whl/ /.mnist/; do
        grep -qx "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >>.git/info/exclude
    done
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
        brian2==2.10.1 brian2cuda==1.0b1 pynwb hdmf jsonschema jsonschema-specifications referencing rpds-py \
        ruamel.yaml pooch platformdirs tzdata
    cp "${BRIAN_DENDRITES_SOURCE:-../shared/data/mnist}"/*-ubyte.gz .mnist/
    du -sh .whl .mnist
    exit
fi

mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD
nvidia-smi -L | tee "$OUT/gpu.txt"

for step in "$@"; do
    case $step in
    torch)
        python3 benchmarks/bench_backends.py --device cuda --networks 1 10 50 --images 11000 --repeats 3 |
            tee "$OUT/backends.txt" ;;
    cuda-tests)
        python3 -m pytest -q -p no:cacheprovider --cuda tests/framework/test_cuda.py | tee "$OUT/test_cuda.txt" ;;
    cuda-sizes)
        python3 benchmarks/bench_cuda.py --patterns 5 --repeats 3 | tee "$OUT/cuda_sizes.txt" ;;
    fig1 | regression)  # the results JSON of each run come back (the tool returns 8 files at most)
        options=(--quiet --overwrite)
        [[ $step == regression ]] && options+=(--quick)
        for target in cpp_standalone cuda_standalone; do
            start=$SECONDS
            python3 -m brian_dendrites "$step" --out "/tmp/${step}_$target" --target "$target" "${options[@]}"
            echo "$step $target: $((SECONDS - start)) s"
            for results in "/tmp/${step}_$target"/*.json; do
                echo "== $results"
                cat "$results"
            done
        done 2>&1 | tee "$OUT/$step.txt" ;;
    spiking-mnist)  # wall time of an epoch of variant (c) on the spiking engine, on the GPU
        start=$SECONDS
        python3 -m brian_dendrites mnist train --mode spiking --variants c --epochs 1 --backend torch \
            --device cuda --quiet --out /tmp/spiking_mnist
        echo "spiking MNIST, one epoch on cuda: $((SECONDS - start)) s" | tee "$OUT/spiking_mnist.txt" ;;
    *)
        echo "unknown step $step (prepare, torch, cuda-tests, cuda-sizes, fig1, regression, spiking-mnist)" >&2
        exit 2 ;;
    esac
done
