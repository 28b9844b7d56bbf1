"""fit with use_ema ends with the moving averages as the weights, as Keras' fit does."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers

from ..keras_oracle import keras as keras_oracle

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_fit_with_ema_matches_keras():
    k = keras_oracle()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    w = [rng.normal(size=(3, 1)).astype("float32"), np.zeros(1, "float32")]
    ours = nf.Sequential([layers.Input((3,)), layers.Dense(1)])
    ours.set_weights(w)
    ours.compile(nf.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.8), "mse")
    ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    theirs = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
    theirs.set_weights(w)
    theirs.compile(k.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.8), "mse")
    theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
