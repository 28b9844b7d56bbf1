"""Character-level LSTM language model on Tiny Shakespeare (Karpathy's char-rnn, written the Keras way).

    python examples/char_rnn.py [--data input.txt] [--epochs 30] [--steps-per-epoch 100] [--units 256] [--out out/]

Model: Embedding(vocab, 64) -> LSTM(units, return_sequences=True) -> Dense(vocab) (logits), trained to predict
the next character at every position of random ``--seq-len`` windows of the first 90% of the text, with
SparseCategoricalCrossentropy(from_logits=True). The validation loss (the last 10%, in nats per character) is
reported every epoch; after training a stateful copy of the model writes ``--sample-length`` characters from a
seed string at ``--temperature``, printed and saved to ``<out>/char_rnn_sample.txt``.
"""
import argparse
import math
import os
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers


def load_text(path, max_chars=None):
    """The corpus as one string (the first ``max_chars`` characters only when given)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return text[:max_chars] if max_chars else text


def random_windows(ids, seq_len, batch_size, rng):
    """Endless ``(x, y)`` batches, x and y (batch, seq_len) int32, y being x shifted by one character.

    Each batch draws ``batch_size`` random offsets and gathers all windows with ONE fancy index
    ``ids[starts[:, None] + arange(seq_len + 1)]``; no per-sample Python loop.
    """
    offsets = np.arange(seq_len + 1)
    high = len(ids) - seq_len  # the last start that still has seq_len + 1 characters
    while True:
        chunk = ids[rng.integers(0, high, batch_size)[:, None] + offsets]
        yield chunk[:, :-1], chunk[:, 1:]


def consecutive_windows(ids, seq_len):
    """The whole of ``ids`` cut into non-overlapping windows: x, y (n, seq_len), every character predicted once
    (apart from a ragged tail shorter than one window)."""
    n = (len(ids) - 1) // seq_len
    return ids[:n * seq_len].reshape(n, seq_len), ids[1:n * seq_len + 1].reshape(n, seq_len)


def build_model(vocab, units, embed_dim=64, stateful=False):
    """ids (batch, time) -> logits (batch, time, vocab)."""
    return keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        layers.Embedding(vocab, embed_dim),
        layers.LSTM(units, return_sequences=True, stateful=stateful),
        layers.Dense(vocab),
    ])


def sample_text(model, chars, seed_text, length, temperature, rng, units):
    """Generate ``length`` characters after ``seed_text``: a stateful twin of ``model`` (same weights, batch 1)
    reads the seed once, then one character per call, carrying the LSTM state instead of re-reading a context."""
    index = {c: i for i, c in enumerate(chars)}
    unknown = sorted(set(seed_text) - set(index))
    if unknown:
        raise SystemExit(f"--seed-text has characters outside the vocabulary: {unknown}")
    twin = build_model(len(chars), units, stateful=True)
    twin.set_weights(model.get_weights())
    x = np.array([[index[c] for c in seed_text]], dtype="int32")
    out = []
    for _ in range(length):
        logits = twin.predict_on_batch(x)[0, -1].astype("float64") / temperature
        p = np.exp(logits - logits.max())
        nxt = rng.choice(len(chars), p=p / p.sum())
        out.append(chars[nxt])
        x = np.array([[nxt]], dtype="int32")
    return seed_text + "".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("tinyshakespeare", "input.txt"), help="text file")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--steps-per-epoch", type=int, default=100, help="batches per epoch (random windows)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=100)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--max-chars", type=int, default=None, help="use only the first N characters (tests)")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--sample-length", type=int, default=500)
    parser.add_argument("--seed-text", default="ROMEO:")
    parser.add_argument("--out", default="out", help="folder for the sample and the plot")
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    text = load_text(args.data, args.max_chars)
    chars = sorted(set(text))
    lookup = np.zeros(max(map(ord, chars)) + 1, dtype="int32")
    lookup[[ord(c) for c in chars]] = np.arange(len(chars))
    ids = lookup[np.frombuffer(text.encode("utf-32-le"), dtype="<u4")]  # vectorised char -> id
    cut = int(len(ids) * 0.9)
    train_ids, val_ids = ids[:cut], ids[cut:]
    print(f"{len(text)} characters, vocabulary {len(chars)}, train {len(train_ids)}, validation {len(val_ids)}")
    x_val, y_val = consecutive_windows(val_ids, args.seq_len)

    model = build_model(len(chars), args.units)
    model.summary()
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(args.lr, clipnorm=5.0))  # clipping: LSTMs' occasional spikes
    start = time.time()
    history = model.fit(random_windows(train_ids, args.seq_len, args.batch_size, rng), epochs=args.epochs,
                        steps_per_epoch=args.steps_per_epoch, validation_data=(x_val, y_val),
                        validation_batch_size=args.batch_size, verbose=args.verbose)
    elapsed = time.time() - start
    val_curve = history.history["val_loss"]
    for epoch, v in enumerate(val_curve, 1):
        print(f"epoch {epoch}: val_loss {v:.4f} nats/char")

    sample = sample_text(model, chars, args.seed_text, args.sample_length, args.temperature, rng, args.units)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "char_rnn_sample.txt"), "w", encoding="utf-8") as f:
        f.write(sample + "\n")
    try:
        from neuroflow.utils.plotting import plot_history
        plot_history(history, os.path.join(args.out, "char_rnn_history.png"))
    except ImportError as err:
        print(f"plot skipped: {err}")
    print(f"--- sample (temperature {args.temperature}) ---\n{sample}\n---")
    print(f"training time: {elapsed:.1f} s")
    val = val_curve[-1]
    print(f"validation loss: {val:.4f} nats/char ({val / math.log(2):.3f} bits/char)")
    return {"val_loss": val, "val_curve": val_curve, "seconds": elapsed, "sample": sample}


if __name__ == "__main__":
    main()
