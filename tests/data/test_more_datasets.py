"""cifar10/cifar100/imdb/reuters/boston_housing/california_housing loaders, on tiny files in Keras' formats.

Where Keras' loader can be pointed at the same tiny file (its ``get_file`` is replaced to return it), the result
is compared with Keras' own; otherwise with the documented layout.
"""
import io
import json
import os
import pickle
import tarfile

import numpy as np
import pytest

from neuroflow.datasets import (_cache, boston_housing, california_housing, cifar10, cifar100, imdb,
                                reuters)
from neuroflow.errors import DataError
from tests.keras_oracle import keras


def _batch(n, rng, label_keys):
    d = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"filenames": [b"x.png"] * n}
    for k in label_keys:
        d[k.encode()] = rng.integers(0, 10, n).tolist()
    return pickle.dumps(d, protocol=3)  # 3: bytes pickled natively, as Python 2 str were


def _tar(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return path


def _cifar10_tar(tmp_path, rng):
    members = {f"cifar-10-batches-py/data_batch_{i}": _batch(2, rng, ["labels"]) for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = _batch(2, rng, ["labels"])
    return _tar(str(tmp_path / "cifar-10-python.tar.gz"), members), members


def _expected_cifar(payloads, key):
    ds = [pickle.loads(p, encoding="bytes") for p in payloads]
    x = np.concatenate([d[b"data"] for d in ds]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return x, np.concatenate([d[key] for d in ds]).astype(np.uint8).reshape(-1, 1)


def test_cifar10_from_tarball_folder_and_cache(tmp_path):
    rng = np.random.default_rng(0)
    tar, members = _cifar10_tar(tmp_path, rng)
    names = sorted(members)
    x_exp, y_exp = _expected_cifar([members[n] for n in names if "data_batch" in n], b"labels")
    for path in (tar, str(tmp_path)):
        (x, y), (xt, yt) = cifar10.load_data(path)
        assert x.shape == (10, 32, 32, 3) and x.dtype == np.uint8 and y.shape == (10, 1) and y.dtype == np.uint8
        assert xt.shape == (2, 32, 32, 3) and yt.shape == (2, 1)
        np.testing.assert_array_equal(x, x_exp)
        np.testing.assert_array_equal(y, y_exp)
    # The extracted folder in the cache is used without any download.
    with tarfile.open(tar) as t:
        t.extractall(os.path.join(os.environ["NEUROFLOW_DATA"], "cifar10"), filter="data")
    (x, _), _ = cifar10.load_data()
    np.testing.assert_array_equal(x, x_exp)


def test_cifar100_matches_keras(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    members = {"cifar-100-python/train": _batch(3, rng, ["fine_labels", "coarse_labels"]),
               "cifar-100-python/test": _batch(2, rng, ["fine_labels", "coarse_labels"])}
    tar = _tar(str(tmp_path / "cifar-100-python.tar.gz"), members)
    k = keras()
    from keras.src.datasets import cifar100 as k_cifar100
    extracted = tmp_path / "extracted"
    with tarfile.open(tar) as t:
        t.extractall(extracted, filter="data")
    monkeypatch.setattr(k_cifar100, "get_file", lambda *a, **kw: str(extracted))
    for mode in ("fine", "coarse"):
        ours = cifar100.load_data(mode, path=tar)
        theirs = k.datasets.cifar100.load_data(mode)
        for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
            # uint8 everywhere, as Keras documents (its cifar100 labels actually come back int64)
            assert a.shape == b.shape and a.dtype == np.uint8
            np.testing.assert_array_equal(a, b)
    with pytest.raises(DataError, match="label_mode"):
        cifar100.load_data("medium", path=tar)


def test_cifar_refuses_code_in_pickles(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    payload = pickle.dumps({b"data": Evil(), b"labels": [0]}, protocol=3)
    members = {f"cifar-10-batches-py/data_batch_{i}": payload for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = payload
    tar = _tar(str(tmp_path / "cifar-10-python.tar.gz"), members)
    with pytest.raises(DataError, match="cannot be read safely.*refusing"):
        cifar10.load_data(tar)
    assert not marker.exists()


def _ragged(rng, n, vocab, longest):
    out = np.empty(n, dtype=object)
    out[:] = [rng.integers(1, vocab, rng.integers(1, longest)).tolist() for _ in range(n)]
    return out


def _imdb_npz(tmp_path, rng):
    path = str(tmp_path / "imdb.npz")
    np.savez(path, x_train=_ragged(rng, 12, 30, 9), y_train=rng.integers(0, 2, 12),
             x_test=_ragged(rng, 9, 30, 9), y_test=rng.integers(0, 2, 9))
    return path


def _same_sequences(ours, theirs):
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        assert a.dtype == b.dtype
        if a.dtype == object:  # ours is always 1-D; Keras' np.array(...) turns equal-length lists into 2-D
            assert a.ndim == 1
            assert [list(s) for s in a] == [list(s) for s in b]
        else:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 20, "skip_top": 5}, {"maxlen": 6, "oov_char": None},
                                    {"start_char": None, "index_from": 0, "seed": 7},
                                    {"num_words": 15, "oov_char": None, "skip_top": 4}])
def test_imdb_matches_keras(tmp_path, monkeypatch, kwargs):
    path = _imdb_npz(tmp_path, np.random.default_rng(2))
    k = keras()
    from keras.src.datasets import imdb as k_imdb
    monkeypatch.setattr(k_imdb, "get_file", lambda *a, **kw: path)
    ours = imdb.load_data(path=path, **kwargs)
    _same_sequences(ours, k.datasets.imdb.load_data(**kwargs))
    assert isinstance(ours[0][0][0], list)


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 20, "skip_top": 3, "test_split": 0.5},
                                    {"maxlen": 5, "seed": 3}, {"oov_char": None, "num_words": 12}])
