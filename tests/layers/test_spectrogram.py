"""STFTSpectrogram and MelSpectrogram: Keras parity over modes, paddings, layouts and windows; the mel matrix
against Keras'; the shared layer checks; gradients through STFTSpectrogram; argument errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.backends import strict
from neuroflow.errors import ConfigError, ShapeError
from neuroflow.layers.spectrogram import linear_to_mel_weight_matrix
from tests.conftest import host

from ..keras_oracle import keras
from .layer_check import check_layer

RNG = np.random.default_rng(0)
SIGNAL = RNG.standard_normal((2, 300, 2)).astype(np.float32)
AUDIO = RNG.standard_normal((2, 4000)).astype(np.float32)

STFT_CASES = [
    {},
    {"mode": "magnitude", "frame_length": 64, "frame_step": 16},
    {"mode": "psd", "padding": "same", "expand_dims": True},
    {"mode": "real", "frame_length": 50, "fft_length": 64, "scaling": "spectrum"},
    {"mode": "imag", "frame_length": 32, "window": "boxcar", "data_format": "channels_first", "expand_dims": True},
    {"mode": "stft", "data_format": "channels_first", "frame_length": 64, "fft_length": 128, "frame_step": 32,
     "window": "hamming", "periodic": True, "scaling": None},
    {"mode": "angle", "frame_length": 100, "window": "blackman"},
]


@pytest.mark.parametrize("kwargs", STFT_CASES, ids=[str(i) for i in range(len(STFT_CASES))])
def test_stft_spectrogram_matches_keras(kwargs):
    k = keras()
    x = SIGNAL.transpose(0, 2, 1) if kwargs.get("data_format") == "channels_first" else SIGNAL
    ours, theirs = layers.STFTSpectrogram(**kwargs), k.layers.STFTSpectrogram(**kwargs)
    mine, ref = ours(x).numpy(), k.ops.convert_to_numpy(theirs(x))
    assert mine.shape == ref.shape == tuple(ours.compute_output_shape(x.shape))
    if kwargs.get("mode") == "angle":  # arctan2 near the negative real axis may land on either side of +-pi
        mine, ref = np.exp(1j * mine), np.exp(1j * ref)
    np.testing.assert_allclose(mine, ref, rtol=1e-4, atol=1e-3 * max(1.0, np.abs(ref).max()) * 1e-1)


@pytest.mark.parametrize("kwargs", [{}, {"fft_length": 512, "sequence_stride": 128, "sequence_length": 400,
                                         "num_mel_bins": 40, "max_freq": 6000.0, "power_to_db": False,
                                         "mag_exp": 1.0, "window": "hamming", "min_freq": 100.0},
                                    {"fft_length": 256, "sequence_stride": 100, "top_db": 20.0, "ref_power": 10.0}])
def test_mel_spectrogram_matches_keras(kwargs):
    k = keras()
    ours, theirs = layers.MelSpectrogram(**kwargs), k.layers.MelSpectrogram(**kwargs)
    mine, ref = ours(AUDIO).numpy(), k.ops.convert_to_numpy(theirs(AUDIO))
    assert mine.shape == ref.shape == tuple(ours.compute_output_shape(AUDIO.shape))
    np.testing.assert_allclose(mine, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    one = ours(AUDIO[0]).numpy()  # an unbatched signal
    assert one.shape == mine.shape[1:]


def test_mel_matrix_matches_keras():
    k = keras()
    theirs = k.layers.MelSpectrogram().linear_to_mel_weight_matrix(num_mel_bins=30, num_spectrogram_bins=257,
                                                                   sampling_rate=22050, lower_edge_hertz=50.0,
                                                                   upper_edge_hertz=9000.0)
    ours = linear_to_mel_weight_matrix(30, 257, 22050, 50.0, 9000.0)
    np.testing.assert_allclose(ours, k.ops.convert_to_numpy(theirs), atol=1e-4)  # Keras computes in float32
    assert ours.shape == (257, 30) and not ours[0].any()


def test_stft_spectrogram_layer_checks(tmp_path):
    check_layer(lambda: layers.STFTSpectrogram(mode="magnitude", frame_length=16, frame_step=8), (2, 64, 1),
                expected_output_shape=(2, 7, 9), trainable_weights=2, tmp_path=tmp_path)
    check_layer(lambda: layers.STFTSpectrogram(mode="real", frame_length=16, expand_dims=True), (2, 64, 3),
                expected_output_shape=(2, 7, 9, 3), trainable_weights=1, tmp_path=tmp_path)


def test_mel_spectrogram_layer_checks(tmp_path):
    check_layer(lambda: layers.MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=8), (2, 256),
                expected_output_shape=(2, 8, 9), tmp_path=tmp_path)


def test_stft_spectrogram_kernels_learn():
    layer = layers.STFTSpectrogram(mode="log", frame_length=16, frame_step=8)
    x = nf.Tensor(SIGNAL[:, :64, :1], requires_grad=True)
    nf.ops.sum(layer(x)).backward()
    assert x.grad is not None and np.abs(host(x.grad)).sum() > 0
    assert all(w.grad is not None and np.isfinite(host(w.grad)).all() for w in layer.trainable_weights)


def test_errors_name_the_argument():
    with pytest.raises(ConfigError, match="mode"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(ConfigError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=16, frame_step=32)
    with pytest.raises(ConfigError, match="fft_length"):
        layers.STFTSpectrogram(frame_length=64, fft_length=32)
    with pytest.raises(ConfigError, match="window"):
        layers.STFTSpectrogram(window="kaiser")
    with pytest.raises(ShapeError, match="STFTSpectrogram"):
        layers.STFTSpectrogram()(np.zeros((2, 300), np.float32))
    with pytest.raises(ConfigError, match="sequence_length"):
        layers.MelSpectrogram(fft_length=256, sequence_length=512)
    with pytest.raises(ShapeError, match="MelSpectrogram"):
        layers.MelSpectrogram()(np.zeros((2, 3, 300), np.float32))


def test_mel_spectrogram_computes_on_the_device_of_the_audio():
    layer = layers.MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=8)
    audio = np.random.default_rng(3).normal(size=(2, 256)).astype(np.float32)
    with nf.device("cpu"):
        expected = layer(audio).numpy()
    with nf.device("strict"):
        on_device = nf.Tensor(audio)
        with strict.counting() as reads:
            out = layer(on_device)
    assert reads.count == 0 and nf.backend.device_of(out) == "strict"  # nothing read back to the host
    np.testing.assert_allclose(nf.backend.to_host(out.data), expected, rtol=1e-6, atol=1e-5)
