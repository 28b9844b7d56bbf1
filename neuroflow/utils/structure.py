"""Keras' data-structure helpers: ``pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight`` (what a custom
``train_step`` receives), ``split_dataset``, and ``get_source_inputs``."""
from __future__ import annotations

import numpy as np

from .. import random as nf_random
from ..errors import ConfigError, DataError


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, the tuple ``fit`` hands to ``train_step``; a lone tuple
    or list ``x`` stays wrapped so that it is not mistaken for ``(x, y)``."""
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from what ``train_step(data)`` receives: a tuple/list of one to three items, or a
    lone ``x``; missing parts are ``None``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise DataError(f"unpack_x_y_sample_weight: data must be x, (x,), (x, y) or (x, y, sample_weight); got a "
                    f"tuple of {len(data)} items")


def _leaves(struct):
    if isinstance(struct, dict):
        return [leaf for v in struct.values() for leaf in _leaves(v)]
    if isinstance(struct, (list, tuple)):
        return [leaf for v in struct for leaf in _leaves(v)]
    return [struct]


def _take(struct, index):
    if isinstance(struct, dict):
        return {k: _take(v, index) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return type(struct)(_take(v, index) for v in struct)
    return np.asarray(struct)[index]


def _size(value, n, name):
    if value is None:
        return None
    if isinstance(value, float):
        if not 0 < value < 1:
            raise ConfigError(f"split_dataset: {name} as a fraction must be in (0, 1), got {value}")
        return int(round(value * n))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if not 0 < value <= n:
            raise ConfigError(f"split_dataset: {name} must be in [1, {n}] samples, got {value}")
        return int(value)
    raise ConfigError(f"split_dataset: {name} must be an int, a float in (0, 1) or None, got {value!r}")


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """Split arrays (or a tuple/dict of arrays, or a neuroflow ``Dataset`` of samples) into two
    ``neuroflow.data.Dataset`` objects of ``left_size`` and ``right_size`` samples (ints, or fractions in (0, 1); one
    may be None: the rest). Shapes: along the first axis."""
    from ..data import Dataset
    if isinstance(dataset, Dataset):
        samples = list(dataset)
        if not samples:
            raise DataError("split_dataset: the dataset is empty")
        first = samples[0]
        if isinstance(first, tuple):
            arrays = tuple(np.stack([s[i] for s in samples]) for i in range(len(first)))
        else:
            arrays = np.stack(samples)
    else:
        arrays = dataset
    leaves = _leaves(arrays)
    n = len(leaves[0])
    if any(len(leaf) != n for leaf in leaves):
        raise DataError("split_dataset: every array must have the same number of samples (first axis)")
    if left_size is None and right_size is None:
        left_size = 0.5
    left, right = _size(left_size, n, "left_size"), _size(right_size, n, "right_size")
    left = n - right if left is None else left
    right = n - left if right is None else right
    if left + right > n or left < 1 or right < 1:
        raise ConfigError(f"split_dataset: left_size={left} and right_size={right} do not fit {n} samples")
    order = nf_random.generator(seed).permutation(n) if shuffle else np.arange(n)
    return (Dataset.from_tensor_slices(_take(arrays, order[:left])),
            Dataset.from_tensor_slices(_take(arrays, order[left:left + right])))


def get_source_inputs(tensor, layer=None, node_index=None):
    """The ``Input`` tensors that ``tensor`` (a symbolic tensor of a functional model) was computed from, in the
    order they were made. Shapes: -> a list of symbolic tensors."""
    from ..backend import is_keras_tensor
    if not is_keras_tensor(tensor):
        return [tensor]
    seen, stack, sources = set(), [tensor], []
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        node = t.node
        parents = node.flat_inputs() if node is not None else []
        if not parents:
            sources.append(t)
        stack.extend(reversed([p for p in parents if is_keras_tensor(p)]))
    return sources


__all__ = ["pack_x_y_sample_weight", "unpack_x_y_sample_weight", "split_dataset", "get_source_inputs"]
