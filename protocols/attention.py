"""Attention-like denoising and generation by disinhibition (the 2017 version of the model).

A documented reconstruction, not a reproduction of a figure: the 2017 paper's figures and numbers
are not available (docs/attention.md). The hierarchy is 785-784-H-10:

- a **sensory area** (layer 1, 784 pyramidal neurons, one per pixel) whose basal dendrites receive
  the image through a fixed map, u_1 = 2c x - c for pixel x in [0, 1] (c = :data:`CONTRAST`; the
  785th input is always on and carries the threshold -c, as the Brian2 network has no threshold
  parameter), and whose apical dendrites receive the top-down prediction W_{1,2} r_2;
- a hidden area (layer 2) and the class area (layer 3, 10 neurons);
- every pathway but the sensory map learns with Eqs. 7-10 on MNIST, top-down weights by Eq. 10
  (they learn to predict the area below); no thresholds, so that the Brian2 network runs the
  trained weights as they are.

Disinhibition is the gain gamma of the SST interneurons' rate (``InterneuronParams.gamma``, set
in every hidden area); attention nudges the class area toward a class with the teaching
conductances of training. Every condition is measured at the steady state of the whole network
(:meth:`SteadyStateEngine.settle` with sweeps to convergence); the Brian2 network shows the same
in continuous time (:func:`demonstrate`).

This module is also the protocol ``brian-dendrites attention``: training resumes from the model
file ``model_attention.npz`` that :func:`brian_dendrites.protocols.mnist.train` writes after every
epoch.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from brian2 import ms
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from brian_dendrites import options
from brian_dendrites.canonical import OMIT_AT_DEFAULT, omitted
from brian_dendrites.datasets import mnist as mnist_data
from brian_dendrites.datasets.mnist import corrupt
from brian_dendrites.errors import DivergenceError, ParameterError
from brian_dendrites.files import check_output_folder, prepare_output
from brian_dendrites.models.microcircuit import MNIST, LearningRates, MicrocircuitParams
from brian_dendrites.models.microcircuit.classifier import Classifier, Variant
from brian_dendrites.models.microcircuit.classifier_file import load_classifier
from brian_dendrites.models.microcircuit.steady_state import SteadyStateEngine
from brian_dendrites.protocols import attention_figures, mnist
from brian_dendrites.simulation import TARGETS
from brian_dendrites.validation import check_integer

__all__ = [
    "HELP",
    "CONTRAST",
    "GAMMAS",
    "NOISE",
    "ATTENTION",
    "CLAMP",
    "SWEEPS",
    "TOLERANCE",
    "PHASES",
    "OUTPUTS",
    "hierarchy",
    "variant",
    "stimulus",
    "image_of",
    "Conditions",
    "AttentionConfig",
    "Config",
    "measure",
    "generate",
    "demonstrate",
    "add_arguments",
    "config_from_args",
    "check",
    "run",
    "write",
    "summary",
]

HELP = "attention-like denoising and generation by disinhibition (2017 version; a reconstruction)"

#: The sensory map's range: pixel 0 -> u_1 = -CONTRAST, pixel 1 -> +CONTRAST (rates 0.047 to 0.95).
CONTRAST = 3.0
#: Disinhibition gains, from the paper's circuit (1) to fully disinhibited (0).
GAMMAS = (1.0, 0.75, 0.5, 0.25, 0.0)
#: Noise levels per kind (:func:`~brian_dendrites.datasets.mnist.corrupt`): Gaussian sigma (pixels
#: clipped to [0, 1]), the fraction of pixels dropped, the fraction of the image a random square covers.
NOISE = {
    "gaussian": (0.0, 0.25, 0.5, 0.75, 1.0),
    "dropout": (0.0, 0.25, 0.5, 0.75, 0.9),
    "occlusion": (0.0, 0.25, 0.5, 0.75),
}
#: Attention off, on the image's class, on another class (drawn at random).
ATTENTION = ("off", "correct", "wrong")
#: The class area's nudging conductance when it is clamped to a class (generation):
#: g_som / (g_lk + g_B + g_som) = 0.88 (attention uses the training's 0.5).
CLAMP = 8.0 / ms
#: Steady states: passes of the engine at most, and the change of every rate below which it stops.
#: Most conditions converge in 10-40 passes; a few disinhibited images have a slow mode (the
#: sensory-hidden loop's gain is near 1) and took 350 (dropout 0.75, gamma 0).
SWEEPS, TOLERANCE = 3000, 1e-5
OUTPUTS = (
    "attention_results.json",
    "attention_reconstruction.png",
    "attention_classification.png",
    "attention_gamma.png",
    "attention_examples.png",
    "attention_generation.png",
    "attention_demo.png",
)
#: ``--quick``: each option's (value in the short run, default); the short run has no demo either.
_QUICK_SIZES = {"epochs": (1, 20), "hidden": (50, 500), "train-images": (10_000, None), "test-images": (200, 500)}
_QUICK = "1 epoch of 10000 images, 50 hidden neurons, 200 test images, no demo"


def hierarchy(hidden: int = 500) -> MicrocircuitParams:
    """The parameter record of the 785-784-``hidden``-10 hierarchy.

    MNIST's record (logistic phi, no noise, lambda_I ~ 0.1, the output nudged with lambda_N = 0.5)
    with g_A = g_lk + g_B in both hidden areas (apical mixing lambda = 0.5: disinhibited, the soma
    gets the bottom-up prediction plus half the top-down one), every pathway plastic and the rates
    below (1/ms; one mini-batch of 10 images applies 1 ms). Eq. 9 is a delta rule with gain
    eta_PI ``||r_I||^2`` (up to ~250 in area 1): eta_PI_1 = 0.01 diverged within 3,000 images.
    PI has to cancel the top-down weights faster than Eq. 10 changes them: eta_TD_2 = 0.1 with
    eta_PI_2 = 0.3 left the classification at chance. A hidden bottom-up rate of 0.33 or 1
    saturated area 2 (RMS u_2 ~ 8-11), where phi' ~ 0 blocks every top-down effect; 0.03 keeps
    it ~ 1-2 (docs/attention.md).

    Parameters
    ----------
    hidden : int, default 500
        Neurons in the hidden area, >= 1.

    Returns
    -------
    MicrocircuitParams
        The record; the sensory map (``bottom_up_1``) has rate 0.
    """
    check_integer("hidden", hidden, 1)
    area = replace(MNIST.hidden_layer(1), g_A=MNIST.hidden_layer(1).g_lk + MNIST.hidden_layer(1).g_B)
    eta = LearningRates(
        bottom_up=(0 / ms, 0.03 / ms, 0.1 / ms),
        ip=0.05 / ms,
        pi=(0.005 / ms, 1.0 / ms),
        top_down=(0.002 / ms, 0.3 / ms),
    )
    return MNIST.replace(
        sizes=(785, 784, hidden, 10), hidden=area, plastic={"bottom_up", "ip", "pi", "top_down"}, eta=eta
    )


def _sensory_map(weights: dict, biases: dict, params: MicrocircuitParams) -> None:
    """The fixed map into the sensory area: u_1 = 2c x - c at the basal prediction (a Variant.start)."""
    a_B = params.hidden_layer(1).basal_attenuation
    w = np.zeros_like(weights["bottom_up_1"])
    w[:, :784] = np.eye(784) * (2 * CONTRAST / a_B)
    w[:, 784] = -CONTRAST / a_B
    weights["bottom_up_1"] = w


def variant(hidden: int = 500) -> Variant:
    """The MNIST variant that trains the hierarchy: self-predicting start, the sensory map fixed, no thresholds.

    Parameters
    ----------
    hidden : int, default 500
        Neurons in the hidden area.

    Returns
    -------
    brian_dendrites.models.microcircuit.classifier.Variant
        The variant "attention" (its model file: model_attention.npz).
    """
    return Variant(
        "attention",
        hierarchy(hidden),
        frozen=("bottom_up_1",),
        start=_sensory_map,
        thresholds=False,
        inputs=stimulus,
    )


def stimulus(images: np.ndarray) -> np.ndarray:
    """The network's input: the images' pixels and the always-on input, (n, 785) float32.

    Parameters
    ----------
    images : numpy.ndarray
        Pixels in [0, 1], (n, 784).

    Returns
    -------
    numpy.ndarray
        (n, 785): the pixels, then 1.
    """
    return np.hstack([images, np.ones((len(images), 1))]).astype(np.float32)


def image_of(rates: np.ndarray, params: MicrocircuitParams) -> np.ndarray:
    """The image whose sensory map gives the sensory ``rates``: x = (phi^-1(r) + c) / 2c.

    Parameters
    ----------
    rates : numpy.ndarray
        Sensory rates r_1, (n, 784).
    params : MicrocircuitParams
        The hierarchy (its phi).

    Returns
    -------
    numpy.ndarray
        Pixels, (n, 784), float32; outside [0, 1] where the rates are beyond the map's range.
    """
    return ((params.phi.inverse(rates) + CONTRAST) / (2 * CONTRAST)).astype(np.float32)


@dataclass(frozen=True)
class Conditions:
    """What :func:`measure` varies.

    Parameters
    ----------
    gammas : tuple of float, default GAMMAS
        Disinhibition gains, each in [0, 1] (1 must be among them: the reference state).
    noise : dict of str to tuple of float, default NOISE
        Noise levels in [0, 1] by kind (a subset of :data:`NOISE`'s kinds).
    attention : tuple of str, default ATTENTION
        A subset of :data:`ATTENTION`.
    """

    gammas: tuple[float, ...] = GAMMAS
    noise: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(NOISE))
    attention: tuple[str, ...] = ATTENTION

    def __post_init__(self) -> None:
        object.__setattr__(self, "noise", dict(self.noise))
        object.__setattr__(self, "gammas", tuple(float(g) for g in self.gammas))
        if 1.0 not in self.gammas or not all(0 <= g <= 1 for g in self.gammas):
            raise ParameterError(f"gammas must lie in [0, 1] and include 1, got {self.gammas}")
        if not self.noise or not set(self.noise) <= set(NOISE):
            raise ParameterError(f"noise kinds must be a non-empty subset of {sorted(NOISE)}, got {sorted(self.noise)}")
        for kind, levels in self.noise.items():
            if not levels or not all(0 <= level <= 1 for level in levels):
                raise ParameterError(f"noise[{kind!r}]: levels must lie in [0, 1], got {levels}")
        if not self.attention or not set(self.attention) <= set(ATTENTION):
            raise ParameterError(f"attention must be a non-empty subset of {ATTENTION}, got {self.attention}")


def _engine(params: MicrocircuitParams, gamma: float, g_som=None) -> SteadyStateEngine:
    """The engine with disinhibition gain ``gamma`` in every hidden area (and the class area's g_som)."""
    params = params.replace(interneuron=replace(params.interneuron_layer(1), gamma=gamma))
    if g_som is not None:
        params = params.replace(output=replace(params.output, g_som=g_som))
    return SteadyStateEngine(params)


def _targets(params: MicrocircuitParams, classes: np.ndarray) -> np.ndarray:
    """Target potentials that nudge the class area toward ``classes`` (the training's one-hot rates)."""
    return params.phi.inverse(mnist_data.one_hot(classes)).astype(np.float32)


def _classify(model: Classifier, engine: SteadyStateEngine, images: np.ndarray) -> np.ndarray:
    """The trained network's classes of ``images``: the feedforward pass, without disinhibition or attention."""
    return np.argmax(engine.feedforward(model.weights, model.biases, stimulus(images)).r[-1], axis=1)


def measure(model, params, images, labels, conditions: Conditions, rng, progress: bool = False) -> list[dict]:
    """Reconstruction and classification errors for every condition.

    For each noise kind and level, gamma and attention: the settled sensory rates r_1 against the
    clean image's (the sensory map of the clean image: gamma 1, no attention), as the RMS over
    pixels and images; the error rate of the trained network on the image the sensory area shows
    (:func:`image_of` r_1, fed forward); without attention also the class area's own answer at
    the steady state.

    Parameters
    ----------
    model : brian_dendrites.models.microcircuit.classifier.Classifier
        The trained hierarchy.
    params : MicrocircuitParams
        Its record (:func:`hierarchy`).
    images : numpy.ndarray
        Clean test images, (n, 784) in [0, 1].
    labels : numpy.ndarray
        Their classes, (n,).
    conditions : Conditions
        What to vary.
    rng : numpy.random.Generator
        Draws the noise and the wrong classes.
    progress : bool, default False
        Show a progress bar.

    Returns
    -------
    list of dict
        One record per condition: kind, level, gamma, attention, reconstruction (RMS of rates),
        sensory_error (fraction), network_error (fraction; None with attention on), sweeps (passes
        to converge) and residual (the last pass's largest rate change).
    """
    reference = _engine(params, 1.0)
    clean = reference.feedforward(model.weights, model.biases, stimulus(images)).r[1]
    wrong = (labels + rng.integers(1, 10, len(labels))) % 10
    targets = {"off": None, "correct": _targets(params, labels), "wrong": _targets(params, wrong)}
    engines = {gamma: _engine(params, gamma) for gamma in conditions.gammas}
    total = sum(map(len, conditions.noise.values())) * len(engines) * len(conditions.attention)
    bar, records = tqdm(total=total, disable=not progress, desc="attention conditions"), []
    for kind, levels in conditions.noise.items():
        for level in levels:
            x = stimulus(corrupt(images, kind, level, rng))
            for (gamma, engine), attention in ((e, a) for e in engines.items() for a in conditions.attention):
                state = _settle(model, engine, x, targets[attention])
                shown = _classify(model, reference, image_of(state.r[1], params))
                network = None if attention != "off" else float(np.mean(np.argmax(state.r[-1], 1) != labels))
                records.append(
                    {
                        "kind": kind,
                        "level": level,
                        "gamma": gamma,
                        "attention": attention,
                        "reconstruction": float(np.sqrt(np.mean((state.r[1] - clean) ** 2))),
                        "sensory_error": float(np.mean(shown != labels)),
                        "network_error": network,
                        "sweeps": state.sweeps,
                        "residual": state.residual,
                    }
                )
                bar.update()
    bar.close()
    return records


def _settle(model, engine: SteadyStateEngine, x: np.ndarray, u_tgt: np.ndarray | None):
    """The steady state of the whole network; DivergenceError unless it converged."""
    state = engine.settle(model.weights, model.biases, x, u_tgt, SWEEPS, TOLERANCE)
    if not state.residual <= TOLERANCE:  # NaN too
        raise DivergenceError(
            f"attention: the steady state did not converge in {SWEEPS} passes (the last changed a rate by "
            f"{state.residual:.3g}, tolerance {TOLERANCE}); the network may have no stable state for this condition"
        )
    return state


def generate(model, params) -> dict:
    """Generation: no image (pixels 0), the class area clamped to each class, gamma = 0.

    Parameters
    ----------
    model : brian_dendrites.models.microcircuit.classifier.Classifier
        The trained hierarchy.
    params : MicrocircuitParams
        Its record.

    Returns
    -------
    dict
        ``images`` (10, 784): the images the sensory area shows; ``classes``: the trained
        network's classes of them as they are, and ``classes_scaled``: of each scaled to [0, 1]
        (min to max); ``correct`` and ``correct_scaled``: how many of the 10 are their class.
    """
    engine = _engine(params, 0.0, CLAMP)
    blank = stimulus(np.zeros((10, 784), np.float32))
    state = _settle(model, engine, blank, _targets(params, np.arange(10)))
    images = image_of(state.r[1], params)
    low, high = images.min(axis=1, keepdims=True), images.max(axis=1, keepdims=True)
    scaled = (images - low) / np.maximum(high - low, 1e-12)
    reference = _engine(params, 1.0)
    classes, scaled_classes = _classify(model, reference, images), _classify(model, reference, scaled)
    return {
        "images": images.tolist(),
        "classes": classes.tolist(),
        "classes_scaled": scaled_classes.tolist(),
        "correct": int(np.sum(classes == np.arange(10))),
        "correct_scaled": int(np.sum(scaled_classes == np.arange(10))),
    }


#: The demonstration's phases: name, gamma, attention on the image's class.
PHASES = (("normal", 1.0, False), ("disinhibited", 0.0, False), ("attention", 0.0, True))


def demonstrate(
    model,
    params,
    image,
    label: int,
    phase=60 * ms,
    target: str = "cpp_standalone",
    threads: int = 1,
    float32: bool = False,
) -> dict:
    """The Brian2 network (continuous time) through :data:`PHASES`, one noisy image throughout.

    Each phase is one run of ``phase``, continuing from the last; gamma is a run-time value, so the
    network is built once. Learning rates are 0 (the plasticity code runs, the weights stay), as in
    the engine's measures; no noise.

    Parameters
    ----------
    model : brian_dendrites.models.microcircuit.classifier.Classifier
        The trained hierarchy.
    params : MicrocircuitParams
        Its record.
    image : numpy.ndarray
        The (noisy) image, (784,) in [0, 1].
    label : int
        Its class (the attended class of the last phase).
    phase : brian2.Quantity, default 60 ms
        Duration of each phase.
    target : str, default "cpp_standalone"
        Brian2 code-generation target.
    threads : int, default 1
        OpenMP threads of the demonstration's build.
    float32 : bool, default False
        The demonstration in single precision.

    Returns
    -------
    dict
        ``times`` (ms), ``sensory`` (samples, 784) rates r_1, ``apical`` (samples, 784) potentials
        v_A,1, ``classes`` (samples, 10) rates, ``interneurons`` (samples,) mean rate of the area-1
        SST cells, and per phase its name, gamma, attention, the sensory rates at its end, the
        engine's steady state of the same condition and their largest difference.
    """
    from brian_dendrites import LearningRates, NetworkState, Simulation

    record = {"pyramidal_1": ["r", "v_A"], "pyramidal_3": ["r"], "interneuron_1": ["r"]}
    sim = Simulation(params, 1, phase, record, 0.5 * ms, target, "attention_demo", threads=threads, float32=float32)
    state = NetworkState({name: w.astype(float) for name, w in model.weights.items()})
    x, u_tgt = stimulus(image[None]), _targets(params, np.array([label]))
    traces, phases = [], []
    for name, gamma, attend in PHASES:
        p = params.replace(interneuron=replace(params.interneuron_layer(1), gamma=gamma))
        result = sim.run(
            state,
            x,
            u_tgt if attend else None,
            np.ones(1) if attend else None,
            eta=LearningRates(),
            noise=False,
            params=p,
        )
        state, values = result.state, {t.name: t.values for t in result.recording.traces}
        traces.append(values)
        steady = _settle(model, _engine(params, gamma), x, u_tgt if attend else None).r[1][0]
        end = values["pyramidal_1.r"][-1]
        phases.append(
            {
                "name": name,
                "gamma": gamma,
                "attention": attend,
                "sensory": end.tolist(),
                "engine": steady.tolist(),
                "difference": float(np.abs(end - steady).max()),
            }
        )
    samples = sum(len(v["pyramidal_1.r"]) for v in traces)
    return {
        "times": (np.arange(samples) * 0.5).tolist(),
        "sensory": np.concatenate([v["pyramidal_1.r"] for v in traces]).tolist(),
        "apical": np.concatenate([v["pyramidal_1.v_A"] for v in traces]).tolist(),
        "classes": np.concatenate([v["pyramidal_3.r"] for v in traces]).tolist(),
        "interneurons": np.concatenate([v["interneuron_1.r"].mean(axis=1) for v in traces]).tolist(),
        "phases": phases,
        "phase_ms": float(phase / ms),
        "image": np.asarray(image).tolist(),
        "label": int(label),
    }


@dataclass(frozen=True)
class AttentionConfig:
    """The configuration record of ``brian-dendrites attention``.

    Parameters
    ----------
    out : str or os.PathLike
        Output folder: the model file (the checkpoint), the results JSON and the figures.
    epochs : int, default 20
        Training epochs, >= 1.
    hidden : int, default 500
        Neurons in the hidden area, >= 1.
    train_images : int or None, default None
        Train on the first ``train_images`` training images (>= 10); None: all 55,000.
    test_images : int, default 500
        Test images the conditions are measured on, 1 to 10,000.
    conditions : Conditions, default Conditions()
        What the measures vary.
    demo : bool, default True
        Run the Brian2 demonstration.
    target : str, default "cpp_standalone"
        Brian2 code-generation target of the demonstration.
    threads : int, default 1
        OpenMP threads of the cpp_standalone builds (``Simulation(threads=...)``).
    float32 : bool, default False
        Compute in single precision (``Simulation(float32=...)``).
    seed : int, default 0
        Seed of the initial weights, the shuffling, the noise and the wrong classes; >= 0.
    data_dir : str or os.PathLike, optional
        The folder with the MNIST files (see :func:`brian_dendrites.datasets.mnist.locate`).
    overwrite : bool, default False
        Replace existing output files (the model file is always resumed from).

    Raises
    ------
    ParameterError
        If a field is outside its allowed values.
    """

    out: str | os.PathLike
    epochs: int = 20
    hidden: int = 500
    train_images: int | None = None
    test_images: int = 500
    conditions: Conditions = field(default_factory=Conditions)
    demo: bool = True
    target: str = "cpp_standalone"
    # Left out of the fingerprints at their defaults: earlier checkpoints still resume.
    threads: int = field(default=1, metadata=OMIT_AT_DEFAULT)
    float32: bool = field(default=False, metadata=OMIT_AT_DEFAULT)
    seed: int = 0
    data_dir: str | os.PathLike | None = None
    overwrite: bool = False

    def __post_init__(self) -> None:
        check_output_folder(self.out)
        hierarchy(self.hidden)  # checks hidden
        for name, low, high in (("epochs", 1, None), ("test_images", 1, 10_000), ("seed", 0, None)):
            check_integer(name, getattr(self, name), low, high)
        if self.train_images is not None:
            check_integer("train_images", self.train_images, 10)
        if not isinstance(self.conditions, Conditions):
            raise ParameterError(f"conditions must be a Conditions record, got {type(self.conditions).__name__}")
        if self.target not in TARGETS:
            raise ParameterError(f"target must be one of {TARGETS}, got {self.target!r}")


Config = AttentionConfig


def check(config: AttentionConfig) -> None:
    """Create ``config.out`` and check that the outputs can be written into it.

    See :meth:`Contract.check <brian_dendrites.protocols.registry.Contract.check>`.
    """
    prepare_output(config.out, OUTPUTS if config.demo else OUTPUTS[:-1], config.overwrite)


def run(config: AttentionConfig, *, progress: bool = True) -> dict:
    """Train the hierarchy (resuming from its model file), then measure every condition, generate, demonstrate.

    Parameters
    ----------
    config : AttentionConfig
        The configuration.
    progress : bool, default True
        Show progress bars.

    Returns
    -------
    dict
        ``config``; ``training``: the training log (see
        :class:`~brian_dendrites.models.microcircuit.classifier.Classifier`); ``conditions``: the
        records of :func:`measure`; ``generation``: what :func:`generate` returns; ``examples``: six
        noisy test images and what the sensory area shows of them per condition;
        ``demo`` (with ``config.demo``): what :func:`demonstrate` returns.

    Raises
    ------
    ParameterError
        If the model file was trained with another seed or other parameters.
    DivergenceError
        If training diverges, or a steady state does not converge.
    """
    check(config)
    trained = variant(config.hidden)
    log = mnist.train(
        trained, config.epochs, config.out, config.data_dir, config.seed, config.train_images, progress=progress
    )
    model, params = load_classifier(Path(config.out) / "model_attention.npz")
    images, labels = (a[: config.test_images] for a in mnist_data.split(mnist_data.load(config.data_dir))["test"])
    rng = np.random.default_rng([config.seed, 15])
    with threadpool_limits(1):  # see SteadyStateEngine.learn
        conditions = measure(model, params, images, labels, config.conditions, rng, progress)
        generation = generate(model, params)
        examples = _examples(model, params, images[:6], labels[:6], rng)
    results = {
        "config": _describe(config),
        "training": log,
        "conditions": conditions,
        "generation": generation,
        "examples": examples,
    }
    if config.demo:
        noisy = corrupt(images[:1], "gaussian", 0.5, rng)[0]
        results["demo"] = demonstrate(
            model, params, noisy, int(labels[0]), target=config.target, threads=config.threads, float32=config.float32
        )
    return results


def _examples(model, params, images, labels, rng) -> dict:
    """A few Gaussian-noise images (sigma 0.5) and what the sensory area shows of them per condition."""
    noisy = corrupt(images, "gaussian", 0.5, rng)
    wrong = (labels + 1) % 10
    shown = {}
    for name, gamma, classes in (
        ("gamma 1", 1.0, None),
        ("gamma 0", 0.0, None),
        ("gamma 0, correct", 0.0, labels),
        ("gamma 0, wrong", 0.0, wrong),
    ):
        u_tgt = None if classes is None else _targets(params, classes)
        shown[name] = image_of(_settle(model, _engine(params, gamma), stimulus(noisy), u_tgt).r[1], params).tolist()
    return {
        "clean": images.tolist(),
        "noisy": noisy.tolist(),
        "labels": labels.tolist(),
        "wrong": wrong.tolist(),
        "shown": shown,
    }


def _describe(config: AttentionConfig) -> dict:
    described = {k: v for k, v in asdict(config).items() if not omitted(config, k)}
    described["out"], described["data_dir"] = str(config.out), config.data_dir and str(config.data_dir)
    return described


def write(results: dict, config: AttentionConfig) -> list[Path]:
    """Write attention_results.json and the figures into ``config.out``.

    See :meth:`Contract.write <brian_dendrites.protocols.registry.Contract.write>`.
    """
    out = prepare_output(config.out, OUTPUTS if config.demo else OUTPUTS[:-1], config.overwrite)
    return attention_figures.write(results, out, OUTPUTS)


def summary(results: dict) -> dict:
    """The final test error, the key reconstruction and classification numbers, and the generation.

    See :meth:`Contract.summary <brian_dendrites.protocols.registry.Contract.summary>`.
    """
    table = {}
    for record in results["conditions"]:
        if record["gamma"] in (0.0, 1.0):
            key = f"{record['kind']} {record['level']:g}, gamma {record['gamma']:g}, attention {record['attention']}"
            table[key] = {
                "reconstruction": round(record["reconstruction"], 4),
                "error": round(record["sensory_error"], 4),
            }
    result = {
        "test_error": results["training"]["test_error"][-1],
        "conditions": table,
        "generation_correct": results["generation"]["correct"],
        "generation_correct_scaled": results["generation"]["correct_scaled"],
    }
    if "demo" in results:
        result["demo_difference"] = {p["name"]: p["difference"] for p in results["demo"]["phases"]}
    return result


def _levels(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``brian-dendrites attention``.

    See :meth:`Contract.add_arguments <brian_dendrites.protocols.registry.Contract.add_arguments>`.
    """
    parser.add_argument(
        "--out", type=options.output_folder, required=True, help="output folder (model file, results JSON, figures)"
    )
    parser.add_argument("--epochs", type=options.positive_int, help="training epochs (default 20)")
    parser.add_argument("--hidden", type=options.positive_int, help="neurons in the hidden area (default 500)")
    parser.add_argument("--train-images", type=options.positive_int, help="train on the first N images (default all)")
    parser.add_argument("--test-images", type=options.positive_int, help="test images measured (default 500)")
    options.add_quick_option(parser, _QUICK)
    parser.add_argument("--gammas", type=_levels, default=GAMMAS, help="disinhibition gains (default 1,0.75,...,0)")
    for kind, levels in NOISE.items():
        parser.add_argument(f"--{kind}", type=_levels, default=levels, help=f"{kind} levels (default {levels})")
    parser.add_argument("--no-demo", action="store_true", help="skip the Brian2 demonstration")
    parser.add_argument("--target", choices=TARGETS, default="cpp_standalone", help="Brian2 target of the demo")
    options.add_build_options(parser)
    parser.add_argument("--seed", type=options.seed, default=0, help="seed (default 0)")
    parser.add_argument("--data-dir", help="folder with the MNIST files")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def config_from_args(args: argparse.Namespace) -> AttentionConfig:
    """The :class:`AttentionConfig` of the options that :func:`add_arguments` added.

    See :meth:`Contract.config_from_args <brian_dendrites.protocols.registry.Contract.config_from_args>`.
    """
    conditions = Conditions(gammas=args.gammas, noise={kind: getattr(args, kind) for kind in NOISE})
    sizes = {name: options.quick_value(args, name, *values, _QUICK) for name, values in _QUICK_SIZES.items()}
    return AttentionConfig(
        out=args.out,
        epochs=sizes["epochs"],
        hidden=sizes["hidden"],
        train_images=sizes["train-images"],
        test_images=sizes["test-images"],
        conditions=conditions,
        demo=not (args.no_demo or args.quick),
        target=args.target,
        threads=options.threads(args),
        float32=args.float32,
        seed=args.seed,
        data_dir=args.data_dir,
        overwrite=args.overwrite,
    )
