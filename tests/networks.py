"""Networks shared by the tests (a helper module, not a test module)."""

from brian2 import ms

from brian_dendrites import Logistic, MicrocircuitParams
from brian_dendrites.models.microcircuit import PATHWAYS, InterneuronParams, PyramidalParams

QUIET = 0.0 * ms**-0.5

#: Two hidden layers, every pathway plastic (Eqs. 7-10), no noise: the "any depth" network.
DEEP = MicrocircuitParams(
    sizes=(5, 4, 3, 2),
    phi=Logistic(),
    hidden=PyramidalParams(sigma=QUIET),
    output=PyramidalParams(g_A=0.0 / ms, sigma=QUIET),
    interneuron=InterneuronParams(sigma=QUIET),
    plastic=frozenset(PATHWAYS),
    E_exc=5.0,
    E_inh=-5.0,
)
DEEP_RECORD = {
    "pyramidal_1": ["u", "v_B", "v_A", "v_TD"],
    "pyramidal_2": ["u", "v_B", "v_A", "v_TD"],
    "pyramidal_3": ["u", "v_B"],
    "interneuron_1": ["u", "v_D"],
    "interneuron_2": ["u", "v_D"],
}
