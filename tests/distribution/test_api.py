"""``neuroflow.distribution`` in one process: Keras' names, the no-op path, and the data-parallel pieces
(sharding, metric reduction, prediction order, the rank-0 callback guard) on a simulated group of ranks."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import distribution, layers
from neuroflow.callbacks import CSVLogger, EarlyStopping, History, ModelCheckpoint, ProgbarLogger
from neuroflow.callbacks.callback_list import CallbackList
from neuroflow.distribution import data_parallel as dp
from neuroflow.errors import ConfigError
from neuroflow.metrics import Accuracy, AUC, Mean
from neuroflow.models import Sequential
from neuroflow.training.data_adapter import take


@pytest.fixture(autouse=True)
def no_distribution():
    yield
    distribution.set_distribution(None)


def test_keras_names_in_one_process():
    assert distribution.list_devices() == ["cpu:0"]
    assert distribution.get_device_count() == 1
    assert distribution.distribution() is None
    d = distribution.DataParallel()
    assert d.num_model_replicas == 1 and d.data_shard_id == 0 and d.batch_dim_name == "batch"
    distribution.set_distribution(d)
    assert distribution.distribution() is d
    distribution.initialize()  # nothing to join in one process
    mesh = distribution.DeviceMesh((1,), ["data"])
    assert distribution.DataParallel(device_mesh=mesh).batch_dim_name == "data"
    with distribution.DataParallel(devices=["cpu:0"]).scope() as scoped:
        assert distribution.distribution() is scoped
    assert distribution.distribution() is d
    assert distribution.distribute_tensor(np.ones(2)) is not None


@pytest.mark.parametrize("call, words", [
    (lambda: distribution.set_distribution("data"), ["set_distribution", "DataParallel", "str"]),
    (lambda: distribution.DataParallel(devices=["cpu:0", "cpu:1"]), ["devices", "cpu:1"]),
    (lambda: distribution.DataParallel(timeout=0), ["timeout", "0"]),
    (lambda: distribution.list_devices("gpu"), ["device_type", "gpu"]),
    (lambda: distribution.initialize(num_processes=4), ["num_processes=4", "1"]),
    (lambda: distribution.DeviceMesh((2,), ["batch"]), ["DeviceMesh", "(2,)"]),
])
def test_mistakes_are_config_errors(call, words):
    with pytest.raises(ConfigError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def _fit_weights(with_distribution):
    nf.random.set_seed(0)
    x = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    m = Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    distribution.set_distribution(distribution.DataParallel() if with_distribution else None)
    m.fit(x, y, batch_size=8, epochs=2, verbose=0)
    return m.get_weights() + [m.predict(x, batch_size=16, verbose=0)]


def test_one_rank_trains_exactly_as_without_a_distribution():
    for a, b in zip(_fit_weights(True), _fit_weights(False)):
        np.testing.assert_array_equal(a, b)


class _Group:
    """A stand-in for rank ``rank`` of ``size``: ``allgather_object`` returns what every rank would send,
    given as ``others`` (callables of this rank's object)."""

    def __init__(self, rank, size, others=None):
        self.rank, self.size, self.others = rank, size, others or {}

    def allgather_object(self, obj):
        return [obj if r == self.rank else self.others[r](obj) for r in range(self.size)]


class _Fake:
    auto_shard_dataset, deterministic = True, False

    def __init__(self, group):
        self.group = group


def _as_rank(monkeypatch, rank, size, others=None):
    monkeypatch.setattr(dp, "active", lambda: _Fake(_Group(rank, size, others)))


@pytest.mark.parametrize("size", [2, 3, 4])
@pytest.mark.parametrize("m", [1, 7, 32, 33])
def test_shards_of_a_batch_are_disjoint_and_cover_it(monkeypatch, size, m):
    idx = np.random.default_rng(m).permutation(100)[:m]
    parts, slices = [], []
    for rank in range(size):
        _as_rank(monkeypatch, rank, size)
        parts.append(dp.shard_indices(idx))
        slices.append(dp.shard_slice(10, 10 + m))
        x, y, w = dp.shard_batch({"a": np.arange(m)}, [np.arange(m)], None, take)
        np.testing.assert_array_equal(x["a"], np.arange(m)[slices[-1].start - 10:slices[-1].stop - 10])
        assert w is None and len(y[0]) == len(x["a"])
    np.testing.assert_array_equal(np.concatenate(parts), idx)  # in order, each row once
    assert [s.start for s in slices[1:]] == [s.stop for s in slices[:-1]] and slices[-1].stop == 10 + m
    assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1


def test_predictions_are_gathered_in_the_order_of_the_data(monkeypatch):
    # Two batches of 4 rows split 2/2: rank 1 holds rows 2-3 and 6-7.
    mine = [[np.array([[0.], [1.]])], [np.array([[4.], [5.]])]]
    theirs = [[np.array([[2.], [3.]])], [np.array([[6.], [7.]])]]
    _as_rank(monkeypatch, 0, 2, {1: lambda obj: theirs})
    chunks = dp.gather_outputs(mine)
    np.testing.assert_array_equal(np.concatenate([c[0] for c in chunks]).ravel(), np.arange(8.0))


def test_metric_states_and_loss_are_summed_over_ranks(monkeypatch):
    class Tracker:
        total, count = 3.0, 4

    acc, auc, mean = Accuracy(), AUC(num_thresholds=5), Mean()
    acc.update_state(np.array([1, 0, 1, 1]), np.array([1, 0, 0, 1]))  # 3 of 4
    auc.update_state(np.array([0, 1, 1, 0]), np.array([0.1, 0.8, 0.6, 0.3]))
    mean.update_state(np.array([1.0, 2.0]))
    before_auc = float(auc.result())
    # The other rank: 1 of 4 right, an identical AUC batch, a mean of 7 over 2 values, loss total 5 over 4.
    other_acc = Accuracy()
    other_acc.update_state(np.array([1, 0, 1, 1]), np.array([0, 1, 0, 1]))
    others = {1: lambda obj: ((5.0, 4), [dp._metric_state(other_acc), obj[1][1], {"total": 14.0, "count": 2.0}])}
    _as_rank(monkeypatch, 0, 2, others)
    tracker = Tracker()
    dp.reduce_epoch(tracker, [acc, auc, mean])
    assert (tracker.total, tracker.count) == (8.0, 8)
    assert float(acc.result()) == pytest.approx(4 / 8)
    assert float(auc.result()) == pytest.approx(before_auc)  # the same counts twice: the same curve
    assert float(mean.result()) == pytest.approx((3.0 + 14.0) / 4)


def test_only_rank_zero_runs_callbacks_that_write(monkeypatch, tmp_path):
    callbacks = [ModelCheckpoint(str(tmp_path / "m.neuroflow")), CSVLogger(str(tmp_path / "log.csv")),
                 EarlyStopping(patience=1), History(), ProgbarLogger()]
    for rank, expected in ((0, 5), (1, 2)):
        _as_rank(monkeypatch, rank, 2)
        cbs = CallbackList(callbacks)
        active = {getattr(f, "__self__", None) for hooks in cbs._active.values() for f in hooks}
        ran = [cb for cb in callbacks if cb in active]
        assert len(ran) == expected, (rank, ran)
        if rank == 1:
            assert {type(cb) for cb in ran} == {EarlyStopping, History}


def test_fit_refuses_what_it_could_not_keep_in_step(monkeypatch):
    _as_rank(monkeypatch, 0, 2)
    with pytest.raises(ConfigError, match="train_step"):
        dp.start_fit([nf.Variable(np.zeros(2))], None, 0, 0, custom_train_step=True)
    with pytest.raises(ConfigError, match="built before fit"):
        dp.start_fit([], None, 0, 0)
