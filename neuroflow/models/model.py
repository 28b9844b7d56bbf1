"""``Model``: layers + training. Functional (``Model(inputs, outputs)``) or subclassed (override ``call``).

``compile`` resolves the optimizer, losses (fused with the output activation where stable) and metrics;
``fit``/``evaluate``/``predict`` live in :mod:`neuroflow.training.loop`; saving in :mod:`neuroflow.saving`.
"""
from __future__ import annotations

import numpy as np


from .. import metrics as nf_metrics, random as nf_random
from .. import _validate as check
from ..errors import ConfigError, ShapeError
from ..layers.base import Layer
from ..layers.symbolic import flatten
from ..registry import register_builtin
from ..training import compile_utils, custom_steps, loop, predict_loop
from ..training.added_losses import total_loss
from .functional import FunctionalGraph
from .functional_inputs import rank_change


@register_builtin
class Model(Layer):
    """A trainable network.

    ``Model(inputs, outputs)`` builds a functional model from ``keras.Input`` tensors; subclassing ``Model`` and
    overriding ``call(inputs, training=None)`` builds any other. Shapes: as the layers inside decide.
    """

    def __init__(self, inputs=None, outputs=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._graph = None
        self._specs = None
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._epoch = 0
        self._accepted_input = None  # (input shapes, expected shapes) that passed _check_input_data last
        self._shuffle_seed = int(nf_random.generator().integers(2**31))
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ConfigError("Model(inputs, outputs): both are required for a functional model")
            self._graph = FunctionalGraph(inputs, outputs)
            self._tracked_layers.extend(l for l in self._graph.layers if l not in self._tracked_layers)
            self.built = True

    # --- structure ---------------------------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        """The model's layers in order (input layers of a functional model included, as in Keras)."""
        if self._graph is not None:
            return list(self._graph.layers)
        return self._sublayers()

    def get_layer(self, name=None, index=None):
        """A layer by name or index."""
        if index is not None:
            layers = self.layers
            return layers[check.integer(index, "get_layer", "index", -len(layers), len(layers) - 1)]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ConfigError(f"no layer named {name!r}; layers: {[l.name for l in self.layers]}")

    @property
    def inputs(self):
        return self._graph.inputs if self._graph is not None else None

    @property
    def outputs(self):
        return self._graph.outputs if self._graph is not None else None

    @property
    def input(self):
        """Keras' ``model.input``: a functional model's inputs as given to ``Model(inputs, ...)`` (a tensor, a
        list or a dict), even after the model was called inside another; other models: the first call's, as a
        layer's (``Model(inputs=base.input, outputs=base.get_layer(name).output)`` extracts features)."""
        return self._graph.inputs if self._graph is not None else Layer.input.fget(self)

    def _functional_output(self):
        """Keras' ``model.output``: a functional model's outputs as given; other models: the first call's."""
        return self._graph.outputs if self._graph is not None else Layer.output.fget(self)

    output = property(_functional_output, Layer.output.fset)

    @property
    def input_shape(self):
        """The input's shape, batch axis first (``None`` where free): a tuple, or a list of them for several
        inputs (Keras' ``model.input_shape``). AttributeError while it is unknown (a Sequential without Input)."""
        return self._known_shapes(self._expected_input_shapes(), "input")

    @property
    def output_shape(self):
        """The output's shape, batch axis first: a tuple, or a list of them for several outputs."""
        return self._known_shapes(self._output_shapes(), "output")

    def _known_shapes(self, shapes, what):
        if not shapes or any(s is None for s in shapes):
            raise AttributeError(f"model {self.name!r} has no known {what} shape yet: give it an Input (or "
                                 f"input_shape=) or call it on data first")
        shapes = [tuple(s) for s in shapes]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_names(self) -> list:
        if self._graph is not None:
            if isinstance(self._graph.outputs, dict):  # Keras: a dict of outputs is named by its keys
                return list(self._graph.outputs)
            return [t.node.layer.name for t in flatten(self._graph.outputs)]
        return ["output"]

    def _output_layers(self):
        if self._graph is not None:
            outs = flatten(self._graph.outputs)
            return [t.node.layer if len(t.node.layer._inbound_nodes) == 1 else None for t in outs]
        return None

    def _output_shapes(self):
        if self._graph is not None:
            return [t.shape for t in flatten(self._graph.outputs)]
        return [None]

    def _expected_input_shapes(self):
        if self._graph is not None:
            return [t.shape for t in flatten(self._graph.inputs)]
        return None

    def _check_input_data(self, x) -> None:
        """A clear error when the data's shape cannot feed the model (names the layer; spots a missing batch axis)."""
        expected = self._expected_input_shapes()
        if not expected:
            return
        arrays = list(x.values()) if isinstance(x, dict) else (x if isinstance(x, list) else [x])
        key = (tuple(getattr(a, "shape", None) for a in arrays), tuple(map(tuple, expected)))
        if key == self._accepted_input:  # the shapes of the previous call (predict in a serving loop)
            return
        if len(arrays) != len(expected):
            raise ShapeError(f"model {self.name!r} expects {len(expected)} input(s), got {len(arrays)}")
        for arr, shape in zip(arrays, expected):
            if isinstance(arr, dict):
                continue
            got = tuple(arr.shape)
            want = tuple(shape)
            # (batch,) for (None, 1): a functional graph adds the axis (or drops a last 1), as Keras does
            change = rank_change(got, want) if self._graph is not None and got else 0
            fed = got + (1,) if change == 1 else got[:-1] if change == -1 else got
            if len(fed) == len(want) and all(w is None or w == g for w, g in zip(want[1:], fed[1:])):
                continue
            hint = ""
            if got == tuple(s for s in want[1:]) or (len(got) == len(want) - 1 and
                                                      all(w is None or w == g for w, g in zip(want[1:], got))):
                hint = (f" It looks like the batch axis is missing: a single sample of shape {got} must be passed "
                        f"as a batch of one, shape {(1,) + got} (x[None] or x.reshape(1, ...)).")
            raise ShapeError(f"input of shape {got} is incompatible with layer {self._first_layer_name()!r}: "
                             f"expected shape {_fmt(want)} (batch axis first).{hint}")
        self._accepted_input = key

    def _first_layer_name(self):
        layers = [l for l in self.layers if type(l).__name__ != "InputLayer"]
        return layers[0].name if layers else self.name

    def call(self, inputs, training=None):
        if self._graph is not None:
            return self._graph.run(inputs, training=training)
        raise NotImplementedError(f"{type(self).__name__}: subclasses of Model must implement call(inputs, "
                                  f"training=None), or pass inputs and outputs to Model(...)")

    def build(self, input_shape):
        """Mark the model built. A subclassed model remembers ``input_shape`` (batch axis freed), so that a saved
        one is rebuilt by one call on zeros before its weights load (Keras' ``build_config``)."""
        if self._graph is None and input_shape is not None:
            self._build_input_shape = _free_batch_axis(input_shape)
        self.built = True

    def _build_by_running(self, input_shape):
        """Create every weight of a subclassed model by calling it once, without a graph, on zeros of
        ``input_shape`` (a shape, or a list/dict of them; ``None`` sizes become 1)."""
        from ..autograd.function import no_grad
        with no_grad():
            self(_zeros(input_shape, self.dtype), training=False)

    # --- training ---------------------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Set the optimizer, loss(es) and metrics (strings or objects, per output as list or dict). ``loss`` may be
        left out when the model adds its own losses with ``add_loss``; loss functions get ``y_true``/``y_pred``
        with ranks aligned, as in Keras (:func:`neuroflow.losses.align_ranks`).

        ``jit_compile`` (Keras' argument): ``"auto"`` (default) records the default training step once per input
        signature and replays it (``neuroflow/compile``; same results bit for bit), staying eager where that is
        unsafe; ``True`` does the same and warns when a step stays eager; ``False`` (or ``run_eagerly=True``)
        always runs eagerly. ``model._jit_status()`` says what each signature does.

        ``auto_scale_loss`` (default on): under the ``"mixed_float16"`` policy the optimizer is wrapped in a
        ``LossScaleOptimizer`` (dynamic loss scaling), as in Keras."""
        from .. import optimizers as nf_optimizers

        if jit_compile is None:
            jit_compile = "auto"
        if not (isinstance(jit_compile, bool) or jit_compile == "auto"):
            raise ConfigError(f"compile(): jit_compile must be 'auto', True or False, got {jit_compile!r}")
        object.__setattr__(self, "_jit_compile", False if run_eagerly else jit_compile)
        object.__setattr__(self, "_run_eagerly", bool(run_eagerly))
        object.__setattr__(self, "_loss_arg", loss)
        object.__setattr__(self, "_jit_cache", None)  # a new optimizer and loss: programs are traced anew

        self.optimizer = nf_optimizers.get(optimizer)
        if (auto_scale_loss or auto_scale_loss is None) and self.dtype_policy.name == "mixed_float16" and \
                self.optimizer is not None and not isinstance(self.optimizer, nf_optimizers.LossScaleOptimizer):
            # Keras' auto_scale_loss: float16 gradients underflow without a loss scale
            self.optimizer = nf_optimizers.LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
        self._compile_args = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights}
        if weighted_metrics is not None:
            self._compile_args["weighted_metrics"] = weighted_metrics
        object.__setattr__(self, "_loss_tracker", nf_metrics.Mean(name="loss"))  # what custom steps update
        self._specs = compile_utils.resolve(self, loss, metrics, loss_weights, self.output_names,
                                            self._output_layers(), self._output_shapes(), weighted_metrics)
        has_metrics = metrics is not None or weighted_metrics is not None  # Keras makes the entry only then
        object.__setattr__(self, "_compile_metrics", compile_utils.CompileMetrics(self) if has_metrics else None)

    @property
    def compiled(self) -> bool:
        """Whether ``compile`` has been called (Keras' ``model.compiled``)."""
        return self.__dict__.get("_specs") is not None

    @property
    def loss(self):
        """The ``loss`` given to ``compile`` (as given: a string, object, list or dict), ``None`` before. A plain
        record, as in Keras: assigning it changes what the attribute reads, not what the model minimises."""
        return self.__dict__.get("_loss_arg")

    @loss.setter
    def loss(self, value):
        object.__setattr__(self, "_loss_arg", value)

    @property
    def run_eagerly(self) -> bool:
        """Whether every step runs eagerly (``compile(run_eagerly=True)``, or assigned): no compiled step."""
        return self.__dict__.get("_run_eagerly", False)

    @run_eagerly.setter
    def run_eagerly(self, value):
        object.__setattr__(self, "_run_eagerly", bool(value))
        if value:
            object.__setattr__(self, "_jit_compile", False)

    @property
    def jit_compile(self) -> bool:
        """Whether the training step is compiled (``compile(jit_compile=...)``; ``"auto"`` reads True); assigning
        False makes every step eager, as ``run_eagerly``. See ``compile``."""
        return self.__dict__.get("_jit_compile", "auto") is not False

    @jit_compile.setter
    def jit_compile(self, value):
        if not isinstance(value, bool):
            raise check.ArgumentTypeError(f"model.jit_compile must be True or False, got {check.describe(value)}")
        object.__setattr__(self, "_jit_compile", value)
        object.__setattr__(self, "_jit_cache", None)

    def get_compile_config(self) -> dict:
        """The ``compile`` arguments, serialized (optimizer, loss, metrics, weighted_metrics, loss_weights); ``{}``
        before ``compile``. ``compile_from_config`` takes it back."""
        from ..saving.model_file import _compile_config
        return _compile_config(self) or {}

    def compile_from_config(self, config):
        """``compile`` with the arguments :meth:`get_compile_config` returned (new optimizer and metric objects)."""
        from ..saving.model_file import _compile
        if config:
            _compile(self, config, b"", {}, "compile_from_config()")

    def _jit_status(self) -> list:
        """The compiled training step per input signature: ``[{"compiled", "traces", "replays", "eager"}]``
        (``eager``: why that signature runs eagerly, or None). See ``compile(jit_compile=...)``."""
        from ..training.compiled_step import jit_status
        return jit_status(self)

    @loop.default_train_step
    def train_step(self, data):
        """One training step on ``data`` = ``x``, ``(x, y)`` or ``(x, y, sample_weight)``; returns a dict of
        values to log. Override it for custom loops (GANs...): ``fit`` then calls yours and averages the values it
        returns over each epoch. The default is the compiled loss + optimizer step."""
        x, y, w = custom_steps.unpack(data)
        runner = loop.StepRunner(self)
        return {"loss": runner.train(x, y, w)}

    @loop.default_train_step
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss for ``y_pred`` against ``y`` plus ``self.losses`` (what the model's latest forward
        pass added with ``add_loss``, and the weight penalties), as a scalar Tensor (Keras' ``compute_loss``).
        A subclass overriding it changes the loss ``fit``/``evaluate`` minimise and report, as in Keras."""
        loop._require_compiled(self, "compute_loss()")
        outs = compile_utils.outputs_list(y_pred)  # a dict of outputs too, in output_names' order
        terms = []  # each output's unweighted loss: fit logs it as "<output>_loss", override or not (Keras)
        total = compile_utils.weighted_loss(self._specs, compile_utils.y_per_output(self, y), outs, sample_weight,
                                            terms)
        compile_utils.report_terms(self._specs, terms, outs[0].shape[0] if outs[0].ndim else 1)
        return total_loss(total, self._pass_losses(), self, penalized=True)

    @loop.default_train_step
    def test_step(self, data):
        """One evaluation step on ``data`` = ``x``, ``(x, y)`` or ``(x, y, sample_weight)``; returns a dict of
        values to log. Override it together with ``train_step``: ``evaluate`` (and fit's validation) then call yours
        once per batch and report what the last call returned, as Keras does."""
        x, y, w = custom_steps.unpack(data)
        return {"loss": loop.StepRunner(self).test(x, y, w)}

    @loop.default_train_step
    def predict_step(self, data):
        """The outputs for one batch ``data`` (``x``, or ``(x, ...)``): ``self(x, training=False)``. Override it to
        change what ``predict`` returns per batch (post-processing, several outputs...), as in Keras; ``predict``
        then calls yours on each batch's ``x`` (a Tensor) and concatenates what it returns."""
        x, _, _ = custom_steps.unpack(data)
        return self(x, training=False)

    @property
    def metrics(self) -> list:
        """The metric objects a custom ``train_step`` updates and ``fit`` resets each epoch, in Keras' order: once
        compiled the loss tracker (``Mean(name="loss")``), the compiled metrics as one entry
        (:class:`~neuroflow.training.compile_utils.CompileMetrics`, ``"compile_metrics"``) and each output's loss
        tracker, then the metrics held as attributes of the model (``self.loss_tracker = ...Mean(name="loss")``)."""
        found = []
        if self.__dict__.get("_loss_tracker") is not None:
            found.append(self._loss_tracker)
            if self.__dict__.get("_compile_metrics") is not None:
                found.append(self._compile_metrics)
            found += [s.loss_tracker for s in self._specs or [] if s.loss_tracker is not None]
        found += [v for v in vars(self).values() if isinstance(v, nf_metrics.Metric)
                  and not isinstance(v, compile_utils.CompileMetrics)]
        unique = {id(m): m for m in found}
        return list(unique.values())

    def reset_metrics(self):
        """Reset the state of every metric in :attr:`metrics` (Keras' ``reset_metrics``)."""
        for m in self.metrics:
            m.reset_state()

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with ``y_pred`` against ``y`` (weighted metrics with ``sample_weight``) and
        return :meth:`get_metrics_result` (Keras' helper for a custom ``train_step``/``test_step``)."""
        if self.__dict__.get("_compile_metrics") is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """``{name: float}`` of every metric in :attr:`metrics` (the compiled ones under the names fit logs)."""
        return custom_steps.metric_results(self)

    @property
    def metrics_names(self) -> list:
        """The names of :attr:`metrics`, as in Keras 3 (``["loss", "compile_metrics"]`` for compiled metrics; the
        names ``fit`` logs are the keys of its logs)."""
        return [m.name for m in self.metrics]

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs``. x/y: arrays, lists, DataFrames, dicts (named inputs), or a dataset/generator
        of ``(x, y[, sample_weight])`` batches. Returns the ``History`` callback."""
        return loop.fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data,
                        shuffle, class_weight, sample_weight, initial_epoch, steps_per_epoch, validation_steps,
                        validation_batch_size, validation_freq)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss (and metrics) on test data: a scalar, a list ``[loss, *metrics]``, or a dict. ``callbacks`` get
        Keras' ``on_test_*`` hooks in Keras' order (see :mod:`neuroflow.callbacks.base`). ``**kwargs``: Keras'
        private ``_use_cached_eval_dataset`` (no effect here); any other raises, as in Keras."""
        kwargs.pop("_use_cached_eval_dataset", None)
        _no_other_kwargs("evaluate()", kwargs)
        return loop.evaluate(self, x, y, batch_size, verbose, sample_weight, steps, callbacks, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for ``x``, batched, recording no graph. Shapes: ``(n, ...)`` -> ``(n, ...outputs)``.
        ``callbacks`` get Keras' ``on_predict_*`` hooks, each batch's outputs in ``logs['outputs']``."""
        return predict_loop.predict(self, x, batch_size, verbose, steps, callbacks)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the loss (and metrics) of that batch."""
        loop._require_compiled(self, "train_on_batch()")
        batches = loop._batches(self, x, y, sample_weight, None, False, None, class_weight)
        runner = loop.StepRunner(self)
        runner.reset_metrics()
        tracker = loop._MeanTracker()
        tracker.update(runner.train(batches.x, batches.y, batches.sample_weight), 1)
        return self._format(runner.logs(tracker), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of one batch, without updating weights."""
        loop._require_compiled(self, "test_on_batch()")
        runner = loop.StepRunner(self)
        runner.reset_metrics()
        tracker = loop._MeanTracker()
        batches = loop._batches(self, x, y, sample_weight, None, False, None)
        tracker.update(runner.test(batches.x, batches.y, batches.sample_weight), 1)
        return self._format(runner.logs(tracker), return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch (no graph)."""
        if type(x) is np.ndarray and x.ndim and len(x):  # one array (serving): predict's fast path reads it
            return self.predict(x, batch_size=len(x), verbose=0)
        from ..training import data_adapter as da
        xs = da.to_structure(x, "x")
        return self.predict(xs, batch_size=da.num_samples(xs), verbose=0)

    @staticmethod
    def _format(logs, return_dict):
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # --- description and saving ----------------------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print layers, output shapes and parameter counts (trainable / non-trainable) with ``print_fn`` (default
        ``print``). Keras' layout options (``line_length``, ``positions``, ``expand_nested``, ``show_trainable``,
        ``layer_range``) are accepted; the table keeps neuroflow's layout."""
        from .summary import format_summary
        text = format_summary(self)
        (print_fn or print)(text)

    def save(self, filepath, overwrite=True, zipped=None, *, include_optimizer=True, signing_key=None):
        """Write one ``.neuroflow`` file: architecture (JSON), weights and optimizer state (safetensors); with
        ``signing_key`` (bytes) also an HMAC-SHA256 signature that ``load_model(..., signing_key=)`` checks.
        A ``.keras`` path writes Keras 3's archive instead (Keras loads it; no optimizer state). ``zipped``:
        Keras' argument; the file is always one archive (``zipped=False``, an unzipped directory, is refused)."""
        from ..saving import dispatch
        if zipped is not None and zipped is not True:
            raise ConfigError(f"save(): zipped={zipped!r} (an unzipped model directory) is not supported; "
                              f"leave zipped=None to write one archive file")
        dispatch.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                              signing_key=signing_key)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Write the weights alone (safetensors; Keras 3's HDF5 layout for a ``.weights.h5``/``.h5`` path).
        ``max_shard_size`` (Keras' sharded ``.weights.json``) is refused: the weights go to one file."""
        from ..saving import dispatch
        if max_shard_size is not None:
            raise ConfigError(f"save_weights(): max_shard_size={max_shard_size!r} (sharded weights) is not "
                              f"supported; leave it None to write one file")
        dispatch.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Load weights written by ``save_weights`` (or the weights inside a ``.neuroflow`` file), or Keras 3's
        ``.weights.h5`` files and ``.keras`` archives for the same architecture. ``skip_mismatch=True`` (skip
        layers whose shapes differ) is refused: a mismatch raises SavingError naming the layer."""
        from ..saving import dispatch
        _no_other_kwargs("load_weights()", kwargs)
        if skip_mismatch:
            raise ConfigError("load_weights(): skip_mismatch=True is not supported; load into a model of the same "
                              "architecture, or copy the matching layers' weights with layer.set_weights()")
        dispatch.load_weights(self, filepath)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):
        """Write the inference pass as an artifact for other runtimes (Keras 3's signature): ``format="onnx"``
        (``opset_version=`` picks the opset, default 17); Keras' other formats are refused with an error.
        Shapes: the model's inputs and outputs, the batch axis dynamic. See :func:`neuroflow.onnx.export`."""
        from ..onnx import export_artifact
        return export_artifact(self, filepath, format, verbose, input_signature, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The architecture as JSON text (no weights); ``model_from_json`` rebuilds it."""
        from ..saving import serialization
        import json
        return json.dumps(serialization.serialize_model(self), **kwargs)

    def get_config(self):
        if self._graph is None:
            config = {"name": self.name, "trainable": self._trainable}
            if getattr(self, "_build_input_shape", None) is not None:
                config["build_input_shape"] = _as_lists(self._build_input_shape)
            return config
        from ..saving import serialization
        return serialization.functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config:
            from ..custom_objects import custom_object_scope
            from ..saving import serialization
            with custom_object_scope(custom_objects):
                return serialization.functional_from_config(config, cls=cls)
        config = dict(config)
        shape = config.pop("build_input_shape", None)
        model = cls(**config)
        if shape is not None and not model.built:
            model._build_by_running(shape)
        return model


def _no_other_kwargs(who, kwargs):
    if kwargs:
        raise ConfigError(f"{who}: arguments not recognized: {sorted(kwargs)}")


def _is_shape(x) -> bool:
    return isinstance(x, (list, tuple)) and all(d is None or isinstance(d, int) for d in x)


def _free_batch_axis(shape):
    """``(32, 3)`` -> ``(None, 3)``, through lists and dicts of shapes."""
    if isinstance(shape, dict):
        return {k: _free_batch_axis(v) for k, v in shape.items()}
    if _is_shape(shape):
        return (None,) + tuple(shape[1:])
    return [_free_batch_axis(s) for s in shape]


def _as_lists(shape):
    """A shape structure as JSON-able lists."""
    if isinstance(shape, dict):
        return {k: _as_lists(v) for k, v in shape.items()}
    if _is_shape(shape):
        return list(shape)
    return [_as_lists(s) for s in shape]


def _zeros(shape, dtype):
    if isinstance(shape, dict):
        return {k: _zeros(v, dtype) for k, v in shape.items()}
    if _is_shape(shape):
        return np.zeros(tuple(1 if d is None else d for d in shape), dtype=dtype)
    return [_zeros(s, dtype) for s in shape]


def _fmt(shape):
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
