"""Hashing and HashedCrossing: bucket ids equal Keras' (FarmHash64, SipHash64 with a salt, TensorFlow's
cross_hashed). Keras' layers need TensorFlow (absent here), so the expected ids are those Keras' docstrings and
tests state; the hash functions themselves are checked against published values."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.backends import strict
from neuroflow.errors import ConfigError, DataError, ShapeError
from neuroflow.layers import farmhash

from .layer_check import check_layer

LETTERS = np.array([["A"], ["B"], ["C"], ["D"], ["E"]])


def test_hash_functions_match_published_values():
    assert farmhash.fingerprint64(b"abc") == 2640714258260161385  # the farmhash/cityhash package's example
    assert farmhash.fingerprint64(b"") == 0x9AE16A3B2F90404F  # k2, farmhashna's empty-string value
    key = bytes(range(16))
    k0, k1 = int.from_bytes(key[:8], "little"), int.from_bytes(key[8:], "little")
    assert farmhash.siphash64(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5  # SipHash-2-4 paper's vector


@pytest.mark.parametrize("length", [0, 3, 7, 12, 20, 40, 64, 65, 130, 200])
def test_fingerprint_every_length_branch_is_deterministic_and_64_bit(length):
    data = bytes((i * 37 + 11) % 256 for i in range(length))
    value = farmhash.fingerprint64(data)
    assert 0 <= value < 2**64 and value == farmhash.fingerprint64(data)
    if length:
        assert farmhash.fingerprint64(data[:-1] + bytes([(data[-1] + 1) % 256])) != value


@pytest.mark.parametrize("kwargs, data, expected", [
    ({}, LETTERS, [1, 0, 1, 1, 2]),
    ({"mask_value": ""}, np.array([["A"], ["B"], [""], ["C"], ["D"]]), [1, 1, 0, 2, 2]),
    ({"salt": [133, 137]}, LETTERS, [1, 2, 1, 0, 2]),
    ({"salt": 133}, LETTERS, [0, 0, 2, 1, 0]),
    ({}, np.array([[0], [1], [2], [3], [4]]), [1, 0, 1, 0, 2]),
    ({"salt": [133, 137]}, np.array([[0], [1], [2], [3], [4]]), [1, 1, 2, 0, 1]),
])
def test_hashing_bins_equal_keras(kwargs, data, expected):
    out = layers.Hashing(num_bins=3, **kwargs)(data).numpy()
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.ravel(), expected)


def test_hashing_inputs_and_modes():
    layer = layers.Hashing(num_bins=3)
    np.testing.assert_array_equal(layer(np.char.encode(LETTERS)).numpy(), layer(LETTERS).numpy())
    np.testing.assert_array_equal(layer(LETTERS.astype(object)).numpy(), layer(LETTERS).numpy())
    np.testing.assert_array_equal(layer(np.array([[1.7], [3.2]])).numpy(), layer(np.array([[1], [3]])).numpy())
    one_hot = layers.Hashing(num_bins=3, output_mode="one_hot")(LETTERS).numpy()
    np.testing.assert_array_equal(one_hot.argmax(-1), [1, 0, 1, 1, 2])
    counts = layers.Hashing(num_bins=3, output_mode="count")(np.array([["A", "C", "B"]])).numpy()
    np.testing.assert_array_equal(counts, [[1, 2, 0]])
    assert layers.Hashing(num_bins=1)(LETTERS).numpy().max() == 0


def test_hashing_refusals():
    with pytest.raises(ConfigError, match="salt"):
        layers.Hashing(num_bins=2, salt="string")
    with pytest.raises(ConfigError, match="salt"):
        layers.Hashing(num_bins=2, salt=[1, 2, 3])
    with pytest.raises(ConfigError, match="num_bins"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ConfigError, match="sparse"):
        layers.Hashing(num_bins=2, output_mode="multi_hot", sparse=True)
    with pytest.raises(DataError, match="Hashing"):
        layers.Hashing(num_bins=2)(np.array([[None]], dtype=object))


def test_hashed_crossing_equals_keras():
    feat1, feat2 = np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])
    np.testing.assert_array_equal(layers.HashedCrossing(num_bins=5)((feat1, feat2)).numpy(), [1, 4, 1, 1, 3])
    one_hot = layers.HashedCrossing(num_bins=5, output_mode="one_hot")((feat1, feat2)).numpy()
    np.testing.assert_array_equal(one_hot.argmax(-1), [1, 4, 1, 1, 3])
    assert one_hot.dtype == np.float32
    column = layers.HashedCrossing(num_bins=5)((feat1[:, None], feat2[:, None])).numpy()
    np.testing.assert_array_equal(column, [[1], [4], [1], [1], [3]])
    assert layers.HashedCrossing(num_bins=5)((np.array("A"), np.array(101))).numpy() == 1


def test_hashed_crossing_refusals():
    crossing = layers.HashedCrossing(num_bins=5)
    with pytest.raises(ShapeError, match="at least 2"):
        crossing(np.array(["A"]))
    with pytest.raises(ShapeError, match="same shape"):
        crossing((np.array(["A", "B"]), np.array([1])))
    with pytest.raises(ShapeError, match=r"\(batch, 1\)"):
        crossing((np.zeros((2, 3), int), np.zeros((2, 3), int)))
    with pytest.raises(DataError, match="integers or strings"):
        crossing((np.array([1.5]), np.array([2])))


@pytest.mark.parametrize("factory, data", [
    (lambda: layers.Hashing(num_bins=4), LETTERS),
    (lambda: layers.Hashing(num_bins=4, output_mode="one_hot", salt=7), LETTERS),
    (lambda: layers.Hashing(num_bins=4, output_mode="multi_hot", mask_value=0), np.array([[0, 3], [5, 9]])),
])
def test_hashing_layer_check(factory, data):
    check_layer(factory, data.shape, input_data=data)


def test_hashed_crossing_layer_check():
    data = [np.array([["A"], ["B"], ["C"]]), np.array([["x"], ["y"], ["x"]])]
    check_layer(lambda: layers.HashedCrossing(num_bins=6, output_mode="one_hot"), [(3, 1), (3, 1)],
                input_data=data)


def test_integers_on_a_device_are_hashed_on_the_host_and_come_back():
    # the hashes read each value's text: one explicit read of the batch, the bucket ids go back to its device
    ids = np.array([[0, 3], [5, 9]])
    layer = layers.Hashing(num_bins=4, output_mode="multi_hot", mask_value=0)
    crossing = layers.HashedCrossing(num_bins=5)
    expected, crossed = layer(ids).numpy(), crossing((ids[:, :1], ids[:, 1:])).numpy()
    with nf.device("strict"):
        on_device = nf.backend.to_device(ids)
        with strict.counting() as reads:
            out = layer(on_device)
        assert reads.count == 1 and nf.backend.device_of(out) == "strict"
        np.testing.assert_array_equal(nf.backend.to_host(out.data), expected)
        out = crossing((on_device[:, :1], on_device[:, 1:]))
        assert nf.backend.device_of(out) == "strict"
        np.testing.assert_array_equal(nf.backend.to_host(out.data), crossed)
