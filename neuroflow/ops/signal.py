"""Signal processing and segment reductions (Keras' ``ops.math``): FFTs on ``(real, imag)`` pairs, STFT and its
inverse, sliding windows (``extract_sequences``), and ``segment_sum``/``max``/``min``/``prod``.

neuroflow's tensors are real, so complex values travel as Keras passes them: a tuple ``(real, imag)``. The FFTs
have no gradient here; ``extract_sequences`` (a gather) and ``segment_sum`` (a scatter-add) do.
"""
from __future__ import annotations

from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module, is_host
from ..errors import ConfigError, ShapeError
from ._registry import differentiable, not_differentiable
from .arrays import ScatterAdd, _index_array
from .index import getitem


def _const(arr, dtype=None):
    arr = get_array_module().asarray(arr)
    if dtype is not None:
        arr = arr.astype(dtype)
    return Tensor(arr, dtype=arr.dtype)


def _complex(x, who):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ConfigError(f"{who}: expected a tuple (real, imag) of two tensors, got {type(x).__name__}")
    re, im = (as_tensor(v) for v in x)
    if re.shape != im.shape:
        raise ShapeError(f"{who}: real {re.shape} and imag {im.shape} parts must have the same shape")
    return re.data + 1j * im.data, re.dtype


def _pair(z, dtype):
    return _const(z.real, dtype), _const(z.imag, dtype)


@not_differentiable
def fft(x):
    """FFT along the last axis of ``(real, imag)``. Shapes: ``(..., n)`` pairs -> same."""
    z, dt = _complex(x, "fft")
    return _pair(get_array_module().fft.fft(z, axis=-1), dt)


@not_differentiable
def fft2(x):
    """2-D FFT over the last two axes of ``(real, imag)``. Shapes: ``(..., m, n)`` pairs -> same."""
    z, dt = _complex(x, "fft2")
    return _pair(get_array_module().fft.fft2(z, axes=(-2, -1)), dt)


@not_differentiable
def ifft2(x):
    """Inverse 2-D FFT over the last two axes of ``(real, imag)``. Shapes: ``(..., m, n)`` pairs -> same."""
    z, dt = _complex(x, "ifft2")
    return _pair(get_array_module().fft.ifft2(z, axes=(-2, -1)), dt)


@not_differentiable
def rfft(x, fft_length=None):
    """FFT of a real signal along its last axis. Shapes: ``(..., n)`` -> pair of ``(..., fft_length // 2 + 1)``."""
    x = as_tensor(x)
    return _pair(get_array_module(x).fft.rfft(x.data, n=fft_length, axis=-1), x.dtype)


@not_differentiable
def irfft(x, fft_length=None):
    """Inverse of :func:`rfft`. Shapes: pair of ``(..., m)`` -> ``(..., fft_length or 2 (m - 1))``."""
    z, dt = _complex(x, "irfft")
    return _const(get_array_module().fft.irfft(z, n=fft_length, axis=-1), dt)


def _window(window, n, dtype):
    xp = get_array_module()
    if window is None:
        return xp.ones(n, dtype)
    if isinstance(window, str):
        if window in ("hann", "hanning"):
            return (0.5 - 0.5 * xp.cos(2 * xp.pi * xp.arange(n) / n)).astype(dtype)  # periodic, as Keras
        if window == "hamming":
            return (0.54 - 0.46 * xp.cos(2 * xp.pi * xp.arange(n) / n)).astype(dtype)
        raise ConfigError(f"stft: window must be 'hann', 'hamming', None or an array, got {window!r}")
    w = as_tensor(window).data
    if w.shape != (n,):
        raise ShapeError(f"stft: window of shape {w.shape} for sequence_length {n}")
    return w.astype(dtype)


def _frames(xp, x, length, stride):
    n = 1 + (x.shape[-1] - length) // stride
    if n < 1:
        raise ShapeError(f"extract_sequences: a last axis of {x.shape[-1]} is shorter than sequence_length {length}")
    return xp.arange(n)[:, None] * stride + xp.arange(length)[None, :]


@differentiable
def extract_sequences(x, sequence_length, sequence_stride):
    """Windows of ``sequence_length`` every ``sequence_stride`` along the last axis.
    Shapes: ``(..., n)`` -> ``(..., num_sequences, sequence_length)``."""
    x = as_tensor(x)
    idx = _frames(get_array_module(), x, int(sequence_length), int(sequence_stride))
    return getitem(x, (Ellipsis, idx))


