"""Every optimizer against PyTorch's, over 10 steps of the same random gradients (float32 tolerance).

Hyper-parameters are mapped to PyTorch's names. Where Keras and PyTorch differ in formula, the PyTorch run uses
the setting under which the two formulas coincide, and the Keras defaults themselves are checked against a
direct NumPy transcription of Keras' formulas in test_keras_reference.py:
- Adam/AdamW/Adamax/RMSprop/Adagrad place epsilon differently (Keras: ``sqrt(v) + eps`` without bias correction
  for Adam, inside the root for RMSprop/Adagrad, outside the max for Adamax), so these run with ``epsilon=0``;
- Keras' Nadam is PyTorch's NAdam with ``momentum_decay=1.0``; Adadelta's formulas are identical (epsilon too);
- Keras' weight decay is decoupled: PyTorch's AdamW, or Adam/NAdam with ``decoupled_weight_decay=True``;
  PyTorch's SGD/RMSprop/Adagrad weight decay is an L2 term instead (checked against NumPy only).
"""
import pytest

from neuroflow import optimizers

from .helpers import assert_close, run_neuroflow
from .keras_reference import make_problem

torch = pytest.importorskip("torch")
O = torch.optim

CASES = [
    ("sgd", dict(learning_rate=0.1), lambda p: O.SGD(p, lr=0.1)),
    ("sgd", dict(learning_rate=0.05, momentum=0.9), lambda p: O.SGD(p, lr=0.05, momentum=0.9)),
    ("sgd", dict(learning_rate=0.05, momentum=0.8, nesterov=True),
     lambda p: O.SGD(p, lr=0.05, momentum=0.8, nesterov=True)),
    ("adam", dict(learning_rate=0.01, epsilon=0.0), lambda p: O.Adam(p, lr=0.01, eps=0.0)),
    ("adam", dict(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=0.0, amsgrad=True),
     lambda p: O.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=0.0, amsgrad=True)),
    ("adam", dict(learning_rate=0.01, epsilon=0.0, weight_decay=0.1),
     lambda p: O.Adam(p, lr=0.01, eps=0.0, weight_decay=0.1, decoupled_weight_decay=True)),
    ("adamw", dict(learning_rate=0.01, weight_decay=0.05, epsilon=0.0),
     lambda p: O.AdamW(p, lr=0.01, weight_decay=0.05, eps=0.0)),
    ("adamw", dict(learning_rate=0.01, epsilon=0.0, amsgrad=True),
     lambda p: O.AdamW(p, lr=0.01, weight_decay=0.004, eps=0.0, amsgrad=True)),
    ("rmsprop", dict(learning_rate=0.01, epsilon=0.0), lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0)),
    ("rmsprop", dict(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True, epsilon=0.0),
     lambda p: O.RMSprop(p, lr=0.01, alpha=0.8, momentum=0.5, centered=True, eps=0.0)),
    ("rmsprop", dict(learning_rate=0.01, momentum=0.9, epsilon=0.0),
     lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.9, eps=0.0)),
    ("adagrad", dict(learning_rate=0.1, epsilon=0.0),
     lambda p: O.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0.0)),
    ("adadelta", dict(learning_rate=1.0), lambda p: O.Adadelta(p, lr=1.0, rho=0.95, eps=1e-7)),
    ("adadelta", dict(learning_rate=0.5, rho=0.9, epsilon=1e-6), lambda p: O.Adadelta(p, lr=0.5, rho=0.9, eps=1e-6)),
    ("adamax", dict(learning_rate=0.01, epsilon=0.0), lambda p: O.Adamax(p, lr=0.01, eps=0.0)),
    ("nadam", dict(learning_rate=0.01), lambda p: O.NAdam(p, lr=0.01, eps=1e-7, momentum_decay=1.0)),
    ("nadam", dict(learning_rate=0.01, weight_decay=0.1),
     lambda p: O.NAdam(p, lr=0.01, eps=1e-7, momentum_decay=1.0, weight_decay=0.1, decoupled_weight_decay=True)),
]


def _torch_run(make, weights, grad_steps):
    params = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    opt = make(params)
    history = []
    for grads in grad_steps:
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
@pytest.mark.parametrize("name,kwargs,make", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_torch_every_step(name, kwargs, make, flat):
    weights, grad_steps = make_problem(seed=1)
    expected = _torch_run(make, weights, grad_steps)
    opt = optimizers.get(name).__class__(flat=flat, **kwargs)
    vs = None
    for step, grads in enumerate(grad_steps):
        vs = run_neuroflow(opt, weights, [grads], vs=vs)
        assert_close(vs, expected[step], what=f"{name} {kwargs} step {step + 1}")
    assert opt.iterations == len(grad_steps)
