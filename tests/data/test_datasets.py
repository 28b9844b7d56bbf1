"""IDX reader and mnist / fashion_mnist loaders, on tiny files written here (never the network)."""
import gzip
import hashlib
import io
import os

import numpy as np
import pytest

from neuroflow.datasets import _cache, _idx, fashion_mnist, mnist, read_idx
from neuroflow.errors import DataError

REAL_MNIST = "/work/shared/data/mnist"
NAMES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
         "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}


def idx_bytes(a, magic=None):
    """Serialise a uint8 array as IDX (magic 0x08 dtype code + ndim, then big-endian dims)."""
    a = np.asarray(a, dtype=np.uint8)
    magic = (0x08 << 8 | a.ndim) if magic is None else magic
    head = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    return head + a.tobytes()


def tiny_split(seed=0, n_train=7, n_test=3):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
            "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "y_test": rng.integers(0, 10, n_test, dtype=np.uint8)}


def write_idx_folder(folder, arrays, gz=True):
    os.makedirs(folder, exist_ok=True)
    for key, a in arrays.items():
        data = idx_bytes(a)
        name = os.path.join(folder, NAMES[key] + (".gz" if gz else ""))
        with (gzip.open(name, "wb") if gz else open(name, "wb")) as f:
            f.write(data)
    return folder


def check_loaded(result, arrays):
    (x, y), (xt, yt) = result
    for got, key in ((x, "x_train"), (y, "y_train"), (xt, "x_test"), (yt, "y_test")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key])
    assert x.shape[1:] == (28, 28)


# --- IDX reader --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder_gzipped_and_plain(tmp_path, gz):
    arrays = tiny_split()
    folder = write_idx_folder(str(tmp_path / "m"), arrays, gz=gz)
    check_loaded(mnist.load_data(path=folder), arrays)
    check_loaded(fashion_mnist.load_data(path=folder), arrays)


def test_loaded_arrays_are_writable(tmp_path):
    (x, _), _ = mnist.load_data(path=write_idx_folder(str(tmp_path / "m"), tiny_split()))
    x[0, 0, 0] = 1  # Keras' arrays are writable; a read-only frombuffer view would fail here


def test_read_idx_other_dtypes_big_endian(tmp_path):
    a = (np.arange(6) - 3).astype(">i4").reshape(2, 3)
    p = tmp_path / "ints.idx"
    p.write_bytes((0x0C02).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + a.tobytes())
    got = read_idx(p)
    assert got.dtype == np.int32 and got.dtype.isnative
    np.testing.assert_array_equal(got, a)


def test_bad_magic_names_file(tmp_path):
    p = tmp_path / "labels-as-images"
    p.write_bytes(idx_bytes(np.zeros(5)))  # magic 2049 (labels)
    with pytest.raises(DataError, match=r"labels-as-images.*magic number 2049, expected 2051"):
        read_idx(p, _idx.IMAGES_MAGIC)
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x12\x34\x56\x78" + b"\0" * 20)
    with pytest.raises(DataError, match="junk.bin.*not an IDX file"):
        read_idx(junk)


def test_truncated_plain_and_gzip_files(tmp_path):
    data = idx_bytes(np.ones((4, 28, 28)))
    p = tmp_path / "short-idx3"
    p.write_bytes(data[:-10])
    with pytest.raises(DataError, match=r"short-idx3 is truncated.*\(4, 28, 28\).*3136 bytes\), found 3126"):
        read_idx(p)
    hdr = tmp_path / "header-only"
    hdr.write_bytes(data[:6])
    with pytest.raises(DataError, match="header-only is truncated"):
        read_idx(hdr)
    gz = tmp_path / "cut.gz"
    gz.write_bytes(gzip.compress(data)[:-30])
    with pytest.raises(DataError, match="cut.gz"):
        read_idx(gz)
    extra = tmp_path / "long"
    extra.write_bytes(data + b"\0")
    with pytest.raises(DataError, match="long has more data"):
        read_idx(extra)


def test_mismatched_counts_between_images_and_labels(tmp_path):
    arrays = tiny_split()
    arrays["y_train"] = arrays["y_train"][:-1]
    folder = write_idx_folder(str(tmp_path / "m"), arrays)
    with pytest.raises(DataError, match=r"7 x_train images but y_train has shape \(6,\)"):
        mnist.load_data(path=folder)


# --- npz and path handling ---------------------------------------------------------------------------------------
def test_npz_file_and_folder_with_npz(tmp_path):
    arrays = tiny_split(1)
    npz = tmp_path / "mnist.npz"
    np.savez_compressed(npz, **arrays)
    check_loaded(mnist.load_data(path=str(npz)), arrays)
    check_loaded(mnist.load_data(path=tmp_path), arrays)  # a folder holding mnist.npz (pathlib accepted)


def test_npz_missing_keys_and_pickled_content(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DataError, match=r"bad.npz lacks arrays \['y_train', 'x_test', 'y_test'\]"):
        mnist.load_data(path=bad)
    obj = tmp_path / "obj.npz"
    np.savez(obj, x_train=np.array([{"a": 1}], dtype=object), y_train=np.zeros(1), x_test=np.zeros(1),
             y_test=np.zeros(1))
    with pytest.raises(DataError, match="obj.npz cannot be loaded safely"):
        mnist.load_data(path=obj)


