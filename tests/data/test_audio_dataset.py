"""audio_dataset_from_directory: .wav decoding (8/16/24/32-bit PCM, as TensorFlow's decode_wav scales them),
labels, padding per batch, output_sequence_length, ragged batches, resampling, validation splits, fit, errors."""
import wave

import numpy as np
import pytest

import neuroflow as nf
from neuroflow.data.audio import read_wav
from neuroflow.errors import ConfigError, DataError
from neuroflow.utils import audio_dataset_from_directory


def _write(path, ints, width, rate=8000, channels=1):
    raw = ints.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes() if width == 3 else \
        ints.astype({1: np.uint8, 2: "<i2", 4: "<i4"}[width]).tobytes()
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(raw)


@pytest.fixture
def tree(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "cat").mkdir()
    (tmp_path / "dog").mkdir()
    for i, n in enumerate((100, 150, 80)):
        _write(tmp_path / "cat" / f"{i}.wav", rng.integers(-30000, 30000, n), 2)
    for i, n in enumerate((120, 60)):
        _write(tmp_path / "dog" / f"{i}.wav", rng.integers(-30000, 30000, n), 2)
    (tmp_path / "dog" / "notes.txt").write_text("not audio")
    return tmp_path


@pytest.mark.parametrize("width, ints, expected", [
    (1, np.array([0, 128, 255]), [-1.0, 0.0, 127 / 128]),
    (2, np.array([-32768, 0, 16384]), [-1.0, 0.0, 0.5]),
    (3, np.array([-2 ** 23, -1, 2 ** 22]), [-1.0, -1 / 2 ** 23, 0.5]),
    (4, np.array([-2 ** 31, 2 ** 30, 0]), [-1.0, 0.5, 0.0]),
])
def test_read_wav_scales_as_decode_wav(tmp_path, width, ints, expected):
    _write(tmp_path / "a.wav", ints, width, rate=16000)
    audio, rate = read_wav(tmp_path / "a.wav")
    assert rate == 16000 and audio.dtype == np.float32 and audio.shape == (3, 1)
    np.testing.assert_allclose(audio[:, 0], expected, rtol=1e-6)


def test_stereo_frames_become_channels(tmp_path):
    _write(tmp_path / "s.wav", np.array([1, -1, 2, -2, 3, -3]) * 1024, 2, channels=2)
    audio, _ = read_wav(tmp_path / "s.wav")
    np.testing.assert_allclose(audio * 32, [[1, -1], [2, -2], [3, -3]])


def test_batches_are_padded_to_their_longest_file(tree, capsys):
    ds = audio_dataset_from_directory(tree, batch_size=2, shuffle=False)
    assert "Found 5 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["cat", "dog"]
    batches = list(ds)
    assert [x.shape for x, _ in batches] == [(2, 150, 1), (2, 120, 1), (1, 60, 1)]
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), [0, 0, 0, 1, 1])
    assert batches[0][1].dtype == np.int32
    first, _ = read_wav(tree / "cat" / "0.wav")
    np.testing.assert_array_equal(batches[0][0][0, :100], first)
    assert not batches[0][0][0, 100:].any()  # zero padding


def test_output_length_ragged_and_resampling(tree):
    x, y = next(iter(audio_dataset_from_directory(tree, batch_size=8, output_sequence_length=90, shuffle=False,
                                                  label_mode="categorical", verbose=False)))
    assert x.shape == (5, 90, 1) and y.shape == (5, 2) and y.dtype == np.float32
    ragged, _ = next(iter(audio_dataset_from_directory(tree, batch_size=8, ragged=True, shuffle=False,
                                                       verbose=False)))
    assert [a.shape[0] for a in ragged] == [100, 150, 80, 120, 60]
    half, _ = next(iter(audio_dataset_from_directory(tree, batch_size=8, sampling_rate=4000, ragged=True,
                                                     shuffle=False, verbose=False)))
    assert [a.shape[0] for a in half] == [50, 75, 40, 60, 30]


def test_resampling_keeps_a_ramp_a_ramp(tmp_path):
    (tmp_path / "a").mkdir()
    _write(tmp_path / "a" / "ramp.wav", np.arange(0, 100) * 256, 2, rate=8000)
    x, _ = next(iter(audio_dataset_from_directory(tmp_path, sampling_rate=4000, shuffle=False, verbose=False)))
    # output sample j (half-pixel centres) sits at input position 2j + 0.5; a symmetric kernel keeps a line
    np.testing.assert_allclose(x[0, 1:-1, 0] * 128, 2 * np.arange(1, 49) + 0.5, rtol=1e-5)


def test_split_unbatched_and_no_labels(tree):
    train, val = audio_dataset_from_directory(tree, validation_split=0.4, subset="both", seed=3, batch_size=None,
                                              verbose=False)
    assert len(list(train)) == 3 and len(list(val)) == 2
    x, y = next(iter(train))
    assert x.ndim == 2 and np.asarray(y).ndim == 0
    only = list(audio_dataset_from_directory(tree, labels=None, batch_size=5, verbose=False))
    assert len(only) == 1 and only[0].shape == (5, 150, 1)


def test_fit_on_the_dataset(tree):
    ds = audio_dataset_from_directory(tree, batch_size=2, output_sequence_length=64, seed=0, verbose=False)
    model = nf.models.Sequential([nf.layers.Input((64, 1)), nf.layers.Flatten(), nf.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(ds, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_errors(tree, tmp_path):
    with pytest.raises(ConfigError, match="ragged"):
        audio_dataset_from_directory(tree, ragged=True, output_sequence_length=10)
    with pytest.raises(ConfigError, match="sampling_rate"):
        audio_dataset_from_directory(tree, sampling_rate=0)
    with pytest.raises(ConfigError, match="label_mode"):
        audio_dataset_from_directory(tree, label_mode="sparse")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="subfolders"):
        audio_dataset_from_directory(tmp_path / "empty")
    (tree / "dog" / "bad.wav").write_bytes(b"RIFF0000WAVEjunk")
    with pytest.raises(DataError, match="bad.wav"):
        audio_dataset_from_directory(tree, verbose=False)
