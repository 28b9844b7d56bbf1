"""Figures for the course: training curves, image grids, confusion matrices, written straight to image files.

matplotlib is optional and imported inside each function (``import neuroflow`` stays fast without it). The
figures are drawn on a bare ``matplotlib.figure.Figure``, never through ``pyplot``: no global backend is chosen
and no window opens, so this works the same in a terminal, on a headless server and inside a notebook.
"""
from __future__ import annotations

import os

import numpy as np

from ..errors import ShapeError
from ..ops import convert_to_numpy

__all__ = ["plot_history", "plot_image_grid", "plot_confusion_matrix"]


def _figure(width, height):
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError("neuroflow.utils.plotting needs matplotlib: pip install matplotlib") from e
    return Figure(figsize=(width, height))


def _save(fig, path) -> str:
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def plot_history(history, path) -> str:
    """Training curves: one panel per quantity (loss, then each metric), training and ``val_`` curves together.

    ``history``: the ``History`` returned by ``fit`` (or its ``.history`` dict ``{'loss': [per epoch], ...}``).
    Writes ``path`` (format from its extension, e.g. ``.png``) and returns it.
    """
    logs = getattr(history, "history", history)
    names = [k for k in logs if not k.startswith("val_")]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]  # val-only quantities
    if not names:
        raise ShapeError("plot_history: the history holds no values (was fit run for at least one epoch?)")
    fig = _figure(4.5 * len(names), 3.5)
    for i, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        for key, label in ((name, "training"), ("val_" + name, "validation")):
            if key in logs and len(logs[key]):
                values = np.asarray(logs[key], dtype="float64")
                ax.plot(np.arange(1, len(values) + 1), values, marker="o" if len(values) < 30 else None,
                        label=label)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path)


def plot_image_grid(images, path, ncols=8, titles=None) -> str:
    """Images in a grid, ``ncols`` per row, each with an optional title (e.g. its label or prediction).

    Shapes: ``images`` ``(N, H, W)`` (grayscale), ``(N, H, W, 1)`` or ``(N, H, W, 3|4)`` (RGB(A), floats in
    [0, 1] or uint8). ``titles``: ``N`` strings or None. Writes ``path`` and returns it.
    """
    images = convert_to_numpy(images)  # a Tensor or device array is read to the host once, explicitly
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (3, 4)):
        raise ShapeError(f"plot_image_grid: images must have shape (N, H, W), (N, H, W, 1) or (N, H, W, 3|4), "
                         f"got {images.shape}")
    n = len(images)
    if titles is not None and len(titles) != n:
        raise ShapeError(f"plot_image_grid: got {len(titles)} titles for {n} images")
    ncols = max(1, min(int(ncols), n))
    nrows = max(1, -(-n // ncols))
    fig = _figure(1.4 * ncols, 1.5 * nrows)
    for i in range(n):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        # a fixed range (0-1 floats, 0-255 integers): per-image stretching makes faint images look like noise
        vmax = 255 if images.dtype.kind in "ui" else 1.0
        ax.imshow(images[i], cmap="gray" if images.ndim == 3 else None, vmin=0, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    return _save(fig, path)


def plot_confusion_matrix(cm, path, labels=None) -> str:
    """A confusion matrix as a heat map with the count written in each cell.

    Shapes: ``cm`` ``(C, C)``, rows = true class, columns = predicted class (scikit-learn's layout).
    ``labels``: ``C`` class names (default ``0..C-1``). Writes ``path`` and returns it.
    """
    cm = convert_to_numpy(cm)  # e.g. metrics.confusion_matrix's counts, made on a device
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ShapeError(f"plot_confusion_matrix: cm must be square (C, C), got shape {cm.shape}")
    c = cm.shape[0]
    labels = [str(l) for l in (labels if labels is not None else range(c))]
    if len(labels) != c:
        raise ShapeError(f"plot_confusion_matrix: got {len(labels)} labels for a {c}x{c} matrix")
    size = 2.5 + 0.45 * c
    fig = _figure(size + 1, size)
    ax = fig.add_subplot(1, 1, 1)
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax)
    ax.set_xticks(range(c), labels=labels)
    ax.set_yticks(range(c), labels=labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    dark = cm.max() / 2 if cm.size else 0
    integral = np.issubdtype(cm.dtype, np.integer)
    for i in range(c):  # one text per cell: C*C labels, small
        for j in range(c):
            ax.text(j, i, f"{cm[i, j]}" if integral else f"{cm[i, j]:.2g}", ha="center", va="center",
                    fontsize=8, color="white" if cm[i, j] > dark else "black")
    return _save(fig, path)
