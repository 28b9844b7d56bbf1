"""Keras-style layers: ``from neuroflow import layers`` then ``layers.Dense(...)``."""
from .base import Layer
from .core import Activation, Dense, Dropout, Flatten, Permute, RepeatVector, Reshape
from .embedding import Embedding
from .input_layer import Input, InputLayer
from .merge import (Add, Average, Concatenate, Dot, Maximum, Merge, Minimum, Multiply, Subtract, add, average,
                    concatenate, dot, maximum, minimum, multiply, subtract)
from .noise import GaussianDropout, GaussianNoise
from .normalization import BatchNormalization, LayerNormalization
from .symbolic import SymbolicTensor

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute",
           "RepeatVector", "SymbolicTensor", "Embedding", "BatchNormalization", "LayerNormalization",
           "GaussianNoise", "GaussianDropout", "Merge", "Concatenate", "Add", "Subtract", "Multiply", "Average",
           "Maximum", "Minimum", "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
           "concatenate", "dot"]
