"""The Dataset pipeline and DataLoader."""
import gc
import threading
import time

import numpy as np
import pytest

import neuroflow.random as nf_random
from neuroflow.data import (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, DataLoader, Dataset)
from neuroflow.errors import ConfigError, DataError


class Counting(np.ndarray):
    """An array that counts its __getitem__ calls: proves batches are gathered whole, not sample by sample."""
    calls = 0

    def __getitem__(self, idx):
        Counting.calls += 1
        return np.asarray(self).__getitem__(idx)


def counting(a):
    Counting.calls = 0
    return np.asarray(a).view(Counting)


def xy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return x, np.arange(n)


# --- from_tensor_slices ------------------------------------------------------------------------------------------
def test_slices_of_array_tuple_dict_nested():
    x, y = xy()
    assert [e.tolist() for e in Dataset.from_tensor_slices(x)][2] == [6, 7, 8]
    ex, ey = next(iter(Dataset.from_tensor_slices((x, y))))
    assert ex.shape == (3,) and ey == 0
    d = next(iter(Dataset.from_tensor_slices({"a": x, "b": y})))
    assert set(d) == {"a", "b"} and d["b"] == 0
    (x1, x2), yy = next(iter(Dataset.from_tensor_slices(((x, x * 2), y))))
    assert x2[1] == 2 and yy == 0
    assert len(Dataset.from_tensor_slices([1, 2, 3])) == 3  # a list becomes one array


def test_slices_errors_name_arguments():
    x, y = xy()
    with pytest.raises(DataError, match=r"same number of samples \(axis 0\); got x: 10, y: 9"):
        Dataset.from_tensor_slices((x, y[:9]))
    with pytest.raises(DataError, match=r"x: 10, y: 10, sample_weight: 4"):
        Dataset.from_tensor_slices((x, y, np.ones(4)))
    with pytest.raises(DataError, match=r"tensors\['b'\]: 3"):
        Dataset.from_tensor_slices({"a": x, "b": y[:3]})
    with pytest.raises(DataError, match=r"y is a scalar"):
        Dataset.from_tensor_slices((x, 3))
    with pytest.raises(DataError, match="pass a tuple or a dict"):
        Dataset.from_tensor_slices([np.ones((2, 3)), np.ones((3, 3))])


# --- batch ------------------------------------------------------------------------------------------------------
def test_batch_shapes_remainder_and_len():
    x, y = xy(10)
    ds = Dataset.from_tensor_slices((x, y)).batch(4)
    batches = list(ds)
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert len(ds) == 3 == ds.cardinality()
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    dropped = Dataset.from_tensor_slices((x, y)).batch(4, drop_remainder=True)
    assert len(dropped) == 2 and [b[0].shape[0] for b in dropped] == [4, 4]
    with pytest.raises(ConfigError, match="batch_size must be a positive int; got 0"):
        Dataset.from_tensor_slices(x).batch(0)


def test_unshuffled_batches_are_views_and_gathered_whole():
    x = counting(np.arange(100.0).reshape(50, 2))
    batches = list(Dataset.from_tensor_slices(x).batch(10))
    assert Counting.calls == 5  # one slice per batch, no per-sample indexing
    assert all(np.shares_memory(b, x) for b in batches)  # no copy of the data


def test_shuffled_batches_use_one_gather_per_batch():
    x = counting(np.arange(1000.0))
    y = np.arange(1000)
    for xb, yb in Dataset.from_tensor_slices((x, y)).shuffle(seed=0).batch(100):
        np.testing.assert_array_equal(xb, yb)  # x and y stay aligned
    assert Counting.calls == 10


# --- shuffle ----------------------------------------------------------------------------------------------------
def epochs(ds, n=3):
    return [np.concatenate([np.atleast_1d(b) for b in ds]) for _ in range(n)]


def test_shuffle_is_a_permutation_new_each_epoch_and_reproducible():
    x = np.arange(100)
    a = epochs(Dataset.from_tensor_slices(x).shuffle(seed=7).batch(16))
    b = epochs(Dataset.from_tensor_slices(x).shuffle(seed=7).batch(16))
    for e in a:
        assert sorted(e.tolist()) == list(range(100))
    assert not np.array_equal(a[0], a[1])  # reshuffled each epoch
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea, eb)  # same seed, same sequence of epochs
    c = epochs(Dataset.from_tensor_slices(x).shuffle(seed=8).batch(16), 1)
    assert not np.array_equal(a[0], c[0])
    fixed = epochs(Dataset.from_tensor_slices(x).shuffle(seed=7, reshuffle_each_iteration=False))
    np.testing.assert_array_equal(fixed[0], fixed[2])


def test_shuffle_without_seed_follows_global_seed():
    x = np.arange(50)
    nf_random.set_seed(123)
    a = epochs(Dataset.from_tensor_slices(x).shuffle().batch(50), 2)
    nf_random.set_seed(123)
    b = epochs(Dataset.from_tensor_slices(x).shuffle().batch(50), 2)
    for ea, eb in zip(a, b):
        np.testing.assert_array_equal(ea, eb)


def test_buffer_shuffle_on_generator():
    def gen():
        yield from range(30)

    ds = Dataset.from_generator(gen).shuffle(buffer_size=5, seed=1)
    a, b = list(ds), list(ds)
    assert sorted(a) == list(range(30)) and a != list(range(30)) and a != b
    assert list(Dataset.from_generator(gen).shuffle(buffer_size=5, seed=1)) == a
    # a buffer of 5 cannot move an element more than 4 places earlier
    assert all(pos >= v - 4 for pos, v in enumerate(a))
    assert sorted(Dataset.from_generator(gen).shuffle(seed=2)) == list(range(30))  # buffer_size=None: full


