"""Connectionist Temporal Classification: the CTC loss (forward-backward in log space) and CTC decoding.

The loss sums the probability of every frame-level path that collapses to the target (repeats merged, blanks
dropped). Over the extended label ``blank, l1, blank, l2, ..., blank`` (``S = 2L + 1`` states) the forward
variables ``alpha`` and backward variables ``beta`` are computed in log space, vectorised over the batch and the
states, with one Python step per time step. The gradient with respect to the logits is the classic
``softmax - occupancy``: ``softmax(z)[t, k] - sum_{s: l'(s) = k} exp(alpha_t(s) + beta_t(s) - lp_t(k) + loss)``.

Decoding: ``greedy`` (best class per frame, repeats merged, blanks dropped) and ``beam_search`` (prefix beam
search with separate blank / non-blank scores per prefix).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module, to_host
from ..errors import ConfigError, ShapeError
from ._registry import differentiable, not_differentiable
from .activation import log_softmax
from .arrays import take_along_axis
from .index import getitem
from .math import where
from .reduce import logsumexp
from .shape import concatenate, stack

_LOG0 = -1e30  # log 0 in the differentiable reference: exp of it underflows to 0, and it is finite in float32


def _log_softmax(xp, z):
    m = z.max(axis=-1, keepdims=True)
    shifted = z - m
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def _lse3(a, b, c):
    """Element-wise ``log(exp(a) + exp(b) + exp(c))``; all ``-inf`` stays ``-inf`` (no warning)."""
    xp = get_array_module(a)
    return xp.logaddexp(xp.logaddexp(a, b), c)


class CTCLoss(Function):
    """Per-sample CTC negative log-likelihood from logits ``(B, T, C)`` -> ``(B,)``."""

    __slots__ = ("labels", "target_length", "output_length", "blank", "alpha", "log_probs", "loss")

    def __init__(self, labels, target_length, output_length, blank):
        self.labels, self.target_length, self.output_length, self.blank = labels, target_length, output_length, blank

    def _extended(self, xp, batch):
        """The extended labels ``(B, S)``, the states that exist per sample, and where the skip transition is
        allowed (a label different from the one two states back)."""
        length = self.labels.shape[1]
        ext = xp.full((batch, 2 * length + 1), self.blank, dtype=self.labels.dtype)
        ext[:, 1::2] = self.labels
        states = 2 * self.target_length + 1
        exists = xp.arange(ext.shape[1])[None, :] < states[:, None]
        skip = xp.zeros(ext.shape, dtype=bool)
        skip[:, 2:] = (ext[:, 2:] != self.blank) & (ext[:, 2:] != ext[:, :-2])
        return ext, states, exists, skip

    def forward(self, z):
        xp = get_array_module(z)
        batch, steps, _ = z.shape
        lp = _log_softmax(xp, z)
        ext, states, exists, skip = self._extended(xp, batch)
        emit = xp.take_along_axis(lp, xp.broadcast_to(ext[:, None, :], (batch, steps, ext.shape[1])), axis=2)
        neg_inf = z.dtype.type(-np.inf)
        alpha = xp.full((steps,) + ext.shape, neg_inf, dtype=z.dtype)
        first = xp.full(ext.shape, neg_inf, dtype=z.dtype)
        first[:, 0] = emit[:, 0, 0]
        first[:, 1] = xp.where(self.target_length > 0, emit[:, 0, 1], neg_inf)
        alpha[0] = xp.where(exists, first, neg_inf)
        for t in range(1, steps):
            prev = alpha[t - 1]
            one_back = xp.concatenate([xp.full((batch, 1), neg_inf, z.dtype), prev[:, :-1]], axis=1)
            two_back = xp.concatenate([xp.full((batch, 2), neg_inf, z.dtype), prev[:, :-2]], axis=1)
            new = _lse3(prev, one_back, xp.where(skip, two_back, neg_inf)) + emit[:, t]
            # Frames past a sample's output length leave its alpha as it was.
            alpha[t] = xp.where((t < self.output_length)[:, None] & exists, new, prev)
        last = alpha[xp.maximum(self.output_length - 1, 0), xp.arange(batch)]
        end = xp.take_along_axis(last, (states - 1)[:, None], axis=1)[:, 0]
        before_end = xp.take_along_axis(last, xp.maximum(states - 2, 0)[:, None], axis=1)[:, 0]
        log_likelihood = xp.where(states > 1, xp.logaddexp(end, before_end), end)
        self.alpha, self.log_probs, self.loss = alpha, lp, -log_likelihood
        return self.loss

    def backward(self, g):
        xp = get_array_module(g)
        alpha, lp = self.alpha, self.log_probs
        steps, batch, _ = alpha.shape
        ext, states, exists, skip = self._extended(xp, batch)
        emit = xp.take_along_axis(lp, xp.broadcast_to(ext[:, None, :], (batch, steps, ext.shape[1])), axis=2)
        neg_inf = lp.dtype.type(-np.inf)
        s_index = xp.arange(ext.shape[1])[None, :]
        is_end = exists & ((s_index == (states - 1)[:, None]) | (s_index == (states - 2)[:, None]))
        # skip into s + 2 is allowed from s when skip[s + 2] holds
        skip_from = xp.concatenate([skip[:, 2:], xp.zeros((batch, 2), dtype=bool)], axis=1)
        grad = xp.exp(lp)  # softmax; the occupancies are subtracted per frame below
        beta = xp.full(ext.shape, neg_inf, dtype=lp.dtype)
        log_z = -self.loss
        with np.errstate(invalid="ignore", over="ignore"):
            for t in range(steps - 1, -1, -1):
                one_on = xp.concatenate([beta[:, 1:], xp.full((batch, 1), neg_inf, lp.dtype)], axis=1)
                two_on = xp.concatenate([beta[:, 2:], xp.full((batch, 2), neg_inf, lp.dtype)], axis=1)
                carried = _lse3(beta, one_on, xp.where(skip_from, two_on, neg_inf)) + emit[:, t]
                start = xp.where(is_end, emit[:, t], neg_inf)
                at_last = (t == self.output_length - 1)[:, None]
                before = (t < self.output_length - 1)[:, None]
                beta = xp.where(at_last, start, xp.where(before & exists, carried, neg_inf))
                # occupancy of state s at frame t: alpha * beta / emission / likelihood
                occupancy = xp.exp(alpha[t] + beta - emit[:, t] - log_z[:, None])
                per_class = xp.zeros_like(grad[:, t])
                xp.add.at(per_class, (xp.repeat(xp.arange(batch), ext.shape[1]), ext.reshape(-1)),
                          occupancy.reshape(-1))
                grad[:, t] -= per_class
        grad[xp.arange(steps)[None, :] >= self.output_length[:, None]] = 0  # frames past the output length
        grad = grad * g[:, None, None]
        grad[~xp.isfinite(self.loss)] = 0  # an impossible alignment (loss inf) gives no usable gradient
        return (grad,)

    def reference(self, z):
        """The same loss from logits ``z`` (B, T, C) -> (B,) with differentiable ops: the forward recursion over
        time steps with ``logsumexp``. The double backward (create_graph=True) differentiates it. A large
        negative number stands for log 0, so that no gradient meets ``-inf - (-inf)``; an impossible alignment
        gives 0 (its first-order gradient is 0 too)."""
        xp = get_array_module(z.data)
        batch, steps, _ = z.shape
        ext, states, exists, skip = self._extended(xp, batch)
        width = ext.shape[1]
        lp = log_softmax(z, axis=-1)
        emit = take_along_axis(lp, xp.broadcast_to(ext[:, None, :], (batch, steps, width)), axis=2)
        log0 = Tensor(xp.full((batch, width), _LOG0, dtype=z.dtype), dtype=z.dtype)
        s_index = xp.arange(width)[None, :]
        starts = exists & ((s_index == 0) | ((s_index == 1) & (self.target_length > 0)[:, None]))
        alpha = where(starts, getitem(emit, (slice(None), 0)), log0)
        for t in range(1, steps):
            one_back = concatenate([getitem(log0, (slice(None), slice(0, 1))), getitem(alpha, (slice(None),
                                                                                         slice(0, -1)))], axis=1)
            two_back = concatenate([getitem(log0, (slice(None), slice(0, 2))), getitem(alpha, (slice(None),
                                                                                         slice(0, -2)))], axis=1)
            new = logsumexp(stack([alpha, one_back, where(skip, two_back, log0)]), axis=0)
            alpha = where((t < self.output_length)[:, None] & exists, new + getitem(emit, (slice(None), t)), alpha)
        end = take_along_axis(alpha, (states - 1)[:, None], axis=1)
        before_end = take_along_axis(alpha, xp.maximum(states - 2, 0)[:, None], axis=1)
        both = logsumexp(concatenate([end, before_end], axis=1), axis=1)
        log_likelihood = where(states > 1, both, getitem(end, (slice(None), 0)))
        return where(xp.isfinite(self.loss), -log_likelihood, 0.0)


def _as_ints(x, name, shape=None):
    # labels and lengths are checked on the host (an explicit copy from a device: small integer arrays)
    array = np.asarray(to_host(x.data if isinstance(x, Tensor) else x))
    if array.dtype.kind == "f":
        if not np.all(array == np.round(array)):
            raise ConfigError(f"ctc: {name} must hold integers; got non-integer values")
    elif array.dtype.kind not in "iub":
        raise ConfigError(f"ctc: {name} must hold integers; got dtype {array.dtype}")
    array = array.astype(np.int64)
    if shape is not None and array.shape != shape:
        raise ShapeError(f"ctc: {name} has shape {array.shape}; expected {shape}")
    return array


@differentiable
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC negative log-likelihood per sample (Keras' ``ops.ctc_loss``).

    Shapes: ``target`` ``(B, L)`` integer labels (entries past ``target_length`` ignored), ``output`` ``(B, T, C)``
    logits (log-softmax is applied here), ``target_length`` and ``output_length`` ``(B,)`` -> ``(B,)``.
    ``mask_index`` is the blank class. An alignment that cannot exist (target too long for its frames) gives
    ``inf``, as in Keras and PyTorch.
    """
    output = as_tensor(output)
    if output.ndim != 3:
        raise ShapeError(f"ctc_loss: output must have shape (batch_size, max_length, num_classes); got "
                         f"{output.shape}")
    batch, steps, classes = output.shape
    labels = _as_ints(target, "target")
    if labels.ndim != 2 or labels.shape[0] != batch:
        raise ShapeError(f"ctc_loss: target must have shape ({batch}, max_label_length); got {labels.shape}")
    target_length = _as_ints(target_length, "target_length", (batch,))
    output_length = _as_ints(output_length, "output_length", (batch,))
    if not 0 <= mask_index < classes:
        raise ConfigError(f"ctc_loss: mask_index must be a class id in 0..{classes - 1}; got {mask_index}")
    if target_length.size and (target_length.min() < 0 or target_length.max() > labels.shape[1]):
        raise ShapeError(f"ctc_loss: target_length must lie in 0..{labels.shape[1]}; got {target_length.tolist()}")
    if output_length.size and (output_length.min() < 1 or output_length.max() > steps):
        raise ShapeError(f"ctc_loss: output_length must lie in 1..{steps}; got {output_length.tolist()}")
    used = np.arange(labels.shape[1])[None, :] < target_length[:, None]
    if used.any() and (labels[used].min() < 0 or labels[used].max() >= classes):
        raise ConfigError(f"ctc_loss: target labels must be class ids in 0..{classes - 1}; got "
                          f"{int(labels[used].min())}..{int(labels[used].max())}")
    xp = get_array_module(output.data)
    return CTCLoss(xp.asarray(labels), xp.asarray(target_length), xp.asarray(output_length),
                   int(mask_index)).apply(output)


