"""The compiled step: a training step recorded once into a Program and replayed (see compile/ir.py).

``set_compile_level(0 | 1 | 2 | None)`` / ``compile_level()``: the optimisation level of compiled training steps
(default 1, or ``$NEUROFLOW_COMPILE_LEVEL``); see :mod:`neuroflow.compile.optimized`."""
from .optimized import compile_level, set_compile_level  # noqa: F401
