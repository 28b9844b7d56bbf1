"""keras.config's names and settings."""
import pytest

import neuroflow as nf
from neuroflow import config
from neuroflow.errors import ConfigError

from .keras_oracle import keras as keras_oracle


def test_every_keras_config_name_exists():
    k = keras_oracle()
    names = [n for n in dir(k.config) if not n.startswith("_")]
    assert [n for n in names if not hasattr(config, n)] == []


def test_settings_round_trip_and_refusals():
    assert config.backend() == "numpy" and config.floatx() == "float32" and config.dtype_policy().name == "float32"
    config.set_dtype_policy("float64")
    try:
        assert nf.Tensor([1.0]).dtype == "float64"
    finally:
        config.set_dtype_policy("float32")
    config.set_dtype_policy("mixed_float16")  # float32 weights, float16 compute: tests/mixed_precision
    try:
        assert config.dtype_policy().compute_dtype == "float16" and config.floatx() == "float32"
    finally:
        config.set_dtype_policy("float32")
    with pytest.raises(ConfigError, match="mixed_float17"):
        config.set_dtype_policy("mixed_float17")
    with pytest.raises(ConfigError, match="jax"):
        config.set_backend("jax")
    config.set_backend("numpy")
    assert config.is_nnx_enabled() is False


def test_max_epochs_and_steps_cap_fit():
    import numpy as np
    from neuroflow import layers
    model = nf.Sequential([layers.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.zeros((40, 2), "float32"), np.zeros((40, 1), "float32")
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    seen = []
    try:
        history = model.fit(x, y, batch_size=4, epochs=10, verbose=0,
                            callbacks=[nf.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))])
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    assert len(history.history["loss"]) == 2 and seen == [0, 1, 2, 0, 1, 2]
