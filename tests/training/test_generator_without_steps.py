"""fit/evaluate/predict read a generator of batches to its end when no steps are given (Keras 3)."""
import numpy as np

import neuroflow as nf
from neuroflow import layers


def _batches(n, with_y=True):
    rng = np.random.default_rng(0)
    for _ in range(n):
        x = rng.normal(size=(4, 3)).astype(np.float32)
        yield (x, x.sum(axis=1, keepdims=True)) if with_y else x


def test_a_generator_without_steps_per_epoch_is_read_to_its_end():
    model = nf.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    seen = []
    count = nf.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    history = model.fit(_batches(5), epochs=1, verbose=0, callbacks=[count])
    assert seen == [0, 1, 2, 3, 4] and len(history.history["loss"]) == 1
    assert np.isfinite(model.evaluate(_batches(3), verbose=0))
    assert model.predict(_batches(3, with_y=False), verbose=0).shape == (12, 1)
