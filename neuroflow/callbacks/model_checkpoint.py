"""ModelCheckpoint: save the model (or its weights) during training, atomically."""
from __future__ import annotations

import math
import os
import warnings

import numpy as np

from ..errors import ConfigError
from ..io.atomic import atomic_path
from ._utils import check_mode, monitor_value, resolve_direction
from .base import Callback, print_msg

__all__ = ["ModelCheckpoint"]


class ModelCheckpoint(Callback):
    """Save the model or its weights at the end of every epoch (or every ``save_freq`` batches).

    Args:
        filepath: where to save; may hold format fields filled from ``epoch`` (counted from 1), ``batch``
            (from 1, with a batch ``save_freq``) and the logs, e.g.
            ``'ckpt/model-{epoch:02d}-{val_loss:.2f}.neuroflow'``. Missing directories are created.
        monitor: the logs key compared with ``save_best_only``.
        verbose: ``1`` prints a line for each save (or skipped save).
        save_best_only: save only when ``monitor`` is better than every value before it (and than
            ``initial_value_threshold``); with a fixed ``filepath`` the file always holds the best model.
        save_weights_only: call ``model.save_weights(path)`` instead of ``model.save(path)``.
        mode: ``'min'``, ``'max'`` or ``'auto'`` (from the metric's name).
        save_freq: ``'epoch'``, or an integer: save every that many training batches.
        initial_value_threshold: the value a first ``save_best_only`` save has to beat.

    Every file is written atomically: the model writes to a hidden temporary file in the same directory
    (``.{name}.{pid}.{random}.tmp``, which no ``*.neuroflow`` pattern matches), which then replaces ``filepath``
    in one rename, so a crash or a failing save leaves the previous file intact; the next save removes the
    leftovers of a killed one. A model whose weights hold NaN or inf is never saved: the previous file stays and
    a warning says so (a diverged step must not overwrite the last good checkpoint).

    Attributes:
        best: the best monitored value so far (kept across ``fit`` calls, so that resumed training only saves a
            better model).
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq="epoch",
                 initial_value_threshold: float | None = None):
        super().__init__()
        if not (save_freq == "epoch" or (isinstance(save_freq, int) and not isinstance(save_freq, bool)
                                         and save_freq > 0)):
            raise ConfigError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive integer (batches), "
                              f"got {save_freq!r}")
        if not isinstance(filepath, (str, os.PathLike)):
            raise ConfigError(f"ModelCheckpoint: filepath must be a str or os.PathLike such as "
                              f"'model.{{epoch:02d}}.keras', got {filepath!r:.60} ({type(filepath).__name__})")
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode = check_mode(mode, type(self).__name__)  # OrbaxCheckpoint too
        self.save_freq = save_freq
        self.best = None if initial_value_threshold is None else float(initial_value_threshold)
        self._direction = None
        self._epoch = 0
        self._batches_since_save = 0

    def on_train_begin(self, logs=None):
        self._batches_since_save = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._direction is None:  # at the first epoch end, best-only or not: an unknown monitor raises (Keras)
            self._direction = resolve_direction(self.monitor, self.mode, self.model, "ModelCheckpoint")
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _format_path(self, epoch: int, batch, logs) -> str:
        fields = dict(logs or {})
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError) as e:
            raise ConfigError(f"ModelCheckpoint: cannot fill filepath {self.filepath!r}: field {e} is not "
                              f"available; available fields: {', '.join(fields)}") from None

    def _save(self, epoch: int, batch, logs) -> None:
        path = self._format_path(epoch, batch, logs)
        if self.save_best_only:
            current = monitor_value(logs, self.monitor, "ModelCheckpoint(save_best_only=True)")
            if current is None:
                return
            if self._direction is None:
                self._direction = resolve_direction(self.monitor, self.mode, self.model, "ModelCheckpoint")
            best = self.best
            if best is None:
                best = math.inf if self._direction == "min" else -math.inf
            better = current < best if self._direction == "min" else current > best
            if not better:  # (a NaN is never better)
                if self.verbose > 0:
                    print_msg(f"Epoch {epoch + 1}: {self.monitor} did not improve from {best:.5f}")
                return
            if self.verbose > 0:
                print_msg(f"Epoch {epoch + 1}: {self.monitor} improved from {best:.5f} to {current:.5f}, "
                          f"saving model to {path}")
            if self._write(path):
                self.best = current  # only once the file is safely written
        else:
            if self.verbose > 0:
                print_msg(f"Epoch {epoch + 1}: saving model to {path}")
            self._write(path)

    def _write(self, path: str) -> bool:
        if not weights_are_finite(self.model):
            warnings.warn(f"ModelCheckpoint: the model's weights hold NaN or inf; not saving to {path} (the previous "
                          f"file, if any, is kept)", RuntimeWarning, stacklevel=3)
            return False
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        save = self.model.save_weights if self.save_weights_only else self.model.save
        with atomic_path(path) as tmp:
            save(tmp)
        return True


def weights_are_finite(model) -> bool:
    """Whether every floating-point weight of ``model`` is finite (models without ``get_weights`` pass)."""
    get_weights = getattr(model, "get_weights", None)
    if get_weights is None:
        return True
    for w in get_weights():
        w = np.asarray(w)
        if w.dtype.kind in "fc" and not np.isfinite(w).all():
            return False
    return True
