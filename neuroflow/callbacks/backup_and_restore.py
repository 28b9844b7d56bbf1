"""BackupAndRestore: resume an interrupted ``fit`` from the last backup (Keras 3's callback)."""
from __future__ import annotations

import json
import os
import shutil
import warnings

from ..errors import ConfigError, SavingError
from ..io.atomic import atomic_write_bytes
from .base import Callback
from .model_checkpoint import weights_are_finite

__all__ = ["BackupAndRestore"]


class BackupAndRestore(Callback):
    """Back up the training state during ``fit`` so that a ``fit`` restarted after an interruption (a crash, a
    kill, a pre-empted machine) continues where the last backup was taken.

    Args:
        backup_dir: a folder used only by this callback. It holds ``latest.neuroflow`` (the whole model:
            weights, optimizer state, random-generator states) and ``latest_training_metadata.json`` (the epoch
            to resume at), and with ``double_checkpoint`` the previous pair (``previous.neuroflow``...).
        save_freq: ``'epoch'`` (back up after every epoch) or an integer: every that many training batches.
        delete_checkpoint: delete the backup when ``fit`` finishes normally.
        double_checkpoint: keep the previous backup too and fall back to it when the latest one cannot be read.

    At ``on_train_begin`` the weights of an existing backup are loaded into the model (as Keras does; they must
    fit the model, else a SavingError) and ``fit`` skips the epochs it had completed. Backups are written atomically;
    a model whose weights hold NaN or inf is never backed up (the last good backup stays, with a warning).
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir or not isinstance(backup_dir, (str, os.PathLike)):
            raise ConfigError(f"BackupAndRestore: backup_dir must be a non-empty path, got {backup_dir!r}")
        if not (save_freq == "epoch" or (isinstance(save_freq, int) and not isinstance(save_freq, bool)
                                         and save_freq > 0)):
            raise ConfigError(f"BackupAndRestore: save_freq must be 'epoch' or a positive integer (batches), got "
                              f"{save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = bool(delete_checkpoint)
        self.double_checkpoint = bool(double_checkpoint)
        self._epoch = 0
        self._batches_since_save = 0

    def _paths(self, which: str):
        return (os.path.join(self.backup_dir, f"{which}.neuroflow"),
                os.path.join(self.backup_dir, f"{which}_training_metadata.json"))

    # ---------------------------------------------------------------------------------------------- restore
    def on_train_begin(self, logs=None):
        self._batches_since_save = 0
        candidates = ["latest", "previous"] if self.double_checkpoint else ["latest"]
        errors = []
        for which in candidates:
            model_path, meta_path = self._paths(which)
            if not os.path.exists(model_path):
                continue
            try:
                epoch = self._restore(model_path, meta_path)
            except SavingError as err:
                errors.append(err)
                continue
            self.model._resume_epoch = epoch  # the fit loop starts at this epoch
            if errors:
                warnings.warn(f"BackupAndRestore: the latest backup could not be read ({errors[0]}); restored the "
                              f"previous one", RuntimeWarning, stacklevel=2)
            return
        if errors:
            raise errors[0]

    def _restore(self, model_path: str, meta_path: str) -> int:
        """Load the backup's weights into the model (a SavingError if they do not fit); the epoch to resume at."""
        try:
            with open(meta_path, encoding="utf-8") as f:
                meta = json.load(f)
        except (OSError, ValueError):
            raise SavingError(f"BackupAndRestore: {meta_path} is missing or not valid JSON") from None
        epoch = meta.get("epoch") if isinstance(meta, dict) else None
        if type(epoch) is not int or epoch < 0:
            raise SavingError(f"BackupAndRestore: {meta_path} field 'epoch' must be an integer >= 0, got {epoch!r:.40}")
        self.model.load_weights(model_path)
        self.model._epoch = epoch
        return epoch

    # ---------------------------------------------------------------------------------------------- back up
    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._backup(self._epoch)  # mid-epoch: a restart repeats this epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(epoch + 1)

    def _backup(self, resume_epoch: int) -> None:
        if not weights_are_finite(self.model):
            warnings.warn("BackupAndRestore: the model's weights hold NaN or inf; not backing up (the last good "
                          "backup is kept)", RuntimeWarning, stacklevel=3)
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        latest, latest_meta = self._paths("latest")
        if self.double_checkpoint and os.path.exists(latest):
            previous, previous_meta = self._paths("previous")
            os.replace(latest, previous)
            if os.path.exists(latest_meta):
                os.replace(latest_meta, previous_meta)
        self.model.save(latest)
        atomic_write_bytes(latest_meta, json.dumps({"epoch": resume_epoch}).encode())

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir, ignore_errors=True)
