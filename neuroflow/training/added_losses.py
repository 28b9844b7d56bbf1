"""The step's total loss: the compiled loss plus the losses the model adds itself (Keras' ``compute_loss``).

Added losses are those of one forward pass (``Layer.add_loss``, activity regularizers: the pass's
:class:`~neuroflow.layers.loss_scope.LossScope`) and the weight regularizers' penalties. A non-scalar added loss
is summed, as Keras' ``_aggregate_additional_loss`` does.
"""
from __future__ import annotations

from .. import ops
from ..errors import ConfigError


def _scalar(loss):
    return loss if loss.ndim == 0 else ops.sum(loss)


def total_loss(compiled, added, model, penalized: bool):
    """``compiled`` (a scalar Tensor, or ``None`` when compile got no loss) + every loss in ``added`` (this pass's
    ``add_loss`` values) + the weight penalties when ``penalized``. Shapes: scalars -> scalar Tensor.

    Raises ConfigError when nothing is left to minimise (no compiled loss, nothing added), as Keras does.
    """
    terms = [] if compiled is None else [compiled]
    terms += [_scalar(v) for v in added]
    if penalized:
        terms += model._weight_penalties()
    if not terms:
        raise ConfigError(f"model {model.name!r}: no loss to compute. Pass loss=... to compile(), or add losses "
                          f"in the model's call with self.add_loss(...)")
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total
