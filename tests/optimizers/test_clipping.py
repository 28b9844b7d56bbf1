"""clipnorm (per variable), global_clipnorm, clipvalue and loss_scale_factor, as Keras applies them (unscale,
then clip, then weight decay and the update), against NumPy and against PyTorch's clip utilities."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import optimizers
from neuroflow.errors import ConfigError
from tests.conftest import host

from .helpers import assert_close, run_neuroflow
from .keras_reference import make_problem, run_reference

CLIPS = [dict(clipnorm=0.5), dict(clipnorm=100.0), dict(global_clipnorm=1.0), dict(global_clipnorm=1e3),
         dict(clipvalue=0.3), dict(loss_scale_factor=8.0), dict(loss_scale_factor=4.0, clipnorm=0.5),
         dict(loss_scale_factor=2.0, clipvalue=0.2)]


@pytest.mark.parametrize("flat", [False, True], ids=["per_variable", "flat"])
@pytest.mark.parametrize("name", ["sgd", "adam"])
@pytest.mark.parametrize("clip", CLIPS, ids=[",".join(f"{k}={v}" for k, v in c.items()) for c in CLIPS])
def test_clipping_matches_keras_formula(clip, name, flat):
    weights, grads = make_problem(seed=11, grad_scale=3.0)
    opt = optimizers.ALL_OPTIMIZERS[name](learning_rate=0.05, flat=flat, **clip)
    vs = run_neuroflow(opt, weights, grads)
    assert_close(vs, run_reference(name, weights, grads, learning_rate=0.05, **clip), what=str(clip))


def test_clipping_matches_torch_utilities():
    torch = pytest.importorskip("torch")
    weights, grads = make_problem(seed=12, steps=1, grad_scale=3.0)
    g = grads[0]
    for kind, kwargs in [("norm", dict(clipnorm=0.7)), ("global", dict(global_clipnorm=0.7)),
                         ("value", dict(clipvalue=0.4))]:
        params = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
        for p, x in zip(params, g):
            p.grad = torch.tensor(x)
        if kind == "norm":
            for p in params:
                torch.nn.utils.clip_grad_norm_([p], 0.7)
        elif kind == "global":
            torch.nn.utils.clip_grad_norm_(params, 0.7)
        else:
            torch.nn.utils.clip_grad_value_(params, 0.4)
        torch.optim.SGD(params, lr=1.0).step()
        vs = run_neuroflow(optimizers.SGD(learning_rate=1.0, **kwargs), weights, grads)
        assert_close(vs, [p.detach().numpy() for p in params], what=kind)


def test_clipping_does_not_modify_the_callers_gradients():
    weights, grads = make_problem(seed=13, steps=1, grad_scale=5.0)
    for flat in (False, True):
        vs = [nf.Variable(w.copy()) for w in weights]
        given = [g.copy() for g in grads[0]]
        optimizers.SGD(clipnorm=0.1, flat=flat).apply_gradients(zip(given, vs))
        for a, b in zip(given, grads[0]):
            np.testing.assert_array_equal(a, b)


def test_only_one_clipping_argument():
    with pytest.raises(ConfigError, match="only one of clipnorm, clipvalue and global_clipnorm"):
        optimizers.Adam(clipnorm=1.0, clipvalue=0.5)
    with pytest.raises(ConfigError, match="clipnorm must be >= 0"):
        optimizers.Adam(clipnorm=-1.0)


def test_global_clipnorm_of_non_finite_gradients_gives_nan_like_keras():
    v = nf.Variable(np.ones(3, np.float32))
    optimizers.SGD(global_clipnorm=1.0).apply_gradients([(np.array([np.inf, 1, 1], np.float32), v)])
    assert np.isnan(host(v.data)).all()
