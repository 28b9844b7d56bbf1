"""``OrbaxCheckpoint`` with Keras 3's arguments, writing neuroflow's atomic checkpoints (Orbax is JAX-only).

Keras' callback hands the model's state to Orbax, a JAX library, one directory per step under ``directory``.
neuroflow keeps the arguments and the layout (``directory/<step>/``, the step being the epoch index, or the number
of batches seen with an integer ``save_freq``) but writes its own files in each step's directory:
``model.neuroflow`` (the whole model with its optimizer), or ``model.weights.neuroflow`` with
``save_weights_only``. Each file is written atomically (a crash leaves the previous checkpoint whole), a model
whose weights hold NaN or inf is not saved, and only the newest ``max_to_keep`` step directories are kept (the
best ones with ``save_best_only``, since only improvements are saved). ``save_on_background`` is accepted and
the save is done in the foreground (``wait_until_finished()`` returns at once): a deliberate difference, as is
the file format, which ``neuroflow.models.load_model`` / ``model.load_weights`` read
(``latest_checkpoint(directory)`` finds the newest).
"""
from __future__ import annotations

import os
import shutil
import warnings

from ..errors import ConfigError
from ..io.atomic import atomic_path
from .model_checkpoint import ModelCheckpoint, weights_are_finite

__all__ = ["OrbaxCheckpoint", "latest_checkpoint"]

MODEL_FILE, WEIGHTS_FILE = "model.neuroflow", "model.weights.neuroflow"


class OrbaxCheckpoint(ModelCheckpoint):
    """Keras' ``OrbaxCheckpoint(directory, monitor="val_loss", verbose=0, save_best_only=False, mode="auto",
    save_freq="epoch", initial_value_threshold=None, max_to_keep=1, save_on_background=True,
    save_weights_only=False)``; see the module docstring."""

    def __init__(self, directory, monitor="val_loss", verbose=0, save_best_only=False, mode="auto",
                 save_freq="epoch", initial_value_threshold=None, max_to_keep=1, save_on_background=True,
                 save_weights_only=False):
        if max_to_keep is not None and (isinstance(max_to_keep, bool) or not isinstance(max_to_keep, int)
                                        or max_to_keep < 1):
            raise ConfigError(f"OrbaxCheckpoint: max_to_keep must be a positive integer or None, got {max_to_keep!r}")
        name = WEIGHTS_FILE if save_weights_only else MODEL_FILE
        super().__init__(os.path.join(os.fspath(directory), "{step}", name), monitor=monitor, verbose=verbose,
                         save_best_only=save_best_only, save_weights_only=save_weights_only, mode=mode,
                         save_freq=save_freq, initial_value_threshold=initial_value_threshold)
        self.directory = os.fspath(directory)
        self.max_to_keep, self.save_on_background = max_to_keep, bool(save_on_background)
        self._batches_seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches_seen += 1
        super().on_train_batch_end(batch, logs)

    def _format_path(self, epoch, batch, logs):
        step = epoch if self.save_freq == "epoch" else self._batches_seen
        return os.path.join(self.directory, str(step), os.path.basename(self.filepath))

    def _write(self, path):
        if not weights_are_finite(self.model):
            warnings.warn(f"OrbaxCheckpoint: the model's weights hold NaN or inf; not saving to {path} (the previous "
                          f"checkpoint is kept)", RuntimeWarning, stacklevel=3)
            return False
        os.makedirs(os.path.dirname(path), exist_ok=True)
        save = self.model.save_weights if self.save_weights_only else self.model.save
        with atomic_path(path) as tmp:
            save(tmp)
        self._prune()
        return True

    def _prune(self):
        if self.max_to_keep is None:
            return
        for step in checkpoint_steps(self.directory)[:-self.max_to_keep]:
            shutil.rmtree(os.path.join(self.directory, str(step)), ignore_errors=True)

    def wait_until_finished(self):
        """Saves are done in the foreground: nothing to wait for."""


def checkpoint_steps(directory) -> list:
    """The step numbers that have a complete checkpoint under ``directory``, oldest first."""
    if not os.path.isdir(directory):
        return []
    steps = []
    for entry in os.listdir(directory):
        full = os.path.join(directory, entry)
        if entry.isdigit() and any(os.path.isfile(os.path.join(full, f)) for f in (MODEL_FILE, WEIGHTS_FILE)):
            steps.append(int(entry))
    return sorted(steps)


def latest_checkpoint(directory):
    """The file of the newest checkpoint under ``directory`` (``None`` when there is none)."""
    steps = checkpoint_steps(directory)
    if not steps:
        return None
    folder = os.path.join(os.fspath(directory), str(steps[-1]))
    for name in (MODEL_FILE, WEIGHTS_FILE):
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    return None
