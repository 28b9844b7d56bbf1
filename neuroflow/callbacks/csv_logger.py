"""CSVLogger: append one row of metrics per epoch to a CSV file."""
from __future__ import annotations

import csv
import numbers
import os

from .base import Callback

__all__ = ["CSVLogger"]


def _cell(value):
    """A CSV cell: numbers and strings as they are, sequences and arrays as ``"[a, b, ...]"``."""
    if isinstance(value, (str, bytes, numbers.Number)):
        return value
    if getattr(value, "ndim", None) == 0:  # numpy scalar or 0-d array
        return value.item()
    try:
        return "[" + ", ".join(str(v) for v in value) + "]"
    except TypeError:
        return value


class CSVLogger(Callback):
    """Write ``epoch`` and each epoch's logs as one CSV row, flushed at the end of every epoch.

    Args:
        filename: the CSV file.
        separator: the column separator.
        append: add rows to an existing file (writing the header only if the file is empty) instead of
            overwriting it.

    The columns are ``epoch`` and the sorted keys of the first epoch's logs; when these hold no ``val_`` key,
    ``val_`` columns are added too (validation may run only every few epochs). Missing values read ``NA``.
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None
        self._append_header = True

    def on_train_begin(self, logs=None):
        self._close()
        if self.append:
            self._append_header = not (os.path.exists(self.filename) and os.path.getsize(self.filename) > 0)
            mode = "a"
        else:
            self._append_header = True
            mode = "w"
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")
        self.keys = None
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(k.startswith("val_") for k in self.keys):
                self.keys += ["val_" + k for k in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, delimiter=self.sep,
                                         extrasaction="ignore")
            if self._append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _cell(logs[k]) if k in logs else "NA") for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()  # a crash or a kill keeps every finished epoch on disk

    def on_train_end(self, logs=None):
        self._close()

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None
