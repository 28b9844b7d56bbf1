"""What the training loops call to run data-parallel: one call each, all no-ops without a distribution.

The loops (``neuroflow.training``, RBM/DBN pre-training) stay unaware of MPI: they ask :func:`active` for the
distribution in force and hand arrays and Variables to the functions here.

* :func:`shard_slice` / :func:`shard_indices` / :func:`shard_batch`: this rank's part of one global batch. Every
  rank draws the same permutation (the shuffle seed is broadcast), so the ranks' parts of a batch are disjoint
  and together the whole batch: rank r takes rows ``[r*m//N, (r+1)*m//N)`` of a batch of m.
* :class:`GradientSync`: after ``backward``, the gradients of all variables are packed into one flat buffer per
  dtype (with this step's loss and sample count), summed over the ranks in one Allreduce, and unpacked as the
  sample-weighted mean — the gradient one process computes on the whole batch.
* :func:`start_fit`: rank 0's weights, optimizer state, shuffle seed and epoch counter on every rank.
* :func:`reduce_epoch`: the epoch's loss tracker and metric states summed over ranks, so every rank reports the
  global figures; :func:`average_weights` makes the ranks' moving statistics (BatchNormalization) equal.
* :func:`gather_outputs`: ``predict``'s per-rank outputs, back in the order of the data, on every rank.
"""
from __future__ import annotations

import copy

import numpy as np

from . import api
from ..errors import ConfigError
from .comm import DistributionError

__all__ = ["active", "is_chief", "shard_slice", "shard_indices", "shard_batch", "GradientSync", "gradient_sync",
           "start_fit", "end_epoch", "reduce_epoch", "average_weights", "gather_outputs", "broadcast_arrays",
           "shared_permutation", "average_arrays"]


def active():
    """The ``DataParallel`` in force when this job has more than one rank, else None (train alone)."""
    d = api.distribution()
    if d is None or d.group.size == 1:
        return None
    return d


def is_chief() -> bool:
    """Whether this process writes files and draws progress: rank 0 of a data-parallel job, or any lone
    process."""
    d = active()
    return d is None or d.group.rank == 0


def _bounds(m: int, d) -> tuple:
    """This rank's rows ``[lo, hi)`` of a global batch of ``m`` rows (sizes differ by at most one)."""
    r, n = d.group.rank, d.group.size
    return r * m // n, (r + 1) * m // n


def shard_slice(start: int, stop: int) -> slice:
    """This rank's part of the global batch ``[start, stop)`` (the whole range without a distribution)."""
    d = active()
    if d is None or not d.auto_shard_dataset:
        return slice(start, stop)
    lo, hi = _bounds(stop - start, d)
    return slice(start + lo, start + hi)


def shard_indices(idx: np.ndarray) -> np.ndarray:
    """This rank's part of the global batch of sample indices ``idx``."""
    d = active()
    if d is None or not d.auto_shard_dataset:
        return idx
    lo, hi = _bounds(len(idx), d)
    return idx[lo:hi]


def _length(struct) -> int:
    first = next(iter(struct.values())) if isinstance(struct, dict) else struct[0] if isinstance(struct, list) \
        else struct
    return len(first)


def shard_batch(x, y, w, take) -> tuple:
    """This rank's rows of one streamed batch ``(x, y, w)`` (a generator's, a Dataset's or a PyDataset's);
    ``take(struct, slice)`` selects rows of an array, list or dict of arrays (or None)."""
    d = active()
    if d is None or not d.auto_shard_dataset:
        return x, y, w
    lo, hi = _bounds(_length(x), d)
    sl = slice(lo, hi)
    return take(x, sl), take(y, sl), take(w, sl)


def broadcast_arrays(arrays, root: int = 0) -> None:
    """Overwrite each array in ``arrays`` (in place) with ``root``'s values, in one broadcast per dtype."""
    d = active()
    if d is None:
        return
    by_dtype: dict = {}
    for a in arrays:
        by_dtype.setdefault(a.dtype.str, []).append(a)
    for group in by_dtype.values():
        flat = np.concatenate([a.reshape(-1) for a in group]) if group else None
        d.group.broadcast(flat, root)
        offset = 0
        for a in group:
            a[...] = flat[offset:offset + a.size].reshape(a.shape)
            offset += a.size


