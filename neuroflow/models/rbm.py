"""Restricted Boltzmann Machine trained by contrastive divergence (CD-k) or persistent CD.

An RBM is an energy model over visible units ``v`` (n_visible) and hidden units ``h`` (units) with

    bernoulli visible:  E(v, h) = -v.b - h.c - v W h
    gaussian visible:   E(v, h) = 0.5 ||v - b||^2 - h.c - v W h      (unit variance; standardize the data)

Both conditionals factorise, so training needs no autograd graph: the log-likelihood gradient is
``<v h>_data - <v h>_model`` and is estimated with a few Gibbs steps. Everything is float32 and follows
scikit-learn's ``BernoulliRBM`` where it can (``persistent=True, k=1`` is sklearn's PCD update).

Devices: the weights are made with the current device's module when the RBM is built (``neuroflow.device``), and
all the arithmetic uses the weights' module (NumPy, CuPy or the strict stand-in). Host data is copied to that device
once per call; results of ``transform``/``reconstruct``/``gibbs``/``free_energy``/``pseudo_likelihood`` go back to
the host when the input came from there and stay on the device when it was device data. ``fit`` leaves the device
once per epoch, to read the monitoring figures.
"""
from __future__ import annotations

import math
import time

import numpy as np

from .. import _validate as check
from .. import backend
from ..autograd.tensor import Tensor
from ..backend import get_array_module, to_host
from ..distribution import data_parallel as dp
from ..errors import ConfigError, DataError, NotCompiledError, ShapeError, close_matches
from ..random import device_generator, generator
from ..registry import register_builtin

VISIBLE_TYPES = ("bernoulli", "gaussian")

# Rows per chunk when evaluating on a whole data set (history, transform): bounds the temporary memory.
_EVAL_CHUNK = 8192


def _sigmoid_(x):
    """Logistic function, in place on ``x`` (a fresh temporary; any shape, any array module): 0.5 * (1 + tanh(x / 2))
    stays in float32 and never overflows exp. In place because on mini-batches of 10 the per-call overhead is most
    of the cost."""
    x *= 0.5
    get_array_module(x).tanh(x, out=x)
    x += 1.0
    x *= 0.5
    return x


def _softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), with ``x``'s module (any shape -> same): exp never overflows,
    and it is ~10x faster than np.logaddexp(0, x), whose scalar loop dominated the per-epoch pseudo-likelihood."""
    xp = get_array_module(x)
    out = xp.abs(x)
    xp.negative(out, out=out)
    xp.exp(out, out=out)
    xp.log1p(out, out=out)
    out += xp.maximum(x, 0)
    return out


def _unwrap(x):
    """User data as an array: a Tensor's data, host data as a NumPy array, device arrays as they are."""
    x = x.data if isinstance(x, Tensor) else x
    return np.asarray(x) if backend.is_host(x) else x


def _host_view(name, doc):
    """A read-only attribute: the device array ``self.<name>`` as a host NumPy array (itself on NumPy)."""
    return property(lambda self: None if getattr(self, name) is None else to_host(getattr(self, name)), doc=doc)


def _returned(result, on_host):
    """``result`` where the caller's data was: read to the host for host input (one transfer on a device)."""
    return to_host(result) if on_host else result