def test_reuters_matches_keras(tmp_path, monkeypatch, kwargs):
    rng = np.random.default_rng(3)
    path = str(tmp_path / "reuters.npz")
    np.savez(path, x=_ragged(rng, 15, 30, 8), y=rng.integers(0, 46, 15))
    k = keras()
    from keras.src.datasets import reuters as k_reuters
    monkeypatch.setattr(k_reuters, "get_file", lambda *a, **kw: path)
    _same_sequences(reuters.load_data(path=str(tmp_path), **kwargs), k.datasets.reuters.load_data(**kwargs))
    assert reuters.get_label_names() == k.datasets.reuters.get_label_names()


def test_imdb_maxlen_too_small_and_evil_npz(tmp_path):
    path = _imdb_npz(tmp_path, np.random.default_rng(4))
    with pytest.raises(DataError, match="maxlen=2"):
        imdb.load_data(path=path, maxlen=2)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    evil = np.empty(1, dtype=object)
    evil[0] = Evil()
    np.savez(str(tmp_path / "evil.npz"), x_train=evil, y_train=[0], x_test=evil, y_test=[0])
    with pytest.raises(DataError, match="refusing"):
        imdb.load_data(path=str(tmp_path / "evil.npz"))
    assert not marker.exists()


def test_word_index_from_path_and_cache(tmp_path):
    (tmp_path / "w.json").write_text(json.dumps({"the": 1, "film": 2}))
    assert imdb.get_word_index(str(tmp_path / "w.json")) == {"the": 1, "film": 2}
    folder = os.path.join(os.environ["NEUROFLOW_DATA"], "reuters")
    os.makedirs(folder)
    with open(os.path.join(folder, "reuters_word_index.json"), "w") as f:
        json.dump({"oil": 3}, f)
    assert reuters.get_word_index() == {"oil": 3}


@pytest.mark.parametrize("module,kwargs", [(boston_housing, {}), (boston_housing, {"test_split": 0.5, "seed": 1}),
                                           (california_housing, {}), (california_housing, {"version": "small"})])
def test_housing_matches_keras(tmp_path, monkeypatch, module, kwargs):
    rng = np.random.default_rng(5)
    n = 700 if module is california_housing else 30
    path = str(tmp_path / "h.npz")
    np.savez(path, x=rng.normal(size=(n, 4)), y=rng.normal(size=n))
    k = keras()
    import importlib
    k_module = importlib.import_module(f"keras.src.datasets.{module.__name__.rsplit('.', 1)[1]}")
    monkeypatch.setattr(k_module, "get_file", lambda *a, **kw: path)
    ours = module.load_data(path=path, **kwargs)
    theirs = k_module.load_data(**kwargs)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    with pytest.raises(DataError, match="test_split"):
        module.load_data(path=path, test_split=1.0)


def test_california_bad_version():
    with pytest.raises(DataError, match="version"):
        california_housing.load_data(version="medium")


@pytest.mark.parametrize("call,filename,name", [
    (lambda: cifar10.load_data(), "cifar-10-python.tar.gz", "cifar10"),
    (lambda: cifar100.load_data(), "cifar-100-python.tar.gz", "cifar100"),
    (lambda: imdb.load_data(), "imdb.npz", "imdb"),
    (lambda: imdb.get_word_index(), "imdb_word_index.json", "imdb"),
    (lambda: reuters.load_data(), "reuters.npz", "reuters"),
    (lambda: boston_housing.load_data(), "boston_housing.npz", "boston_housing"),
    (lambda: california_housing.load_data(), "california_housing.npz", "california_housing"),
])
def test_offline_error_names_file_and_folder(monkeypatch, call, filename, name):
    monkeypatch.setenv("NEUROFLOW_OFFLINE", "1")
    with pytest.raises(DataError) as e:
        call()
    msg = str(e.value)
    for needle in (filename, os.path.join(os.environ["NEUROFLOW_DATA"], name), "path=", "NEUROFLOW_OFFLINE"):
        assert needle in msg


def test_download_used_when_nothing_local(monkeypatch, tmp_path):
    rng = np.random.default_rng(6)
    src = str(tmp_path / "src.npz")
    np.savez(src, x=rng.normal(size=(10, 3)), y=rng.normal(size=10))
    calls = []

    def fake_download(url, dest, checksum, algorithm="sha256", timeout=60):
        calls.append((url, checksum))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(src, "rb") as f, open(dest, "wb") as out:
            out.write(f.read())
        return dest

    monkeypatch.setattr(_cache, "download", fake_download)
    (x, _), (xt, _) = boston_housing.load_data()
    assert x.shape == (8, 3) and xt.shape == (2, 3)
    assert calls[0][0].endswith("boston_housing.npz") and calls[0][1].startswith("f553886a")
    boston_housing.load_data()  # now cached: no second download
    assert len(calls) == 1


def test_missing_path(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        imdb.load_data(path=str(tmp_path / "nope" / "imdb.npz"))
    with pytest.raises(DataError, match="holds none of"):
        reuters.load_data(path=str(tmp_path))


def test_cifar_channels_first(tmp_path):
    from neuroflow import backend
    tar, _ = _cifar10_tar(tmp_path, np.random.default_rng(7))
    (x_last, _), _ = cifar10.load_data(tar)
    backend.set_image_data_format("channels_first")
    try:
        (x_first, _), _ = cifar10.load_data(tar)
    finally:
        backend.set_image_data_format("channels_last")
    assert x_first.shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(x_first.transpose(0, 2, 3, 1), x_last)
