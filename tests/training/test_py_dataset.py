"""``PyDataset`` / ``Sequence`` as fit/evaluate/predict data: read batch by batch, epoch hooks, shuffling of the
batch order, thread prefetching with workers > 1, Keras' own PyDataset class, and refusal of look-alikes."""
import threading

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import DataError
from neuroflow.utils import PyDataset, Sequence
from tests.keras_oracle import keras as keras_oracle

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 4)).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")


class Batches(PyDataset):
    """Batch ``i`` = rows ``[i * size, (i + 1) * size)``; records what was asked and by which thread."""

    def __init__(self, x, y=None, size=16, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.size = x, y, size
        self.fetched, self.threads, self.begun, self.ended = [], set(), 0, 0
        self._lock = threading.Lock()

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        with self._lock:
            self.fetched.append(i)
            self.threads.add(threading.current_thread().name)
        sl = slice(i * self.size, (i + 1) * self.size)
        return self.x[sl] if self.y is None else (self.x[sl], self.y[sl])

    def on_epoch_begin(self):
        self.begun += 1

    def on_epoch_end(self):
        self.ended += 1


def model():
    nf.utils.set_random_seed(3)
    m = nf.Sequential([layers.Input((4,)), layers.Dense(8, activation="tanh"), layers.Dense(1, activation="sigmoid")])
    m.compile(nf.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    return m


def test_fit_on_a_py_dataset_equals_fit_on_the_same_batches_as_arrays():
    a, b = model(), model()
    ds = Batches(X, Y)
    a.fit(ds, epochs=3, shuffle=False, verbose=0)
    b.fit(X, Y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert (ds.begun, ds.ended) == (3, 3)
    assert ds.fetched == list(range(6)) * 3


def test_shuffle_visits_every_batch_once_per_epoch_in_a_new_order():
    ds = Batches(X, Y)
    model().fit(ds, epochs=4, verbose=0)  # shuffle=True by default, as in Keras
    epochs = [ds.fetched[i * 6:(i + 1) * 6] for i in range(4)]
    assert all(sorted(e) == list(range(6)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1


def test_steps_per_epoch_stops_early_and_still_ends_the_epoch():
    ds = Batches(X, Y)
    model().fit(ds, epochs=2, steps_per_epoch=2, shuffle=False, verbose=0)
    assert ds.fetched == [0, 1, 0, 1] and ds.ended == 2


def test_workers_prefetch_in_threads_and_give_the_same_training():
    a, b = model(), model()
    serial, threaded = Batches(X, Y), Batches(X, Y, workers=3, max_queue_size=2)
    a.fit(serial, epochs=2, shuffle=False, verbose=0)
    b.fit(threaded, epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert any(name.startswith("neuroflow-pydataset") for name in threaded.threads)
    assert sorted(threaded.fetched) == sorted(serial.fetched)


def test_stopping_early_with_workers_ends_the_epoch_and_the_threads():
    ds = Batches(X, Y, workers=3, max_queue_size=2)
    before = threading.active_count()
    model().fit(ds, epochs=2, steps_per_epoch=2, shuffle=False, verbose=0)
    assert ds.ended == 2 and ds.fetched.count(0) == 2
    assert threading.active_count() == before  # the pool is shut down when the epoch ends, not left running


def test_evaluate_and_predict_read_a_py_dataset():
    m = model()
    m.fit(X, Y, epochs=2, verbose=0)
    np.testing.assert_allclose(m.evaluate(Batches(X, Y), verbose=0), m.evaluate(X, Y, batch_size=16, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(m.predict(Batches(X), verbose=0), m.predict(X, verbose=0), rtol=1e-6)


def test_validation_data_may_be_a_py_dataset():
    history = model().fit(X, Y, epochs=2, validation_data=Batches(X, Y), verbose=0)
    assert len(history.history["val_loss"]) == 2


def test_class_weight_applies_to_py_dataset_batches():
    a, b = model(), model()
    weights = {0: 1.0, 1: 3.0}
    a.fit(Batches(X, Y), epochs=2, shuffle=False, class_weight=weights, verbose=0)
    b.fit(X, Y, batch_size=16, epochs=2, shuffle=False, class_weight=weights, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)


def test_an_endless_py_dataset_needs_steps_per_epoch():
    class Endless(PyDataset):
        num_batches = None

        def __getitem__(self, i):
            j = i % 6
            return X[j * 16:(j + 1) * 16], Y[j * 16:(j + 1) * 16]

    with pytest.raises(DataError, match="steps_per_epoch"):
        model().fit(Endless(), verbose=0)
    history = model().fit(Endless(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_sequence_is_py_dataset_and_the_settings_are_keras_defaults():
    assert Sequence is PyDataset
    ds = Batches(X, Y)
    assert (ds.workers, ds.use_multiprocessing, ds.max_queue_size) == (1, False, 10)


def test_a_subclass_that_skips_super_init_still_works_with_a_warning():
    class NoSuper(PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 2

        def __getitem__(self, i):
            return X[i * 48:(i + 1) * 48], Y[i * 48:(i + 1) * 48]

    with pytest.warns(UserWarning, match="super"):
        model().fit(NoSuper(), verbose=0)


def test_keras_own_py_dataset_class_is_read_batch_by_batch():
    keras = keras_oracle()

    class KerasBatches(keras.utils.PyDataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return X[i * 16:(i + 1) * 16], Y[i * 16:(i + 1) * 16]

    a, b = model(), model()
    a.fit(KerasBatches(), epochs=2, shuffle=False, verbose=0)
    b.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_a_look_alike_is_refused_without_reading_a_single_item():
    class Huge:
        reads = 0

        def __len__(self):
            return 10 ** 12

        def __getitem__(self, i):
            Huge.reads += 1
            return np.zeros(784, "float32")

    with pytest.raises(DataError, match="PyDataset"):
        model().fit(Huge(), Y, verbose=0)
    with pytest.raises(DataError, match="PyDataset"):
        model().predict(Huge(), verbose=0)
    assert Huge.reads == 0


def test_a_bad_batch_names_the_dataset_and_the_index():
    class Wrong(Batches):
        def __getitem__(self, i):
            return (X[:4], Y[:4], None, "extra")

    with pytest.raises(DataError, match=r"Wrong\[\d\].*tuple of 4"):
        model().fit(Wrong(X, Y), verbose=0)
