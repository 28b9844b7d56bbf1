"""A model reloaded with ``load_model`` resumes on the path it was saved on (packed into a flat buffer or per
variable, as ``fit`` built it) and trains to bit for bit the weights of an uninterrupted run; with the compiled
Adam kernel and without."""
import contextlib

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import _native, layers, optimizers

OPTIMIZERS = {"adam": lambda: optimizers.Adam(0.01), "sgd-momentum": lambda: optimizers.SGD(0.05, momentum=0.9),
              "rmsprop": lambda: optimizers.RMSprop(0.005)}
#: hidden width: 16 gives small weights (packed into one flat buffer), 128 large ones (updated per variable)
WIDTHS = {"flat": 16, "per_variable": 128}
KERNELS = ["numpy"] + (["native"] if _native.library() is not None else [])


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 64)).astype(np.float32)
    y = (x[:, :1] * x[:, 1:2] > 0).astype(np.float32)
    return x, y


def _model(make_optimizer, width):
    nf.utils.set_random_seed(3)
    model = nf.Sequential([layers.Input((64,)), layers.Dense(width, activation="relu"),
                           layers.Dense(1, activation="sigmoid")])
    model.compile(make_optimizer(), "binary_crossentropy")
    return model


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("path", sorted(WIDTHS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_reloaded_model_resumes_on_the_same_path_bit_for_bit(tmp_path, name, path, kernels):
    x, y = _data()
    with _native.disabled() if kernels == "numpy" else contextlib.nullcontext():
        full = _model(OPTIMIZERS[name], WIDTHS[path])
        full.fit(x, y, batch_size=16, epochs=4, verbose=0)

        part = _model(OPTIMIZERS[name], WIDTHS[path])
        part.fit(x, y, batch_size=16, epochs=2, verbose=0)
        saved_repr = repr(part.optimizer)
        assert saved_repr.endswith(" flat>") == (path == "flat")
        part.save(tmp_path / "ckpt.neuroflow")

        resumed = nf.models.load_model(tmp_path / "ckpt.neuroflow")
        assert repr(resumed.optimizer) == saved_repr  # the same path: flat after reload when flat before
        kernel = resumed.layers[0].kernel
        assert (kernel.data.base is not None) == (path == "flat")  # a view of the flat buffer, or its own array
        resumed.fit(x, y, batch_size=16, epochs=4, initial_epoch=2, verbose=0)

    assert repr(resumed.optimizer) == repr(full.optimizer)
    for a, b in zip(full.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    for key, value in full.optimizer.get_state().items():
        np.testing.assert_array_equal(resumed.optimizer.get_state()[key], value, err_msg=key)
