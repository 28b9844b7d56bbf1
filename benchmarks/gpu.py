"""gpu: neuroflow on CuPy against PyTorch CUDA, on one NVIDIA GPU (issue #18's figures).

Rows (targets from the issue):

* ``mnist_mlp_epoch`` — the 784-512-512-10 MLP of ``mnist_mlp.py``, one epoch of ``fit``: <= 1.30x PyTorch CUDA;
* ``mnist_cnn_epoch`` — the convnet of ``mnist_cnn.py``, one epoch of ``fit``: <= 1.30x;
* ``char_lstm_tokens_per_s`` — the char LSTM of ``char_lstm.py``: >= 0.70x PyTorch CUDA's tokens/s;
* ``mlp_step_ops`` — the same MLP's forward + backward written with ``neuroflow.ops`` (no layers, no optimizer):
  the engine alone; reported, no target.

The ``fit`` rows run neuroflow's own ``fit`` on the device (batches uploaded through pinned memory, the compiled
step replayed there, the loss read once an epoch) against a plain PyTorch loop on CUDA tensors. Same data and the
same initial weights on both sides (the builders of the CPU benchmarks); each side is timed after a warm-up run
(kernels compiled, the step traced, memory pools filled), with the device synchronised before the clock stops; the
best of ``--repeats`` runs counts. A row whose neuroflow side fails prints the error and the script exits with 1.

Run on a GPU machine: ``python benchmarks/gpu.py [--repeats 2] [--samples 20000] [--json out.json]`` (the
defaults finish in a few minutes; an "epoch" is ``--samples`` images, the LSTM row ``--lstm-steps`` batches).
Without CuPy and a CUDA device, or without a CUDA build of PyTorch, it says so and exits with status 2.

Dry run without a GPU: ``python benchmarks/gpu.py --device strict --samples 256`` runs every row's neuroflow side
on the strict stand-in device (no PyTorch, no CUDA), printing its figures as "dry run, not a GPU figure": it proves
the script and the device paths work, not their speed.
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
DRY = "dry run, not a GPU figure"


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


def synchronizer(device: str):
    """A function that waits for the device's queued work: CuPy's device synchronize, nothing on the stand-in."""
    if device == "cuda":
        import cupy
        return cupy.cuda.Device().synchronize
    return lambda: None


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


# --- the engine alone: the MLP's step written with ops ---------------------------------------------------------------
def mlp_step_ops(args) -> dict:
    import neuroflow as nf
    from benchmarks import mnist_mlp
    x, y = mnist_mlp.mnist_images(argparse.Namespace(samples=args.batch_size, seed=0, data=None))
    weights, batch, steps = mnist_mlp.initial_weights(0), args.batch_size, 50 if args.device == "cuda" else 2
    with nf.device(args.device):
        params = [nf.Tensor(w, requires_grad=True) for w in weights]
        xb, yb = nf.Tensor(x.reshape(batch, -1)), nf.Tensor(y.astype(np.int64))

    def nf_step():
        h = xb
        for i in range(0, len(params) - 2, 2):
            h = nf.ops.relu(h @ params[i] + params[i + 1])
        logits = h @ params[-2] + params[-1]
        loss = nf.ops.sparse_categorical_crossentropy(yb, logits, from_logits=True).mean()
        loss.backward()
        for p in params:
            p.grad = None

    sync = synchronizer(args.device)
    nf_step()  # warm-up: kernels compiled, memory pools filled
    result = {"unit": "ms/step",
              "neuroflow": best_time(lambda: [nf_step() for _ in range(steps)], args.repeats, sync) / steps * 1e3}
    if args.device != "cuda":
        return result
    import torch
    tparams = [torch.tensor(w, device="cuda", requires_grad=True) for w in weights]
    txb = torch.tensor(x.reshape(batch, -1), device="cuda")
    tyb = torch.tensor(y.astype(np.int64), device="cuda")

    def torch_step():
        h = txb
        for i in range(0, len(tparams) - 2, 2):
            h = torch.relu(h @ tparams[i] + tparams[i + 1])
        loss = torch.nn.functional.cross_entropy(h @ tparams[-2] + tparams[-1], tyb)
        loss.backward()
        for p in tparams:
            p.grad = None

    torch_step()
    result["torch"] = best_time(lambda: [torch_step() for _ in range(steps)], args.repeats,
                                torch.cuda.synchronize) / steps * 1e3
    return result


# --- the fit rows -----------------------------------------------------------------------------------------------------
def _workload(name, args):
    """``(x, y, build_neuroflow, build_torch, torch_loss, batch_size, tokens)`` of a fit row."""
    from benchmarks import char_lstm, mnist_cnn, mnist_mlp
    if name == "char_lstm_tokens_per_s":
        steps = args.lstm_steps if args.device == "cuda" else min(args.lstm_steps, max(1, args.samples // 128))
        ns = argparse.Namespace(seed=0, data=None, steps=steps, batch_size=64, seq_len=100, units=256, embed=64,
                                vocab=65)
        x, y, vocab = char_lstm.token_data(ns)
        weights = char_lstm.initial_weights(0, vocab, ns.embed, ns.units)

        def flat(out, yb):
            import torch
            return torch.nn.functional.cross_entropy(out.reshape(-1, vocab), yb.reshape(-1))
        return (x, y, lambda: char_lstm.build_neuroflow(ns, vocab, weights, {}),
                lambda: char_lstm.build_torch(ns, vocab, weights), flat, ns.batch_size, x.size)
    module = mnist_mlp if name == "mnist_mlp_epoch" else mnist_cnn
    x, y = mnist_mlp.mnist_images(argparse.Namespace(samples=args.samples, seed=0, data=None))
    x = x.reshape(len(x), -1) if module is mnist_mlp else x[..., None]
    weights = module.initial_weights(0)

    def cross_entropy(out, yb):
        import torch
        return torch.nn.functional.cross_entropy(out, yb)
    return (x, y, lambda: module.build_neuroflow(weights), lambda: module.build_torch(weights), cross_entropy,
            args.batch_size, None)


def _neuroflow_fit(args, x, y, build, batch_size):
    """``(seconds, replayed steps)``: one epoch of neuroflow's ``fit`` on ``args.device`` (best of ``--repeats``
    after a warm-up) and how many steps the compiled step replayed in all."""
    import neuroflow as nf
    with nf.device(args.device):
        model = build()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")  # jit_compile="auto"
        run = lambda: model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)  # noqa: E731
        loss = run().history["loss"][-1]
        if not np.isfinite(loss):
            raise FloatingPointError(f"the warm-up epoch's loss is {loss}")
        seconds = best_time(run, args.repeats, synchronizer(args.device))
        return seconds, sum(status["replays"] for status in model._jit_status())


def _torch_fit(args, name, x, y, build, loss_fn, batch_size) -> float:
    """Seconds of one epoch of a plain PyTorch loop on CUDA tensors (best of ``--repeats`` after a warm-up)."""
    import torch
    tx = torch.tensor(x if name != "mnist_cnn_epoch" else x.transpose(0, 3, 1, 2), device="cuda")
    ty = torch.tensor(y, device="cuda")
    model = build().cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def epoch():
        for start in range(0, len(tx), batch_size):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(tx[start:start + batch_size]), ty[start:start + batch_size]).backward()
            optimizer.step()

    epoch()
    return best_time(epoch, args.repeats, torch.cuda.synchronize)


def fit_row(name, args) -> dict:
    """One epoch of ``fit`` on each side (tokens/s for the LSTM row); ``failed`` holds neuroflow's error, if any."""
    x, y, build_nf, build_torch, loss_fn, batch_size, tokens = _workload(name, args)
    result = {"unit": "tokens/s" if tokens else "s"}
    try:
        seconds, result["replayed_steps"] = _neuroflow_fit(args, x, y, build_nf, batch_size)
        result["neuroflow"] = tokens / seconds if tokens else seconds
    except Exception as error:  # noqa: BLE001 - a real failure on the device: reported with its error, not hidden
        result["neuroflow"] = None
        result["failed"] = f"{type(error).__name__}: {error}"[:500]
    if args.device == "cuda":
        seconds = _torch_fit(args, name, x, y, build_torch, loss_fn, batch_size)
        result["torch"] = tokens / seconds if tokens else seconds
    return result


