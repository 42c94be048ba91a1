"""A multi-layer perceptron in numpy, with its backward pass written out, small enough to read at once.

Shapes and formulas (N examples as rows, L dense layers, ``sizes = [n_0, n_1, ..., n_L]``)::

    input          a_0 = X                                   (N, n_0)
    layer l        W_l (n_{l-1}, n_l)   b_l (n_l,)           fan_in = n_{l-1}, fan_out = n_l
    pre-activation s_l = a_{l-1} @ W_l + b_l                 (N, n_l)
    activation     a_l = φ(s_l)  for l < L;   a_L = s_L      (the output layer is linear: logits)

    backward, from g = dL/ds_L (N, n_L) given by the loss:
    dL/dW_l     = a_{l-1}ᵀ @ dL/ds_l                         (n_{l-1}, n_l)
    dL/db_l     = Σ_n dL/ds_l  (sum over the examples)       (n_l,)
    dL/da_{l-1} = dL/ds_l @ W_lᵀ                             (N, n_{l-1})
    dL/ds_{l-1} = dL/da_{l-1} ⊙ φ'(s_{l-1})                  (N, n_{l-1})

Losses, averaged over the N examples of a batch (both numerically stable):

    cross-entropy  L = (1/N) Σ_n [log Σ_k exp z_nk − z_n,y_n]     dL/dz = (softmax(z) − onehot(y)) / N
                   (log Σ exp computed as m + log Σ exp(z − m), m = max_k z_nk: no overflow)
    mean squared   L = (1/(N·K)) Σ_n Σ_k (z_nk − t_nk)²           dL/dz = 2 (z − t) / (N·K)

Everything is vectorised over examples and units: there is no Python loop but the one over layers.
Arrays keep the network's dtype (float32 by default, float64 on request) through forward, backward
and the update.

>>> from nninit import data
>>> X, y = data.spirals(n=60, classes=3, rng=0)
>>> net = MLP([2, 64, 64, 3], activation="relu", init="he_normal", rng=0)
>>> probe = net.probe(X, y)                       # every layer's s, a, dL/ds, dL/da, dL/dW at once
>>> [a.shape for a in probe.act]
[(60, 64), (60, 64), (60, 3)]
"""

from __future__ import annotations

import copy as _copy
import numbers
from dataclasses import dataclass, field

import numpy as np

from . import _checks, activations, initializers

LOSSES = ("cross_entropy", "mse")


# --------------------------------------------------------------------------- losses


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy of ``logits`` (N, K) against integer labels ``y`` (N,), and dL/dlogits.

    L = mean_n [logsumexp(z_n) − z_n,y_n]; the gradient (softmax(z) − onehot(y)) / N has the logits'
    shape and dtype. Stable for any finite logits (the row maximum is subtracted before exp).
    """
    n = logits.shape[0]
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)   # <= 0, so exp cannot overflow
    picked = shifted[rows, y]                              # z_n,y_n − m_n
    exp = np.exp(shifted, out=shifted)                     # in place: one (N, K) array in all
    total = exp.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - picked))
    exp /= total * n                                       # softmax / N
    exp[rows, y] -= 1.0 / n                                # (softmax − onehot) / N
    return loss, exp


def mse(output: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over all N·K entries, and dL/doutput = 2 (output − target) / (N·K)."""
    diff = output - target
    loss = float(np.mean(np.square(diff, dtype=np.float64)))
    diff *= 2.0 / diff.size
    return loss, diff


