"""The ``.neuroflow`` model file: one zip holding

* ``metadata.json`` — format name/version and the SHA-256 of every other member (corruption is detected);
* ``config.json`` — the architecture, the compile arguments and the training state (epoch, shuffle seed,
  random-generator states), as JSON;
* ``weights.safetensors`` — every weight, keyed by its path, in ``model.weights`` order;
* ``optimizer.safetensors`` — the optimizer state (moments, iteration counter).

Loading parses JSON and safetensors only: no pickle, no eval, no import by path. Files are written atomically
(temporary file in the same folder, then rename), so a crash never leaves a half-written model behind.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile

import numpy as np

from ..errors import SavingError, ShapeError
from . import serialization

FORMAT = "neuroflow.model"
VERSION = 1


def _safetensors():
    try:
        from safetensors import numpy as st
    except ImportError:  # pragma: no cover - safetensors is a dependency
        raise SavingError("saving needs the 'safetensors' package: pip install safetensors") from None
    return st


def _weights_dict(model) -> tuple:
    arrays, paths = {}, []
    for v in model.weights:
        key = v.path or v.name
        base, n = key, 1
        while key in arrays:
            key, n = f"{base}#{n}", n + 1
        arrays[key] = np.ascontiguousarray(v.data)
        paths.append(key)
    return arrays, paths


def _atomic_bytes(path, data: bytes, overwrite=True):
    if not overwrite and os.path.exists(path):
        raise SavingError(f"{path} exists and overwrite=False")
    from ..io.atomic import atomic_write
    with atomic_write(path, "wb") as f:
        f.write(data)


def _compile_config(model):
    if getattr(model, "_specs", None) is None:
        return None
    from .. import losses as nf_losses, metrics as nf_metrics, optimizers as nf_optimizers

    def ser(x, module):
        if x is None or isinstance(x, (str, int, float)):
            return x
        if isinstance(x, (list, tuple)):
            return [ser(v, module) for v in x]
        if isinstance(x, dict):
            return {k: ser(v, module) for k, v in x.items()}
        return module.serialize(x)

    args = model._compile_args
    return {"optimizer": nf_optimizers.serialize(model.optimizer),
            "loss": ser(args["loss"], nf_losses), "metrics": ser(args["metrics"], nf_metrics),
            "loss_weights": args["loss_weights"]}


def _rng_states(model) -> dict:
    return {layer.name: layer._rng.bit_generator.state for layer in model._flatten_layers()
            if layer._rng is not None}


def save_model(model, path, overwrite=True, include_optimizer=True):
    """Write ``model`` to ``path`` (see the module docstring for the layout)."""
    st = _safetensors()
    weights, paths = _weights_dict(model)
    compile_config = _compile_config(model)
    config = {"model": serialization.serialize_model(model), "compile": compile_config,
              "weight_paths": paths,
              "training_state": {"epoch": model._epoch, "shuffle_seed": model._shuffle_seed,
                                 "rng_states": _rng_states(model)}}
    members = {"config.json": json.dumps(config, indent=1).encode(),
               "weights.safetensors": st.save(weights) if weights else b""}
    if include_optimizer and model.optimizer is not None and compile_config is not None:
        state = {k: np.asarray(v) for k, v in model.optimizer.get_state().items()}
        # safetensors stores 0-d arrays as 1-d: keep the true shapes beside them
        config["optimizer_shapes"] = {k: list(v.shape) for k, v in state.items()}
        members["config.json"] = json.dumps(config, indent=1).encode()
        members["optimizer.safetensors"] = st.save({k: np.ascontiguousarray(v).reshape(v.shape or (1,))
                                                    for k, v in state.items()}) if state else b""
    from .. import __version__
    meta = {"format": FORMAT, "version": VERSION, "neuroflow_version": __version__,
            "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps(meta, indent=1))
        for name, data in members.items():
            zf.writestr(name, data)
    _atomic_bytes(path, buf.getvalue(), overwrite)


def _read_members(path, expected_format=FORMAT) -> dict:
    try:
        with zipfile.ZipFile(path) as zf:
            members = {info.filename: zf.read(info) for info in zf.infolist()}
    except FileNotFoundError:
        raise SavingError(f"no model file at {path}") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as err:
        raise SavingError(f"{path} is not a valid neuroflow model file (corrupt zip: {err})") from None
    except Exception as err:  # zlib errors and CRC mismatches surface as several types
        raise SavingError(f"{path} is corrupt: {err}") from None
    if "metadata.json" not in members:
        raise SavingError(f"{path} is not a neuroflow model file (no metadata.json)")
    try:
        meta = json.loads(members["metadata.json"])
    except ValueError:
        raise SavingError(f"{path}: metadata.json is not valid JSON") from None
    if meta.get("format") != expected_format:
        raise SavingError(f"{path}: not a neuroflow model file (format {meta.get('format')!r})")
    if meta.get("version", 0) > VERSION:
        raise SavingError(f"{path}: written by a newer neuroflow (file format {meta['version']}, this "
                          f"neuroflow reads up to {VERSION})")
    for name, digest in meta.get("sha256", {}).items():
        if name not in members:
            raise SavingError(f"{path}: member {name} is missing")
        if hashlib.sha256(members[name]).hexdigest() != digest:
            raise SavingError(f"{path}: member {name} does not match its checksum: the file is corrupt or was "
                              f"modified")
    unexpected = set(members) - set(meta.get("sha256", {})) - {"metadata.json"}
    if unexpected:
        raise SavingError(f"{path}: unexpected member(s) {sorted(unexpected)}: the file was modified")
    return members


def _load_tensors(data: bytes, what: str) -> dict:
    if not data:
        return {}
    try:
        return _safetensors().load(data)
    except Exception as err:
        raise SavingError(f"{what} is not valid safetensors data: {err}") from None


def _assign_weights(model, arrays: dict, paths: list, source: str):
    variables = model.weights
    if len(paths) != len(variables):
        raise SavingError(f"{source}: holds {len(paths)} weights, but the model has {len(variables)}")
    for v, key in zip(variables, paths):
        if key not in arrays:
            raise SavingError(f"{source}: weight {key!r} is missing")
        arr = arrays[key]
        if v.ndim == 0 and arr.shape == (1,):  # safetensors stores 0-d arrays as 1-d
            arr = arr.reshape(())
        if arr.shape != v.shape:
            raise ShapeError(f"{source}: weight {key!r} has shape {arr.shape}, but layer weight "
                             f"{v.path!r} has shape {v.shape}")
        v.assign(arr.astype(v.dtype, copy=False))


RBM_FORMAT = "neuroflow.rbm"


def save_rbm(rbm, path):
    """Write an RBM (config JSON + safetensors ``W``, ``b_visible``, ``b_hidden``) as one checksummed zip."""
    st = _safetensors()
    W, bv, bh = rbm.get_weights()
    members = {"config.json": json.dumps({"class_name": "RBM", "config": rbm.get_config()}).encode(),
               "weights.safetensors": st.save({"W": W, "b_visible": bv, "b_hidden": bh})}
    meta = {"format": RBM_FORMAT, "version": VERSION,
            "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps(meta))
        for name, data in members.items():
            zf.writestr(name, data)
    _atomic_bytes(path, buf.getvalue())


def _load_rbm(path, members):
    from ..models.rbm import RBM
    try:
        config = json.loads(members["config.json"])["config"]
    except (KeyError, ValueError):
        raise SavingError(f"{path}: config.json is missing or not valid JSON") from None
    arrays = _load_tensors(members.get("weights.safetensors", b""), f"{path}: weights")
    rbm = RBM.from_config(config)
    try:
        rbm.set_weights([arrays["W"], arrays["b_visible"], arrays["b_hidden"]])
    except KeyError as err:
        raise SavingError(f"{path}: weight {err} is missing") from None
    return rbm


def load_model(path, custom_objects=None, compile=True):
    """Rebuild a model saved with ``model.save`` (architecture, weights, and — if compiled — optimizer state);
    also reads the files of ``RBM.save`` and ``DBN.save``."""
    try:
        with zipfile.ZipFile(path) as zf:
            fmt = json.loads(zf.read("metadata.json")).get("format")
    except Exception:  # _read_members below reports what is wrong with the file
        fmt = None
    if fmt == "neuroflow.dbn":
        from ..models.dbn import DBN
        return DBN.load(path)
    if fmt == RBM_FORMAT:
        return _load_rbm(path, _read_members(path, RBM_FORMAT))
    members = _read_members(path)
    try:
        config = json.loads(members["config.json"])
    except (KeyError, ValueError):
        raise SavingError(f"{path}: config.json is missing or not valid JSON") from None
    model = serialization.deserialize_layer(config["model"])
    arrays = _load_tensors(members.get("weights.safetensors", b""), f"{path}: weights")
    if not model.built and config["weight_paths"]:
        raise SavingError(f"{path}: the model could not be built from its config (unknown input shape)")
    _assign_weights(model, arrays, config["weight_paths"], path)
    state = config.get("training_state", {})
    model._epoch = state.get("epoch", 0)
    model._shuffle_seed = state.get("shuffle_seed", model._shuffle_seed)
    rng_states = state.get("rng_states", {})
    for layer in model._flatten_layers():
        if layer.name in rng_states:
            layer.rng.bit_generator.state = rng_states[layer.name]
    compile_config = config.get("compile")
    if compile and compile_config is not None:
        from .. import optimizers as nf_optimizers
        model.compile(optimizer=nf_optimizers.deserialize(compile_config["optimizer"]),
                      loss=_deser(compile_config["loss"], "losses"),
                      metrics=_deser(compile_config["metrics"], "metrics"),
                      loss_weights=compile_config.get("loss_weights"))
        opt_state = _load_tensors(members.get("optimizer.safetensors", b""), f"{path}: optimizer state")
        if any("/" in k for k in opt_state):  # per-variable slots exist only once the optimizer has stepped
            shapes = config.get("optimizer_shapes", {})
            opt_state = {k: v.reshape(shapes[k]) if k in shapes else v for k, v in opt_state.items()}
            model.optimizer.build(model.trainable_weights)
            model.optimizer.set_state(opt_state)
    return model


def _deser(x, module_name):
    import importlib
    module = importlib.import_module(f"neuroflow.{module_name}")
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, list):
        return [_deser(v, module_name) for v in x]
    if isinstance(x, dict) and "class_name" in x:
        return module.deserialize(x)
    if isinstance(x, dict):
        return {k: _deser(v, module_name) for k, v in x.items()}
    return x


def save_weights(model, path, overwrite=True):
    """Write the weights alone as one safetensors file (keys: weight paths; order kept in its metadata)."""
    st = _safetensors()
    arrays, paths = _weights_dict(model)
    data = st.save(arrays, metadata={"format": "neuroflow.weights", "order": json.dumps(paths)})
    _atomic_bytes(path, data, overwrite)


def load_weights(model, path):
    """Load weights from ``save_weights`` output or from a ``.neuroflow`` model file."""
    if zipfile.is_zipfile(path):
        members = _read_members(path)
        config = json.loads(members["config.json"])
        _assign_weights(model, _load_tensors(members.get("weights.safetensors", b""), path),
                        config["weight_paths"], path)
        return
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise SavingError(f"no weights file at {path}") from None
    arrays = _load_tensors(data, path)
    try:
        from safetensors import safe_open
        with safe_open(path, framework="numpy") as f:
            order = json.loads((f.metadata() or {}).get("order", "null"))
    except Exception:
        order = None
    _assign_weights(model, arrays, order or list(arrays), path)


def model_from_json(text, custom_objects=None):
    """Rebuild an (untrained) model from ``model.to_json()`` text."""
    try:
        config = json.loads(text)
    except ValueError:
        raise SavingError("model_from_json: not valid JSON") from None
    return serialization.deserialize_layer(config)
