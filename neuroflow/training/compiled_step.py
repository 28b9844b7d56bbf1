"""``fit``'s compiled training step (``compile(jit_compile="auto" | True)``): the StepRunner's step recorded once per
input signature and replayed (``neuroflow/compile``), with the same results as the eager step bit for bit.

On a device (CuPy, the strict stand-in) the feeds are the batch's device arrays and the program replays there:
its loss stays a device scalar (``device_scalar.keep``), read with the metrics once per logging step.

What runs eagerly, and why, is inspectable: ``model._jit_status()`` lists each signature (traces, replays, and
the reason a signature stays eager). A custom ``train_step``, data-parallel training and a loss-scaling optimizer
(its scale changes between steps) stay eager.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import random as nf_random
from ..backend import is_array
from ..compile.optimized import compile_level, optimized_executable
from ..compile.program_cache import ProgramCache
from ..compile.trace import Recorder
from ..layers.loss_scope import collect_losses
from ..random import SeedGenerator
from . import custom_steps, data_adapter as da, device_scalar

JIT_VALUES = ("auto", True, False)


def eager_reason(model, sync) -> str | None:
    """Why ``model``'s default training step cannot be compiled, or None."""
    if custom_steps.overrides(model, "train_step"):
        return "a custom train_step (wrap your code in neuroflow.function to compile it)"
    if custom_steps.overrides(model, "compute_loss") and any(s.loss_tracker is not None for s in model._specs or ()):
        # whether it calls super().compute_loss() (which computes the "<output>_loss" values) shows only eagerly
        return "a compute_loss override with several compiled losses"
    if sync is not None:
        return "data-parallel training"
    if hasattr(model.optimizer, "dynamic_scale"):
        return "a loss-scaling optimizer (its scale changes between steps)"
    return None


def for_runner(runner):
    """The compiled step of ``runner`` (a StepRunner), or None when the model runs eagerly."""
    model = runner.model
    jit = model.__dict__.get("_jit_compile", "auto")
    if jit is False:
        return None
    reason = eager_reason(model, runner.sync)
    if reason is not None:
        if jit is True:
            warnings.warn(f"model {model.name!r}: jit_compile=True, but the training step runs eagerly: {reason}",
                          stacklevel=4)
        return None
    cache = model.__dict__.get("_jit_cache")
    if cache is None:
        level = compile_level()  # fixed for the programs of this compile() (a new compile() reads it again)
        cache = ProgramCache("training step", warn=jit is True,
                             make=lambda trace: optimized_executable(trace, level))
        model.__dict__["_jit_cache"] = cache
    return CompiledTrain(runner, cache)


def _generators(model):
    """The random generators a step may legitimately draw from: the default one and every layer's own."""
    gens = [nf_random.default_generator()]
    for layer in model._flatten_layers():
        for value in layer.__dict__.values():
            if isinstance(value, (np.random.Generator, SeedGenerator)):
                gens.append(value)
    return gens


class CompiledTrain:
    """``train(x, y, w) -> loss value`` through the cache: trace, replay, or eager."""

    def __init__(self, runner, cache):
        self.runner, self.cache = runner, cache
        # what cannot change within one fit (a StepRunner lives for one): the optimizer and the layer structure
        self.fixed = (id(runner.model.optimizer), len(runner.model._flatten_layers()))

    def _key(self, kind, x, y, feeds):
        # a dict's keys too: its arrays are fed in the dict's order, so {"b", "a"} must not replay {"a", "b"}
        keys = (tuple(x) if isinstance(x, dict) else None, tuple(y) if isinstance(y, dict) else None)
        return (kind, tuple((a.shape, a.dtype.str) for a in feeds), type(x), type(y), keys, len(feeds),
                tuple((id(v), v._trainable) for v in self.runner.variables), self.fixed)

    def train(self, x, y, w):
        runner = self.runner
        if runner.variables is None:  # a subclassed model builds its layers on its first call
            return runner.train_eager(x, y, w)
        feeds = da.leaves(x) + da.leaves(y) + ([w] if w is not None else [])
        if not all(is_array(a) for a in feeds):
            return runner.train_eager(x, y, w)
        return self.cache.run(self._key("train", x, y, feeds), lambda exe: self._replay(exe, x, y, w, feeds),
                              lambda: self._trace(x, y, w, feeds),
                              lambda: runner.train_eager(x, y, w))

    def test(self, x, y, w):
        """One evaluation step (forward and loss, no graph) through the cache."""
        runner = self.runner
        feeds = da.leaves(x) + da.leaves(y) + ([w] if w is not None else [])
        if runner.variables is None or runner.sync is not None or not all(is_array(a) for a in feeds):
            return runner.test_eager(x, y, w)
        return self.cache.run(self._key("test", x, y, feeds), lambda exe: self._replay_test(exe, y, w, feeds),
                              lambda: self._trace_test(x, y, w, feeds),
                              lambda: runner.test_eager(x, y, w))

    def _trace_test(self, x, y, w, feeds):
        runner = self.runner
        rec = Recorder(feeds, _generators(runner.model))
        with rec:
            ys, outs, loss, terms = runner.test_forward_loss(x, y, w)
        trace = rec.finish([loss] + list(outs) + terms)
        runner._update_metrics(ys, [o.data for o in outs], w, [t.data for t in terms])
        return device_scalar.keep(loss.data), trace

    def _replay_test(self, exe, y, w, feeds):
        arrays = exe.forward(feeds)
        outs, terms = self._split(arrays)
        self.runner._update_metrics(self.runner.targets(y), outs, w, terms)
        return device_scalar.keep(arrays[0])

    def _split(self, arrays):
        """A replay's ``[loss, *outputs, *per-output loss terms]`` as ``(outputs, terms)``."""
        end = len(arrays) - len(self.runner.trackers)
        return arrays[1:end], arrays[end:]

    def _trace(self, x, y, w, feeds):
        runner, model = self.runner, self.runner.model
        runner.clear_grads()
        rec = Recorder(feeds, _generators(model))
        with rec:
            ys, outs, loss, terms = runner.forward_loss(x, y, w)
            root = model.optimizer.scale_loss(loss) if runner.variables else loss
        trace = rec.finish([loss] + list(outs) + terms, root if runner.variables else None)
        value = device_scalar.keep(loss.data)  # on a device it stays there: read once per logging step
        if runner.variables:
            root.backward(retain_graph=True)  # the nodes stay usable for replays
        return runner.update(x, ys, [o.data for o in outs], w, value, [t.data for t in terms]), trace

    def _replay(self, exe, x, y, w, feeds):
        runner = self.runner
        runner.clear_grads()
        arrays = exe.forward(feeds)
        value = device_scalar.keep(arrays[0])
        if runner.variables:
            exe.backward()
        outs, terms = self._split(arrays)
        return runner.update(x, runner.targets(y), outs, w, value, terms)


def jit_status(model) -> list:
    """One dict per input signature the compiled step has seen: ``compiled`` (programs), ``traces``,
    ``replays`` and ``eager`` (why it runs eagerly, or None); empty when nothing was compiled."""
    cache = model.__dict__.get("_jit_cache")
    return [] if cache is None else list(cache.status().values())


__all__ = ["for_runner", "CompiledTrain", "jit_status", "JIT_VALUES", "eager_reason"]
