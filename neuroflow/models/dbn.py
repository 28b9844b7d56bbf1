"""Deep Belief Network: a stack of RBMs pre-trained greedily, layer by layer (Hinton, Osindero & Teh, 2006).

RBM 0 models the data; RBM i models the hidden probabilities p(h | v) of RBM i-1 on the data. The stack then
initialises an ordinary feed-forward classifier (``to_classifier``): each RBM becomes a sigmoid ``Dense`` layer with
kernel ``W`` and bias ``b_hidden`` — exactly the map ``RBM.transform`` computes — topped by a fresh output layer,
which the user compiles and fine-tunes with backpropagation like any other ``Sequential``.

Files (``save``/``load``, written by :mod:`neuroflow.saving.rbm_file`): one zip holding ``metadata.json`` (format
name, version, the SHA-256 of every member), ``config.json`` (the constructor arguments, the pre-training history,
the random-generator states) and ``weights.safetensors`` (``rbm_<i>/W``, ``rbm_<i>/b_visible``,
``rbm_<i>/b_hidden``). No pickle; written atomically; checked on load like model files.

Devices: the RBMs compute on the device they were built on (see :mod:`.rbm`); ``pretrain`` copies host data there
once and passes every layer's hidden probabilities up on the device, leaving it only for each epoch's monitoring.
"""
from __future__ import annotations

import math
import time

import numpy as np

from .. import _validate as check
from .. import backend
from ..errors import ConfigError, DataError, NotCompiledError, SavingError, ShapeError
from ..registry import register_builtin
from .rbm import RBM, VISIBLE_TYPES, _positive_int, _returned, _unwrap

FORMAT = "neuroflow.dbn"
_PARAMS = ("W", "b_visible", "b_hidden")