# --- map, take, skip, repeat, cardinality ------------------------------------------------------------------------
def test_map_before_and_after_batch():
    x, y = xy(10)
    ds = Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a * 2, b + 1)).shuffle(seed=0).batch(4)
    got = list(ds)
    assert len(ds) == 3 and got[0][0].shape == (4, 3)
    for a, b in got:
        np.testing.assert_array_equal(a, x[b - 1] * 2)
    after = Dataset.from_tensor_slices((x, y)).batch(5).map(lambda a, b: a.sum(axis=1))
    assert [v.shape for v in after] == [(5,), (5,)]
    d = Dataset.from_tensor_slices({"a": x}).map(lambda e: e["a"][0])
    assert list(d)[:2] == [0, 3]


def test_take_skip_repeat_and_cardinality():
    x = np.arange(10)
    ds = Dataset.from_tensor_slices(x)
    assert [int(v) for v in ds.take(3)] == [0, 1, 2] and ds.take(3).cardinality() == 3
    assert [int(v) for v in ds.skip(8)] == [8, 9] and ds.skip(20).cardinality() == 0
    assert ds.take(-1).cardinality() == 10
    rep = ds.batch(4).repeat(2)
    assert len(rep) == 6 and len(list(rep)) == 6
    forever = ds.batch(4).repeat()
    assert forever.cardinality() == INFINITE_CARDINALITY
    with pytest.raises(TypeError, match="infinite"):
        len(forever)
    assert forever and ds.take(0)  # truthiness never calls len()
    assert len(list(forever.take(7))) == 7 and forever.take(7).cardinality() == 7
    assert len(list(ds.shuffle(seed=0).take(4).batch(2).map(lambda b: b.sum()))) == 2
    rest = np.concatenate(list(ds.shuffle(seed=3).skip(2).batch(3)))
    assert len(rest) == 8 == len(set(rest.tolist())) and set(rest.tolist()) <= set(x.tolist())
    empty = ds.take(0).repeat()
    assert list(empty) == []  # repeating nothing terminates


def test_repeat_reshuffles_each_pass():
    x = np.arange(20)
    two = np.concatenate(list(Dataset.from_tensor_slices(x).shuffle(seed=4).batch(20).repeat(2)))
    assert sorted(two[:20]) == sorted(two[20:]) == list(range(20)) and not np.array_equal(two[:20], two[20:])


def test_from_generator_reiterable_and_unknown_size():
    ds = Dataset.from_generator(lambda: ((np.full(2, i), i) for i in range(5)))
    assert ds.cardinality() == UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="unknown size"):
        len(ds)
    b1 = list(ds.batch(2))
    b2 = list(ds.batch(2))
    assert [b[0].shape for b in b1] == [(2, 2), (2, 2), (1, 2)]
    np.testing.assert_array_equal(b1[2][1], b2[2][1])
    gen = Dataset.from_generator(lambda n: iter(range(n)), args=(3,))
    assert list(gen) == [0, 1, 2]
    with pytest.raises(ConfigError, match="must be a callable"):
        Dataset.from_generator(iter(range(3)))


def test_ragged_batch_error():
    ds = Dataset.from_generator(lambda: iter([np.ones(2), np.ones(3)])).batch(2)
    with pytest.raises(DataError, match=r"share a shape.*\(2,\), \(3,\)"):
        list(ds)


# --- prefetch ---------------------------------------------------------------------------------------------------
def prefetch_threads():
    return [t for t in threading.enumerate() if t.name == "neuroflow-prefetch" and t.is_alive()]


def test_prefetch_same_elements_and_errors_propagate():
    x, y = xy(20)
    base = Dataset.from_tensor_slices((x, y)).shuffle(seed=5).batch(3)
    pre = Dataset.from_tensor_slices((x, y)).shuffle(seed=5).batch(3).prefetch(2)
    for (a, b), (c, d) in zip(base, pre):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert len(pre) == len(base)

    def boom():
        yield 1
        raise RuntimeError("bad sample 2")

    with pytest.raises(RuntimeError, match="bad sample 2"):
        list(Dataset.from_generator(boom).prefetch(1))
    assert not prefetch_threads()


def test_prefetch_thread_stops_when_iteration_stops_early():
    produced = []

    def slow():
        for i in range(10_000):
            produced.append(i)
            yield np.full(4, i)

    ds = Dataset.from_generator(slow).prefetch(3)
    for i, _ in enumerate(ds):
        if i == 2:
            break
    gc.collect()
    deadline = time.time() + 5
    while prefetch_threads() and time.time() < deadline:
        time.sleep(0.01)
    assert not prefetch_threads()
    assert len(produced) < 20  # the bounded queue kept the producer close to the consumer
    assert [int(v[0]) for v in ds.take(3)] == [0, 1, 2]  # and the dataset can be iterated again
    gc.collect()
    time.sleep(0.1)
    assert not prefetch_threads()


# --- DataLoader -------------------------------------------------------------------------------------------------
def test_dataloader():
    x, y = xy(10)
    dl = DataLoader(x, y, batch_size=4, seed=0)
    assert len(dl) == 3
    seen = np.concatenate([b for _, b in dl])
    assert sorted(seen.tolist()) == list(range(10))
    for a, b in dl:
        np.testing.assert_array_equal(a, x[b])
    assert len(DataLoader(x, y, batch_size=4, drop_last=True)) == 2
    plain = list(DataLoader(x, batch_size=5, shuffle=False))
    np.testing.assert_array_equal(plain[1], x[5:])
    again = [b for _, b in DataLoader(x, y, batch_size=4, seed=0)]
    np.testing.assert_array_equal(np.concatenate(again), seen)
    with pytest.raises(DataError, match="x: 10, y: 3"):
        DataLoader(x, y[:3])
    assert "cardinality=3" in repr(dl)
