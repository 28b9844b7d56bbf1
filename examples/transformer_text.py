"""A Transformer text classifier: who speaks this speech? (Tiny Shakespeare, the most frequent speakers).

    python examples/transformer_text.py [--classes 4] [--epochs 30] [--quick]

Data: the speeches of Tiny Shakespeare (a block "NAME:\\n text" between blank lines), kept for the ``--classes``
speakers with the most speeches (GLOUCESTER, DUKE VINCENTIO, MENENIUS, ROMEO for 4), split 80/20 at random
(seed 0). Model (Keras' text-classification Transformer): ``layers.TextVectorization`` (adapted on the training
texts) -> token + position embedding -> one Transformer block (``MultiHeadAttention`` with the padding mask, a
feed-forward net, residuals, ``LayerNormalization``, dropout) -> masked ``GlobalAveragePooling1D`` -> softmax.
Prints the test accuracy next to the majority-class baseline.
"""
import argparse
import collections
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers


def load_speeches(path, n_classes):
    """``(texts, labels, speakers)``: every speech of the ``n_classes`` most frequent speakers."""
    with open(path, encoding="utf-8") as f:
        blocks = [b.split("\n", 1) for b in f.read().split("\n\n") if "\n" in b.strip()]
    speeches = [(head[:-1], body.replace("\n", " ")) for head, body in blocks if head.endswith(":")]
    speakers = [s for s, _ in collections.Counter(s for s, _ in speeches).most_common(n_classes)]
    index = {s: i for i, s in enumerate(speakers)}
    kept = [(text, index[s]) for s, text in speeches if s in index]
    return [t for t, _ in kept], np.array([y for _, y in kept], dtype="int64"), speakers


class TokenAndPositionEmbedding(layers.Layer):
    """ids (batch, length) -> token embedding + learned position embedding (batch, length, dim); with
    ``mask_zero`` id 0 (padding) is masked for the layers after it."""

    def __init__(self, length, vocab, dim, mask_zero=True, **kwargs):
        super().__init__(**kwargs)
        self.tokens = layers.Embedding(vocab, dim)
        self.positions = layers.Embedding(length, dim)
        self.mask_zero = mask_zero

    def call(self, ids):
        # keras.ops, not NumPy: the ids may live on a device (a GPU, as Keras' tensors do)
        return self.tokens(ids) + self.positions(keras.ops.arange(ids.shape[-1]))

    def compute_mask(self, ids, mask=None):
        return keras.ops.not_equal(ids, 0) if self.mask_zero else None


class TransformerBlock(layers.Layer):
    """Self-attention and a feed-forward net, each with dropout, a residual and LayerNormalization (post-norm)."""

    supports_masking = True

    def __init__(self, dim, heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.attention = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(dim)])
        self.norm1, self.norm2 = layers.LayerNormalization(epsilon=1e-6), layers.LayerNormalization(epsilon=1e-6)
        self.drop1, self.drop2 = layers.Dropout(rate), layers.Dropout(rate)

    def call(self, x, training=None, mask=None):
        attended = self.attention(x, x, query_mask=mask, value_mask=mask, training=training)
        x = self.norm1(x + self.drop1(attended, training=training))
        return self.norm2(x + self.drop2(self.ffn(x, training=training), training=training))


def build_model(length, vocab, n_classes, dim, heads, ff_dim):
    ids = keras.Input(shape=(length,), dtype="int64")
    x = TokenAndPositionEmbedding(length, vocab, dim)(ids)
    x = TransformerBlock(dim, heads, ff_dim)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    return keras.Model(ids, layers.Dense(n_classes, activation="softmax")(x))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("tinyshakespeare", "input.txt"), help="text file")
    parser.add_argument("--classes", type=int, default=4, help="number of speakers to tell apart")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--length", type=int, default=64, help="tokens per speech (longer ones are cut)")
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--ff-dim", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--quick", action="store_true", help="a smoke test: 2 epochs")
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--out", default="out", help="unused; accepted like the other examples")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = 2

    keras.utils.set_random_seed(0)
    texts, labels, speakers = load_speeches(args.data, args.classes)
    order = np.random.default_rng(0).permutation(len(texts))
    cut = int(0.8 * len(texts))
    train, test = order[:cut], order[cut:]
    vectorize = layers.TextVectorization(max_tokens=args.vocab, output_sequence_length=args.length)
    vectorize.adapt([texts[i] for i in train])
    x = vectorize(texts).numpy()
    print(f"{len(texts)} speeches by {', '.join(speakers)}; train {len(train)}, test {len(test)}; "
          f"vocabulary {vectorize.vocabulary_size()}")

    model = build_model(args.length, vectorize.vocabulary_size(), args.classes, args.dim, args.heads, args.ff_dim)
    model.compile(optimizer=keras.optimizers.Adam(args.lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.time()
    model.fit(x[train], labels[train], batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose,
              validation_data=(x[test], labels[test]))
    elapsed = time.time() - start
    probabilities = model.predict(x[test], verbose=0)
    accuracy = float(np.mean(np.asarray(probabilities).argmax(-1) == labels[test]))
    majority = float(np.mean(labels[test] == np.bincount(labels[train]).argmax()))
    print(f"training time: {elapsed:.1f} s")
    print(f"test accuracy: {accuracy:.3f} (majority class: {majority:.3f})")
    return {"accuracy": accuracy, "majority": majority, "seconds": elapsed}


if __name__ == "__main__":
    main()
