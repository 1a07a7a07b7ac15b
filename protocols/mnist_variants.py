"""The variants of Fig. 3 (MNIST) and the learning rates tuned for them.

(a) 784-500-500-10, top-down and PI weights fixed, self-predicting start; (b) as (a) with the
hidden-to-hidden weights W_{2,1} also fixed; (c) 784-1000-10, every pathway plastic (top-down by
Eq. 10), random start; baselines on (a)'s architecture: the shallow learner (only W_{3,2} learns)
and standard backprop with the same logistic units, targets and mini-batches.
"""

from __future__ import annotations

from dataclasses import fields, replace

from brian2 import ms

from brian_dendrites.errors import ParameterError
from brian_dendrites.models.microcircuit import MNIST, LearningRates, SpikingParams
from brian_dendrites.models.microcircuit.classifier import Variant
from brian_dendrites.models.microcircuit.spiking_learning import Presentation

__all__ = ["BASE_RATE", "HIDDEN_GAIN", "VARIANTS", "SPIKING_DT", "SPIKING_TAU_S", "PRESENTATION", "spiking_variant"]

#: Bottom-up rate of the output layer (1/ms) in (a) and (b); one mini-batch applies 1 ms of Eqs. 7-10.
#: At the output, Eq. 7 is a delta rule with gain eta lambda_N a_B phi' ``|r_{N-1}|^2``: with
#: lambda_N = 0.5, 0.2/ms oscillated (about 90 % validation error for 5 epochs). (c)'s hidden layer is
#: twice as wide, hence twice ``|r_1|^2``: at 0.1/ms its validation error jumped between 5 % and 23 %,
#: so it uses half the rate.
BASE_RATE = 0.1
#: Factor on the hidden layers' rescaled rates. The fixed top-down weights keep their initial scale
#: while the bottom-up weights grow, so the hidden errors end up smaller than backprop's. Validation
#: error after 12 epochs: (a) 3.12 % at 3, 4.40 % at 1, 3.82 % at 10 with eta_IP_1 held at 0.5/ms
#: (at half the W_{2,1} rate, 1.7/ms, it lost self-prediction); (c) 3.0 % at 20, 3.08 % at 40,
#: 3.28 % at 8, 6.02 % at 1. In (b), W_{1,0} is the only hidden pathway that learns; mean validation
#: error over epochs 91-100: 2.10 % at 3, 1.82 % at 6, 1.67 % at 10.
HIDDEN_GAIN = {"a": 3.0, "b": 10.0, "c": 20.0}


def _rates(lam_hidden: float, n_hidden: int, base: float, hidden_gain: float) -> LearningRates:
    """Bottom-up rates base x [g/lambda^2, g/lambda, 1] from the first layer up (g = ``hidden_gain``):
    each hidden layer sees the output error diluted once more by its mixing factor. eta_IP_k is half
    the rate of the bottom-up pathway W_{k+1,k} it learns to predict.

    Eq. 8 is a delta rule with gain eta_IP a_D lambda_I phi' |r_k|^2 along the mean rate vector,
    and it oscillates once that gain exceeds 2: with |r_1|^2 ~ 250, eta_IP_1 = 0.5/ms is stable,
    1.3/ms and 1.7/ms were not."""
    hidden = tuple(hidden_gain * base * lam_hidden ** -(n_hidden - k) / ms for k in range(n_hidden))
    bottom_up = hidden + (base / ms,)
    return LearningRates(bottom_up=bottom_up, ip=tuple(r / 2 for r in bottom_up[1:]), pi=0 / ms, top_down=0 / ms)


#: The hidden layers' mixing factor g_A / (g_lk + g_B + g_A), rounded to the 0.30 the rescaling uses.
_LAMBDA_HIDDEN = round(MNIST.hidden_layer(1).apical_mixing, 2)
_TWO_LAYER = MNIST.replace(eta=_rates(_LAMBDA_HIDDEN, 2, BASE_RATE, HIDDEN_GAIN["a"]))
#: (b): W_{2,1} is fixed, so the layer-1 interneurons have nothing to track. At (a)'s eta_IP_1 of
#: 0.5/ms they drifted from it and (b) collapsed at epoch 9 (62 % test error); (b) uses the IP rates
#: without the hidden gain.
_FIXED_W21 = MNIST.replace(
    eta=replace(_rates(_LAMBDA_HIDDEN, 2, BASE_RATE, HIDDEN_GAIN["b"]), ip=_rates(_LAMBDA_HIDDEN, 2, BASE_RATE, 1.0).ip)
)
_ONE_LAYER = MNIST.replace(
    sizes=(784, 1000, 10),
    plastic=frozenset({"bottom_up", "ip", "pi", "top_down"}),
    # Mean validation error over epochs 51-60: PI 1e-3, 1e-2, 3e-2/ms (top-down 1e-4): 3.74, 2.45,
    # 2.33 %; top-down 1e-3, 1e-4, 1e-5/ms (PI 3e-2): 3.26 (51-57), 2.33, 1.76 %. This fits PI having
    # to cancel the top-down input faster than it changes.
    eta=replace(_rates(_LAMBDA_HIDDEN, 1, BASE_RATE / 2, HIDDEN_GAIN["c"]), pi=3e-2 / ms, top_down=1e-5 / ms),
)

