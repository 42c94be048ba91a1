"""A residual MLP in numpy, with its backward pass written out: x_{b} = x_{b-1} + α_b · f_b(x_{b-1}).

Shapes and formulas (N examples as rows, width n, B blocks, each branch k dense layers)::

    input layer      x_0 = X @ W_in + b_in                                  (N, n_in) -> (N, n)
    block b          u_0 = φ(N_{b,0}(x_{b-1}))                               (N, n)
    (b = 1..B)       s_j = u_{j-1} @ W_{b,j} + b_{b,j},   u_j = φ(N_{b,j}(s_j))   j = 1..k-1
                     s_k = u_{k-1} @ W_{b,k} + b_{b,k}                         the branch f_b(x_{b-1})
                     x_b = x_{b-1} + α_b · s_k                                 the residual stream
    output layer     logits = N_out(x_B) @ W_out + b_out                     (N, n) -> (N, n_out)

N_{b,j} is LayerNorm, BatchNorm (``nninit.norm``) or nothing (``norm=None``): the "pre-activation"
ordering of He et al. (2016, "Identity mappings in deep residual networks"): norm → φ → dense, so
that the stream itself is never passed through φ and the skip path is the identity.

α_b is the branch scale: a fixed number (1 for a plain ResNet, 1/√B for GPT-2-style scaling), or a
learnable scalar per block (``learn_alpha=True``; SkipInit, De & Smith 2020, and ReZero, Bachlechner et
al. 2020, start it at ``alpha=0``). ``zero_last=True`` starts the last dense layer of every branch at
W = 0 (the core of Fixup, Zhang et al. 2019): every block is the identity at step 0.

backward, from g = dL/dx_b (the stream's gradient after block b):
    dL/dα_b = Σ g ⊙ s_k,   dL/ds_k = α_b · g,   dL/dW_{b,k} = u_{k-1}ᵀ dL/ds_k,   dL/du_{k-1} = dL/ds_k W_{b,k}ᵀ
    down the branch as in the MLP (through φ' and each norm's backward), and then
    dL/dx_{b-1} = g + (the branch's dL/dx_{b-1})                         (the skip adds the identity)

Layout for the probe, ``fit`` and the recorder: ``net.layers`` lists every dense layer in order
(input, block 1's k layers, block 2's, ..., output), each a :class:`~nninit.mlp.Dense` with ``W``
(fan_in, fan_out), and the probe's per-layer lists follow the same order ("sites"). At each site
``pre`` is that dense layer's output s and ``act`` is what it becomes:

* the input layer ("stream 0"): act = pre = x_0;
* a branch's inner layer j ("block b.j"): act = u_j = φ(N(s_j)); ``phi_in`` = N(s_j);
* a branch's last layer ("stream b"): act = x_b, **the residual stream** after block b;
* the output layer ("output"): act = pre = the logits.

``grad_act`` is dL/d(act) (at "stream b" sites the stream's full gradient, skip path included) and
``grad_pre`` is dL/ds. ``net.stream_sites`` are the indices of "stream 0", ..., "stream B".
"""

from __future__ import annotations

import copy as _copy
import numbers
from dataclasses import dataclass, field

import numpy as np

from . import _checks, activations, mlp, norm as _norm
from .mlp import Dense, Probe


@dataclass
class Trace(mlp.Trace):
    """A forward pass of a :class:`ResidualMLP`: per site ``pre``, ``act`` (see the module docstring),
    ``phi_in`` (the input of φ at inner branch sites, else None), and what backward needs (``cache``)."""

    phi_in: list = field(default_factory=list)
    cache: dict = field(default_factory=dict)


@dataclass
class Gradients(mlp.Gradients):
    """Per site: ``W``, ``b``, ``pre`` (dL/ds), ``act`` (dL/da); ``X`` = dL/dX or None; ``extra``: the
    gradients of ``net.extra_params`` (norm gains and biases, then α if learnable), in that order."""

    extra: list = field(default_factory=list)


@dataclass(repr=False)
class ResidualProbe(Probe):
    """A :class:`~nninit.mlp.Probe` of a residual net: its sites are named ("stream 0", "block 1.1",
    "stream 1", ..., "output") and ``stream_sites`` index the residual stream."""

    names: list = field(default_factory=list)
    stream_sites: list = field(default_factory=list)

    @property
    def layer_names(self) -> list[str]:
        return list(self.names)


