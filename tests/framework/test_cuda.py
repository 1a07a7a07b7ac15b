"""The Brian2 networks on Brian2CUDA (``cuda_standalone``).

The builds are marked ``cuda``: they need Brian2CUDA (Python >= 3.12) and nvcc, take minutes of nvcc
each on a cold cache, and run only with ``pytest --cuda``. Without a GPU they stop after compiling;
with one, the compiled networks run and must give cpp_standalone's noise-free steady state.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from brian_dendrites import NetworkState, ParameterError, Simulation
from brian_dendrites.models.error_neurons import ErrorNeuronParams
from brian_dendrites.models.microcircuit import FIG1, random_weights
from brian_dendrites.models.microcircuit.network import group_sizes
from brian_dendrites.protocols import fig1

HAS_BRIAN2CUDA = importlib.util.find_spec("brian2cuda") is not None


def _has_gpu() -> bool:
    smi = shutil.which("nvidia-smi")
    return smi is not None and subprocess.run([smi, "-L"], capture_output=True).returncode == 0


@pytest.mark.skipif(HAS_BRIAN2CUDA, reason="Brian2CUDA is installed")
def test_cuda_target_without_brian2cuda_is_refused_where_it_enters():
    with pytest.raises(ParameterError, match=r"target 'cuda_standalone' needs Brian2CUDA.*\[cuda\]"):
        Simulation(FIG1, 1, target="cuda_standalone")


def test_build_is_refused_on_runtime_targets():
    with pytest.raises(ParameterError, match="build needs a target of"):
        Simulation(FIG1, 1, target="numpy").build(np.zeros((1, FIG1.sizes[0])))


def configure() -> None:
    """Brian2CUDA's preferences for this machine: without a GPU, compile for compute capability 9.0 (H100,
    H200). A toolkit without cuRAND takes it from the nvidia-curand wheel (``Simulation`` does that)."""
    import brian2
    import brian2cuda  # noqa: F401  (registers the cuda_standalone preferences)

    if not _has_gpu():
        brian2.prefs["devices.cuda_standalone.cuda_backend.detect_gpus"] = False
        brian2.prefs["devices.cuda_standalone.cuda_backend.gpu_id"] = 0
        brian2.prefs["devices.cuda_standalone.cuda_backend.compute_capability"] = 9.0


@pytest.fixture(scope="module")
def cuda_prefs():
    if shutil.which("nvcc") is None:
        pytest.fail("the cuda tests need nvcc on PATH")
    configure()


SPIKING = FIG1.replace(mode="spiking")
ERROR_NEURONS = ErrorNeuronParams()
NETWORKS = {
    # name: (params, Simulation keywords), as the protocols build them
    "rate": (FIG1, {"record": fig1.RECORD}),
    "spiking": (SPIKING, {"record": fig1.RECORD, "spikes": list(group_sizes(SPIKING.sizes))}),
    "error_neurons": (ERROR_NEURONS, {"pattern_duration": 20 * ERROR_NEURONS.dt}),
}


@pytest.mark.cuda
@pytest.mark.slow
@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_network_compiles_with_cuda_standalone(cuda_prefs, network, python_process):
    """It compiles, and a new process (another hash seed, other set orders) reuses the build."""
    params, options = NETWORKS[network]
    sim = Simulation(params, 10, target="cuda_standalone", name=f"cuda_{network}", **options)
    directory = sim.build(np.zeros((10, params.sizes[0])))
    assert (directory / "main.cu").is_file()
    assert "-std=c++17" in (directory / "makefile").read_text()
    built = (directory / "main").stat().st_mtime_ns
    again = python_process(
        "import numpy as np, test_cuda\n"
        "test_cuda.configure()\n"
        f"params, options = test_cuda.NETWORKS[{network!r}]\n"
        f"sim = test_cuda.Simulation(params, 10, target='cuda_standalone', name='cuda_{network}', **options)\n"
        "sim.build(np.zeros((10, params.sizes[0])))\n"
    )
    assert again.returncode == 0, again.stderr[-2000:]
    assert (directory / "main").stat().st_mtime_ns == built


@pytest.mark.cuda
@pytest.mark.slow
def test_a_build_on_the_other_device_leaves_a_cached_build_alone(cuda_prefs):
    """Brian2 names code objects uniquely among the live ones: builds that alternate between the two
    standalone devices must not rename each other's code objects, which would recompile them."""
    inputs = np.zeros((10, FIG1.sizes[0]))

    def build(target: str) -> Path:
        return Simulation(FIG1, 10, record=fig1.RECORD, target=target, name=target).build(inputs)

    binary = build("cuda_standalone") / "main"
    built = binary.stat().st_mtime_ns
    for directory in (build("cpp_standalone"), build("cuda_standalone")):
        assert "_codeobject_1" not in (directory / "makefile").read_text()  # the sources it compiles
    assert binary.stat().st_mtime_ns == built


@pytest.mark.cuda
@pytest.mark.slow
@pytest.mark.skipif(not _has_gpu(), reason="runs on a GPU")
def test_cuda_steady_state_matches_cpp_standalone(cuda_prefs, rng):
    """The noise-free steady state of the Fig. 1 network, without plasticity, on both devices."""
    state = NetworkState(random_weights(FIG1, rng))
    inputs = rng.uniform(0, 1, (10, FIG1.sizes[0]))
    settled = {
        target: Simulation(FIG1, 10, record=fig1.RECORD, target=target).steady_state(state, inputs)
        for target in ("cpp_standalone", "cuda_standalone")
    }
    for name, values in settled["cpp_standalone"].items():
        np.testing.assert_allclose(settled["cuda_standalone"][name], values, rtol=0, atol=1e-9, err_msg=name)
