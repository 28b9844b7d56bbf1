"""Fixtures for the data tests: no test here may reach the network or a user's real dataset cache."""
import pytest


@pytest.fixture(autouse=True)
def _offline_and_private_cache(monkeypatch, tmp_path):
    from neuroflow.datasets import _cache

    def no_network(url, timeout):
        raise OSError(f"network disabled in tests (tried {url})")

    monkeypatch.setattr(_cache, "_urlopen", no_network)
    monkeypatch.setenv("NEUROFLOW_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # hides a real ~/.keras/datasets/mnist.npz
    monkeypatch.delenv("NEUROFLOW_OFFLINE", raising=False)