class ResidualMLP:
    """A residual MLP: an input layer, ``n_blocks`` residual blocks x + α·f(x), and a linear output layer.

    Parameters
    ----------
    n_in, width, n_out : input width, the stream's width (every branch layer is width × width), classes.
    n_blocks : number of residual blocks B.
    branch_depth : dense layers per branch k (>= 1; default 2, as in a ResNet basic block).
    activation : the φ of every branch (a registry name or an Activation).
    init : initializer of every dense layer's W (name or function, as for :class:`~nninit.MLP`);
        ``output_init`` overrides it for the output layer (e.g. ``"zeros"``); ``bias_init`` for every b.
    alpha : the branch scale α (a number >= 0, the same for every block).
    learn_alpha : if True, α is a trainable scalar per block, starting at ``alpha`` (SkipInit/ReZero: 0).
    zero_last : if True, the last dense layer of every branch starts at W = 0 (Fixup's zero-init).
    norm : None, "layer" (LayerNorm) or "batch" (BatchNorm) before every φ and before the output layer.
    rng, dtype : as for :class:`~nninit.MLP` (float32 by default); layers draw from ``rng`` in order.

    Attributes: ``layers`` (every dense layer, in site order), ``norms`` (per block a list of k norm
    layers, or None), ``out_norm``, ``alpha`` (array (B,)), ``extra_params``, ``stream_sites``,
    ``layer_names``, ``sizes`` (fan_in of every layer, then n_out), ``n_layers``, ``activation``.
    """

    def __init__(self, n_in, width, n_out, n_blocks, *, branch_depth=2, activation="relu",
                 init="he_normal", output_init=None, bias_init="zeros", alpha=1.0, learn_alpha=False,
                 zero_last=False, norm=None, rng=None, dtype=np.float32):
        n_in, width, n_out = (_checks.positive_int(a, v) for a, v in
                              (("n_in", n_in), ("width", width), ("n_out", n_out)))
        self.n_blocks = _checks.positive_int("n_blocks", n_blocks)
        self.branch_depth = k = _checks.positive_int("branch_depth", branch_depth)
        self.activation = activations.get(activation)
        self.dtype = mlp._check_dtype(dtype)
        alpha = _checks.real("alpha", alpha, nonnegative=True)
        for arg, flag in (("learn_alpha", learn_alpha), ("zero_last", zero_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{arg} must be True or False; got {flag!r}")
        if zero_last and learn_alpha and alpha == 0:
            raise ValueError("zero_last=True with learn_alpha=True and alpha=0 never trains the branches:"
                             " dL/dα = Σ g ⊙ f(x) and dL/dW = α·(...) are then both 0; choose one of the two")
        self.learn_alpha, self.zero_last = bool(learn_alpha), bool(zero_last)
        self.norm = None if norm is None else _checks.choice("norm", norm, _norm.NORMS)
        self.init, self.output_init, self.bias_init = init, output_init, bias_init

        gen = _checks.generator(rng)
        self.sizes = [n_in] + [width] * (self.n_blocks * k + 1) + [n_out]
        w_init = mlp._one("init", init)
        out_init = w_init if output_init is None else mlp._one("output_init", output_init)
        b_init = mlp._one("bias_init", bias_init)
        n_sites = len(self.sizes) - 1
        self.layers = []
        for i, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            last_of_branch = 0 < i < n_sites - 1 and i % k == 0
            f = out_init if i == n_sites - 1 else w_init
            W = mlp._draw("init", f, (fan_in, fan_out), gen, self.dtype, i, n_sites)
            if zero_last and last_of_branch:
                W[...] = 0
            b = mlp._draw("bias_init", b_init, (fan_out,), gen, self.dtype, i, n_sites)
            self.layers.append(Dense(W, b))
        self.alpha = np.full(self.n_blocks, alpha, dtype=self.dtype)
        if self.norm is None:
            self.norms, self.out_norm = None, None
        else:
            self.norms = [[_norm.make(self.norm, width, dtype=self.dtype) for _ in range(k)]
                          for _ in range(self.n_blocks)]
            self.out_norm = _norm.make(self.norm, width, dtype=self.dtype)
        self.stream_sites = [0] + [b * k for b in range(1, self.n_blocks + 1)]
        self.layer_names = (["stream 0"]
                            + [f"block {b}.{j}" if j < k else f"stream {b}"
                               for b in range(1, self.n_blocks + 1) for j in range(1, k + 1)]
                            + ["output"])

    def __repr__(self) -> str:
        return (f"ResidualMLP({self.sizes[0]} -> {self.n_blocks} blocks of {self.branch_depth} x {self.sizes[1]}"
                f" -> {self.sizes[-1]}, activation={self.activation.name!r}, alpha={'learned' if self.learn_alpha else float(self.alpha[0]):}"
                f"{', zero_last' if self.zero_last else ''}, norm={self.norm!r}, dtype={self.dtype.name})")

    @property
    def n_layers(self) -> int:
        """Number of dense layers (sites): 1 + n_blocks·branch_depth + 1."""
        return len(self.layers)

    @property
    def extra_params(self) -> list:
        """Trainable arrays besides the dense layers' W and b: every norm's gain and bias (block by
        block, then the output norm), then α (B,) if ``learn_alpha``."""
        out = []
        if self.norms is not None:
            for block in self.norms:
                for n in block:
                    out += n.params
            out += self.out_norm.params
        if self.learn_alpha:
            out.append(self.alpha)
        return out

    @property
    def n_params(self) -> int:
        return sum(l.W.size + l.b.size for l in self.layers) + sum(p.size for p in self.extra_params)

    def gains(self) -> np.ndarray:
        """Each dense layer's std(W)·√fan_in."""
        return np.array([np.std(l.W, dtype=np.float64) * np.sqrt(l.fan_in) for l in self.layers])

    def copy(self) -> "ResidualMLP":
        return _copy.deepcopy(self)

    _input = mlp.MLP._input

    # ---------------------------------------------------------------- forward

    def _pass(self, X, *, training: bool, update: bool) -> Trace:
        """One forward pass keeping every site's s and a (and the caches backward needs)."""
        phi, k, L = self.activation.fn, self.branch_depth, self.layers
        X = self._input(X)
        trace = Trace(X, [], [], phi_in=[], cache={"u": [], "norm": [], "z0": []})
        u_list, n_cache, z0_list = trace.cache["u"], trace.cache["norm"], trace.cache["z0"]

        def site(s, a, z=None):
            trace.pre.append(s)
            trace.act.append(a)
            trace.phi_in.append(z)

        def normed(h, b, j):
            if self.norms is None:
                n_cache.append(None)
                return h
            y, c = self.norms[b][j].forward(h, training=training, update=update)
            n_cache.append(c)
            return y

        x = X @ L[0].W + L[0].b
        site(x, x)
        for b in range(self.n_blocks):
            z = normed(x, b, 0)
            z0_list.append(z)
            u = phi(z)
            for j in range(1, k + 1):
                layer = L[b * k + j]
                u_list.append(u)                      # the input of dense layer j of block b
                s = u @ layer.W + layer.b
                if j < k:
                    z = normed(s, b, j)
                    u = phi(z)
                    site(s, u, z)
                else:
                    x = x + self.alpha[b] * s
                    site(s, x)
        if self.out_norm is not None:
            h, trace.cache["out_norm"] = self.out_norm.forward(x, training=training, update=update)
        else:
            h = x
        trace.cache["h_out"] = h
        out = h @ L[-1].W + L[-1].b
        site(out, out)
        return trace

    def trace(self, X, *, update_stats: bool = True, out=None) -> Trace:
        """Training-mode forward pass (BatchNorm uses the batch's statistics and, with ``update_stats``,
        moves its running ones). ``out`` is accepted for ``fit``'s interface; arrays are fresh each pass."""
        return self._pass(X, training=True, update=update_stats)

    def forward(self, X) -> np.ndarray:
        """The logits (N, n_out) in evaluation mode (BatchNorm uses its running statistics)."""
        return self._pass(X, training=False, update=False).output

    __call__ = forward

    def predict(self, X) -> np.ndarray:
        return np.argmax(self.forward(X), axis=1)

    # ---------------------------------------------------------------- backward

    def backward(self, trace: Trace, grad_out: np.ndarray, *, input_grad: bool = False, out=None) -> Gradients:
        """Back-propagate dL/d(logits) through the training-mode pass ``trace``; the net is not changed."""
        k, L, n = self.branch_depth, self.layers, self.n_layers
        dphi = self.activation.grad
        u_list, n_cache = trace.cache["u"], trace.cache["norm"]
        grads = Gradients([None] * n, [None] * n, [None] * n, [None] * n)
        extra_norm = []                                     # per block, per position: (dγ, dβ)

        def site(i, g_s, g_a, a_in):
            grads.pre[i], grads.act[i] = g_s, g_a
            grads.W[i] = a_in.T @ g_s
            grads.b[i] = g_s.sum(axis=0)

        def norm_back(g, b, j):
            if self.norms is None:
                return g
            dx, dg, db = self.norms[b][j].backward(g, n_cache[b * k + j])
            extra_norm[b][j] = (dg, db)
            return dx

        site(n - 1, grad_out, grad_out, trace.cache["h_out"])
        g_x = grad_out @ L[-1].W.T                          # dL/dh_out
        if self.out_norm is not None:
            g_x, dg_out, db_out = self.out_norm.backward(g_x, trace.cache["out_norm"])
        d_alpha = np.zeros(self.n_blocks, dtype=self.dtype)
        extra_norm = [[None] * k for _ in range(self.n_blocks)]
        for b in reversed(range(self.n_blocks)):
            i_last = (b + 1) * k                            # the site "stream b+1"
            s_k = trace.pre[i_last]
            d_alpha[b] = np.sum(g_x * s_k)
            g_s = self.alpha[b] * g_x
            site(i_last, g_s, g_x, u_list[b * k + k - 1])
            g_u = g_s @ L[i_last].W.T                       # dL/du_{k-1}
            for j in range(k - 1, 0, -1):                   # inner sites of the branch, top down
                i = b * k + j
                g_z = g_u * dphi(trace.phi_in[i])
                g_s = norm_back(g_z, b, j)
                site(i, g_s, g_u, u_list[b * k + j - 1])
                g_u = g_s @ L[i].W.T
            # u_0 = φ(N_{b,0}(x_{b-1})): back through φ and the norm to the stream
            g_x = g_x + norm_back(g_u * dphi(trace.cache["z0"][b]), b, 0)
        site(0, g_x, g_x, trace.X)
        if input_grad:
            grads.X = g_x @ L[0].W.T
        if self.norms is not None:
            for b in range(self.n_blocks):
                for j in range(k):
                    grads.extra += list(extra_norm[b][j])
            grads.extra += [dg_out, db_out]
        if self.learn_alpha:
            grads.extra.append(d_alpha)
        return grads

    # ---------------------------------------------------------------- convenience

    def loss(self, X, y, loss: str = "cross_entropy") -> float:
        """The mean loss on (X, y), in evaluation mode."""
        return mlp._loss_and_grad(loss, self.forward(X), y, self.sizes[-1])[0]

    def gradients(self, X, y, loss: str = "cross_entropy") -> tuple[float, Gradients]:
        """One training-mode forward and backward pass (running statistics untouched): loss and every
        gradient, dL/dX included."""
        trace = self.trace(X, update_stats=False)
        value, g = mlp._loss_and_grad(loss, trace.output, y, self.sizes[-1])
        return value, self.backward(trace, g, input_grad=True)

    def probe(self, X, y=None, *, loss: str = "cross_entropy", rng=0) -> ResidualProbe:
        """One training-mode forward and backward pass, every site kept (running statistics untouched);
        as :meth:`nninit.MLP.probe` (``y=None``: dL/d(output) drawn N(0, 1)/N from ``rng``)."""
        gen = _checks.generator(rng)
        _checks.choice("loss", loss, mlp.LOSSES)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            trace = self.trace(X, update_stats=False)
            n = trace.X.shape[0]
            if y is None:
                value = float("nan")
                g = (gen.standard_normal((n, self.sizes[-1])) / n).astype(self.dtype)
            else:
                value, g = mlp._loss_and_grad(loss, trace.output, y, self.sizes[-1])
            grads = self.backward(trace, g)
        return ResidualProbe(trace.pre, trace.act, grads.pre, grads.act, grads.W, grads.b, value,
                             list(self.sizes), self.activation.name, names=list(self.layer_names),
                             stream_sites=list(self.stream_sites))
