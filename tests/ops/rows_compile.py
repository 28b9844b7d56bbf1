"""Op-table rows for the compiled step's fused element-wise node (``neuroflow.compile.elementwise``)."""

from neuroflow import ops
from neuroflow.compile.elementwise import fused_elementwise

from .harness import case, distinct, positive

try:
    import torch
except ImportError:  # the table still runs finite differences
    torch = None

S = (3, 4)


def _gelu_tanh(lib):
    return lambda h: 0.5 * h * (1.0 + lib.tanh(0.7978845608 * (h + 0.044715 * h ** 3)))


ROWS = [
    case("fused_elementwise", lambda h: fused_elementwise(_gelu_tanh(ops), h), [S],
         _gelu_tanh(torch) if torch else None, id="gelu-tanh"),
    case("fused_elementwise", lambda a, b, s: fused_elementwise(
        lambda a, b, s: ops.exp(-ops.square(a * s - b)) + ops.sigmoid(b) / s, a, b, s), [S, S, positive()],
         (lambda a, b, s: torch.exp(-torch.square(a * s - b)) + torch.sigmoid(b) / s) if torch else None,
         id="scalar-input"),
    case("fused_elementwise", lambda a, b: fused_elementwise(
        lambda a, b: ops.maximum(ops.log(a), b) - ops.softplus(b) * ops.sqrt(a), a, b), [positive(*S), distinct(*S)],
         (lambda a, b: torch.maximum(torch.log(a), b) - torch.nn.functional.softplus(b) * torch.sqrt(a))
         if torch else None, id="log-max-softplus"),
]
