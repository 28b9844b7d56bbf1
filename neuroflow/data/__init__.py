"""The batch pipeline and data builders.

- :class:`Dataset` (``from_tensor_slices``, ``from_generator``, ``shuffle``, ``batch``, ``map``, ``prefetch``,
  ``take``, ``skip``, ``repeat``) and the :class:`DataLoader` shortcut. ``model.fit`` takes a Dataset whose
  elements are ``(x, y)`` or ``(x, y, sample_weight)`` tuples of NumPy arrays with a leading batch axis.
- :func:`timeseries_dataset_from_array`: sliding windows over a series.
- :class:`TextVectorization` and :func:`text_dataset_from_directory`: text to integer sequences.
"""
from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, DataLoader, Dataset
from .text import TextVectorization, text_dataset_from_directory
from .timeseries import timeseries_dataset_from_array

__all__ = ["Dataset", "DataLoader", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY",
           "timeseries_dataset_from_array", "TextVectorization", "text_dataset_from_directory"]
