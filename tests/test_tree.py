"""neuroflow.tree against keras.tree (structures whose dicts Keras also sorts)."""
import collections

import pytest

from neuroflow import tree
from neuroflow.errors import ShapeError

from .keras_oracle import keras as keras_oracle

P = collections.namedtuple("P", "x y")
STRUCTURES = [{"b": [1, (2, None)], "a": P(3, [4, 5])}, [{"z": 1, "c": 2}, (3,)], (1, [2, [3, [4]]]), 7, None]


@pytest.mark.parametrize("s", STRUCTURES)
def test_matches_keras(s):
    k = keras_oracle()
    assert tree.flatten(s) == k.tree.flatten(s)
    assert tree.flatten_with_path(s) == k.tree.flatten_with_path(s)
    assert tree.lists_to_tuples(s) == k.tree.lists_to_tuples(s)
    n = len(tree.flatten(s))
    assert tree.pack_sequence_as(s, list(range(n))) == k.tree.pack_sequence_as(s, list(range(n)))
    double = lambda v: None if v is None else v * 2  # noqa: E731
    assert tree.map_structure(double, s) == k.tree.map_structure(double, s)
    ten = lambda v: v * 10 if isinstance(v, int) else None  # noqa: E731
    assert tree.traverse(ten, s) == k.tree.traverse(ten, s)
    assert tree.traverse(ten, s, top_down=False) == k.tree.traverse(ten, s, top_down=False)
    assert tree.is_nested(s) == k.tree.is_nested(s)


def test_structure_checks_and_helpers():
    tree.assert_same_structure([1, (2, 3)], [4, (5, 6)])
    with pytest.raises(ShapeError):
        tree.assert_same_structure([1, (2, 3)], [4, [5, 6]])
    with pytest.raises(ShapeError, match="leaves"):
        tree.pack_sequence_as([1, 2], [1])
    assert tree.map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)]) == [11, (22,)]
    assert tree.map_shape_structure(len, [(None, 3), {"a": (1, 2, 3)}]) == [2, {"a": 3}]
    assert tree.map_structure_up_to([0, 0], len, [[1, 2], (3,)]) == [2, 1]
    assert tree.traverse(lambda x: tree.MAP_TO_NONE if x == [1] else None, [[1], 2]) == [None, 2]
