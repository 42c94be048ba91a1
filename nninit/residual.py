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
    dL/dα_b = Σ g ⊙ s_k,   dL/ds_k = α_b · g,   dL/dW_{b,k} = u_{k-1}ᵀ dL/ds_k,
    dL/du_{k-1} = dL/ds_k W_{b,k}ᵀ
    down the branch as in the MLP (through φ' and each norm's backward), and then
    dL/dx_{b-1} = g + (the branch's dL/dx_{b-1})                         (the skip adds the identity)

Layout for the probe, ``fit`` and the recorder: ``net.layers`` lists every dense layer in order
(input, block 1's k layers, block 2's, ..., output), each a :class:`ResidualDense` with ``W``
(fan_in, fan_out) and ``b``, and the probe's per-layer lists follow the same order ("sites"). A layer
also owns the norm in front of it (``layer.norm``: the N whose output, through φ, it reads; the output
layer owns N_out) and the last layer of a branch owns its block's α (``layer.alpha``, shape (1,)), so
``layer.params`` lists every trainable array by name ("W", "b", and "gain", "bias" of its norm, "alpha"
when α is learned) and ``Gradients.params(l)`` the matching gradients. At each site
``pre`` is that dense layer's output s and ``act`` is what it becomes:

* the input layer ("stream 0"): act = pre = x_0;
* a branch's inner layer j ("block b.j"): act = u_j = φ(N(s_j));
* a branch's last layer ("stream b"): act = x_b, **the residual stream** after block b;
* the output layer ("output"): act = pre = the logits.

``grad_act`` is dL/d(act) (at "stream b" sites the stream's full gradient, skip path included) and
``grad_pre`` is dL/ds. ``net.stream_sites`` are the indices of "stream 0", ..., "stream B".
"""

from __future__ import annotations

import contextlib
import copy as _copy
from dataclasses import dataclass, field

import numpy as np

from . import _checks, activations, mlp, norm as _norm
from .mlp import Dense, Probe


_EXTRA = ("gain", "bias", "alpha")      # a layer's parameters beyond W and b, in this order


@dataclass
class ResidualDense(Dense):
    """A dense layer ``s = a @ W + b`` of a residual net, with the norm in front of it (or None) and,
    for the last layer of a branch, its block's α (array (1,); ``learn_alpha`` says if it trains)."""

    norm: object = None
    alpha: np.ndarray | None = None
    learn_alpha: bool = False

    @property
    def params(self) -> dict:
        """Every trainable array of the layer by name (the arrays themselves, updated in place)."""
        out = {"W": self.W, "b": self.b}
        if self.norm is not None:
            out["gain"], out["bias"] = self.norm.gain, self.norm.bias
        if self.learn_alpha:
            out["alpha"] = self.alpha
        return out


@dataclass
class Trace(mlp.Trace):
    """A forward pass of a :class:`ResidualMLP`: per site ``pre`` and ``act`` (see the module
    docstring); ``cache`` holds, per layer i, its input ``u[i]``, the φ input ``z[i]`` of a branch
    layer and its norm's cache ``norm[i]``, what backward needs."""

    cache: dict = field(default_factory=dict)


@dataclass
class Gradients(mlp.Gradients):
    """One backward pass, per site: what :class:`nninit.mlp.Gradients` holds (``grad_W``, ``grad_b``,
    ``grad_pre``, ``grad_act``, ``grad_X``) and ``grad_extra`` (a dict per site: dL/d"gain",
    dL/d"bias" of the site's norm, dL/d"alpha")."""

    grad_extra: list = field(default_factory=list)

    def params(self, l: int) -> dict:
        """Site ``l``'s parameter gradients by name, in the order of ``net.layers[l].params``."""
        extra = self.grad_extra[l]
        return {**super().params(l), **{k: extra[k] for k in _EXTRA if k in extra}}

    def __repr__(self) -> str:
        return f"Gradients({len(self.grad_W)} sites{', with dL/dX' if self.grad_X is not None else ''})"


@dataclass(repr=False)
class ResidualProbe(Probe):
    """A :class:`~nninit.mlp.Probe` of a residual net (sites named "stream 0", "block 1.1", "stream 1",
    ..., "output" in ``layer_names``) that also knows ``stream_sites``, the indices of the stream."""

    stream_sites: list = field(default_factory=list)


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

    Attributes: ``layers`` (every dense layer, in site order), ``alpha`` (array (B,), a copy),
    ``stream_sites``, ``layer_names``, ``sizes`` (fan_in of every layer, then n_out), ``n_layers``,
    ``activation``, ``norm``, ``n_blocks``, ``branch_depth``.
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
            branch_last = 0 < i < n_sites - 1 and i % k == 0
            W = mlp._draw("init", out_init if i == n_sites - 1 else w_init, (fan_in, fan_out), gen,
                          self.dtype, i, n_sites)
            if zero_last and branch_last:
                W[...] = 0
            b = mlp._draw("bias_init", b_init, (fan_out,), gen, self.dtype, i, n_sites)
            layer = ResidualDense(W, b)
            if self.norm is not None and i > 0:            # every layer but the input one reads a norm
                layer.norm = _norm.make(self.norm, fan_in, dtype=self.dtype)
            if branch_last:
                layer.alpha = np.full(1, alpha, dtype=self.dtype)
                layer.learn_alpha = self.learn_alpha
            self.layers.append(layer)
        self._update_stats = True
        self.stream_sites = [0] + [b * k for b in range(1, self.n_blocks + 1)]
        # where act = φ(pre), so that saturated and dead shares mean what they say (docs/engine.md):
        # the inner branch sites, and only without a norm (there act = φ(N(pre)))
        self.phi_layers = ([] if self.norm else
                           [i for i in range(1, len(self.layers) - 1) if i not in self.stream_sites])
        self.layer_names = (["stream 0"]
                            + [f"block {b}.{j}" if j < k else f"stream {b}"
                               for b in range(1, self.n_blocks + 1) for j in range(1, k + 1)]
                            + ["output"])

    def __repr__(self) -> str:
        a = "learned" if self.learn_alpha else f"{float(self.alpha[0]):.4g}"
        return (f"ResidualMLP({self.sizes[0]} -> {self.n_blocks} blocks of {self.branch_depth}"
                f" x {self.sizes[1]}"
                f" -> {self.sizes[-1]}, activation={self.activation.name!r}, alpha={a}"
                f"{', zero_last' if self.zero_last else ''}, norm={self.norm!r}, dtype={self.dtype.name})")

    @property
    def n_layers(self) -> int:
        """Number of dense layers (sites): 1 + n_blocks·branch_depth + 1."""
        return len(self.layers)

    @property
    def alpha(self) -> np.ndarray:
        """Every block's α, (B,) (a copy; each lives in its branch's last layer)."""
        return np.concatenate([self.layers[i].alpha for i in self.stream_sites[1:]])

    @property
    def n_params(self) -> int:
        return sum(p.size for layer in self.layers for p in layer.params.values())

    def gains(self) -> np.ndarray:
        """Each dense layer's std(W)·√fan_in."""
        return np.array([np.std(l.W, dtype=np.float64) * np.sqrt(l.fan_in) for l in self.layers])

    def copy(self) -> "ResidualMLP":
        return _copy.deepcopy(self)

    check_input = mlp.MLP.check_input

    # ---------------------------------------------------------------- forward

    def _pass(self, X, *, training: bool, update: bool) -> Trace:
        """One forward pass keeping every site's s and a, and per layer i (in ``cache``) its input
        ``u[i]``, the φ input ``z[i]`` of a branch layer and its norm's cache ``norm[i]``."""
        phi, L = self.activation.fn, self.layers
        X = self.check_input(X)
        n = len(L)
        u, z, nc = [None] * n, [None] * n, [None] * n
        trace = Trace(X, [], [], cache={"u": u, "z": z, "norm": nc})

        def normed(i, h):
            if L[i].norm is None:
                return h
            y, nc[i] = L[i].norm.forward(h, training=training, update=update)
            return y

        u[0] = X
        x = X @ L[0].W + L[0].b                      # the stream x_0
        trace.pre.append(x)
        trace.act.append(x)
        h = x                                        # what the next layer reads: the stream or an inner s
        for i in range(1, n - 1):
            z[i] = normed(i, h)
            u[i] = phi(z[i])
            if L[i - 1].alpha is None and i > 1:     # the previous site is inner: its act is this φ(N(s))
                trace.act[i - 1] = u[i]
            s = u[i] @ L[i].W + L[i].b
            trace.pre.append(s)
            if L[i].alpha is None:                   # inner layer: act filled in by the next layer
                trace.act.append(None)
                h = s
            else:                                    # last layer of its branch: x_b = x_{b-1} + α s
                x = x + L[i].alpha * s
                trace.act.append(x)
                h = x
        u[-1] = normed(n - 1, x)
        out = u[-1] @ L[-1].W + L[-1].b
        trace.pre.append(out)
        trace.act.append(out)
        return trace

    def trace(self, X, *, out=None) -> Trace:
        """Training-mode forward pass: BatchNorm normalises with the batch's statistics and moves its
        running ones (not inside :meth:`probe` or :meth:`gradients`, which leave them alone). ``out``
        is accepted for the engine contract (docs/engine.md); the arrays are fresh each pass."""
        return self._pass(X, training=True, update=self._update_stats)

    @contextlib.contextmanager
    def _frozen_stats(self):
        """BatchNorm's running statistics stay as they are inside this block."""
        keep, self._update_stats = self._update_stats, False
        try:
            yield
        finally:
            self._update_stats = keep

    def forward(self, X) -> np.ndarray:
        """The logits (N, n_out) in evaluation mode (BatchNorm uses its running statistics).

        An overflow inside the network gives inf/NaN logits without a warning, as in
        :meth:`nninit.MLP.forward`; :meth:`predict` refuses to label them.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self._pass(X, training=False, update=False).output

    __call__ = forward

    predict = mlp.MLP.predict   # labels (N,); refuses rows whose logits overflowed

    # ---------------------------------------------------------------- backward

    def backward(self, trace: Trace, grad_out: np.ndarray, *, input_grad: bool = False,
                 out=None) -> Gradients:
        """Back-propagate dL/d(logits) through the training-mode pass ``trace``; the net is not changed.
        ``out`` is accepted for ``fit``'s interface (arrays are fresh each pass)."""
        L, n, dphi = self.layers, self.n_layers, self.activation.grad
        u, z, nc = trace.cache["u"], trace.cache["z"], trace.cache["norm"]
        g = Gradients([None] * n, [None] * n, [None] * n, [None] * n, grad_extra=[{} for _ in range(n)])

        def dense(i, g_s, g_a):
            """Record site i's gradients and return dL/d(its input u[i])."""
            g.grad_pre[i], g.grad_act[i] = g_s, g_a
            g.grad_W[i] = u[i].T @ g_s
            g.grad_b[i] = g_s.sum(axis=0)
            return g_s @ L[i].W.T

        def unnorm(i, g_z):
            """Back through the norm in front of layer i (if any): dL/d(its input), and dL/dγ, dL/dβ."""
            if L[i].norm is None:
                return g_z
            dx, g.grad_extra[i]["gain"], g.grad_extra[i]["bias"] = L[i].norm.backward(g_z, nc[i])
            return dx

        g_u = dense(n - 1, grad_out, grad_out)                  # dL/d(N_out(x_B))
        g_x = unnorm(n - 1, g_u)                                # dL/dx_B
        for i in range(n - 2, -1, -1):
            if i < n - 2:                                       # layer i+1 read φ(N(h_i)): back to h_i
                g_h = unnorm(i + 1, g_u * dphi(z[i + 1]))
                if i > 0 and L[i].alpha is None:                # h_i = s_i of an inner site
                    g_u = dense(i, g_h, g_u)                    # its act is u[i+1]: dL/da = dL/du[i+1]
                    continue
                g_x = g_x + g_h                                 # h_i is the stream: skip + branch
            if i == 0:
                g_u = dense(0, g_x, g_x)
            else:                                               # last layer of a branch
                alpha = L[i].alpha
                if L[i].learn_alpha:
                    g.grad_extra[i]["alpha"] = np.sum(g_x * trace.pre[i], dtype=self.dtype).reshape(1)
                g_u = dense(i, alpha * g_x, g_x)
        if input_grad:
            g.grad_X = g_u
        return g

    # ---------------------------------------------------------------- convenience

    def loss(self, X, y, loss: str = "cross_entropy") -> float:
        """The mean loss on (X, y), in evaluation mode."""
        return mlp._loss_and_grad(loss, self.forward(X), y, self.sizes[-1])[0]

    def gradients(self, X, y, loss: str = "cross_entropy") -> tuple[float, Gradients]:
        """One training-mode forward and backward pass (running statistics untouched): the loss and
        every gradient, dL/dX included."""
        with self._frozen_stats():
            trace = self.trace(X)
        value, g = mlp._loss_and_grad(loss, trace.output, y, self.sizes[-1])
        return value, self.backward(trace, g, input_grad=True)

    def probe(self, X, y=None, *, loss: str = "cross_entropy", rng=0) -> ResidualProbe:
        """:func:`nninit.mlp.probe` of this net in training mode, running statistics untouched; the
        result also carries ``stream_sites``."""
        with self._frozen_stats():
            p = mlp.probe(self, X, y, loss=loss, rng=rng)
        return ResidualProbe(**vars(p), stream_sites=list(self.stream_sites))