def test_bad_paths(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        mnist.load_data(path=tmp_path / "nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="holds neither mnist.npz nor the four IDX files"):
        mnist.load_data(path=empty)
    txt = tmp_path / "a.txt"
    txt.write_text("hello")
    with pytest.raises(DataError, match="not an .npz archive"):
        mnist.load_data(path=txt)


# --- cache and download ------------------------------------------------------------------------------------------
def test_cache_folder_is_used_without_network(tmp_path):
    arrays = tiny_split(2)
    write_idx_folder(os.path.join(os.environ["NEUROFLOW_DATA"], "mnist"), arrays)
    check_loaded(mnist.load_data(), arrays)


def test_network_down_gives_clear_error(monkeypatch):
    calls = []

    def failing_download(url, dest, checksum, algorithm="sha256", timeout=60):
        calls.append(url)
        raise _cache.DownloadError(f"{url}: <urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.setattr(_cache, "download", failing_download)
    folder = os.path.join(os.environ["NEUROFLOW_DATA"], "mnist")
    with pytest.raises(DataError) as info:
        mnist.load_data()
    msg = str(info.value)
    for needle in ("mnist.load_data", folder, "train-images-idx3-ubyte.gz", "mnist.npz", "path=", "NEUROFLOW_DATA",
                   "name resolution"):
        assert needle in msg
    assert calls[0].endswith("mnist.npz") and any("ossci" in u for u in calls)
    with pytest.raises(DataError, match="fashion_mnist.load_data: Fashion-MNIST is not in"):
        fashion_mnist.load_data()


def test_default_network_guard_also_raises_dataerror():
    # the autouse fixture makes _urlopen fail like a dead network: the real download() path must turn it into
    # the same clear DataError
    with pytest.raises(DataError, match="network disabled in tests"):
        mnist.load_data()


def test_offline_env_var(monkeypatch):
    monkeypatch.setenv("NEUROFLOW_OFFLINE", "1")
    with pytest.raises(DataError, match="NEUROFLOW_OFFLINE"):
        mnist.load_data()


class FakeResponse(io.BytesIO):
    pass


def test_download_checks_checksum_and_renames_atomically(tmp_path, monkeypatch):
    payload = os.urandom(3 * (1 << 20) + 17)  # several read chunks
    monkeypatch.setattr(_cache, "_urlopen", lambda url, timeout: FakeResponse(payload))
    dest = tmp_path / "dl" / "file.bin"
    good = hashlib.sha256(payload).hexdigest()
    with pytest.raises(_cache.DownloadError, match="sha256 of the download is"):
        _cache.download("https://example.invalid/file.bin", str(dest), "0" * 64)
    assert os.listdir(dest.parent) == []  # no partial or unverified file left behind
    _cache.download("https://example.invalid/file.bin", str(dest), good)
    assert dest.read_bytes() == payload and os.listdir(dest.parent) == ["file.bin"]


def test_load_data_downloads_into_cache(tmp_path, monkeypatch):
    arrays = tiny_split(3)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    payload = buf.getvalue()
    served = []

    def fake_urlopen(url, timeout):
        served.append(url)
        return FakeResponse(payload)

    monkeypatch.setattr(_cache, "_urlopen", fake_urlopen)
    monkeypatch.setattr(mnist, "_SOURCES", [(["https://mirror.invalid/"],
                                             {"mnist.npz": ("sha256", hashlib.sha256(payload).hexdigest())})])
    check_loaded(mnist.load_data(), arrays)
    assert served == ["https://mirror.invalid/mnist.npz"]
    assert os.path.isfile(os.path.join(os.environ["NEUROFLOW_DATA"], "mnist", "mnist.npz"))
    check_loaded(mnist.load_data(), arrays)  # second call: from the cache
    assert len(served) == 1


def test_idx_download_falls_back_to_next_mirror(monkeypatch):
    arrays = tiny_split(4)
    files = {NAMES[k] + ".gz": gzip.compress(idx_bytes(a)) for k, a in arrays.items()}

    def fake_urlopen(url, timeout):
        if url.startswith("https://down.invalid/"):
            raise OSError("connection refused")
        return FakeResponse(files[url.rsplit("/", 1)[1]])

    monkeypatch.setattr(_cache, "_urlopen", fake_urlopen)
    sources = [(["https://down.invalid/", "https://up.invalid/"],
                {name: ("md5", hashlib.md5(data).hexdigest()) for name, data in files.items()})]
    monkeypatch.setattr(fashion_mnist, "_SOURCES", sources)
    check_loaded(fashion_mnist.load_data(), arrays)


# --- the real files, when present --------------------------------------------------------------------------------
@pytest.mark.skipif(not os.path.isfile(os.path.join(REAL_MNIST, "train-images-idx3-ubyte.gz")),
                    reason="real MNIST files not available")
def test_real_mnist_matches_readme():
    (x, y), (xt, yt) = mnist.load_data(path=REAL_MNIST)
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
    assert x.dtype == y.dtype == xt.dtype == yt.dtype == np.uint8
    assert abs(x.mean() - 33.3184) < 1e-3 and abs(xt.mean() - 33.7912) < 1e-3
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(yt).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
