"""The ``.neuroflow`` model file: one zip (see :mod:`.archive` for the container and its checks) holding

* ``config.json`` — the architecture, the compile arguments, the training state (epoch, shuffle seed,
  random-generator states), every weight's path and shape, as JSON;
* ``weights.safetensors`` — every weight, keyed by its path, in ``model.weights`` order;
* ``optimizer.safetensors`` — the optimizer state (moments, iteration counter).

Loading executes no code from the file and fails only with :class:`~neuroflow.errors.SavingError`: the container
is checked before anything is inflated, ``config.json`` is checked (:mod:`.schema`) before any object is built,
the stored tensor shapes are compared with the config before any weight is allocated (:mod:`.weight_guard`), and
names resolve only through registries. Files are written atomically (:mod:`neuroflow.io.atomic`).
"""
from __future__ import annotations

import json
import math
import os

import numpy as np

from .. import custom_objects as customs
from ..errors import SavingError
from ..registry import get_registered_class
from . import archive, compile_names, limits, schema, serialization, tensors, weight_guard
from .rebuild import check_saveable, compile_entry, converted, rebuild_layer

FORMAT = "neuroflow.model"
#: 2: config.json lists every weight's shape; files may carry a signature. Version-1 files still load.
VERSION = 2
MEMBERS = {"config.json", "weights.safetensors", "optimizer.safetensors"}


def _weights_dict(model) -> tuple:
    arrays, paths = {}, []
    for v in model.weights:
        key = v.path or v.name
        base, n = key, 1
        while key in arrays:
            key, n = f"{base}#{n}", n + 1
        arrays[key] = tensors.host(v.data)  # device weights: copied to the host here
        paths.append(key)
    return arrays, paths


def _write(path, data: bytes, overwrite=True):
    if not overwrite and os.path.exists(path):
        raise SavingError(f"{path} exists and overwrite=False")
    from ..io.atomic import atomic_write_bytes
    atomic_write_bytes(path, data)


def _compile_config(model):
    if getattr(model, "_specs", None) is None:
        return None
    from .. import losses as nf_losses, metrics as nf_metrics, optimizers as nf_optimizers

    def ser(x, family):
        if x is None or isinstance(x, (str, int, float)):
            return x
        if isinstance(x, (list, tuple)):
            return [ser(v, family) for v in x]
        if isinstance(x, dict):
            return {k: ser(v, family) for k, v in x.items()}
        return family.serialize(x)

    args = model._compile_args
    with customs.custom_object_scope(compile_names.unregistered(model)):  # saved by name, with a warning
        return {"optimizer": nf_optimizers.serialize(model.optimizer),
                "loss": ser(args["loss"], nf_losses), "metrics": ser(args["metrics"], nf_metrics),
                "weighted_metrics": ser(args.get("weighted_metrics"), nf_metrics),
                "loss_weights": args["loss_weights"]}


def _rng_states(model) -> dict:
    return {layer.name: layer._rng.bit_generator.state for layer in model._flatten_layers()
            if layer._rng is not None}


def model_config(model) -> dict:
    """The ``config.json`` object of ``model`` (refused when a class in it could not be loaded back)."""
    for layer in model._flatten_layers():
        check_saveable(layer)
    weights, paths = _weights_dict(model)
    config = {"model": serialization.serialize_model(model), "compile": _compile_config(model),
              "weight_paths": paths, "weight_shapes": [list(a.shape) for a in weights.values()],
              "training_state": {"epoch": model._epoch, "shuffle_seed": model._shuffle_seed,
                                 "rng_states": _rng_states(model)}}
    return config, weights


