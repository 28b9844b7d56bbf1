"""Element-wise fusion: eager vs the optimised program, forward + backward of a LayerNorm/GELU-style chain.

The block, on ``--size`` float32 elements (default 1e6, a 1000 x 1000 array) with four trainable scalars::

    h = (x - mu) / sqrt(var + 1e-5) * gamma + beta          # normalise, scale, shift
    y = 0.5 * h * (1 + tanh(0.7978845608 * (h + 0.044715 * h*h*h)))  # GELU, tanh form
    loss = sum(y)

(``h*h*h`` rather than ``h**3``: NumPy's float32 power loop alone takes ~150 ns an element here, which would
make eager look five times slower than it is for other chains.)

is recorded once and replayed three ways: eager (ops recording a graph, then ``backward``), the level-1 program
(same nodes, replayed) and the level-2 program (the chain fused into one node: one C pass forward, one backward;
``--numpy`` also times the fused node's NumPy twin). Figures: the median of ``--repeat`` runs after a warm-up.

    python benchmarks/fusion.py [--size 1000000] [--repeat 20] [--numpy]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def block(nf, x, mu, var, gamma, beta):
    ops = nf.ops
    h = (x - mu) / ops.sqrt(var + 1e-5) * gamma + beta
    y = 0.5 * h * (1.0 + ops.tanh(0.7978845608 * (h + 0.044715 * (h * h * h))))
    return ops.sum(y)


def median_time(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> dict:
    """Print eager and optimised times and their ratio; returns ``{name: seconds}``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--numpy", action="store_true", help="also time the fused node's NumPy twin")
    args = parser.parse_args(argv)
    import neuroflow as nf
    from neuroflow.compile import fusion_c
    from neuroflow.compile.ir import program_from_tensors
    from neuroflow.compile.passes import optimize

    rng = np.random.default_rng(0)
    x = nf.Tensor(rng.standard_normal(args.size).astype(np.float32).reshape(-1, 1000), name="x")
    params = [nf.Variable(np.asarray(v, np.float32), name=n)
              for n, v in (("mu", 0.1), ("var", 1.2), ("gamma", 0.9), ("beta", 0.05))]
    one = np.ones((), np.float32)

    def eager():
        for p in params:
            p.grad = None
        block(nf, x, *params).backward()

    recorded = program_from_tensors(block(nf, x, *params), feeds=[x], variables=params)
    levels = {level: optimize(recorded, level) for level in (1, 2)}

    def replay(program):
        def run():
            program.run_forward([x.data])
            program.run_backward([one])
        return run

    times = {"eager": median_time(eager, args.repeat)}
    for level, program in levels.items():
        times[f"level {level}"] = median_time(replay(program), args.repeat)
    if args.numpy:
        with fusion_c.disabled():
            times["level 2, NumPy twin"] = median_time(replay(levels[2]), args.repeat)
    # the answers agree: loss and gradients of the fused program against eager
    eager()
    out, = levels[2].run_forward([x.data])
    grads = levels[2].run_backward([one])
    loss_diff = abs(float(out) - float(block(nf, x, *params).data)) / abs(float(out))
    grad_diff = max(float(abs(grads[s] - v.grad) / abs(v.grad)) for s, v in levels[2].variables)
    fused = levels[2].meta["optimize"]
    native = fusion_c.native_enabled() and fusion_c.find_compiler() is not None
    print(f"fusion: {args.size:,} float32 elements, {fused['instrs_before']} instrs -> {fused['instrs_after']} "
          f"({fused['fuse']['groups']} fused node(s)); C kernels: {native}")
    print(f"  relative difference to eager: loss {loss_diff:.1e}, gradients (max) {grad_diff:.1e}")
    for name, seconds in times.items():
        print(f"  {name:22s} {seconds * 1e3:8.2f} ms   ratio to eager {seconds / times['eager']:.2f}x")
    return times


if __name__ == "__main__":
    main()
