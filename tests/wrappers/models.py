"""Tiny model builders for the wrapper tests (the ``model`` argument of the wrappers)."""
import neuroflow as nf
from neuroflow import layers


def dynamic_model(X, y, loss, out_activation="softmax", hidden=(10,), optimizer="rmsprop"):
    """Keras' test builder: an MLP whose input and output widths follow X and the encoded y."""
    inputs = layers.Input((X.shape[1],))
    h = inputs
    for units in hidden:
        h = layers.Dense(units, activation="relu")(h)
    outputs = layers.Dense(y.shape[1] if y.ndim > 1 else 1, activation=out_activation)(h)
    model = nf.Model(inputs, outputs)
    model.compile(optimizer=optimizer, loss=loss)
    return model


def sigmoid_model(X, y, units=6, optimizer="adam"):
    """The course's binary network shape: one sigmoid unit, binary cross-entropy (ignores y's one-hot width)."""
    model = nf.Sequential([layers.Input((X.shape[1],)), layers.Dense(units, activation="relu"),
                           layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


class Named:
    """A builder whose repr is its name, not its memory address: scikit-learn's check ids are built from the
    estimator's repr, and pytest-xdist workers must collect the same ids."""

    def __init__(self, builder):
        self.builder = builder

    def __call__(self, **kwargs):
        return self.builder(**kwargs)

    def __repr__(self):
        return self.builder.__name__
