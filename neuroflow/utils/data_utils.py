"""Array helpers Keras keeps in ``keras.utils``: ``to_categorical``, ``normalize``, ``pad_sequences``.

Pure NumPy on host arrays (they prepare data before it becomes a Tensor). Each follows Keras' semantics; where
Keras would silently do something surprising (negative labels wrapping around, integer input normalised in
float64), neuroflow raises a :class:`~neuroflow.errors.DataError` or keeps the default float dtype instead.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..backend import floatx
from ..errors import ConfigError, DataError


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels.

    Shapes: ``y`` (N,) or any (..., ) of ints, or (N, 1) (the trailing 1 is dropped, as in Keras) ->
    (..., num_classes) of ``dtype``. ``num_classes`` defaults to ``max(y) + 1``.

    Raises DataError for negative, non-integral or too-large labels (Keras would wrap or crash with an IndexError).
    """
    y = np.asarray(y)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise DataError(f"to_categorical: y must hold integer class labels; got non-integral values of dtype "
                            f"{y.dtype}")
    elif y.dtype.kind not in "iub":
        raise DataError(f"to_categorical: y must hold integer class labels; got dtype {y.dtype}")
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:  # Keras: a column of labels (N, 1) encodes like (N,)
        shape = shape[:-1]
    flat = y.reshape(-1).astype(np.int64)
    if flat.size and flat.min() < 0:
        raise DataError(f"to_categorical: labels must be >= 0; got min label {int(flat.min())}")
    if num_classes is None:
        num_classes = int(flat.max()) + 1 if flat.size else 0
    num_classes = int(num_classes)
    if flat.size and flat.max() >= num_classes:
        raise DataError(f"to_categorical: num_classes={num_classes} but y holds label {int(flat.max())}; labels "
                        f"must lie in [0, num_classes)")
    out = np.zeros((flat.size, num_classes), dtype=dtype)
    out[np.arange(flat.size), flat] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` so that the ``order``-norm along ``axis`` is 1 (zero vectors are left as they are).

    Shapes: ``x`` (...) -> same shape. Float input keeps its dtype; integer input becomes the default float dtype
    (float32), not float64.
    """
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(floatx())
    check.integer(axis, "normalize", "axis", -max(x.ndim, 1), max(x.ndim, 1) - 1)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1  # a zero vector stays zero instead of becoming NaN
    return x / np.expand_dims(norm, axis).astype(x.dtype, copy=False)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (or truncate) a list of variable-length sequences to one length, exactly like Keras.

    Shapes: ``sequences``: N sequences, each (L_i,) or (L_i, *S) with one common sample shape S ->
    (N, maxlen, *S) of ``dtype``. ``maxlen`` defaults to the longest L_i. ``padding``/``truncating``: ``"pre"``
    (pad / cut at the start) or ``"post"`` (at the end). ``value`` fills the padding.

    The placement is one vectorised scatter over all sequences' elements, not a loop that copies each sequence.
    """
    for name, arg in (("padding", padding), ("truncating", truncating)):
        if arg not in ("pre", "post"):
            raise ConfigError(f"pad_sequences: {name} must be 'pre' or 'post'; got {arg!r}")
    if not hasattr(sequences, "__len__"):
        raise DataError(f"pad_sequences: sequences must be a list of sequences; got {type(sequences).__name__}")
    dtype = np.dtype(dtype)
    is_str = dtype.kind in "US" or dtype == object
    if isinstance(value, str) and not is_str:
        raise ConfigError(f"pad_sequences: value={value!r} is a string but dtype={dtype} is not; pass dtype=object "
                          f"(or a string dtype) to pad with strings")
    n = len(sequences)
    try:
        lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=n)
    except TypeError as e:
        raise DataError(f"pad_sequences: every element of sequences must be a sequence ({e})") from None
    nonempty = [s for s, l in zip(sequences, lengths) if l]
    sample_shape = np.asarray(nonempty[0]).shape[1:] if nonempty else ()
    if maxlen is None:
        maxlen = int(lengths.max()) if n else 0
    if int(maxlen) < 0:
        raise ConfigError(f"pad_sequences: maxlen must be >= 0; got {maxlen}")
    maxlen = int(maxlen)
    out = np.full((n, maxlen) + tuple(sample_shape), value, dtype=dtype)
    if not nonempty or maxlen == 0:
        return out
    try:
        flat = np.concatenate([np.asarray(s, dtype=dtype) for s in nonempty])
    except (ValueError, TypeError) as e:
        bad = [np.shape(s) for s in nonempty if np.shape(s)[1:] != tuple(sample_shape)]
        if bad:
            raise DataError(f"pad_sequences: every sequence must have the sample shape {tuple(sample_shape)} of the "
                            f"first non-empty one; got a sequence of shape {bad[0]}") from None
        raise DataError(f"pad_sequences: could not convert the sequences to dtype={dtype} ({e})") from None
    if flat.shape[1:] != tuple(sample_shape):
        raise DataError(f"pad_sequences: sequences must share sample shape {tuple(sample_shape)}; got "
                        f"{flat.shape[1:]}")
    # Index arithmetic: element j of the kept part of sequence i goes to row i, column dst_i + j.
    kept = np.minimum(lengths, maxlen)
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))       # start of sequence i in `lengths` order
    total = int(kept.sum())
    rows = np.repeat(np.arange(n), kept)
    j = np.arange(total) - np.repeat(np.cumsum(kept) - kept, kept)  # position inside the kept part
    src_start = offsets + (lengths - kept if truncating == "pre" else 0)
    # `flat` holds only non-empty sequences; since empty ones contribute 0 elements, `offsets` already matches.
    dst_start = (maxlen - kept) if padding == "pre" else np.zeros_like(kept)
    out[rows, np.repeat(dst_start, kept) + j] = flat[np.repeat(src_start, kept) + j]
    return out