def start_fit(variables, optimizer, shuffle_seed: int, initial_epoch: int, custom_train_step: bool = False) -> tuple:
    """Make every rank start ``fit`` from rank 0's state: the weights ``variables`` (trainable and moving
    statistics), the optimizer's state (slots, iterations), the shuffle seed and the first epoch (a restored
    backup may have moved it). Returns ``(shuffle_seed, initial_epoch)`` as rank 0 has them."""
    d = active()
    if d is None:
        return shuffle_seed, initial_epoch
    if custom_train_step:
        raise ConfigError("fit(): a model with its own train_step cannot train under DataParallel yet: its "
                          "gradients would not be averaged over the ranks (call fit without a distribution, or "
                          "use the built-in train step)")
    if not variables:
        raise ConfigError("fit(): under DataParallel the model must be built before fit (give it an Input or call "
                          "model.build(input_shape)), so that rank 0's initial weights reach every rank")
    broadcast_arrays([v.data for v in variables])
    chief = d.group.rank == 0
    state = None
    if chief and optimizer is not None:
        if optimizer.built:
            state = optimizer.get_state()
        elif getattr(optimizer, "_pending_state", None) is not None:  # loaded, applied when it builds
            state = {"iterations": np.asarray(optimizer.iterations), **optimizer._pending_state}
    shuffle_seed, initial_epoch, state = d.group.broadcast_object((shuffle_seed, initial_epoch, state))
    if state is not None and not chief:
        optimizer.set_state(state)
    return shuffle_seed, initial_epoch


def gradient_sync():
    """A :class:`GradientSync` for this ``fit`` when a data-parallel job runs, else None."""
    d = active()
    return None if d is None else GradientSync(d)


def end_epoch(tracker, metrics, moving_statistics) -> None:
    """At an epoch's end: global loss and metrics (:func:`reduce_epoch`), equal moving statistics on every rank
    (:func:`average_weights`; BatchNormalization's batch statistics stay per rank during the epoch)."""
    if active() is None:
        return
    reduce_epoch(tracker, metrics)
    average_weights(moving_statistics)


class GradientSync:
    """Averages a step's gradients over the ranks: one collective per gradient dtype (float32: one).

    Each rank contributes ``n_r * g_r`` (its mean gradient times its sample count), its loss times ``n_r``,
    ``n_r`` and a has-gradient flag per variable; after the sum every rank sets ``grad = sum / sum(n_r)``, the
    mean over the global batch — one process's gradient on it, up to float32 summation order (bit for bit
    between ranks; with ``deterministic`` also between runs and reduction algorithms). A variable without a
    gradient on every rank keeps ``grad = None``. Assumes the loss is a mean over the batch (Keras' default
    ``sum_over_batch_size``).
    """

    def __init__(self, distribution):
        self.group = distribution.group
        self.deterministic = distribution.deterministic
        self._buffers: dict = {}
        self.steps = 0

    def _buffer(self, dtype, size):
        buf = self._buffers.get(dtype.str)
        if buf is None or buf.size != size:
            buf = self._buffers[dtype.str] = np.empty(size, dtype=dtype)
        return buf

    def average(self, variables, n: int, loss: float) -> float:
        """Replace each variable's ``grad`` by the global mean gradient; returns the global mean loss."""
        groups: dict = {}
        for v in variables:
            groups.setdefault(v.data.dtype.str, []).append(v)
        if not groups:
            groups[np.dtype(np.float32).str] = []
        global_loss = loss
        for key, members in groups.items():
            dtype = np.dtype(key)
            sizes = [v.data.size for v in members]
            total = sum(sizes)
            buf = self._buffer(dtype, total + len(members) + 2)
            offset = 0
            weight = dtype.type(n)
            for v, size in zip(members, sizes):
                view = buf[offset:offset + size]
                if v.grad is None:
                    view[...] = 0
                else:
                    np.multiply(np.asarray(v.grad).reshape(-1), weight, out=view)
                offset += size
            tail = buf[total:]
            tail[:len(members)] = [v.grad is not None for v in members]
            tail[-2], tail[-1] = (loss * n if n else 0.0), n
            self.group.allreduce_sum(buf, self.deterministic)
            count = float(tail[-1])
            if count == 0:
                raise DistributionError("data-parallel step: no rank had a sample in this batch")
            scale = dtype.type(1.0 / count)
            offset = 0
            for i, (v, size) in enumerate(zip(members, sizes)):
                if tail[i] == 0:
                    v.grad = None
                else:
                    grad = v.grad if isinstance(v.grad, np.ndarray) and v.grad.dtype == dtype and \
                        v.grad.flags.writeable else np.empty(v.data.shape, dtype=dtype)
                    np.multiply(buf[offset:offset + size].reshape(v.data.shape), scale, out=grad)
                    v.grad = grad
                offset += size
            global_loss = float(tail[-2]) / count
        self.steps += 1
        return global_loss

    def step_without_data(self, variables, optimizer) -> float:
        """This rank's part of a step whose batch left it no sample (a last batch smaller than the number of
        ranks): it contributes nothing, receives the others' mean gradient and updates like them."""
        for v in variables:
            v.grad = None
        loss = self.average(variables, 0, 0.0)
        if any(v.grad is not None for v in variables):
            if not optimizer.built:
                optimizer.build(variables, owns_storage=True)
            optimizer.step(variables)
        return loss


