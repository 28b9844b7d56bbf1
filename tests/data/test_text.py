"""TextVectorization (Keras' documented outputs) and text_dataset_from_directory on tiny folders."""
import numpy as np
import pytest

from neuroflow.data import Dataset, TextVectorization, text_dataset_from_directory
from neuroflow.errors import ConfigError, DataError


# --- TextVectorization -------------------------------------------------------------------------------------------
def test_keras_doc_example_adapt():
    # Keras' docstring: adapt on ["foo", "bar", "baz"], then [["foo qux bar"], ["qux baz"]] -> [[2,1,4,0],[1,3,0,0]]
    v = TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    v.adapt(Dataset.from_tensor_slices(np.array(["foo", "bar", "baz"])).batch(64))
    out = v(np.array([["foo qux bar"], ["qux baz"]]))
    assert out.tolist() == [[2, 1, 4, 0], [1, 3, 0, 0]]
    assert out.dtype == np.int64
    assert v.get_vocabulary() == ["", "[UNK]", "foo", "baz", "bar"]  # ties: reverse order, as Keras


def test_keras_doc_example_fixed_vocabulary():
    v = TextVectorization(max_tokens=5000, output_sequence_length=4, vocabulary=["earth", "wind", "and", "fire"])
    assert v(["earth wind and fire", "fire and earth michigan"]).tolist() == [[2, 3, 4, 5], [5, 4, 2, 1]]
    assert v.vocabulary_size() == 6


def test_frequency_order_standardize_and_max_tokens():
    texts = ["The cat sat.", "The dog, the CAT!", "a bird... the end"]
    v = TextVectorization()
    v.adapt(texts)
    assert v.get_vocabulary()[:4] == ["", "[UNK]", "the", "cat"]
    small = TextVectorization(max_tokens=4).adapt(texts)
    assert small.get_vocabulary() == ["", "[UNK]", "the", "cat"]
    assert small(["the bird"]).tolist() == [[2, 1]]
    raw = TextVectorization(standardize=None).adapt(["Hi, hi"])
    assert raw.get_vocabulary(include_special_tokens=False) == ["hi", "Hi,"]
    assert TextVectorization(standardize="lower").adapt(["A-b a-b"]).get_vocabulary()[2:] == ["a-b"]
    custom = TextVectorization(standardize=lambda s: s.replace("x", ""), split=lambda s: s.split("|"))
    assert custom.adapt(["axb|c"]).get_vocabulary()[2:] == ["c", "ab"]


def test_padding_truncation_and_scalar():
    v = TextVectorization(vocabulary=["a", "b", "c"])
    assert v(["a b c a", "b"]).tolist() == [[2, 3, 4, 2], [3, 0, 0, 0]]  # pad to the longest
    cut = TextVectorization(vocabulary=["a", "b", "c"], output_sequence_length=2)
    assert cut(["a b c", ""]).tolist() == [[2, 3], [0, 0]]  # keep the first tokens
    assert cut("c a").tolist() == [4, 2]


def test_character_split():
    v = TextVectorization(split="character", standardize=None)
    v.adapt(["abba", "ab"])
    assert v.get_vocabulary() == ["", "[UNK]", "b", "a"]
    assert v(["abc"]).tolist() == [[3, 2, 1]]


def test_multi_hot_and_count_modes():
    mh = TextVectorization(output_mode="multi_hot").adapt(["a b b c"])
    assert mh.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    np.testing.assert_array_equal(mh(["b b z", "a"]), [[1, 1, 0, 0], [0, 0, 0, 1]])
    cnt = TextVectorization(output_mode="count").adapt(["a b b c"])
    out = cnt(["b b z"])
    np.testing.assert_array_equal(out, [[1, 2, 0, 0]])
    assert out.dtype == np.float32


def test_config_round_trip_and_errors():
    v = TextVectorization(max_tokens=10, output_sequence_length=3).adapt(["x y z"])
    w = TextVectorization.from_config(v.get_config())
    assert w.get_vocabulary() == v.get_vocabulary() and w(["z q"]).tolist() == v(["z q"]).tolist()
    with pytest.raises(ConfigError, match="split must be one of"):
        TextVectorization(split="words")
    with pytest.raises(ConfigError, match="max_tokens counts the special tokens"):
        TextVectorization(max_tokens=2)
    with pytest.raises(DataError, match=r"shape \(N,\) or \(N, 1\); got shape \(1, 2\)"):
        v([["a", "b"]])
    with pytest.raises(DataError, match="adapt on the texts only"):
        v.adapt(Dataset.from_tensor_slices((np.array(["a"]), np.array([0]))).batch(1))


