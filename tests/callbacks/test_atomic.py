import os
import stat

import pytest

from neuroflow.errors import SavingError
from neuroflow.io import atomic_path, atomic_write, atomic_write_bytes


def test_atomic_write_bytes_and_text(tmp_path):
    path = tmp_path / "a.bin"
    atomic_write_bytes(path, b"one")
    atomic_write_bytes(path, b"two")
    assert path.read_bytes() == b"two"
    with atomic_write(tmp_path / "t.txt", "w") as f:
        f.write("héllo\n")
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "héllo\n"
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "t.txt"]


def test_exception_keeps_old_file(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write(b"partial")
            raise RuntimeError("crash")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["a.bin"]


def test_permissions_follow_umask(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")
    atomic_write_bytes(tmp_path / "atomic", b"x")
    assert stat.S_IMODE(os.stat(tmp_path / "atomic").st_mode) == stat.S_IMODE(os.stat(plain).st_mode)


def test_atomic_path(tmp_path):
    path = tmp_path / "m.weights.safetensors"
    with atomic_path(path) as tmp:
        # .{name}.{pid}.{random}.tmp: no pattern for the target's extension matches a half-written file
        name = os.path.basename(tmp)
        assert name.startswith(f".m.weights.safetensors.{os.getpid()}.") and name.endswith(".tmp")
        assert os.path.dirname(tmp) == str(tmp_path)
        with open(tmp, "wb") as f:
            f.write(b"new")
    assert path.read_bytes() == b"new"
    with pytest.raises(ValueError):
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                f.write(b"half")
            raise ValueError("writer failed")
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["m.weights.safetensors"]


def test_atomic_path_writer_that_renames(tmp_path):
    with pytest.raises(SavingError, match="did not create"):
        with atomic_path(tmp_path / "m.neuroflow"):
            pass
    assert os.listdir(tmp_path) == []
