"""Keras' ``keras.tree``: nested structures (lists, tuples, namedtuples, dicts) of leaves, flattened and rebuilt.

Rules: dicts are traversed in sorted key order (Keras 3 sorts them too, except, through an optree quirk, a dict
nested directly in a dict or tuple); ``None`` is a leaf; strings and arrays are leaves; a namedtuple is rebuilt as
its own type and indexed by position in paths.
"""
from __future__ import annotations

from collections.abc import Mapping

from .errors import ConfigError, ShapeError


class MAP_TO_NONE:  # noqa: N801 - Keras' name
    """Returned by a ``traverse`` function to replace a whole subtree with ``None``."""


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(structure) -> bool:
    """Whether ``structure`` is a list, tuple or dict (anything else is a leaf)."""
    return isinstance(structure, (list, tuple, Mapping))


def _children(x):
    if isinstance(x, Mapping):
        keys = sorted(x)
        return keys, [x[k] for k in keys]
    return list(range(len(x))), list(x)  # namedtuples too: paths use positions, as Keras' do


def _rebuild(template, values):
    if isinstance(template, Mapping):
        out = dict(zip(sorted(template), values))
        return type(template)((k, out[k]) for k in template) if type(template) is not dict else \
            {k: out[k] for k in template}
    if _is_namedtuple(template):
        return type(template)(*values)
    return type(template)(values)


def flatten(structure) -> list:
    """The leaves of ``structure`` in order. Example: ``flatten({"b": [1, 2], "a": 3})`` -> ``[3, 1, 2]``."""
    if not is_nested(structure):
        return [structure]
    return [leaf for child in _children(structure)[1] for leaf in flatten(child)]


def flatten_with_path(structure) -> list:
    """``(path, leaf)`` pairs; a path is the tuple of keys/indices from the root."""
    if not is_nested(structure):
        return [((), structure)]
    keys, kids = _children(structure)
    return [((k,) + p, leaf) for k, child in zip(keys, kids) for p, leaf in flatten_with_path(child)]


def pack_sequence_as(structure, flat_sequence, sequence_fn=None):
    """``flat_sequence`` (one item per leaf of ``structure``) rebuilt in ``structure``'s shape."""
    flat = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat):
        raise ShapeError(f"pack_sequence_as: the structure has {n} leaves but the sequence has {len(flat)} items")
    it = iter(flat)

    def build(s):
        if not is_nested(s):
            return next(it)
        return _rebuild(s, [build(c) for c in _children(s)[1]])

    return build(structure)


def assert_same_structure(a, b, check_types=True):
    """Raise ShapeError unless ``a`` and ``b`` nest the same way (and, with ``check_types``, with the same
    container types)."""
    if is_nested(a) != is_nested(b):
        raise ShapeError(f"assert_same_structure: {type(a).__name__} and {type(b).__name__} differ in nesting")
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b) and not (isinstance(a, Mapping) and isinstance(b, Mapping)):
        raise ShapeError(f"assert_same_structure: container types {type(a).__name__} and {type(b).__name__} differ")
    ka, ca = _children(a)
    kb, cb = _children(b)
    if len(ca) != len(cb) or (isinstance(a, Mapping) and ka != kb):
        raise ShapeError(f"assert_same_structure: {ka} and {kb} differ")
    for x, y in zip(ca, cb):
        assert_same_structure(x, y, check_types)


def assert_same_paths(a, b):
    """Raise ShapeError unless ``a`` and ``b`` have the same leaf paths."""
    pa, pb = [p for p, _ in flatten_with_path(a)], [p for p, _ in flatten_with_path(b)]
    if pa != pb:
        raise ShapeError(f"assert_same_paths: {pa} and {pb} differ")


def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied leaf-wise to one or more structures of the same shape; the result has that shape."""
    if not structures:
        raise ConfigError("map_structure: give at least one structure")
    for s in structures[1:]:
        assert_same_structure(structures[0], s, check_types=False)
    first = structures[0]
    if not is_nested(first):
        return func(*structures)
    columns = zip(*[_children(s)[1] for s in structures])
    return _rebuild(first, [map_structure(func, *col) for col in columns])


def map_structure_up_to(shallow_structure, func, *structures):
    """``func`` applied to the sub-structures found where ``shallow_structure``'s leaves are."""
    if not is_nested(shallow_structure):
        return func(*structures)
    columns = zip(*[_children(s)[1] for s in structures])
    return _rebuild(shallow_structure, [map_structure_up_to(sub, func, *col)
                                        for sub, col in zip(_children(shallow_structure)[1], columns)])


def map_shape_structure(func, structure):
    """``func`` applied to every shape in ``structure``: a tuple or list of ints/None counts as one leaf."""
    def is_shape(x):
        return isinstance(x, (tuple, list)) and all(v is None or isinstance(v, int) for v in x)

    if is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, c) for c in _children(structure)[1]])


def lists_to_tuples(structure):
    """The same structure with every list turned into a tuple."""
    if not is_nested(structure):
        return structure
    kids = [lists_to_tuples(c) for c in _children(structure)[1]]
    return tuple(kids) if isinstance(structure, list) else _rebuild(structure, kids)


def traverse(func, structure, top_down=True):
    """Visit every node (containers and leaves). Top-down: a non-None result of ``func`` replaces the subtree
    (``MAP_TO_NONE`` replaces it with None); bottom-up: ``func`` sees the rebuilt children."""
    if top_down:
        result = func(structure)
        if result is MAP_TO_NONE:
            return None
        if result is not None:
            return result
        if not is_nested(structure):
            return structure
        return _rebuild(structure, [traverse(func, c, True) for c in _children(structure)[1]])
    if is_nested(structure):
        structure = _rebuild(structure, [traverse(func, c, False) for c in _children(structure)[1]])
    result = func(structure)
    if result is MAP_TO_NONE:
        return None
    return structure if result is None else result


__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten", "flatten_with_path", "is_nested",
           "lists_to_tuples", "map_shape_structure", "map_structure", "map_structure_up_to", "pack_sequence_as",
           "traverse"]
