"""Utilities with Keras' names: one-hot encoding, sequence padding, seeding, dataset builders, confusion matrix."""
from ..data import text_dataset_from_directory, timeseries_dataset_from_array
from ..random import set_seed as set_random_seed
from .data_utils import normalize, pad_sequences, to_categorical

__all__ = ["to_categorical", "normalize", "pad_sequences", "set_random_seed", "timeseries_dataset_from_array",
           "text_dataset_from_directory"]