def targets(loss: str, y, n_examples: int, n_out: int, *, arg: str = "y") -> np.ndarray:
    """Check ``y`` for ``loss`` and return it as the loss function wants it.

    cross_entropy: integer class labels (N,) in [0, n_out) (floats holding whole numbers are accepted).
    mse: real targets (N, n_out), or (N,) when n_out == 1, or integer labels (N,) which become one-hot.
    """
    _checks.choice("loss", loss, LOSSES)
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"{arg} must hold numbers; got an array of dtype {y.dtype}")
    if y.shape[:1] != (n_examples,):
        raise ValueError(
            f"{arg} must have one entry per example of X ({n_examples} rows); got shape {y.shape}"
        )
    labels = class_labels(y)
    if loss == "cross_entropy":
        if y.ndim != 1 or labels is None:
            raise ValueError(
                f"{arg} must be integer class labels of shape ({n_examples},) for loss='cross_entropy';"
                f" got shape {y.shape}, dtype {y.dtype}"
            )
        bad = (labels < 0) | (labels >= n_out)
        if bad.any():
            raise ValueError(
                f"{arg} holds labels outside 0..{n_out - 1} (the network has {n_out} outputs);"
                f" got {int(labels[bad][0])}"
            )
        return labels
    if y.ndim == 1 and labels is not None and n_out > 1:       # class labels -> one-hot targets
        if labels.min() < 0 or labels.max() >= n_out:
            raise ValueError(
                f"{arg} holds labels outside 0..{n_out - 1}; got min {labels.min()}, max {labels.max()}"
            )
        return np.eye(n_out)[labels]
    if y.ndim == 1 and n_out == 1:
        y = y[:, None]
    if y.shape != (n_examples, n_out):
        raise ValueError(
            f"{arg} must have shape ({n_examples}, {n_out}) for loss='mse' (or integer labels"
            f" ({n_examples},)); got {y.shape}"
        )
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{arg} must be finite; it holds NaN or inf")
    return y.astype(np.float64)


def class_labels(y) -> np.ndarray | None:
    """``y`` as int64 class labels if it is a 1-D array of whole numbers, else None.

    >>> class_labels(np.array([0.0, 2.0, 1.0]))
    array([0, 2, 1])
    """
    y = np.asarray(y)
    if y.ndim != 1:
        return None
    if y.dtype.kind in "biu":
        return y.astype(np.int64)
    if np.all(np.isfinite(y)) and np.all(y == np.round(y)):
        return y.astype(np.int64)
    return None


# --------------------------------------------------------------------------- the network


@dataclass
class Dense:
    """One dense layer: ``s = a @ W + b`` with ``W`` (fan_in, fan_out) and ``b`` (fan_out,)."""

    W: np.ndarray
    b: np.ndarray

    @property
    def fan_in(self) -> int:
        return self.W.shape[0]

    @property
    def fan_out(self) -> int:
        return self.W.shape[1]

    @property
    def params(self) -> dict:
        """The layer's parameters by name (the arrays themselves: an optimizer updates them in place)."""
        return {"W": self.W, "b": self.b}


@dataclass
class Trace:
    """What one forward pass leaves behind for the backward pass: the input and, per layer
    (index 0 = first layer after the input), the pre-activation ``pre[l]`` = s and ``act[l]`` = φ(s)
    (for the output layer ``act[-1] is pre[-1]``, the logits)."""

    X: np.ndarray
    pre: list
    act: list

    @property
    def output(self) -> np.ndarray:
        return self.act[-1]

    def __repr__(self) -> str:
        return f"Trace(batch {self.X.shape[0]}, {len(self.pre)} layers)"


@dataclass
class Gradients:
    """What one backward pass gives, per layer (same indexing as :class:`Trace`): ``grad_W`` dL/dW,
    ``grad_b`` dL/db, ``grad_pre`` dL/ds, ``grad_act`` dL/da (for the output layer the same array
    as ``grad_pre``); ``grad_X`` = dL/dX or None."""

    grad_W: list
    grad_b: list
    grad_pre: list
    grad_act: list
    grad_X: np.ndarray | None = None

    def params(self, l: int) -> dict:
        """Layer ``l``'s parameter gradients by name, matching ``net.layers[l].params``."""
        return {"W": self.grad_W[l], "b": self.grad_b[l]}

    def __repr__(self) -> str:
        return f"Gradients({len(self.grad_W)} layers{', with dL/dX' if self.grad_X is not None else ''})"


