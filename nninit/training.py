"""Training a network with mini-batch SGD (momentum, Nesterov) or Adam, and watching it.

:func:`fit` reads as four named steps, in the manner of scikit-learn's ``_fit``:

1. validate: every argument and array checked before any work (:func:`_checked_data`);
2. one training step: forward, loss, divergence checks, backward, update (:class:`TrainingStep`,
   public, so that a benchmark or a notebook can time or drive exactly what ``fit`` runs);
3. record: every ``record_every`` steps, per-layer statistics from that step's own pass
   (:class:`nninit.recorder.Recorder`);
4. build the :class:`History` from the per-step, per-epoch and recorded arrays (:class:`_Log`).

What a network must provide to be trained and probed this way is written in ``docs/engine.md``;
:class:`nninit.MLP` is the reference.

>>> from nninit import MLP, data
>>> X, y = data.spirals(n=90, classes=3, rng=0)
>>> history = fit(MLP([2, 16, 3], rng=0), X, y, epochs=3, batch_size=30, lr=0.1, rng=0)
>>> history.n_steps, history.act_std.shape   # 3 epochs of 3 batches; one record (step 0), 2 layers
(9, (1, 2))
>>> bool(history.train_loss[-1] < history.train_loss[0])
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _checks, optimizers
from .mlp import LOSSES, class_labels, loss_function, targets
from .recorder import BYTES_PER_RECORD_PER_LAYER, HIST_EDGES, Recorder
from .progress import Progress

# What fit needs of a network (docs/engine.md); checked up front so that a wrong object fails clearly.
NET_INTERFACE = ("sizes", "dtype", "activation", "layers", "layer_names", "check_input", "trace", "backward",
                 "forward")


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
    |dL/da_l| in each bin of ``hist_edges`` (n_bins + 1,), rows summing to 1
    (:func:`nninit.recorder.abs_histogram`: 4 bins per decade from 1e-8 to 1e4). The histograms count
    the first ``recorder.HIST_ROWS`` = 16 examples of the recorded batch (all of a smaller batch):
    batches come in a shuffled order, so these are a random sample, 16·n_l values for a layer of n_l
    units (1024 at width 64) for 48 bins; binning the whole batch would cost more than the rest of
    the record. Every other statistic above uses every example of the batch.

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
        end = ("finished" if self.diverged_at is None
               else f"diverged at step {self.diverged_at}: {self.reason}")
        last = f", final loss {self.loss[-1]:.4g}" if len(self.loss) else ""
        return (f"History({self.n_steps} steps, {len(self.train_loss)} epochs, {self.n_records} records"
                f" of {len(self.layer_names)} layers{last}; {end})")



# --------------------------------------------------------------------------- 1. validate


@dataclass
class _Data:
    """Checked examples: ``X`` in the network's dtype, targets ``t`` as the loss wants them, and
    class ``labels`` (None when accuracy has no meaning: MSE on one output)."""

    X: np.ndarray
    t: np.ndarray
    labels: np.ndarray | None

    def __len__(self) -> int:
        return len(self.X)

def _check_net(net) -> None:
    missing = [name for name in NET_INTERFACE if not hasattr(net, name)]
    if missing:
        raise TypeError(f"net must be an nninit.MLP or provide what fit needs (docs/engine.md);"
                        f" a {type(net).__name__} lacks {', '.join(missing)}")


def _checked_data(net, loss: str, X, y, arg: str = "X") -> _Data:
    """(X, y) checked against ``net`` and ``loss``; ``arg`` names X in messages ("X" or "X_val")."""
    X = net.check_input(X, arg)
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{arg} must be finite; it holds NaN or inf"
                         " (after conversion to the network's dtype)")
    y_arg = "y" + arg[1:]
    n_out = net.sizes[-1]
    t = targets(loss, y, X.shape[0], n_out, arg=y_arg)
    if loss == "mse":
        t = t.astype(net.dtype)
    # accuracy needs class labels: always for cross-entropy, for MSE only with several outputs
    labels = class_labels(y) if loss == "cross_entropy" or n_out > 1 else None
    return _Data(X, t, labels)


def _checked_validation(net, loss: str, X_val, y_val) -> _Data | None:
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val and y_val go together: give both or neither;"
                         f" got X_val={'None' if X_val is None else 'an array'},"
                         f" y_val={'None' if y_val is None else 'an array'}")
    return None if X_val is None else _checked_data(net, loss, X_val, y_val, arg="X_val")


# --------------------------------------------------------------------------- 2. one training step


class Diverged(ArithmeticError):
    """A loss, pre-activation or gradient stopped being finite; the message says which, where."""


class TrainingStep:
    """One step of :func:`fit`, callable on a batch: forward pass, loss, divergence checks,
    backward pass, checks, then the optimizer's update of every parameter in place.

    ``step(X, t, recorder=None)`` takes a batch ``X`` (N, n_in) in the network's dtype and its
    targets ``t`` as the loss wants them (``mlp.targets``), returns the batch loss (measured before
    the update) and keeps the logits in ``step.output``. With a ``recorder`` the step's statistics
    are recorded between backward pass and update. Raises :class:`Diverged`, before any update, if
    a loss, pre-activation or gradient is not finite. Each call reuses the previous call's arrays
    (``out=``), so a step of a fixed batch size allocates almost nothing.

    >>> import numpy as np
    >>> from nninit import MLP
    >>> step = TrainingStep(MLP([2, 8, 3], rng=0), lr=0.1)
    >>> X, t = np.ones((4, 2), np.float32), np.array([0, 1, 2, 0])
    >>> first, second = step(X, t), step(X, t)
    >>> second < first
    True
    """

    def __init__(self, net, *, loss="cross_entropy", optimizer="sgd", lr, momentum=0.0, nesterov=False,
                 betas=(0.9, 0.999), eps=1e-8):
        self.net = net
        self.loss_fn = loss_function(loss)
        self.optimizer = optimizers.make(optimizer, [layer.params for layer in net.layers], lr,
                                         momentum=momentum, nesterov=nesterov, betas=betas, eps=eps)
        self.trace = self.grads = None
        self.n_steps = 0                                            # updates made so far

    @property
    def output(self) -> np.ndarray:
        """The logits of the last batch."""
        return self.trace.output

    def __call__(self, X, t, recorder=None) -> float:
        net = self.net
        self.trace = net.trace(X, out=self.trace)                  # out=: reuse last step's arrays
        value, g = self.loss_fn(self.trace.output, t)
        _check_forward(value, self.trace)
        self.grads = net.backward(self.trace, g, out=self.grads)
        _check_backward(self.grads)
        if recorder is not None:
            recorder.record(self.n_steps, self.trace, self.grads)
        deltas = self.optimizer.step([self.grads.params(l) for l in range(len(net.layers))])
        if recorder is not None:
            recorder.record_update(deltas)
        self.n_steps += 1
        return value


def _check_forward(value: float, trace) -> None:
    """Raise Diverged unless the loss and every hidden layer's pre-activations are finite (hidden
    ones too: tanh and sigmoid turn an overflow, inf, into a finite ±1)."""
    if math.isfinite(value):
        # A sum is finite only if every entry is (and nothing overflowed): one cheap pass per layer.
        bad = [l for l, s in enumerate(trace.pre[:-1]) if not math.isfinite(float(s.sum()))]
        if not bad:
            return
        raise Diverged(f"pre-activations of layer {bad[0] + 1} overflowed or became NaN")
    for l, s in enumerate(trace.pre):
        if not np.isfinite(s.sum()):
            where = "the output layer" if l == len(trace.pre) - 1 else f"layer {l + 1}"
            raise Diverged(f"pre-activations of {where} overflowed or became NaN")
    raise Diverged(f"loss is {value}")


def _check_backward(grads) -> None:
    """Raise Diverged unless every dL/ds is finite. A non-finite dL/ds reaches the first layer's
    (it spreads through every product with W), so one sum checks all; the layer nearest the
    output that went wrong is named. A dL/dW that overflowed puts inf into W, which the next
    forward pass (or the end-of-epoch evaluation) finds."""
    if math.isfinite(float(grads.grad_pre[0].sum())):
        return
    bad = [l for l, g in enumerate(grads.grad_pre) if not math.isfinite(float(g.sum()))]
    raise Diverged(f"gradients of layer {bad[-1] + 1} overflowed or became NaN")


# --------------------------------------------------------------------------- 4. the History


class _Log:
    """The per-step and per-epoch arrays of a run, by name, and how it ended."""

    EPOCH = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "epoch_end_step")

    def __init__(self, n_steps: int, epochs: int):
        self.loss = np.full(n_steps, np.nan)
        self.accuracy = np.full(n_steps, np.nan)
        self.epoch = {name: np.full(epochs, np.nan) for name in self.EPOCH}
        self.steps = self.epochs = 0
        self.diverged_at, self.reason = None, None

    def step(self, value: float, output: np.ndarray, labels) -> None:
        self.loss[self.steps] = value
        if labels is not None:
            self.accuracy[self.steps] = np.mean(output.argmax(axis=1) == labels)
        self.steps += 1

    def end_epoch(self, **values) -> None:
        for name, value in values.items():
            self.epoch[name][self.epochs] = value
        self.epoch["epoch_end_step"][self.epochs] = self.steps
        self.epochs += 1

    def history(self, net, recorded: dict, config: dict, validation: bool) -> History:
        e, n = self.epochs, self.steps
        per_epoch = {name: a[:e].copy() for name, a in self.epoch.items()}
        per_epoch["epoch_end_step"] = per_epoch["epoch_end_step"].astype(np.int64)
        if not validation:
            per_epoch["val_loss"] = per_epoch["val_accuracy"] = np.zeros(0)
        return History(loss=self.loss[:n].copy(), accuracy=self.accuracy[:n].copy(), **per_epoch,
                       diverged_at=self.diverged_at, reason=self.reason, layer_names=list(net.layer_names),
                       config=config, **recorded)


def _evaluate(net, data: _Data, loss_fn, chunk=4096) -> tuple[float, float]:
    """Mean loss and accuracy over ``data``, forward only, ``chunk`` rows at a time."""
    total, correct = 0.0, 0
    for start in range(0, len(data), chunk):
        rows = slice(start, start + chunk)
        out = net.forward(data.X[rows])
        value, _ = loss_fn(out, data.t[rows])
        total += value * len(out)
        if data.labels is not None:
            correct += int(np.sum(out.argmax(axis=1) == data.labels[rows]))
    return total / len(data), (correct / len(data) if data.labels is not None else float("nan"))


# --------------------------------------------------------------------------- fit


def fit(net, X, y, *, epochs, batch_size, lr, optimizer="sgd", momentum=0.0, nesterov=False,
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
    taken from that step's own forward and backward pass; a recorded step costs about 1.3–1.5 times
    a plain one at the course's sizes (width 64–128, depth 8–30, batch 64; measured by
    ``benchmarks/bench_mlp.py --recording``), so the default ``record_every=10`` adds 3–5%. Memory: all
    arrays are allocated up front and do not depend on N; a recorded step costs 8 + 832·n_layers
    bytes (8 float64 statistics and two 48-bin float64 histograms per layer, plus the step index),
    every step 16 bytes (loss, accuracy), every epoch 40 bytes. A run whose history would exceed
    ``_checks.MAX_BYTES`` (1 GiB) is refused before anything is allocated, with the record_every (or
    epochs) that would fit.

    In the browser edition a run that lasts over a second shows a progress bar while it runs, and
    removes it at the end (:mod:`nninit.progress`); elsewhere nothing is shown.

    Divergence: if a loss, pre-activation or gradient is not finite (NaN, or an overflow to inf),
    training stops cleanly before that step's update; ``history.diverged_at`` and ``history.reason``
    say where and why, and the arrays hold the steps completed before it. No warning is printed.
    """
    _check_net(net)
    _checks.choice("loss", loss, LOSSES)
    train = _checked_data(net, loss, X, y)
    val = _checked_validation(net, loss, X_val, y_val)
    epochs = _checks.positive_int("epochs", epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    record_every = _checks.positive_int("record_every", record_every)
    _check_history_size(len(train), epochs, batch_size, record_every, len(net.layers))
    gen = _checks.generator(rng)
    step = TrainingStep(net, loss=loss, optimizer=optimizer, lr=lr, momentum=momentum, nesterov=nesterov,
                        betas=betas, eps=eps)

    n_steps = epochs * -(-len(train) // batch_size)
    log = _Log(n_steps, epochs)
    recorder = Recorder(net, n_records=-(-n_steps // record_every))
    # Non-finite values are looked for explicitly, so numpy's warnings are switched off here.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"), \
            Progress(n_steps, "training") as progress:
        try:
            for _ in range(epochs):
                order = gen.permutation(len(train))
                for start in range(0, len(train), batch_size):
                    idx = order[start:start + batch_size]
                    record = recorder if log.steps % record_every == 0 else None
                    value = step(train.X[idx], train.t[idx], record)
                    log.step(value, step.output, None if train.labels is None else train.labels[idx])
                    progress.update(log.steps)
                train_loss, train_accuracy = _evaluate(net, train, step.loss_fn)
                no_val = (math.nan, math.nan)
                val_loss, val_accuracy = no_val if val is None else _evaluate(net, val, step.loss_fn)
                log.end_epoch(train_loss=train_loss, train_accuracy=train_accuracy, val_loss=val_loss,
                              val_accuracy=val_accuracy)
                if not math.isfinite(train_loss):
                    log.diverged_at = log.steps - 1
                    log.reason = f"training loss not finite after the update of step {log.steps - 1}"
                    break
        except Diverged as problem:
            log.diverged_at, log.reason = log.steps, f"{problem} at step {log.steps}"

    config = dict(epochs=epochs, batch_size=batch_size, lr=step.optimizer.lr, optimizer=optimizer,
                  momentum=getattr(step.optimizer, "momentum", 0.0), nesterov=bool(nesterov), loss=loss,
                  record_every=record_every, sizes=list(net.sizes), activation=net.activation.name)
    return log.history(net, recorder.results(), config, validation=val is not None)


def history_nbytes(n_steps: int, epochs: int, record_every: int, n_layers: int) -> int:
    """Bytes of the History arrays :func:`fit` allocates up front (the formula of its docstring, plus
    the histogram edges): an upper bound of ``History.nbytes``."""
    n_records = -(-n_steps // record_every)
    return (16 * n_steps + 40 * epochs + n_records * (8 + BYTES_PER_RECORD_PER_LAYER * n_layers)
            + HIST_EDGES.nbytes)


def _check_history_size(n, epochs, batch_size, record_every, n_layers):
    """Refuse a run whose history would not fit in ``_checks.MAX_BYTES``, before allocating it."""
    n_steps = epochs * -(-n // batch_size)
    nbytes = history_nbytes(n_steps, epochs, record_every, n_layers)
    if nbytes <= _checks.MAX_BYTES:
        return
    per_record = 8 + BYTES_PER_RECORD_PER_LAYER * n_layers
    room = _checks.MAX_BYTES - history_nbytes(n_steps, epochs, n_steps, n_layers) + per_record
    run = (f"epochs={epochs} x {-(-n // batch_size)} steps per epoch (batch_size={batch_size})"
           f" = {n_steps:,} steps, record_every={record_every}")
    if room >= per_record:  # recording less often is enough
        advice = f"raise record_every to {-(-n_steps * per_record // room):,} or more, or lower epochs"
    else:  # even the per-step loss and accuracy (16 bytes a step) do not fit
        advice = (f"lower epochs to {max(1, epochs * _checks.MAX_BYTES // (2 * nbytes)):,} or fewer"
                  " (or raise batch_size), and record less often (record_every)")
    raise ValueError(f"this run would need a history of {_checks._size(nbytes)} ({run}), more than"
                     f" nninit's limit of {_checks._size(_checks.MAX_BYTES)} (a 2 GB Binder or Colab kernel"
                     f" would die): {advice}")
