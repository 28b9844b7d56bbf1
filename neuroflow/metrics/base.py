"""The ``Metric`` base class and the streaming reductions ``Sum``, ``Mean`` and ``MeanMetricWrapper``.

Metrics are stateful: ``update_state`` folds in one batch, ``result`` reads the value over every batch since the
last ``reset_state``. They compute on arrays (not recorded in the graph: a metric never needs a gradient) and
accumulate in float64 so that a long epoch of float32 batches does not drift. They take probabilities, as Keras
metrics do; thresholds default as in Keras.
"""
from __future__ import annotations

from .. import initializers
from ..autograd.function import no_grad
from ..autograd.variable import Variable
from ..backend import device_of, floatx, get_array_module, is_host, to_device
from ..errors import ShapeError
from ..losses.base import LossFunctionWrapper, align_ranks, as_true, snake_case, warn_unaligned


#: ``to_array(x, like=None)``: a Tensor's data or an array-like as an array (no copy when possible); host data goes
#: to the device of ``like`` (an array or Tensor; default: the current device). The losses' ``as_true``.
to_array = as_true


def follow(state, data):
    """A metric's running ``state`` array on the device of ``data``: a batch from another device moves the state
    there once (a host state is copied up), so the state accumulates where the data lives and is read only by
    ``result()``. Shapes: unchanged."""
    if state is None:
        return state
    device = device_of(data)
    return state if device_of(state) == device else to_device(state, device)


