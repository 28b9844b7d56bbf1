"""Recursive Neural Tensor Network (Socher et al., 2013): word vectors composed bottom-up over binary parse
trees, a softmax classifier at every node.

A mini-batch of trees runs a level at a time (:func:`neuroflow.data.trees.batch_trees`): all leaves in one
embedding gather, then every node of height 1 in one composition call, then height 2... — one batched node per
level, no Python loop over single nodes. Training minimises the mean cross-entropy over all nodes plus an L2
penalty, by backpropagation through structure (the ordinary backward walk over the recorded graph).
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check, ops
from ..autograd.function import no_grad
from ..backend import to_host
from ..data.trees import batch_trees, build_vocabulary
from ..errors import DataError
from ..layers.base import Layer
from ..layers.core import Dense
from ..layers.tree_composition import TreeComposition
from ..optimizers import get as get_optimizer
from ..random import generator
from ..training import device_scalar
from ..registry import register_builtin


@register_builtin
class RNTN(Layer):
    """``RNTN(vocabulary, units=25, num_classes=5, use_tensor=True, l2=1e-4)``.

    ``vocabulary``: ``word -> id`` (ids from 1; 0 is the unknown word), e.g. from
    :func:`~neuroflow.data.trees.build_vocabulary`. ``use_tensor=False`` gives the plain recursive network.
    Shapes: called on a :class:`~neuroflow.data.trees.TreeBatch`, returns logits ``(n_nodes, num_classes)`` in
    the batch's node order.
    """

    def __init__(self, vocabulary, units=25, num_classes=5, use_tensor=True, l2=1e-4, **kwargs):
        super().__init__(**kwargs)
        who = f"RNTN {self.name!r}"
        if not isinstance(vocabulary, dict) or not vocabulary:
            raise DataError(f"{who}: vocabulary must be a non-empty dict word -> id (see build_vocabulary)")
        self.vocabulary = dict(vocabulary)
        self.units = check.positive_int(units, who, "units")
        self.num_classes = check.positive_int(num_classes, who, "num_classes")
        self.use_tensor = check.boolean(use_tensor, who, "use_tensor")
        self.l2 = check.non_negative_float(l2, who, "l2")
        self.composition = TreeComposition(self.units, use_tensor=self.use_tensor, name=f"{self.name}_compose")
        self.classifier = Dense(self.num_classes, name=f"{self.name}_classify")
        size = max(self.vocabulary.values()) + 1
        self.embedding = self.add_weight("embedding", (size, self.units),
                                         initializer={"class_name": "RandomUniform",
                                                      "config": {"minval": -0.1, "maxval": 0.1}})
        self.composition._maybe_build([(None, self.units), (None, self.units)])
        self.classifier._maybe_build((None, self.units))
        self.built = True

    def call(self, batch):
        h = ops.getitem(self.embedding, batch.word_ids)  # every leaf at once
        for left, right in batch.levels:  # one batched composition per tree level
            h = ops.concatenate([h, self.composition([ops.getitem(h, left), ops.getitem(h, right)])], axis=0)
        return self.classifier(h)

    def __call__(self, batch, training=None, **kwargs):
        return self.call(batch)

    def _loss(self, batch):
        logits = self.call(batch)
        loss = ops.mean(ops.sparse_categorical_crossentropy(batch.labels, logits, from_logits=True))
        if self.l2:
            loss = loss + self.l2 * 0.5 * sum(ops.sum(w * w) for w in self.trainable_weights)
        return loss

    def fit(self, trees, epochs=10, batch_size=25, optimizer="adagrad", shuffle=True, seed=None,
            validation_trees=None, verbose=1):
        """Train on ``trees``; returns a history dict of per-epoch ``loss`` (and validation accuracies)."""
        check.positive_int(epochs, "RNTN.fit", "epochs")
        check.positive_int(batch_size, "RNTN.fit", "batch_size")
        trees = list(trees)
        if not trees:
            raise DataError("RNTN.fit: no trees")
        opt = get_optimizer(optimizer)
        variables = self.trainable_weights
        rng = generator(seed)
        history = {"loss": []}
        for epoch in range(int(epochs)):
            order = rng.permutation(len(trees)) if shuffle else np.arange(len(trees))
            total, count = 0.0, 0
            for start in range(0, len(trees), int(batch_size)):
                batch = batch_trees([trees[i] for i in order[start:start + batch_size]], self.vocabulary)
                for v in variables:
                    v.grad = None
                loss = self._loss(batch)
                loss.backward()
                opt.apply([v.grad for v in variables], variables)
                total = total + device_scalar.keep(loss.data) * batch.n_nodes  # on the device: no read
                count += batch.n_nodes
            history["loss"].append(device_scalar.read([total])[0] / count)  # one read an epoch
            line = f"epoch {epoch + 1}/{epochs} - loss {history['loss'][-1]:.4f}"
            if validation_trees is not None:
                scores = self.evaluate(validation_trees)
                for key, value in scores.items():
                    history.setdefault(f"val_{key}", []).append(value)
                line += f" - val root {scores['root_accuracy']:.4f} - val all {scores['all_node_accuracy']:.4f}"
            if verbose:
                print(line)
        return history

    def predict_nodes(self, trees, batch_size=256):
        """Per tree, the predicted class of every node in post-order (children before parents; the root last)."""
        out = []
        trees = list(trees)
        with no_grad():
            for start in range(0, len(trees), batch_size):
                chunk = trees[start:start + batch_size]
                batch = batch_trees(chunk, self.vocabulary)
                pred = to_host(self.call(batch).data.argmax(axis=-1))  # the classes, not the logits, come back
                out += [pred[p] for p in batch.positions]
        return out

    def evaluate(self, trees):
        """``{"root_accuracy", "all_node_accuracy"}`` on ``trees``."""
        trees = list(trees)
        preds = self.predict_nodes(trees)
        labels = [np.array([n.label for n in t.nodes()]) for t in trees]
        roots = np.mean([p[-1] == y[-1] for p, y in zip(preds, labels)])
        every = np.concatenate([p == y for p, y in zip(preds, labels)]).mean()
        return {"root_accuracy": float(roots), "all_node_accuracy": float(every)}

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary, "units": self.units,
                "num_classes": self.num_classes, "use_tensor": self.use_tensor, "l2": self.l2}


__all__ = ["RNTN", "build_vocabulary"]