# --- text_dataset_from_directory ---------------------------------------------------------------------------------
@pytest.fixture
def corpus(tmp_path):
    texts = {"neg": ["bad movie", "awful", "boring plot", "meh"], "pos": ["great", "loved it", "superb fun"]}
    for label, items in texts.items():
        (tmp_path / label).mkdir()
        for i, t in enumerate(items):
            (tmp_path / label / f"{i}.txt").write_text(t, encoding="utf-8")
    (tmp_path / "pos" / "notes.md").write_text("ignored")
    (tmp_path / "pos" / "sub").mkdir()
    (tmp_path / "pos" / "sub" / "deep.txt").write_text("nested too")
    return tmp_path, texts


def gather(ds):
    texts, labels = [], []
    for t, lab in ds:
        assert isinstance(t, list) and all(isinstance(s, str) for s in t)
        texts += t
        labels += lab.tolist()
    return texts, labels


def test_directory_inferred_labels(corpus):
    root, texts = corpus
    ds = text_dataset_from_directory(str(root), batch_size=3, seed=0)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3
    got_t, got_l = gather(ds)
    pairs = sorted(zip(got_t, got_l))
    want = sorted([(t, 0) for t in texts["neg"]] + [(t, 1) for t in texts["pos"] + ["nested too"]])
    assert pairs == want
    _, lab = next(iter(ds))
    assert lab.dtype == np.int32


def test_directory_unshuffled_order_and_label_modes(corpus):
    root, texts = corpus
    ds = text_dataset_from_directory(root, batch_size=100, shuffle=False)
    t, lab = next(iter(ds))
    assert t[:4] == texts["neg"] and t[4:7] == texts["pos"] and t[7] == "nested too"
    assert lab.tolist() == [0] * 4 + [1] * 4
    _, cat = next(iter(text_dataset_from_directory(root, label_mode="categorical", shuffle=False, batch_size=100)))
    assert cat.shape == (8, 2) and cat.dtype == np.float32 and cat[0].tolist() == [1, 0]
    _, binary = next(iter(text_dataset_from_directory(root, label_mode="binary", shuffle=False, batch_size=100)))
    assert binary.shape == (8, 1)
    only = next(iter(text_dataset_from_directory(root, label_mode=None, shuffle=False, batch_size=2)))
    assert only == texts["neg"][:2]
    rev = text_dataset_from_directory(root, class_names=["pos", "neg"], shuffle=False, batch_size=100)
    assert rev.class_names == ["pos", "neg"] and next(iter(rev))[0][0] == "great"
    one = next(iter(text_dataset_from_directory(root, batch_size=None, shuffle=False, max_length=3)))
    assert one == ("bad", 0)


def test_directory_validation_split_disjoint(corpus):
    root, _ = corpus
    tr = text_dataset_from_directory(root, validation_split=0.25, subset="training", seed=5, batch_size=2)
    va = text_dataset_from_directory(root, validation_split=0.25, subset="validation", seed=5, batch_size=2)
    t_tr, _ = gather(tr)
    t_va, _ = gather(va)
    assert len(t_va) == 2 and len(t_tr) == 6 and not set(t_tr) & set(t_va)
    both = text_dataset_from_directory(root, validation_split=0.25, subset="both", seed=5, batch_size=2)
    assert sorted(gather(both[1])[0]) == sorted(t_va)


def test_directory_explicit_labels_and_errors(corpus, tmp_path_factory):
    root, _ = corpus
    ds = text_dataset_from_directory(root, labels=list(range(8)), shuffle=False, batch_size=8)
    assert next(iter(ds))[1].tolist() == list(range(8))
    with pytest.raises(DataError, match="labels has 2 entries but .* holds 8 .txt files"):
        text_dataset_from_directory(root, labels=[0, 1])
    with pytest.raises(ConfigError, match="pass a seed"):
        text_dataset_from_directory(root, validation_split=0.2, subset="training")
    with pytest.raises(ConfigError, match="validation_split and subset go together"):
        text_dataset_from_directory(root, validation_split=0.2, seed=1)
    with pytest.raises(DataError, match="does not exist"):
        text_dataset_from_directory(root / "missing")
    with pytest.raises(DataError, match=r"class_names \['other'\] have no subfolder"):
        text_dataset_from_directory(root, class_names=["other"])
    flat = tmp_path_factory.mktemp("flat")
    (flat / "a.txt").write_text("x")
    with pytest.raises(DataError, match="has no subfolders"):
        text_dataset_from_directory(flat)
    bad = tmp_path_factory.mktemp("bad")
    (bad / "c").mkdir()
    (bad / "c" / "x.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(DataError, match=r"x.txt is not valid utf-8"):
        text_dataset_from_directory(bad)


def test_directory_feeds_text_vectorization(corpus):
    root, _ = corpus
    ds = text_dataset_from_directory(root, batch_size=4, seed=1)
    v = TextVectorization(output_sequence_length=3)
    v.adapt(ds.map(lambda t, y: t))
    x, y = next(iter(ds.map(lambda t, lab: (v(t), lab))))
    assert x.shape == (4, 3) and x.dtype == np.int64 and y.shape == (4,)
