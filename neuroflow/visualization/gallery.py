"""Galleries of images with matplotlib (Keras' ``plot_image_gallery``, ``plot_segmentation_mask_gallery`` and
``plot_bounding_box_gallery``), Keras' arguments: a ``rows x cols`` grid saved to ``path`` or shown. matplotlib is
needed only when a gallery is drawn (a MissingDependencyError otherwise)."""
from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, MissingDependencyError
from .draw import _channels_last, as_uint8, draw_bounding_boxes, draw_segmentation_masks, to_xyxy


def _pyplot():
    try:
        import matplotlib
        if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg") and not _has_display():
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("the keras.visualization galleries need matplotlib (pip install matplotlib)") \
            from None
    return plt


def _has_display() -> bool:
    import os
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _to_range(images, value_range):
    low, high = value_range
    return (np.asarray(images, "float32") - low) * (255.0 / (high - low))


def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None, rows=None, cols=None, value_range=(0, 255),
                       scale=2, path=None, show=None, transparent=True, dpi=60, legend_handles=None,
                       data_format=None):
    """A grid of ``images`` (batch, h, w, c) in ``value_range``, titled with ``label_map[y_true]`` /
    ``label_map[y_pred]`` when given. Saved to ``path`` or shown (not both); returns the figure."""
    if path is not None and show:
        raise ConfigError("plot_image_gallery: give either path= or show=True, not both")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ConfigError("plot_image_gallery: y_true / y_pred need a label_map (class index -> name)")
    plt = _pyplot()
    images = _channels_last(images, data_format, "plot_image_gallery")
    n = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(n)))
    cols = cols or max(int(math.ceil(n / rows)), 1)
    images = _to_range(images[: rows * cols], value_range)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * scale, rows * scale), squeeze=False)
    fig.subplots_adjust(wspace=0, hspace=0)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")
    y_true = None if y_true is None else np.asarray(getattr(y_true, "data", y_true)).reshape(-1)
    y_pred = None if y_pred is None else np.asarray(getattr(y_pred, "data", y_pred)).reshape(-1)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index >= len(images):
            continue
        image = np.clip(images[index], 0, 255).astype("uint8")
        axis.imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray" if image.shape[-1] == 1 else None)
        title = []
        if y_true is not None and index < len(y_true):
            title.append(f"Label: {label_map.get(y_true[index].item(), 'Unknown')}")
        if y_pred is not None and index < len(y_pred):
            title.append(f"Pred: {label_map.get(y_pred[index].item(), 'Unknown')}")
        if title:
            axis.set_title("  ".join(title), fontsize=8)
    if path is not None:
        fig.savefig(path, pad_inches=0, bbox_inches="tight", transparent=transparent, dpi=dpi)
        plt.close(fig)
    elif show if show is not None else True:
        plt.show()
    return fig


def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255), y_true=None, y_pred=None,
                                   color_mapping=None, blend=True, alpha=0.8, ignore_index=-1, data_format=None,
                                   **kwargs):
    """One row of images, then a row of them with the true masks and a row with the predicted ones painted in
    (:func:`draw_segmentation_masks`); the rest of ``kwargs`` go to :func:`plot_image_gallery`."""
    images = _channels_last(images, data_format, "plot_segmentation_mask_gallery")
    images = _to_range(images, value_range)
    rows = [images]
    for masks in (y_true, y_pred):
        if masks is not None:
            rows.append(draw_segmentation_masks(images, masks, num_classes=num_classes, color_mapping=color_mapping,
                                                alpha=alpha, blend=blend, ignore_index=ignore_index,
                                                data_format="channels_last").astype("float32"))
    grid = np.concatenate(rows, axis=0)
    kwargs.setdefault("rows", len(rows))
    kwargs.setdefault("cols", images.shape[0])
    return plot_image_gallery(grid, value_range=(0, 255), data_format="channels_last", **kwargs)


def plot_bounding_box_gallery(images, bounding_box_format, y_true=None, y_pred=None, value_range=(0, 255),
                              true_color=(0, 188, 212), pred_color=(255, 235, 59), line_thickness=2, font_scale=1.0,
                              text_thickness=None, class_mapping=None, ground_truth_mapping=None,
                              prediction_mapping=None, legend=False, legend_handles=None, rows=None, cols=None,
                              data_format=None, **kwargs):
    """Images with the true boxes (``true_color``) and predicted boxes (``pred_color``) drawn in
    (:func:`draw_bounding_boxes`), class names written as matplotlib text at each box's corner."""
    plt = _pyplot()
    images = as_uint8(np.clip(_to_range(_channels_last(images, data_format, "plot_bounding_box_gallery"),
                                        value_range), 0, 255))
    ground_truth_mapping = ground_truth_mapping or class_mapping or {}
    prediction_mapping = prediction_mapping or class_mapping or {}
    drawn = images
    for boxes, color in ((y_true, true_color), (y_pred, pred_color)):
        if boxes is not None:
            drawn = draw_bounding_boxes(drawn, boxes, bounding_box_format, color=color,
                                        line_thickness=line_thickness, data_format="channels_last")
    if legend and legend_handles is None:
        import matplotlib.patches as patches
        legend_handles = [patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
                          patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction")]
    path = kwargs.pop("path", None)
    fig = plot_image_gallery(drawn, rows=rows, cols=cols, value_range=(0, 255), legend_handles=legend_handles,
                             data_format="channels_last", path=None, show=False, **kwargs)
    height, width = images.shape[1:3]
    for boxes, mapping in ((y_true, ground_truth_mapping), (y_pred, prediction_mapping)):
        if boxes is None or not mapping:
            continue
        corners = to_xyxy(boxes["boxes"], bounding_box_format, height, width)
        labels = np.asarray(getattr(boxes["labels"], "data", boxes["labels"])).astype("int64")
        for axis_index, axis in enumerate(fig.axes[: len(images)]):
            for (x1, y1, _, _), label in zip(corners[axis_index], labels[axis_index]):
                if label in mapping:
                    axis.text(x1, y1, str(mapping[label]), fontsize=6 * font_scale, color="white")
    if path is not None:
        fig.savefig(path, pad_inches=0, bbox_inches="tight", transparent=kwargs.get("transparent", True),
                    dpi=kwargs.get("dpi", 60))
        plt.close(fig)
    return fig