def save_model(model, path, overwrite=True, include_optimizer=True, signing_key=None):
    """Write ``model`` to ``path`` (see the module docstring for the layout); with ``signing_key`` (bytes) the
    file carries an HMAC-SHA256 signature that ``load_model(path, signing_key=...)`` verifies."""
    config, weights = model_config(model)
    members = {"weights.safetensors": tensors.dumps(weights) if weights else b""}
    if include_optimizer and model.optimizer is not None and config["compile"] is not None:
        state = {k: tensors.host(v) for k, v in model.optimizer.get_state().items()}
        # safetensors stores 0-d arrays as 1-d: keep the true shapes beside them
        config["optimizer_shapes"] = {k: list(v.shape) for k, v in state.items()}
        members["optimizer.safetensors"] = tensors.dumps(
            {k: np.ascontiguousarray(v).reshape(v.shape or (1,)) for k, v in state.items()}) if state else b""
    try:
        text = json.dumps(config, indent=1, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise SavingError(f"save: the model's config is not JSON-serialisable ({err}); a layer's get_config "
                          "must return plain values") from None
    # the loader checks the config before building; so does the saver, so that no file it writes is unloadable
    schema.check_model_config(json.loads(text), "save")
    members = {"config.json": text.encode(), **members}
    from ..version import __version__
    _write(path, archive.pack(FORMAT, VERSION, members, signing_key, {"neuroflow_version": __version__}), overwrite)


def _model_caps(parsed: dict, where: str):
    """Caps on each member's inflated size from what config.json declares (parsed once, on first need)."""
    def cap(name, members, meta):
        if name == "config.json":
            return limits.MAX_CONFIG_BYTES
        if "config.json" not in members:
            raise SavingError(f"{where}: config.json is missing")
        if "config" not in parsed:
            raw = archive.parse_json(members["config.json"], f"{where}: config.json", limits.MAX_CONFIG_BYTES)
            parsed["config"] = schema.check_model_config(raw, where)
        config = parsed["config"]
        if meta["version"] < 2:  # written before files listed their shapes
            return limits.MAX_LEGACY_MEMBER_BYTES
        if config.get("weight_shapes") is None:
            raise SavingError(f"{where}: config.json field 'weight_shapes' is missing (a version-2 file lists the "
                              "shape of every weight)")
        if name == "weights.safetensors":
            return schema.stored_bytes_cap(config["weight_shapes"])
        if name == "optimizer.safetensors":
            return schema.stored_bytes_cap(config.get("optimizer_shapes", {}).values())
        return 0
    return cap


def load_model(path, custom_objects=None, compile=True, safe_mode=True, signing_key=None):
    """Rebuild a model saved with ``model.save`` (architecture, weights, and — if compiled — optimizer state);
    also reads the files of ``RBM.save`` and ``DBN.save``.

    ``custom_objects``: ``name -> class or function`` for custom layers, losses, metrics, activations...
    (also :func:`~neuroflow.saving.custom_object_scope` and ``get_custom_objects()``). ``signing_key``: refuse the
    file unless it carries a valid signature under this key. ``safe_mode`` is accepted for Keras compatibility
    (loading never runs code from the file). Any problem with the file raises SavingError.
    """
    where = f"load_model({os.fspath(path) if isinstance(path, (str, os.PathLike)) else path!r:.200})"
    try:
        meta, _ = archive.read_metadata(path, where)
        if meta["format"] in ("neuroflow.rbm", "neuroflow.dbn"):
            from . import rbm_file
            return rbm_file.load(path, signing_key=signing_key, where=where)
        with customs.custom_object_scope(custom_objects):
            return _load_model(path, compile, signing_key, where)
    except SavingError:
        raise
    except (Exception, RecursionError) as err:  # a last net: whatever slipped through is still a SavingError
        raise SavingError(f"{where}: the file could not be loaded ({type(err).__name__}: {str(err)[:300]})") from None


def _load_model(path, compile, signing_key, where):
    parsed = {}
    meta, members = archive.read_members(path, {FORMAT: (VERSION, MEMBERS)},
                                         signing_key=signing_key, size_caps=_model_caps(parsed, where),
                                         order=("config.json",), where=where)
    if "config" not in parsed:
        _model_caps(parsed, where)("weights.safetensors", members, meta)
    config = parsed["config"]
    weights_data = members.get("weights.safetensors", b"")
    header = tensors.read_header(weights_data, f"{where}: weights.safetensors") if weights_data else {}
    paths = config.get("weight_paths", [])
    stored = _stored_shapes(header, paths, config.get("weight_shapes"), where)
    with weight_guard.weight_budget(stored if paths else None, where):
        model = rebuild_layer(config["model"], f"{where}: config.json model")
    weight_guard.release(model)
    if not callable(getattr(model, "compile", None)) or not hasattr(model, "_epoch"):
        raise SavingError(f"{where}: config.json 'model' describes a {type(model).__name__}, not a model")
    if not model.built and paths:
        raise SavingError(f"{where}: the model could not be built from its config (unknown input shape)")
    _assign(model, weights_data, header, paths, where)
    _restore_training_state(model, config.get("training_state", {}), where)
    compile_config = config.get("compile")
    if compile and compile_config is not None:
        _compile(model, compile_config, members.get("optimizer.safetensors", b""),
                 config.get("optimizer_shapes", {}), where)
    return model


def _stored_shapes(header: dict, paths: list, config_shapes, where) -> dict:
    """``{path: shape}`` from the safetensors header, checked against the config's list before anything is
    allocated."""
    shapes = {}
    for i, key in enumerate(paths):
        entry = header.get(key)
        if entry is None or key == "__metadata__":
            raise SavingError(f"{where}: weight {key!r:.80} is listed in config.json but missing from "
                              f"weights.safetensors")
        if config_shapes is not None and tuple(config_shapes[i]) != entry[1]:
            raise SavingError(f"{where}: weight {key!r:.80} has shape {entry[1]} in weights.safetensors but "
                              f"{tuple(config_shapes[i])} in config.json")
        shapes[key] = entry[1]
    extra = set(header) - set(paths) - {"__metadata__"}
    if extra:
        raise SavingError(f"{where}: weights.safetensors holds weights config.json does not list: "
                          f"{sorted(extra)[:5]}")
    return shapes


def _assign(model, data: bytes, header: dict, paths: list, where: str):
    variables = model.weights
    if len(paths) != len(variables):
        raise SavingError(f"{where}: the file holds {len(paths)} weights, but the model built from its config "
                          f"has {len(variables)}")
    for v, key in zip(variables, paths):
        shape = header[key][1]
        if v.ndim == 0 and shape == (1,):  # safetensors stores 0-d arrays as 1-d
            shape = ()
        if shape != tuple(v.shape):
            raise weight_guard.WeightShapeError(f"{where}: weight {key!r} has shape {shape} in the file, but layer weight "
                              f"{v.path!r} has shape {tuple(v.shape)}")
        arr = tensors.array(data, header[key], dtype=v.dtype).reshape(v.shape)
        with converted(f"{where}: weight {key!r}"):
            v.assign(arr)


def _restore_training_state(model, state: dict, where: str):
    model._epoch = state.get("epoch", 0)
    model._shuffle_seed = state.get("shuffle_seed", model._shuffle_seed)
    rng_states = state.get("rng_states", {})
    layers = {layer.name: layer for layer in model._flatten_layers()}
    for name, rng_state in rng_states.items():
        layer = layers.get(name)
        if layer is None:
            raise SavingError(f"{where}: training_state.rng_states names unknown layer {name!r:.60}")
        current = layer.rng.bit_generator
        if rng_state.get("bit_generator") != type(current).__name__:
            raise SavingError(f"{where}: training_state.rng_states[{name!r:.60}] is a "
                              f"{rng_state.get('bit_generator')!r:.40} state; the layer uses {type(current).__name__}")
        with converted(f"{where}: training_state.rng_states[{name!r:.60}]"):
            current.state = rng_state


def _compile(model, compile_config: dict, opt_data: bytes, opt_shapes: dict, where: str):
    from .. import losses as nf_losses, metrics as nf_metrics, optimizers as nf_optimizers

    active = customs.active()
    with converted(f"{where}: compile.optimizer"):
        optimizer = nf_optimizers.deserialize(compile_config["optimizer"], custom_objects=active)
    loss = compile_entry(compile_config.get("loss"), nf_losses, None, f"{where}: compile.loss")
    metrics = compile_entry(compile_config.get("metrics"), nf_metrics, None, f"{where}: compile.metrics")
    weighted = compile_entry(compile_config.get("weighted_metrics"), nf_metrics, None,
                             f"{where}: compile.weighted_metrics")
    with converted(f"{where}: compile"):
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics, weighted_metrics=weighted,
                      loss_weights=compile_config.get("loss_weights"))
    if not opt_data:
        if any("/" in k for k in opt_shapes):
            raise SavingError(f"{where}: config.json lists optimizer state {sorted(opt_shapes)[:3]}... but "
                              "optimizer.safetensors is missing or empty")
        return
    header = tensors.read_header(opt_data, f"{where}: optimizer.safetensors")
    if not any("/" in k for k in header if k != "__metadata__"):
        return  # per-variable slots exist only once the optimizer has stepped
    state = {}
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        arr = tensors.array(opt_data, entry)
        if key in opt_shapes:
            if math.prod(opt_shapes[key]) != arr.size:
                raise SavingError(f"{where}: optimizer state {key!r:.60} has {arr.size} values, config.json says "
                                  f"shape {tuple(opt_shapes[key])}")
            arr = arr.reshape(opt_shapes[key])
        state[key] = arr
    with converted(f"{where}: optimizer.safetensors"):
        # Built as fit builds it (the model owns its weights): the same flat packing, so training resumes on the
        # same path, bit for bit.
        model.optimizer.build(model.trainable_weights, owns_storage=True)
        model.optimizer.set_state(state)


