"""Keras 3's sample-mixing augmentations: MixUp (Zhang et al., 2018) and CutMix (Yun et al., 2019).

Each image is mixed with another image of the same batch (a random permutation), so they take Keras' dict
input ``{"images": (batch, h, w, c), "labels": (batch, classes)}`` and mix the labels by the same weights
(a plain image input mixes only the images). Active unless ``training=False``.
"""
from __future__ import annotations

import numpy as np

from .. import _validate as check
from ..backend import get_array_module
from ..registry import register_builtin
from .augmentation_data import _DataAugmentation, keras_factor, random_boxes


def _mix_labels(labels, partner, weight):
    """``weight * labels + (1 - weight) * labels[partner]``, ``weight`` ``(batch,)`` broadcast over the rest."""
    if labels is None:
        return None
    labels = labels.astype(np.result_type(labels.dtype, np.float32), copy=False)
    w = weight.reshape((-1,) + (1,) * (labels.ndim - 1)).astype(labels.dtype)
    return w * labels + (1 - w) * labels[partner]


@register_builtin
class MixUp(_DataAugmentation):
    """Replaces each image by ``w x_i + (1 - w) x_j`` (``j`` a random permutation of the batch, ``w`` drawn per
    image from Beta(alpha, alpha)); labels are mixed by the same ``w``.

    With ``bounding_boxes`` (and ``bounding_box_format`` set) each image keeps its boxes and gains its
    partner's: ``boxes`` ``(batch, n, 4)`` -> ``(batch, 2n, 4)``, their labels ``(batch, n)`` -> ``(batch, 2n)``.
    Args: ``alpha`` (> 0, default 0.2), ``data_format``, ``seed``.
    """

    _BOXES = True

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.alpha = check.finite_float(alpha, f"MixUp {self.name!r}", "alpha", low=0.0, low_open=True)

    def _augment(self, images):
        return self._augment_data(images, None, None)[0]

    def _augment_data(self, images, labels, boxes):
        b = images.shape[0]
        xp, rng = get_array_module(images), self._draws(images)
        partner = rng.permutation(b)
        weight = rng.beta(self.alpha, self.alpha, size=b).astype(images.dtype)
        w = weight[:, None, None, None]
        mixed = w * images + (1 - w) * images[partner]
        if boxes is not None:
            boxes = {k: xp.concatenate([v, v[partner]], axis=1) for k, v in boxes.items()}
        return mixed, _mix_labels(labels, partner, weight), boxes

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


@register_builtin
class CutMix(_DataAugmentation):
    """Pastes a random box of a partner image (a random permutation of the batch) into each image; the labels
    are mixed by the share of the area each image keeps.

    Per image: ``lam`` ~ Beta(a, a) with ``a`` drawn once per batch from ``factor``; the box covers
    ``sqrt(1 - lam)`` of the height and of the width at a random place. Args: ``factor`` in [0, 1] (default 1.0
    -> ``[0, 1]``), ``seed``, ``data_format``.
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = keras_factor(factor, "factor", f"CutMix {self.name!r}")

    def _augment(self, images):
        return self._augment_data(images, None, None)[0]

    def _augment_data(self, images, labels, boxes):
        b, h, w, _ = images.shape
        xp, rng = get_array_module(images), self._draws(images)
        a = float(self.rng.uniform(*self.factor)) + 1e-6  # one per batch, a parameter of the draws below: host
        ratio = xp.sqrt(1.0 - rng.beta(a, a, size=b))
        box, area = random_boxes(rng, h, w, ratio, ratio)
        partner = rng.permutation(b)
        mixed = xp.where(box, images[partner], images)
        kept = 1.0 - area  # Keras' share: the box's real-valued area
        return mixed, _mix_labels(labels, partner, kept), boxes

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}