def verdict(name: str, ratio: float) -> str:
    """`` (target <= 1.30x: met)`` for a row with a target, else empty."""
    if name not in TARGETS:
        return ""
    op, bound = TARGETS[name]
    met = ratio <= bound if op == "<=" else ratio >= bound
    return f" (target {op} {bound:.2f}x: {'met' if met else 'missed'})"


def report(name: str, fig: dict, dry: bool) -> str:
    """One printed line for a row."""
    ours, theirs, unit = fig.get("neuroflow"), fig.get("torch"), fig["unit"]
    if ours is None:
        return f"{name}: neuroflow FAILED: {fig['failed']}"
    replayed = f", {fig['replayed_steps']} compiled steps replayed" if "replayed_steps" in fig else ""
    if dry:
        return f"{name}: neuroflow {ours:.4g} {unit} on the strict stand-in{replayed} ({DRY})"
    ratio = ours / theirs
    return (f"{name}: neuroflow {ours:.4g}, torch CUDA {theirs:.4g} {unit}, ratio {ratio:.2f}x{verdict(name, ratio)}"
            f"{replayed}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=("cuda", "strict"), default="cuda",
                        help="cuda: the GPU figures; strict: a dry run of neuroflow's side on the stand-in")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per side (the best counts)")
    parser.add_argument("--samples", type=int, default=20000, help="MNIST-sized random images per epoch")
    parser.add_argument("--lstm-steps", type=int, default=100, help="batches of the char LSTM row")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    dry = args.device != "cuda"
    if not dry:
        reason = why_no_gpu()
        if reason:
            print(f"benchmarks/gpu.py: no GPU run here: {reason}. GPU figures are pending "
                  f"(--device strict runs a dry run).")
            return 2
    figures = {"mlp_step_ops": mlp_step_ops(args)}
    print(report("mlp_step_ops", figures["mlp_step_ops"], dry), flush=True)
    for name in TARGETS:
        figures[name] = fit_row(name, args)
        print(report(name, figures[name], dry), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"device": args.device, "dry_run": dry, **figures}, indent=2))
    return 1 if any(fig.get("failed") for fig in figures.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
