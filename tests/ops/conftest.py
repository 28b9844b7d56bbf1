"""Device runs of the op tests (``NEUROFLOW_DEVICE=strict pytest tests/ops``): NumPy's assertion helpers read
device results on the host through the top-level ``tests/conftest.py``, which serves the whole suite."""
