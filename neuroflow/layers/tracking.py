"""What a layer tracks: sub-layers and Variables held in its attributes, directly or inside lists, tuples and dicts.

Keras tracks ``self.blocks = [Dense(3)]``, ``self.heads = {"a": Dense(1)}`` and ``self.blocks.append(Dense(3))``
made after the assignment. neuroflow does the same without wrapping the containers: a layer remembers the *names*
of its attributes that hold (or may later hold) layers or Variables, and reads their current contents whenever it
lists its sub-layers or weights. So every later mutation (``append``, ``extend``, ``insert``, ``__setitem__``,
``update``, ``pop``, ``del``), even through another reference to the same list, is seen, and the containers stay
the user's own ``list``/``dict`` objects.

An attribute is remembered when it is assigned a Layer, a Variable, an empty list or dict (filled later, as in
``self.parts = []`` then ``self.parts.append(...)``), or a container that holds a layer or Variable at any depth.
A non-empty container of plain values (a vocabulary, a list of sizes) is not, so it is never walked again.
"""
from __future__ import annotations

from ..autograd.variable import Variable

#: The containers that are looked into (nested to any depth). Sets are unordered, so they are not tracked, as in
#: Keras where a set of layers gives no stable weight order.
CONTAINERS = (list, tuple, dict)


def _is_trackable(value, layer_type) -> bool:
    return isinstance(value, (layer_type, Variable))


def holds_trackables(value, layer_type) -> bool:
    """Whether ``value`` is worth remembering: a Layer or Variable, an empty list/dict, or a container holding
    one at any depth. Shapes: none (a structure walk; arrays are leaves)."""
    if _is_trackable(value, layer_type):
        return True
    if not isinstance(value, CONTAINERS):
        return False
    if not value and not isinstance(value, tuple):  # an empty list/dict is filled later; an empty tuple never
        return True
    return any(_is_trackable(v, layer_type) for v in walk(value, layer_type))


def walk(value, layer_type):
    """The layers and Variables inside ``value`` (a Layer, Variable or nested list/tuple/dict), in order:
    list and tuple items by position, dict values by insertion order. Objects of other types are leaves and
    yield nothing (a layer's own sub-layers are not entered here: ``Layer._flatten_layers`` recurses)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (layer_type, Variable)):
            yield item
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))


def tracked_contents(owner, names, layer_type):
    """``(layers, variables)`` held now by ``owner``'s attributes ``names``, each once, in attribute order."""
    layers, variables, seen = [], [], set()
    attrs = owner.__dict__
    for name in names:
        if name not in attrs:  # deleted since
            continue
        for item in walk(attrs[name], layer_type):
            if id(item) in seen:
                continue
            seen.add(id(item))
            (variables if isinstance(item, Variable) else layers).append(item)
    return layers, variables
