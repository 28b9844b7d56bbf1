"""A layer (or a nested model) <-> ``{"class_name", "config"}``: classes are looked up in the registry by name,
nothing is imported by path. Wrappers use it for the layers they hold; ``saving`` for whole models."""
from __future__ import annotations

from ..errors import SavingError
from ..registry import get_registered_class, registered_name


def serialize_layer(layer) -> dict:
    """``{'class_name', 'config'}`` for a layer (or a nested model)."""
    return {"class_name": registered_name(layer), "config": layer.get_config()}


def deserialize_layer(entry: dict):
    """Rebuild a layer from :func:`serialize_layer` output."""
    if not isinstance(entry, dict) or "class_name" not in entry:
        raise SavingError(f"layer entry must be a dict with 'class_name' and 'config', got {entry!r:.80}")
    cls = get_registered_class(entry["class_name"], "layer")
    try:
        return cls.from_config(dict(entry.get("config", {})))
    except TypeError as err:
        raise SavingError(f"cannot rebuild layer {entry['class_name']!r} from its config: {err}") from None
