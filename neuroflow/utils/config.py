"""Keras' ``utils.Config``: a dict whose keys read as attributes, which can be frozen."""
from __future__ import annotations

import copy
import json

from ..errors import ConfigError


class Config:
    """``config = Config(lr=0.1); config.lr`` -> 0.1; ``config.freeze()`` makes it read-only; ``as_dict()``,
    ``to_json()``, ``keys()``, ``items()``, ``config["lr"]`` work as on a dict."""

    __slots__ = ("_config", "_frozen")

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self):
        """Refuse further changes."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Allow changes again."""
        object.__setattr__(self, "_frozen", False)

    def _check(self, key):
        if self._frozen:
            raise ConfigError(f"Config: cannot set {key!r}: the config is frozen (call unfreeze() first)")

    def __getattr__(self, name):
        try:
            return self._config[name]
        except KeyError:
            raise AttributeError(f"Config has no attribute {name!r}; keys: {sorted(self._config)}") from None

    def __setattr__(self, name, value):
        self._check(name)
        self._config[name] = value

    def __delattr__(self, name):
        self._check(name)
        del self._config[name]

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self._check(key)
        self._config[key] = value

    def __delitem__(self, key):
        self._check(key)
        del self._config[key]

    def __contains__(self, key):
        return key in self._config

    def __len__(self):
        return len(self._config)

    def __iter__(self):
        return iter(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key, default=None):
        return self._config.get(key, default)

    def pop(self, *args):
        self._check(args[0] if args else None)
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        self._check("update")
        self._config.update(*args, **kwargs)

    def as_dict(self) -> dict:
        return copy.copy(self._config)

    def to_json(self) -> str:
        return json.dumps(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"


__all__ = ["Config"]
