"""The same architectures written once for Keras 3 and neuroflow: each builder takes the framework module (``keras``
or ``neuroflow``, whose APIs match) and returns ``(model, input arrays)``. Weights are then randomised so that a
misplaced tensor (a swapped gate block, a moving variance read as a mean) changes the predictions."""
from __future__ import annotations

import numpy as np


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def dense(M):
    L = M.layers
    model = M.Sequential([M.Input((8,)), L.Dense(6, activation="relu"), L.Dropout(0.2),
                          L.Dense(5, activation="tanh", use_bias=False), L.Dense(3, activation="softmax")])
    return model, _x(4, 8)


def conv2d(M):
    L = M.layers
    model = M.Sequential([M.Input((9, 9, 3)), L.Conv2D(4, 3, padding="same", activation="relu"),
                          L.MaxPooling2D(2), L.Conv2D(3, (2, 3), strides=(1, 2), dilation_rate=1),
                          L.AveragePooling2D(2, padding="same"), L.Flatten(), L.Dense(2)])
    return model, _x(3, 9, 9, 3)


def conv1d_3d(M):
    L = M.layers
    a = M.Input((10, 3))
    b = M.Input((5, 5, 5, 2))
    x = L.GlobalMaxPooling1D()(L.Conv1D(4, 3, padding="causal", dilation_rate=2)(a))
    y = L.GlobalAveragePooling3D()(L.Conv3D(4, 2, activation="elu")(b))
    model = M.Model([a, b], L.Concatenate()([x, y]))
    return model, [_x(2, 10, 3), _x(2, 5, 5, 5, 2, seed=1)]


def transposed_depthwise_separable(M):
    L = M.layers
    a = M.Input((6, 6, 3))
    x = L.Conv2DTranspose(4, 3, strides=2, padding="same")(a)
    x = L.DepthwiseConv2D(3, depth_multiplier=2)(x)
    x = L.SeparableConv2D(3, 3, activation="relu")(x)
    b = M.Input((8, 2))
    y = L.SeparableConv1D(3, 3, depth_multiplier=2)(L.Conv1DTranspose(3, 2, strides=2)(b))
    model = M.Model([a, b], [L.GlobalAveragePooling2D()(x), L.GlobalMaxPooling1D()(y)])
    return model, [_x(2, 6, 6, 3), _x(2, 8, 2, seed=1)]


def normalization(M):
    L = M.layers
    model = M.Sequential([M.Input((5, 4)), L.BatchNormalization(), L.LayerNormalization(),
                          L.BatchNormalization(axis=1), L.Flatten(), L.Dense(2)])
    return model, _x(3, 5, 4)


def recurrent(M):
    L = M.layers
    model = M.Sequential([M.Input((7,), dtype="int32"), L.Embedding(12, 4, mask_zero=True),
                          L.SimpleRNN(3, return_sequences=True), L.LSTM(5, return_sequences=True),
                          L.GRU(4), L.Dense(2)])
    x = np.random.default_rng(0).integers(1, 12, size=(4, 7)).astype(np.int32)
    x[:, 5:] = 0  # padding: the mask must reach the recurrent layers
    return model, x


def wrappers(M):
    L = M.layers
    model = M.Sequential([M.Input((6, 3)), L.Bidirectional(L.LSTM(3, return_sequences=True)),
                          L.TimeDistributed(L.Dense(2, activation="relu")),
                          L.Bidirectional(L.GRU(2, reset_after=False), merge_mode="sum"), L.Dense(1)])
    return model, _x(3, 6, 3)


def shapes_and_activations(M):
    L = M.layers
    model = M.Sequential([M.Input((4, 6, 2)), L.ZeroPadding2D(1), L.Cropping2D(((1, 0), (0, 2))),
                          L.UpSampling2D(2), L.Reshape((8, -1)), L.Permute((2, 1)), L.Activation("gelu"),
                          L.GlobalAveragePooling1D(), L.RepeatVector(3), L.Flatten(), L.Dense(2)])
    return model, _x(2, 4, 6, 2)


def merges_and_shared(M):
    L = M.layers
    a, b = M.Input((5,), name="left"), M.Input((5,), name="right")
    shared = L.Dense(4, activation="tanh")
    x, y = shared(a), shared(b)
    merged = [L.Add()([x, y]), L.Subtract()([x, y]), L.Multiply()([x, y]), L.Average()([x, y]),
              L.Maximum()([x, y]), L.Minimum()([x, y]), L.Dot(axes=1, normalize=True)([x, y])]
    out = L.Dense(2)(L.Concatenate()(merged))
    return M.Model([a, b], [out, x]), [_x(3, 5), _x(3, 5, seed=1)]