@dataclass
class Probe:
    """One forward and backward pass at a glance, per layer (index 0 = first layer after the input,
    the output layer last), each entry an array:

    ``pre`` s_l = a_{l-1} W_l + b_l (N, n_l); ``act`` a_l = φ(s_l) (the output layer's are the logits);
    ``grad_pre`` dL/ds_l; ``grad_act`` dL/da_l; ``grad_W`` dL/dW_l (n_{l-1}, n_l); ``grad_b`` dL/db_l;
    ``loss`` (float; NaN when the probe ran without labels); ``sizes``, ``activation`` (its name) and
    ``layer_names`` of the network. ``probe.std("pre")`` gives one std per
    layer, ``probe.std("grad_act", relative=True)`` the same relative to the output layer's gradient.
    """

    pre: list
    act: list
    grad_pre: list
    grad_act: list
    grad_W: list
    grad_b: list
    loss: float
    sizes: list = field(default_factory=list)
    activation: str = ""
    layer_names: list = field(default_factory=list)

    def __post_init__(self):
        if not self.layer_names:
            self.layer_names = layer_names(len(self.pre))

    def __repr__(self) -> str:
        batch = self.pre[0].shape[0] if self.pre else 0
        return (f"Probe({len(self.pre)} layers, sizes={self.sizes}, activation={self.activation!r},"
                f" batch {batch}, loss {self.loss:.4g})")

    def _field(self, kind: str) -> list:
        return getattr(self, _checks.choice("kind", kind, PROBE_KINDS))

    def std(self, kind: str, relative: bool = False) -> np.ndarray:
        """The std of every entry of ``kind`` (e.g. "pre", "grad_act"), one float64 per layer.

        ``relative=True`` (gradient kinds only) divides by the output layer's std of dL/ds, so that
        the output layer's gradient is 1: the scale of ``theory.predict``'s gradient stds.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            stds = np.array([np.std(v, dtype=np.float64) for v in self._field(kind)])
            if not relative:
                return stds
            if not kind.startswith("grad_"):
                raise ValueError("relative=True is for the gradient kinds (grad_pre, grad_act, grad_W,"
                                 " grad_b), which it divides by the output layer's std of dL/ds;"
                                 f" got kind={kind!r}")
            return stds / np.std(self.grad_pre[-1], dtype=np.float64)

    def mean(self, kind: str) -> np.ndarray:
        """The mean of every entry of ``kind``, one float64 per layer."""
        with np.errstate(over="ignore", invalid="ignore"):
            return np.array([np.mean(v, dtype=np.float64) for v in self._field(kind)])


# The per-layer lists of a Probe, in the order the plots list them.
PROBE_KINDS = ("pre", "act", "grad_pre", "grad_act", "grad_W", "grad_b")


def layer_names(n_layers: int) -> list[str]:
    """The course's name of each layer, the one every table and figure uses.

    >>> layer_names(3)
    ['layer 1', 'layer 2', 'output']
    """
    return [f"layer {i + 1}" for i in range(n_layers - 1)] + ["output"]


class MLP:
    """A fully connected network: dense layers ``y = x @ W + b``, ``activation`` between them, and a
    linear output layer (its outputs are logits).

    Parameters
    ----------
    sizes : widths from input to output, e.g. ``[2, 64, 64, 3]`` (2 inputs, two hidden layers, 3 outputs).
    activation : an activation name (see ``nninit.activations.available()``) or an ``Activation``;
        used by every hidden layer.
    init : how to draw each ``W`` (fan_in, fan_out): an initializer name (``"he_normal"``), an
        initializer function ``f(shape, *, rng, dtype)`` (``nninit.get("normal", std=0.01)``), or a
        list with one of these per layer.
    bias_init : the same for each ``b`` (fan_out,), or a number (every bias equal to it).
    rng : None, an int seed or a ``numpy.random.Generator``; layers draw from it in order.
    dtype : float32 (default) or float64; every array of the network keeps it.

    Attributes: ``sizes``, ``activation`` (an Activation), ``layers`` (list of :class:`Dense`),
    ``dtype``, ``init`` and ``bias_init`` (as given). The layers' ``W`` are consecutive views of one
    buffer (:func:`consecutive_arrays`), as are the dL/dW that :meth:`backward` allocates.
    """

    def __init__(self, sizes, activation="relu", init="he_normal", bias_init="zeros", rng=None,
                 dtype=np.float32):
        self.sizes = _check_sizes(sizes)
        self.activation = activations.get(activation)
        self.dtype = _check_dtype(dtype)
        n_params = sum((i + 1) * o for i, o in zip(self.sizes[:-1], self.sizes[1:]))
        _checks.allocation("sizes", (n_params,), self.dtype, given=self.sizes, what="weights and biases")
        self.init, self.bias_init = init, bias_init
        gen = _checks.generator(rng)
        n_layers = len(self.sizes) - 1
        w_inits = _per_layer("init", init, n_layers)
        b_inits = _per_layer("bias_init", bias_init, n_layers)
        self.layers = []
        shapes = list(zip(self.sizes[:-1], self.sizes[1:]))
        for l, (shape, W) in enumerate(zip(shapes, consecutive_arrays(shapes, self.dtype))):
            W[...] = _draw("init", w_inits[l], shape, gen, self.dtype, l, n_layers)
            b = _draw("bias_init", b_inits[l], shape[1:], gen, self.dtype, l, n_layers)
            self.layers.append(Dense(W, b))

    def __repr__(self) -> str:
        return f"MLP({self.sizes}, activation={self.activation.name!r}, dtype={self.dtype.name})"

    @property
    def n_layers(self) -> int:
        """Number of dense layers (hidden layers + the output layer)."""
        return len(self.layers)

    @property
    def layer_names(self) -> list[str]:
        """["layer 1", ..., "output"] (:func:`layer_names`)."""
        return layer_names(self.n_layers)

    @property
    def n_params(self) -> int:
        return sum(layer.W.size + layer.b.size for layer in self.layers)

    def gains(self) -> np.ndarray:
        """Each layer's gain std(W_l)·√fan_in: 1 for LeCun's variance 1/fan_in, √2 for He's."""
        return np.array([np.std(layer.W, dtype=np.float64) * np.sqrt(layer.fan_in) for layer in self.layers])

    def copy(self) -> "MLP":
        """An independent copy (weights copied, the same activation)."""
        return _copy.deepcopy(self)

    # ---------------------------------------------------------------- forward

    def check_input(self, X, arg: str = "X") -> np.ndarray:
        """``X`` as an array of the network's dtype, checked to be (n_examples, sizes[0]) of real,
        finite numbers that the dtype can hold (complex, NaN, inf and values beyond float32's
        3.4e38 are refused, never converted), and small enough that a layer's activations for it
        fit in memory (``_checks.MAX_BYTES``)."""
        X = _checks.real_array(arg, X, f"a 2-D array of real numbers (n_examples, {self.sizes[0]})")
        if X.ndim != 2 or X.shape[1] != self.sizes[0] or X.shape[0] < 1:
            raise ValueError(
                f"{arg} must have shape (n_examples, {self.sizes[0]}) for a network with"
                f" sizes={self.sizes}; got shape {X.shape}"
            )
        _checks.allocation(arg, (X.shape[0], max(self.sizes)), self.dtype,
                           given=X.shape, what="one layer's activations")
        return _checks.finite_in(arg, X, self.dtype)

    def trace(self, X, *, out: Trace | None = None) -> Trace:
        """Forward pass keeping every layer's pre-activation s_l and activation a_l (for backward).

        ``out``: a Trace from an earlier pass of this network whose arrays may be overwritten (used
        when the batch size matches, else ignored), so that a training loop allocates nothing per step.
        """
        a = self.check_input(X)
        slot = _slots(out, a.shape[0], self.dtype)        # slot("pre", l): an array to overwrite, or None
        trace = Trace(a, [], [])
        last = self.n_layers - 1
        for l, layer in enumerate(self.layers):
            s = np.matmul(a, layer.W, out=slot("pre", l))  # (N, fan_in) @ (fan_in, fan_out) -> (N, fan_out)
            s += layer.b                                    # in place, broadcast over the N rows
            a = s if l == last else self._phi(s, out=slot("act", l))
            trace.pre.append(s)
            trace.act.append(a)
        return trace

    def _phi(self, s, out=None):
        """φ(s), written into ``out`` if given (ReLU and tanh compute in place, others copy)."""
        fast = _IN_PLACE.get(self.activation.fn)
        if fast is not None:
            return fast(s, out)
        a = self.activation.fn(s)
        if out is None or a is s:
            return a
        out[...] = a
        return out

    def _phi_grad_times(self, g_a, s, out=None):
        """dL/ds = dL/da ⊙ φ'(s), written into ``out`` if given."""
        if self.activation.fn is _RELU:
            return np.multiply(g_a, s > 0, out=out)          # φ'(s) = [s > 0]: no float mask needed
        return np.multiply(g_a, self.activation.grad(s), out=out)

    def forward(self, X) -> np.ndarray:
        """The logits (N, n_out) for inputs ``X`` (N, n_in) (checked by :meth:`check_input`).

        An overflow inside the network (weights too large, a diverged run) gives inf/NaN logits,
        without a warning; :meth:`predict` refuses to turn those into labels.
        """
        a = self.check_input(X)
        last = self.n_layers - 1
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for l, layer in enumerate(self.layers):
                s = a @ layer.W
                s += layer.b
                a = s if l == last else self._phi(s)
        return a

    __call__ = forward

    def predict(self, X) -> np.ndarray:
        """Class labels (N,): the index of the largest logit.

        Raises ``ValueError`` if some logits are not finite (an overflow inside the network): such
        a row has no largest logit, and argmax would silently call it class 0.
        """
        logits = self.forward(X)
        bad = ~np.isfinite(logits).all(axis=1)
        if bad.any():
            raise ValueError(
                f"X: the network's outputs for {int(bad.sum())} of its {len(bad)} rows are not finite (an"
                " overflow inside the network: weights too large, or a training run that diverged), so"
                " they have no predicted class; check the weights (net.gains()) or rescale X"
            )
        return np.argmax(logits, axis=1)

    # ---------------------------------------------------------------- backward

    def backward(self, trace: Trace, grad_out: np.ndarray, *, input_grad: bool = False,
                 out: Gradients | None = None) -> Gradients:
        """Back-propagate ``grad_out`` = dL/d(logits) (N, n_out) through the pass ``trace``.

        Returns dL/dW, dL/db, dL/ds, dL/da per layer, and dL/dX if ``input_grad``. The network is not
        changed. ``out``: Gradients from an earlier call whose arrays may be overwritten (as in ``trace``).
        """
        L = self.n_layers
        slot = _slots(None if input_grad else out, grad_out.shape[0], self.dtype, prefix="grad_")
        grads = Gradients([None] * L, [None] * L, [None] * L, [None] * L)
        grad_W = [slot("W", l) for l in range(L)]
        if grad_W[0] is None:                              # new arrays, side by side as the W's are
            grad_W = consecutive_arrays([layer.W.shape for layer in self.layers], self.dtype)
        g_a = grad_out                                     # dL/da_L = dL/ds_L: the output is linear
        for l in reversed(range(L)):
            g_s = g_a if l == L - 1 else self._phi_grad_times(g_a, trace.pre[l], out=slot("pre", l))
            a_in = trace.X if l == 0 else trace.act[l - 1]
            grads.grad_act[l], grads.grad_pre[l] = g_a, g_s
            grads.grad_W[l] = np.matmul(a_in.T, g_s, out=grad_W[l])        # (fan_in, N) @ (N, fan_out)
            grads.grad_b[l] = g_s.sum(axis=0)                               # (fan_out,)
            if l > 0 or input_grad:
                g_a = np.matmul(g_s, self.layers[l].W.T, out=slot("act", l - 1))  # dL/da_{l-1} (N, fan_in)
        if input_grad:
            grads.grad_X = g_a
        return grads

    # ---------------------------------------------------------------- convenience

    def loss(self, X, y, loss: str = "cross_entropy") -> float:
        """The mean loss of the network on (X, y)."""
        return _loss_and_grad(loss, self.forward(X), y, self.sizes[-1])[0]

    def gradients(self, X, y, loss: str = "cross_entropy") -> tuple[float, Gradients]:
        """One forward and backward pass: the loss and every gradient, dL/dX included."""
        trace = self.trace(X)
        value, g = _loss_and_grad(loss, trace.output, y, self.sizes[-1])
        return value, self.backward(trace, g, input_grad=True)

    def probe(self, X, y=None, *, loss: str = "cross_entropy", rng=0) -> Probe:
        """One forward and backward pass on ``X`` (N, n_in), every intermediate kept (:func:`probe`)."""
        return probe(self, X, y, loss=loss, rng=rng)


