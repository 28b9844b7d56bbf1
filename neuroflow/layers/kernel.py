"""A layer's forward computation, defined once per input shape and run two ways.

A :class:`Kernel` is the short list of graph nodes a layer's forward makes (a Dense: the linear node, then the
activation's node where it is not fused in). Each :class:`Step` holds a factory of its node's ``Function``, with
the plan (shape checks, convolution geometry, which activation is fused) made once when the kernel is made, and the
names of the layer weights the node reads after its input. ``Kernel.graph`` applies the nodes to a Tensor (what
``Layer.call`` returns: nodes recorded when a gradient is needed), ``Kernel.array_fn`` chains their ``forward`` on
arrays (graph-free ``predict``: no Tensor, no node). Both run the same ``Function.forward``, so the two paths
cannot drift apart, and fusion is decided in one place: :func:`activation_steps` and the layer's
``_forward_kernel``.

Kernels are cached per layer, input shape (without the batch axis), dtype and activation by :func:`kernel_for`. A
step names weights rather than holding them, so a copied layer (``copy.deepcopy``) runs its own weights.
"""
from __future__ import annotations

from .. import activations as nf_activations
from ..autograd.function import is_grad_enabled
from ..autograd.tensor import Tensor, as_tensor
from ..errors import ConfigError
from ..ops.activation import NODES

#: Kernels kept per layer (input shapes and dtypes); a layer fed many shapes starts its cache over.
_MAX_KERNELS = 8

#: Activations fused into a linear or convolution node. Not sigmoid: its own node hands its input (the logits) to
#: a cross-entropy (``_keras_logits``), and costs the same arithmetic on its own.
FUSED_ACTIVATIONS = ("linear", "relu", "tanh")


class Step:
    """One node: ``make(needs)`` returns its ``Function``, reading the layer weights named in ``weights`` after its
    input. For a node that saves buffers only for a backward that will come (a convolution's columns, a max pool's
    argmax: ``saves=True``), ``needs`` holds one bool per operand (the input, then each weight) saying whether a
    gradient is recorded for it; otherwise, and whenever nothing is recorded, it is None."""

    __slots__ = ("make", "weights", "saves")

    def __init__(self, make, weights=(), saves=False):
        self.make, self.weights, self.saves = make, tuple(weights), saves

    def graph(self, layer, x):
        if not self.weights:  # an activation, a reshape, a pooling
            return self.make((x.requires_grad,) if self.saves and is_grad_enabled() else None).apply(x)
        ws = [getattr(layer, name) for name in self.weights]
        needs = None
        if self.saves and is_grad_enabled():
            needs = (x.requires_grad,) + tuple(w.requires_grad for w in ws)
        return self.make(needs).apply(x, *ws)

    def array_fn(self, layer):
        # One closure per operand count: predict's one-sample latency is a few microseconds per layer, and a
        # generic argument list costs a tenth of that.
        make, names = self.make, self.weights
        if not names:
            return lambda a: make(None).forward(a)
        if len(names) == 1:
            (name,) = names
            return lambda a: make(None).forward(a, getattr(layer, name).data)
        if len(names) == 2:
            first, second = names
            return lambda a: make(None).forward(a, getattr(layer, first).data, getattr(layer, second).data)
        return lambda a: make(None).forward(a, *[getattr(layer, n).data for n in names])


class TensorStep:
    """A step that is a Tensor -> Tensor function (an activation with no single node here, e.g. a custom one);
    on arrays it runs on a Tensor wrapped around them."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn

    def graph(self, layer, x):
        return self.fn(x)

    def array_fn(self, layer):
        fn = self.fn
        return lambda a: fn(Tensor._from_op(a, None)).data


class Kernel:
    """The steps of a layer's forward for one input shape. Shapes: as the layer's."""

    __slots__ = ("steps",)

    def __init__(self, *steps):
        self.steps = steps

    def graph(self, layer, x):
        """The layer's output Tensor for the input Tensor ``x`` (nodes recorded when a gradient is needed)."""
        x = as_tensor(x)
        for step in self.steps:
            x = step.graph(layer, x)
        return x

    def array_fn(self, layer):
        """A function ``array -> array`` computing the same for ``layer``'s weights at call time."""
        fns = [step.array_fn(layer) for step in self.steps]
        if not fns:
            return _identity
        if len(fns) == 1:
            return fns[0]
        if len(fns) == 2:  # a node and its activation
            node, activation = fns
            return lambda a: activation(node(a))
        first, *rest = fns

        def chain(a):
            a = first(a)
            for fn in rest:
                a = fn(a)
            return a
        return chain


def _identity(a):
    return a


IDENTITY = Kernel()  # the inference kernel of dropout and noise layers


def activation_steps(activation) -> tuple:
    """``(activation fused into the layer's linear/conv node, steps after that node)`` for a layer's activation
    function. One place decides fusion for Dense and the convolutions."""
    name = nf_activations.serialize(activation)
    if name in FUSED_ACTIVATIONS and _is_builtin(name, activation):
        return name, ()
    return "linear", activation_only(activation)


def activation_only(activation) -> tuple:
    """The steps of an activation on its own: none for linear, its one node where it has one (a Keras activation
    with its default arguments), else a step calling the function."""
    name = nf_activations.serialize(activation)
    if not _is_builtin(name, activation):
        return (TensorStep(activation),)
    if name == "linear":
        return ()
    node = NODES.get(name)
    return (Step(lambda needs: node()),) if node is not None else (TensorStep(activation),)


def _is_builtin(name: str, activation) -> bool:
    """Whether ``activation`` is Keras' activation ``name`` itself (not a custom function of that name)."""
    try:
        return nf_activations.get(name) is activation
    except ConfigError:
        return False


def kernel_for(layer, shape, dtype) -> Kernel | None:
    """``layer._forward_kernel(shape, dtype)``, made once per input shape (batch axis aside), dtype and activation
    (so that ``layer.activation = ...`` after a call, e.g. to read a classifier's logits, takes effect)."""
    cache = layer.__dict__.get("_kernels")
    if cache is None:
        cache = layer.__dict__["_kernels"] = {}  # not through __setattr__: no tracking, no containers
    # A rank-1 input has no batch axis to leave out (its one axis is the layer's business).
    key = (tuple(shape[1:]) if len(shape) > 1 else (None,) + tuple(shape), dtype, getattr(layer, "activation", None))
    kernel = cache.get(key, _MISSING)
    if kernel is _MISSING:
        if len(cache) >= _MAX_KERNELS:
            cache.clear()
        kernel = cache[key] = layer._forward_kernel(tuple(shape), dtype)
    return kernel


_MISSING = object()


def run(layer, inputs):
    """``layer``'s kernel applied to the Tensor ``inputs``: the body of a kernel layer's ``call``.

    Shapes: ``inputs`` ``(batch, ...)`` -> the layer's output Tensor."""
    return kernel_for(layer, inputs.shape, inputs.dtype).graph(layer, inputs)
