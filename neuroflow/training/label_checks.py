"""Label checks at the entry of ``fit``/``evaluate`` for a model that computes on a device.

On the CPU a loss checks the values of each batch's labels itself (a class id beyond the output's units, a
non-integer id). On a device it cannot without a device-to-host transfer per step, so there an out-of-range id
would follow the device library's rule (CuPy wraps it around silently). The labels a user passes to ``fit`` are
still host arrays before their batches are copied to the device, so they are read here, once per call, for free.
"""
from __future__ import annotations

from ..backend import is_host
from ..errors import DataError
from ..losses.probabilistic import sparse_categorical_crossentropy


def _classes(shape):
    """The number of classes an output of ``shape`` (batch axis first) scores, or None while unknown."""
    last = shape[-1] if shape else None
    return last if isinstance(last, int) else None


def _is_sparse(loss) -> bool:
    return getattr(loss, "fn", None) is sparse_categorical_crossentropy


def has_sparse_loss(model) -> bool:
    """Whether any output of the compiled ``model`` has a sparse categorical cross-entropy loss."""
    return any(_is_sparse(spec.loss) for spec in getattr(model, "_specs", None) or ())


def check_sparse_class_ids(model, y_per_output, who: str) -> None:
    """A DataError naming the output and the offending id when host labels of a sparse categorical cross-entropy
    hold an id outside ``0..classes-1`` (``ignore_class`` entries allowed) or a non-integer value.

    Shapes: ``y_per_output`` a list aligned with ``model.output_names``, each ``(N,)`` or ``(N, 1)`` ids."""
    shapes = model._output_shapes()
    for spec, labels, shape in zip(model._specs, y_per_output, shapes):
        if not _is_sparse(spec.loss) or labels is None:
            continue
        n = _classes(shape)
        if n is None or not is_host(labels) or not getattr(labels, "size", 0):
            continue
        ignore = spec.loss._fn_kwargs.get("ignore_class")
        ids = labels if ignore is None else labels[labels != ignore]
        if not ids.size:
            continue
        if ids.dtype.kind == "f" and (ids != ids.round()).any():
            raise DataError(f"{who}: y for output {spec.name!r} (loss sparse_categorical_crossentropy) holds "
                            f"non-integer values; expected class ids 0..{n - 1}")
        low, high = ids.min(), ids.max()
        if low < 0 or high >= n:
            bad = int(low if low < 0 else high)
            hint = ("; a single output unit needs binary_crossentropy" if n == 1
                    else "; does the output layer have enough units?")
            raise DataError(f"{who}: y for output {spec.name!r} holds class id {bad}, which is out of range for "
                            f"sparse_categorical_crossentropy with {n} class{'es' if n != 1 else ''} (expected ids "
                            f"0..{n - 1}){hint}")
