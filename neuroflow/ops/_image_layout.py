"""Image layout conventions shared by the image ops and the image layers: the argument checks and the moves
between a user's layout (3-D or 4-D, ``channels_last`` or ``channels_first``) and ``(batch, h, w, c)``."""
from __future__ import annotations

from ..backend import default_float_dtype
from ..errors import ConfigError, ShapeError

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")
DATA_FORMATS = ("channels_last", "channels_first")


# --- argument checks shared with the image layers -------------------------------------------------------------
def check_choice(value, choices, arg: str, where: str) -> str:
    """``value`` if it is one of ``choices``; a ConfigError naming ``where`` and ``arg`` otherwise."""
    if value not in choices:
        raise ConfigError(f"{where}: {arg} must be one of {list(choices)}, got {value!r}")
    return value


def standardize_data_format(data_format, where: str) -> str:
    """``'channels_last'`` (also for ``None``, Keras' default) or ``'channels_first'``."""
    if data_format is None:
        return "channels_last"
    return check_choice(str(data_format).lower(), DATA_FORMATS, "data_format", where)


def to_batched_last(images, data_format: str, where: str):
    """``(array (batch, h, w, c), unbatched)`` from a 3-D or 4-D image array laid out as ``data_format``.

    Transposes are views: no copy is made here.
    """
    if images.ndim not in (3, 4):
        layout = "(height, width, channels)" if data_format == "channels_last" else "(channels, height, width)"
        raise ShapeError(f"{where}: expected images of shape (batch, ...) or {layout} with "
                         f"data_format={data_format!r}, got shape {tuple(images.shape)}")
    unbatched = images.ndim == 3
    if unbatched:
        images = images[None]
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    return images, unbatched


def from_batched_last(images, data_format: str, unbatched: bool):
    """Undo :func:`to_batched_last` on a ``(batch, h, w, c)`` result."""
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    return images[0] if unbatched else images


def float_images(images):
    """The image array as floats: float arrays keep their dtype, integer/bool ones become ``floatx``."""
    if images.dtype.kind == "f":
        return images
    return images.astype(default_float_dtype())
