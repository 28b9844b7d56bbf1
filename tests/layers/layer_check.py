"""``check_layer``: the one test every layer goes through (in the spirit of Keras' ``run_layer_test``).

Given a factory that makes a fresh layer and the input shape(s), it checks, in order:

1. build + call on random data: output shape equals ``expected_output_shape`` and ``compute_output_shape``
   (with the batch axis known and with it ``None``), float output stays float32, a symbolic call agrees;
2. weight counts: trainable / non-trainable as the caller says;
3. ``get_config`` is JSON-able and ``from_config(get_config())`` gives the same config and, with the same
   weights, the same output;
4. save/load of a model holding the layer (``Sequential`` for one input, functional for several) predicts
   identically;
5. for layers with trainable weights: one SGD step on MSE to a random target lowers the loss on that batch;
6. for layers with weights: ``layer.trainable = False`` keeps every weight bit-identical through ``fit``.

Usage::

    check_layer(lambda: layers.Dense(3), (4, 5), expected_output_shape=(4, 3), trainable_weights=2)

Multi-input layers (merge layers) pass a list of shapes. ``input_data`` (an array or list of arrays) replaces
the random inputs, e.g. integer ids for ``Embedding``. ``call_kwargs`` are passed to the direct calls whose
values are compared (the first call, the config round trip): random augmentation layers, which augment on a
plain call as in Keras 3, pass ``call_kwargs={"training": False}`` (their random ``training=True`` call is checked
for shape only). Returns the built layer and its output on the data.
"""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np

import neuroflow as nf
from neuroflow import layers as nf_layers
from neuroflow.models import Model, Sequential, load_model


def _is_multi(input_shape) -> bool:
    return isinstance(input_shape, list)


def _random_inputs(input_shape, rng):
    if _is_multi(input_shape):
        return [rng.standard_normal(s).astype(np.float32) for s in input_shape]
    return rng.standard_normal(input_shape).astype(np.float32)


def _shapes_match(got, want) -> bool:
    """``want`` may hold ``None`` for sizes the caller does not fix."""
    got, want = tuple(got), tuple(want)
    return len(got) == len(want) and all(w is None or g == w for g, w in zip(got, want))


def _none_batch(shape):
    return (None,) + tuple(shape[1:])


def _as_array(out):
    return out.numpy() if hasattr(out, "numpy") else np.asarray(out)


def _make_model(layer, input_shape, input_dtype):
    """A model whose only layer is ``layer``: Sequential for one input, functional for several."""
    if _is_multi(input_shape):
        inputs = [nf_layers.Input(shape=tuple(s[1:]), dtype=input_dtype) for s in input_shape]
        return Model(inputs, layer(inputs))
    return Sequential([nf_layers.Input(shape=tuple(input_shape[1:]), dtype=input_dtype), layer])


def _with_head(layer, input_shape, input_dtype, units=2):
    """``layer`` followed by a trainable ``Dense(units)``: lets ``fit`` run even when ``layer`` is frozen."""
    if _is_multi(input_shape):
        inputs = [nf_layers.Input(shape=tuple(s[1:]), dtype=input_dtype) for s in input_shape]
        return Model(inputs, nf_layers.Dense(units)(layer(inputs)))
    return Sequential([nf_layers.Input(shape=tuple(input_shape[1:]), dtype=input_dtype), layer,
                       nf_layers.Dense(units)])


