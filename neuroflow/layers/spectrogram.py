"""Audio front ends with Keras 3's signatures and defaults: ``STFTSpectrogram`` (a trainable 1-D convolution whose
initial kernels compute the short-time Fourier transform) and ``MelSpectrogram`` (a fixed preprocessing step:
``ops.stft``, power, HTK mel filter bank, decibels)."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _validate as check, initializers as nf_initializers, ops
from ..autograd.tensor import Tensor, as_tensor
from ..backend import get_array_module
from ..errors import ConfigError, DTypeError, ShapeError
from ..ops.conv import resolve_padding
from ..registry import register_builtin
from .base import Layer
from .conv import data_format_of

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


@register_builtin
class STFTSpectrogram(Layer):
    """Spectrogram of each channel of a signal, computed as Keras does: a strided convolution with one filter per
    frequency bin (weights ``real_kernel``/``imag_kernel`` (frame_length, 1, fft_length // 2 + 1), initialised
    by ``initializers.STFT`` and trainable).

    Shapes (channels_last): (batch, time, channels) -> (batch, frames, channels * bins), or with ``expand_dims``
    (batch, frames, bins, channels); channels_first: (batch, channels, time) -> (batch, channels * bins, frames)
    or (batch, channels, frames, bins). ``bins = fft_length // 2 + 1`` (twice that for ``mode='stft'``: real
    parts then imaginary ones); ``frames`` as a convolution with ``padding`` and stride ``frame_step``.

    Args: ``mode`` (``'log'`` log-magnitude, ``'magnitude'``, ``'psd'`` (one-sided power), ``'real'``,
    ``'imag'``, ``'angle'``, ``'stft'``), ``frame_length=256``, ``frame_step`` (default ``frame_length // 2``),
    ``fft_length`` (default: the next power of two), ``window`` (``'hann'``, ``'hamming'``, ``'boxcar'``,
    ``'bartlett'``, ``'blackman'``, an array or None), ``periodic``, ``scaling`` (``'density'``, ``'spectrum'``,
    None), ``padding`` (``'valid'``/``'same'``), ``expand_dims``, ``data_format``.
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None, window="hann", periodic=False,
                 scaling="density", padding="valid", expand_dims=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"STFTSpectrogram {self.name!r}"
        self.mode = check.one_of(mode, who, "mode", _MODES)
        self.frame_length = check.positive_int(frame_length, who, "frame_length")
        self.frame_step = check.integer(frame_step, who, "frame_step", minimum=1, maximum=self.frame_length,
                                        allow_none=True)
        self.fft_length = check.integer(fft_length, who, "fft_length", minimum=self.frame_length, allow_none=True)
        if fft_length is not None and fft_length & (fft_length - 1):
            warnings.warn(f"{who}: fft_length is best a power of two, got {fft_length}", stacklevel=2)
        self.window = window if isinstance(window, (str, type(None))) else np.asarray(window).tolist()
        self.periodic = check.boolean(periodic, who, "periodic")
        self.scaling = check.one_of(scaling, who, "scaling", ("density", "spectrum"), allow_none=True)
        self.padding = check.one_of(padding, who, "padding", ("valid", "same"))
        self.expand_dims = check.boolean(expand_dims, who, "expand_dims")
        self.data_format = data_format_of(self, data_format)
        self._frame_step = self.frame_step or self.frame_length // 2
        self._fft_length = self.fft_length or 2 ** int(math.ceil(math.log2(self.frame_length)))
        for side in ("real", "imag"):  # an unknown window fails here, not at build
            nf_initializers.STFT(side, self.window, self.scaling, self.periodic)

    def build(self, input_shape):
        if len(input_shape) != 3:
            raise ShapeError(f"{self._who}: expects (batch, time, channels) (data_format={self.data_format!r}), got "
                             f"shape {tuple(input_shape)}")
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if self.mode != {"real": "imag", "imag": "real"}.get(side):
                init = nf_initializers.STFT(side, self.window, self.scaling, self.periodic)
                setattr(self, f"{side}_kernel", self.add_weight(f"{side}_kernel", shape, init))
        self.built = True

    def _conv(self, x, kernel):
        """Channels-last x (batch, time, channels) -> (batch, channels, bins, frames)."""
        n, steps, channels = x.shape
        signals = ops.reshape(ops.transpose(x, (0, 2, 1)), (n * channels, steps, 1))
        y = ops.conv(signals, ops.cast(kernel, x.dtype), strides=self._frame_step, padding=self.padding)
        return ops.reshape(ops.transpose(y, (0, 2, 1)), (n, channels, y.shape[2], y.shape[1]))

    def _layout(self, y):
        """(batch, channels, bins, frames) -> this layer's output layout."""
        n, channels, bins, frames = y.shape
        if self.expand_dims:
            return ops.transpose(y, (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2))
        y = ops.reshape(y, (n, channels * bins, frames))
        return ops.transpose(y, (0, 2, 1)) if self.data_format == "channels_last" else y

    def call(self, inputs):
        x = as_tensor(inputs)
        if x.dtype.kind != "f":
            raise DTypeError(f"{self._who}: expects a float signal, got dtype {x.dtype}")
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 1))
        real = self._conv(x, self.real_kernel) if self.mode != "imag" else None
        imag = self._conv(x, self.imag_kernel) if self.mode != "real" else None
        if self.mode in ("real", "imag"):
            return self._layout(real if self.mode == "real" else imag)
        if self.mode == "angle":
            return self._layout(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._layout(ops.concatenate([real, imag], axis=2))
        power = ops.square(real) + ops.square(imag)
        if self.mode == "psd":  # one-sided: every bin but DC and Nyquist holds its negative frequency's power too
            return self._layout(power + ops.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]]))
        eps = 1e-7  # Keras' backend.epsilon(), also at the log
        magnitude = self._layout(ops.sqrt(ops.maximum(power, eps)))
        return magnitude if self.mode == "magnitude" else ops.log(ops.maximum(magnitude, eps))

    def compute_output_shape(self, input_shape):
        n = input_shape[0]
        steps, channels = (input_shape[1], input_shape[2]) if self.data_format == "channels_last" \
            else (input_shape[2], input_shape[1])
        frames = None if steps is None else resolve_padding(self.padding, (steps,), (self.frame_length,),
                                                            (self._frame_step,), (1,))[1][0]
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if self.expand_dims:
            return (n, frames, bins, channels) if self.data_format == "channels_last" else (n, channels, frames, bins)
        total = None if channels is None else channels * bins
        return (n, frames, total) if self.data_format == "channels_last" else (n, total, frames)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length, "window": self.window,
                "periodic": self.periodic, "scaling": self.scaling, "padding": self.padding,
                "expand_dims": self.expand_dims, "data_format": self.data_format}


