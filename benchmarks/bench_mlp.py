"""One training step of nninit's MLP vs the same network in PyTorch (CPU), and vs its matrix products.

    python benchmarks/bench_mlp.py [--repeats 300] [--width 256] [--depth 8] [--batch 256]

The network: ``depth`` dense layers of ``width`` × ``width`` (sizes = [width] * (depth + 1)), ReLU
between them, a linear output layer, softmax cross-entropy on random labels, float32. A step is
forward, backward and a plain SGD update (lr 0.01), measured the way ``fit`` runs it
(``MLP.trace`` → ``mlp.cross_entropy`` → ``MLP.backward`` → ``training.SGD.step``).

Baselines:
- PyTorch: ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``F.cross_entropy``, ``optim.SGD``;
  zero_grad, forward, backward, step. Skipped, with a message, when torch is not installed.
- matmuls alone: the 3·depth − 1 matrix products of the step (forward a @ W, weight gradient aᵀ @ g,
  input gradient g @ Wᵀ; none for the input), with numpy allocating the results as the MLP does.

Each figure is the median over ``repeats`` timed steps after warm-up. Targets (design.md): nninit
within 1.5× of PyTorch and within 2× of its matmuls alone. Both libraries run on the same number of
threads (numpy's BLAS and torch's intra-op pool; printed). On machines where OPENBLAS_CORETYPE is
forced (see the environment notes), numpy may use a slower kernel: the table prints the one in use.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from nninit.mlp import MLP, cross_entropy  # noqa: E402
from nninit.training import SGD  # noqa: E402


def median_time(fn, repeats: int, warmup: int = 20) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def nninit_step(width, depth, batch, rng):
    net = MLP([width] * (depth + 1), activation="relu", init="he_normal", rng=0, dtype=np.float32)
    X = rng.standard_normal((batch, width), dtype=np.float32)
    y = rng.integers(0, width, batch)
    params = [p for layer in net.layers for p in (layer.W, layer.b)]
    opt = SGD(params, lr=0.01)

    def step():
        trace = net.trace(X)
        _, g = cross_entropy(trace.output, y)
        grads = net.backward(trace, g)
        opt.step(params, [p for l in range(net.n_layers) for p in (grads.W[l], grads.b[l])])

    return step


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args(argv)
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

    results = {
        "nninit step": median_time(nninit_step(**shape, rng=rng), args.repeats),
        "matmuls alone": median_time(matmul_step(**shape, rng=rng), args.repeats),
    }
    try:
        import torch

        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
        results["PyTorch step"] = median_time(torch_step(**shape, rng=rng), args.repeats)
    except ImportError:
        print("PyTorch is not installed: skipping the PyTorch baseline (pip install torch to run it)")

    ours = results["nninit step"]
    print()
    print(f"{'':16s}{'ms/step':>10s}{'nninit / this':>16s}{'target':>10s}")
    targets = {"matmuls alone": "< 2.0", "PyTorch step": "< 1.5"}
    for name, t in results.items():
        print(f"{name:16s}{t * 1e3:10.3f}{ours / t:16.2f}{targets.get(name, ''):>10s}")


if __name__ == "__main__":
    main()
