"""The ``Loss`` base class, the function-wrapping loss, Keras' reductions, and the checks where labels enter.

A loss maps ``(y_true, y_pred)`` to one value per sample (``call``) and reduces those values to the scalar that
training minimises (``__call__``). ``y_pred`` is a Tensor (the model's output, recorded in the graph); ``y_true``
is a constant (a NumPy array, or a Tensor whose graph is ignored).

Label checks live here, at the boundary where the user's data meets the loss, so that a mistake (one-hot labels
for a sparse loss, a class id beyond the output's units, a ``(32, 3)`` target for a ``(32, 1)`` output) fails
with a message naming the loss and both shapes, instead of broadcasting silently into a wrong number.
"""
from __future__ import annotations

import re
import warnings

import numpy as np

from .. import ops
from ..autograd.tensor import Tensor, as_tensor
from ..backend import floatx, get_array_module, is_host
from ..errors import ConfigError, DTypeError, ShapeError, close_matches

#: Keras' reduction names; ``"mean"`` is ``"sum_over_batch_size"`` under another name, as in Keras.
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none")


def snake_case(name: str) -> str:
    """``"MeanSquaredError"`` -> ``"mean_squared_error"``; ``"AUC"`` -> ``"auc"`` (Keras' ``to_snake_case``)."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def standardize_reduction(reduction, who: str):
    """Validate a reduction name; ``None`` means ``"none"``."""
    if reduction is None:
        return "none"
    if reduction not in REDUCTIONS:
        raise ConfigError(f"{who}: unknown reduction {reduction!r}; {close_matches(reduction, REDUCTIONS)}")
    return reduction


# --- inputs -----------------------------------------------------------------------------------------------------
def as_pred(y_pred, dtype=None) -> Tensor:
    """``y_pred`` as a floating Tensor (integer arrays become the default float dtype, graph kept). A float16
    output (a mixed-precision model's) is computed on in ``floatx``, as Keras' losses do; it keeps its logits."""
    y_pred = as_tensor(y_pred)
    narrow = y_pred.dtype.kind == "f" and y_pred.dtype.itemsize < 4
    want = dtype or (y_pred.dtype if y_pred.dtype.kind == "f" and not narrow else floatx())
    out = ops.cast(y_pred, want)
    if narrow and out is not y_pred:
        out._keras_logits = y_pred._keras_logits
    return out


def as_true(y_true, like=None):
    """``y_true`` as a constant array (a Tensor's graph is ignored: targets get no gradient); host data (lists,
    NumPy arrays) goes to the device of ``like`` (an array or Tensor; default: the current device)."""
    if isinstance(y_true, Tensor):
        return y_true.data
    arr = get_array_module(like).asarray(y_true)  # like None (or no array): the current device's module
    if arr.dtype.kind in "US":  # string labels: say so, rather than NumPy failing on arithmetic later
        raise DTypeError(f"expected numbers (targets, values or weights), got strings such as "
                         f"{arr.reshape(-1)[:1].tolist()}; map them to class ids first (e.g. StringLookup)")
    return arr


def host_values(x):
    """``x``'s values as a NumPy array when they live on the host (a list, a number, a NumPy array, a CPU Tensor),
    else ``None``. Checks that read label values run on these only: host values are read for free, while on a
    device each read would be a device-to-host transfer per call (there, a bad label follows the device library's
    rule, as in CuPy and PyTorch). Shapes: unchanged."""
    data = x.data if isinstance(x, Tensor) else x
    return np.asarray(data) if is_host(data) else None


def _expand_last(x):
    return ops.expand_dims(x, -1) if isinstance(x, Tensor) else x[..., None]


def _squeeze_last(x):
    return ops.squeeze(x, -1) if isinstance(x, Tensor) else x[..., 0]


def align_ranks(x1, x2, expand_rank_1: bool = True):
    """Keras' ``squeeze_or_expand_to_same_rank``: when the ranks differ by one and the longer side ends in a size-1
    axis, that axis is dropped (or, when the other side is 1-D, the 1-D side gains one). Works on arrays and
    Tensors (a Tensor stays in the graph).

    Shapes: ``(N,)`` with ``(N, 1)`` -> both ``(N, 1)``; ``(N, T, 1)`` with ``(N, T)`` -> both ``(N, T)``.
    Anything else is returned unchanged.
    """
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _expand_last(x2)
        else:
            x1 = _squeeze_last(x1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _expand_last(x1)
        else:
            x2 = _squeeze_last(x2)
    return x1, x2


#: Keras' name for :func:`align_ranks`.
squeeze_or_expand_to_same_rank = align_ranks


def prepare(y_true, y_pred, who: str, batch_of_scalars: bool = True):
    """Convert and shape-check a target/prediction pair for an element-wise loss.

    Returns ``(y_true array in y_pred's float dtype, y_pred Tensor)`` of equal shapes. With ``batch_of_scalars``
    a 1-D pair ``(N,)`` is read as ``(N, 1)``, one scalar per sample, so that the per-sample loss has shape
    ``(N,)`` (Keras would average a 1-D pair into a single number, which sample weights then cannot address).

    Raises ShapeError when the shapes differ (beyond the ``(N,)`` / ``(N, 1)`` rule).
    """
    y_pred = as_pred(y_pred)
    y_true = as_true(y_true, like=y_pred)
    if y_pred.ndim == 0:
        raise ShapeError(f"{who}: y_pred is a scalar; expected a batch, shape (batch_size, ...)")
    y_true, y_pred = align_ranks(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ShapeError(f"{who}: y_true shape {y_true.shape} does not match y_pred shape {y_pred.shape} "
                         f"(expected equal shapes; (N,) and (N, 1) are also accepted)")
    if batch_of_scalars and y_pred.ndim == 1:
        y_true, y_pred = y_true[:, None], ops.expand_dims(y_pred, -1)
    return y_true.astype(y_pred.dtype, copy=False), y_pred


def warn_unaligned(obj, y_true, y_pred) -> None:
    """Warn once per ``obj`` (a user's loss or metric) when ``y_true`` and ``y_pred`` differ in rank by a trailing
    size-1 axis, e.g. ``(N,)`` against ``(N, 1)``: Keras passes such a pair unchanged to a ``Loss`` subclass's
    ``call`` and to a metric function (only loss *functions* get it aligned), where ``y_true - y_pred`` broadcasts
    to ``(N, N)``. neuroflow does the same (its values equal Keras'), but says so."""
    if obj.__dict__.get("_warned_unaligned") or not hasattr(y_true, "ndim") or not hasattr(y_pred, "ndim"):
        return
    if abs(y_true.ndim - y_pred.ndim) != 1:
        return
    longer = y_true if y_true.ndim > y_pred.ndim else y_pred
    if longer.shape[-1] != 1:
        return
    obj.__dict__["_warned_unaligned"] = True
    try:
        result = f"broadcasts to {tuple(np.broadcast_shapes(y_true.shape, y_pred.shape))}"
    except ValueError:
        result = "does not broadcast"
    warnings.warn(f"{type(obj).__name__} {getattr(obj, 'name', '')!r}: y_true has shape {tuple(y_true.shape)} and "
                  f"y_pred {tuple(y_pred.shape)}; they reach your function unaligned, as in Keras, so an element-wise "
                  f"difference {result}. Align them "
                  f"first: y_true, y_pred = neuroflow.losses.align_ranks(y_true, y_pred) (Keras' "
                  f"squeeze_or_expand_to_same_rank), or reshape y", stacklevel=4)


# --- reduction ----------------------------------------------------------------------------------------------------
def align_weights(sample_weight, values_shape: tuple, who: str):
    """Weights already rank-aligned to per-sample losses of ``values_shape`` (:func:`align_ranks`), checked to
    broadcast against them. One step beyond Keras: weights ``(N,)`` (or ``(N, T)``...) for losses with more axes
    ``(N, T, ...)`` weigh each sample's (each step's) values alike, where Keras broadcasts them against the last
    axis (or fails).

    Shapes: ``sample_weight`` ``(N,)``, ``(N, 1)``, the values' shape or one that broadcasts to it -> the weights,
    not broadcast (``mean_with_sample_weight`` divides by their sum, as Keras does). Raises ShapeError naming
    ``who`` and both shapes when they cannot broadcast.
    """
    sw = sample_weight
    if 1 <= sw.ndim < len(values_shape) and sw.shape == tuple(values_shape[:sw.ndim]):
        sw = sw.reshape(sw.shape + (1,) * (len(values_shape) - sw.ndim))
    try:
        get_array_module(sw).broadcast_shapes(tuple(values_shape), sw.shape)
    except ValueError:
        raise ShapeError(f"{who}: sample_weight shape {sample_weight.shape} does not fit the per-sample loss shape "
                         f"{tuple(values_shape)} (expected (batch_size,) or a shape that broadcasts to it)") from None
    return sw


def reduce_weighted(values: Tensor, sample_weight=None, reduction="sum_over_batch_size", mask=None,
                    who: str = "loss") -> Tensor:
    """Weight per-sample losses and reduce them as Keras 3 does (``reduce_weighted_values``).

    The weights (``sample_weight`` times ``mask``) are aligned to the values (:func:`align_weights`) and
    multiplied in, broadcasting; then ``sum_over_batch_size`` / ``mean``: ``sum(w * loss) / size`` of that product
    (with a mask, the entries it excludes do not count); ``sum``: ``sum(w * loss)``; ``mean_with_sample_weight``:
    ``sum(w * loss) / sum(w)``; ``none``: the weighted values. A scalar loss with weights ``(N,)`` becomes
    ``loss * w``, as in Keras. Shapes: ``values`` any -> scalar (or the weighted values for ``none``).
    """
    xp = get_array_module(values.data)
    sw = None
    if sample_weight is not None:
        sw = as_true(sample_weight, like=values).astype(values.dtype, copy=False)
    if mask is not None:
        mask = mask.astype(values.dtype, copy=False)
        if reduction in ("sum_over_batch_size", "mean"):
            # Keras' apply_mask: valid entries weigh total/valid, so that dividing by the size divides by the
            # number of valid entries (none valid: 0, divide_no_nan).
            if is_host(mask):
                valid = float(mask.sum())
                mask = mask * values.dtype.type(mask.size / valid) if valid else mask * 0
            else:  # on the device: divide_no_nan without reading the count back
                valid = mask.sum()
                mask = mask * xp.where(valid > 0, mask.size / xp.where(valid > 0, valid, 1), 0).astype(mask.dtype)
        if sw is None:
            sw = mask
        else:
            mask, sw = align_ranks(mask, sw)
            sw = align_weights(sw, mask.shape, who) * mask
    if sw is not None:
        values, sw = align_ranks(values, sw)
        sw = align_weights(sw, values.shape, who)
        values = values * sw
    if reduction == "none" or values.ndim == 0:  # (Keras also returns an empty (0,) batch as is; here it gives 0)
        return values
    if sw is None and reduction in ("sum_over_batch_size", "mean") and values.size:
        return ops.mean(values)  # one node, not a sum and a division
    total = ops.sum(values)
    if reduction == "sum":
        return total
    divisor = sw.sum() if reduction == "mean_with_sample_weight" and sw is not None else values.size
    if not is_host(divisor):  # device weights: divide_no_nan on the device, no read
        safe = xp.where(divisor != 0, divisor, 1).astype(total.dtype)
        return ops.where(Tensor._from_op(divisor != 0, None), total / safe, total * 0)
    divisor = float(divisor)
    # Keras' divide_no_nan: an empty batch (or every entry masked) gives 0, not NaN.
    return total / divisor if divisor else total * 0


# --- the classes --------------------------------------------------------------------------------------------------
class Loss:
    """Base class of losses: ``loss(y_true, y_pred, sample_weight=None)`` -> scalar Tensor.

    Subclasses implement ``call(y_true, y_pred)`` returning the per-sample losses as a Tensor built from
    ``neuroflow.ops`` (so the graph records it and ``backward()`` reaches the model's weights).

    Args:
        name: a label (Keras' default: the snake_case class name).
        reduction: ``"sum_over_batch_size"`` (default, Keras'), ``"sum"``, ``"mean"``,
            ``"mean_with_sample_weight"`` or ``None`` / ``"none"``.
        dtype: compute in this float dtype (default: ``y_pred``'s).

    Logits: a loss that can take pre-activation logits names the activation they go through in the class
    attribute ``fusable_activation`` (``"sigmoid"`` for ``BinaryCrossentropy``, ``"softmax"`` for
    ``CategoricalCrossentropy`` and ``SparseCategoricalCrossentropy``; ``None`` elsewhere) and implements
    :meth:`with_logits`, an equivalent loss with ``from_logits=True``. With ``from_logits=False`` these losses need
    no help from the model: a ``y_pred`` straight from that activation carries its input (``_keras_logits``, as in
    Keras 3), and the cross-entropy computes from it: the same value, by one stable fused kernel (log-sum-exp or
    ``log1p(exp(-|z|))``) whose gradient ``softmax(z) - y`` / ``sigmoid(z) - y`` neither saturates nor divides by
    a clipped probability. The model's outputs, metrics and custom losses see the probabilities.
    """

    fusable_activation: str | None = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction, type(self).__name__)
        self.dtype = dtype

    def call(self, y_true, y_pred) -> Tensor:  # pragma: no cover - abstract
        """Per-sample losses. Shapes: ``y_true``, ``y_pred`` ``(N, ...)`` -> ``(N,)`` (or ``(N, T)``...)."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def compute_mask(self, y_true, values):
        """A boolean array of ``values``' shape marking entries that count, or ``None`` (all count)."""
        return None

    def call_mean(self, y_true, y_pred):
        """The mean of ``call``'s per-sample losses as one fused graph node, or ``None`` where the loss has no such
        form. ``__call__`` uses it for the default reduction without sample weights (the common training case:
        one node instead of the per-sample values, a sum and a division). Shapes: as ``call`` -> scalar Tensor.
        """
        return None

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        """The reduced loss. Shapes: ``y_true`` and ``y_pred`` ``(N, ...)``, ``sample_weight`` ``(N,)`` or
        broadcastable to the per-sample losses -> scalar Tensor (per-sample Tensor for reduction ``"none"``)."""
        y_pred = as_pred(y_pred, self.dtype)
        if not isinstance(y_true, Tensor):
            if self._checks_host_labels():
                # host labels reach neuroflow's own functions on the host: their label checks read them there for
                # free, then the functions move them to y_pred's device
                y_true = np.asarray(y_true) if is_host(y_true) else y_true
            else:  # a user's loss gets a Tensor on y_pred's device, as Keras hands it one
                y_true = Tensor._from_op(as_true(y_true, like=y_pred), None)
        if sample_weight is None and self.reduction in ("sum_over_batch_size", "mean") and y_pred.size:
            mean = self.call_mean(y_true, y_pred)
            if mean is not None:
                return mean
        if type(self).call is not LossFunctionWrapper.call and type(self).__module__.split(".")[0] != "neuroflow":
            warn_unaligned(self, y_true, y_pred)  # a user's Loss subclass: Keras hands it the pair as it is
        values = self.call(y_true, y_pred)
        mask = self.compute_mask(y_true, values)
        return reduce_weighted(values, sample_weight, self.reduction, mask, who=type(self).__name__)

    def _checks_host_labels(self) -> bool:
        """Whether ``call`` is neuroflow's own loss function (which takes host labels and checks them)."""
        return type(self).__module__.startswith("neuroflow.") and getattr(
            getattr(self, "fn", None), "__module__", "").startswith("neuroflow.")

    def with_logits(self) -> "Loss":
        """An equivalent loss that takes logits (``from_logits=True``); see the fusion contract above."""
        if self.fusable_activation is None:
            raise ConfigError(f"{type(self).__name__} has no logits form (fusable_activation is None)")
        config = self.get_config()
        config["from_logits"] = True
        return type(self).from_config(config)

    def get_config(self) -> dict:
        """The constructor arguments, JSON-serialisable (``from_config`` rebuilds the loss from them)."""
        config = {"name": self.name, "reduction": self.reduction}
        if self.dtype is not None:
            config["dtype"] = self.dtype
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "fn")
        return f"{type(self).__name__}({args})"


class LossFunctionWrapper(Loss):
    """A loss made from a function ``fn(y_true, y_pred, **kwargs)`` that returns per-sample losses.

    The built-in classes are such wrappers; a user function becomes a loss with ``LossFunctionWrapper(fn)``
    (and is saved by name once registered with ``neuroflow.losses.register``).
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    #: Whether ``fn`` takes ``reduce_mean=True`` and then returns the batch mean in one node (see ``call_mean``).
    fuses_mean = False
    #: ``fn``'s name in the losses' name table and back: ``neuroflow.losses`` installs its ``registered_name`` and
    #: ``resolve_function`` here (the table is built from this module's classes, so this module cannot import it).
    _function_name = _function_named = None

    def call(self, y_true, y_pred) -> Tensor:
        # As Keras' LossFunctionWrapper: a (N,) target meets a (N, 1) output as (N, 1), never broadcast to (N, N).
        y_true, y_pred = align_ranks(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def call_mean(self, y_true, y_pred):
        return self.fn(y_true, y_pred, reduce_mean=True, **self._fn_kwargs) if self.fuses_mean else None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is LossFunctionWrapper:
            config["fn"] = LossFunctionWrapper._function_name(self.fn)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Loss":
        if cls is LossFunctionWrapper:
            config = dict(config)
            return cls(LossFunctionWrapper._function_named(config.pop("fn")), **config)
        return cls(**config)
