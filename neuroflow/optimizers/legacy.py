"""``keras.optimizers.legacy``: TF-Keras 2's optimizers, which Keras 3 itself refuses. Each name exists so that
such code fails where it constructs one, with a MissingDependencyError (an ImportError, as in Keras 3) saying to
use ``keras.optimizers`` instead."""
from __future__ import annotations

from ..errors import MissingDependencyError


class Optimizer:
    """Keras 3 keeps the legacy names only to raise: so does neuroflow."""

    def __init__(self, *args, **kwargs):
        raise MissingDependencyError(f"keras.optimizers.legacy.{type(self).__name__} is TF-Keras 2's optimizer, not "
                                     f"supported in Keras 3 (it needs the tf_keras package and TensorFlow); use "
                                     f"keras.optimizers.{type(self).__name__} instead")


class Adagrad(Optimizer):
    pass


class Adam(Optimizer):
    pass


class Ftrl(Optimizer):
    pass


class RMSprop(Optimizer):
    pass


class SGD(Optimizer):
    pass


__all__ = ["Optimizer", "Adagrad", "Adam", "Ftrl", "RMSprop", "SGD"]