@register_builtin  # model files name it; saving finds it in the registry
class RBM:
    """A Restricted Boltzmann Machine with Bernoulli hidden units.

    Args:
        units: number of hidden units.
        visible: ``'bernoulli'`` (data in [0, 1]) or ``'gaussian'`` (real data, standardized to unit variance).
        k: Gibbs steps per update (CD-k, or k steps of the persistent chains).
        persistent: keep fantasy particles across mini-batches (PCD) instead of restarting chains at the data.
        learning_rate, momentum, weight_decay: SGD step, momentum coefficient, L2 penalty on ``W``.
        batch_size: default mini-batch size (also the number of persistent fantasy particles).
        seed: makes initialisation, sampling and shuffling reproducible.

    Attributes (after ``fit`` or ``set_weights``): ``W`` (n_visible, units), ``b_visible`` (n_visible,),
    ``b_hidden`` (units,), all float32 host NumPy arrays (read from the device on each access when the RBM lives on
    one); ``n_visible``; ``history`` with per-epoch lists ``'reconstruction_error'`` and (bernoulli only)
    ``'pseudo_log_likelihood'``.
    """

    def __init__(self, units=256, visible="bernoulli", k=1, persistent=False, learning_rate=0.1, momentum=0.0,
                 weight_decay=0.0, batch_size=10, seed=None, name=None):
        if visible not in VISIBLE_TYPES:
            raise ConfigError(f"RBM: unknown visible type {visible!r}; {close_matches(visible, VISIBLE_TYPES)}")
        self.units = _positive_int("units", units)
        self.k = _positive_int("k", k)
        self.batch_size = _positive_int("batch_size", batch_size)
        self.visible = visible
        self.persistent = check.boolean(persistent, "RBM", "persistent")
        self.learning_rate = check.positive_float(learning_rate, "RBM", "learning_rate")
        self.momentum = check.probability(momentum, "RBM", "momentum")
        self.weight_decay = check.non_negative_float(weight_decay, "RBM", "weight_decay")
        self.seed = check.non_negative_int(seed, "RBM", "seed", allow_none=True)
        if name is not None and not isinstance(name, str):
            raise check.ArgumentTypeError(f"RBM: name must be a str, got {check.describe(name)}")
        self.name = name or "rbm"
        self._rng = generator(self.seed)
        self.n_visible = None
        self._W = self._b_visible = self._b_hidden = None  # on the device the RBM computes on
        self._velocity = None  # momentum buffers, same shapes as (W, b_visible, b_hidden)
        self._chains = None  # persistent hidden states (batch_size, units)
        self._feature_shape = None  # per-sample shape of the data seen (for plot_filters)
        self.history = {}

    # ------------------------------------------------------------------ building and weights
    def build(self, n_visible):
        """Create the weights for ``n_visible`` visible units on the current device: ``W ~ N(0, 0.01)``
        (n_visible, units), zero biases (as sklearn)."""
        self.n_visible = _positive_int("n_visible", n_visible)
        xp = backend.xp
        # standard_normal * 0.01 is NumPy's normal(0, 0.01) draw for draw (CuPy's Generator has no normal)
        z = device_generator(self._rng, xp).standard_normal((self.n_visible, self.units))
        self._W = (z * 0.01).astype(np.float32)
        self._b_visible = xp.zeros(self.n_visible, np.float32)
        self._b_hidden = xp.zeros(self.units, np.float32)
        self._velocity = None
        self._chains = None

    @property
    def built(self):
        return self._W is not None

    # The weights as host arrays (get_weights is the copying form); on a device each read is one transfer.
    W = _host_view("_W", "(n_visible, units) float32 host array (None before build)")
    b_visible = _host_view("_b_visible", "(n_visible,) float32 host array (None before build)")
    b_hidden = _host_view("_b_hidden", "(units,) float32 host array (None before build)")

    def get_weights(self):
        """``[W (n_visible, units), b_visible (n_visible,), b_hidden (units,)]`` as float32 host NumPy copies (read
        from the device, as Keras does)."""
        self._check_built("get_weights")
        return [np.array(to_host(w)) for w in (self._W, self._b_visible, self._b_hidden)]

    def set_weights(self, weights):
        """Load ``[W (n_visible, units), b_visible (n_visible,), b_hidden (units,)]``, host or device arrays (builds
        the model from ``W``'s shape if needed; the values are copied to the RBM's device)."""
        if len(weights) != 3:
            raise ShapeError(f"RBM {self.name!r}.set_weights: expected 3 arrays [W, b_visible, b_hidden], "
                             f"got {len(weights)}")
        W, bv, bh = (w.astype(np.float32, copy=False) for w in map(_unwrap, weights))
        if W.ndim != 2 or W.shape[1] != self.units:
            raise ShapeError(f"RBM {self.name!r}.set_weights: W must have shape (n_visible, {self.units}), "
                             f"got {W.shape}")
        if self.built and W.shape != self._W.shape:
            raise ShapeError(f"RBM {self.name!r}.set_weights: W must have shape {self._W.shape}, got {W.shape}")
        if bv.shape != (W.shape[0],) or bh.shape != (self.units,):
            raise ShapeError(f"RBM {self.name!r}.set_weights: expected b_visible {(W.shape[0],)} and b_hidden "
                             f"{(self.units,)}, got {bv.shape} and {bh.shape}")
        if not self.built:
            self.n_visible = W.shape[0]
        self._W, self._b_visible, self._b_hidden = (self._to_own_device(w).copy() for w in (W, bv, bh))
        self._velocity = None
        self._chains = None

    def get_config(self):
        """The constructor arguments as a JSON-able dict (``RBM(**config)`` rebuilds the model)."""
        return {"units": self.units, "visible": self.visible, "k": self.k, "persistent": self.persistent,
                "learning_rate": self.learning_rate, "momentum": self.momentum,
                "weight_decay": self.weight_decay, "batch_size": self.batch_size, "seed": self.seed,
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def save(self, path, signing_key=None):
        """Write the RBM to one file (JSON config + safetensors weights, checksummed, atomic, no pickle; signed
        with ``signing_key`` when given); ``neuroflow.models.load_model(path)`` reads it back."""
        from ..saving.rbm_file import save_rbm
        self._check_built("save")
        save_rbm(self, path, signing_key=signing_key)

    # ------------------------------------------------------------------ conditionals and sampling
    def _hidden_probs(self, v):
        """p(h = 1 | v): (N, n_visible) -> (N, units)."""
        a = v @ self._W
        a += self._b_hidden
        return _sigmoid_(a)

    def _visible_means(self, h):
        """E[v | h]: (N, units) -> (N, n_visible); probabilities (bernoulli) or Gaussian means."""
        a = h @ self._W.T
        a += self._b_visible
        return _sigmoid_(a) if self.visible == "bernoulli" else a

    def _sample_visible(self, h, rng):
        mean = self._visible_means(h)
        if self.visible == "bernoulli":
            return (rng.random(mean.shape, dtype=np.float32) < mean).astype(np.float32)
        mean += rng.standard_normal(mean.shape, dtype=np.float32)
        return mean

    @staticmethod
    def _sample_bernoulli(p, rng):
        return (rng.random(p.shape, dtype=np.float32) < p).astype(np.float32)

    def _chain(self, h, steps, rng):
        """Run ``steps`` Gibbs steps h -> v -> h from hidden states ``h`` (N, units).

        Returns (v sample (N, n_visible), p(h|v) of that sample (N, units), new hidden sample (N, units)).
        """
        for _ in range(steps):
            v = self._sample_visible(h, rng)
            h_prob = self._hidden_probs(v)
            h = self._sample_bernoulli(h_prob, rng)
        return v, h_prob, h

    # ------------------------------------------------------------------ learning
    def _gradients(self, v_pos, rng):
        """``_cd_gradients`` for direct calls: ``v_pos`` (B, n_visible) host or device data and ``rng`` a host
        Generator, both moved to the RBM's device first. Returns (dW, db_visible, db_hidden) on that device."""
        return self._cd_gradients(self._to_own_device(v_pos), device_generator(rng, self._module()))

    def _cd_gradients(self, v_pos, rng):
        """The CD-k / PCD estimate of the log-likelihood gradient on one mini-batch ``v_pos`` (B, n_visible), with
        ``v_pos`` on the RBM's device and ``rng`` drawing there.

        Positive phase: ``<v p(h|v)>`` over the data (exact given v). Negative phase: ``<v' p(h|v')>`` over the
        chain samples ``v'``, after k Gibbs steps from the data (CD) or from the persistent chains (PCD).
        Returns (dW (n_visible, units), db_visible (n_visible,), db_hidden (units,)), without weight decay.
        """
        h_pos = self._hidden_probs(v_pos)
        if self.persistent:
            if self._chains is None:  # sklearn starts its fantasy particles at h = 0
                self._chains = self._module().zeros((self.batch_size, self.units), np.float32)
            start = self._chains
        else:
            start = self._sample_bernoulli(h_pos, rng)
        v_neg, h_neg, h_state = self._chain(start, self.k, rng)
        if self.persistent:
            self._chains = h_state
        # Means as sum * (1/n): ndarray.mean costs 3x a sum on these small arrays.
        pos, neg = np.float32(1.0 / len(v_pos)), np.float32(1.0 / len(v_neg))
        dW = v_pos.T @ h_pos
        dW *= pos
        dW -= (v_neg.T @ h_neg) * neg
        db_v = v_pos.sum(axis=0) * pos - v_neg.sum(axis=0) * neg
        db_h = h_pos.sum(axis=0) * pos - h_neg.sum(axis=0) * neg
        return dW, db_v, db_h

    def _update(self, v_pos, rng):
        """One SGD step (with momentum and L2 decay on W) on the mini-batch ``v_pos`` (B, n_visible), on the RBM's
        device with ``rng`` drawing there."""
        dW, db_v, db_h = self._cd_gradients(v_pos, rng)
        dp.average_arrays((dW, db_v, db_h), len(v_pos))  # data-parallel: the mean over every rank's part
        if self.weight_decay:
            dW -= self.weight_decay * self._W
        lr = np.float32(self.learning_rate)
        if self.momentum:
            if self._velocity is None:
                xp = self._module()
                self._velocity = [xp.zeros_like(self._W), xp.zeros_like(self._b_visible),
                                  xp.zeros_like(self._b_hidden)]
            mom = np.float32(self.momentum)
            for vel, g, p in zip(self._velocity, (dW, db_v, db_h), (self._W, self._b_visible, self._b_hidden)):
                vel *= mom
                vel += lr * g
                p += vel
        else:
            self._W += lr * dW
            self._b_visible += lr * db_v
            self._b_hidden += lr * db_h

    def fit(self, x, epochs=10, batch_size=None, verbose=1, shuffle=True):
        """Train on ``x`` (N, n_visible) — or (N, *feature_shape), flattened — for ``epochs`` passes.

        A second call continues from the current weights (as Keras does). Records ``history`` (fresh per call)
        and shows it per epoch: ``verbose=1`` a tqdm bar (one printed line per epoch without tqdm), ``2`` one
        line per epoch, ``0`` nothing. On a device, host ``x`` is copied there once, and the epoch's monitoring
        figures are its only read back to the host. Returns self.
        """
        x, _ = self._prepare(x, "fit")
        epochs = _positive_int("epochs", epochs)
        batch_size = self.batch_size if batch_size is None else _positive_int("batch_size", batch_size)
        if not self.built:
            self.build(x.shape[1])
        xp = self._module()
        rng = device_generator(self._rng, xp)  # the host generator itself on NumPy
        n = len(x)
        keys = ["reconstruction_error"] + (["pseudo_log_likelihood"] if self.visible == "bernoulli" else [])
        self.history = {key: [] for key in keys}
        dp.broadcast_arrays([self._W, self._b_visible, self._b_hidden])  # data-parallel: rank 0's start
        progress = _Progress(epochs, verbose if dp.is_chief() else 0)
        for epoch in range(epochs):
            start = time.perf_counter()
            # the permutation comes from the host generator (shared by data-parallel ranks), then goes to the device
            data = x[self._to_own_device(dp.shared_permutation(self._rng, n))] if shuffle else x
            for i in range(0, n, batch_size):
                self._update(data[dp.shard_slice(i, min(i + batch_size, n))], rng)
            sums = [self._chunked_sum(self._reconstruction_sq_error, x)]
            if self.visible == "bernoulli":
                sums.append(self._chunked_sum(lambda c: self._pseudo_likelihood(c, rng), x))
            if xp is not np:
                sums = to_host(xp.stack(sums))  # the epoch's one device-to-host transfer
            logs = {key: float(s) / n for key, s in zip(keys, sums)}
            for key, value in logs.items():
                self.history[key].append(value)
            progress.update(epoch, time.perf_counter() - start, logs)
        progress.close()
        return self

    def partial_fit(self, x):
        """One update on the single batch ``x`` (B, n_visible) (as sklearn's ``partial_fit``). Returns self."""
        x, _ = self._prepare(x, "partial_fit")
        if not self.built:
            self.build(x.shape[1])
        self._update(x, device_generator(self._rng, self._module()))
        return self

    # ------------------------------------------------------------------ inference
    def transform(self, v):
        """Hidden probabilities p(h = 1 | v): (N, n_visible) -> (N, units) float32 (on the host for host ``v``,
        else on the device: no transfer)."""
        v, on_host = self._prepare(v, "transform", need_built=True)
        return _returned(self._hidden_probs(v), on_host)

    def reconstruct(self, v):
        """Visible means after one deterministic up-down pass: (N, n_visible) -> (N, n_visible)."""
        v, on_host = self._prepare(v, "reconstruct", need_built=True)
        return _returned(self._visible_means(self._hidden_probs(v)), on_host)

    def gibbs(self, v, steps=1, seed=None):
        """A visible sample after ``steps`` full Gibbs steps v -> h -> v: (N, n_visible) -> (N, n_visible)."""
        v, on_host = self._prepare(v, "gibbs", need_built=True)
        rng = self._draws(seed)
        h = self._sample_bernoulli(self._hidden_probs(v), rng)
        v, _, _ = self._chain(h, _positive_int("steps", steps), rng)
        return _returned(v, on_host)

    def sample(self, n, steps=1000, seed=None):
        """``n`` visible samples (n, n_visible) after ``steps`` Gibbs steps from random starts, as a host NumPy
        array (the chains run on the RBM's device; ``gibbs`` of device data keeps its result there).

        Starts are uniform binary vectors (bernoulli) or standard normal vectors (gaussian).
        """
        self._check_built("sample")
        n = _positive_int("n", n)
        rng = self._draws(seed)
        shape = (n, self.n_visible)
        if self.visible == "bernoulli":
            v = (rng.random(shape, dtype=np.float32) < 0.5).astype(np.float32)
        else:
            v = rng.standard_normal(shape, dtype=np.float32)
        h = self._sample_bernoulli(self._hidden_probs(v), rng)
        v, _, _ = self._chain(h, _positive_int("steps", steps), rng)
        return to_host(v)

    def free_energy(self, v):
        """F(v) = -log sum_h exp(-E(v, h)): (N, n_visible) -> (N,) float32.

        bernoulli: -v.b - sum softplus(v W + c); gaussian: 0.5 ||v - b||^2 - sum softplus(v W + c).
        """
        v, on_host = self._prepare(v, "free_energy", need_built=True)
        return _returned(self._free_energy(v), on_host)

    def _free_energy(self, v):
        hidden = _softplus(v @ self._W + self._b_hidden).sum(axis=1)
        if self.visible == "bernoulli":
            return -(v @ self._b_visible) - hidden
        d = v - self._b_visible
        return 0.5 * get_array_module(d).einsum("ij,ij->i", d, d) - hidden

    def pseudo_likelihood(self, v, seed=None):
        """Pseudo-log-likelihood per sample (N,), as sklearn's ``BernoulliRBM.score_samples``.

        For each sample one random visible unit j is flipped: ``n_visible * log sigmoid(F(v~) - F(v))``.
        Bernoulli visible units only.
        """
        v, on_host = self._prepare(v, "pseudo_likelihood", need_built=True)
        return _returned(self._pseudo_likelihood(v, self._draws(seed)), on_host)

    def _pseudo_likelihood(self, v, rng):
        if self.visible != "bernoulli":
            raise ConfigError(f"RBM {self.name!r}: pseudo_likelihood is defined for bernoulli visible units only, "
                              f"this RBM has visible={self.visible!r}")
        rows = get_array_module(v).arange(len(v))
        j = rng.integers(0, v.shape[1], size=len(v))
        # Flipping unit j changes v by delta = 1 - 2 v_j, so v~ W = v W + delta W[j]: one matmul, no copy of v.
        delta = 1.0 - 2.0 * v[rows, j]
        a = v @ self._W + self._b_hidden
        a_flip = a + delta[:, None] * self._W[j]
        diff = -delta * self._b_visible[j] - _softplus(a_flip).sum(axis=1) + _softplus(a).sum(axis=1)
        # n * log sigmoid(diff) = -n * softplus(-diff)
        return (-v.shape[1] * _softplus(-diff)).astype(np.float32)

    def _reconstruction_sq_error(self, v):
        """Per-sample mean squared error of v - reconstruct(v): (N, n_visible) -> (N,)."""
        d = v - self._visible_means(self._hidden_probs(v))
        return get_array_module(d).einsum("ij,ij->i", d, d) / v.shape[1]

    @staticmethod
    def _chunked_sum(fn, x):
        """Sum over all rows of the per-row values ``fn(chunk)`` (N,), chunk by chunk to bound memory: a float64
        scalar on ``x``'s device (summed there, so that reading it is one transfer; added in the order Python
        floats were, so the CPU figures are unchanged)."""
        total = None
        for i in range(0, len(x), _EVAL_CHUNK):
            part = fn(x[i:i + _EVAL_CHUNK]).sum(dtype=np.float64)
            total = part if total is None else total + part
        return total

    # ------------------------------------------------------------------ plotting
    def plot_filters(self, path=None, shape=None, n=64):
        """Draw the first ``n`` filters (columns of W reshaped to ``shape``, e.g. (28, 28)) as an image grid.

        ``shape`` defaults to the per-sample shape of the images seen by ``fit`` or a square. Saves a PNG to
        ``path`` if given. Returns the matplotlib Figure (made without pyplot, so no global figure state).
        """
        self._check_built("plot_filters")
        try:
            from matplotlib.figure import Figure
        except ImportError as e:
            raise ImportError("RBM.plot_filters needs matplotlib: pip install matplotlib") from e
        if shape is None:
            shape = self._feature_shape if self._feature_shape and len(self._feature_shape) == 2 else None
        if shape is None:
            side = math.isqrt(self.n_visible)
            if side * side != self.n_visible:
                raise ConfigError(f"RBM {self.name!r}.plot_filters: {self.n_visible} visible units are not a "
                                  f"square image; pass shape=(rows, cols)")
            shape = (side, side)
        shape = tuple(int(s) for s in shape)
        if math.prod(shape) != self.n_visible:
            raise ShapeError(f"RBM {self.name!r}.plot_filters: shape {shape} holds {math.prod(shape)} pixels, "
                             f"but the RBM has {self.n_visible} visible units")
        n = min(_positive_int("n", n), self.units)
        cols = math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        filters = to_host(self._W[:, :n]).T.reshape(n, *shape)
        # Scale each filter to [0, 1] on its own range so that weak filters stay visible.
        lo = filters.min(axis=(1, 2), keepdims=True)
        hi = filters.max(axis=(1, 2), keepdims=True)
        filters = (filters - lo) / np.maximum(hi - lo, 1e-12)
        pad = 1
        grid = np.ones((rows * (shape[0] + pad) + pad, cols * (shape[1] + pad) + pad), np.float32)
        for i in range(n):  # one tile per filter (n is small); pixels are copied as a block
            r, c = divmod(i, cols)
            y, x = pad + r * (shape[0] + pad), pad + c * (shape[1] + pad)
            grid[y:y + shape[0], x:x + shape[1]] = filters[i]
        fig = Figure(figsize=(cols * 0.8 + 0.5, rows * 0.8 + 0.5))
        ax = fig.add_subplot(1, 1, 1)
        ax.imshow(grid, cmap="gray", interpolation="nearest", vmin=0.0, vmax=1.0)
        ax.set_axis_off()
        ax.set_title(f"{self.name}: {n} filters")
        if path is not None:
            fig.savefig(path, format="png", bbox_inches="tight")
        return fig

    # ------------------------------------------------------------------ devices
    def _module(self):
        """The array module the RBM computes with: its weights' (unbuilt: the current device's)."""
        return get_array_module(self._W) if self._W is not None else backend.xp

    def _to_own_device(self, a):
        """``a`` on the RBM's device: as it is when already there, else copied (host data uploaded)."""
        xp = self._module()
        if get_array_module(a) is xp:
            return a
        return backend.to_device(a, None if xp is backend.xp else backend.module_device(xp))

    def _draws(self, seed):
        """The generator drawing on the RBM's device: from ``seed``, or the RBM's own stream when None."""
        return device_generator(self._rng if seed is None else generator(seed), self._module())

    # ------------------------------------------------------------------ checks
    def _check_built(self, what):
        if not self.built:
            raise NotCompiledError(f"RBM {self.name!r}.{what}: the model has no weights yet; call fit(x) or "
                                   f"set_weights([W, b_visible, b_hidden]) first")

    def _prepare(self, x, what, need_built=False):
        """Validate user data (N, n_visible) or (N, *feature_shape) and return ``(x, on_host)``: ``x`` as a
        C-contiguous float32 (N, n_visible) array on the RBM's device (host data copied there once), ``on_host``
        whether it came from the host. Values (range, NaN) are checked on host data only, before the copy: on
        device data each check would be a transfer, so there only shapes and dtypes are checked."""
        if need_built:
            self._check_built(what)
        x = _unwrap(x)  # accept neuroflow Tensors too
        on_host = backend.is_host(x)
        if x.dtype.kind not in "biuf":
            raise DataError(f"RBM {self.name!r}.{what}: expected numeric data, got dtype {x.dtype}")
        if x.ndim < 2:
            raise ShapeError(f"RBM {self.name!r}.{what}: expected data of shape (samples, features), "
                             f"got shape {x.shape}")
        if len(x) == 0:
            raise DataError(f"RBM {self.name!r}.{what}: got no samples (shape {x.shape})")
        feature_shape = x.shape[1:]
        x = get_array_module(x).ascontiguousarray(x.reshape(len(x), -1), dtype=np.float32)
        if self.built and x.shape[1] != self.n_visible:
            raise ShapeError(f"RBM {self.name!r}.{what}: expected {self.n_visible} features per sample, got "
                             f"{x.shape[1]} (data shape {(len(x),) + feature_shape})")
        if on_host:
            lo, hi = float(x.min()), float(x.max())
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise DataError(f"RBM {self.name!r}.{what}: the data contains NaN or inf")
            if self.visible == "bernoulli" and (lo < 0.0 or hi > 1.0):
                raise DataError(f"RBM {self.name!r}.{what}: bernoulli visible units need values in [0, 1], got "
                                f"values in [{lo:g}, {hi:g}]; scale the data (e.g. x / 255) or use "
                                f"visible='gaussian'")
        if what in ("fit", "partial_fit"):
            self._feature_shape = feature_shape
        return self._to_own_device(x), on_host

    def __repr__(self):
        return (f"RBM(units={self.units}, visible={self.visible!r}, k={self.k}, persistent={self.persistent}, "
                f"n_visible={self.n_visible})")


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"RBM: {name} must be an integer >= 1, got {value!r}")
    return int(value)


class _Progress:
    """Per-epoch display: a tqdm bar (verbose=1, if tqdm is importable) or one printed line per epoch."""

    def __init__(self, epochs, verbose):
        self.epochs, self.verbose, self.bar = epochs, verbose, None
        if verbose == 1:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=epochs, desc="RBM", unit="epoch")

    def update(self, epoch, seconds, logs):
        if not self.verbose:
            return
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
            self.bar.update(1)
            return
        items = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
        print(f"Epoch {epoch + 1}/{self.epochs} - {seconds:.2f}s - {items}", flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
