"""``InputSpec``: Keras' description of what a layer accepts (rank, dtype, sizes of given axes). neuroflow's
layers check their inputs in ``build`` with their own messages; an InputSpec is kept for Keras code that builds
or reads one, and :meth:`InputSpec.check` applies it on request."""
from __future__ import annotations

from ..errors import ShapeError


class InputSpec:
    """Expected input: ``dtype``, ``shape`` (None for free sizes), ``ndim``/``max_ndim``/``min_ndim``, ``axes``
    ({axis: size}), ``allow_last_axis_squeeze``, ``name``, ``optional``. Shapes: as described."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze, self.name, self.optional = allow_last_axis_squeeze, name, optional

    def check(self, shape, who="layer"):
        """Raise a ShapeError naming ``who`` when ``shape`` (batch axis first) does not fit."""
        shape = tuple(shape)
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            raise ShapeError(f"{who}: expected inputs of rank {self.ndim}, got shape {shape}")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ShapeError(f"{who}: expected inputs of rank >= {self.min_ndim}, got shape {shape}")
        if self.max_ndim is not None and rank > self.max_ndim:
            raise ShapeError(f"{who}: expected inputs of rank <= {self.max_ndim}, got shape {shape}")
        for axis, size in self.axes.items():
            if size is not None and -rank <= axis < rank and shape[axis] not in (None, size):
                raise ShapeError(f"{who}: expected axis {axis} of size {size}, got shape {shape}")
        if self.shape is not None:
            for want, got in zip(self.shape, shape):
                if want is not None and got is not None and want != got:
                    raise ShapeError(f"{who}: expected inputs of shape {self.shape}, got {shape}")

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim, "max_ndim": self.max_ndim,
                "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"InputSpec(dtype={self.dtype!r}, shape={self.shape}, ndim={self.ndim}, axes={self.axes})"


__all__ = ["InputSpec"]