def probe(net, X, y=None, *, loss: str = "cross_entropy", rng=0) -> Probe:
    """One forward and backward pass of ``net`` on ``X`` (N, n_in), every intermediate kept.

    With ``y`` the backward pass starts from the loss's gradient. With ``y=None`` it starts from
    dL/d(output) drawn N(0, 1)/N from ``rng``, so backward statistics do not depend on a
    particular loss (``loss`` is then NaN). Overflow gives inf/NaN entries, not warnings. Works for
    any network that provides ``trace`` and ``backward`` as :class:`MLP` does (``docs/engine.md``).

    >>> p = MLP([2, 8, 3], rng=0).probe(np.ones((5, 2)))
    >>> p.layer_names, p.act[0].shape, p.grad_W[1].shape
    (['layer 1', 'output'], (5, 8), (8, 3))
    """
    gen = _checks.generator(rng)
    _checks.choice("loss", loss, LOSSES)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        trace = net.trace(X)
        n, n_out = trace.X.shape[0], net.sizes[-1]
        if y is None:
            value = float("nan")
            g = (gen.standard_normal((n, n_out)) / n).astype(net.dtype)
        else:
            value, g = _loss_and_grad(loss, trace.output, y, n_out)
        grads = net.backward(trace, g)
    return Probe(trace.pre, trace.act, grads.grad_pre, grads.grad_act, grads.grad_W, grads.grad_b, value,
                 list(net.sizes), net.activation.name, list(net.layer_names))


