"""Parameter records of the dendritic error microcircuit, with the paper's defaults.

Potentials are dimensionless (capacitance 1, rest 0, as in the paper); time
and conductances carry Brian2 units (conductances are rates, 1/ms).
Noise follows Brian2's white-noise convention: ``sigma*xi`` with xi in
s**-0.5, so each Euler-Maruyama step adds ``sigma*sqrt(dt)*N(0, 1)``. A
reproduction that instead adds ``dt*s*N(0, 1)`` per step corresponds to
``sigma = s*sqrt(dt)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from brian2 import Quantity, ms

from brian_dendrites.canonical import OMIT_AT_DEFAULT, record_types
from brian_dendrites.errors import ParameterError
from brian_dendrites.transfer import Logistic, SoftRectifier, TransferFunction
from brian_dendrites.validation import check_integer, check_real, quantity_value

from .pathways import PATHWAY_TABLE

__all__ = [
    "PATHWAYS",
    "PyramidalParams",
    "InterneuronParams",
    "LearningRates",
    "SpikingParams",
    "MODES",
    "MicrocircuitParams",
    "FIG_S1",
    "FIG1",
    "REGRESSION",
    "MNIST",
    "BARS",
    "PARAMETER_SETS",
    "RECORD_TYPES",
]

#: Plastic pathways: bottom-up (Eq. 7), pyramidal-to-interneuron (Eq. 8),
#: interneuron-to-pyramidal (Eq. 9) and top-down (Eq. 10).
PATHWAYS = tuple(PATHWAY_TABLE)


def _default(value: Quantity):
    # Quantities are arrays, hence mutable: dataclasses need a factory.
    return field(default_factory=lambda: value)


def _scalar(name: str, value, unit: Quantity, what: str, positive: bool = False) -> float:
    """``value`` in ``unit`` as a float; ParameterError unless it is a finite scalar >= 0 (> 0 if ``positive``).

    ``what`` describes the expected value, e.g. 'conductance in 1/time (e.g. 0.8/ms)'.
    """
    number = quantity_value(value, unit)  # NaN unless one real quantity of unit's dimensions
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ParameterError(f"{name} must be a finite {what}, {'> 0' if positive else '>= 0'}, got {value!r}")
    return number


def _mixing(dendrite: Quantity, nudging: Quantity, leak: Quantity) -> tuple[float, float]:
    """The weights of a dendrite and a nudging input in a steady-state soma, summed in 1/ms."""
    total = float(leak * ms) + float(dendrite * ms) + float(nudging * ms)
    return float(dendrite * ms) / total, float(nudging * ms) / total


def _conductance(name: str, value) -> float:
    return _scalar(name, value, 1 / ms, "conductance in 1/time (e.g. 0.8/ms)")


def _sigma(name: str, value) -> float:
    return _scalar(name, value, ms**-0.5, "noise amplitude in 1/sqrt(time) (e.g. 0.1*ms**-0.5)")


def _time(name: str, value) -> float:
    return _scalar(name, value, ms, "time (e.g. 3*ms)", positive=True)


@dataclass(frozen=True)
class PyramidalParams:
    """One layer of pyramidal neurons (Eq. 1).

    The output layer has g_A = 0 and uses g_som. Every conductance is a Brian2 quantity in 1/time
    (a rate, capacitance 1), finite and >= 0; ``MicrocircuitParams`` also needs
    dt * (g_lk + g_B + g_A) (output layer: dt * (g_lk + g_B + g_som)) in (0, 1).

    Parameters
    ----------
    g_lk : Quantity, optional
        Leak conductance g_lk of the soma, in 1/time. Default 0.1/ms.
    g_B : Quantity, optional
        Conductance g_B from the basal dendrite to the soma, in 1/time. Default 1.0/ms.
    g_A : Quantity, optional
        Conductance g_A from the apical dendrite to the soma, in 1/time; 0 in the output layer.
        Default 0.8/ms.
    g_som : Quantity, optional
        Somatic nudging conductance g_som of the output layer's teaching input, in 1/time (hidden
        layers ignore it). Default 0.8/ms.
    sigma : Quantity, optional
        Amplitude of the somatic white noise, sigma * xi, in 1/sqrt(time); finite, >= 0 (0: no noise).
        Default 0.1*ms**-0.5.

    Raises
    ------
    ParameterError
        If a field is not a finite scalar >= 0 of the right dimension.
    """

    g_lk: Quantity = _default(0.1 / ms)
    g_B: Quantity = _default(1.0 / ms)
    g_A: Quantity = _default(0.8 / ms)
    g_som: Quantity = _default(0.8 / ms)
    sigma: Quantity = _default(0.1 * ms**-0.5)

    #: basal_attenuation as a Brian2 expression of a group's conductance parameters (the output layer
    #: holds g_A = 0 too, so that one expression serves every layer).
    EXPRESSIONS = {"basal_attenuation": "g_B/(g_lk + g_B + g_A)"}

    def __post_init__(self) -> None:
        for name in ("g_lk", "g_B", "g_A", "g_som"):
            _conductance(f"PyramidalParams.{name}", getattr(self, name))
        _sigma("PyramidalParams.sigma", self.sigma)

    @property
    def basal_attenuation(self) -> float:
        """g_B / (g_lk + g_B + g_A), the basal attenuation: the factor of v_B in Eq. 7."""
        return float(self.g_B / (self.g_lk + self.g_B + self.g_A))

    @property
    def apical_mixing(self) -> float:
        """g_A / (g_lk + g_B + g_A), the weight of v_A in the steady-state soma (lambda_k)."""
        return float(self.g_A / (self.g_lk + self.g_B + self.g_A))

    @property
    def nudged_mixing(self) -> tuple[float, float]:
        """(g_B, g_som) / (g_lk + g_B + g_som), the output's mixing factors.

        They weight v_B and the target in the nudged steady-state soma of an output neuron (the
        second is lambda_N).
        """
        return _mixing(self.g_B, self.g_som, self.g_lk)


@dataclass(frozen=True)
class InterneuronParams:
    """One layer of SST interneurons (Eq. 2); g_som is the one-to-one top-down nudging.

    Every conductance is a Brian2 quantity in 1/time, finite and >= 0; ``MicrocircuitParams`` also
    needs dt * (g_lk + g_D + g_som) in (0, 1). ``gamma`` is the disinhibition gain: VIP-like
    inhibition of the SST cells scales their rate to gamma * phi(u), and with it their input
    W_PI r_I to the apical dendrites (docs/attention.md).

    Parameters
    ----------
    g_lk : Quantity, optional
        Leak conductance g_lk of the soma, in 1/time. Default 0.1/ms.
    g_D : Quantity, optional
        Conductance g_D from the dendrite to the soma, in 1/time. Default 1.0/ms.
    g_som : Quantity, optional
        Somatic nudging conductance g_som toward the somatic potential of the linked pyramidal neuron
        in the layer above, in 1/time. Default 0.8/ms.
    sigma : Quantity, optional
        Amplitude of the somatic white noise, sigma * xi, in 1/sqrt(time); finite, >= 0 (0: no noise).
        Default 0.1*ms**-0.5.
    gamma : float, optional
        Disinhibition gain in [0, 1]: the SST rate is gamma * phi(u). 1: no VIP inhibition (the
        paper's circuit); 0: the SST cells silenced, the apical dendrites fully disinhibited. A
        run-time value. Default 1.

    Raises
    ------
    ParameterError
        If a field is not a finite scalar >= 0 of the right dimension, or gamma is not a real number in
        [0, 1].
    """

    g_lk: Quantity = _default(0.1 / ms)
    g_D: Quantity = _default(1.0 / ms)
    g_som: Quantity = _default(0.8 / ms)
    sigma: Quantity = _default(0.1 * ms**-0.5)
    gamma: float = 1.0

    #: The factor below as a Brian2 expression of a group's conductance parameters.
    EXPRESSIONS = {"dendritic_attenuation": "g_D/(g_lk + g_D)"}

    def __post_init__(self) -> None:
        for name in ("g_lk", "g_D", "g_som"):
            _conductance(f"InterneuronParams.{name}", getattr(self, name))
        _sigma("InterneuronParams.sigma", self.sigma)
        check_real("InterneuronParams.gamma", self.gamma, 0, 1)

    @property
    def dendritic_attenuation(self) -> float:
        """g_D / (g_lk + g_D), the dendritic attenuation: the factor of v^I in Eq. 8."""
        return float(self.g_D / (self.g_lk + self.g_D))

    @property
    def nudged_mixing(self) -> tuple[float, float]:
        """(g_D, g_som) / (g_lk + g_D + g_som), the interneuron's mixing factors.

        They weight v^I and the layer above's soma in the nudged steady-state soma (the second is
        lambda_I).
        """
        return _mixing(self.g_D, self.g_som, self.g_lk)


@dataclass(frozen=True)
class LearningRates:
    """Learning rates (1/time) per pathway.

    ``bottom_up`` has one entry per projection W_{k,k-1}, k = 1..N; ``ip``,
    ``pi`` and ``top_down`` one per hidden layer k = 1..N-1. A single value
    applies to every layer. Every rate is a Brian2 quantity in 1/time, finite
    and >= 0; a list is stored as a tuple. A rate of 0 freezes its weights.

    Parameters
    ----------
    bottom_up : Quantity or tuple of Quantity, optional
        eta^PP_{k,k-1} of the bottom-up weights W_{k,k-1} (Eq. 7, basal). Default 0/ms.
    ip : Quantity or tuple of Quantity, optional
        eta^IP_k of the pyramidal-to-interneuron weights W^IP_{k,k} (Eq. 8, interneuron dendrite).
        Default 0/ms.
    pi : Quantity or tuple of Quantity, optional
        eta^PI_k of the interneuron-to-pyramidal weights W^PI_{k,k} (Eq. 9, apical). Default 0/ms.
    top_down : Quantity or tuple of Quantity, optional
        eta^PP_{k,k+1} of the top-down weights W_{k,k+1} (Eq. 10, apical). Default 0/ms.

    Raises
    ------
    ParameterError
        If a rate is not a finite scalar >= 0 in 1/time.
    """

    bottom_up: Quantity | tuple[Quantity, ...] = _default(0.0 / ms)
    ip: Quantity | tuple[Quantity, ...] = _default(0.0 / ms)
    pi: Quantity | tuple[Quantity, ...] = _default(0.0 / ms)
    top_down: Quantity | tuple[Quantity, ...] = _default(0.0 / ms)

    def __post_init__(self) -> None:
        for pathway in PATHWAYS:
            value = getattr(self, pathway)
            if isinstance(value, list):
                object.__setattr__(self, pathway, value := tuple(value))
            for k, rate in enumerate(value if isinstance(value, tuple) else (value,)):
                index = f"[{k}]" if isinstance(value, tuple) else ""
                _scalar(f"eta.{pathway}{index}", rate, 1 / ms, "rate in 1/time (e.g. 0.001/ms)")

    def per_layer(self, pathway: str, n_layers: int) -> tuple[Quantity, ...]:
        """The rates of ``pathway`` as a tuple of length ``n_layers``.

        Parameters
        ----------
        pathway : {'bottom_up', 'ip', 'pi', 'top_down'}
            The pathway (a field name).
        n_layers : int
            The number of projections of that pathway in the network.

        Returns
        -------
        tuple of Quantity
            One rate (1/time) per projection; a single rate is repeated.

        Raises
        ------
        ParameterError
            If the pathway's tuple does not have ``n_layers`` entries.
        """
        value = getattr(self, pathway)
        values = value if isinstance(value, tuple) else (value,) * n_layers
        if len(values) != n_layers:
            raise ParameterError(f"eta.{pathway} needs one rate or {n_layers} (one per projection), got {len(values)}")
        return values

    def check_layers(self, n_projections: int) -> None:
        """Raise ParameterError unless every per-layer tuple fits ``n_projections`` bottom-up projections.

        Parameters
        ----------
        n_projections : int
            The number N of bottom-up projections (``len(sizes) - 1``); the other pathways have N - 1.

        Raises
        ------
        ParameterError
            If a pathway's tuple has the wrong length.
        """
        for pathway in PATHWAYS:
            self.per_layer(pathway, n_projections if pathway == "bottom_up" else n_projections - 1)

    def for_projection(self, pathway: str, layer: int, n_layers: int) -> Quantity:
        """The rate of ``pathway`` into layer ``layer`` (1-based) of an ``n_layers``-projection network.

        Parameters
        ----------
        pathway : {'bottom_up', 'ip', 'pi', 'top_down'}
            The pathway (a field name).
        layer : int
            The projection's layer k, 1-based (1..N for bottom-up, 1..N-1 otherwise).
        n_layers : int
            The number N of bottom-up projections of the network.

        Returns
        -------
        Quantity
            The learning rate, in 1/time.

        Raises
        ------
        ParameterError
            If the pathway's tuple does not fit the network.
        """
        return self.per_layer(pathway, n_layers if pathway == "bottom_up" else n_layers - 1)[layer - 1]


#: The neuron models of MicrocircuitParams.mode: rate units (the paper) or Poisson spikes.
MODES = ("rate", "spiking")
#: Largest psi * dt: the expected spike count per step at rate 1. Counts are 32-bit integers, so
#: rates phi(u) up to 10^5 stay far from an overflow.
MAX_SPIKES_PER_STEP = 10_000


@dataclass(frozen=True)
class SpikingParams:
    """The spiking neurons of ``MicrocircuitParams(mode="spiking")`` (docs: model, spiking mode).

    Every neuron, inputs included, emits in each step of dt a Poisson number of spikes with mean
    psi * r * dt, r its rate (phi(u), or the input rate r_0): one Brian2 neuron is one unit of the
    rate model, and a count per step lets psi * r * dt exceed 1. Each spike adds w / (psi * tau_s)
    to the dendritic potential it projects to, which decays with tau_s, so the expected potential
    is the rate model's W r. Each presynaptic spike changes a plastic weight by
    eta * e_post / psi (Eqs. 7-10 in expectation).

    Parameters
    ----------
    psi : Quantity, optional
        Spikes per time per unit rate (1/time), > 0, with psi * dt <= 10000 (the count per step is a
        32-bit integer). Default 100/ms (10 spikes per step of 0.1 ms at rate 1).
    tau_s : Quantity, optional
        Time constant of the dendritic spike traces (time), larger than dt. Default 3 ms.
    postsynaptic : {'rate', 'spikes'}, optional
        The rate in the error factors r - phi(a v) (Eqs. 7, 8, 10): 'rate' uses r = phi(u);
        'spikes' (Urbanczik-Senn) uses the neuron's own spike count of the last step divided by
        psi * dt. Default 'rate'.
    interneuron_nudging : {'potential', 'spikes'}, optional
        'potential': interneurons are nudged toward the somatic potential of the linked pyramidal
        neuron above, as in the rate model; 'spikes': toward phi^-1 of that neuron's spike trace
        (time constant tau_s). Default 'potential'.
    lookahead : bool, optional
        True: rates are phi of the prospective potential u + du/dt / g_total, the steady state of
        the present dendritic and teaching input (latent equilibrium), without the noise.
        Default False.
    negative_inputs : {'refuse', 'opponent'}, optional
        Treatment of signed inputs (``MicrocircuitParams.signed_inputs``): 'opponent' gives each
        input an ON and an OFF Poisson train at rates psi * max(r_0, 0) and psi * max(-r_0, 0); OFF
        spikes act with the sign reversed (one Brian2 neuron with a signed count per step).
        'refuse' refuses signed inputs in spiking mode. Default 'refuse'.

    Raises
    ------
    ParameterError
        If a field is outside its allowed values.
    """

    psi: Quantity = _default(100.0 / ms)
    tau_s: Quantity = _default(3.0 * ms)
    postsynaptic: str = "rate"
    interneuron_nudging: str = "potential"
    lookahead: bool = False
    negative_inputs: str = "refuse"

    #: The fields that change the generated code (psi and tau_s are run-time values).
    STRUCTURE = ("postsynaptic", "interneuron_nudging", "lookahead", "negative_inputs")

    def __post_init__(self) -> None:
        _scalar("SpikingParams.psi", self.psi, 1 / ms, "rate in spikes per time per unit rate (e.g. 100/ms)", True)
        _time("SpikingParams.tau_s", self.tau_s)
        for name, allowed in (
            ("postsynaptic", ("rate", "spikes")),
            ("interneuron_nudging", ("potential", "spikes")),
            ("negative_inputs", ("refuse", "opponent")),
        ):
            if getattr(self, name) not in allowed:
                raise ParameterError(f"SpikingParams.{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if not isinstance(self.lookahead, bool):
            raise ParameterError(f"SpikingParams.lookahead must be True or False, got {self.lookahead!r}")


@dataclass(frozen=True)
class MicrocircuitParams:
    """Everything that defines a microcircuit network.

    ``sizes`` are the pyramidal layer sizes (input, hidden..., output); each
    hidden layer k has as many interneurons as layer k+1 has pyramidal
    neurons (one-to-one nudging). ``hidden`` is one record for all hidden
    layers or a tuple with one per hidden layer. ``plastic`` names the
    pathways that get plasticity code at all; a plastic pathway with rate 0
    is frozen at run time without recompiling.

    Parameters
    ----------
    sizes : tuple of int, optional
        Pyramidal layer sizes (n_0, n_1, ..., n_N): input, hidden layers, output; at least 2, each an
        integer >= 1 (a list is stored as a tuple). Default (30, 20, 10).
    phi : TransferFunction, optional
        The transfer function phi from somatic potential to rate (``Logistic``, ``SoftRectifier`` or ``Tanh``).
        Default ``SoftRectifier()``.
    hidden : PyramidalParams or tuple of PyramidalParams, optional
        The hidden layers' pyramidal neurons: one record, or N - 1 (one per hidden layer).
        Default ``PyramidalParams()``.
    output : PyramidalParams, optional
        The output layer's pyramidal neurons; g_A must be 0 (no apical compartment), g_som is the
        output nudging. Default ``PyramidalParams(g_A=0/ms)``.
    interneuron : InterneuronParams or tuple of InterneuronParams, optional
        The interneurons: one record, or N - 1 (one per hidden layer). Default ``InterneuronParams()``.
    eta : LearningRates, optional
        Learning rates eta of Eqs. 7-10; its tuples must fit the network. Default ``LearningRates()``
        (all 0).
    plastic : frozenset of str, optional
        The pathways with plasticity code, among :data:`PATHWAYS` (a set, list or tuple is stored as a
        frozenset). Default ``{'bottom_up', 'ip', 'pi'}``.
    tau_w : Quantity or None, optional
        Time constant tau_w of the low-pass filter of the plasticity induction (the postsynaptic error
        times the presynaptic rate); larger than ``dt``. None: no filter. Default 30 ms.
    tau_input : Quantity or None, optional
        Time constant of the low-pass filter of the input rates r_0; larger than ``dt``. None: the
        rates follow the patterns directly. Default 3 ms.
    E_exc : float, optional
        Reversal potential of the excitatory teaching (nudging) conductance (dimensionless); finite,
        > ``E_inh``. The target potentials of nudged patterns must lie in [E_inh, E_exc]. Default 1.0.
    E_inh : float, optional
        Reversal potential of the inhibitory teaching (nudging) conductance (dimensionless); finite.
        Default -1.0.
    dt : Quantity, optional
        Time step of the neurons' Euler-Maruyama integration; > 0, and dt times the sum of each
        layer's conductances (see ``PyramidalParams``, ``InterneuronParams``) must lie in (0, 1).
        Default 0.1 ms.
    dt_plasticity : Quantity or None, optional
        Clock of the plasticity integration (Eqs. 7-10 and their tau_w filter): None, or a whole
        multiple >= 1 of ``dt``. None integrates every dt. Potentials are always updated every dt.
        With tau_w = 30 ms a 1 ms plasticity step changes Fig. 1's results by < 1e-3 and saves a third
        of the run time (README, benchmarks). Default None.
    signed_inputs : bool, optional
        Inputs r_0 are rates, >= 0. The regression task (section 3.3) draws them from U(-1, 1), signed
        deviations from a baseline rate; ``signed_inputs=True`` allows that. In spiking mode it needs
        ``SpikingParams(negative_inputs='opponent')``. Default False.
    mode : {'rate', 'spiking'}, optional
        'rate': rate units (the paper); 'spiking': every neuron emits Poisson spikes, with
        ``spiking``'s parameters. Default 'rate'.
    spiking : SpikingParams, optional
        The spiking neurons' parameters (used in spiking mode only). Default ``SpikingParams()``.
    thresholds : bool, optional
        Spiking mode only: a threshold b per pyramidal neuron (of its basal potential, the bottom-up
        projection's) and per interneuron (of v_D, the ip projection's), an input fixed at 1 with a
        plastic weight, as the spiking and steady-state engines have them. The traces decay to it,
        dv_B/dt = (b_B - v_B)/tau_s (and v_D to b_D), and start at it, so that v_B is the spike trace
        plus b_B; where the pathway is plastic, db/dt = eta e_post (Eq. 7 or 8 with presynaptic rate 1)
        at the projection's eta. The thresholds are the state's ``thresholds`` by projection name
        ('bottom_up_k', 'ip_k'). Rate mode refuses them (its dendritic potentials are the synapses'
        sums), and so does a tau_w filter of plastic thresholds. Default False (no thresholds; left out
        of the record's canonical JSON, so that records without them keep their digests).

    Raises
    ------
    ParameterError
        If a field is invalid; the message names the field, the value and the allowed range.
    """

    sizes: tuple[int, ...] = (30, 20, 10)
    phi: TransferFunction = field(default_factory=SoftRectifier)
    hidden: PyramidalParams | tuple[PyramidalParams, ...] = field(default_factory=PyramidalParams)
    output: PyramidalParams = field(default_factory=lambda: PyramidalParams(g_A=0.0 / ms))
    interneuron: InterneuronParams | tuple[InterneuronParams, ...] = field(default_factory=InterneuronParams)
    eta: LearningRates = field(default_factory=LearningRates)
    plastic: frozenset[str] = frozenset({"bottom_up", "ip", "pi"})
    tau_w: Quantity | None = _default(30.0 * ms)
    tau_input: Quantity | None = _default(3.0 * ms)
    E_exc: float = 1.0
    E_inh: float = -1.0
    dt: Quantity = _default(0.1 * ms)
    dt_plasticity: Quantity | None = None
    signed_inputs: bool = False
    mode: str = "rate"
    spiking: SpikingParams = field(default_factory=SpikingParams)
    thresholds: bool = field(default=False, metadata=OMIT_AT_DEFAULT)

    def __post_init__(self) -> None:
        if isinstance(self.sizes, list):
            object.__setattr__(self, "sizes", tuple(self.sizes))
        if isinstance(self.plastic, (set, list, tuple)):
            object.__setattr__(self, "plastic", frozenset(self.plastic))
        _check_record(self)

    @property
    def n_hidden(self) -> int:
        """The number N - 1 of hidden layers."""
        return len(self.sizes) - 2

    def hidden_layer(self, k: int) -> PyramidalParams:
        """Parameters of hidden layer k (1-based, as in the paper).

        Parameters
        ----------
        k : int
            The hidden layer, 1..N-1.

        Returns
        -------
        PyramidalParams
            The layer's record.
        """
        return self.hidden[k - 1] if isinstance(self.hidden, tuple) else self.hidden

    def interneuron_layer(self, k: int) -> InterneuronParams:
        """Parameters of the interneurons of hidden layer k (1-based).

        Parameters
        ----------
        k : int
            The hidden layer, 1..N-1.

        Returns
        -------
        InterneuronParams
            The layer's record.
        """
        return self.interneuron[k - 1] if isinstance(self.interneuron, tuple) else self.interneuron

    def pyramidal_layer(self, k: int) -> PyramidalParams:
        """Parameters of the pyramidal neurons of layer k (1-based): ``output`` for k = N.

        Parameters
        ----------
        k : int
            The layer, 1..N.

        Returns
        -------
        PyramidalParams
            The layer's record.
        """
        return self.output if k == len(self.sizes) - 1 else self.hidden_layer(k)

    @property
    def spiking_mode(self) -> bool:
        """True in spiking mode (``mode == 'spiking'``)."""
        return self.mode == "spiking"

    def replace(self, **changes) -> MicrocircuitParams:
        """A copy with the fields in ``changes`` replaced (``dataclasses.replace``), checked anew.

        Parameters
        ----------
        **changes
            New values by field name.

        Returns
        -------
        MicrocircuitParams
            The new record.

        Raises
        ------
        ParameterError
            If a field of the new record is invalid.
        """
        return replace(self, **changes)


def _check_record(p: MicrocircuitParams) -> None:
    """Raise ParameterError, naming the field, the value and the allowed range, on any invalid field."""
    if not isinstance(p.sizes, tuple) or len(p.sizes) < 2:
        raise ParameterError(f"sizes must be a tuple of at least 2 layer sizes (input, ..., output), got {p.sizes!r}")
    for k, size in enumerate(p.sizes):
        check_integer(f"sizes[{k}]", size, 1)
    if not isinstance(p.phi, TransferFunction):
        raise ParameterError(f"phi must be a TransferFunction (Logistic, SoftRectifier or Tanh), got {p.phi!r}")
    n = len(p.sizes) - 1
    for name, kind in (("hidden", PyramidalParams), ("interneuron", InterneuronParams)):
        value = getattr(p, name)
        if isinstance(value, tuple):
            if len(value) != n - 1 or not all(isinstance(v, kind) for v in value):
                raise ParameterError(
                    f"{name} must be one {kind.__name__} or a tuple of {n - 1} (one per hidden layer), "
                    f"got a tuple of {len(value)}"
                )
        elif not isinstance(value, kind):
            raise ParameterError(f"{name} must be a {kind.__name__} or a tuple of them, got {value!r}")
    if not isinstance(p.output, PyramidalParams):
        raise ParameterError(f"output must be a PyramidalParams, got {p.output!r}")
    if float(p.output.g_A * ms) != 0:
        raise ParameterError(f"output.g_A must be 0 (output neurons have no apical compartment), got {p.output.g_A}")
    if not isinstance(p.eta, LearningRates):
        raise ParameterError(f"eta must be a LearningRates record, got {p.eta!r}")
    p.eta.check_layers(n)
    if not isinstance(p.plastic, frozenset) or not p.plastic <= set(PATHWAYS):
        raise ParameterError(f"plastic must be a set of pathways among {PATHWAYS}, got {p.plastic!r}")
    for name in ("E_exc", "E_inh"):
        check_real(name, getattr(p, name), what=" (a dimensionless potential)")
    if p.E_exc <= p.E_inh:
        raise ParameterError(f"need E_exc > E_inh, got E_exc={p.E_exc}, E_inh={p.E_inh}")
    if not isinstance(p.signed_inputs, bool):
        raise ParameterError(f"signed_inputs must be True or False, got {p.signed_inputs!r}")
    if p.mode not in MODES:
        raise ParameterError(f"mode must be one of {MODES}, got {p.mode!r}")
    if not isinstance(p.spiking, SpikingParams):
        raise ParameterError(f"spiking must be a SpikingParams record, got {p.spiking!r}")
    if p.spiking_mode and p.signed_inputs and p.spiking.negative_inputs != "opponent":
        raise ParameterError(
            "signed_inputs=True in spiking mode needs a treatment of negative rates: "
            "spiking=SpikingParams(negative_inputs='opponent') (an ON and an OFF spike train per input)"
        )
    _check_thresholds(p)
    _check_times(p)


def _check_thresholds(p: MicrocircuitParams) -> None:
    """Thresholds: a bool; only in spiking mode, and plastic ones not with a tau_w filter."""
    if not isinstance(p.thresholds, bool):
        raise ParameterError(f"thresholds must be True or False, got {p.thresholds!r}")
    if not p.thresholds:
        return
    if not p.spiking_mode:
        raise ParameterError(
            "thresholds=True needs mode='spiking': the Brian2 rate network has no thresholds (its dendritic "
            "potentials are the sums of its synapses); the steady-state engine (SteadyStateEngine) has them"
        )
    plastic = sorted(p.plastic & {"bottom_up", "ip"})
    if plastic and p.tau_w is not None:
        raise ParameterError(
            f"thresholds=True with plastic {plastic} needs tau_w=None: the thresholds learn without a "
            f"filter (db/dt = eta e_post), got tau_w={p.tau_w}"
        )


def _check_times(p: MicrocircuitParams) -> None:
    dt = _time("dt", p.dt)
    for name in ("tau_w", "tau_input"):
        tau = getattr(p, name)
        if tau is not None and _time(name, tau) <= dt:
            raise ParameterError(f"{name}={tau} must be larger than dt={p.dt}, or None")
    if p.spiking_mode:
        count = float(p.spiking.psi * p.dt)
        if count > MAX_SPIKES_PER_STEP:
            raise ParameterError(
                f"spiking.psi={p.spiking.psi} gives psi*dt = {count:.4g} spikes per step at rate 1; "
                f"psi*dt must lie in (0, {MAX_SPIKES_PER_STEP}] (the count per step is a 32-bit integer)"
            )
        if float(p.spiking.tau_s / p.dt) <= 1:
            raise ParameterError(f"spiking.tau_s={p.spiking.tau_s} must be larger than dt={p.dt}")
    if p.dt_plasticity is not None:
        steps = _time("dt_plasticity", p.dt_plasticity) / dt
        if steps < 1 - 1e-9 or abs(steps - round(steps)) > 1e-9:
            raise ParameterError(
                f"dt_plasticity must be None or a whole multiple >= 1 of dt={p.dt}, got {p.dt_plasticity}"
            )
    n = len(p.sizes) - 1
    layers = [(f"hidden[{k - 1}]", p.hidden_layer(k), ("g_lk", "g_B", "g_A")) for k in range(1, n)]
    layers.append(("output", p.output, ("g_lk", "g_B", "g_som")))
    layers += [(f"interneuron[{k - 1}]", p.interneuron_layer(k), ("g_lk", "g_D", "g_som")) for k in range(1, n)]
    for label, layer, terms in layers:
        total = sum(float(getattr(layer, g) * ms) for g in terms)
        if not 0 < total * dt < 1:
            raise ParameterError(
                f"dt={p.dt} does not fit the conductances of {label}: dt*({' + '.join(terms)}) = {total * dt:.3g} "
                f"must lie in (0, 1), i.e. dt < {1 / total if total else float('inf'):.4g} ms with a conductance > 0"
            )


# Fig. S1: from random weights, IP and PI plasticity reach the self-predicting
# state; bottom-up weights stay as they are and no target is given. phi is the
# logistic: with the regression's soft rectifier (theta = 3), U(0, 1) inputs and
# U(-1, 1) weights leave the network nearly silent, and without the threshold
# the unbounded rates can make the random top-down loop run away.
FIG_S1 = MicrocircuitParams(
    sizes=(30, 20, 10),
    phi=Logistic(),
    dt_plasticity=1.0 * ms,
    eta=LearningRates(bottom_up=0.0 / ms, ip=0.0002375 / ms, pi=0.0005 / ms),
)

# Fig. 1: from the self-predicting state, one new target is learned.
FIG1 = FIG_S1.replace(
    eta=LearningRates(bottom_up=(0.0011875 / ms, 0.0005 / ms), ip=0.0011875 / ms, pi=0.0005 / ms),
)

# Fig. 2: 30-50-10 student, soft rectifier, top-down fixed (feedback alignment).
# Learning rates: the reproductions' IP and PI rates x2, output rate x10 and
# hidden rate x100. The hidden error reaches the input weights through two
# soft-rectifier slopes <= gamma = 0.1, so the reproductions' rates leave the
# hidden layer nearly frozen (README, regression). Teacher targets reach
# |u_trgt| ~ 21, inside the reversal potentials +-50. Noise 0.3/sqrt(ms): the weaker
# per-step reading of the reproductions' 0.3 (0.095/sqrt(ms)) stalls learning at
# 3.5x the loss, as fewer hidden neurons cross the threshold (README, regression).
_REGRESSION_SIGMA = 0.3 * ms**-0.5
REGRESSION = MicrocircuitParams(
    sizes=(30, 50, 10),
    dt_plasticity=1.0 * ms,
    phi=SoftRectifier(gamma=0.1, beta=1.0, theta=3.0),
    hidden=PyramidalParams(sigma=_REGRESSION_SIGMA),
    output=PyramidalParams(g_A=0.0 / ms, sigma=_REGRESSION_SIGMA),
    interneuron=InterneuronParams(sigma=_REGRESSION_SIGMA),
    eta=LearningRates(bottom_up=(0.11875 / ms, 0.005 / ms), ip=0.002375 / ms, pi=0.011875 / ms),
    E_exc=50.0,
    E_inh=-50.0,
    signed_inputs=True,
)

# Fig. 3: 784-500-500-10, logistic phi, weak apical feedback (lambda_hidden ~ 0.3) and interneuron
# nudging (lambda_I ~ 0.1) for the simplified steady-state dynamics; the output is nudged with
# lambda_N = 0.5, which the README's Fig. 3 section explains.
MNIST = MicrocircuitParams(
    sizes=(784, 500, 500, 10),
    phi=Logistic(),
    hidden=PyramidalParams(g_A=0.471 / ms, sigma=0.0 * ms**-0.5),
    output=PyramidalParams(g_A=0.0 / ms, g_som=1.1 / ms, sigma=0.0 * ms**-0.5),
    interneuron=InterneuronParams(g_som=0.12 / ms, sigma=0.0 * ms**-0.5),
    plastic=frozenset({"bottom_up", "ip"}),
    E_exc=5.0,
    E_inh=-5.0,
)

PARAMETER_SETS = {"fig_s1": FIG_S1, "fig1": FIG1, "regression": REGRESSION, "mnist": MNIST}

#: Every record type a stored parameter description may name (see brian_dendrites.canonical.from_json):
#: MicrocircuitParams and the records its fields hold, every transfer function among them.
RECORD_TYPES = record_types(MicrocircuitParams)

# The bars task (docs/bars.md): 9-30-3 with 3 interneurons, Fig. 1's logistic network, conductances
# and noise. Learning rates: Fig. 1's x10 for the output layer, IP and PI, and x100 for the hidden
# layer, whose error arrives attenuated (apical mixing 0.42 times a logistic slope <= 0.25); with
# Fig. 1's rates the hidden layer barely learns (25 % accuracy after 50 epochs). Spiking mode uses the
# prospective potential (lookahead): without it, accuracy keeps dropping from 100 % (docs/bars.md).
BARS = FIG1.replace(
    sizes=(9, 30, 3),
    eta=LearningRates(bottom_up=(0.11875 / ms, 0.005 / ms), ip=0.011875 / ms, pi=0.005 / ms),
    spiking=SpikingParams(lookahead=True),
)
PARAMETER_SETS["bars"] = BARS
