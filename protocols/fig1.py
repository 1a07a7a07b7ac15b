"""Fig. S1 and Fig. 1: the self-predicting state, then memorizing one pattern.

(a) Fig. S1: from random weights, with no target and bottom-up weights fixed,
    IP and PI plasticity make the interneurons cancel the top-down input: the
    apical potentials of the hidden layer fall silent.
(b) Fig. 1: from that state, one input pattern is held and a new target is
    switched on at the output. The apical error appears, bottom-up plasticity
    moves the output to the target, and the apical error vanishes again while
    the interneurons track the output layer.

Errors are measured at steady state without noise and without plasticity, so
that they do not depend on the noise floor.

This module is also the protocol ``brian-dendrites fig1`` (it keeps the
:class:`~brian_dendrites.protocols.registry.Contract`): :class:`Fig1Config` is its record,
:func:`run` returns ``(results, curves, recording)``, and :func:`check` and :func:`write` wrap
:func:`check_outputs` and :func:`write_outputs`.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from brian2 import ms, second
from tqdm import tqdm

from brian_dendrites import options
from brian_dendrites.canonical import OMIT_AT_DEFAULT
from brian_dendrites.errors import ParameterError
from brian_dendrites.export import export_recording
from brian_dendrites.files import check_output_folder, prepare_output
from brian_dendrites.model import model_for, model_named
from brian_dendrites.models.microcircuit import FIG1, FIG_S1, LearningRates, MicrocircuitParams
from brian_dendrites.models.microcircuit.network import group_sizes
from brian_dendrites.protocols.modes import add_mode_options, mode_of, params_from_args
from brian_dendrites.raster import plot_raster
from brian_dendrites.recording import Epoch, Recording
from brian_dendrites.simulation import Simulation
from brian_dendrites.state import NetworkState
from brian_dendrites.teaching import REQUIRED, require
from brian_dendrites.validation import check_integer

__all__ = [
    "HELP",
    "Config",
    "Fig1Config",
    "FORMATS",
    "SIZES",
    "DEFAULT_MODEL",
    "OUTPUTS",
    "RECORD",
    "QUICK_CHUNKS",
    "add_arguments",
    "config_from_args",
    "check",
    "check_outputs",
    "run",
    "write",
    "write_outputs",
    "summary",
]

HELP = "Fig. S1 self-prediction and Fig. 1 single-pattern learning"
FORMATS = ("nwb", "npz")

RECORD = {
    "input_0": ["r"],
    "pyramidal_1": ["u", "v_B", "v_A", "v_TD", "v_PI"],
    "interneuron_1": ["u"],
    "pyramidal_2": ["u", "r"],
}
#: The layer sizes of the task.
SIZES = (30, 20, 10)
#: The model of a run without ``--model``.
DEFAULT_MODEL = "microcircuit"
#: The chunks of (a) and (b) in a ``--quick`` run.
QUICK_CHUNKS = (3, 1)
_QUICK = f"{QUICK_CHUNKS[0]} chunks of self-prediction and {QUICK_CHUNKS[1]} of learning"
#: Spiking mode: after (b), a raster run of this many patterns (target on, plasticity on) records the
#: spikes of every group.
RASTER_PATTERNS = 2


@dataclass(frozen=True)
class Fig1Config:
    """The configuration record of ``brian-dendrites fig1``: phases (a), Fig. S1, and (b), Fig. 1.

    Durations are counted in patterns of ``pattern_duration``; runs go in chunks of ``chunk`` patterns.
    Initial weights are drawn from U(-weight_scale, weight_scale).

    :func:`run` needs none of the last three fields; :func:`check` and :func:`write` write into
    the folder ``out`` the traces in ``formats`` (some of "nwb", "npz"), replacing earlier
    outputs only if ``overwrite``.

    Parameters
    ----------
    params : MicrocircuitParams, default FIG1
        The network (FIG1: 30-20-10, logistic transfer function): layer sizes, transfer function,
        conductances, noise and the learning rates (1/time) of phase (b), bottom-up (Eq. 7),
        IP (Eq. 8) and PI (Eq. 9). ``FIG1.replace(mode="spiking")`` runs the spiking network.
    self_prediction_rates : LearningRates, default ``FIG_S1.eta``
        The learning rates (1/time) of phase (a); the default has IP and PI plasticity only
        (bottom-up rates 0).
    self_prediction_chunks : int, default 30
        Duration of phase (a) in chunks; >= 1.
    learning_chunks : int, default 3
        Duration of phase (b) in chunks; >= 1.
    chunk : int, default 100
        Patterns per chunk (one simulation run each), >= 1; also the number of random input
        patterns on which (a)'s steady-state apical potentials are measured.
    onset_pattern : int, default 5
        The pattern of (b)'s first chunk at which the target at the output switches on;
        in [0, ``chunk``).
    weight_scale : float, default 1.0
        Initial weights are drawn from U(-weight_scale, weight_scale) (dimensionless).
    pattern_duration : Quantity, default 100 ms
        How long each input pattern is held (a time); a whole multiple of ``params.dt``, which
        :func:`run` checks.
    seed : int, default 0
        Seed of the initial weights, the patterns, the target and the noise; >= 0.
    target : str, default "cpp_standalone"
        Brian2 code-generation target, one of :data:`brian_dendrites.simulation.TARGETS`
        ("cpp_standalone", "cuda_standalone", "cython", "numpy"), which :func:`run` checks.
    threads : int, default 1
        OpenMP threads of the cpp_standalone builds (``Simulation(threads=...)``).
    float32 : bool, default False
        Compute in single precision (``Simulation(float32=...)``).
    out : str or os.PathLike, optional
        The output folder of :func:`check` and :func:`write`.
    formats : tuple of str, default ("nwb", "npz")
        The formats of the exported traces of (a) and (b), some of :data:`FORMATS`.
    overwrite : bool, default False
        Replace existing output files.

    Raises
    ------
    ParameterError
        If ``self_prediction_chunks``, ``learning_chunks`` or ``chunk`` is not an integer >= 1, or ``onset_pattern``
        lies outside [0, ``chunk``).
    """

    params: MicrocircuitParams = FIG1
    self_prediction_rates: LearningRates = field(default_factory=lambda: FIG_S1.eta)
    self_prediction_chunks: int = 30
    learning_chunks: int = 3
    chunk: int = 100
    onset_pattern: int = 5
    weight_scale: float = 1.0
    pattern_duration: object = field(default_factory=lambda: 100 * ms)
    seed: int = 0
    target: str = "cpp_standalone"
    # Left out of the fingerprints at their defaults: earlier checkpoints still resume.
    threads: int = field(default=1, metadata=OMIT_AT_DEFAULT)
    float32: bool = field(default=False, metadata=OMIT_AT_DEFAULT)
    out: str | os.PathLike | None = None
    formats: tuple[str, ...] = FORMATS
    overwrite: bool = False

    def __post_init__(self) -> None:
        check_output_folder(self.out)
        for name in ("self_prediction_chunks", "learning_chunks", "chunk"):
            object.__setattr__(self, name, check_integer(name, getattr(self, name), 1))
        if not 0 <= self.onset_pattern < self.chunk:
            raise ParameterError(f"onset_pattern must lie in [0, chunk) = [0, {self.chunk}), got {self.onset_pattern}")


# The configuration record of the protocol contract (autodoc shows it as an alias; a "#:" doc comment
# would be checked by numpydoc against the record's fields).
Config = Fig1Config


def _rms(x) -> float:
    return float(np.sqrt(np.mean(np.square(x))))


def run(config: Fig1Config, *, progress: bool = True) -> tuple[dict, dict[str, np.ndarray], Recording]:
    """Run (a) and (b): the results, the curves for the figures and the recording of both.

    Phase (a) starts from random weights and presents random inputs from U(0, 1) without a target,
    with the learning rates ``config.self_prediction_rates``. Phase (b) holds one random input
    pattern and switches on a random target u_2^trgt from U(E_inh, E_exc) at pattern
    ``config.onset_pattern``, with the learning rates of ``config.params``. Errors are measured at
    steady state without noise and plasticity; in spiking mode the spikes go on, and each pattern's
    values are averaged over its second half. Spiking mode ends with a raster run of
    :data:`RASTER_PATTERNS` patterns that records every group's spikes.

    Parameters
    ----------
    config : Fig1Config
        The configuration (``Fig1Config()``: the paper's); its fields ``out``, ``formats`` and
        ``overwrite`` are not used.
    progress : bool, default True
        Show progress bars.

    Returns
    -------
    results : dict
        What fig1_results.json holds: ``self_prediction`` (patterns, RMS apical potential of the
        hidden layer at the start and the end of (a)), ``learning`` (patterns, target onset in s, RMS
        output error u_2 - u_2^trgt, RMS apical potential and RMS interneuron tracking error
        u_2 - u_1^I at the onset and the end of (b)), ``seed``, ``target`` and ``sizes``.
    curves : dict of str to numpy.ndarray
        ``self_prediction_rms_apical`` and ``self_prediction_interneuron_mismatch`` per pattern of (a),
        and ``u_target``, the target potentials of the output layer.
    recording : Recording
        The traces of :data:`RECORD` during both phases, on one clock in seconds, with the epochs
        ``self_prediction`` (sampled at the last step of each pattern) and ``learning`` (every 1 ms);
        in spiking mode also the epoch ``raster`` with the spikes of every group.

    Raises
    ------
    ParameterError
        If ``config.target`` or ``config.pattern_duration`` is refused by the simulation.
    DivergenceError
        If the network state becomes non-finite or diverges.
    """
    p, n = config.params, config.chunk
    rng = np.random.default_rng(config.seed)
    sim = Simulation(
        p,
        n,
        config.pattern_duration,
        record=RECORD,
        target=config.target,
        threads=config.threads,
        float32=config.float32,
    )
    window = config.pattern_duration / 2 if mode_of(p) == "spiking" else None
    state = NetworkState(model_for(p).initial_weights(p, rng, config.weight_scale))
    eval_inputs = rng.uniform(0, 1, (n, p.sizes[0]))

    # (a) Fig. S1: self-prediction from random weights.
    apical_start = _rms(sim.steady_state(state, eval_inputs, window=window)["pyramidal_1.v_A"])
    curve, sampled = [], []
    chunks = tqdm(range(config.self_prediction_chunks), desc="Fig. S1 self-prediction", disable=not progress)
    for c in chunks:
        result = sim.run(
            state,
            rng.uniform(0, 1, (n, p.sizes[0])),
            eta=config.self_prediction_rates,
            seed=_noise_seed(config.seed, c),
        )
        state = result.state
        sampled.append(_pattern_ends(result.recording, n))
        v_A = result.recording["pyramidal_1.v_A"].values
        mismatch = result.recording["pyramidal_2.u"].values - result.recording["interneuron_1.u"].values
        per_pattern = v_A.shape[0] // n
        curve += [
            (
                _rms(v_A[i * per_pattern : (i + 1) * per_pattern]),
                _rms(mismatch[i * per_pattern : (i + 1) * per_pattern]),
            )
            for i in range(n)
        ]
    apical_end = _rms(sim.steady_state(state, eval_inputs, window=window)["pyramidal_1.v_A"])

    # (b) Fig. 1: a new target for one held input pattern.
    pattern = np.tile(rng.uniform(0, 1, p.sizes[0]), (n, 1))
    u_target = np.tile(rng.uniform(*model_for(p).target_range(p), p.sizes[-1]), (n, 1))
    onset = _measure(sim, state, pattern, u_target, window)
    nudging = (np.arange(n) >= config.onset_pattern).astype(float)
    recordings = []
    for c in tqdm(range(config.learning_chunks), desc="Fig. 1 learning", disable=not progress):
        result = sim.run(
            state, pattern, u_target, nudging if c == 0 else None, seed=_noise_seed(config.seed, 10**6 + c)
        )
        state = result.state
        recordings.append(result.recording)
    end = _measure(sim, state, pattern, u_target, window)

    if mode_of(p) == "spiking":
        raster = Simulation(
            p,
            RASTER_PATTERNS,
            config.pattern_duration,
            record=RECORD,
            target=config.target,
            threads=config.threads,
            float32=config.float32,
            spikes=list(group_sizes(p.sizes)),
        )
        recordings.append(
            raster.run(
                state,
                pattern[:RASTER_PATTERNS],
                u_target[:RASTER_PATTERNS],
                seed=_noise_seed(config.seed, 2 * 10**6),
            ).recording
        )
    recording = _join(sampled, recordings, config)
    results = {
        "self_prediction": {
            "patterns": config.self_prediction_chunks * n,
            "rms_apical_start": apical_start,
            "rms_apical_end": apical_end,
        },
        "learning": {
            "patterns": config.learning_chunks * n,
            "target_onset_s": config.onset_pattern * float(config.pattern_duration / ms) / 1000,
            "output_error_onset": onset["output_error"],
            "output_error_end": end["output_error"],
            "rms_apical_onset": onset["rms_apical"],
            "rms_apical_end": end["rms_apical"],
            "interneuron_tracking_error_end": end["interneuron_tracking"],
        },
        "seed": config.seed,
        "target": config.target,
        "sizes": list(p.sizes),
        "mode": p.mode,
    }
    if mode_of(p) == "spiking":
        results["psi_per_ms"] = float(p.spiking.psi * ms)
        results["dt_ms"] = float(p.dt / ms)
    curves = {
        "self_prediction_rms_apical": np.array([c[0] for c in curve]),
        "self_prediction_interneuron_mismatch": np.array([c[1] for c in curve]),
        "u_target": u_target[0],
    }
    return results, curves, recording


def _measure(sim, state, pattern, u_target, window) -> dict[str, float]:
    """Steady-state errors with the target on: output u_2 - u_tgt, apical v_A, and u_2 - u_I.

    Rate mode reads the last pattern; spiking mode averages each pattern's window and then all
    patterns (they repeat the same input)."""
    values = sim.steady_state(state, pattern[:1].repeat(len(pattern), 0), u_target, window=window)
    pick = (lambda v: v[-1]) if window is None else (lambda v: v.mean(axis=0))
    u_out = pick(values["pyramidal_2.u"])
    return {
        "output_error": _rms(u_out - u_target[0]),
        "rms_apical": _rms(pick(values["pyramidal_1.v_A"])),
        "interneuron_tracking": _rms(u_out - pick(values["interneuron_1.u"])),
    }


def _noise_seed(seed: int, chunk: int) -> int:
    return (seed * 1_000_003 + chunk) % 2**31


def _pattern_ends(recording: Recording, n_patterns: int) -> Recording:
    """The last sample of each of ``n_patterns`` patterns (the state the pattern settled into)."""
    per_pattern = recording.n_samples // n_patterns
    ends = slice(per_pattern - 1, None, per_pattern)
    traces = tuple(replace(trace, values=trace.values[ends]) for trace in recording.traces)
    return Recording(None, traces, timestamps=recording.times[ends])


def _join(self_prediction: list[Recording], learning: list[Recording], config: Fig1Config) -> Recording:
    """Both phases on one clock: chunk after chunk, each chunk's run starting at t = 0. In spiking mode
    the last of ``learning`` is the raster run, with spikes."""
    chunk_s = config.chunk * float(config.pattern_duration / second)
    parts = [*self_prediction, *learning]
    times = np.concatenate([k * chunk_s + part.times for k, part in enumerate(parts)])
    traces = tuple(
        replace(trace, values=np.concatenate([part.traces[i].values for part in parts]))
        for i, trace in enumerate(parts[0].traces)
    )
    switch = len(self_prediction) * chunk_s
    onset = switch + config.onset_pattern * float(config.pattern_duration / second)
    step_ms = 1000 * float(learning[0].times[1] - learning[0].times[0])
    spikes, raster = (), ()
    if parts[-1].spikes:
        start = (len(parts) - 1) * chunk_s
        spikes = tuple(replace(train, times=train.times + start) for train in parts[-1].spikes)
        stop = start + RASTER_PATTERNS * float(config.pattern_duration / second)
        text = "spiking mode: learning goes on for the raster run, whose spikes of every group are recorded"
        raster = (Epoch("raster", start, stop, text),)
    epochs = (
        Epoch(
            "self_prediction",
            0.0,
            switch,
            "Fig. S1: random initial weights, random inputs, no target; sampled at the last step of each pattern",
        ),
        Epoch(
            "learning",
            switch,
            (len(parts) - len(raster)) * chunk_s,
            f"Fig. 1: one input pattern held, the output target on from t = {onset:g} s; sampled every {step_ms:g} ms",
        ),
        *raster,
    )
    return Recording(None, traces, description="Fig. S1 and Fig. 1", timestamps=times, epochs=epochs, spikes=spikes)


OUTPUTS = ("fig1_results.json", "fig1b.png", "fig1c.png", "fig_s1.png")
RASTER = "fig1_raster.png"


def check_outputs(out: Path, formats=("nwb", "npz"), overwrite: bool = False, spiking: bool = False) -> None:
    """Before a run: create ``out`` and check that the outputs can be written into it.

    Parameters
    ----------
    out : str or os.PathLike
        The output folder; created if needed.
    formats : sequence of str, default ("nwb", "npz")
        The trace formats to be written, some of :data:`FORMATS`.
    overwrite : bool, default False
        Allow replacing existing outputs.
    spiking : bool, default False
        The run is in spiking mode and also writes fig1_raster.png.

    Raises
    ------
    OutputError
        If ``out`` cannot be created or is not a writable folder.
    OutputExistsError
        If the run would overwrite results in ``out`` (:data:`OUTPUTS`, the raster or the traces)
        and not ``overwrite``.
    """
    names = [*OUTPUTS, *((RASTER,) if spiking else ()), *(f"fig1_traces.{f}" for f in formats)]
    prepare_output(out, names, overwrite)


def write_outputs(
    out: Path, results: dict, curves: dict, recording: Recording, formats=("nwb", "npz"), overwrite: bool = False
) -> list[Path]:
    """Write fig1b.png, fig1c.png, fig_s1.png, fig1_results.json and the traces of (a) and (b) into ``out``.

    The traces go to ``fig1_traces.<format>`` with ``results`` in their metadata.

    Parameters
    ----------
    out : str or os.PathLike
        The output folder; created if needed.
    results : dict
        The results that :func:`run` returned.
    curves : dict of str to numpy.ndarray
        The curves that :func:`run` returned.
    recording : Recording
        The recording of both phases that :func:`run` returned.
    formats : sequence of str, default ("nwb", "npz")
        The trace formats, some of :data:`FORMATS`.
    overwrite : bool, default False
        Replace existing outputs.

    Returns
    -------
    list of pathlib.Path
        fig1_results.json, then the trace files in the order of ``formats``, then fig1b.png,
        fig1c.png and fig_s1.png, and in spiking mode fig1_raster.png.

    Raises
    ------
    OutputError
        If ``out`` cannot be created or is not a writable folder.
    OutputExistsError
        If an output exists and not ``overwrite``; nothing is written then.
    ParameterError
        If a format is unknown or the recording cannot be exported.
    """
    out = Path(out)
    check_outputs(out, formats, overwrite, spiking=bool(recording.spikes))
    targets = [out / name for name in OUTPUTS]
    recording = replace(recording, metadata={"model": "microcircuit", "results": results})  # NWB module
    resolution = results["dt_ms"] / 1000 if recording.spikes else None  # spike times are whole steps of dt
    paths = export_recording(recording, out / "fig1_traces", formats, overwrite=overwrite, spike_resolution=resolution)
    paths += _plot(out, results, curves, recording)
    if recording.spikes:
        title = f"Fig. 1, spiking mode (psi = {results['psi_per_ms']:g}/ms): spikes of the raster run"
        paths.append(plot_raster(recording.epoch("raster"), out / RASTER, title))
    targets[0].write_text(json.dumps(results, indent=2))
    return [targets[0], *paths]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``brian-dendrites fig1``: the shared ones, the trace formats and the durations.

    See :meth:`Contract.add_arguments <brian_dendrites.protocols.registry.Contract.add_arguments>`.
    """
    options.add_shared_options(parser)
    options.add_quick_option(parser, _QUICK)
    options.add_model_option(parser, DEFAULT_MODEL)
    add_mode_options(parser)
    parser.add_argument(
        "--format",
        type=options.subset(FORMATS),
        default=FORMATS,
        help="trace export formats, comma-separated: nwb,npz (default: both)",
    )
    parser.add_argument(
        "--self-prediction-chunks",
        type=options.positive_int,
        help="Fig. S1 duration in chunks of 100 patterns of 100 ms (default 30)",
    )
    parser.add_argument(
        "--learning-chunks",
        type=options.positive_int,
        help="Fig. 1 duration in chunks of 100 patterns of 100 ms (default 3)",
    )


def config_from_args(args: argparse.Namespace) -> Fig1Config:
    """The :class:`Fig1Config` of the options that :func:`add_arguments` added.

    See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
    """
    return Fig1Config(
        params=params_from_args(_task_params(model_named(args.model)), args),
        seed=args.seed,
        target=args.target,
        threads=options.threads(args),
        float32=args.float32,
        self_prediction_chunks=options.quick_value(args, "self-prediction-chunks", QUICK_CHUNKS[0], 30, _QUICK),
        learning_chunks=options.quick_value(args, "learning-chunks", QUICK_CHUNKS[1], 3, _QUICK),
        out=args.out,
        formats=args.format,
        overwrite=args.overwrite,
    )


def _task_params(model):
    """The model's record of fig1, refused at once unless the model can be taught and has Fig. 1's readouts.

    Fig. 1 and Fig. S1 read the microcircuit's dendrites and interneurons (:data:`RECORD`): another
    model must label the same groups and variables.
    """
    require(model, REQUIRED, "fig1")
    params = model.task_params("fig1", SIZES)
    labels = model.labels(params)
    missing = [f"{group}.{v}" for group, names in RECORD.items() for v in names if v not in labels.get(group, {})]
    if missing:
        raise ParameterError(f"fig1 records the microcircuit's dendrites: model {model.name!r} lacks {missing}")
    return params


def check(config: Fig1Config) -> None:
    """:func:`check_outputs` of ``config.out``, before :func:`run`.

    See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
    """
    check_outputs(config.out, config.formats, config.overwrite, mode_of(config.params) == "spiking")


def write(results: tuple[dict, dict[str, np.ndarray], Recording], config: Fig1Config) -> list[Path]:
    """:func:`write_outputs` of what :func:`run` returned into ``config.out``; the paths written.

    See :meth:`Contract.write <brian_dendrites.protocols.registry.Contract.write>`.
    """
    return write_outputs(config.out, *results, formats=config.formats, overwrite=config.overwrite)


def summary(results: tuple[dict, dict[str, np.ndarray], Recording]) -> dict:
    """The results dictionary, as fig1_results.json holds it.

    See :meth:`Contract.summary <brian_dendrites.protocols.registry.Contract.summary>`.
    """
    return results[0]


def _plot(out: Path, results: dict, curves: dict, recording: Recording) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recording = recording.epoch("learning")
    t = recording.times - recording.epochs[0].start_time
    per_pattern = round(0.1 / (t[1] - t[0]))
    onset = results["learning"]["target_onset_s"]
    v_TD, v_PI = recording["pyramidal_1.v_TD"].values[:, 0], recording["pyramidal_1.v_PI"].values[:, 0]
    u_out, u_int = recording["pyramidal_2.u"].values[:, 0], recording["interneuron_1.u"].values[:, 0]
    v_A = recording["pyramidal_1.v_A"].values[:, 0]

    fig, axes = plt.subplots(2, 2, figsize=(9, 5.5), sharey="row")
    windows = {"(i) before learning": (onset - 0.2, onset + 0.3), "(ii) after learning": (t[-1] - 0.5, t[-1])}
    for col, (title, (start, stop)) in enumerate(windows.items()):
        sel = (t >= start) & (t <= stop)
        axes[0, col].plot(t[sel], v_TD[sel], color="slategray", label="top-down $W_{1,2}r_2$")
        axes[0, col].plot(t[sel], -v_PI[sel], color="tab:red", label="$-$interneuron $W^{PI}r^I$")
        axes[1, col].plot(t[sel], u_out[sel], color="tab:blue", label="output $u_2$")
        axes[1, col].axhline(curves["u_target"][0], color="tab:blue", ls="--", label="target $u_2^{trgt}$")
        axes[0, col].set_title(title)
        axes[1, col].set_xlabel("time (s)")
    axes[0, 0].set_ylabel("hidden neuron 0\napical inputs")
    axes[1, 0].set_ylabel("output neuron 0\npotential")
    axes[0, 0].legend(fontsize=8)
    axes[1, 0].legend(fontsize=8)
    fig.suptitle("Fig. 1B: a new target is learned and the apical error is explained away")
    fig.tight_layout()
    paths = [out / "fig1b.png"]
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)

    fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
    step = max(1, per_pattern // 20)
    axes[0].plot(t[::step], u_out[::step], color="tab:blue", label="output pyramidal $u_2$")
    axes[0].plot(t[::step], u_int[::step], color="tab:red", alpha=0.8, label="interneuron $u^I_1$")
    axes[0].set_ylabel("potential")
    axes[0].legend(fontsize=8)
    axes[0].set_title("(i) interneurons track the layer above")
    axes[1].plot(t[::step], v_A[::step], color="slategray")
    axes[1].axvline(onset, color="k", ls=":", label="target onset")
    axes[1].set_ylabel("apical $v_A$ (hidden 0)")
    axes[1].set_xlabel("time (s)")
    axes[1].set_title("(ii) the apical compartment falls silent again")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    paths.append(out / "fig1c.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.5))
    t_s1 = np.arange(len(curves["self_prediction_rms_apical"])) * 0.1
    ax.plot(t_s1, curves["self_prediction_rms_apical"], color="slategray", label="RMS apical $v_A$ (hidden layer)")
    ax.plot(t_s1, curves["self_prediction_interneuron_mismatch"], color="tab:red", alpha=0.7, label="RMS $u_2 - u^I_1$")
    ax.set_xlabel("time (s), one pattern per 100 ms")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("Fig. S1: IP and PI plasticity reach the self-predicting state")
    fig.tight_layout()
    paths.append(out / "fig_s1.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)
    return paths
