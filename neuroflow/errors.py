"""neuroflow's error hierarchy.

Every failure a user can cause is raised as one of these, with a message that names the operation, layer or
argument, and the expected against the actual value. Each class also subclasses the built-in exception a Python
user would try to catch (``ValueError``, ``TypeError``, ``IndexError``...).
"""


class NeuroflowError(Exception):
    """Base class of every neuroflow error."""


class ShapeError(NeuroflowError, ValueError):
    """Shapes that do not fit an operation or a layer (names both shapes)."""


class DTypeError(NeuroflowError, TypeError):
    """A dtype that an operation cannot take (for example ``requires_grad`` on an integer tensor)."""


class GraphError(NeuroflowError, RuntimeError):
    """Misuse of the computational graph (backward twice through a freed graph, backward on a non-scalar...)."""


class IndexOutOfRangeError(NeuroflowError, IndexError):
    """An index outside a tensor's bounds."""


class ConfigError(NeuroflowError, ValueError):
    """An unknown name or a bad argument value (lists the valid names or the accepted range)."""


class NotCompiledError(NeuroflowError, RuntimeError, ValueError):
    """A model used for training or evaluation before ``compile`` (a ValueError too: what Keras raises)."""


class DataError(NeuroflowError, ValueError):
    """Training data that does not fit: empty, mismatched lengths, NaN/inf, labels that do not fit the loss."""


class SavingError(NeuroflowError, ValueError):
    """A model file that is corrupt, tampered with, or does not match the model."""


class DeviceError(NeuroflowError, TypeError):
    """Arrays on different devices mixed in one operation, or a device array converted to NumPy implicitly (the
    message names the op, both devices and the explicit transfer to use)."""


class MissingDependencyError(NeuroflowError, ImportError):
    """An optional package a feature needs is not installed (the message names the pip extra)."""


def close_matches(name: str, known) -> str:
    """A short hint listing the names in ``known`` that resemble ``name`` (or all of them, if none do)."""
    import difflib

    known = sorted(known)
    near = difflib.get_close_matches(str(name), known, n=3)
    if near:
        return f"did you mean {', '.join(repr(n) for n in near)}? Valid names: {', '.join(known)}"
    return f"valid names: {', '.join(known)}"
