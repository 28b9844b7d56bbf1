"""``FeatureSpace``: Keras 3's structured-data preprocessing (``keras.utils.FeatureSpace``).

A dict of named features, each a kind (``'float_normalized'``, ``'string_categorical'``...) or a
``FeatureSpace.<kind>(...)`` spec, becomes one preprocessing layer per feature (Normalization, StringLookup,
IntegerLookup, Hashing, Discretization, Rescaling, Identity), optional hashed crosses of feature pairs, one-hot
encoders and a final concatenation. ``adapt`` learns what the layers learn; calling the space on a dict of arrays
gives the encoded arrays; ``get_inputs()`` / ``get_encoded_features()`` give the same computation as symbolic
tensors, so a model built on them (``Model(feature_space.get_inputs(), ...)``) holds the preprocessing and saves
it with its vocabularies and statistics.

This module sits below the layers: it names the layers it builds and resolves them through the class registry
(as model files do), never by importing the layers package.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import registry
from ..errors import ConfigError, DataError

_KINDS = ("float", "float_rescaled", "float_normalized", "float_discretized", "integer_categorical",
          "string_categorical", "integer_hashed", "string_hashed")
_names = itertools.count()


def _layer(class_name, **config):
    return registry.get_registered_class(class_name, "layer")(**config)


def _auto_name(prefix):
    return f"{prefix}_{next(_names)}"


class Cross:
    """A crossed feature: ``feature_names`` hashed together into ``crossing_dim`` bins (``output_mode``
    ``'one_hot'`` or ``'int'``)."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in ("int", "one_hot"):
            raise ConfigError(f"FeatureSpace.cross: output_mode must be 'int' or 'one_hot', got {output_mode!r}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = int(crossing_dim)
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": list(self.feature_names), "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}


