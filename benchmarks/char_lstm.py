"""char_lstm: a character language model, Embedding(65, 64) -> LSTM 256 (return_sequences) -> Dense 65, sequences
of 100, batch 64, 200 Adam steps; training throughput in tokens/s, neuroflow vs torch. Target >= 0.80x torch.

neuroflow: ``Sequential([Embedding, LSTM(return_sequences=True), Dense(softmax)])`` + ``fit`` with sparse
categorical cross-entropy (fused with the softmax); torch: ``nn.Embedding`` + ``nn.LSTM(batch_first=True)`` +
``nn.Linear`` + ``CrossEntropyLoss`` in a plain loop. Both start from the same weights when neuroflow's LSTM uses
Keras' layout (kernel (64, 4U), recurrent kernel (U, 4U), gates i, f, c, o = torch's i, f, g, o).
Data: random tokens, or windows of a text file with ``--data`` (e.g. tinyshakespeare/input.txt, 65 characters).

Prints "char_lstm: skipped (neuroflow.layers.LSTM not available)" while that layer does not exist.
Run: ``python benchmarks/char_lstm.py [--steps 200] [--data input.txt] [--threads 2]``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import common  # noqa: E402

NAME = "char_lstm"
ROWS = [common.Row("tokens_per_s", "char_lstm", "tokens/s", common.Target(">=", 0.80))]
SMOKE = {"steps": 2, "batch_size": 8, "seq_len": 10, "units": 32}


def add_arguments(p):
    p.add_argument("--steps", type=int, default=200, help="training steps (batches) timed")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seq-len", type=int, default=100)
    p.add_argument("--units", type=int, default=256, help="LSTM units")
    p.add_argument("--embed", type=int, default=64, help="embedding size")
    p.add_argument("--vocab", type=int, default=65, help="vocabulary of the random tokens (text: its characters)")
    p.add_argument("--data", help="a text file to cut training windows from, instead of random tokens")


def token_data(args):
    """``(x, y, vocab)``: ``steps * batch`` windows of ``seq_len`` tokens (int64) and their next tokens."""
    rng = np.random.default_rng(args.seed)
    n = args.steps * args.batch_size
    if args.data:
        text = Path(args.data).read_text(encoding="utf-8")
        chars = sorted(set(text))
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        lookup = {ord(c): i for i, c in enumerate(chars)}
        ids = np.array([lookup[c] for c in codes.tolist()], dtype=np.int64)
        starts = rng.integers(0, len(ids) - args.seq_len - 1, n)
        windows = ids[starts[:, None] + np.arange(args.seq_len + 1)]
        vocab = len(chars)
    else:
        vocab = args.vocab
        windows = rng.integers(0, vocab, (n, args.seq_len + 1))
    return windows[:, :-1], windows[:, 1:], vocab


def initial_weights(seed, vocab, embed, units) -> list:
    """Keras' defaults in Keras' layout: uniform embeddings, Glorot kernel, orthogonal recurrent kernel, bias with
    the forget gate at 1 (``unit_forget_bias``), Glorot Dense kernel, zero Dense bias."""
    rng = np.random.default_rng(seed + 1)
    q, r = np.linalg.qr(rng.standard_normal((4 * units, units)))
    recurrent = (q * np.sign(np.diag(r))).T.astype(np.float32)  # (U, 4U) with orthonormal rows
    bias = np.zeros(4 * units, np.float32)
    bias[units:2 * units] = 1.0
    return [rng.uniform(-0.05, 0.05, (vocab, embed)).astype(np.float32),
            common.glorot_uniform(rng, (embed, 4 * units), embed, 4 * units), recurrent, bias,
            common.glorot_uniform(rng, (units, vocab), units, vocab), np.zeros(vocab, np.float32)]


def build_neuroflow(args, vocab, weights, info):
    import neuroflow
    from neuroflow.layers import LSTM, Dense, Embedding
    from neuroflow.models import Sequential
    model = Sequential([neuroflow.Input((args.seq_len,), dtype="int64"), Embedding(vocab, args.embed),
                        LSTM(args.units, return_sequences=True), Dense(vocab, activation="softmax")])
    try:
        model.set_weights(weights)
        info["weights"] = "shared"
    except Exception as e:  # a layout other than Keras': each side keeps its own initialization
        info["weights"] = f"own initialization ({type(e).__name__})"
    return model


def build_torch(args, vocab, weights):
    import torch
    import torch.nn as nn

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, args.embed)
            self.lstm = nn.LSTM(args.embed, args.units, batch_first=True)
            self.out = nn.Linear(args.units, vocab)

        def forward(self, x):  # (N, T) int64 -> (N, T, vocab) logits
            return self.out(self.lstm(self.embed(x))[0])

    model = CharLSTM()
    with torch.no_grad():
        model.embed.weight.copy_(torch.from_numpy(weights[0]))
        model.lstm.weight_ih_l0.copy_(torch.from_numpy(np.ascontiguousarray(weights[1].T)))
        model.lstm.weight_hh_l0.copy_(torch.from_numpy(np.ascontiguousarray(weights[2].T)))
        model.lstm.bias_ih_l0.copy_(torch.from_numpy(weights[3]))
        model.lstm.bias_hh_l0.zero_()
    common.dense_to_torch(model.out, weights[4], weights[5])
    return model


def run_side(side, args) -> dict:
    if side == "neuroflow":
        try:
            from neuroflow.layers import LSTM  # noqa: F401
        except ImportError:
            return {"skipped": "neuroflow.layers.LSTM not available"}
    x, y, vocab = token_data(args)
    weights = initial_weights(args.seed, vocab, args.embed, args.units)
    info = {}
    if side == "neuroflow":
        def prepare():
            model = build_neuroflow(args, vocab, weights, info)
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            return model

        def run(model, x=x, y=y):
            info["loss"] = model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0).history["loss"][-1]
    else:
        import torch
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        ce = torch.nn.CrossEntropyLoss()

        def prepare():  # torch always takes the Keras-layout weights; neuroflow reports whether it could
            return build_torch(args, vocab, weights)

        def run(model, x=x, y=y):
            info.update(common.torch_train(model, x, y, 1, args.batch_size,
                                           lambda out, yb: ce(out.reshape(-1, vocab), yb.reshape(-1)), None,
                                           args.seed))
        info["weights"] = "from the shared Keras-layout arrays"
    warm = 2 * args.batch_size
    times = common.time_runs(prepare, run, args.repeats, profile=args.profile,
                             warmup=lambda: run(prepare(), x[:warm], y[:warm]))
    tokens = args.steps * args.batch_size * args.seq_len
    rates = [tokens / t for t in times]
    print(f"{side}: {args.steps} steps in {', '.join(f'{t:.2f}' for t in times)} s "
          f"({', '.join(f'{r:,.0f}' for r in rates)} tokens/s); last loss {info['loss']:.4f}; "
          f"weights {info['weights']}")
    return {"values": {"tokens_per_s": rates}, "info": info}


if __name__ == "__main__":
    sys.exit(common.main(sys.modules[__name__]))