_LOSS_FN = {"cross_entropy": cross_entropy, "mse": mse}

# Activations computed in place when a buffer is given (keyed by the registry's own functions, so an
# Activation built around another function never takes this path).
_RELU = activations.get("relu").fn
_IN_PLACE = {
    _RELU: lambda s, out: np.maximum(s, 0, out=out),
    activations.get("tanh").fn: lambda s, out: np.tanh(s, out=out),
}


def consecutive_arrays(shapes, dtype) -> list[np.ndarray]:
    """Uninitialised arrays of the given shapes, in order consecutive views of one buffer.

    The MLP keeps its weights and the dL/dW of its backward pass this way, and the optimizers their
    momentum, so that the recorder reads each set of arrays as one block of memory, in a few numpy
    calls rather than a few per layer (``nninit.recorder``); separate arrays work as well, slower.

    >>> a, b = consecutive_arrays([(2, 3), (3,)], np.float32)
    >>> a.base is b.base, b.__array_interface__["data"][0] - a.__array_interface__["data"][0]
    (True, 24)
    """
    sizes = [int(np.prod(shape)) for shape in shapes]
    buffer = np.empty(sum(sizes), dtype=dtype)
    ends = np.cumsum(sizes)
    return [buffer[end - size:end].reshape(shape) for shape, size, end in zip(shapes, sizes, ends)]