def _greedy(logits, lengths, merge_repeated, blank):
    batch, steps, _ = logits.shape
    best = logits.argmax(axis=-1)
    score = logits.max(axis=-1)
    beyond = np.arange(steps)[None, :] >= lengths[:, None]
    best = np.where(beyond, blank, best)
    score = np.where(beyond, 0.0, score).astype(logits.dtype)
    if merge_repeated:
        repeat = np.zeros_like(beyond)
        repeat[:, 1:] = best[:, 1:] == best[:, :-1]
        best = np.where(repeat, blank, best)
    dropped = best == blank
    # Kept labels first, in order; -1 fills the rest (a stable sort on "dropped").
    order = np.argsort(dropped, axis=1, kind="stable")
    decoded = np.take_along_axis(np.where(dropped, -1, best), order, axis=1)
    return decoded[None].astype(np.int32), -score.sum(axis=1, keepdims=True)


def _beam_one(lp, length, beam_width, top_paths, blank):
    """Prefix beam search over one sample's log-probabilities ``(T, C)``: ``[(prefix, log p)]`` best first."""
    beams = {(): (0.0, -np.inf)}  # prefix -> (log p ending in blank, log p ending in a label)
    classes = lp.shape[1]
    for t in range(length):
        frame = lp[t]
        grown: dict = {}

        def add(prefix, blank_p, label_p):
            old_b, old_l = grown.get(prefix, (-np.inf, -np.inf))
            grown[prefix] = (np.logaddexp(old_b, blank_p), np.logaddexp(old_l, label_p))

        for prefix, (p_b, p_l) in beams.items():
            total = np.logaddexp(p_b, p_l)
            add(prefix, total + frame[blank], -np.inf)
            for c in range(classes):
                if c == blank:
                    continue
                if prefix and prefix[-1] == c:
                    add(prefix, -np.inf, p_l + frame[c])  # a repeat without a blank between merges
                    add(prefix + (c,), -np.inf, p_b + frame[c])
                else:
                    add(prefix + (c,), -np.inf, total + frame[c])
        ranked = sorted(grown.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = dict(ranked[:beam_width])
    ranked = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))[:top_paths]
    return [(prefix, float(np.logaddexp(*scores))) for prefix, scores in ranked]


