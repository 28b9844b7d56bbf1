"""RBM and DBN files: the same checked, checksummed (optionally signed) zip as model files (:mod:`.archive`).

``config.json`` holds ``{"class_name", "config", "weight_shapes", ...}``: the constructor arguments, each stored
tensor's shape (so the weights member is capped before it is inflated), and for a DBN the pre-training history and
random-generator states. ``weights.safetensors`` holds ``W``, ``b_visible``, ``b_hidden`` (an RBM) or
``rbm_<i>/W``... (a DBN). The classes are found in the registry by name (models sit above saving).
"""
from __future__ import annotations

from ..errors import SavingError
from ..registry import get_registered_class
from . import archive, limits, schema, tensors
from .rebuild import converted

RBM_FORMAT, DBN_FORMAT = "neuroflow.rbm", "neuroflow.dbn"
VERSION = 2
_MEMBERS = {"config.json", "weights.safetensors"}
_PARAMS = ("W", "b_visible", "b_hidden")


def _write(path, members: dict, fmt: str, signing_key):
    from ..io.atomic import atomic_write_bytes
    from ..version import __version__
    atomic_write_bytes(path, archive.pack(fmt, VERSION, members, signing_key, {"neuroflow_version": __version__}))


def _config_bytes(config: dict) -> bytes:
    import json
    return json.dumps(config, indent=1, allow_nan=False).encode()


def save_rbm(rbm, path, signing_key=None):
    """Write an RBM (config + ``W``, ``b_visible``, ``b_hidden``)."""
    weights = dict(zip(_PARAMS, rbm.get_weights()))
    config = {"class_name": "RBM", "config": rbm.get_config(),
              "weight_shapes": {k: list(v.shape) for k, v in weights.items()}}
    _write(path, {"config.json": _config_bytes(config), "weights.safetensors": tensors.dumps(weights)},
           RBM_FORMAT, signing_key)


def save_dbn(dbn, path, signing_key=None):
    """Write a DBN (config, history, generator states, every RBM's weights)."""
    weights = {}
    if dbn.built:
        for i, rbm in enumerate(dbn.rbms):
            for key, value in zip(_PARAMS, rbm.get_weights()):
                weights[f"rbm_{i}/{key}"] = value
    config = {"class_name": "DBN", "config": dbn.get_config(), "built": dbn.built, "history": dbn.history,
              "rng_states": [rbm._rng.bit_generator.state for rbm in dbn.rbms],
              "weight_shapes": {k: list(v.shape) for k, v in weights.items()}}
    _write(path, {"config.json": _config_bytes(config),
                  "weights.safetensors": tensors.dumps(weights) if weights else b""}, DBN_FORMAT, signing_key)


def _check_config(raw, where: str) -> dict:
    if not isinstance(raw, dict) or not isinstance(raw.get("config"), dict):
        raise SavingError(f"{where}: config.json must be an object with a 'config' object")
    schema.check_tree(raw, f"{where}: config.json")
    shapes = raw.get("weight_shapes")
    if shapes is not None:
        if not isinstance(shapes, dict):
            raise SavingError(f"{where}: config.json field 'weight_shapes' must map names to shapes")
        for k, s in shapes.items():
            schema.check_shape(s, f"{where}: weight_shapes[{k!r:.60}]")
    return raw


def load(path, signing_key=None, where: str = "load_model"):
    """The RBM or DBN stored at ``path``."""
    parsed = {}

    def cap(name, members, meta):
        if name == "config.json":
            return limits.MAX_CONFIG_BYTES
        if "config.json" not in members:
            raise SavingError(f"{where}: config.json is missing")
        raw = archive.parse_json(members["config.json"], f"{where}: config.json", limits.MAX_CONFIG_BYTES)
        parsed["config"] = _check_config(raw, where)
        shapes = parsed["config"].get("weight_shapes")
        if meta["version"] < 2:
            return limits.MAX_LEGACY_MEMBER_BYTES
        if shapes is None:
            raise SavingError(f"{where}: config.json field 'weight_shapes' is missing")
        return schema.stored_bytes_cap(shapes.values())

    meta, members = archive.read_members(path, {RBM_FORMAT: (VERSION, _MEMBERS), DBN_FORMAT: (VERSION, _MEMBERS)},
                                         signing_key=signing_key, size_caps=cap, order=("config.json",),
                                         where=where)
    if "config" not in parsed:
        cap("weights.safetensors", members, meta)
    config = parsed["config"]
    data = members.get("weights.safetensors", b"")
    header = tensors.read_header(data, f"{where}: weights.safetensors") if data else {}
    shapes = config.get("weight_shapes")
    if shapes is not None:
        extra = set(header) - set(shapes) - {"__metadata__"}
        if extra:
            raise SavingError(f"{where}: weights.safetensors holds tensors config.json does not list: "
                              f"{sorted(extra)[:5]}")
        for key, shape in shapes.items():
            if key not in header or header[key][1] != tuple(shape):
                raise SavingError(f"{where}: weight {key!r:.60} is missing from weights.safetensors or its shape "
                                  f"differs from config.json's {tuple(shape)}")
    if meta["format"] == RBM_FORMAT:
        return _load_rbm(config, data, header, where)
    return _load_dbn(config, data, header, where)


def _arrays(data, header, keys, where):
    missing = [k for k in keys if k not in header]
    if missing:
        raise SavingError(f"{where}: weights {missing} are missing from weights.safetensors")
    return [tensors.array(data, header[k]) for k in keys]


def _load_rbm(config, data, header, where):
    cls = get_registered_class("RBM", "model")
    with converted(f"{where}: config.json 'config' (RBM arguments)"):
        rbm = cls.from_config(dict(config["config"]))
    weights = _arrays(data, header, _PARAMS, where)
    with converted(f"{where}: weights.safetensors"):
        rbm.set_weights(weights)
    return rbm


def _load_dbn(config, data, header, where):
    cls = get_registered_class("DBN", "model")
    with converted(f"{where}: config.json 'config' (DBN arguments)"):
        dbn = cls.from_config(dict(config["config"]))
    built = config.get("built", False)
    if not isinstance(built, bool):
        raise SavingError(f"{where}: config.json field 'built' must be true or false, got {built!r:.40}")
    if built:
        keys = [f"rbm_{i}/{p}" for i in range(len(dbn.rbms)) for p in _PARAMS]
        weights = _arrays(data, header, keys, where)
        with converted(f"{where}: weights.safetensors"):
            dbn.set_weights(weights)
    history = config.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        raise SavingError(f"{where}: config.json field 'history' must be a list of objects")
    dbn.history = history
    states = config.get("rng_states", [])
    if not isinstance(states, list) or len(states) > len(dbn.rbms) or not all(isinstance(s, dict) for s in states):
        raise SavingError(f"{where}: config.json field 'rng_states' must list at most one generator state per RBM")
    for i, (rbm, state) in enumerate(zip(dbn.rbms, states)):
        current = rbm._rng.bit_generator
        if state.get("bit_generator") != type(current).__name__:
            raise SavingError(f"{where}: rng_states[{i}] is not a {type(current).__name__} state")
        with converted(f"{where}: rng_states[{i}]"):
            current.state = state
    return dbn
