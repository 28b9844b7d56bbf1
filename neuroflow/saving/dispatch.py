"""Which file format a save or load uses: Keras 3's own files (:mod:`.keras_format`) or neuroflow's
``.neuroflow`` file (:mod:`.model_file`).

Saving goes by the extension, as in Keras: ``.keras`` writes Keras' archive, ``.h5``/``.hdf5`` (``.weights.h5``)
Keras' weights file, anything else neuroflow's format. Loading goes by content: a zip holding Keras'
``config.json`` and ``model.weights.h5`` is a Keras archive whatever its name; a ``.keras`` path that is not
neuroflow's own file is read as Keras' (so its errors speak of Keras' members).
"""
from __future__ import annotations

import os
import zipfile

from ..errors import SavingError
from ..io import intended_path
from . import keras_format, model_file


def _keras_archive(path) -> bool:
    if not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):  # FIFOs, devices: the loader's call
        return False
    try:
        if keras_format.is_keras_file(path):
            return True
    except Exception:  # a damaged zip (zipfile raises several types): the neuroflow loader reports what is wrong
        return False
    if not keras_format.is_keras_archive_path(path):
        return False
    try:  # a .keras name: Keras' unless it is neuroflow's own zip
        if not keras_format.archive.directory_is_small(path):
            return True  # the Keras reader refuses it with the reason
        with zipfile.ZipFile(path) as zf:
            return "weights.safetensors" not in zf.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return True


def load_model(path, custom_objects=None, compile=True, safe_mode=True, signing_key=None):
    """Load a model from a ``.neuroflow`` file or a Keras 3 ``.keras`` archive (see
    :func:`neuroflow.saving.model_file.load_model` and :func:`neuroflow.saving.keras_format.load_model`)."""
    if _keras_archive(path):
        if signing_key is not None:
            raise SavingError(f"load_model({os.fspath(path)!r:.200}): a Keras .keras archive carries no signature "
                              f"to check against signing_key")
        return keras_format.load_model(path, compile=compile, custom_objects=custom_objects)
    return model_file.load_model(path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode,
                                 signing_key=signing_key)


def _check_target(path, who: str) -> None:
    """A SavingError for a save target that cannot be a file: not a path, a directory, or in a missing folder."""
    if not isinstance(path, (str, os.PathLike)):
        raise SavingError(f"{who}: filepath must be a str or os.PathLike, got {type(path).__name__}")
    if os.path.isdir(path):
        raise SavingError(f"{who}({os.fspath(path)!r:.200}): that is a directory; give a file path inside it, "
                          f"e.g. {os.path.join(os.fspath(path), 'model.keras' if who == 'save' else 'model.weights.h5')!r:.200}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SavingError(f"{who}({os.fspath(path)!r:.200}): the folder {folder!r:.200} does not exist")


def save_model(model, path, overwrite=True, include_optimizer=True, signing_key=None):
    """``model.save``: a Keras 3 archive for a ``.keras`` path, neuroflow's file otherwise (an atomic write's
    temporary file takes its target's format)."""
    _check_target(path, "save")
    if keras_format.is_keras_archive_path(intended_path(path)):
        if signing_key is not None:
            raise SavingError(f"save({os.fspath(path)!r:.200}): a Keras .keras archive cannot carry a signature; "
                              f"use a .neuroflow path with signing_key")
        return keras_format.save_model(model, path, overwrite=overwrite)
    return model_file.save_model(model, path, overwrite=overwrite, include_optimizer=include_optimizer,
                                 signing_key=signing_key)


def save_weights(model, path, overwrite=True):
    """``model.save_weights``: Keras' HDF5 layout for ``.h5``/``.hdf5`` paths, safetensors otherwise (an atomic
    write's temporary file takes its target's format)."""
    _check_target(path, "save_weights")
    if keras_format.is_keras_weights_path(intended_path(path)):
        return keras_format.save_weights(model, path, overwrite=overwrite)
    return model_file.save_weights(model, path, overwrite=overwrite)


def load_weights(model, path):
    """``model.load_weights``: Keras' ``.weights.h5`` files and ``.keras`` archives, or neuroflow's files."""
    if (keras_format.is_keras_weights_path(path) and not _safetensors(path)) or _keras_archive(path):
        return keras_format.load_weights(model, path)
    return model_file.load_weights(model, path)


def _safetensors(path) -> bool:
    """A safetensors file (an 8-byte header length, then the JSON header): what neuroflow wrote for ``.h5``
    names before it wrote Keras' layout there."""
    try:
        with open(path, "rb") as f:
            head = f.read(9)
    except OSError:
        return False
    return len(head) == 9 and head[8:9] == b"{"