@not_differentiable
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode CTC outputs (Keras' ``ops.ctc_decode``).

    Shapes: ``inputs`` ``(B, T, C)`` logits, ``sequence_lengths`` ``(B,)`` -> ``(decoded, scores)``:
    ``greedy``: decoded ``(1, B, T)`` (labels first, ``-1`` after), scores ``(B, 1)`` = minus the sum of the chosen
    logits; ``beam_search``: decoded ``(top_paths, B, T)``, scores ``(B, top_paths)`` log-probabilities of each
    labelling (prefix beam search over the log-softmax; a Python loop over the batch and the time steps).
    """
    # decoding (Python loops over the batch and the frames) runs on the host: one explicit copy from a device
    logits = np.asarray(to_host(inputs.data if isinstance(inputs, Tensor) else inputs))
    if logits.ndim != 3:
        raise ShapeError(f"ctc_decode: inputs must have shape (batch_size, max_length, num_classes); got "
                         f"{logits.shape}")
    if logits.dtype.kind != "f" or logits.dtype.itemsize < 4:
        logits = logits.astype(np.float32)
    batch, steps, classes = logits.shape
    lengths = _as_ints(sequence_lengths, "sequence_lengths", (batch,))
    if not 0 <= mask_index < classes:
        raise ConfigError(f"ctc_decode: mask_index must be a class id in 0..{classes - 1}; got {mask_index}")
    if strategy == "greedy":
        decoded, scores = _greedy(logits, lengths, merge_repeated, mask_index)
        return Tensor(decoded), Tensor(scores)
    if strategy != "beam_search":
        raise ConfigError(f"ctc_decode: strategy must be 'greedy' or 'beam_search'; got {strategy!r}")
    if beam_width < 1 or top_paths < 1 or top_paths > beam_width:
        raise ConfigError(f"ctc_decode: need 1 <= top_paths <= beam_width; got top_paths={top_paths}, "
                          f"beam_width={beam_width}")
    lp = _log_softmax(np, logits)
    decoded = np.full((top_paths, batch, steps), -1, dtype=np.int32)
    scores = np.full((batch, top_paths), -np.inf, dtype=logits.dtype)
    for b in range(batch):
        for k, (prefix, score) in enumerate(_beam_one(lp[b], int(lengths[b]), beam_width, top_paths, mask_index)):
            decoded[k, b, :len(prefix)] = prefix
            scores[b, k] = score
    return Tensor(decoded), Tensor(scores)


__all__ = ["ctc_loss", "ctc_decode"]
