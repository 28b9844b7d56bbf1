"""Running neuroflow optimizers on the shared test problem."""
import numpy as np

import neuroflow as nf
from neuroflow import optimizers


def variables(weights):
    return [nf.Variable(w.copy()) for w in weights]


def run_neuroflow(opt, weights, grad_steps, vs=None):
    """Apply ``grad_steps`` with ``opt.step`` (gradients set on ``.grad``); returns the variables."""
    vs = vs if vs is not None else variables(weights)
    for grads in grad_steps:
        for v, g in zip(vs, grads):
            v.grad = g.copy()
        opt.step(vs)
        optimizers.Optimizer.zero_grad(vs)
    return vs


def assert_close(vs, expected, rtol=1e-5, atol=2e-6, what=""):
    for i, (v, e) in enumerate(zip(vs, expected)):
        got = v.data if isinstance(v, nf.Tensor) else v
        assert got.dtype == np.float32, f"{what}: variable {i} became {got.dtype}"
        np.testing.assert_allclose(got, e, rtol=rtol, atol=atol, err_msg=f"{what}: variable {i}")