def _slots(old, n: int, dtype, prefix: str = ""):
    """``slot(name, l)``: the array ``old.<prefix><name>[l]`` to overwrite, or None (allocate) when
    there is no ``old`` (a Trace, or Gradients with prefix "grad_") or its arrays were made for
    another batch size or dtype."""
    pre = getattr(old, prefix + "pre", None)
    if not pre or pre[0].shape[0] != n or pre[0].dtype != dtype:
        return lambda name, l: None
    return lambda name, l: getattr(old, prefix + name)[l]


def loss_function(name: str):
    """The loss function ``name`` (``cross_entropy`` or ``mse``): ``f(output, target) -> (loss, grad)``."""
    return _LOSS_FN[_checks.choice("loss", name, LOSSES)]


def _loss_and_grad(loss: str, output: np.ndarray, y, n_out: int) -> tuple[float, np.ndarray]:
    _checks.choice("loss", loss, LOSSES)
    t = targets(loss, y, output.shape[0], n_out)
    if loss == "mse":
        t = t.astype(output.dtype, copy=False)
    return _LOSS_FN[loss](output, t)


# --------------------------------------------------------------------------- argument checks


def _check_sizes(sizes) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(
            f"sizes must be a list of layer widths from input to output, e.g. [2, 64, 3]; got {sizes!r}"
        )
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"sizes must list at least two widths (inputs and outputs), e.g. [2, 64, 3]; got {sizes!r}"
        )
    return [_checks.positive_int(f"sizes[{i}]", s) for i, s in enumerate(sizes)]


