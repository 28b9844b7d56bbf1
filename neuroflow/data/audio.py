"""``audio_dataset_from_directory`` (Keras' signature): ``.wav`` files in one subfolder per class, read with the
standard library's ``wave`` module, as a :class:`~neuroflow.data.Dataset` of ``(audio, labels)`` batches.

Samples are decoded as TensorFlow's ``decode_wav`` does: PCM integers scaled to float32 in [-1, 1) (8-bit
unsigned ``(v - 128) / 128``, 16/24/32-bit signed ``v / 2**(bits - 1)``), shape ``(samples, channels)``.
"""
from __future__ import annotations

import wave

import numpy as np

from .. import _validate as check
from ..errors import ConfigError, DataError
from ..ops.image_scale import scale_and_translate
from .directory import check_split, labelled_files, split_and_batch


def read_wav(path):
    """``(audio float32 (samples, channels) in [-1, 1), sampling rate)`` of a PCM ``.wav`` file."""
    try:
        with wave.open(str(path), "rb") as f:
            width, channels, rate = f.getsampwidth(), f.getnchannels(), f.getframerate()
            raw = f.readframes(f.getnframes())
    except (wave.Error, EOFError) as err:
        raise DataError(f"audio_dataset_from_directory: cannot read {path!r} as a PCM .wav file: {err}") from None
    if width == 1:
        values = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 3:  # 24-bit: widen each little-endian triple to int32 (its top byte carries the sign)
        triples = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        ints = (triples[:, 0].astype(np.int32) | (triples[:, 1].astype(np.int32) << 8)
                | (triples[:, 2].astype(np.int8).astype(np.int32) << 16))
        values = ints.astype(np.float32) / 2.0 ** 23
    elif width in (2, 4):
        values = np.frombuffer(raw, f"<i{width}").astype(np.float32) / 2.0 ** (8 * width - 1)
    else:
        raise DataError(f"audio_dataset_from_directory: {path!r} has {8 * width}-bit samples; expected 8, 16, 24 or "
                        f"32-bit PCM")
    return values.reshape(-1, channels), rate


def _resampled(audio, rate_in: int, rate_out: int):
    """Linear resampling along time (antialiased when lowering the rate). Shapes: (n, c) -> (round(n * ratio), c)."""
    if rate_in == rate_out:
        return audio
    ratio = rate_out / rate_in
    n_out = max(int(round(audio.shape[0] * ratio)), 1)
    return scale_and_translate(audio, (n_out, audio.shape[1]), [ratio], [0.0], (0,), "linear").numpy()


def _fit_length(audio, length):
    """Cut or zero-pad to ``length`` samples (TensorFlow's ``desired_samples``)."""
    if length is None or audio.shape[0] == length:
        return audio
    if audio.shape[0] > length:
        return audio[:length]
    return np.pad(audio, [(0, length - audio.shape[0]), (0, 0)])


def _batcher(ragged: bool):
    def batch(items):
        items = list(items)
        if ragged:
            return items
        longest = max(a.shape[0] for a in items)  # padded to the longest of the batch (Keras' padded_batch)
        return np.stack([_fit_length(a, longest) for a in items])
    return batch


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                 sampling_rate=None, output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None, follow_links=False, verbose=True):
    """A Dataset of ``(audio, labels)`` batches from the ``.wav`` files below ``directory`` (Keras semantics).

    Labels and splitting as ``text_dataset_from_directory``: ``labels="inferred"`` (one subfolder per class), a list
    (one label per file in sorted path order) or None; ``label_mode`` ``'int'`` (int32 (batch,)),
    ``'categorical'`` (float32 (batch, classes)), ``'binary'`` (float32 (batch, 1)) or None (audio only);
    ``validation_split`` with ``subset`` ``'training'``/``'validation'``/``'both'`` (a seed when shuffling).

    Audio: float32 (batch, samples, channels). ``output_sequence_length`` cuts or zero-pads every file to that
    length; otherwise each batch is zero-padded to its longest file, or with ``ragged=True`` a batch is a list of
    (samples_i, channels) arrays. ``sampling_rate`` resamples each file to that rate (linear interpolation,
    antialiased when lowering it). ``batch_size=None`` yields single files. The dataset has ``class_names``.
    """
    where = "audio_dataset_from_directory"
    check_split(validation_split, subset, shuffle, seed, label_mode, where)
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ConfigError(f"{where}: labels must be 'inferred', None or a list of ints (one per file), got "
                          f"{check.describe(labels)}")
    if ragged and output_sequence_length is not None:
        raise ConfigError(f"{where}: ragged=True and output_sequence_length={output_sequence_length} exclude each "
                          f"other")
    sampling_rate = check.positive_int(sampling_rate, where, "sampling_rate", allow_none=True)
    output_sequence_length = check.positive_int(output_sequence_length, where, "output_sequence_length",
                                                allow_none=True)
    batch_size = check.positive_int(batch_size, where, "batch_size", allow_none=True)
    if labels is None:
        label_mode = None
    paths, y, names = labelled_files(directory, labels, label_mode, class_names, (".wav",), follow_links, where)
    clips = np.empty(len(paths), dtype=object)
    for i, path in enumerate(paths):
        audio, rate = read_wav(path)
        if sampling_rate is not None:
            audio = _resampled(audio, rate, sampling_rate)
        clips[i] = _fit_length(audio, output_sequence_length)
    channels = {c.shape[1] for c in clips}
    if len(channels) > 1:
        raise DataError(f"{where}: the files have different numbers of channels {sorted(channels)}; one batch needs "
                        f"one channel count")
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(names or [])} classes.")
    return split_and_batch(clips, y, names, label_mode, batch_size, shuffle, seed, validation_split, subset,
                           batch_map=_batcher(ragged))


__all__ = ["audio_dataset_from_directory", "read_wav"]
