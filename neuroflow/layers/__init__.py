"""Keras-style layers: ``from neuroflow import layers`` then ``layers.Dense(...)``."""
from .base import Layer
from .augmentation import RandomContrast, RandomCrop, RandomFlip, RandomRotation, RandomTranslation, RandomZoom
from .augmentation_color import (RandomBrightness, RandomColorDegeneration, RandomColorJitter, RandomGrayscale,
                                 RandomHue, RandomInvert, RandomSaturation)
from .augmentation_data import MaxNumBoundingBoxes
from .augmentation_geometry import RandomElasticTransform, RandomErasing, RandomPerspective, RandomShear
from .augmentation_mix import CutMix, MixUp
from .augmentation_policy import AugMix, Pipeline, RandAugment
from .augmentation_tone import (AutoContrast, ContrastLimitedAdaptiveHistogramEqualization, Equalization,
                                RandomGaussianBlur, RandomPosterization, RandomSharpness, Solarization)
from .core import Activation, Dense, Dropout, Flatten, Permute, RepeatVector, Reshape
from .conv import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, Convolution1D,
                   Convolution1DTranspose, Convolution2D, Convolution2DTranspose, Convolution3D,
                   Convolution3DTranspose, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
                   SeparableConvolution1D, SeparableConvolution2D)
from .embedding import Embedding
from .pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
                      GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool1D,
                      GlobalAvgPool2D, GlobalAvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPool1D, MaxPool2D, MaxPool3D,
                      MaxPooling1D, MaxPooling2D, MaxPooling3D)
from .masking import Masking
from .preprocessing import Normalization, Rescaling, Resizing
from .recurrent import GRU, LSTM, SimpleRNN
from .reshaping import (Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D,
                        ZeroPadding2D, ZeroPadding3D)
from .input_layer import Input, InputLayer
from .merge import (Add, Average, Concatenate, Dot, Maximum, Merge, Minimum, Multiply, Subtract, add, average,
                    concatenate, dot, maximum, minimum, multiply, subtract)
from .noise import GaussianDropout, GaussianNoise
from .normalization import BatchNormalization, LayerNormalization
from .symbolic import SymbolicTensor
from .wrappers import Bidirectional, TimeDistributed
from .tree_composition import TreeComposition
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from .utility_layers import ActivityRegularization, Identity, Lambda
from .dropout_variants import AlphaDropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from .einsum_dense import EinsumDense
from .multi_head_attention import MultiHeadAttention
from .dot_attention import AdditiveAttention, Attention
from .grouped_query_attention import GroupQueryAttention
from .normalization_extra import GroupNormalization, RMSNormalization, UnitNormalization
from .wrapper_base import SpectralNormalization, Wrapper
from .rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from .rnn_layer import RNN
from .adaptive_pooling import (AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
                               AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from .category_layers import CategoryEncoding, Discretization, TextVectorization
from .string_lookup import StringLookup
from .integer_lookup import IntegerLookup
from .hashing import Hashing
from .hashed_crossing import HashedCrossing
from .center_crop import CenterCrop
from .input_spec import InputSpec
from .keras_serialization import deserialize, serialize
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from .reversible_embedding import ReversibleEmbedding
from .spectrogram import MelSpectrogram, STFTSpectrogram
from .torch_module_wrapper import TorchModuleWrapper
from .foreign_layers import FlaxLayer, JaxLayer, TFSMLayer

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute",
           "RepeatVector", "SymbolicTensor", "Embedding", "BatchNormalization", "LayerNormalization",
           "GaussianNoise", "GaussianDropout", "Merge", "Concatenate", "Add", "Subtract", "Multiply", "Average",
           "Maximum", "Minimum", "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
           "concatenate", "dot", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
           "Conv3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
           "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAveragePooling3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
           "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
           "RandomTranslation", "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "RandomCrop",
           "Rescaling", "Normalization", "Resizing", "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed",
           "Masking", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Identity", "Lambda", "ActivityRegularization",
           "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "EinsumDense",
           "MultiHeadAttention", "Attention", "AdditiveAttention",
           "GroupQueryAttention", "GroupNormalization", "RMSNormalization",
           "UnitNormalization", "SpectralNormalization", "Wrapper", "RNN", "SimpleRNNCell", "LSTMCell", "GRUCell",
           "StackedRNNCells", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
           "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "CategoryEncoding", "Discretization",
           "TextVectorization", "InputSpec", "serialize", "deserialize",
           "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix", "Equalization",
           "MaxNumBoundingBoxes", "MixUp", "Pipeline", "RandAugment", "RandomBrightness", "RandomColorDegeneration",
           "RandomColorJitter", "RandomElasticTransform", "RandomErasing", "RandomGaussianBlur", "RandomGrayscale",
           "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization", "RandomSaturation",
           "RandomSharpness", "RandomShear", "Solarization"]
__all__ += ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "ReversibleEmbedding", "MelSpectrogram", "STFTSpectrogram"]
__all__ += ["StringLookup", "IntegerLookup", "Hashing", "HashedCrossing", "CenterCrop"]
__all__ += ["TorchModuleWrapper", "JaxLayer", "FlaxLayer", "TFSMLayer"]
