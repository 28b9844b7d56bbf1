"""timeseries_dataset_from_array against Keras' documented examples and a per-window loop reference."""
import numpy as np
import pytest

from neuroflow.data import Dataset, timeseries_dataset_from_array
from neuroflow.errors import ConfigError, DataError


def keras_windows(data, targets, L, stride, rate, start=0, end=None):
    """Keras' algorithm, written with a loop over windows: the oracle."""
    end = len(data) if end is None else end
    num = end - start - (L - 1) * rate
    if targets is not None:
        num = min(num, len(targets))
    starts = range(0, num, stride)
    xs = np.stack([data[start:end][p + np.arange(L) * rate] for p in starts])
    ys = None if targets is None else np.stack([targets[start:end][p] for p in starts])
    return xs, ys


def collect(ds, with_targets=True):
    batches = list(ds)
    if not with_targets:
        return np.concatenate(batches), None
    return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])


def test_keras_example_1_indices():
    ds = timeseries_dataset_from_array(np.arange(99), None, sequence_length=10, sampling_rate=2, sequence_stride=3)
    assert isinstance(ds, Dataset)
    x, _ = collect(ds, False)
    assert x[0].tolist() == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]
    assert x[1].tolist() == [3, 5, 7, 9, 11, 13, 15, 17, 19, 21]
    assert x[2].tolist() == [6, 8, 10, 12, 14, 16, 18, 20, 22, 24]
    assert x[-1].tolist() == [78, 80, 82, 84, 86, 88, 90, 92, 94, 96]  # last 2 points discarded, as documented
    x100, _ = collect(timeseries_dataset_from_array(np.arange(100), None, 10, sequence_stride=3, sampling_rate=2),
                      False)
    assert x100[0].tolist() == list(range(0, 20, 2)) and x100[1].tolist() == list(range(3, 23, 2))


def test_keras_example_2_temporal_regression():
    data = np.arange(50.0)
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    inputs, targets = next(iter(ds))
    np.testing.assert_array_equal(inputs[0], data[:10])
    assert targets[0] == data[10]
    x, y = collect(ds)
    np.testing.assert_array_equal(y, x[:, -1] + 1)  # each target is the step after its window
    assert inputs.dtype == data.dtype


def test_keras_example_3_many_to_many():
    X = np.arange(100)
    Y = X * 2
    inp = timeseries_dataset_from_array(X, None, sequence_length=20, sequence_stride=20)
    tgt = timeseries_dataset_from_array(Y, None, sequence_length=20, sequence_stride=20)
    for inputs, targets in zip(inp, tgt):
        np.testing.assert_array_equal(inputs[0], X[:20])
        np.testing.assert_array_equal(targets[1], Y[20:40])


@pytest.mark.parametrize("L,stride,rate,start,end", [(5, 1, 1, None, None), (4, 3, 2, 5, 40), (7, 2, 3, 0, 49),
                                                      (1, 5, 1, 10, None)])
def test_matches_loop_reference_with_targets_and_features(L, stride, rate, start, end):
    rng = np.random.default_rng(L)
    data = rng.normal(size=(50, 3)).astype(np.float32)
    targets = rng.normal(size=(50, 2)).astype(np.float32)
    ds = timeseries_dataset_from_array(data, targets, L, stride, rate, batch_size=7, start_index=start,
                                       end_index=end)
    x, y = collect(ds)
    wx, wy = keras_windows(data, targets, L, stride, rate, start or 0, end)
    np.testing.assert_array_equal(x, wx)
    np.testing.assert_array_equal(y, wy)
    assert x.dtype == np.float32 and len(ds) == -(-len(wx) // 7)


def test_shorter_targets_limit_windows_like_keras():
    data = np.arange(30)
    x, y = collect(timeseries_dataset_from_array(data, np.arange(5) * 10, 4))
    assert len(x) == 5 and y.tolist() == [0, 10, 20, 30, 40]


def test_shuffle_reproducible_and_aligned():
    data = np.arange(200)
    targets = data * 10

    def run():
        ds = timeseries_dataset_from_array(data, targets, 8, batch_size=16, shuffle=True, seed=3)
        return [collect(ds) for _ in range(2)]

    (x1, y1), (x2, y2) = run()
    np.testing.assert_array_equal(y1, x1[:, 0] * 10)  # targets still follow their windows
    assert not np.array_equal(x1, x2)  # new order each epoch
    assert sorted(x1[:, 0].tolist()) == list(range(193))
    (x1b, _), (x2b, _) = run()
    np.testing.assert_array_equal(x1, x1b)
    np.testing.assert_array_equal(x2, x2b)


def test_unbatched_and_windows_gathered_per_batch(monkeypatch):
    single = next(iter(timeseries_dataset_from_array(np.arange(20), np.arange(20), 5, batch_size=None)))
    assert single[0].shape == (5,) and single[1] == 0

    from neuroflow.data import timeseries as ts

    calls = []
    original = ts._WindowSource.gather
    monkeypatch.setattr(ts._WindowSource, "gather", lambda self, idx: calls.append(idx) or original(self, idx))
    batches = list(timeseries_dataset_from_array(np.arange(1000.0), None, 10, batch_size=100))
    assert len(batches) == 10 and batches[0].shape == (100, 10)
    assert len(calls) == 10  # one vectorised gather per batch, no loop over windows


def test_errors():
    with pytest.raises(DataError, match=r"sequence_length=11 with sampling_rate=1 spans 11 steps, but .* only 10"):
        timeseries_dataset_from_array(np.arange(10), None, 11)
    with pytest.raises(DataError, match="spans 19 steps"):
        timeseries_dataset_from_array(np.arange(15), None, 10, sampling_rate=2)
    with pytest.raises(ConfigError, match="sequence_stride must be an int >= 1; got 0"):
        timeseries_dataset_from_array(np.arange(10), None, 3, sequence_stride=0)
    with pytest.raises(DataError, match="end_index=20 is past the end of data"):
        timeseries_dataset_from_array(np.arange(10), None, 3, end_index=20)
    with pytest.raises(DataError, match="start_index=5 must be lower than end_index=5"):
        timeseries_dataset_from_array(np.arange(10), None, 3, start_index=5, end_index=5)
    with pytest.raises(DataError, match="scalar"):
        timeseries_dataset_from_array(3.0, None, 1)
