"""Training an :class:`~nninit.mlp.MLP` with mini-batch SGD (momentum, Nesterov) or Adam, and watching it.

``fit`` returns a :class:`History`: the loss and accuracy of every step, train/validation metrics per
epoch, and, every ``record_every`` steps, per-layer statistics of the activations and of their
gradients, taken from the very forward and backward pass of that step (no extra pass).

>>> history = fit(net, X, y, epochs=50, batch_size=32, lr=0.1, momentum=0.9, rng=0)   # doctest: +SKIP
>>> history.act_std[:, 0]          # std of layer 1's activations at every recorded step
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _checks
from .mlp import MLP, LOSSES, class_labels, loss_function, targets

OPTIMIZERS = ("sgd", "adam")

# Histograms of |values|: 4 log-spaced bins per decade from 1e-8 to 1e4 (48 bins), so that both a
# collapse towards 0 and an explosion show. Values below 1e-8 (zeros included) go to the first bin,
# values above 1e4 to the last.
HIST_LOW, HIST_HIGH, HIST_PER_DECADE = -8, 4, 4
N_BINS = (HIST_HIGH - HIST_LOW) * HIST_PER_DECADE
HIST_EDGES = np.logspace(HIST_LOW, HIST_HIGH, N_BINS + 1)

# The per-layer statistics recorded every `record_every` steps, each an array (n_records, n_layers).
STATS = ("act_mean", "act_std", "grad_act_mean", "grad_act_std", "saturated", "dead", "grad_W_norm",
         "update_ratio")
# Bytes of one record: its step index, then per layer 8 float64 statistics and 2 histograms of float64.
BYTES_PER_RECORD_PER_LAYER = 8 * len(STATS) + 2 * 8 * N_BINS  # 832


def abs_histogram(x: np.ndarray) -> np.ndarray:
    """Fraction of the entries of ``x`` whose |value| falls in each bin of ``HIST_EDGES`` (sums to 1).

    Bin i holds 10^(-8 + i/4) <= |x| < 10^(-8 + (i+1)/4); |x| < 1e-8 (and 0) counts in bin 0 and
    |x| >= 1e4 in the last bin. Computed as floor(4·(log10|x| + 8)), clipped, then counted. ``x``
    must be finite.
    """
    buf = np.abs(x)                                  # one new array; all that follows is in place
    np.maximum(buf, 10.0 ** (HIST_LOW - 1), out=buf)  # zeros would make log10 slow (and -inf): bin 0
    np.log10(buf, out=buf)
    buf -= HIST_LOW
    buf *= HIST_PER_DECADE
    np.clip(buf, 0, N_BINS - 1, out=buf)
    counts = np.bincount(buf.astype(np.intp).ravel(), minlength=N_BINS)
    return counts / x.size


def _mean_std(x: np.ndarray) -> tuple[float, float]:
    """Mean and std of all entries of ``x``, in two passes (x − mean, then a dot product)."""
    m = x.mean()
    d = (x - m).ravel()
    return float(m), math.sqrt(float(np.dot(d, d)) / d.size)


@dataclass
class History:
    """What :func:`fit` saw: the one definition of the training record (``docs/`` links here).

    Steps are numbered from 0; step k's loss is measured on its mini-batch before its update.

    Per step, arrays of length ``n_steps`` (shorter if the run diverged): ``loss``; ``accuracy`` of
    the mini-batch (NaN when y is not class labels).

    Per epoch: ``epoch_end_step`` (updates made by the end of the epoch), ``train_loss``,
    ``train_accuracy`` (the whole training set, forward only, after the epoch's last update),
    ``val_loss``, ``val_accuracy`` (empty arrays without validation data).

    ``diverged_at``: the step at which a loss, pre-activation or gradient stopped being finite (or
    the last step, if its update made a weight non-finite), else None; ``reason`` says what, else None.

    Recorded at steps 0, record_every, 2·record_every, ... (``record_steps``, (n_records,)), from
    that step's own forward and backward pass, per layer (``layer_names``, ["layer 1", ..., "output"]),
    arrays (n_records, n_layers):

    - ``act_mean``, ``act_std``: of a_l = φ(s_l) (the output layer's are the logits);
    - ``grad_act_mean``, ``grad_act_std``: of dL/da_l (the names follow the probe's ``grad_act``);
    - ``saturated``: ``Activation.saturated_share`` of a_l, NaN for activations without flat tails
      and for the output layer;
    - ``dead``: ``Activation.dead_share`` of s_l (units with s <= 0 for the whole batch), NaN for
      activations that are not rectifiers and for the output layer;
    - ``grad_W_norm``: Frobenius norm of dL/dW_l;
    - ``update_ratio``: std(ΔW_l)/std(W_l) of the update that followed the record; inf when W_l was
      constant (std 0, e.g. zero-initialised) and moved, NaN when it was constant and did not move;

    and ``act_hist``, ``grad_act_hist`` (n_records, n_layers, n_bins): the fraction of |a_l| and of
    |dL/da_l| in each bin of ``hist_edges`` (n_bins + 1,), rows summing to 1 (:func:`abs_histogram`).

    Also ``config`` (the arguments of the run), ``n_steps``, ``n_records``, ``nbytes``.
    """

    loss: np.ndarray
    accuracy: np.ndarray
    epoch_end_step: np.ndarray
    train_loss: np.ndarray
    train_accuracy: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    diverged_at: int | None
    reason: str | None
    record_steps: np.ndarray
    act_mean: np.ndarray
    act_std: np.ndarray
    grad_act_mean: np.ndarray
    grad_act_std: np.ndarray
    saturated: np.ndarray
    dead: np.ndarray
    grad_W_norm: np.ndarray
    update_ratio: np.ndarray
    act_hist: np.ndarray
    grad_act_hist: np.ndarray
    hist_edges: np.ndarray = field(default_factory=lambda: HIST_EDGES.copy())
    layer_names: list = field(default_factory=list)
    config: dict = field(default_factory=dict)

    @property
    def n_steps(self) -> int:
        """Steps completed (updates made)."""
        return len(self.loss)

    @property
    def n_records(self) -> int:
        return len(self.record_steps)

    @property
    def nbytes(self) -> int:
        """Bytes held by the history's arrays."""
        return sum(v.nbytes for v in vars(self).values() if isinstance(v, np.ndarray))

    def __repr__(self) -> str:
        end = "finished" if self.diverged_at is None else f"diverged at step {self.diverged_at}: {self.reason}"
        last = f", final loss {self.loss[-1]:.4g}" if len(self.loss) else ""
        return (f"History({self.n_steps} steps, {len(self.train_loss)} epochs, {self.n_records} records"
                f" of {len(self.layer_names)} layers{last}; {end})")


# --------------------------------------------------------------------------- optimizers


class SGD:
    """Stochastic gradient descent with (optional) momentum μ, in PyTorch's form with lr folded in:

    v ← μ·v − lr·g;  W ← W + v            (heavy ball; μ = 0 is plain SGD: W ← W − lr·g)
    Nesterov:        W ← W + μ·v − lr·g   (with the new v; Sutskever et al. 2013)

    ``step`` overwrites the gradient arrays (no copies) and returns each parameter's update ΔW.
    """

    def __init__(self, params, lr, momentum=0.0, nesterov=False):
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov
        self.velocity = [np.zeros_like(p) for p in params] if momentum else None

    def step(self, params, grads) -> list:
        deltas = []
        for i, (p, g) in enumerate(zip(params, grads)):
            g *= -self.lr                            # g now holds −lr·g
            if self.velocity is None:
                delta = g
            else:
                v = self.velocity[i]
                v *= self.momentum
                v += g                               # v ← μ·v − lr·g
                if self.nesterov:
                    g += self.momentum * v           # μ·v − lr·g
                    delta = g
                else:
                    delta = v
            p += delta
            deltas.append(delta)
        return deltas


class Adam:
    """Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², t ← t + 1,
    ΔW = −lr · m̂ / (√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        self.lr, (self.beta1, self.beta2), self.eps, self.t = lr, betas, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]

    def step(self, params, grads) -> list:
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        deltas = []
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            g *= g
            g *= 1.0 - self.beta2
            v += g                                   # g is free again: reuse it for ΔW
            np.divide(v, c2, out=g)
            np.sqrt(g, out=g)
            g += self.eps
            np.divide(m, g, out=g)
            g *= -self.lr / c1
            p += g
            deltas.append(g)
        return deltas


# --------------------------------------------------------------------------- the recorder


class _Recorder:
    """Preallocated arrays for ``n_records`` records; fills one row from a step's trace and gradients."""

    def __init__(self, net: MLP, n_steps: int, record_every: int):
        n_records = (n_steps + record_every - 1) // record_every
        L = net.n_layers
        self.steps = np.zeros(n_records, dtype=np.int64)
        self.stats = {name: np.full((n_records, L), np.nan) for name in STATS}
        self.act_hist = np.zeros((n_records, L, N_BINS))
        self.grad_act_hist = np.zeros((n_records, L, N_BINS))
        self.activation = net.activation
        self.n = 0
        self._w_std = None

    def record(self, step, trace, grads, layers):
        """Statistics of this step's activations and gradients (before its update)."""
        r, s = self.n, self.stats
        self.steps[r] = step
        last = len(layers) - 1
        for l in range(len(layers)):
            a, g = trace.act[l], grads.grad_act[l]
            s["act_mean"][r, l], s["act_std"][r, l] = _mean_std(a)
            s["grad_act_mean"][r, l], s["grad_act_std"][r, l] = _mean_std(g)
            gw = grads.grad_W[l].ravel()
            s["grad_W_norm"][r, l] = math.sqrt(float(np.dot(gw, gw)))
            self.act_hist[r, l] = abs_histogram(a)
            self.grad_act_hist[r, l] = abs_histogram(g)
            if l < last:
                s["saturated"][r, l] = self.activation.saturated_share(a)
                s["dead"][r, l] = self.activation.dead_share(trace.pre[l])
        self._w_std = [_mean_std(layer.W)[1] for layer in layers]

    def record_update(self, deltas_W):
        """std(ΔW)/std(W) for the update that followed the last record."""
        r = self.n
        for l, (d, w_std) in enumerate(zip(deltas_W, self._w_std)):
            d_std = _mean_std(d)[1]
            ratio = d_std / w_std if w_std > 0 else (np.inf if d_std > 0 else np.nan)   # W constant: inf
            self.stats["update_ratio"][r, l] = ratio
        self.n += 1

    def finish(self, n_done_records) -> dict:
        n = n_done_records
        out = {name: a[:n].copy() if n < len(a) else a for name, a in self.stats.items()}
        out["record_steps"] = self.steps[:n].copy()
        out["act_hist"] = self.act_hist[:n].copy() if n < len(self.act_hist) else self.act_hist
        out["grad_act_hist"] = self.grad_act_hist[:n].copy() if n < len(self.grad_act_hist) else self.grad_act_hist
        return out


# --------------------------------------------------------------------------- fit


def fit(net: MLP, X, y, *, epochs, batch_size, lr, optimizer="sgd", momentum=0.0, nesterov=False,
        loss="cross_entropy", X_val=None, y_val=None, record_every=10, rng=None,
        betas=(0.9, 0.999), eps=1e-8) -> History:
    """Train ``net`` in place on (X, y) with mini-batches, and return a :class:`History`.

    X (N, n_in); y: integer labels (N,) for ``loss="cross_entropy"`` (softmax cross-entropy), or
    real targets (N, n_out) (or labels, one-hot encoded) for ``loss="mse"``.
    Each epoch visits the N examples once in an order drawn from ``rng`` (None, an int seed or a
    Generator; an int gives a reproducible run) in batches of ``batch_size`` (the last one may be
    smaller). ``optimizer="sgd"`` uses ``momentum`` (and ``nesterov``); ``"adam"`` uses ``betas``
    and ``eps``. After each epoch the loss and accuracy are measured on the whole training set
    (forward only) and on (X_val, y_val) if given.

    Every ``record_every`` steps (and at step 0) the per-layer statistics of :class:`History` are
    taken from that step's own forward and backward pass; a recorded step costs about as much time
    again as a plain one (the two histograms per layer dominate), so the default adds ~10%.
    Memory: all arrays are allocated up front
    and do not depend on N; a recorded step costs 8 + 832·n_layers bytes (8 float64 statistics and
    two 48-bin float64 histograms per layer, plus the step index), every step 16 bytes (loss,
    accuracy), every epoch 40 bytes. A run whose history would exceed ``_checks.MAX_BYTES`` (1 GiB)
    is refused before anything is allocated, with the record_every (or epochs) that would fit.

    Divergence: if a loss, pre-activation or gradient is not finite (NaN, or an overflow to inf),
    training stops cleanly before that step's update; ``history.diverged_at`` and ``history.reason``
    say where and why, and the arrays hold the steps completed before it. No warning is printed.
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an nninit.MLP; got {type(net).__name__}")
    X = net.check_input(X, "X")
    _check_finite("X", X)
    n, n_out = X.shape[0], net.sizes[-1]
    _checks.choice("loss", loss, LOSSES)
    t = targets(loss, y, n, n_out, arg="y")
    if loss == "mse":
        t = t.astype(net.dtype)
    # accuracy needs class labels: always for cross-entropy, for MSE only with several outputs
    labels = class_labels(np.asarray(y)) if loss == "cross_entropy" or n_out > 1 else None
    epochs = _checks.positive_int("epochs", epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    record_every = _checks.positive_int("record_every", record_every)
    _check_history_size(n, epochs, batch_size, record_every, net.n_layers)
    gen = _checks.generator(rng)
    val = None
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val go together: give both or neither;"
                         f" got X_val={'None' if X_val is None else 'an array'},"
                         f" y_val={'None' if y_val is None else 'an array'}")
    if X_val is not None:
        Xv = net.check_input(X_val, "X_val")
        _check_finite("X_val", Xv)
        tv = targets(loss, y_val, Xv.shape[0], n_out, arg="y_val")
        val = (Xv, tv.astype(net.dtype) if loss == "mse" else tv,
               class_labels(np.asarray(y_val)) if labels is not None else None)

    loss_fn = loss_function(loss)
    params = [p for layer in net.layers for p in (layer.W, layer.b)]
    opt = _optimizer(params, optimizer, lr, momentum, nesterov, betas, eps)
    steps_per_epoch = -(-n // batch_size)
    n_steps = epochs * steps_per_epoch
    rec = _Recorder(net, n_steps, record_every)
    step_loss = np.full(n_steps, np.nan)
    step_acc = np.full(n_steps, np.nan)
    epoch_stats = np.full((5, epochs), np.nan)        # train loss/acc, val loss/acc, end step
    step, epochs_done, diverged_at, reason = 0, 0, None, None
    trace = grads = None

    # Non-finite values are looked for explicitly below, so numpy's warnings are switched off here.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(epochs):
            order = gen.permutation(n)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                trace = net.trace(X[idx], out=trace)          # out=: reuse last step's arrays
                value, g = loss_fn(trace.output, t[idx])
                reason = _forward_problem(value, trace)
                if reason is None:
                    grads = net.backward(trace, g, out=grads)
                    reason = _backward_problem(grads)
                if reason is not None:
                    diverged_at, reason = step, f"{reason} at step {step}"
                    break
                step_loss[step] = value
                if labels is not None:
                    step_acc[step] = np.mean(trace.output.argmax(axis=1) == labels[idx])
                recording = step % record_every == 0
                if recording:
                    rec.record(step, trace, grads, net.layers)
                deltas = opt.step(params, [p for l in range(net.n_layers) for p in (grads.grad_W[l], grads.grad_b[l])])
                if recording:
                    rec.record_update(deltas[0::2])
                step += 1
            if diverged_at is not None:
                break
            epoch_stats[0, epoch], epoch_stats[1, epoch] = _evaluate(net, X, t, labels, loss_fn)
            if val is not None:
                epoch_stats[2, epoch], epoch_stats[3, epoch] = _evaluate(net, *val, loss_fn)
            epoch_stats[4, epoch] = step
            epochs_done = epoch + 1
            if not np.isfinite(epoch_stats[0, epoch]):
                diverged_at = step - 1
                reason = f"training loss not finite after the update of step {step - 1}"
                break

    done = step
    recorded = rec.finish(rec.n)
    e = epochs_done
    return History(
        loss=step_loss[:done].copy(), accuracy=step_acc[:done].copy(),
        epoch_end_step=epoch_stats[4, :e].astype(np.int64),
        train_loss=epoch_stats[0, :e].copy(), train_accuracy=epoch_stats[1, :e].copy(),
        val_loss=epoch_stats[2, :e].copy() if val is not None else np.zeros(0),
        val_accuracy=epoch_stats[3, :e].copy() if val is not None else np.zeros(0),
        diverged_at=diverged_at, reason=reason,
        layer_names=net.layer_names,
        config=dict(epochs=epochs, batch_size=batch_size, lr=opt.lr, optimizer=optimizer,
                    momentum=getattr(opt, "momentum", 0.0), nesterov=bool(nesterov), loss=loss,
                    record_every=record_every, sizes=list(net.sizes),
                    activation=net.activation.name),
        **recorded,
    )


def _optimizer(params, optimizer, lr, momentum, nesterov, betas, eps):
    """Check the optimizer's arguments and build it."""
    _checks.choice("optimizer", optimizer, OPTIMIZERS)
    lr = _checks.real("lr", lr, positive=True)
    momentum = _checks.real("momentum", momentum, nonnegative=True)
    if momentum >= 1:
        raise ValueError(f"momentum must be in [0, 1); got {momentum!r}")
    if not isinstance(nesterov, (bool, np.bool_)):
        raise TypeError(f"nesterov must be True or False; got {nesterov!r}")
    if nesterov and (optimizer != "sgd" or momentum == 0):
        raise ValueError(f"nesterov=True needs optimizer='sgd' and momentum > 0; got optimizer={optimizer!r},"
                         f" momentum={momentum!r}")
    if optimizer != "sgd" and momentum:
        raise ValueError(f"momentum is for optimizer='sgd'; optimizer={optimizer!r} got momentum={momentum!r}"
                         " (Adam's are betas)")
    betas = _check_betas(betas)
    eps = _checks.real("eps", eps, positive=True)
    return SGD(params, lr, momentum, bool(nesterov)) if optimizer == "sgd" else Adam(params, lr, betas, eps)


def _forward_problem(value, trace) -> str | None:
    """None if the loss and every layer's pre-activations are finite, else what is not."""
    if math.isfinite(value):
        # A sum is finite only if every entry is (and nothing overflowed): one cheap pass per layer.
        # Hidden pre-activations are checked because tanh/sigmoid turn an overflow (inf) into ±1.
        sums = [float(s.sum()) for s in trace.pre[:-1]]
        if all(map(math.isfinite, sums)):
            return None
        l = next(i for i, v in enumerate(sums) if not math.isfinite(v))
        return f"pre-activations of layer {l + 1} overflowed or became NaN"
    for l, s in enumerate(trace.pre):
        if not np.isfinite(s.sum()):
            where = "the output layer" if l == len(trace.pre) - 1 else f"layer {l + 1}"
            return f"pre-activations of {where} overflowed or became NaN"
    return f"loss is {value}"


def _backward_problem(grads) -> str | None:
    """None if every gradient is finite: dL/db = Σ_n dL/ds is finite only if all of dL/ds is (and
    then so is dL/da, or dL/ds = dL/da ⊙ φ' would not be). A dL/dW that overflowed puts inf into W,
    which the next forward pass (or the end-of-epoch evaluation) finds."""
    for l in reversed(range(len(grads.grad_b))):
        if not np.isfinite(grads.grad_b[l]).all():
            return f"gradients of layer {l + 1} overflowed or became NaN"
    return None


def _evaluate(net, X, t, labels, loss_fn, chunk=4096) -> tuple[float, float]:
    """Mean loss and accuracy over (X, t), forward only, ``chunk`` rows at a time."""
    total, correct = 0.0, 0
    for start in range(0, len(X), chunk):
        out = net.forward(X[start:start + chunk])
        value, _ = loss_fn(out, t[start:start + chunk])
        total += value * len(out)
        if labels is not None:
            correct += int(np.sum(out.argmax(axis=1) == labels[start:start + chunk]))
    return total / len(X), (correct / len(X) if labels is not None else float("nan"))


def _check_finite(arg, X):
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{arg} must be finite; it holds NaN or inf (after conversion to the network's dtype)")


def _check_betas(betas):
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"betas must be a pair (beta1, beta2) in [0, 1); got {betas!r}") from None
    b1, b2 = _checks.real("betas[0]", b1, nonnegative=True), _checks.real("betas[1]", b2, nonnegative=True)
    if b1 >= 1 or b2 >= 1:
        raise ValueError(f"betas must be in [0, 1); got {betas!r}")
    return b1, b2


def history_nbytes(n_steps: int, epochs: int, record_every: int, n_layers: int) -> int:
    """Bytes of the History arrays :func:`fit` allocates up front (the formula of its docstring, plus
    the histogram edges): an upper bound of ``History.nbytes``."""
    n_records = -(-n_steps // record_every)
    return 16 * n_steps + 40 * epochs + n_records * (8 + BYTES_PER_RECORD_PER_LAYER * n_layers) + HIST_EDGES.nbytes


def _check_history_size(n, epochs, batch_size, record_every, n_layers):
    """Refuse a run whose history would not fit in ``_checks.MAX_BYTES``, before allocating it."""
    n_steps = epochs * -(-n // batch_size)
    nbytes = history_nbytes(n_steps, epochs, record_every, n_layers)
    if nbytes <= _checks.MAX_BYTES:
        return
    limit = _checks._size(_checks.MAX_BYTES)
    per_record = 8 + BYTES_PER_RECORD_PER_LAYER * n_layers
    room = _checks.MAX_BYTES - history_nbytes(n_steps, epochs, n_steps, n_layers) + per_record
    run = (f"epochs={epochs} x {-(-n // batch_size)} steps per epoch (batch_size={batch_size}) = {n_steps:,} steps,"
           f" record_every={record_every}")
    if room >= per_record:  # recording less often is enough
        need = -(-n_steps * per_record // room)
        advice = f"raise record_every to {need:,} or more, or lower epochs"
    else:  # even the per-step loss and accuracy (16 bytes a step) do not fit
        advice = (f"lower epochs to {max(1, epochs * _checks.MAX_BYTES // (2 * nbytes)):,} or fewer"
                  " (or raise batch_size), and record less often (record_every)")
    raise ValueError(f"this run would need a history of {_checks._size(nbytes)} ({run}), more than nninit's"
                     f" limit of {limit} (a 2 GB Binder or Colab kernel would die): {advice}")