def preprocessing(M):
    L = M.layers
    model = M.Sequential([M.Input((6,)), L.Rescaling(0.5, offset=0.1), L.Normalization(),
                          L.GaussianNoise(0.3), L.Dense(3)])
    return model, _x(4, 6)


def nested(M):
    L = M.layers
    inner = M.Sequential([M.Input((4,)), L.Dense(3, activation="relu"), L.Dense(3)], name="inner")
    a = M.Input((4,))
    model = M.Model(a, L.Dense(2)(L.Concatenate()([inner(a), a])))
    return model, _x(3, 4)


def recurrent_states(M):
    L = M.layers
    a = M.Input((5, 3))
    seq, h, c = L.LSTM(4, return_sequences=True, return_state=True, go_backwards=True)(a)
    out = L.LSTM(4)(L.Masking(0.0)(seq), initial_state=[h, c])
    return M.Model(a, [out, h]), _x(2, 5, 3)


def layers_1d_3d(M):
    L = M.layers
    a = M.Input((8, 3))
    x = L.DepthwiseConv1D(3, padding="same")(L.ZeroPadding1D(2)(a))
    x = L.UpSampling1D(2)(L.AveragePooling1D(2)(L.MaxPooling1D(2, strides=1)(L.Cropping1D((1, 2))(x))))
    b = M.Input((4, 4, 4, 2))
    y = L.Conv3DTranspose(2, 2, strides=2)(L.ZeroPadding3D(1)(b))
    y = L.UpSampling3D(2)(L.AveragePooling3D(2)(L.MaxPooling3D(2)(L.Cropping3D(1)(y))))
    y = L.GlobalMaxPooling3D()(y)
    return M.Model([a, b], [L.GlobalAveragePooling1D()(x), y]), [_x(2, 8, 3), _x(2, 4, 4, 4, 2, seed=1)]


def inference_identities(M):
    L = M.layers
    model = M.Sequential([M.Input((8, 8, 3)), L.RandomFlip(), L.RandomRotation(0.1), L.RandomTranslation(0.1, 0.1),
                          L.RandomZoom(0.1), L.RandomContrast(0.2), L.Resizing(6, 6), L.GaussianDropout(0.2),
                          L.Conv2D(2, 3), L.GlobalMaxPooling2D()])
    return model, _x(2, 8, 8, 3)


def attention(M):
    L = M.layers
    q, v = M.Input((5, 4)), M.Input((3, 6))
    x = L.MultiHeadAttention(2, 3, value_dim=2)(q, v)
    y = L.Attention(use_scale=True)([q, q])
    z = L.AdditiveAttention()([q, q])
    w = L.MultiHeadAttention(1, 2, use_bias=False, output_shape=3)(q, q)
    return M.Model([q, v], [x, y, z, w]), [_x(2, 5, 4), _x(2, 3, 6, seed=1)]


def more_layers(M):
    L = M.layers
    model = M.Sequential([M.Input((6, 4)), L.GroupNormalization(2), L.PReLU(), L.LeakyReLU(0.2), L.ELU(),
                          L.ReLU(max_value=2.0), L.UnitNormalization(), L.SpatialDropout1D(0.2), L.AlphaDropout(0.1),
                          L.Identity(), L.EinsumDense("abc,cd->abd", output_shape=(None, 3), bias_axes="d"),
                          L.Softmax()])
    return model, _x(2, 6, 4)


FAMILIES = {f.__name__: f for f in (attention, more_layers, dense, conv2d, conv1d_3d, transposed_depthwise_separable, normalization,
                                     recurrent, recurrent_states, wrappers, shapes_and_activations, merges_and_shared,
                                     preprocessing, nested, layers_1d_3d, inference_identities)}


def randomize(model, seed=0):
    """Give every weight random values (variances positive), in place; returns the list set."""
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        path = getattr(w, "path", None) or w.name
        if "variance" in path:
            values.append(rng.uniform(0.5, 1.5, shape).astype(np.float32))
        else:
            values.append((0.5 * rng.standard_normal(shape)).astype(np.float32))
    model.set_weights(values)
    return values
