"""nninit: how to initialise the weights of a neural network, and why.

``import nninit`` gives the initializers (``nninit.he_normal((256, 128), rng=0)``), the registry
(``nninit.get``, ``nninit.available``), the source article's five functions, and the numpy MLP with
its instruments. Plots and widgets live in ``nninit.plots`` and ``nninit.widgets`` and are imported
only when asked for, so that ``import nninit`` never loads matplotlib or ipywidgets.
"""

from . import activations, data, initializers, theory
from .article import he_init, normal_init, random_init, random_init_loop, uniform_init, xavier_init
from .initializers import (
    available,
    calculate_gain,
    compute_fans,
    constant,
    get,
    he_normal,
    he_uniform,
    lecun_normal,
    lecun_uniform,
    normal,
    ones,
    orthogonal,
    truncated_normal,
    uniform,
    variance_scaling,
    xavier_normal,
    xavier_uniform,
    zeros,
)

from .lsuv import lsuv
from .mlp import MLP, Probe
from .residual import ResidualMLP
from .training import History, fit

glorot_uniform, glorot_normal = xavier_uniform, xavier_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal

__version__ = "0.1.0"
