"""Recursive Neural Tensor Network on a generated sentiment treebank, against a bag-of-words average and an LSTM.

    python examples/rntn_sentiment.py [--train 4000] [--test 1000] [--depth 3] [--units 24] [--epochs 12]
                                      [--trees PATH] [--quick]

The treebank (``neuroflow.data.trees.synthetic_sentiment_treebank``) labels every phrase 0 (negative), 1 (neutral)
or 2 (positive) by composition: "not X" flips X, "X but Y" takes Y's label, intensifiers keep it. So "good but
boring" and "boring but good" have the same words and opposite labels: a bag of words cannot separate them, an
order-aware LSTM can in principle, and a model that composes along the parse should. ``--trees PATH`` reads a
Penn-Treebank-style file instead (the Stanford Sentiment Treebank's ``train.txt`` format; its 5 labels are used
as they are) and splits it 80/20.

Every model trains on every labelled phrase (each node's span), as Socher et al. did, and is scored on the roots
(whole sentences) and on all nodes. Prints a table: RNTN, the same network without the tensor (plain recursive
net), bag-of-words average, LSTM.
"""
import argparse
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers
from neuroflow.data.trees import build_vocabulary, read_ptb_trees, synthetic_sentiment_treebank
from neuroflow.models.rntn import RNTN


def spans(trees, vocabulary):
    """Every node's words as padded id rows, its label, and whether it is a root. Shapes: (n, L), (n,), (n,)."""
    rows, labels, is_root = [], [], []
    for t in trees:
        for node in t.nodes():
            rows.append([vocabulary.get(w, 0) for w in node.words()])
            labels.append(node.label)
            is_root.append(node is t)
    width = max(len(r) for r in rows)
    x = np.zeros((len(rows), width), dtype="int64")
    for i, r in enumerate(rows):
        x[i, :len(r)] = r
    return x, np.array(labels), np.array(is_root)


def sequence_model(kind, vocab_size, units, classes):
    """Bag-of-words average (``"bow"``) or LSTM over the span's words, then a softmax."""
    body = [layers.GlobalAveragePooling1D()] if kind == "bow" else [layers.LSTM(units)]
    return keras.Sequential([keras.Input((None,), dtype="int64"), layers.Embedding(vocab_size, units, mask_zero=True),
                             *body, layers.Dense(classes, activation="softmax")])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", type=int, default=4000)
    p.add_argument("--test", type=int, default=1000)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--units", type=int, default=24)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--trees", default=None, help="a PTB-style tree file instead of the generated treebank")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="a few seconds' smoke run")
    args = p.parse_args(argv)
    if args.quick:
        args.train, args.test, args.epochs, args.units = 120, 40, 2, 8
    keras.utils.set_random_seed(args.seed)
    if args.trees:
        trees = read_ptb_trees(args.trees)
        cut = int(0.8 * len(trees))
        train, test = trees[:cut], trees[cut:]
    else:
        train = synthetic_sentiment_treebank(args.train, depth=args.depth, seed=args.seed)
        test = synthetic_sentiment_treebank(args.test, depth=args.depth, seed=args.seed + 1)
    classes = 1 + max(n.label for t in train + test for n in t.nodes())
    vocab = build_vocabulary(train)
    results = {}
    for name, use_tensor in (("RNTN", True), ("recursive net (no tensor)", False)):
        start = time.time()
        model = RNTN(vocab, units=args.units, num_classes=classes, use_tensor=use_tensor, name=name.split()[0].lower())
        model.fit(train, epochs=args.epochs, batch_size=25, optimizer=keras.optimizers.Adagrad(0.05), seed=args.seed,
                  verbose=0)
        scores = model.evaluate(test)
        results[name] = (scores["root_accuracy"], scores["all_node_accuracy"], time.time() - start)
    x_train, y_train, _ = spans(train, vocab)
    x_test, y_test, root = spans(test, vocab)
    for name, kind in (("bag-of-words average", "bow"), ("LSTM", "lstm")):
        start = time.time()
        model = sequence_model(kind, len(vocab) + 1, args.units, classes)
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x_train, y_train, batch_size=64, epochs=args.epochs, verbose=0)
        pred = model.predict(x_test, verbose=0).argmax(-1)
        results[name] = (float((pred == y_test)[root].mean()), float((pred == y_test).mean()), time.time() - start)
    print(f"{len(train)} training and {len(test)} test sentences, {classes} classes, {args.epochs} epochs")
    print(f"{'model':28s} {'root acc':>9s} {'all nodes':>10s} {'time':>7s}")
    for name, (r, a, t) in results.items():
        print(f"{name:28s} {r:9.4f} {a:10.4f} {t:6.1f}s")
    return results


if __name__ == "__main__":
    main()
