"""Model handling for the scikit-learn wrappers: copies, bytes for pickling, the compiled check, seeded fits.

neuroflow models hold NumPy generators and modules, so neither ``copy.deepcopy`` nor ``pickle`` takes them; a
model travels instead as its ``.neuroflow`` file (architecture JSON + safetensors: no code is executed on load).
"""
from __future__ import annotations

import contextlib
import numbers
import os
import random as _pyrandom
import tempfile

import numpy as np

from .. import random as nf_random
from ..errors import ConfigError, NotCompiledError
from ..models import Model
from ..saving import load_model, model_from_json

_FILE_NAME = "model.neuroflow"


def model_to_bytes(model: Model, include_optimizer: bool = True) -> bytes:
    """The bytes of ``model.save(...)``: architecture, compile settings, weights (and optimizer state)."""
    with tempfile.TemporaryDirectory(prefix="neuroflow-") as folder:
        path = os.path.join(folder, _FILE_NAME)
        model.save(path, include_optimizer=include_optimizer)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data: bytes) -> Model:
    """The model saved in ``data`` (from :func:`model_to_bytes`), compiled as it was."""
    with tempfile.TemporaryDirectory(prefix="neuroflow-") as folder:
        path = os.path.join(folder, _FILE_NAME)
        with open(path, "wb") as f:
            f.write(data)
        return load_model(path)


def copy_model(model: Model, owner: str, keep_weights: bool) -> Model:
    """A compiled copy of ``model`` with a fresh optimizer (Keras' ``clone_model`` + the same ``compile``).

    ``keep_weights=False`` gives new weights drawn by the layers' initializers (and new shuffle/dropout
    generators); ``True`` copies the weights. ``owner`` names the wrapper in errors.
    """
    try:
        compiled = model_from_bytes(model_to_bytes(model, include_optimizer=False))
        if keep_weights:
            return compiled
        fresh = model_from_json(model.to_json())
    except Exception as e:  # subclassed models without get_config, custom layers not registered...
        raise ConfigError(f"{owner}: model {model.name!r} ({type(model).__name__}) could not be copied ({e}); "
                          f"pass a function that builds and compiles the model instead") from None
    fresh.compile(optimizer=compiled.optimizer, **compiled._compile_args)  # compiled's own objects: never shared
    return fresh


def check_compiled(model, owner: str) -> None:
    """Keras' rule: the model handed to (or built for) a wrapper is compiled, with an optimizer and a loss."""
    if not isinstance(model, Model):
        raise ConfigError(f"{owner}: model must be a neuroflow Model or a function returning one, got "
                          f"{type(model).__name__}")
    if model.optimizer is None or not getattr(model, "_compile_args", {}).get("loss"):
        raise NotCompiledError(f"{owner}: the model must be compiled with an optimizer and a loss before it is "
                               f"given to the wrapper: call model.compile(optimizer=..., loss=...)")


@contextlib.contextmanager
def seeded(random_state):
    """Run the block with neuroflow seeded from ``random_state`` (an int, a ``numpy.random.RandomState`` or
    ``None`` for no change), then put every generator back as it was: a seeded fit leaves the caller's streams
    untouched, so that a fit with ``random_state=0`` is reproducible without reseeding the user's program."""
    if random_state is None:
        yield
        return
    if hasattr(random_state, "randint"):  # sklearn's convention: a RandomState instance gives the seed
        random_state = int(random_state.randint(2**31 - 1))
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        raise ConfigError(f"random_state must be None, an int or a numpy.random.RandomState, got {random_state!r}")
    saved = nf_random._root, nf_random._default, _pyrandom.getstate()
    nf_random.set_seed(int(random_state))
    try:
        yield
    finally:
        nf_random._root, nf_random._default = saved[0], saved[1]
        _pyrandom.setstate(saved[2])


def output_width(model: Model, X, owner: str) -> int:
    """The number of units in the model's (single) output, building the model on one sample if needed."""
    try:
        shape = model.output_shape
    except AttributeError:  # a Sequential without an input shape: one sample builds it
        shape = np.asarray(model.predict(X[:1], verbose=0)).shape
    if isinstance(shape, list):
        raise ConfigError(f"{owner}: the model has {len(shape)} outputs; the scikit-learn wrappers take models with "
                          f"one output")
    return int(shape[-1]) if len(shape) > 1 else 1
