"""Keras 3's ``keras.preprocessing`` names: ``image`` and ``sequence`` helpers and the dataset builders, the same
functions ``neuroflow.utils`` holds."""
from ..data import text_dataset_from_directory, timeseries_dataset_from_array
from ..utils.images import image_dataset_from_directory
from . import image, sequence

__all__ = ["image", "sequence", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
