"""to_categorical, normalize, pad_sequences against Keras' documented behaviour (and a loop reference)."""
import numpy as np
import pytest

from neuroflow.errors import ConfigError, DataError
from neuroflow.utils.data_utils import normalize, pad_sequences, to_categorical


# --- to_categorical ----------------------------------------------------------------------------------------------
def test_to_categorical_keras_doc_example():
    a = to_categorical([0, 1, 2, 3], num_classes=4)
    np.testing.assert_array_equal(a, np.eye(4))
    assert a.dtype == np.float32


def test_to_categorical_shapes():
    assert to_categorical(np.array([[1], [2], [0]])).shape == (3, 3)  # (N, 1) -> (N, C), as Keras
    assert to_categorical(np.array([[1, 2], [0, 1]])).shape == (2, 2, 3)
    assert to_categorical(np.array([1]), num_classes=5).shape == (1, 5)
    assert to_categorical(np.array([2.0, 0.0])).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert to_categorical([1, 0], dtype="int64").dtype == np.int64


def test_to_categorical_errors():
    with pytest.raises(DataError, match="num_classes=3 but y holds label 3"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(DataError, match="labels must be >= 0; got min label -1"):
        to_categorical([0, -1])
    with pytest.raises(DataError, match="non-integral"):
        to_categorical([0.5, 1.0])


# --- normalize ---------------------------------------------------------------------------------------------------
def test_normalize_l2_rows_and_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    out = normalize(x)
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert out.dtype == np.float32


def test_normalize_axis_and_order():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5))
    np.testing.assert_allclose(np.linalg.norm(normalize(x, axis=0), axis=0), 1.0)
    np.testing.assert_allclose(np.abs(normalize(x, order=1)).sum(axis=-1), 1.0)
    assert normalize(np.array([[1, 1]])).dtype == np.float32  # ints -> floatx, not float64


# --- pad_sequences -----------------------------------------------------------------------------------------------
def keras_reference(sequences, maxlen, dtype, padding, truncating, value):
    """Keras' pad_sequences loop, transcribed, as the oracle for the vectorised version."""
    lengths = [len(s) for s in sequences]
    sample_shape = next((np.asarray(s).shape[1:] for s in sequences if len(s)), ())
    maxlen = max(lengths) if maxlen is None else maxlen
    x = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        t = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        t = np.asarray(t, dtype=dtype)
        if padding == "post":
            x[i, :len(t)] = t
        else:
            x[i, -len(t):] = t
    return x


def test_pad_sequences_keras_doc_examples():
    seq = [[1], [2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(pad_sequences(seq), [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(seq, value=-1), [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(seq, padding="post"), [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(pad_sequences(seq, maxlen=2), [[0, 1], [2, 3], [5, 6]])
    assert pad_sequences(seq).dtype == np.int32


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [None, 1, 3, 8])
def test_pad_sequences_matches_keras_loop(padding, truncating, maxlen):
    rng = np.random.default_rng(maxlen or 0)
    seqs = [list(rng.integers(1, 50, n)) for n in (0, 5, 1, 7, 3, 0, 4)]
    got = pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating, value=-7)
    want = keras_reference(seqs, maxlen, "int32", padding, truncating, -7)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == want.dtype


def test_pad_sequences_sample_shape_float_and_strings():
    seqs = [np.ones((2, 3)), np.full((4, 3), 2.0)]
    got = pad_sequences(seqs, dtype="float32", maxlen=3)
    np.testing.assert_array_equal(got, keras_reference(seqs, 3, "float32", "pre", "pre", 0.0))
    assert got.shape == (2, 3, 3) and got.dtype == np.float32
    words = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["a", "b"], ["<pad>", "c"]]
    assert pad_sequences([[1.7, 2.2]]).tolist() == [[1, 2]]  # cast like np.asarray(..., dtype="int32")
    assert pad_sequences([], maxlen=4).shape == (0, 4)


def test_pad_sequences_errors():
    with pytest.raises(ConfigError, match="padding must be 'pre' or 'post'; got 'middle'"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ConfigError, match="value='x' is a string"):
        pad_sequences([[1]], value="x")
    with pytest.raises(DataError, match=r"sample shape \(3,\).*shape \(2, 2\)"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 2))])
