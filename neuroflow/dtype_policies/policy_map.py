"""``DTypePolicyMap``: dtype policies by layer path (Keras 3's), for models whose layers differ in policy."""
from __future__ import annotations

import re
from collections.abc import MutableMapping

from ..errors import ConfigError
from .policy import CLASSES, DTypePolicy, deserialize, resolve, serialize


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """A map from layer paths (exact, else regular expressions matched in full) to policies.

    Args:
        default_policy: the policy of paths that match no key (``None``: the global policy).
        policy_map: an initial ``{path or pattern: policy}`` dict.

    ``map["encoder/.*"] = "mixed_float16"`` sets a pattern; ``map[path]`` is the exact key's policy, else the one
    pattern matching ``path`` in full (two matching patterns: an error), else ``default_policy``. As a policy it
    behaves as ``default_policy`` (``compute_dtype``, ``variable_dtype``).
    """

    def __init__(self, default_policy=None, policy_map=None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ConfigError("DTypePolicyMap: default_policy cannot be a DTypePolicyMap")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise ConfigError(f"DTypePolicyMap: policy_map must be a dict, got {type(policy_map).__name__}")
        self._default_policy_arg = default_policy
        self._default_policy = resolve(default_policy)
        self._policy_map = {}
        for key, policy in (policy_map or {}).items():
            self[key] = policy

    @property
    def default_policy(self) -> DTypePolicy:
        return self._default_policy

    @property
    def name(self) -> str:
        return f"map_{self._default_policy.name}"

    @property
    def compute_dtype(self) -> str:
        return self._default_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._default_policy.variable_dtype

    @property
    def quantization_mode(self):
        return self._default_policy.quantization_mode

    def __getitem__(self, key) -> DTypePolicy:
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ConfigError(f"DTypePolicyMap: path {key!r} matches several keys {matches}; make each path "
                              f"match at most one")
        return self._policy_map[matches[0]] if matches else self._default_policy

    def __setitem__(self, key, policy) -> None:
        if key in self._policy_map:
            raise ConfigError(f"DTypePolicyMap: key {key!r} is already set to {self._policy_map[key]!r}")
        self._policy_map[key] = resolve(policy)

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key) -> bool:
        return key in self._policy_map

    def __iter__(self):
        return iter(self._policy_map)

    def __len__(self) -> int:
        return len(self._policy_map)

    def __eq__(self, other):
        return (isinstance(other, DTypePolicyMap) and self._default_policy == other._default_policy
                and self._policy_map == other._policy_map)

    __hash__ = None

    def get_config(self) -> dict:
        return {"default_policy": None if self._default_policy_arg is None else serialize(self._default_policy),
                "policy_map": {key: serialize(policy) for key, policy in self._policy_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("default_policy") is not None:
            config["default_policy"] = deserialize(config["default_policy"])
        config["policy_map"] = {key: deserialize(value) for key, value in (config.get("policy_map") or {}).items()}
        return cls(**config)

    def __repr__(self) -> str:
        return f"<DTypePolicyMap default={self._default_policy!r} entries={len(self._policy_map)}>"


CLASSES["DTypePolicyMap"] = DTypePolicyMap  # deserialize() finds maps too
