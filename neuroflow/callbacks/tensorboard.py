"""``TensorBoard``: training curves, weight histograms and images, the layer graph and embeddings as TensorBoard
event files (Keras 3's ``keras.callbacks.TensorBoard``), written with tensorboardX.

Layout, as Keras writes it: ``<log_dir>/train/`` and ``<log_dir>/validation/`` each hold an event file. Tags:
``epoch_<metric>`` per epoch (step = epoch, from 0; validation metrics without their ``val_`` prefix in
``validation/``), ``epoch_learning_rate`` and ``epoch_steps_per_second`` in ``train/``, ``batch_<metric>`` every
``update_freq`` batches (step = batches since ``fit`` began, from 1), ``<weight path>/histogram`` and
``<weight path>/image`` every ``histogram_freq`` epochs, ``evaluation_<metric>_vs_iterations`` after
``evaluate`` (step = optimizer iterations). ``tensorboard --logdir <log_dir>`` shows them.

tensorboardX is the optional extra ``pip install 'neuroflow[tensorboard]'``. Under MPI only rank 0 writes.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from ..backend import to_host
from ..errors import ConfigError
from .base import Callback

__all__ = ["TensorBoard"]

_RANK_VARIABLES = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK", "RANK")


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError("the TensorBoard callback writes event files with tensorboardX, which is not installed: "
                          "pip install 'neuroflow[tensorboard]' (or pip install tensorboardX)") from None
    return SummaryWriter


def process_rank() -> int:
    """This process's rank in an MPI (or torchrun-style) job; 0 when not launched as one."""
    mpi = sys.modules.get("mpi4py.MPI")  # only if the program already uses MPI: never initialise it here
    if mpi is not None:
        return int(mpi.COMM_WORLD.Get_rank())
    for name in _RANK_VARIABLES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 0


