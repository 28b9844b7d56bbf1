"""Keras 3's own files: ``.keras`` archives and ``.weights.h5`` weight files, read into neuroflow models and
written so that ``keras.models.load_model`` / ``model.load_weights`` read them back.

HDF5 goes through h5py, the optional extra ``neuroflow[h5]`` (imported only when a Keras file is read or written).
Loading builds neuroflow's own classes from the config and runs no code from the file; every failure is a
:class:`~neuroflow.errors.SavingError`.
"""
from __future__ import annotations

import datetime
import os

from ...custom_objects import custom_object_scope
from ...errors import SavingError
from ..rebuild import converted
from . import archive, config_in, config_out, weights
from .compile_in import compile_from_keras

#: The Keras release whose file layout this module reads and writes.
KERAS_FORMAT_VERSION = "3.15.1"


def is_keras_file(path) -> bool:
    """True when ``path`` is a Keras 3 ``.keras`` archive (judged by its members, not its name)."""
    return isinstance(path, (str, os.PathLike)) and archive.looks_like_keras_archive(path)


def load_model(path, compile=True, custom_objects=None):
    """The neuroflow model equivalent to the Keras 3 ``.keras`` archive at ``path``, with its weights.

    Sequential and functional models of Keras' built-in layers that neuroflow has load, and custom layers whose
    class is registered (``register_keras_serializable``) or given in ``custom_objects`` (name -> class). With
    ``compile`` (the default) a model Keras saved compiled is compiled with the same optimizer, losses and
    metrics, and its optimizer resumes from the state Keras saved (``optimizer/vars``: iterations, learning rate,
    slots) where the optimizer has Keras' layout (:mod:`neuroflow.optimizers.keras_state`).
    """
    where = f"load_model({os.fspath(path)!r:.200})"
    # a last net: whatever slipped through the checks is still a SavingError
    with converted(where), custom_object_scope(custom_objects):
        config, _, store = archive.read(path, where)
        model = config_in.build_model(config, f"{where}: config.json")
        if not model.built:
            raise SavingError(f"{where}: the model's input shape is not in config.json, so it cannot be built")
        arrays = weights.assign_from_store(model, store, f"{where}: {archive.WEIGHTS}")
        if compile:
            compile_from_keras(model, config.get("compile_config"), f"{where}: config.json compile_config")
            weights.restore_optimizer(model, arrays, f"{where}: {archive.WEIGHTS} optimizer")
    return model


def save_model(model, path, overwrite=True):
    """Write ``model`` (built Sequential or functional; built-in layers and registered custom layers) as a Keras 3
    ``.keras`` archive, with its compile arguments (Keras compiles it on load) and its optimizer's state in Keras'
    layout (``optimizer/vars``, so that Keras resumes training from it)."""
    where = f"save({os.fspath(path)!r:.200})"
    _check_overwrite(path, overwrite, where)
    with converted(where):
        config = config_out.model_entry(model)
        metadata = {"keras_version": KERAS_FORMAT_VERSION, "date_saved": datetime.datetime.now(
            datetime.timezone.utc).strftime("%Y-%m-%d@%H:%M:%S"), "written_by": "neuroflow"}
        data = archive.pack(config, metadata, weights.store_bytes(model, where))
    from ...io.atomic import atomic_write_bytes
    atomic_write_bytes(path, data)


def save_weights(model, path, overwrite=True):
    """Write ``model``'s weights in Keras 3's ``.weights.h5`` layout."""
    where = f"save_weights({os.fspath(path)!r:.200})"
    _check_overwrite(path, overwrite, where)
    with converted(where):
        data = weights.store_bytes(model, where)
    from ...io.atomic import atomic_write_bytes
    atomic_write_bytes(path, data)


def load_weights(model, path):
    """Read a Keras 3 ``.weights.h5`` file (or the weights of a ``.keras`` archive) into ``model``, which must
    have the same architecture; nothing is assigned unless every weight fits."""
    where = f"load_weights({os.fspath(path)!r:.200})"
    with converted(where):
        if is_keras_file(path):
            _, _, store = archive.read(path, where)
            return weights.assign_from_store(model, store, where)
        if not os.path.isfile(path):
            raise SavingError(f"{where}: no such file")
        return weights.assign_from_store(model, os.fspath(path), where)


def is_keras_weights_path(path) -> bool:
    """True for a path Keras names as a weights file (``.h5``, ``.weights.h5``, ``.hdf5``)."""
    return isinstance(path, (str, os.PathLike)) and os.fspath(path).endswith((".h5", ".hdf5"))


def is_keras_archive_path(path) -> bool:
    """True for a path ending in ``.keras``: ``model.save`` writes Keras' format there."""
    return isinstance(path, (str, os.PathLike)) and os.fspath(path).endswith(".keras")


def _check_overwrite(path, overwrite, where):
    if not overwrite and os.path.exists(path):
        raise SavingError(f"{where}: the file exists and overwrite=False")


__all__ = ["is_keras_file", "load_model", "save_model", "save_weights", "load_weights", "is_keras_weights_path",
           "is_keras_archive_path"]