def _padded_window(window, sequence_length, fft_length, dtype):
    lpad = (fft_length - sequence_length) // 2
    w = _window(window, sequence_length, dtype)
    return get_array_module().pad(w, (lpad, fft_length - sequence_length - lpad))


@not_differentiable
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis: frames of ``fft_length`` every ``sequence_stride``,
    each multiplied by the ``sequence_length`` window centred in it. Shapes: ``(..., n)`` -> pair of
    ``(..., frames, fft_length // 2 + 1)``."""
    xp = get_array_module()
    x = as_tensor(x)
    if fft_length < sequence_length:
        raise ConfigError(f"stft: fft_length ({fft_length}) must be >= sequence_length ({sequence_length})")
    data = x.data
    if center:
        data = xp.pad(data, [(0, 0)] * (data.ndim - 1) + [(fft_length // 2, fft_length // 2)], mode="reflect")
    frames = data[..., _frames(xp, data, int(fft_length), int(sequence_stride))]
    w = _padded_window(window, int(sequence_length), int(fft_length), data.dtype)
    return _pair(xp.fft.rfft(frames * w, n=fft_length, axis=-1), x.dtype)


@not_differentiable
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse of :func:`stft` by weighted overlap-add. Shapes: pair of ``(..., frames, bins)`` -> ``(..., n)``."""
    xp = get_array_module()
    z, dt = _complex(x, "istft")
    frames = xp.fft.irfft(z, n=fft_length, axis=-1)
    w = _padded_window(window, int(sequence_length), int(fft_length), frames.dtype)
    n_frames = frames.shape[-2]
    total = (n_frames - 1) * sequence_stride + fft_length
    out = xp.zeros(frames.shape[:-2] + (total,), frames.dtype)
    norm = xp.zeros(total, frames.dtype)
    for i in range(n_frames):  # one vectorised add per frame (frames, not samples)
        s = i * sequence_stride
        out[..., s:s + fft_length] += frames[..., i, :] * w
        norm[s:s + fft_length] += w * w
    out = out / xp.where(norm > 1e-10, norm, 1)
    start = fft_length // 2 if center else 0
    if length is not None:
        out = out[..., start:start + int(length)]
    elif center:
        out = out[..., start:total - fft_length // 2]
    return _const(out, dt)


def _segments(segment_ids, num_segments, n, who):
    ids = _index_array(segment_ids, who)
    if ids.shape != (n,):
        raise ShapeError(f"{who}: segment_ids must have shape ({n},) like data's first axis, got {ids.shape}")
    if ids.size and is_host(ids) and ids.min() < 0:
        raise ConfigError(f"{who}: segment_ids must be non-negative")
    # without num_segments the output's size is data: read on the host (one transfer on a device)
    count = int(num_segments) if num_segments is not None else (int(ids.max()) + 1 if ids.size else 0)
    if ids.size and is_host(ids) and ids.max() >= count:
        raise ConfigError(f"{who}: a segment id {int(ids.max())} is >= num_segments={count}")
    return ids, count


@differentiable
def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002 - Keras' name
    """Sums of the rows of ``data`` that share a segment id. Shapes: ``(n, ...)``, ids ``(n,)`` ->
    ``(num_segments, ...)``."""
    x = as_tensor(data)
    ids, count = _segments(segment_ids, num_segments, x.shape[0], "segment_sum")
    return ScatterAdd((count,) + x.shape[1:], (ids,)).apply(x)


def _segment_reduce(name, ufunc, fill):
    def op(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        xp = get_array_module()
        x = as_tensor(data)
        ids, count = _segments(segment_ids, num_segments, x.shape[0], name)
        out = xp.full((count,) + x.shape[1:], fill(xp, x.dtype), x.dtype)
        getattr(xp, ufunc).at(out, ids, x.data)
        return _const(out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"The {ufunc} of the rows of ``data`` that share a segment id (no gradient yet). Shapes: "
                  f"``(n, ...)``, ids ``(n,)`` -> ``(num_segments, ...)``.")
    return not_differentiable(op)


def _lowest(xp, dt):
    return xp.finfo(dt).min if dt.kind == "f" else xp.iinfo(dt).min


def _highest(xp, dt):
    return xp.finfo(dt).max if dt.kind == "f" else xp.iinfo(dt).max


segment_max = _segment_reduce("segment_max", "maximum", _lowest)
segment_min = _segment_reduce("segment_min", "minimum", _highest)
segment_prod = _segment_reduce("segment_prod", "multiply", lambda xp, dt: 1)

__all__ = ["fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft", "extract_sequences", "segment_sum",
           "segment_max", "segment_min", "segment_prod"]