class Feature:
    """One feature: its input ``dtype``, its ``preprocessor`` layer and ``output_mode`` (``'int'``,
    ``'one_hot'``, ``'float'``)."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in ("int", "one_hot", "float"):
            raise ConfigError(f"FeatureSpace feature: output_mode must be 'int', 'one_hot' or 'float', got "
                              f"{output_mode!r}")
        if isinstance(preprocessor, dict):  # from a config
            preprocessor = registry.get_registered_class(preprocessor["class_name"], "layer").from_config(
                preprocessor["config"])
        self.dtype, self.preprocessor, self.output_mode = dtype, preprocessor, output_mode

    def get_config(self):
        layer = self.preprocessor
        config = layer.get_config()
        if type(layer).__name__ == "Normalization" and layer.input_mean is None and layer.built:
            # adapted statistics live in weights; a config alone must restore them too
            config.update(mean=layer.adapt_mean.numpy().tolist(), variance=layer.adapt_variance.numpy().tolist())
        return {"dtype": self.dtype, "output_mode": self.output_mode,
                "preprocessor": {"class_name": type(layer).__name__, "config": config}}


class FeatureSpace:
    """Preprocessing of a dict of named features into one float32 array (``output_mode='concat'``, shape
    ``(batch, total width)``, features in name order, then crosses) or a dict of encoded arrays (``'dict'``).

    Args: ``features`` (name -> kind string or spec), ``output_mode`` (``'concat'``, ``'dict'``), ``crosses``
    (``FeatureSpace.cross(...)`` specs or tuples of names), ``crossing_dim``, ``hashing_dim``,
    ``num_discretization_bins``, ``name``. Data: a dict of arrays ``(batch,)`` or ``(batch, 1)``.
    """

    # --- the feature kinds ------------------------------------------------------------------------------------
    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or _auto_name("float")
        return Feature("float32", _layer("Identity", name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or _auto_name("float_rescaled")
        return Feature("float32", _layer("Rescaling", scale=scale, offset=offset, name=f"{name}_preprocessor"),
                       "float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or _auto_name("float_normalized")
        return Feature("float32", _layer("Normalization", axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        name = name or _auto_name("float_discretized")
        given = {"bin_boundaries": bin_boundaries} if bin_boundaries is not None else {"num_bins": num_bins}
        return Feature("float32", _layer("Discretization", name=f"{name}_preprocessor", **given), output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or _auto_name("integer_categorical")
        return Feature("int32", _layer("IntegerLookup", name=f"{name}_preprocessor", max_tokens=max_tokens,
                                       num_oov_indices=num_oov_indices), output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or _auto_name("string_categorical")
        return Feature("string", _layer("StringLookup", name=f"{name}_preprocessor", max_tokens=max_tokens,
                                        num_oov_indices=num_oov_indices), output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("string_hashed")
        return Feature("string", _layer("Hashing", name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("integer_hashed")
        return Feature("int32", _layer("Hashing", name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    # --- construction -----------------------------------------------------------------------------------------
    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        if not features or not isinstance(features, dict):
            raise ConfigError(f"FeatureSpace: features must be a non-empty dict of name -> feature, got "
                              f"{features!r}")
        if output_mode not in ("concat", "dict"):
            raise ConfigError(f"FeatureSpace: output_mode must be 'concat' or 'dict', got {output_mode!r}")
        self.name = name or _auto_name("feature_space")
        self.output_mode = output_mode
        self.crossing_dim, self.hashing_dim = crossing_dim, hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {n: self._standardize(n, f) for n, f in features.items()}
        self.crosses = [self._standardize_cross(c) for c in crosses or ()]
        self.preprocessors = {n: f.preprocessor for n, f in self.features.items()}
        self.crossers = {c.name: _layer("HashedCrossing", num_bins=c.crossing_dim, name=c.name)
                         for c in self.crosses}
        self.one_hot_encoders = {}
        self.inputs = None
        self.encoded_features = None
        self.concat = None
        self._is_adapted = not self._adaptable()

    def _standardize(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return Feature(**feature)
        if feature not in _KINDS:
            raise ConfigError(f"FeatureSpace: feature {name!r} has an unknown kind {feature!r}; kinds: {_KINDS}")
        if feature == "float_discretized":
            return self.float_discretized(self.num_discretization_bins, name=name)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        return getattr(self, feature)(name=name)

    def _standardize_cross(self, cross):
        if isinstance(cross, dict):
            cross = Cross(**cross)
        if not isinstance(cross, Cross):
            cross = Cross(cross, self.crossing_dim)
        unknown = [n for n in cross.feature_names if n not in self.features]
        if unknown:
            raise ConfigError(f"FeatureSpace: the cross {cross.feature_names} names unknown features {unknown}; "
                              f"features: {list(self.features)}")
        return cross

    def _adaptable(self) -> list:
        """The features whose preprocessor still has to learn from data."""
        names = []
        for name, feature in self.features.items():
            layer = feature.preprocessor
            kind = type(layer).__name__
            if kind == "Normalization" and getattr(layer, "input_mean", None) is None and not layer.built:
                names.append(name)
            elif kind in ("StringLookup", "IntegerLookup") and layer.vocabulary_size() == layer._token_start_index():
                names.append(name)
            elif kind == "Discretization" and layer.bin_boundaries is None:
                names.append(name)
        return names

    # --- learning -----------------------------------------------------------------------------------------------
    def adapt(self, dataset):
        """Learn each preprocessor's state from ``dataset``: a dict of arrays (or lists), or an iterable of
        dict batches (``(features, labels)`` batches: the features are read)."""
        columns = _columns(dataset, list(self.features))
        for name in self._adaptable():
            self.preprocessors[name].adapt(columns[name])
        self._is_adapted = True
        self.get_encoded_features()

    # --- the symbolic side ------------------------------------------------------------------------------------
    def get_inputs(self) -> dict:
        """One ``Input(shape=(1,), dtype=...)`` per feature, by name."""
        self._check_adapted()
        if self.inputs is None:
            make = registry.get_registered_class("InputLayer", "layer")
            self.inputs = {n: make(shape=(1,), dtype=f.dtype, name=n).output for n, f in self.features.items()}
        return self.inputs

    def get_encoded_features(self):
        """The encoded features as symbolic tensors (one float32 tensor with ``'concat'``, else a dict)."""
        if self.encoded_features is None:
            self.encoded_features = self._encode(self.get_inputs())
        return self.encoded_features

    def _check_adapted(self):
        if not self._is_adapted:
            raise ConfigError(f"FeatureSpace: call adapt(dataset) before using it; features still to learn: "
                              f"{self._adaptable()}")

    # --- the computation (symbolic tensors or arrays alike) ----------------------------------------------------
    def _encode(self, values: dict):
        preprocessed = {n: self.preprocessors[n](values[n]) for n in self.features}
        crossed = {c.name: self.crossers[c.name]([preprocessed[n] for n in c.feature_names]) for c in self.crosses}
        names = sorted(preprocessed) + sorted(crossed)
        specs = {**self.features, **{c.name: c for c in self.crosses}}
        encoded = {}
        for name in names:
            value = preprocessed[name] if name in preprocessed else crossed[name]
            if specs[name].output_mode == "one_hot":
                encoded[name] = self._one_hot_encoder(name)(value)
            else:
                encoded[name] = value
        if self.output_mode == "dict":
            return encoded
        if self.concat is None:
            unencoded = [n for n in names if specs[n].output_mode == "int"]
            if unencoded:
                raise ConfigError(f"FeatureSpace: cannot concatenate features {unencoded}: their output_mode is "
                                  f"'int' (ids); use output_mode='dict', or 'one_hot' for them")
            self.concat = _layer("Concatenate", axis=-1)
        return self.concat([encoded[n] for n in names])

    def _one_hot_encoder(self, name):
        encoder = self.one_hot_encoders.get(name)
        if encoder is None:
            layer = self.preprocessors.get(name) or self.crossers.get(name)
            kind = type(layer).__name__
            if kind in ("StringLookup", "IntegerLookup"):
                depth = layer.vocabulary_size()
            elif kind in ("Hashing", "HashedCrossing"):
                depth = layer.num_bins
            elif kind == "Discretization":
                depth = len(layer.bin_boundaries) + 1
            elif kind == "CategoryEncoding":
                depth = layer.num_tokens
            else:
                raise ConfigError(f"FeatureSpace: feature {name!r} has output_mode='one_hot' but its preprocessor "
                                  f"({kind}) has no known number of categories; use output_mode='int'")
            encoder = self.one_hot_encoders[name] = _layer("CategoryEncoding", num_tokens=depth,
                                                           output_mode="multi_hot")
        return encoder

    def __call__(self, data):
        """Encode a dict of arrays ``(batch,)`` / ``(batch, 1)`` (or one sample of scalars) into NumPy arrays."""
        self._check_adapted()
        if not isinstance(data, dict):
            raise DataError(f"FeatureSpace: call it on a dict of feature arrays, got {type(data).__name__}")
        missing = [n for n in self.features if n not in data]
        if missing:
            raise DataError(f"FeatureSpace: the data lacks features {missing}; it has {list(data)}")
        columns = {n: np.asarray(data[n]) for n in self.features}
        single = all(c.ndim == 0 for c in columns.values())
        columns = {n: c.reshape(-1, 1) if c.ndim <= 1 else c for n, c in columns.items()}
        out = self._encode(columns)
        to_array = lambda t: t.numpy() if hasattr(t, "numpy") else np.asarray(t)  # noqa: E731
        out = {n: to_array(v) for n, v in out.items()} if isinstance(out, dict) else to_array(out)
        if single:
            out = {n: v[0] for n, v in out.items()} if isinstance(out, dict) else out[0]
        return out

    # --- config -------------------------------------------------------------------------------------------------
    def get_config(self):
        return {"features": {n: f.get_config() for n, f in self.features.items()}, "output_mode": self.output_mode,
                "crosses": [c.get_config() for c in self.crosses], "crossing_dim": self.crossing_dim,
                "hashing_dim": self.hashing_dim, "num_discretization_bins": self.num_discretization_bins,
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _columns(dataset, names) -> dict:
    """Each feature's values from a dict of arrays or an iterable of dict batches, as ``(n, 1)`` arrays."""
    if isinstance(dataset, dict):
        batches = [dataset]
    elif hasattr(dataset, "__iter__") and not isinstance(dataset, (str, bytes, np.ndarray)):
        batches = [b[0] if isinstance(b, tuple) else b for b in dataset]
    else:
        raise DataError(f"FeatureSpace.adapt: expected a dict of arrays or an iterable of dict batches, got "
                        f"{type(dataset).__name__}")
    if not batches or not all(isinstance(b, dict) for b in batches):
        raise DataError("FeatureSpace.adapt: every batch must be a dict of feature arrays")
    columns = {}
    for name in names:
        if any(name not in b for b in batches):
            raise DataError(f"FeatureSpace.adapt: feature {name!r} is missing from the data")
        parts = [np.asarray(b[name]) for b in batches]
        columns[name] = np.concatenate([p.reshape(-1, 1) if p.ndim <= 1 else p for p in parts])
    return columns


__all__ = ["FeatureSpace", "Feature", "Cross"]