class _NullWriter:
    """What ranks other than 0 write to: every call does nothing."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def _nonnegative_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ConfigError(f"TensorBoard: {what} must be a non-negative int, got {value!r}")
    return int(value)


class TensorBoard(Callback):
    """Write TensorBoard logs during ``fit`` (and ``evaluate``).

    Args:
        log_dir: the folder for the ``train/`` and ``validation/`` runs (created when needed).
        histogram_freq: every how many epochs to write a histogram of every weight (0: never).
        write_graph: write the model's layer graph (Graphs tab) at the start of ``fit``.
        write_images: with ``histogram_freq``, also write each 1-D/2-D/3-D weight as an image.
        write_steps_per_second: log training steps per second (per epoch; per batch with ``update_freq``).
        update_freq: ``"epoch"``, ``"batch"`` (= 1) or an int N: also write ``batch_<metric>`` every N batches.
        profile_batch: must be 0: neuroflow has no profiler to sample batches with (Keras' torch backend
            refuses it too).
        embeddings_freq: every how many epochs to write the matrices of ``Embedding`` layers to the Projector.
        embeddings_metadata: a file of labels (one per line, one per embedding row) for every Embedding layer, or
            a dict ``{layer name: file}``.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self._writer_class = _summary_writer_class()
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _nonnegative_int(histogram_freq, "histogram_freq")
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, (int, np.integer))
                                       or update_freq < 1):
            raise ConfigError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive int, got {update_freq!r}")
        self.update_freq = update_freq
        if profile_batch not in (0, None, "0", (0, 0)):
            raise ConfigError(f"TensorBoard: profiling is not available in neuroflow (no profiler to trace batches "
                              f"with); got profile_batch={profile_batch!r}, expected 0")
        self.embeddings_freq = _nonnegative_int(embeddings_freq, "embeddings_freq")
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._in_fit = False
        self._global_train_batch = 0
        self._epoch_start = (0.0, 0)  # (time, global batch) when the epoch began
        self._batch_start_time = 0.0
        # Batch hooks only when they write something: the fit loop builds per-batch logs only for callbacks that
        # implement them (set on the instance, which CallbackList looks at), so the default costs nothing per batch.
        if self.update_freq != "epoch" or self.write_steps_per_second:
            self.on_train_batch_begin = self._on_train_batch_begin
        if self.update_freq != "epoch":
            self.on_train_batch_end = self._on_train_batch_end

    # --- writers ---------------------------------------------------------------------------------------------
    def _writer(self, run: str):
        """The writer of ``run`` ('train' or 'validation'), opened on first use; a no-op writer off rank 0."""
        if run not in self._writers:
            if process_rank() != 0:
                self._writers[run] = _NullWriter()
            else:
                self._writers[run] = self._writer_class(os.path.join(self.log_dir, run))
        return self._writers[run]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _scalars(self, run: str, logs: dict, prefix: str, step: int) -> None:
        writer = self._writer(run)
        for name, value in logs.items():
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue  # non-scalar entries (a callback's extra logs) have no curve
            writer.add_scalar(f"{prefix}{name}", value, global_step=step)

    # --- fit -------------------------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._in_fit = True
        self._global_train_batch = 0
        if self.write_graph:
            self._write_model_graph()
        if self.embeddings_freq:
            self._embedding_layers()  # unknown names in embeddings_metadata fail now, not after an epoch

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = (time.perf_counter(), self._global_train_batch)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        learning_rate = self._learning_rate()
        if learning_rate is not None:
            train["learning_rate"] = learning_rate
        if self.write_steps_per_second:
            seconds = time.perf_counter() - self._epoch_start[0]
            train["steps_per_second"] = (self._global_train_batch - self._epoch_start[1]) / max(seconds, 1e-9)
        self._scalars("train", train, "epoch_", epoch)
        validation = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        if validation:
            self._scalars("validation", validation, "epoch_", epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._write_embeddings(epoch)
        for writer in self._writers.values():
            writer.flush()  # TensorBoard shows each epoch as it ends

    def _on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start_time = time.perf_counter()

    def _on_train_batch_end(self, batch, logs=None):
        if self._global_train_batch % self.update_freq:
            return
        logs = dict(logs or {})
        if self.write_steps_per_second:
            logs["steps_per_second"] = 1.0 / max(time.perf_counter() - self._batch_start_time, 1e-9)
        self._scalars("train", logs, "batch_", self._global_train_batch)

    # --- evaluate --------------------------------------------------------------------------------------------
    def on_test_end(self, logs=None):
        iterations = getattr(getattr(self.model, "optimizer", None), "iterations", None)
        if iterations is None or not logs:
            return
        self._scalars("validation", {f"{k}_vs_iterations": v for k, v in logs.items()}, "evaluation_",
                      int(iterations))
        if not self._in_fit:  # evaluate() on its own: nothing closes the writer later
            self._writers.pop("validation").close()

    # --- what is written -------------------------------------------------------------------------------------
    def _learning_rate(self):
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # a loss-scale wrapper holds the real one
        try:
            return float(optimizer.learning_rate)
        except (AttributeError, TypeError, ValueError):
            return None

    def _write_model_graph(self) -> None:
        from .tensorboard_graph import model_graph_def

        graph = model_graph_def(self.model)
        writer = self._writer("train")
        if graph is None or isinstance(writer, _NullWriter):
            return
        from tensorboardX.proto.event_pb2 import Event

        writer._get_file_writer().add_event(Event(graph_def=graph.SerializeToString()))

    def _write_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = str(getattr(weight, "path", None) or weight.name).replace(":", "_")
                values = to_host(weight.data)  # an explicit copy when the weights live on a device
                writer.add_histogram(f"{name}/histogram", values, global_step=epoch)
                if self.write_images:
                    image = _weight_image(values)
                    if image is not None:
                        writer.add_images(f"{name}/image", image, global_step=epoch, dataformats="NHWC")

    def _embedding_layers(self) -> dict:
        """``{layer name: (layer, metadata file or None)}`` for the model's Embedding layers."""
        layers = {l.name: l for l in self.model.layers if getattr(l, "embeddings", None) is not None}
        metadata = self.embeddings_metadata
        if isinstance(metadata, dict):
            unknown = sorted(set(metadata) - set(layers))
            if unknown:
                raise ConfigError(f"TensorBoard: embeddings_metadata names {unknown}, which are not Embedding layers "
                                  f"of the model; its Embedding layers: {sorted(layers)}")
            return {name: (layer, metadata.get(name)) for name, layer in layers.items()}
        return {name: (layer, metadata) for name, layer in layers.items()}

    def _write_embeddings(self, epoch: int) -> None:
        writer = self._writer("train")
        for name, (layer, metadata_file) in self._embedding_layers().items():
            matrix = to_host(layer.embeddings.data)
            labels = None
            if metadata_file is not None:
                with open(metadata_file, encoding="utf-8") as f:
                    labels = [line.rstrip("\n") for line in f][:len(matrix)]
                if len(labels) != len(matrix):
                    raise ConfigError(f"TensorBoard: embeddings_metadata file {metadata_file!r} has {len(labels)} "
                                      f"labels but layer {name!r} has {len(matrix)} embedding rows")
            writer.add_embedding(matrix, metadata=labels, global_step=epoch, tag=name)


def _weight_image(values: np.ndarray):
    """A weight as images in [0, 1] (min-max scaled, so that the pattern shows whatever the scale), shape
    ``(n, height, width, 1)``, or ``None`` for shapes Keras does not draw. Bias ``(u,)`` -> one ``1 x u`` image;
    kernel ``(a, b)`` -> one image, wider than tall; ``(h, w, c)`` (after squeezing) -> ``c`` images ``h x w``."""
    w = np.squeeze(values).astype(np.float32)
    if w.ndim == 1:
        w = w[None, None, :]
    elif w.ndim == 2:
        w = (w.T if w.shape[0] > w.shape[1] else w)[None]
    elif w.ndim == 3:
        w = np.transpose(w, (2, 0, 1))  # channels_last: the last axis indexes the images
    else:
        return None
    low, high = float(w.min()), float(w.max())
    scaled = (w - low) / (high - low) if high > low else np.zeros_like(w)
    return scaled[..., None]
