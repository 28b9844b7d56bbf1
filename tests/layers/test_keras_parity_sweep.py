"""Layers against Keras 3 (torch backend) on random inputs with Keras' weights copied in: convolutions (every
dimension, padding, stride, dilation, groups, channels_first), pooling, normalization, reshaping and merging.
Where Keras' torch backend departs from Keras' own definition the case is left out and says why."""
import numpy as np
import pytest

from neuroflow import layers

from ..keras_oracle import keras as keras_oracle

R = np.random.default_rng(11)
X = {1: R.normal(size=(2, 11, 3)).astype("float32"), 2: R.normal(size=(2, 9, 10, 3)).astype("float32"),
     3: R.normal(size=(2, 7, 6, 5, 3)).astype("float32")}


@pytest.fixture(scope="module")
def k():
    return keras_oracle()


def _parity(keras, name, args, kwargs, inputs, call_kw=None, atol=1e-4):
    call_kw = call_kw or {}
    theirs_layer = getattr(keras.layers, name)(*args, **kwargs)
    theirs = theirs_layer(inputs, **call_kw)
    ours_layer = getattr(layers, name)(*args, **kwargs)
    ours_layer(inputs, **call_kw)  # build, then take Keras' weights
    ours_layer.set_weights([np.asarray(w) for w in theirs_layer.get_weights()])
    ours = ours_layer(inputs, **call_kw).numpy()
    theirs = np.asarray(keras.ops.convert_to_numpy(theirs))
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, name
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=atol, err_msg=f"{name}{args}{kwargs}")


def _layout(x, data_format):
    return x if data_format == "channels_last" else np.ascontiguousarray(np.moveaxis(x, -1, 1))


CONV = [(dim, pad, st, dil, df) for dim in (1, 2, 3) for pad in ("valid", "same", "causal")[:3 if dim == 1 else 2]
        for st, dil in ((1, 1), (2, 1), (1, 2)) for df in ("channels_last", "channels_first")]


@pytest.mark.parametrize("dim, pad, strides, dilation, data_format", CONV)
def test_convolutions_match_keras(k, dim, pad, strides, dilation, data_format):
    x = _layout(X[dim], data_format)
    common = dict(padding=pad, strides=strides, dilation_rate=dilation, data_format=data_format)
    _parity(k, f"Conv{dim}D", (6, 3), dict(common, groups=3), x)
    if pad == "causal":
        return
    _parity(k, f"Conv{dim}DTranspose", (4, 3), common, x)
    if dim < 3:
        _parity(k, f"SeparableConv{dim}D", (4, 3), dict(common, depth_multiplier=2), x)
        _parity(k, f"DepthwiseConv{dim}D", (3,), dict(common, depth_multiplier=2), x)


@pytest.mark.parametrize("dim", [1, 2, 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_and_spatial_reshaping_match_keras(k, dim, data_format):
    x = _layout(X[dim], data_format)
    fmt = dict(data_format=data_format)
    for kind in ("Max", "Average"):
        for pool, strides, pad in ((2, None, "valid"), (3, 2, "valid"), (2, 1, "same"), (3, 2, "same")):
            if kind == "Average" and pad == "same" and dim > 1 and pool == 3:
                continue  # Keras' torch backend zero-pads unevenly there and counts the zeros; TF and we do not
            _parity(k, f"{kind}Pooling{dim}D", (), dict(fmt, pool_size=pool, strides=strides, padding=pad), x)
        for keepdims in (False, True):
            _parity(k, f"Global{kind}Pooling{dim}D", (), dict(fmt, keepdims=keepdims), x)
    if dim > 1:
        _parity(k, f"UpSampling{dim}D", (2,), fmt, x)
        _parity(k, f"ZeroPadding{dim}D", (((1, 2),) * dim,), fmt, x)
        _parity(k, f"Cropping{dim}D", (((1, 2),) * dim,), fmt, x)
        _parity(k, f"Cropping{dim}D", (1,), fmt, x)
    elif data_format == "channels_last":
        for name, arg in (("UpSampling1D", 3), ("ZeroPadding1D", (1, 2)), ("Cropping1D", (2, 1))):
            _parity(k, name, (arg,), {}, x)


X4 = (R.normal(size=(4, 5, 6)) * 3 + 1).astype("float32")


@pytest.mark.parametrize("axis", [-1, [1, 2]])
@pytest.mark.parametrize("center, scale", [(True, True), (False, True), (True, False)])
def test_layer_normalization_matches_keras(k, axis, center, scale):
    _parity(k, "LayerNormalization", (), dict(axis=axis, center=center, scale=scale), X4)


@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("momentum, center, scale", [(0.9, True, True), (0.5, False, False)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_matches_keras(k, axis, momentum, center, scale, training):
    _parity(k, "BatchNormalization", (), dict(axis=axis, momentum=momentum, center=center, scale=scale), X4,
            call_kw=dict(training=training))


def test_batch_normalization_moving_statistics_match_keras(k):
    theirs, ours = k.layers.BatchNormalization(momentum=0.7), layers.BatchNormalization(momentum=0.7)
    theirs(X4, training=True)
    ours(X4, training=True)
    for a, b in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(b, np.asarray(a), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("groups, axis", [(1, -1), (2, -1), (6, -1), (5, 1)])
def test_group_and_unit_normalization_match_keras(k, groups, axis):
    _parity(k, "GroupNormalization", (), dict(groups=groups, axis=axis), X4)
    _parity(k, "UnitNormalization", (), dict(axis=axis if groups != 6 else (1, 2)), X4)


def test_reshaping_layers_match_keras(k):
    for name, args, x in (("Reshape", ((-1, 4),), X[1][:, :8]), ("Reshape", ((4, -1),), X[1][:, :8]),
                          ("Permute", ((2, 1),), X[1]), ("Permute", ((3, 1, 2),), X[2]),
                          ("RepeatVector", (3,), X[1][:, 0]), ("Flatten", (), X[2])):
        _parity(k, name, args, {}, x)
    _parity(k, "Flatten", (), dict(data_format="channels_first"), X[2])


A, B = R.normal(size=(2, 3, 4)).astype("float32"), R.normal(size=(2, 3, 4)).astype("float32")


@pytest.mark.parametrize("axes", [-1, 1, 2, (2, 2), (1, 1)])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_matches_keras(k, axes, normalize):
    _parity(k, "Dot", (axes,), dict(normalize=normalize), [A, B])


def test_merging_layers_match_keras(k):
    for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        _parity(k, name, (), {}, [A, B])
    for axis in (-1, 0, 1, 2):
        _parity(k, "Concatenate", (), dict(axis=axis), [A, B, A])
    _parity(k, "Add", (), {}, [A, B[:, :1]])


def test_embedding_takes_keras_initial_weights(k):
    # Embedding(vocab, dim, weights=[matrix], trainable=False): the pretrained-vectors recipe of Keras programs.
    matrix = R.normal(size=(6, 3)).astype("float32")
    ids = np.array([[1, 5, 0], [2, 2, 4]])
    for weights in ([matrix], matrix):
        ours = layers.Embedding(6, 3, weights=weights, trainable=False)
        theirs = k.layers.Embedding(6, 3, weights=weights, trainable=False)
        np.testing.assert_array_equal(ours(ids).numpy(), np.asarray(k.ops.convert_to_numpy(theirs(ids))))
        assert ours.trainable_weights == []
    with pytest.raises(ValueError, match="embeddings.*shape \\(6, 3\\).*\\(5, 3\\)"):
        layers.Embedding(6, 3, weights=matrix[:5])
