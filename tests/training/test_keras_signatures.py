"""Keras 3's signatures of the callbacks' constructors and of Model's public methods, swept against neuroflow's
(every Keras parameter accepted, with Keras' default and order), and the training gaps such a sweep found."""
import inspect
import warnings

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.errors import ConfigError, DataError
from tests.keras_oracle import keras

# Deliberate differences, each with its reason: (owner, parameter) -> why
DIFFERENCES = {
    ("Model.save", "**kwargs"): "include_optimizer= and signing_key= are named keyword-only arguments instead",
    ("Model.quantize", "*"): "quantization is the layers' area (neuroflow/layers/quantized.py)",
}
# Accepted with Keras' defaults but refused with a ConfigError when set (tested below): save(zipped=False) (an
# unzipped directory), save_weights(max_shard_size=...) (sharded weights), load_weights(skip_mismatch=True).
# Accepted and without effect: summary's layout options; Sequential.add/pop(rebuild=False) (re-tracing is cheap).
MODEL_METHODS = ["compile", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
                 "summary", "save", "save_weights", "load_weights", "get_layer", "to_json", "get_config", "export",
                 "compute_loss", "compute_metrics", "get_metrics_result", "train_step", "test_step",
                 "get_compile_config", "compile_from_config", "reset_metrics"]


def _gaps(owner, ours, theirs):
    """What ``theirs`` (Keras) accepts that ``ours`` does not, or gives another default/order."""
    mine, keras_params = inspect.signature(ours).parameters, inspect.signature(theirs).parameters
    kinds = {p.kind for p in mine.values()}
    gaps = []
    for name, p in keras_params.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            key = ("*" if p.kind == p.VAR_POSITIONAL else "**") + name
            if p.kind not in kinds and (owner, key) not in DIFFERENCES:
                gaps.append(f"{owner}: no {key}")
        elif name not in mine:
            gaps.append(f"{owner}: no parameter {name}={p.default!r}")
        elif repr(mine[name].default) != repr(p.default):
            gaps.append(f"{owner}: {name} defaults to {mine[name].default!r}, Keras {p.default!r}")
    positional = [n for n, p in keras_params.items() if p.kind == p.POSITIONAL_OR_KEYWORD]
    if [n for n, p in mine.items() if p.kind == p.POSITIONAL_OR_KEYWORD][:len(positional)] != positional:
        gaps.append(f"{owner}: positional order differs from Keras' {positional}")
    return [g for g in gaps if (owner, "*") not in DIFFERENCES]


def test_every_keras_callback_constructor_is_accepted():
    k = keras()
    classes = [n for n in dir(k.callbacks) if isinstance(getattr(k.callbacks, n), type)]
    missing = [n for n in classes if not hasattr(nf.callbacks, n)]
    gaps = [g for n in classes if n not in missing
            for g in _gaps(f"callbacks.{n}", getattr(nf.callbacks, n).__init__, getattr(k.callbacks, n).__init__)]
    assert not missing and not gaps, (missing, gaps)


@pytest.mark.parametrize("model_cls", ["Model", "Sequential"])
def test_model_public_methods_accept_keras_parameters(model_cls):
    k = keras()
    ours, theirs = getattr(nf, model_cls), getattr(k, model_cls)
    names = MODEL_METHODS + (["__init__", "add", "pop"] if model_cls == "Sequential" else ["quantize"])
    gaps = [g for name in names for g in _gaps(f"Model.{name}", getattr(ours, name), getattr(theirs, name))]
    assert not gaps, gaps


# --- the gaps ---------------------------------------------------------------------------------------------------

def _data(n=16):
    rng = np.random.default_rng(0)
    return rng.random((n, 4), dtype=np.float32), rng.random((n, 1), dtype=np.float32)


