"""Keras' ``keras.ops.nn``: the neural-network ops, gathered from the family modules where each is defined.

Nothing is defined here: ``ops.nn.relu is ops.relu``. Shapes and gradients: see each function. (The fused dense
transform and dropout live in :mod:`neuroflow.ops.fused`; ``linear`` and ``dropout`` are re-exported here too.)
"""
from .activation import (elu, gelu, hard_sigmoid, leaky_relu, log_softmax, relu, selu, sigmoid,  # noqa: F401
                         silu, softmax, softplus, softsign, swish)
from .complex import polar  # noqa: F401
from .conv import conv, conv_transpose, depthwise_conv  # noqa: F401
from .ctc import ctc_decode, ctc_loss  # noqa: F401
from .fused import dropout, linear  # noqa: F401
from .loss import binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy  # noqa: F401
from .nn_functions import (adaptive_average_pool, adaptive_max_pool, celu, depth_to_space,  # noqa: F401
                           dot_product_attention, glu, hard_shrink, hard_silu, hard_swish, hard_tanh, log_sigmoid,
                           moments, multi_hot, normalize, one_hot, psnr, relu6, rms_normalization, separable_conv,
                           soft_shrink, space_to_depth, sparse_plus, sparse_sigmoid, sparsemax, squareplus,
                           tanh_shrink, threshold)
from .normalization import batch_normalization, layer_normalization  # noqa: F401
from .patches import fold, unfold  # noqa: F401
from .pooling import average_pool, max_pool  # noqa: F401
