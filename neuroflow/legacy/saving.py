"""``keras.legacy.saving``: ``serialize_keras_object`` / ``deserialize_keras_object`` of TF-Keras 2's format,
which needs TensorFlow's Keras 2 (``tf_keras``). Both raise; Keras 3's ``keras.saving.serialize_keras_object`` /
``deserialize_keras_object`` (neuroflow's ``neuroflow.saving``) serve Keras 3 configs."""
from __future__ import annotations

from ..errors import MissingDependencyError


def _refuse(name):
    raise MissingDependencyError(f"keras.legacy.saving.{name} handles TF-Keras 2 configs and needs TensorFlow's "
                                 f"tf_keras; use keras.saving.{name} for Keras 3 objects")


def serialize_keras_object(instance):
    """TF-Keras 2's serializer: not available (raises MissingDependencyError)."""
    _refuse("serialize_keras_object")


def deserialize_keras_object(config, module_objects=None, custom_objects=None, printable_module_name="object"):
    """TF-Keras 2's deserializer: not available (raises MissingDependencyError)."""
    _refuse("deserialize_keras_object")


__all__ = ["serialize_keras_object", "deserialize_keras_object"]