def _regressor(**compile_kw):
    model = nf.Sequential([nf.Input((4,)), nf.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", **compile_kw)
    return model


def test_metrics_names_are_the_names_of_model_metrics():
    """Keras 3: ['loss', 'compile_metrics'], not the logged names."""
    assert _regressor(metrics=["mae"]).metrics_names == ["loss", "compile_metrics"]
    assert _regressor().metrics_names == ["loss"]
    assert nf.Sequential([nf.layers.Dense(1)]).metrics_names == []


def _two_outputs(cls):
    inp = nf.Input((4,))
    model = cls(inp, [nf.layers.Dense(1, name="a")(inp), nf.layers.Dense(1, name="b")(inp)])
    model.compile(optimizer="sgd", loss=["mse", "mse"])
    return model


class _Doubled(nf.Model):
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return super().compute_loss(x, y, y_pred, sample_weight, training) * 2.0


class _FirstOnly(nf.Model):
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return nf.ops.mean((y_pred[0] - y[0]) ** 2)


def test_compute_loss_override_calling_super_logs_each_output_loss():
    """Keras' compiled loss updates the per-output means inside super().compute_loss()."""
    x, y = _data(64)
    model = _two_outputs(_Doubled)
    history = model.fit(x, [y, y], batch_size=16, epochs=2, verbose=0).history
    assert sorted(history) == ["a_loss", "b_loss", "loss"]
    result = model.evaluate(x, [y, y], verbose=0, return_dict=True)
    assert result["b_loss"] > 0
    assert np.isclose(result["loss"], 2 * (result["a_loss"] + result["b_loss"]), rtol=1e-5)


def test_compute_loss_override_without_super_logs_the_loss_only():
    x, y = _data()
    model = _two_outputs(_FirstOnly)
    assert sorted(model.fit(x, [y, y], verbose=0).history) == ["loss"]


def test_compute_loss_called_from_a_custom_train_step_updates_output_means():
    x, y = _data()
    model = _two_outputs(nf.Model)
    model.reset_metrics()
    model.compute_loss(x, [y, y], model(x), training=False)
    assert model.get_metrics_result()["a_loss"] > 0


def test_learning_rate_scheduler_on_a_schedule_raises_type_error():
    x, y = _data()
    model = nf.Sequential([nf.Input((4,)), nf.layers.Dense(1)])
    model.compile(nf.optimizers.SGD(nf.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)), "mse")
    scheduler = nf.callbacks.LearningRateScheduler(lambda epoch, lr: lr)
    with pytest.raises(TypeError, match="schedule") as info:
        model.fit(x, y, verbose=0, callbacks=[scheduler])
    assert isinstance(info.value, ConfigError)


@pytest.mark.parametrize("split", [False, True])
def test_nan_validation_data_is_named_as_such(split):
    x, y = _data()
    model = _regressor()
    bad = x.copy()
    bad[-1, 0] = np.nan
    if split:
        kw, name = {"validation_split": 0.25}, "validation_split x"
        xt = np.concatenate([x[:12], bad[12:]])
    else:
        kw, name, xt = {"validation_data": (bad, y)}, "validation_data x", x
    with pytest.raises(DataError, match=f"^{name} contains 1 NaN"):
        model.fit(xt, y, verbose=0, **kw)


@pytest.mark.parametrize("cls", ["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint"])
def test_unknown_mode_warns_and_falls_back_to_auto(cls, tmp_path):
    args = (str(tmp_path / "m.weights.h5"),) if cls == "ModelCheckpoint" else ()
    with pytest.warns(UserWarning, match="mode 'bogus' is unknown"):
        cb = getattr(nf.callbacks, cls)(*args, mode="bogus")
    assert cb.mode == "auto"


@pytest.mark.parametrize("best_only", [True, False])
def test_checkpoint_with_an_undeterminable_monitor_raises_as_keras(best_only, tmp_path):
    """Keras raises ValueError at the first epoch end, best-only or not, when mode='auto' cannot decide."""
    x, y = _data()
    cb = nf.callbacks.ModelCheckpoint(str(tmp_path / "m.weights.h5"), monitor="nope", save_best_only=best_only,
                                      save_weights_only=True)
    with pytest.raises(ValueError, match="monitor='nope'.*mode='max'"):
        _regressor().fit(x, y, verbose=0, epochs=2, callbacks=[cb])


def test_early_stopping_with_an_undeterminable_monitor_raises():
    x, y = _data()
    with pytest.raises(ConfigError, match="monitor='nope'"):
        _regressor().fit(x, y, verbose=0, callbacks=[nf.callbacks.EarlyStopping(monitor="nope")])


def test_terminate_on_nan_raise_error():
    x, y = _data()
    y[0, 0] = 1e30
    model = _regressor()
    model.compile(nf.optimizers.SGD(1e30), "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="NaN or Inf loss"):
            model.fit(x, y, epochs=3, batch_size=4, verbose=0,
                      callbacks=[nf.callbacks.TerminateOnNaN(raise_error=True)])


def test_refused_keras_options_say_so(tmp_path):
    model = _regressor()
    x, y = _data()
    with pytest.raises(ConfigError, match="arguments not recognized"):
        model.evaluate(x, y, verbose=0, bogus=1)
    assert np.isfinite(model.evaluate(x, y, verbose=0, _use_cached_eval_dataset=True))
    with pytest.raises(ConfigError, match="max_shard_size"):
        model.save_weights(str(tmp_path / "w.weights.h5"), max_shard_size=1)
    with pytest.raises(ConfigError, match="skip_mismatch"):
        model.load_weights(str(tmp_path / "w.weights.h5"), skip_mismatch=True)
    with pytest.raises(ConfigError, match="zipped"):
        model.save(str(tmp_path / "m.keras"), zipped=False)


def test_keras_compile_order_and_sequential_arguments():
    x, y = _data()
    model = nf.Sequential([nf.Input((4,)), nf.layers.Dense(1)], trainable=False)
    assert not model.trainable
    model = nf.Sequential([nf.Input((4,)), nf.layers.Dense(2)])
    model.add(nf.layers.Dense(1), rebuild=False)
    assert model.predict(x, verbose=0).shape == (16, 1)
    model.compile("sgd", "mse", [1.0], ["mae"])  # Keras' order: loss_weights before metrics
    assert sorted(model.fit(x, y, verbose=0).history) == ["loss", "mae"]
    model.pop(rebuild=True)


class _Argmax(nf.Sequential):
    def predict_step(self, data):
        return nf.ops.argmax(super().predict_step(data), axis=-1)


def test_predict_step_override_is_what_predict_returns():
    """Keras' predict calls predict_step per batch (the fast single-batch paths too) and concatenates."""
    model = _Argmax([nf.Input((4,)), nf.layers.Dense(3)])
    x = np.random.default_rng(1).random((70, 4), dtype=np.float32)
    want = np.argmax(model(x).numpy(), axis=-1)
    for got in (model.predict(x, verbose=0), model.predict(x, batch_size=70, verbose=0)):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(model.predict_on_batch(x[:3]), want[:3])


def test_jit_compile_attribute_reads_and_turns_the_compiled_step_off():
    x, y = _data()
    model = _regressor()
    assert model.jit_compile is True
    model.jit_compile = False
    model.fit(x, y, verbose=0)
    assert model.jit_compile is False and model._jit_status() == []
    with pytest.raises(TypeError, match="jit_compile"):
        model.jit_compile = "yes"
