"""Keras-compatible callbacks: hooks into ``fit``/``evaluate``/``predict``, and the progress display.

``neuroflow.callbacks.EarlyStopping(...)`` and the other classes take the arguments, defaults and semantics of
``keras.callbacks``; ``CallbackList`` is what the training loop drives.
"""
from .backup_and_restore import BackupAndRestore
from .base import Callback
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .history import History
from .lambda_callback import LambdaCallback
from .lr_scheduler import LearningRateScheduler
from .model_checkpoint import ModelCheckpoint
from .orbax_checkpoint import OrbaxCheckpoint
from .progbar import ProgbarLogger
from .reduce_lr import ReduceLROnPlateau
from .remote_monitor import RemoteMonitor
from .swap_ema_weights import SwapEMAWeights
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint", "OrbaxCheckpoint",
           "BackupAndRestore", "ReduceLROnPlateau",
           "LearningRateScheduler", "CSVLogger", "TerminateOnNaN", "LambdaCallback", "ProgbarLogger",
           "TensorBoard", "RemoteMonitor", "SwapEMAWeights"]