VARIANTS = {
    "a": Variant("a", _TWO_LAYER),
    "b": Variant("b", _FIXED_W21, frozen=("bottom_up_2",)),
    "c": Variant("c", _ONE_LAYER, self_predicting_start=False),
    "shallow": Variant("shallow", _TWO_LAYER, frozen=("bottom_up_1", "bottom_up_2")),
    "backprop": Variant("backprop", _TWO_LAYER, backprop=True),
}

#: Spiking mode (``mnist train --mode spiking``): the step, within the output's Euler bound
#: dt (g_lk + g_B + g_som) < 1 (dt < 0.45 ms).
SPIKING_DT = 0.4 * ms
#: The dendritic traces' time constant. Weights change every step while the traces take about 2 tau_s
#: (two layers of traces) to show a change, so the steps within that lag add up into one larger step:
#: at Fig. 1's 3 ms (settle 4 ms, the rates per image below) 5,000 images of (c) left the test accuracy at
#: chance (8.9 %), at 1 ms 68-69 % (the rate protocol's 70.4 %).
SPIKING_TAU_S = 1.0 * ms
#: Each image 8 ms, plasticity from 4 ms on (the traces have forgotten all but 1e-2 of the last image), 20
#: images side by side. Eqs. 7-10 then act 4 ms per image at rates of 0.1 ms x 20 / 4 ms = 0.5 times the rate
#: protocol's: per image the same change as its 1 ms per mini-batch of 10 (and per step 0.2 ms of it).
#: 100 side by side at 2.5 times the rates (the same per image) learned less: 66.7 % after 5,000 images.
PRESENTATION = Presentation(8 * ms, 4 * ms, 20)


def _scaled(eta: LearningRates, factor: float) -> LearningRates:
    """Every learning rate of ``eta`` times ``factor``."""

    def scale(value):
        return tuple(v * factor for v in value) if isinstance(value, tuple) else value * factor

    return LearningRates(**{f.name: scale(getattr(eta, f.name)) for f in fields(eta)})


def spiking_variant(name: str, psi: float | None = None) -> Variant:
    """Variant ``name`` in spiking mode: its pathways, teaching and start, shown in time (:data:`PRESENTATION`).

    Its record: spiking mode at psi (default ``SpikingParams().psi``, 100/ms), dendritic traces of
    :data:`SPIKING_TAU_S`, lookahead (prospective rates), dt :data:`SPIKING_DT`, no input filter and no
    tau_w; learning rates scaled so that each image changes the weights as much as in the rate protocol.

    Parameters
    ----------
    name : str
        A key of :data:`VARIANTS` other than "backprop".
    psi : float or None, optional
        Spikes per ms per unit rate, > 0; None: 100.

    Returns
    -------
    Variant
        The spiking variant, named as the rate one.

    Raises
    ------
    ParameterError
        If ``name`` is unknown or "backprop" (standard backprop has no spiking mode), or psi is not > 0 or
        gives more than 10,000 spikes per step at rate 1.
    """
    if name not in VARIANTS:
        raise ParameterError(f"variant must be one of {sorted(VARIANTS)}, got '{name}'")
    base = VARIANTS[name]
    if base.backprop:
        raise ParameterError(
            f"variant '{name}' is standard backprop, which has no spiking mode; drop it from --variants"
        )
    spiking = SpikingParams(tau_s=SPIKING_TAU_S, lookahead=True)
    if psi is not None:
        spiking = replace(spiking, psi=psi / ms)
    learning = PRESENTATION.duration - PRESENTATION.settle
    factor = float(0.1 * ms * PRESENTATION.batch / learning)
    params = base.params.replace(
        mode="spiking", dt=SPIKING_DT, tau_w=None, tau_input=None, spiking=spiking, eta=_scaled(base.params.eta, factor)
    )
    return replace(base, params=params, presentation=PRESENTATION)