def shared_permutation(rng, n: int) -> np.ndarray:
    """A permutation of ``range(n)`` drawn from ``rng``; in a data-parallel job, rank 0's on every rank (so the
    ranks' parts of each batch never overlap even after their generators have drawn differently)."""
    order = rng.permutation(n)
    d = active()
    if d is not None:
        d.group.broadcast(order, 0)
    return order


def average_arrays(arrays, n: int) -> None:
    """Replace each array of ``arrays`` (same dtype, computed as a mean over this rank's ``n`` samples) by the
    mean over every rank's samples, in place: one collective (RBM pre-training's gradients)."""
    d = active()
    if d is None:
        return
    dtype = arrays[0].dtype
    flat = np.empty(sum(a.size for a in arrays) + 1, dtype=dtype)
    offset = 0
    for a in arrays:
        np.multiply(a.reshape(-1), dtype.type(n), out=flat[offset:offset + a.size])
        offset += a.size
    flat[-1] = n
    d.group.allreduce_sum(flat, d.deterministic)
    scale = dtype.type(1.0 / flat[-1])
    offset = 0
    for a in arrays:
        np.multiply(flat[offset:offset + a.size].reshape(a.shape), scale, out=a)
        offset += a.size


def _state_names(metric) -> list:
    """The attributes ``reset_state`` sets (a metric's running state), found by resetting a copy."""
    names = []

    class Recorder(type(metric)):
        def __setattr__(self, key, value):
            names.append(key)
            object.__setattr__(self, key, value)

    probe = copy.deepcopy(metric)
    probe.__class__ = Recorder
    probe.reset_state()
    return list(dict.fromkeys(names))


def _metric_state(metric):
    """A metric's state as a nested dict of its values (wrapped metrics included)."""
    state = {}
    for name in _state_names(metric):
        value = getattr(metric, name, None)
        state[name] = ("metric", _metric_state(value)) if hasattr(value, "reset_state") else value
    return state


def _set_metric_state(metric, state: dict) -> None:
    for name, value in state.items():
        if isinstance(value, tuple) and len(value) == 2 and value[0] == "metric":
            _set_metric_state(getattr(metric, name), value[1])
        else:
            setattr(metric, name, value)


def _add(a, b):
    """The sum of two ranks' values of one state entry (None: that rank saw no batch)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, tuple) and a and a[0] == "metric":
        return ("metric", {k: _add(a[1].get(k), b[1].get(k)) for k in a[1]})
    if isinstance(a, np.ndarray):
        return a + b
    if isinstance(a, (int, float, np.number)):
        return type(a)(a + b) if isinstance(a, (int, float)) else a + b
    raise DistributionError(f"cannot add metric states of type {type(a).__name__} over ranks")


def reduce_epoch(tracker, metrics) -> None:
    """Sum the loss tracker (``total``, ``count``) and every metric's state over the ranks, in place, so that
    their results are the global ones. One allgather, in rank order (the same figures on every rank)."""
    d = active()
    if d is None:
        return
    mine = ((tracker.total, tracker.count), [_metric_state(m) for m in metrics])
    everyone = d.group.allgather_object(mine)
    tracker.total = sum(t for (t, _), _ in everyone)
    tracker.count = sum(c for (_, c), _ in everyone)
    for i, m in enumerate(metrics):
        state = everyone[0][1][i]
        for other in everyone[1:]:
            state = {k: _add(state.get(k), other[1][i].get(k)) for k in state}
        _set_metric_state(m, state)


def average_weights(variables) -> None:
    """Set each float variable in ``variables`` to its mean over the ranks (moving statistics, which each rank
    updates from its own shard: the mean of the ranks' moving means is the moving mean of the global batches)."""
    d = active()
    if d is None:
        return
    arrays = [v.data for v in variables if v.data.dtype.kind == "f"]
    by_dtype: dict = {}
    for a in arrays:
        by_dtype.setdefault(a.dtype.str, []).append(a)
    for group in by_dtype.values():
        flat = np.concatenate([a.reshape(-1) for a in group])
        d.group.allreduce_sum(flat, d.deterministic)
        flat *= flat.dtype.type(1.0 / d.group.size)
        offset = 0
        for a in group:
            a[...] = flat[offset:offset + a.size].reshape(a.shape)
            offset += a.size


def gather_outputs(chunks: list) -> list:
    """``predict``'s outputs: ``chunks`` holds this rank's outputs per batch (a list per output); returns the
    concatenation of every batch's parts in rank order — the outputs in the order of the data — on every rank."""
    d = active()
    if d is None or not d.auto_shard_dataset:
        return chunks
    everyone = d.group.allgather_object(chunks)
    return [part for batch in zip(*everyone) for part in batch if part is not None]
