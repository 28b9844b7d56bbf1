"""Keras-style layers: ``from neuroflow import layers`` then ``layers.Dense(...)``."""
from .base import Layer
from .core import Activation, Dense, Dropout, Flatten, Permute, RepeatVector, Reshape
from .input_layer import Input, InputLayer
from .symbolic import SymbolicTensor

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute",
           "RepeatVector", "SymbolicTensor"]