@register_builtin  # model files name it; saving finds it in the registry
class DBN:
    """A Deep Belief Network: ``len(hidden_units)`` RBMs, each trained on the hidden probabilities of the last.

    Args:
        hidden_units: hidden units per RBM, bottom to top, e.g. ``[500, 500, 2000]``.
        visible: visible type of the *first* RBM, ``'bernoulli'`` (data in [0, 1]) or ``'gaussian'``
            (standardized real data); the upper RBMs see probabilities and are always bernoulli.
        k, persistent, learning_rate, momentum, weight_decay, batch_size: passed to every RBM (see ``RBM``).
        seed: makes every RBM reproducible (RBM i gets ``seed + i``).
        name: the model's name; RBM i is named ``<name>_rbm_<i>``.

    Attributes: ``rbms`` (the RBMs, bottom first); ``history`` (after ``pretrain``: one dict per RBM with
    per-epoch ``'reconstruction_error'`` and, bernoulli only, ``'pseudo_log_likelihood'`` lists, plus
    ``'seconds'``, the layer's wall time); ``n_visible`` (input features, once built).
    """

    def __init__(self, hidden_units=(500, 500, 2000), visible="bernoulli", k=1, persistent=False,
                 learning_rate=0.1, momentum=0.0, weight_decay=0.0, batch_size=10, seed=None, name=None):
        if isinstance(hidden_units, (int, np.integer)):
            hidden_units = [hidden_units]
        if not isinstance(hidden_units, (list, tuple)) or not hidden_units:
            raise ConfigError(f"DBN: hidden_units must be a non-empty list of integers >= 1, got {hidden_units!r}")
        self.hidden_units = [_positive_int(f"hidden_units[{i}]", u) for i, u in enumerate(hidden_units)]
        if visible not in VISIBLE_TYPES:
            raise ConfigError(f"DBN: unknown visible type {visible!r}; expected one of {VISIBLE_TYPES}")
        self.visible = visible
        self.seed = check.non_negative_int(seed, "DBN", "seed", allow_none=True)
        if name is not None and not isinstance(name, str):
            raise check.ArgumentTypeError(f"DBN: name must be a str, got {check.describe(name)}")
        self.name = name or "dbn"
        shared = dict(k=k, persistent=persistent, learning_rate=learning_rate, momentum=momentum,
                      weight_decay=weight_decay, batch_size=batch_size)
        # Hidden probabilities lie in [0, 1], so every RBM above the first has bernoulli visible units.
        self.rbms = [RBM(units, visible=visible if i == 0 else "bernoulli",
                         seed=None if self.seed is None else self.seed + i, name=f"{self.name}_rbm_{i}", **shared)
                     for i, units in enumerate(self.hidden_units)]
        first = self.rbms[0]  # validated copies of the shared arguments
        self.k, self.persistent, self.batch_size = first.k, first.persistent, first.batch_size
        self.learning_rate, self.momentum, self.weight_decay = first.learning_rate, first.momentum, first.weight_decay
        self.history = []

    # ------------------------------------------------------------------ building and weights
    @property
    def built(self):
        return all(rbm.built for rbm in self.rbms)

    @property
    def n_visible(self):
        return self.rbms[0].n_visible

    def build(self, n_visible):
        """Create random weights (``RBM.build``) for ``n_visible`` input features, without training."""
        n_visible = _positive_int("n_visible", n_visible)
        for rbm, n_in in zip(self.rbms, [n_visible] + self.hidden_units[:-1]):
            rbm.build(n_in)
        return self

    def get_weights(self):
        """``[W_0, b_visible_0, b_hidden_0, W_1, ...]``: every RBM's ``get_weights()``, bottom first (float32)."""
        self._check_built("get_weights")
        return [w for rbm in self.rbms for w in rbm.get_weights()]

    def set_weights(self, weights):
        """Load ``get_weights()``-style arrays, host or device (builds the DBN if needed). Checks every shape before
        changing anything, so a bad list leaves the model as it was."""
        weights = list(weights)
        n = 3 * len(self.rbms)
        if len(weights) != n:
            raise ShapeError(f"DBN {self.name!r}.set_weights: expected {n} arrays (W, b_visible, b_hidden for each "
                             f"of {len(self.rbms)} RBMs), got {len(weights)}")
        arrays = [_unwrap(w) for w in weights]
        n_in = arrays[0].shape[0] if arrays[0].ndim == 2 else None
        if self.built:
            n_in = self.n_visible
        for i, units in enumerate(self.hidden_units):
            W, bv, bh = arrays[3 * i:3 * i + 3]
            expected = ((n_in, units), (n_in,), (units,))
            if (W.shape, bv.shape, bh.shape) != expected:
                raise ShapeError(f"DBN {self.name!r}.set_weights: RBM {i} expects W {expected[0]}, b_visible "
                                 f"{expected[1]}, b_hidden {expected[2]}; got {W.shape}, {bv.shape}, {bh.shape}")
            n_in = units
        for i, rbm in enumerate(self.rbms):
            rbm.set_weights(arrays[3 * i:3 * i + 3])

    def get_config(self):
        """The constructor arguments as a JSON-able dict (``DBN.from_config(config)`` rebuilds the model)."""
        return {"hidden_units": list(self.hidden_units), "visible": self.visible, "k": self.k,
                "persistent": self.persistent, "learning_rate": self.learning_rate, "momentum": self.momentum,
                "weight_decay": self.weight_decay, "batch_size": self.batch_size, "seed": self.seed,
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ------------------------------------------------------------------ training and inference
    def pretrain(self, x, epochs=10, batch_size=None, verbose=1):
        """Greedy layer-wise pre-training on ``x`` (N, n_visible) — or (N, *feature_shape), flattened.

        RBM 0 is fit on ``x``; RBM i on ``rbms[i-1].transform`` of its input. ``epochs`` is an int (every layer)
        or one int per layer. ``verbose`` is passed to ``RBM.fit`` (1: a bar per layer, 2: a line per epoch,
        0: silent); with verbose > 0 a header line names each layer. A second call continues from the current
        weights. On a device, host ``x`` is copied there once and each layer's input stays there. Returns self.
        """
        x = _unwrap(x)
        feature_shape = x.shape[1:]
        x, _ = self._prepare(x, "pretrain")
        if isinstance(epochs, (list, tuple)):
            if len(epochs) != len(self.rbms):
                raise ConfigError(f"DBN {self.name!r}.pretrain: epochs must be an int or one int per RBM "
                                  f"({len(self.rbms)}), got {len(epochs)} values")
            per_layer = [_positive_int("epochs", e) for e in epochs]
        else:
            per_layer = [_positive_int("epochs", epochs)] * len(self.rbms)
        self.history = []
        data = x.reshape((len(x),) + feature_shape)  # a view: lets RBM 0 remember the image shape for plot_filters
        for i, (rbm, layer_epochs) in enumerate(zip(self.rbms, per_layer)):
            if verbose:
                n_in = x.shape[1] if i == 0 else data.shape[1]
                print(f"DBN {self.name!r}: pre-training RBM {i + 1}/{len(self.rbms)} ({n_in} -> {rbm.units} "
                      f"units, {layer_epochs} epochs)", flush=True)
            start = time.perf_counter()
            rbm.fit(data, epochs=layer_epochs, batch_size=batch_size, verbose=verbose)
            self.history.append({**rbm.history, "seconds": time.perf_counter() - start})
            if i + 1 < len(self.rbms):
                data = rbm.transform(data)
        return self

    def transform(self, x):
        """The top RBM's hidden probabilities: (N, n_visible) -> (N, hidden_units[-1]) float32 (on the host for host
        ``x``, else on the device)."""
        outputs, on_host = self._transform_all(x)
        return _returned(outputs[-1], on_host)

    def transform_all(self, x):
        """Every RBM's hidden probabilities, bottom first: a list of (N, hidden_units[i]) float32 arrays (on the
        host for host ``x``, else on the device)."""
        outputs, on_host = self._transform_all(x)
        return [_returned(out, on_host) for out in outputs]

    def _transform_all(self, x):
        """``(outputs on the device, whether x came from the host)``: the stages of ``transform_all``."""
        data, on_host = self._prepare(x, "transform", need_built=True)
        outputs = []
        for rbm in self.rbms:
            data = rbm.transform(data)
            outputs.append(data)
        return outputs, on_host

    def to_classifier(self, n_classes, activation="softmax"):
        """A ``neuroflow.Sequential`` initialised from the DBN, ready to ``compile`` and fine-tune.

        Layers: one ``Dense(hidden_units[i], activation='sigmoid')`` per RBM, with kernel = ``W`` and bias =
        ``b_hidden`` of RBM i (so its outputs equal ``transform_all``), then ``Dense(n_classes, activation)`` with
        default random initialisation. Input shape ``(None, n_visible)``; the weights are copies. The model is
        built on the current device (the RBMs' weights are copied there without a host round trip when they live
        on it).
        """
        from ..layers.core import Dense
        from .sequential import Sequential

        self._check_built("to_classifier")
        n_classes = _positive_int("n_classes", n_classes)
        hidden = [Dense(rbm.units, activation="sigmoid") for rbm in self.rbms]
        model = Sequential(name=f"{self.name}_classifier")
        for layer in hidden:
            model.add(layer)
        model.add(Dense(n_classes, activation=activation))
        model.build((None, self.n_visible))
        for layer, rbm in zip(hidden, self.rbms):
            layer.set_weights([backend.to_device(rbm._W), backend.to_device(rbm._b_hidden)])
        return model

    # ------------------------------------------------------------------ saving
    def save(self, path, signing_key=None):
        """Write the DBN to ``path`` as one checksummed zip (see the module docstring); atomic, overwrites
        ``path``; signed with ``signing_key`` (bytes) when given."""
        from ..saving.rbm_file import save_dbn
        save_dbn(self, path, signing_key=signing_key)

    @classmethod
    def load(cls, path, signing_key=None):
        """Rebuild a DBN written by ``save``: configuration, weights, history and random-generator states. Any
        problem with the file is a SavingError."""
        from ..saving import rbm_file
        from ..saving.archive import read_metadata

        meta, _ = read_metadata(path, "DBN.load")
        if meta["format"] != FORMAT:
            raise SavingError(f"DBN.load: {path} is not a DBN file (format {meta['format']!r:.40}, expected "
                              f"{FORMAT!r}); load other models with neuroflow.models.load_model")
        return rbm_file.load(path, signing_key=signing_key, where="DBN.load")

    # ------------------------------------------------------------------ checks
    def _check_built(self, what):
        if not self.built:
            raise NotCompiledError(f"DBN {self.name!r}.{what}: the DBN has no weights yet; call pretrain(x) first "
                                   f"(or build(n_visible) / set_weights(...) for untrained weights)")

    def _prepare(self, x, what, need_built=False):
        """Flatten ``x`` to a float32 (N, features) array on the first RBM's device and check its width; returns
        ``(x, on_host)``. The value checks (range, NaN; host data only) are the first RBM's."""
        if need_built:
            self._check_built(what)
        x = _unwrap(x)
        if x.ndim < 2:
            raise ShapeError(f"DBN {self.name!r}.{what}: expected data of shape (samples, features), got shape "
                             f"{x.shape}")
        if len(x) == 0:
            raise DataError(f"DBN {self.name!r}.{what}: got no samples (shape {x.shape})")
        width = math.prod(x.shape[1:])
        if self.rbms[0].built and width != self.n_visible:
            raise ShapeError(f"DBN {self.name!r}.{what}: expected {self.n_visible} features per sample, got "
                             f"{width} (data shape {x.shape})")
        return self.rbms[0]._prepare(x, what)

    def __repr__(self):
        return (f"DBN(hidden_units={self.hidden_units}, visible={self.visible!r}, n_visible={self.n_visible}, "
                f"built={self.built})")
