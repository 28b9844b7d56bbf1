"""Utilities with Keras' names: one-hot encoding, sequence padding, seeding, dataset builders, confusion matrix."""
from ..custom_objects import CustomObjectScope, custom_object_scope, get_custom_objects
from ..data import text_dataset_from_directory, timeseries_dataset_from_array
from ..data.audio import audio_dataset_from_directory
from ..random import set_seed as set_random_seed
from .data_utils import normalize, pad_sequences, to_categorical
from .py_dataset import PyDataset, Sequence
from ..backend import clear_session, is_keras_tensor, standardize_dtype
from .config import Config
from .file_utils import get_file
from .images import array_to_img, image_dataset_from_directory, img_to_array, load_img, save_img
from .model_visualization import model_to_dot, plot_model
from .progbar import (Progbar, disable_interactive_logging, enable_interactive_logging,
                      is_interactive_logging_enabled)
from .serialization import (deserialize_keras_object, get_registered_name, get_registered_object,
                            register_keras_serializable, serialize_keras_object)
from .structure import get_source_inputs, pack_x_y_sample_weight, split_dataset, unpack_x_y_sample_weight
from .feature_space import FeatureSpace

__all__ = ["to_categorical", "normalize", "pad_sequences", "set_random_seed", "timeseries_dataset_from_array",
           "text_dataset_from_directory", "PyDataset", "Sequence", "custom_object_scope", "CustomObjectScope",
           "get_custom_objects", "clear_session", "is_keras_tensor", "standardize_dtype", "Config", "get_file",
           "array_to_img", "image_dataset_from_directory", "img_to_array", "load_img", "save_img", "model_to_dot",
           "plot_model", "Progbar", "disable_interactive_logging", "enable_interactive_logging",
           "is_interactive_logging_enabled", "deserialize_keras_object", "get_registered_name",
           "get_registered_object", "register_keras_serializable", "serialize_keras_object", "get_source_inputs",
           "pack_x_y_sample_weight", "split_dataset", "unpack_x_y_sample_weight"]
__all__ += ["FeatureSpace"]
__all__ += ["audio_dataset_from_directory"]
