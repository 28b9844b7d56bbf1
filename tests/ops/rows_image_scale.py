"""Op-table rows for ``ops.image.scale_and_translate`` (``ops/image_scale.py``). With scale = out / in and no
translation, its linear kernel is PyTorch's bilinear ``interpolate`` (``align_corners=False``; with
``antialias=True`` when downsampling), and its Keys cubic kernel is torch's antialiased bicubic one when
downsampling; the Lanczos kernels and translations have no torch counterpart (Keras parity covers them:
``test_complex_and_scale_ops.py``)."""
from __future__ import annotations

from neuroflow import ops

from .harness import case

IMAGES = (2, 3, 5, 6)  # (batch, channels, rows, cols): the spatial axes are 2 and 3


def _ours(size, method, antialias, translation=(0.0, 0.0)):
    scale = (size[0] / IMAGES[2], size[1] / IMAGES[3])
    return lambda x: ops.image.scale_and_translate(x, IMAGES[:2] + size, scale, translation, (2, 3), method,
                                                   antialias)


def _torch(size, mode, antialias):
    def run(x):
        import torch.nn.functional as F
        return F.interpolate(x, size=size, mode=mode, antialias=antialias, align_corners=False)
    return run


ROWS = [
    case("scale_and_translate", _ours((8, 9), "linear", False), [IMAGES], _torch((8, 9), "bilinear", False),
         id="linear-up"),
    case("scale_and_translate", _ours((3, 4), "bilinear", True), [IMAGES], _torch((3, 4), "bilinear", True),
         id="linear-down-antialias"),
    case("scale_and_translate", _ours((3, 2), "cubic", True), [IMAGES], _torch((3, 2), "bicubic", True),
         id="cubic-down-antialias"),
    case("scale_and_translate", _ours((7, 4), "lanczos3", True, (0.4, -0.3)), [IMAGES], None, id="lanczos3-shift",
         torch_skip="torch has no Lanczos resampling; checked against Keras"),
]