class Metric:
    """Base class of metrics: ``update_state(y_true, y_pred, sample_weight=None)``, ``result()``,
    ``reset_state()``, ``get_config()``; ``metric(y_true, y_pred)`` updates and returns the result.

    Args:
        name: the label shown in logs and History (default: the snake_case class name).
        dtype: Keras' metric dtype, kept for configs; results are Python floats.
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or snake_case(type(self).__name__)
        self.dtype = dtype or floatx()
        self._variables = []
        try:  # neuroflow's metrics (and subclasses written like them) make their state in reset_state
            self.reset_state()
        except AttributeError:
            if type(self).reset_state.__module__.startswith("neuroflow."):
                raise
            # a Keras-style subclass: its reset_state reads variables it makes with add_variable after this
            # returns (Keras never calls reset_state here; the variables start at their initializer)

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Keras 3's state variable: a non-trainable :class:`Variable` of ``shape`` (``initializer``: a name,
        an Initializer or ``(shape, dtype) -> array``), listed in :attr:`variables` and zeroed by the default
        :meth:`reset_state`. ``aggregation`` is accepted for Keras code (one replica). Shapes: ``shape``."""
        init = initializers.get(initializer)
        dtype = dtype or self.dtype
        value = init(tuple(shape), dtype=dtype) if isinstance(init, initializers.Initializer) else init(shape, dtype)
        variable = Variable(value, trainable=False, name=name, dtype=dtype)
        variable.path = f"{self.name}/{name}"
        self.__dict__.setdefault("_variables", []).append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras 3's ``Metric.add_weight``: :meth:`add_variable` with a default shape ``()``."""
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list:
        """The state variables made with :meth:`add_variable`, in creation order."""
        return list(self.__dict__.get("_variables", ()))

    def update_state(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self):
        """Keras' default: every state variable back to zeros."""
        for variable in self.variables:
            variable.assign(get_array_module(variable.data).zeros(variable.shape, variable.dtype))

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        """The constructor arguments, JSON-serialisable."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def samplewise(values, sample_weight, who, reduce="mean"):
    """Keras' ``reduce_to_samplewise_values``: per-sample (weighted) values and the per-sample weights; the axes
    beyond the weights' (and then beyond the batch axis) are reduced with ``reduce`` (``"mean"`` for ``Mean``,
    ``"sum"`` for ``Sum``).

    Shapes: ``values`` ``(N, ...)``, ``sample_weight`` ``(N,)``, ``(N, 1)`` or broadcastable -> ``(N,)`` each
    (weights ``None`` when none were given). A scalar ``values`` stays a scalar.
    """
    xp = get_array_module(values)
    values = values.astype("float64", copy=False)
    if sample_weight is not None:
        sw = to_array(sample_weight, like=values).astype("float64", copy=False)
        values, sw = align_ranks(values, sw)
        if values.ndim > sw.ndim:
            values = getattr(values, reduce)(axis=tuple(range(sw.ndim, values.ndim)))
        try:
            sw = xp.broadcast_to(sw, values.shape)
        except ValueError:
            raise ShapeError(f"{who}: sample_weight shape {sw.shape} does not fit values of shape {values.shape} "
                             f"(expected (batch_size,))") from None
        values = values * sw
        if sw.ndim > 1:
            sw = getattr(sw, reduce)(axis=tuple(range(1, sw.ndim)))
    else:
        sw = None
    if values.ndim > 1:
        values = getattr(values, reduce)(axis=tuple(range(1, values.ndim)))
    return values, sw


def _add(total, value):
    """``total + value`` for a running sum: a Python float while the values live on the host (read for free), a
    float64 0-d array on the values' device otherwise, so a metric updated every step never waits for a
    device-to-host transfer; ``result()`` is read once per logging step."""
    if is_host(value):
        return total + float(value)
    return value + total  # device + (float or device 0-d): stays on the device


class Sum(Metric):
    """The running (weighted) sum of the values given to ``update_state(values, sample_weight=None)``."""

    def reset_state(self):
        self.total = 0.0

    def update_state(self, values, sample_weight=None):
        values, _ = samplewise(to_array(values), sample_weight, type(self).__name__, reduce="sum")
        self.total = _add(self.total, values.sum())

    def result(self) -> float:
        return self.total


class Mean(Metric):
    """The running (weighted) mean of per-sample values: ``sum(w * v) / sum(w)`` over every batch so far.

    ``update_state(values, sample_weight=None)``: values ``(N, ...)`` are first averaged over their trailing
    axes (one value per sample), as Keras does.
    """

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        values = to_array(values)
        if sample_weight is None and values.ndim:
            # the per-sample means summed = the sum over all / values per sample (no (N,) temporary: this runs
            # every training step)
            n = values.shape[0]
            if n:
                total = values.sum(dtype="float64")
                self.total = (self.total + float(total) * n / values.size if is_host(total)
                              else _add(self.total, total * (n / values.size)))
            self.count += n
            return
        values, sw = samplewise(values, sample_weight, type(self).__name__)
        self.total = _add(self.total, values.sum())
        self.count = _add(self.count, sw.sum()) if sw is not None else self.count + (values.shape[0] if values.ndim
                                                                                    else 1)

    def result(self) -> float:
        """A Python float; a float64 0-d device array when the values lived on a device (read it once per
        logging step)."""
        total, count = self.total, self.count
        if is_host(count) and is_host(total):
            return total / count if count else 0.0
        xp = get_array_module(total, count)
        return xp.where(count != 0, total / xp.where(count != 0, count, 1.0), 0.0)  # no bool(): no transfer


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred, **kwargs)``: per-sample values from a metric function or a loss
    function (a loss returns a Tensor; it is evaluated without recording a graph).
    """

    #: ``fn``'s name in the metrics' name table and back: ``neuroflow.metrics`` installs its ``registered_name``
    #: and ``resolve_function`` here (the table is built from this module's classes, so this module cannot import
    #: it).
    _function_name = _function_named = None

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self.fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if type(self) is MeanMetricWrapper and not isinstance(getattr(self.fn, "__self__", None),
                                                               LossFunctionWrapper):
            warn_unaligned(self, y_true, y_pred)  # a user's function: Keras hands it y_true and y_pred as they are
        with no_grad():
            values = self.fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(to_array(values), sample_weight)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(self._fn_kwargs)
        if type(self) is MeanMetricWrapper:
            config["fn"] = MeanMetricWrapper._function_name(self.fn)
        return config

    @classmethod
    def from_config(cls, config: dict) -> "Metric":
        if cls is MeanMetricWrapper:
            config = dict(config)
            return cls(MeanMetricWrapper._function_named(config.pop("fn")), **config)
        return cls(**config)
