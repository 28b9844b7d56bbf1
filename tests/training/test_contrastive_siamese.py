"""Keras' siamese network with a contrastive loss (keras.io/examples/vision/siamese_contrastive), shrunk to
blobs: the loss function takes labels ``(N,)`` against a ``(N, 1)`` output and returns the batch mean. Before the
loss contract aligned ranks, the pair broadcast to ``(N, N)``: every distance was pulled toward one value, and
this test's model reached 0.76 test accuracy (1.00 aligned, seeds 0-5)."""
import numpy as np

import neuroflow as nf
from neuroflow import layers, ops

MARGIN = 1.0


def contrastive_loss(y_true, y_pred):
    """Keras' example, word for word but for ``ops``: 0 = same class (pull together), 1 = different (push apart)."""
    square_pred = ops.square(y_pred)
    margin_square = ops.square(ops.maximum(MARGIN - y_pred, 0.0))
    return ops.mean((1 - y_true) * square_pred + y_true * margin_square)


class Siamese(nf.Model):
    """One tower (held in a list: tracked) applied to both inputs, its weights counted once; the output is the
    Euclidean distance of the two embeddings, shape ``(N, 1)`` (the contrastive loss's original form: pairs of one
    class end near 0, pairs of two beyond the margin, so 'accuracy' thresholds it at 0.5)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tower = [layers.Dense(16, activation="tanh"), layers.Dense(4)]

    def embed(self, x):
        for layer in self.tower:
            x = layer(x)
        return x

    def call(self, inputs, training=None):
        a, b = inputs
        diff = self.embed(a) - self.embed(b)
        return ops.sqrt(ops.maximum(ops.sum(ops.square(diff), axis=1, keepdims=True), 1e-7))


def _pairs(n, rng):
    centers = np.array([[-3.0, -3.0], [-3.0, 3.0], [3.0, -3.0], [3.0, 3.0]])
    labels = rng.integers(0, 4, size=(2, n))
    same = rng.random(n) < 0.5
    labels[1, same] = labels[0, same]
    points = centers[labels] + rng.normal(scale=0.5, size=(2, n, 2))
    y = (labels[0] != labels[1]).astype("float32")  # 1: different classes, as in Keras' example
    return [points[0].astype("float32"), points[1].astype("float32")], y


def test_contrastive_siamese_learns_with_1d_labels():
    nf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x_train, y_train = _pairs(2000, rng)
    x_test, y_test = _pairs(500, rng)
    model = Siamese()
    model.compile(optimizer=nf.optimizers.Adam(0.01), loss=contrastive_loss, metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=4, verbose=0)
    assert len(model.trainable_weights) == 4  # the tower's, once
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.95, f"the siamese model did not learn: test accuracy {accuracy:.3f} (chance 0.5)"