def check_layer(layer_factory, input_shape, expected_output_shape=None, *, trainable_weights=0,
                non_trainable_weights=0, input_data=None, input_dtype=None, learning_rate=0.01,
                check_training=True, check_freezing=True, check_saving=True, tmp_path=None, seed=0, atol=0.0,
                call_kwargs=None):
    """Run the standard layer checks; see the module docstring.

    Args:
        layer_factory: no-argument callable returning a fresh, unbuilt layer.
        input_shape: full input shape with the batch axis, e.g. ``(4, 5)``; a list of shapes for layers taking
            a list of tensors.
        expected_output_shape: full output shape (``None`` entries match anything); skipped when ``None``.
        trainable_weights / non_trainable_weights: expected numbers of weight variables once built.
        input_data: arrays to use instead of random normal float32 data.
        input_dtype: dtype of the symbolic ``Input`` (defaults to the data's dtype).
        learning_rate: SGD step size of the training check.
        atol: tolerance of the config round-trip comparison (0: exact).
        call_kwargs: keywords of the compared direct calls, e.g. ``{"training": False}`` for a layer whose plain
            call is random (augmentations); ``predict`` already passes ``training=False``.
    Returns ``(layer, output_array)``.
    """
    rng = np.random.default_rng(seed)
    call_kwargs = dict(call_kwargs or {})
    x = input_data if input_data is not None else _random_inputs(input_shape, rng)
    if input_dtype is None:
        input_dtype = str((x[0] if _is_multi(input_shape) else x).dtype)

    # 1. build by calling on data; shapes
    layer = layer_factory()
    assert not layer.built, f"{layer.name}: a fresh layer must not be built before its first call"
    out = layer(x, **call_kwargs)
    assert layer.built, f"{layer.name}: calling the layer must build it"
    out_arr = _as_array(out)
    if out_arr.dtype.kind == "f":
        assert out_arr.dtype == np.float32, f"{layer.name}: float32 inputs gave a {out_arr.dtype} output"
    if expected_output_shape is not None:
        assert _shapes_match(out_arr.shape, expected_output_shape), \
            f"{layer.name}: output shape {out_arr.shape}, expected {expected_output_shape}"
    computed = layer.compute_output_shape(list(input_shape) if _is_multi(input_shape) else tuple(input_shape))
    assert _shapes_match(out_arr.shape[1:], tuple(computed)[1:]), \
        f"{layer.name}: compute_output_shape gave {computed}, the call gave {out_arr.shape}"
    none_in = [_none_batch(s) for s in input_shape] if _is_multi(input_shape) else _none_batch(input_shape)
    computed_none = tuple(layer.compute_output_shape(none_in))
    assert computed_none[0] is None and _shapes_match(out_arr.shape[1:], computed_none[1:]), \
        f"{layer.name}: compute_output_shape({none_in}) gave {computed_none}, the call gave {out_arr.shape}"
    out_train = _as_array(layer(x, training=True))
    assert out_train.shape == out_arr.shape, f"{layer.name}: training=True changed the output shape"

    # 2. weight counts
    assert len(layer.trainable_weights) == trainable_weights, \
        f"{layer.name}: {len(layer.trainable_weights)} trainable weights, expected {trainable_weights}"
    assert len(layer.non_trainable_weights) == non_trainable_weights, \
        f"{layer.name}: {len(layer.non_trainable_weights)} non-trainable weights, expected {non_trainable_weights}"

    # 3. config round trip
    config = layer.get_config()
    json.dumps(config)  # must be JSON-able: it goes into model files
    clone = type(layer).from_config(config)
    assert clone.get_config() == config, f"{layer.name}: from_config(get_config()) changed the config"
    clone(x, **call_kwargs)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(_as_array(clone(x, **call_kwargs)), _as_array(layer(x, **call_kwargs)), rtol=0,
                               atol=atol,
                               err_msg=f"{layer.name}: the from_config clone computes differently")

    # symbolic call: a fresh layer inside a model traces to the same shape
    sym_in = ([nf_layers.Input(shape=tuple(s[1:]), dtype=input_dtype) for s in input_shape]
              if _is_multi(input_shape) else nf_layers.Input(shape=tuple(input_shape[1:]), dtype=input_dtype))
    sym_out = layer_factory()(sym_in)
    assert sym_out.shape[0] is None and _shapes_match(out_arr.shape[1:], sym_out.shape[1:]), \
        f"{layer.name}: symbolic output shape {sym_out.shape}, real {out_arr.shape}"
    model = _make_model(layer_factory(), input_shape, input_dtype)
    pred = model.predict(x, verbose=0)
    assert _shapes_match(np.asarray(pred).shape, out_arr.shape), \
        f"{layer.name}: inside a model the output has shape {np.asarray(pred).shape}, alone {out_arr.shape}"

    # 4. save / load round trip
    if check_saving:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(str(tmp_path or tmp), "m.neuroflow")
            model.save(path)
            loaded = load_model(path)
            np.testing.assert_array_equal(np.asarray(loaded.predict(x, verbose=0)), np.asarray(pred),
                                          err_msg=f"{layer.name}: the loaded model predicts differently")

    # 5. one training step lowers the loss on the batch
    if check_training and trainable_weights:
        model = _make_model(layer_factory(), input_shape, input_dtype)
        y = rng.standard_normal(out_arr.shape).astype(np.float32)
        model.compile(optimizer=nf.optimizers.SGD(learning_rate=learning_rate), loss="mse")
        before = model.train_on_batch(x, y)  # the loss before this step's update
        after = model.train_on_batch(x, y)
        assert after < before, f"{layer.name}: one SGD step did not lower the loss ({before} -> {after})"

    # 6. a frozen layer's weights do not move through fit (a Dense head keeps something to train)
    if check_freezing and (trainable_weights or non_trainable_weights):
        frozen = layer_factory()
        model = _with_head(frozen, input_shape, input_dtype)
        frozen.trainable = False
        assert not frozen.trainable_weights, f"{frozen.name}: frozen layer still lists trainable weights"
        assert len(frozen.non_trainable_weights) == trainable_weights + non_trainable_weights
        model.compile(optimizer=nf.optimizers.SGD(learning_rate=learning_rate), loss="mse")
        head = model.layers[-1]
        w_before, head_before = frozen.get_weights(), head.get_weights()
        y = rng.standard_normal(np.asarray(model.predict(x, verbose=0)).shape).astype(np.float32)
        model.fit(x, y, epochs=2, batch_size=max(1, len(y) // 2), verbose=0)
        for a, b in zip(w_before, frozen.get_weights()):
            assert np.array_equal(a, b), f"{frozen.name}: a frozen weight changed during fit"
        assert any(not np.array_equal(a, b) for a, b in zip(head_before, head.get_weights())), \
            "the Dense head did not train: fit did not run"
    return layer, out_arr
