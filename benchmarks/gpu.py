"""gpu: neuroflow on CuPy against PyTorch CUDA, on one NVIDIA GPU (issue #18's figures).

Rows (targets from the issue):

* ``mnist_mlp_epoch`` — the 784-512-512-10 MLP of ``mnist_mlp.py``, one epoch of ``fit``: <= 1.30x PyTorch CUDA;
* ``mnist_cnn_epoch`` — the convnet of ``mnist_cnn.py``, one epoch of ``fit``: <= 1.30x;
* ``char_lstm_tokens_per_s`` — the char LSTM of ``char_lstm.py``: >= 0.70x PyTorch CUDA's tokens/s;
* ``mlp_step_ops`` — the same MLP's forward + backward written with ``neuroflow.ops`` (no layers, no optimizer):
  what runs on the device today (the engine and ops); reported, no target.

The three ``fit`` rows need layers and training on the device (issue #18 part 2); until then they report
"pending" with the error neuroflow gave, and only ``mlp_step_ops`` is measured. Same data and the same initial
weights on both sides (the builders of the CPU benchmarks); each side is timed after a warm-up, with the device
synchronised before the clock stops; the best of ``--repeats`` runs counts.

Run: ``python benchmarks/gpu.py [--repeats 3] [--samples 60000] [--json out.json]``. Without CuPy and a CUDA device,
or without a CUDA build of PyTorch, it says so and exits with status 2 (figures pending).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGETS = {"mnist_mlp_epoch": ("<=", 1.30), "mnist_cnn_epoch": ("<=", 1.30), "char_lstm_tokens_per_s": (">=", 0.70)}


def why_no_gpu() -> str | None:
    """``None`` when CuPy sees a CUDA device and PyTorch was built with CUDA; else the reason."""
    from neuroflow.backends import cupy as cupy_backend
    if not cupy_backend.available():
        return "CuPy with a CUDA device is needed (pip install \"neuroflow[gpu]\" on a machine with an NVIDIA GPU)"
    try:
        import torch
    except ImportError:
        return "PyTorch is the reference: pip install torch (a CUDA build)"
    if not torch.cuda.is_available():
        return f"PyTorch {torch.__version__} sees no CUDA device (a CPU-only build?)"
    return None


def best_time(run, repeats: int, synchronize) -> float:
    """The fastest of ``repeats`` calls of ``run()`` in seconds, the device synchronised before each clock read."""
    times = []
    for _ in range(repeats):
        synchronize()
        start = time.perf_counter()
        run()
        synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


# --- the side that runs today: the MLP's step written with ops -----------------------------------------------------
def mlp_step_ops(args, weights, x, y) -> dict:
    import cupy
    import torch
    import neuroflow as nf
    batch = args.batch_size
    with nf.device("cuda"):
        params = [nf.Tensor(w, requires_grad=True) for w in weights]
        xb, yb = nf.Tensor(x[:batch].reshape(batch, -1)), nf.Tensor(y[:batch])

    def nf_step():
        h = xb
        for i in range(0, len(params) - 2, 2):
            h = nf.ops.relu(h @ params[i] + params[i + 1])
        logits = h @ params[-2] + params[-1]
        loss = nf.ops.sparse_categorical_crossentropy(yb, logits, from_logits=True).mean()
        loss.backward()
        for p in params:
            p.grad = None

    tparams = [torch.tensor(w, device="cuda", requires_grad=True) for w in weights]
    txb = torch.tensor(x[:batch].reshape(batch, -1), device="cuda")
    tyb = torch.tensor(y[:batch], device="cuda")

    def torch_step():
        h = txb
        for i in range(0, len(tparams) - 2, 2):
            h = torch.relu(h @ tparams[i] + tparams[i + 1])
        loss = torch.nn.functional.cross_entropy(h @ tparams[-2] + tparams[-1], tyb)
        loss.backward()
        for p in tparams:
            p.grad = None

    steps = 50
    results = {}
    for side, step, sync in (("neuroflow", nf_step, cupy.cuda.Device().synchronize),
                             ("torch", torch_step, torch.cuda.synchronize)):
        step()  # warm-up: kernels compiled, memory pools filled
        results[side] = best_time(lambda: [step() for _ in range(steps)], args.repeats, sync) / steps * 1e3
    return {"unit": "ms/step", **results}


# --- the fit rows (layers and training on the device: issue #18 part 2) --------------------------------------------
def fit_epoch(name, args) -> dict:
    """One epoch of ``fit`` on each side; neuroflow's side reports "pending" while training cannot run there."""
    import torch
    import neuroflow as nf
    from benchmarks import char_lstm, mnist_cnn, mnist_mlp
    module = {"mnist_mlp_epoch": mnist_mlp, "mnist_cnn_epoch": mnist_cnn, "char_lstm_tokens_per_s": char_lstm}[name]
    ns = argparse.Namespace(samples=args.samples, seed=0, data=None, steps=200, batch_size=args.batch_size,
                            seq_len=100, units=256, embed=64, vocab=65, epochs=1)
    if module is char_lstm:
        ns.batch_size = 64
        x, y, vocab = char_lstm.token_data(ns)
        weights = char_lstm.initial_weights(0, vocab, ns.embed, ns.units)
        build_nf = lambda: char_lstm.build_neuroflow(ns, vocab, weights, {})  # noqa: E731
        build_torch = lambda: char_lstm.build_torch(ns, vocab, weights)  # noqa: E731
        flat = lambda out, yb: torch.nn.functional.cross_entropy(out.reshape(-1, vocab), yb.reshape(-1))  # noqa
    else:
        x, y = mnist_mlp.mnist_images(ns)
        x = x.reshape(len(x), -1) if module is mnist_mlp else x[..., None]
        weights = module.initial_weights(0)
        build_nf, build_torch = (lambda: module.build_neuroflow(weights)), (lambda: module.build_torch(weights))
        flat = torch.nn.functional.cross_entropy
    result = {"unit": "tokens/s" if module is char_lstm else "s"}
    tokens = ns.steps * ns.batch_size * ns.seq_len

    tx = torch.tensor(x if module is not mnist_cnn else x.transpose(0, 3, 1, 2), device="cuda")
    ty = torch.tensor(y, device="cuda")
    model = build_torch().cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def torch_epoch():
        for start in range(0, len(tx), ns.batch_size):
            optimizer.zero_grad(set_to_none=True)
            flat(model(tx[start:start + ns.batch_size]), ty[start:start + ns.batch_size]).backward()
            optimizer.step()

    torch_epoch()
    seconds = best_time(torch_epoch, args.repeats, torch.cuda.synchronize)
    result["torch"] = tokens / seconds if module is char_lstm else seconds
    try:
        import cupy
        with nf.device("cuda"):
            nf_model = build_nf()
            nf_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            run = lambda: nf_model.fit(x, y, batch_size=ns.batch_size, epochs=1, verbose=0)  # noqa: E731
            run()
            seconds = best_time(run, args.repeats, cupy.cuda.Device().synchronize)
        result["neuroflow"] = tokens / seconds if module is char_lstm else seconds
    except Exception as error:  # noqa: BLE001 - any failure means "not on the device yet": report it
        result["neuroflow"] = None
        result["pending"] = f"training on the device is issue #18 part 2 ({type(error).__name__}: {error})"[:300]
    return result


