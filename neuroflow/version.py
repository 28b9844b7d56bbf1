"""neuroflow's version (``neuroflow.__version__``), on the bottom floor so that model files and the command line
can record it without importing the top-level package."""
__version__ = "0.1.0"


def version() -> str:
    """neuroflow's version string (Keras' ``keras.version()``; the top-level ``neuroflow.version`` is this
    function)."""
    return __version__