_MEL_BREAK_HZ, _MEL_HIGH_Q = 700.0, 1127.0  # HTK's mel scale: 1127 ln(1 + f / 700)


def _hertz_to_mel(hz):
    return _MEL_HIGH_Q * np.log1p(np.asarray(hz, np.float64) / _MEL_BREAK_HZ)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0, dtype="float32"):
    """Triangular mel filters (HTK convention, as ``tf.signal.linear_to_mel_weight_matrix``): ``spectrogram @ W``
    maps linear-frequency bins over [0, sampling_rate / 2] to mel bands over [lower_edge_hertz,
    upper_edge_hertz]. Shapes: -> (num_spectrogram_bins, num_mel_bins); the DC bin's row is zero."""
    freqs = np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins)[1:]
    bins_mel = _hertz_to_mel(freqs)[:, None]
    edges = np.linspace(_hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz), num_mel_bins + 2)
    lower, center, upper = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
    weights = np.maximum(0.0, np.minimum((bins_mel - lower) / (center - lower), (upper - bins_mel) / (upper - center)))
    return np.pad(weights, [(1, 0), (0, 0)]).astype(dtype)


@register_builtin
class MelSpectrogram(Layer):
    """Mel-scaled spectrogram of raw audio (a preprocessing layer: no weights, no gradient).

    Shapes: (batch, time) -> (batch, num_mel_bins, frames), or (time,) -> (num_mel_bins, frames), with
    ``frames = 1 + time // sequence_stride`` (the STFT is centred: ``fft_length // 2`` reflected samples each side).
    Steps: ``|stft| ** mag_exp`` (Hann window of ``sequence_length`` samples, default ``fft_length``), the HTK mel
    filter bank over [min_freq, max_freq] (default max: sampling_rate / 2), and with ``power_to_db``:
    ``10 log10(max(x, min_power) / max(|ref_power|, min_power))`` floored at ``top_db`` below the largest value
    of the whole batch (Keras' rule).
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None, power_to_db=True, top_db=80.0,
                 mag_exp=2.0, min_power=1e-10, ref_power=1.0, **kwargs):
        super().__init__(**kwargs)
        who = self._who = f"MelSpectrogram {self.name!r}"
        self.fft_length = check.positive_int(fft_length, who, "fft_length")
        self.sequence_stride = check.positive_int(sequence_stride, who, "sequence_stride")
        self.sequence_length = check.integer(sequence_length or fft_length, who, "sequence_length", minimum=1,
                                             maximum=self.fft_length)
        self.window = check.one_of(window, who, "window", ("hann", "hamming"), allow_none=True)
        self.sampling_rate = check.positive_int(sampling_rate, who, "sampling_rate")
        self.num_mel_bins = check.positive_int(num_mel_bins, who, "num_mel_bins")
        self.min_freq = check.non_negative_float(min_freq, who, "min_freq")
        self.max_freq = check.positive_float(max_freq or int(sampling_rate / 2), who, "max_freq")
        if self.max_freq <= self.min_freq:
            raise ConfigError(f"{who}: max_freq ({self.max_freq}) must exceed min_freq ({self.min_freq})")
        self.power_to_db = check.boolean(power_to_db, who, "power_to_db")
        self.top_db = check.positive_float(top_db, who, "top_db")
        self.mag_exp = check.positive_float(mag_exp, who, "mag_exp")
        self.min_power = check.positive_float(min_power, who, "min_power")
        self.ref_power = check.finite_float(ref_power, who, "ref_power")

    def call(self, inputs):
        x = as_tensor(inputs)
        if x.ndim not in (1, 2):
            raise ShapeError(f"{self._who}: expects audio (batch, time) or (time,), got shape {x.shape}")
        dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        xp = get_array_module(x)  # computed where the audio lives; a fresh leaf: the layer is not differentiable
        real, imag = ops.stft(Tensor(x.data, dtype=dtype), self.sequence_length, self.sequence_stride,
                              self.fft_length, window=self.window, center=True)
        spec = xp.sqrt(real.data ** 2 + imag.data ** 2) ** self.mag_exp
        matrix = linear_to_mel_weight_matrix(self.num_mel_bins, spec.shape[-1], self.sampling_rate, self.min_freq,
                                             self.max_freq, dtype)
        mel = xp.tensordot(spec, xp.asarray(matrix), axes=1)
        if self.power_to_db:
            mel = 10.0 * xp.log10(xp.maximum(mel, self.min_power))
            mel -= 10.0 * math.log10(max(abs(self.ref_power), self.min_power))
            mel = xp.maximum(mel, mel.max() - self.top_db)
        return Tensor(xp.swapaxes(mel, -1, -2).astype(self.dtype), dtype=self.dtype)

    def compute_output_shape(self, input_shape):
        steps = input_shape[-1]
        frames = None if steps is None else 1 + steps // self.sequence_stride
        return (self.num_mel_bins, frames) if len(input_shape) == 1 else (input_shape[0], self.num_mel_bins, frames)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window, "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins, "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db, "mag_exp": self.mag_exp,
                "min_power": self.min_power, "ref_power": self.ref_power}


__all__ = ["STFTSpectrogram", "MelSpectrogram", "linear_to_mel_weight_matrix"]
