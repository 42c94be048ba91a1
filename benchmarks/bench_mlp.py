"""One training step of nninit's MLP vs the same network in PyTorch (CPU) and vs its matrix products,
and what recording a step costs.

    python benchmarks/bench_mlp.py [--repeats 300] [--width 256] [--depth 8] [--batch 256]
    python benchmarks/bench_mlp.py --recording [--repeats 300]

The network: ``depth`` dense layers of ``width`` × ``width`` (sizes = [width] * (depth + 1)), ReLU
between them, a linear output layer, softmax cross-entropy on random labels, float32. A step is
``nninit.training.TrainingStep``, the very object ``fit`` calls for each batch: forward, loss,
divergence checks, backward, checks, plain SGD update (lr 0.01), reusing the previous step's arrays.
A second nninit row passes it a ``Recorder``, as ``fit`` does on a recorded step.

Baselines:
- PyTorch: ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``F.cross_entropy``, ``optim.SGD``;
  zero_grad, forward, backward, step. Skipped, with a message, when torch is not installed.
- matmuls alone: the 3·depth − 1 matrix products of the step (forward a @ W, weight gradient aᵀ @ g,
  input gradient g @ Wᵀ; none for the input), with numpy allocating the results as the MLP does.

``--recording``: the recorded step against the plain one at the course's sizes (width 64 and 128,
depth 8 and 30, batch 64, every step recorded); the target is at most +50%. On a busy 2-core
machine (``--cpu-time``, 300 steps each, seven runs) it printed, with one BLAS thread
(OPENBLAS_NUM_THREADS=1): +46% to +48% at 64×8, +36% to +41% at 64×30, +31% to +34% at 128×8,
+35% to +43% at 128×30. The recorder before its histograms counted 16 rows of the batch and before
it read an MLP's weight arrays as one buffer printed, in four runs: +96% to +102%, +95% to +113%,
+69% to +79%, +60% to +79%. With numpy's default two BLAS threads on a busy machine the CPU time of
the width-128 steps is inflated by threads waiting for a core (a plain 128×30 step read 7–12 ms
instead of 3.3 ms), so the width-128 ratios of such a run mean little; the first line prints
OPENBLAS_NUM_THREADS ("unset": one thread per CPU).

Each figure is the median over ``repeats`` timed steps, the contenders taking turns in blocks (each
block after a few untimed steps) so that background load hits every contender alike. ``--cpu-time``
times the process's CPU time instead of the wall clock, which a busy machine disturbs less. Targets:
nninit within 1.5× of PyTorch and within 2× of its matmuls alone. Both libraries run on the same
number of threads (numpy's BLAS and torch's intra-op pool; printed). On machines where
OPENBLAS_CORETYPE is forced, numpy may use a slower kernel: the table prints the one in use.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nninit.mlp import MLP  # noqa: E402
from nninit.recorder import Recorder  # noqa: E402
from nninit.training import TrainingStep  # noqa: E402

CLOCK = time.perf_counter


def median_times(steps: dict, repeats: int, block: int = 25, settle: int = 5) -> dict:
    """Median seconds per call of each function, over ``repeats`` timed calls each.

    The contenders take turns in blocks of ``block`` timed calls (A, B, C, A, B, C, ...), so that
    background load hits all of them alike. Each block starts with ``settle`` untimed calls: numpy's
    OpenBLAS threads and torch's OpenMP threads both spin for a while after their work, and on two
    cores the pool that has just stopped slows the other one down until it sleeps.
    """
    times = {name: [] for name in steps}
    for _ in range(max(1, repeats // block)):
        for name, fn in steps.items():
            for _ in range(settle):
                fn()
            for _ in range(block):
                t0 = CLOCK()
                fn()
                times[name].append(CLOCK() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def nninit_step(width, depth, batch, rng, record=False):
    """One step exactly as ``fit`` runs it (``TrainingStep``), recorded or not."""
    net = MLP([width] * (depth + 1), activation="relu", init="he_normal", rng=0, dtype=np.float32)
    X = rng.standard_normal((batch, width), dtype=np.float32)
    y = rng.integers(0, width, batch)
    step = TrainingStep(net, lr=0.01)
    recorder = Recorder(net, n_records=1) if record else None

    def run():
        if recorder is not None:
            recorder.n = 0                       # record into the same row every time
        step(X, y, recorder)

    return run


def matmul_step(width, depth, batch, rng):
    W = [rng.standard_normal((width, width), dtype=np.float32) * 0.05 for _ in range(depth)]
    a = [rng.standard_normal((batch, width), dtype=np.float32) for _ in range(depth + 1)]
    g = rng.standard_normal((batch, width), dtype=np.float32)

    def step():
        for l in range(depth):
            a[l] @ W[l]
        for l in reversed(range(depth)):
            a[l].T @ g
            if l > 0:
                g @ W[l].T

    return step


def torch_step(width, depth, batch, rng):
    import torch

    torch.manual_seed(0)
    layers = []
    for l in range(depth):
        layers.append(torch.nn.Linear(width, width))
        if l < depth - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    X = torch.from_numpy(rng.standard_normal((batch, width), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, width, batch))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()

    return step


def recording_table(repeats: int) -> None:
    """The recorded step against the plain one at the course's sizes, every step recorded."""
    rng = np.random.default_rng(0)
    print(f"batch 64, float32, every step recorded; median of {repeats} steps each, contenders interleaved")
    print(f"{'width':>5s}{'depth':>6s}{'plain ms':>10s}{'recorded ms':>13s}{'overhead':>10s}{'target':>8s}")
    for width in (64, 128):
        for depth in (8, 30):
            shape = dict(width=width, depth=depth, batch=64, rng=rng)
            t = median_times({"plain": nninit_step(**shape), "recorded": nninit_step(**shape, record=True)},
                             repeats)
            extra = t["recorded"] / t["plain"] - 1
            print(f"{width:5d}{depth:6d}{t['plain'] * 1e3:10.3f}{t['recorded'] * 1e3:13.3f}{extra:+10.0%}"
                  f"{'<= +50%':>8s}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numpy's BLAS (needs threadpoolctl) and torch;"
                             " default: as installed")
    parser.add_argument("--recording", action="store_true",
                        help="only the recording overhead at the course's sizes"
                             " (width 64/128, depth 8/30, batch 64)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time CPU seconds of this process instead of the wall clock")
    args = parser.parse_args(argv)
    if args.cpu_time:
        global CLOCK
        CLOCK = time.process_time
    if args.recording:
        threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
        print(f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={threads}, {os.cpu_count()} CPUs")
        recording_table(args.repeats)
        return
    if args.threads is not None:
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(args.threads)
        except ImportError:
            print("threadpoolctl is not installed: numpy keeps its default number of threads")
    rng = np.random.default_rng(0)
    shape = dict(width=args.width, depth=args.depth, batch=args.batch)

    try:
        from threadpoolctl import threadpool_info

        blas = [f"{i.get('internal_api')} {i.get('architecture', '')} x{i['num_threads']}"
                for i in threadpool_info() if i["user_api"] == "blas"]
    except ImportError:
        blas = ["(install threadpoolctl to see numpy's BLAS)"]
    print(f"numpy {np.__version__}, BLAS: {', '.join(blas)}")
    print(f"network: {args.depth} layers of {args.width}x{args.width}, batch {args.batch}, float32, "
          f"median of {args.repeats} steps")

    steps = {
        "nninit step": nninit_step(**shape, rng=rng),
        "matmuls alone": matmul_step(**shape, rng=rng),
    }
    try:
        import torch

        if args.threads is not None:
            torch.set_num_threads(args.threads)
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
        steps["PyTorch step"] = torch_step(**shape, rng=rng)
    except ImportError:
        print("PyTorch is not installed: skipping the PyTorch baseline (pip install torch to run it)")
    steps["nninit + record"] = nninit_step(**shape, rng=rng, record=True)
    results = median_times(steps, args.repeats)

    ours = results["nninit step"]
    print()
    print(f"{'':16s}{'ms/step':>10s}{'nninit / this':>16s}{'target':>10s}")
    targets = {"matmuls alone": "< 2.0", "PyTorch step": "< 1.5"}
    for name, t in results.items():
        print(f"{name:16s}{t * 1e3:10.3f}{ours / t:16.2f}{targets.get(name, ''):>10s}")
    extra = results["nninit + record"] - ours
    print(f"\nrecording costs {extra * 1e3:.3f} ms per recorded step: +{extra / ours:.0%} of a step when"
          " every"
          f" step is recorded, +{extra / ours / 10:.1%} with fit's default record_every=10")


if __name__ == "__main__":
    main()
