"""HDF5 through h5py (the optional extra ``neuroflow[h5]``): Keras 3's weights store read into and written from a
flat ``{"layers/dense/vars/0": array}`` dict.

Keras 3 (``saving_lib.H5IOStore``) keeps each object's variables as datasets ``0..n-1`` of a ``vars`` group under
the object's path; a group with no datasets is an object without variables. Reading checks every dataset's dtype
and size before its data is read, so a damaged or hostile file costs no more memory than the weights it claims.
"""
from __future__ import annotations

import io

import numpy as np

from ...errors import SavingError
from .. import limits

#: Dtypes a Keras weight can have (no object, string or compound data).
_NUMERIC_KINDS = "fiub"


def require_h5py(what: str):
    """The ``h5py`` module, or a SavingError that names the extra which installs it."""
    try:
        import h5py
    except ImportError:
        raise SavingError(f"{what} needs h5py to read/write Keras 3 files: pip install 'neuroflow[h5]'") from None
    return h5py


def read_store(source, where: str) -> tuple[dict, set]:
    """``({dataset path: array}, {group paths})`` from an HDF5 file (a path or bytes). Any problem with the
    file is a SavingError."""
    h5py = require_h5py(where)
    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    arrays, groups, budget = {}, set(), [limits.MAX_FILE_BYTES]

    def visit(name, obj):
        if len(groups) + len(arrays) > 4 * limits.MAX_LAYERS:
            raise SavingError(f"{where}: more HDF5 objects than a model of {limits.MAX_LAYERS} layers has")
        if isinstance(obj, h5py.Group):
            groups.add(name)
            return
        if not isinstance(obj, h5py.Dataset):
            raise SavingError(f"{where}: HDF5 object {name!r:.120} is neither a group nor a dataset")
        if obj.is_virtual or obj.external:  # data mapped from other files on this machine: never read
            raise SavingError(f"{where}: dataset {name!r:.120} takes its data from other files; refused")
        if obj.dtype.kind not in _NUMERIC_KINDS or len(obj.shape) > limits.MAX_TENSOR_RANK:
            raise SavingError(f"{where}: dataset {name!r:.120} holds {obj.dtype} data of rank {len(obj.shape)}, "
                              f"not a numeric weight")
        budget[0] -= int(np.prod(obj.shape, dtype=np.int64)) * obj.dtype.itemsize
        if budget[0] < 0:
            raise SavingError(f"{where}: the weights exceed limits.MAX_FILE_BYTES ({limits.MAX_FILE_BYTES} bytes)")
        arrays[name] = np.asarray(obj[()])

    try:
        with h5py.File(handle, "r") as f:
            f.visititems(visit)
    except SavingError:
        raise
    except (Exception, RecursionError) as err:  # h5py raises OSError, KeyError, ValueError... on damaged files
        raise SavingError(f"{where}: not a readable HDF5 weights file ({type(err).__name__}: "
                          f"{str(err)[:200]})") from None
    return arrays, groups


def write_store(groups: list, where: str) -> bytes:
    """HDF5 bytes holding ``groups``: ``[(group path, name attribute, [arrays])]``, each written as Keras does
    (``<path>/vars`` with datasets ``"0".."n-1"`` and its ``name`` attribute)."""
    h5py = require_h5py(where)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for path, name, arrays in groups:
            group = f.require_group(f"{path}/vars" if path else "vars")
            group.attrs["name"] = name
            for i, array in enumerate(arrays):
                group.create_dataset(str(i), data=np.asarray(array))
    return buffer.getvalue()
