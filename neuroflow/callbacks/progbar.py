"""ProgbarLogger: the training progress display of ``fit``, ``evaluate`` and ``predict``.

``verbose=1``: while an epoch runs, a live tqdm bar (steps, elapsed < ETA, rate, and the running loss and
metrics); when it ends, the bar is replaced by one complete line. ``verbose=2``: only that line per epoch::

    Epoch 3/10 - 2s - loss: 0.1234 - accuracy: 0.9000 - val_loss: 0.2345 - val_accuracy: 0.8800

``verbose=0``: nothing. The live bar is drawn only where it can be redrawn in place: a terminal, or a Jupyter
notebook (``tqdm.auto`` picks the widget there). With stdout redirected to a file, ``verbose=1`` writes the
per-epoch lines only, so logs hold no carriage-return spam; without tqdm installed it does the same.
"""
from __future__ import annotations

import math
import os
import shutil
import sys
import time

from .base import Callback

__all__ = ["ProgbarLogger"]

# Seconds between two redraws of the live bar: the per-batch cost is then one clock read and a comparison,
# and the strings are formatted at most ten times per second whatever the batch rate.
_REFRESH_S = 0.1
_BAR_FORMAT = "{desc}: {n_fmt}/{total_fmt} |{bar:20}| {elapsed}<{remaining}, {rate_fmt}{postfix}"
_BAR_FORMAT_NO_TOTAL = "{desc}: {n_fmt} [{elapsed}, {rate_fmt}{postfix}]"  # steps unknown: no bar, no ETA
_SKIPPED_KEYS = ("batch", "size", "outputs")


def format_value(value) -> str:
    """A metric value as Keras shows it: ``0.1234``, or ``1.2340e-05`` for magnitudes under 1e-3."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if v == 0.0 or not math.isfinite(v) or abs(v) >= 1e-3:
        return f"{v:.4f}"
    return f"{v:.4e}"


def format_logs(logs) -> str:
    """``'loss: 0.1234 - accuracy: 0.9000'`` from a logs dict (in its order; bookkeeping keys skipped)."""
    if not logs:
        return ""
    return " - ".join(f"{k}: {format_value(v)}" for k, v in logs.items() if k not in _SKIPPED_KEYS)


def format_duration(seconds: float) -> str:
    """``'350ms'`` under a second, else whole seconds (``'2s'``, ``'125s'``)."""
    if seconds < 1.0:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.0f}s"


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")  # only if already imported: a notebook kernel always has it
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _terminal_columns(stream) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except Exception:  # closed or exotic streams
        return False


class ProgbarLogger(Callback):
    """Shows training progress on stdout, following ``params['verbose']`` (0, 1, 2 or ``'auto'`` = 1).

    Args:
        file: the stream to write to (default: ``sys.stdout`` as it is when each epoch starts).
        dynamic: force (``True``) or forbid (``False``) the live bar; default ``None``: live only in a
            terminal or a notebook.

    Inside ``fit`` the validation pass is silent (its metrics appear on the epoch's line); ``evaluate`` and
    ``predict`` on their own show ``'10/10 - 35ms - loss: 0.1234 - accuracy: 0.9000'``.
    """

    def __init__(self, *, file=None, dynamic: bool | None = None):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.file = file
        self.dynamic = dynamic
        self._in_fit = False
        self._bar = None
        self._desc = None
        self._seen = 0
        self._start = 0.0
        self._next_draw = 0.0

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose or 0)
        self.epochs = params.get("epochs") or 1
        self.target = params.get("steps")

    # --- hooks ---
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._close_bar()
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._begin(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._step(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._end(logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._begin(None)

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._step(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._end(logs)

    def on_predict_begin(self, logs=None):
        self._begin(None)

    def on_predict_batch_end(self, batch, logs=None):
        self._step(batch, None)

    def on_predict_end(self, logs=None):
        self._end(None)

    # --- the display ---
    def _stream(self):
        return self.file if self.file is not None else sys.stdout

    def _begin(self, desc) -> None:
        self._close_bar()
        self._desc = desc
        self._seen = 0
        self._start = time.perf_counter()
        self._next_draw = self._start + _REFRESH_S
        if self.verbose == 1:
            stream = self._stream()
            live = self.dynamic if self.dynamic is not None else (_isatty(stream) or _in_notebook())
            if live:
                self._bar = self._make_bar(desc, stream)

    def _make_bar(self, desc, stream):
        try:
            from tqdm.auto import tqdm  # lazily: tqdm is only needed for the live display
        except ImportError:
            return None  # fall back to the per-epoch lines
        width = {}
        if _isatty(stream):
            if _terminal_columns(stream) > 0:
                # trim to the terminal's width: a wrapped line could not be redrawn in place
                width["dynamic_ncols"] = True
            else:  # a pseudo-terminal that reports no size (some CI runners): tqdm would print nothing
                fallback = shutil.get_terminal_size()
                width.update(ncols=fallback.columns, nrows=fallback.lines)
        total = self.target
        return tqdm(total=total, desc=desc or "", file=stream, unit="step", leave=False, mininterval=_REFRESH_S,
                    miniters=1, smoothing=0.1, bar_format=_BAR_FORMAT if total else _BAR_FORMAT_NO_TOTAL, **width)

    def _step(self, batch, logs) -> None:
        self._seen = batch + 1
        bar = self._bar
        if bar is None:
            return
        now = time.perf_counter()
        if now < self._next_draw:
            return
        self._next_draw = now + _REFRESH_S
        if logs:
            bar.set_postfix_str(format_logs(logs), refresh=False)
        bar.update(self._seen - bar.n)

    def _close_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()  # leave=False: the bar's line is cleared, the summary line takes its place
            self._bar = None

    def _end(self, logs) -> None:
        elapsed = time.perf_counter() - self._start
        self._close_bar()
        if self._in_fit and self.target is None and self._seen:
            self.target = self._seen  # steps unknown up front: learnt from the first epoch, bar from the second
        if self.verbose not in (1, 2):
            return
        if self._desc is not None:  # an epoch of fit
            parts = [self._desc, format_duration(elapsed)]
        else:  # evaluate / predict
            parts = [f"{self._seen}/{self.target or self._seen}", format_duration(elapsed)]
            if self._seen:
                parts.append(f"{format_duration(elapsed / self._seen)}/step")
        metrics = format_logs(logs)
        if metrics:
            parts.append(metrics)
        print(" - ".join(parts), file=self._stream(), flush=True)
