"""A character-level Transformer on Tiny Shakespeare, against char_rnn.py's LSTM for the same training time.

    python examples/char_transformer.py [--seconds 300] [--quick]

Both models read random ``--seq-len`` windows of the first 90% of the text and predict the next character at
every position (SparseCategoricalCrossentropy from logits, Adam). Each trains for ``--seconds`` of wall time
(batches of ``--batch-size``, as many as fit), then both are scored on the same validation windows of the last
10%: validation loss in nats per character. The Transformer: token + position embedding, ``--blocks`` pre-norm
blocks of causal ``MultiHeadAttention`` and a feed-forward net, a final LayerNormalization and Dense(vocab).
The LSTM is char_rnn.py's model (Embedding(64) -> LSTM(``--units``) -> Dense(vocab)).
"""
import argparse
import math
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers

import char_rnn
from transformer_text import TokenAndPositionEmbedding


class CausalBlock(layers.Layer):
    """Pre-norm Transformer block: x + attention(norm(x)) with a causal mask, then x + ffn(norm(x))."""

    def __init__(self, dim, heads, ff_dim, **kwargs):
        super().__init__(**kwargs)
        self.norm1, self.norm2 = layers.LayerNormalization(), layers.LayerNormalization()
        self.attention = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)
        self.up, self.down = layers.Dense(ff_dim, activation="relu"), layers.Dense(dim)

    def call(self, x, training=None):
        h = self.norm1(x)
        x = x + self.attention(h, h, use_causal_mask=True, training=training)
        return x + self.down(self.up(self.norm2(x)))


def build_transformer(length, vocab, dim, heads, blocks, ff_dim):
    """ids (batch, length) -> logits (batch, length, vocab)."""
    ids = keras.Input(shape=(length,), dtype="int32")
    x = TokenAndPositionEmbedding(length, vocab, dim, mask_zero=False)(ids)  # id 0 is a character here
    for _ in range(blocks):
        x = CausalBlock(dim, heads, ff_dim)(x)
    return keras.Model(ids, layers.Dense(vocab)(layers.LayerNormalization()(x)))


def train_for(model, batches, seconds, lr):
    """Train on ``batches`` until ``seconds`` of wall time have passed; returns the number of steps."""
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.Adam(lr, clipnorm=5.0))
    start, steps = time.time(), 0
    while time.time() - start < seconds:
        model.train_on_batch(*next(batches))
        steps += 1
    return steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("tinyshakespeare", "input.txt"), help="text file")
    parser.add_argument("--seconds", type=float, default=300, help="training time of each model")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--units", type=int, default=256, help="the LSTM's units")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--max-chars", type=int, default=None, help="use only the first N characters")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: 20k characters, at most 4 s each, small models")
    parser.add_argument("--out", default="out", help="unused; accepted like the other examples")
    args = parser.parse_args(argv)
    if args.quick:
        args.max_chars, args.dim, args.blocks, args.units = 20000, 32, 1, 64
        args.seconds = min(args.seconds, 4.0)

    keras.utils.set_random_seed(0)
    text = char_rnn.load_text(args.data, args.max_chars)
    chars = sorted(set(text))
    lookup = np.zeros(max(map(ord, chars)) + 1, dtype="int32")
    lookup[[ord(c) for c in chars]] = np.arange(len(chars))
    ids = lookup[np.frombuffer(text.encode("utf-32-le"), dtype="<u4")]
    cut = int(len(ids) * 0.9)
    x_val, y_val = char_rnn.consecutive_windows(ids[cut:], args.seq_len)
    print(f"{len(text)} characters, vocabulary {len(chars)}, {args.seconds:g} s of training each")

    results = {}
    models = {"transformer": build_transformer(args.seq_len, len(chars), args.dim, args.heads, args.blocks,
                                               4 * args.dim),
              "lstm": char_rnn.build_model(len(chars), args.units)}
    for name, model in models.items():
        batches = char_rnn.random_windows(ids[:cut], args.seq_len, args.batch_size, np.random.default_rng(0))
        steps = train_for(model, batches, args.seconds, args.lr)
        val = float(model.evaluate(x_val, y_val, batch_size=args.batch_size, verbose=0))
        results[name] = {"val_loss": val, "steps": steps, "params": model.count_params()}
        print(f"{name}: {model.count_params()} parameters, {steps} steps, validation loss {val:.4f} nats/char "
              f"({val / math.log(2):.3f} bits/char)")
    return results


if __name__ == "__main__":
    main()