def _check_dtype(dtype) -> np.dtype:
    dt = _checks.float_dtype(dtype, default=np.float32)
    if dt not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64; got {dtype!r}")
    return dt


def _per_layer(arg: str, spec, n_layers: int) -> list:
    """One initializer per layer from a name, a function, a number (bias only) or a list of these."""
    if isinstance(spec, (list, tuple)):
        if len(spec) != n_layers:
            raise ValueError(
                f"{arg} as a list needs one entry per layer ({n_layers} for this network); got {len(spec)}"
            )
        return [_one(f"{arg}[{l}]", s) for l, s in enumerate(spec)]
    return [_one(arg, spec)] * n_layers


def _one(arg: str, spec):
    if callable(spec):
        return spec
    if arg.startswith("bias_init") and isinstance(spec, numbers.Real) and not isinstance(spec, bool):
        return initializers.get("constant", value=_checks.real(arg, spec))  # checks the value fits the dtype
    if not isinstance(spec, str):
        raise TypeError(
            f"{arg} must be an initializer name, an initializer function or a list of them; got {spec!r}"
        )
    try:
        return initializers.get(spec)
    except ValueError as err:
        raise ValueError(f"{arg}={spec!r}: {err}") from None


def _draw(arg, init, shape, gen, dtype, l, n_layers) -> np.ndarray:
    where = f"{arg}" if n_layers == 1 else f"{arg} (layer {l + 1})"
    try:
        w = init(shape, rng=gen, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where} could not draw an array of shape {shape}: {err}") from None
    w = np.asarray(w)
    if w.shape != shape:
        raise ValueError(f"{where} returned shape {w.shape}; expected {shape}")
    try:  # NaN, inf or values beyond the dtype would only show later, as a "divergence" at step 0
        return np.array(_checks.finite_in(where, _checks.real_array(where, w, "real numbers"), dtype),
                        dtype=dtype, copy=True)
    except ValueError as err:
        raise ValueError(f"{err} (the values {arg} drew for shape {shape})") from None