def save_weights(model, path, overwrite=True):
    """Write the weights alone as one safetensors file (keys: weight paths; order kept in its metadata)."""
    arrays, paths = _weights_dict(model)
    data = tensors.dumps(arrays, metadata={"format": "neuroflow.weights", "order": json.dumps(paths)})
    _write(path, data, overwrite)


def load_weights(model, path):
    """Load weights from ``save_weights`` output or from a ``.neuroflow`` model file (shapes must match)."""
    where = f"load_weights({path!r:.200})"
    f, size = archive._open_regular(path, where)
    with f:
        magic = f.read(4)
    if magic == b"PK\x03\x04":
        parsed = {}
        meta, members = archive.read_members(path, {FORMAT: (VERSION, MEMBERS)},
                                             size_caps=_model_caps(parsed, where), order=("config.json",),
                                             where=where)
        if "config" not in parsed:
            _model_caps(parsed, where)("weights.safetensors", members, meta)
        data = members.get("weights.safetensors", b"")
        header = tensors.read_header(data, f"{where}: weights.safetensors") if data else {}
        paths = parsed["config"].get("weight_paths", [])
        _stored_shapes(header, paths, parsed["config"].get("weight_shapes"), where)
        _assign(model, data, header, paths, where)
        return
    with open(path, "rb") as f:
        data = f.read()
    header = tensors.read_header(data, where)
    order = None
    meta = header.get("__metadata__", {})
    if "order" in meta:
        order = archive.parse_json(meta["order"].encode(), f"{where}: order", limits.MAX_TENSOR_HEADER_BYTES)
        if not isinstance(order, list) or not all(isinstance(k, str) for k in order):
            raise SavingError(f"{where}: metadata 'order' must be a list of weight names")
    paths = order or [k for k in header if k != "__metadata__"]
    _stored_shapes(header, paths, None, where)
    _assign(model, data, header, paths, where)


def model_from_json(text, custom_objects=None):
    """Rebuild an (untrained) model from ``model.to_json()`` text; checked like a file's config."""
    where = "model_from_json"
    if isinstance(text, str):
        text = text.encode("utf-8", "surrogatepass")
    if not isinstance(text, (bytes, bytearray)):
        raise SavingError(f"{where}: expected JSON text, got {type(text).__name__}")
    config = archive.parse_json(bytes(text), where, limits.MAX_CONFIG_BYTES)
    schema.check_model_config({"model": config}, where)
    with customs.custom_object_scope(custom_objects), weight_guard.weight_budget(None, where):
        try:
            model = rebuild_layer(config, where)
        except SavingError:
            raise
        except (Exception, RecursionError) as err:
            raise SavingError(f"{where}: {type(err).__name__}: {str(err)[:300]}") from None
    weight_guard.release(model)
    return model


__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_from_json", "get_registered_class"]
