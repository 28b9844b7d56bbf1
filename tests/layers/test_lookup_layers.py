"""StringLookup / IntegerLookup: Keras 3's id layout, OOV buckets, output modes, adapt order, invert, config,
save/load, and the refusals. Keras' own lookup layers need TensorFlow (absent here), so the expected values are
the ones Keras' docstrings and tests state."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.backends import strict
from neuroflow.errors import ConfigError, DataError

from .layer_check import check_layer

VOCAB = ["a", "b", "c", "d"]
DATA = np.array([["a", "c", "d"], ["d", "z", "b"]])


def test_string_lookup_ids_and_oov():
    np.testing.assert_array_equal(layers.StringLookup(vocabulary=VOCAB)(DATA).numpy(), [[1, 3, 4], [4, 0, 2]])
    two = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)  # OOV strings: FarmHash buckets, as Keras
    np.testing.assert_array_equal(two(np.array([["a", "c", "d"], ["m", "z", "b"]])).numpy(), [[2, 4, 5], [0, 1, 3]])
    masked = layers.StringLookup(vocabulary=VOCAB, mask_token="")
    np.testing.assert_array_equal(masked(np.array([["a", ""], ["", "z"]])).numpy(), [[2, 0], [0, 1]])
    assert masked.get_vocabulary() == ["", "[UNK]", "a", "b", "c", "d"]
    assert masked.vocabulary_size() == 6


def test_string_lookup_takes_bytes_and_objects():
    layer = layers.StringLookup(vocabulary=VOCAB)
    expected = layer(DATA).numpy()
    np.testing.assert_array_equal(layer(np.char.encode(DATA, "utf-8")).numpy(), expected)
    np.testing.assert_array_equal(layer(DATA.astype(object)).numpy(), expected)
    np.testing.assert_array_equal(layer([["a", "c", "d"], ["d", "z", "b"]]).numpy(), expected)


@pytest.mark.parametrize("mode, expected", [
    ("multi_hot", [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]),
    ("count", [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
])
def test_string_lookup_bag_modes(mode, expected):
    data = np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]])
    out = layers.StringLookup(vocabulary=VOCAB, output_mode=mode)(data).numpy()
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


def test_string_lookup_one_hot_tf_idf_and_padding():
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(np.array(["a", "b", "z"])).numpy()
    np.testing.assert_array_equal(one_hot, [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [1, 0, 0, 0, 0]])
    tf_idf = layers.StringLookup(output_mode="tf_idf", vocabulary=VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    out = tf_idf(np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]])).numpy()
    np.testing.assert_allclose(out, [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    padded = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", max_tokens=8, pad_to_max_tokens=True)
    assert padded(DATA).shape == (2, 8)
    masked = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", mask_token="")
    np.testing.assert_array_equal(masked(np.array([["a", ""]])).numpy(), [[0, 1, 0, 0, 0]])  # mask counts nowhere


def test_adapt_orders_by_count_then_token_and_caps_max_tokens():
    layer = layers.StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]  # Keras' docstring
    capped = layers.StringLookup(max_tokens=3)
    capped.adapt(iter([np.array(["x", "y", "y"]), np.array(["y", "x", "w"])]))  # batches are merged
    assert capped.get_vocabulary() == ["[UNK]", "y", "x"]
    ints = layers.IntegerLookup()
    ints.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    assert ints.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]


def test_adapt_learns_idf():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(np.array([["a", "a"], ["a", "b"]]))
    assert layer.get_vocabulary() == ["[UNK]", "a", "b"]
    idf = np.log(1 + 2 / (1 + np.array([2.0, 1.0])))
    np.testing.assert_allclose(layer(np.array([["a", "b"]])).numpy()[0], [0, idf[0], idf[1]], rtol=1e-6)


def test_invert_maps_ids_back():
    inv = layers.StringLookup(vocabulary=VOCAB, invert=True)
    np.testing.assert_array_equal(inv(np.array([[1, 3, 4], [4, 0, 2]])), [["a", "c", "d"], ["d", "[UNK]", "b"]])
    ints = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    np.testing.assert_array_equal(ints(np.array([[1, 3, 4], [4, 0, 9]])).numpy(), [[12, 1138, 42], [42, -1, -1]])


def test_integer_lookup_oov_methods():
    vocab = [12, 36, 1138, 42]
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    np.testing.assert_array_equal(layers.IntegerLookup(vocabulary=vocab)(data).numpy(), [[1, 3, 4], [4, 0, 2]])
    two = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=2)  # floormod: 37 % 2 = 1, 1000 % 2 = 0
    np.testing.assert_array_equal(two(np.array([[12, 1138, 42], [37, 1000, 36]])).numpy(), [[2, 4, 5], [1, 0, 3]])
    hashed = layers.IntegerLookup(vocabulary=vocab, num_oov_indices=3, oov_method="farmhash")
    ids = hashed(np.array([7, 8, 9, 10, 12])).numpy()
    assert ids[-1] == 3 and np.all((ids[:-1] >= 0) & (ids[:-1] < 3))


def test_vocabulary_from_file_and_with_special_tokens(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\nd\n")
    layer = layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]"] + VOCAB
    layer.set_vocabulary(["[UNK]", "x", "y"])  # special tokens at the front are recognised
    assert layer.get_vocabulary() == ["[UNK]", "x", "y"]


def test_refusals_name_the_argument():
    with pytest.raises(ConfigError, match="sparse"):
        layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot", sparse=True)
    with pytest.raises(ConfigError, match="repeats"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ConfigError, match="invert"):
        layers.StringLookup(vocabulary=VOCAB, invert=True, output_mode="one_hot")
    with pytest.raises(ConfigError, match="max_tokens"):
        layers.StringLookup(vocabulary=VOCAB, max_tokens=3)
    with pytest.raises(ConfigError, match="pad_to_max_tokens"):
        layers.IntegerLookup(pad_to_max_tokens=True)
    with pytest.raises(DataError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(np.array(["a", "zz"]))
    with pytest.raises(DataError, match="expected integers"):
        layers.IntegerLookup(vocabulary=[1, 2])(np.array(["a"]))
    with pytest.raises(ConfigError, match="adapt"):
        layers.StringLookup()(np.array(["a"]))
    with pytest.raises(ConfigError, match="cannot adapt"):
        layers.StringLookup(vocabulary=VOCAB).adapt(DATA)


@pytest.mark.parametrize("factory, data", [
    (lambda: layers.StringLookup(vocabulary=VOCAB), DATA),
    (lambda: layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot"), DATA),
    (lambda: layers.StringLookup(vocabulary=VOCAB, output_mode="tf_idf", idf_weights=[1.0, 2.0, 3.0, 4.0]), DATA),
    (lambda: layers.IntegerLookup(vocabulary=[3, 5, 7], output_mode="one_hot"), np.array([[3], [9]])),
    (lambda: layers.IntegerLookup(vocabulary=[3, 5, 7], mask_token=0), np.array([[3, 0], [9, 7]])),
])
def test_layer_check(factory, data):
    check_layer(factory, data.shape, input_data=data)


def test_adapted_vocabulary_survives_save_and_load(tmp_path):
    lookup = layers.StringLookup(output_mode="one_hot")
    lookup.adapt(np.array(["red", "green", "red", "blue"]))
    inputs = nf.Input(shape=(1,), dtype="string")
    model = nf.Model(inputs, layers.Dense(2)(lookup(inputs)))
    x = np.array([["red"], ["blue"], ["pink"]])
    path = str(tmp_path / "m.neuroflow")
    model.save(path)
    loaded = nf.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    restored = [l for l in loaded.layers if isinstance(l, layers.StringLookup)][0]
    assert restored.get_vocabulary() == lookup.get_vocabulary()
    restored.adapt(np.array(["x"]))  # an adapted (not given) vocabulary may be learned again


INTEGER_LOOKUPS = {
    "int": lambda: layers.IntegerLookup(vocabulary=[3, 5, 7]),
    "mask": lambda: layers.IntegerLookup(vocabulary=[3, 5, 7], mask_token=0),
    "floormod-oov": lambda: layers.IntegerLookup(vocabulary=[3, 5, 7], num_oov_indices=3),
    "one_hot": lambda: layers.IntegerLookup(vocabulary=[3, 5, 7], output_mode="one_hot"),
    "multi_hot-mask": lambda: layers.IntegerLookup(vocabulary=[3, 5, 7], mask_token=0, output_mode="multi_hot"),
    "tf_idf": lambda: layers.IntegerLookup(vocabulary=[3, 5, 7], output_mode="tf_idf", idf_weights=[1., 2., 3.]),
    "invert": lambda: layers.IntegerLookup(vocabulary=[3, 5, 7], invert=True),
}


@pytest.mark.parametrize("name", sorted(INTEGER_LOOKUPS))
def test_integer_ids_on_a_device_are_looked_up_there(name):
    # Keras on a GPU returns a device tensor: the ids stay on their device, the vocabulary is copied there once
    ids = np.array([[3, 0, 9], [7, 5, 12]])
    with nf.device("cpu"):
        expected = INTEGER_LOOKUPS[name]()(ids).numpy()
    layer = INTEGER_LOOKUPS[name]()
    with nf.device("strict"):
        on_device = nf.backend.to_device(ids)
        layer(on_device)  # copies the vocabulary to the device
        with strict.counting() as reads:
            out = layer(on_device)
    assert reads.count == 0 and nf.backend.device_of(out) == "strict"
    np.testing.assert_array_equal(nf.backend.to_host(out.data), expected)


def test_device_ids_that_need_their_values_are_read_once_and_come_back_to_the_device():
    farmhash = layers.IntegerLookup(vocabulary=[3, 5, 7], num_oov_indices=2, oov_method="farmhash")
    expected = farmhash(np.array([[3, 11, 13]])).numpy()
    with nf.device("strict"):
        ids = nf.backend.to_device(np.array([[3, 11, 13]]))
        with strict.counting() as reads:
            out = farmhash(ids)
        assert reads.count == 1 and nf.backend.device_of(out) == "strict"
        np.testing.assert_array_equal(nf.backend.to_host(out.data), expected)
        tokens = layers.StringLookup(vocabulary=VOCAB, invert=True)(nf.backend.to_device(np.array([1, 4, 0])))
        assert tokens.tolist() == ["a", "d", "[UNK]"]  # strings are host data
        with pytest.raises(DataError, match="num_oov_indices=0"):
            layers.IntegerLookup(vocabulary=[3, 5], num_oov_indices=0)(nf.backend.to_device(np.array([3, 4])))
