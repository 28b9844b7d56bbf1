"""Op-table rows for the complex-number ops (``ops/complex.py``): only ``view_as_real`` of a ``(real, imag)``
pair carries a gradient (neuroflow's tensors are real; complex results are NumPy arrays without gradient)."""
from __future__ import annotations

from neuroflow import ops

from .harness import case


def _torch_view_as_real(re, im):
    import torch
    return torch.view_as_real(torch.complex(re, im))


ROWS = [
    case("view_as_real", lambda re, im: ops.view_as_real((re, im)), [(3, 4), (3, 4)], _torch_view_as_real,
         id="pair"),
]