def verdict(name: str, ratio: float) -> str:
    """`` (target <= 1.30x: met)`` for a row with a target, else empty."""
    if name not in TARGETS:
        return ""
    op, bound = TARGETS[name]
    met = ratio <= bound if op == "<=" else ratio >= bound
    return f" (target {op} {bound:.2f}x: {'met' if met else 'missed'})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60000, help="MNIST-sized random images per epoch")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    reason = why_no_gpu()
    if reason:
        print(f"benchmarks/gpu.py: no GPU run here: {reason}. GPU figures are pending.")
        return 2
    from benchmarks import mnist_mlp
    ns = argparse.Namespace(samples=args.batch_size, seed=0, data=None)
    x, y = mnist_mlp.mnist_images(ns)
    figures = {"mlp_step_ops": mlp_step_ops(args, mnist_mlp.initial_weights(0), x, y.astype(np.int64))}
    for name in TARGETS:
        figures[name] = fit_epoch(name, args)
    for name, fig in figures.items():
        ours, theirs = fig.get("neuroflow"), fig["torch"]
        if ours is None:
            print(f"{name}: torch CUDA {theirs:.4g} {fig['unit']}; neuroflow pending: {fig['pending']}")
            continue
        ratio = ours / theirs
        print(f"{name}: neuroflow {ours:.4g}, torch CUDA {theirs:.4g} {fig['unit']}, ratio {ratio:.2f}x"
              f"{verdict(name, ratio)}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
