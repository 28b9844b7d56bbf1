"""Lion, Ftrl and Lamb against Keras 3 (torch backend): the same weights and gradients, the same updates."""
import numpy as np
import pytest

from neuroflow import optimizers
from neuroflow.errors import ConfigError

from ..keras_oracle import keras
from .helpers import run_neuroflow
from .keras_reference import make_problem

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy:DeprecationWarning")

CASES = {
    "lion": ("Lion", dict(learning_rate=0.01)),
    "lion-betas": ("Lion", dict(learning_rate=0.02, beta_1=0.8, beta_2=0.95)),
    "ftrl": ("Ftrl", dict(learning_rate=0.1)),
    "ftrl-regularised": ("Ftrl", dict(learning_rate=0.1, l1_regularization_strength=0.01,
                                      l2_regularization_strength=0.02, l2_shrinkage_regularization_strength=0.03,
                                      beta=0.1, learning_rate_power=-0.7)),
    "lamb": ("Lamb", dict(learning_rate=0.05)),
    "lamb-weight-decay": ("Lamb", dict(learning_rate=0.05, weight_decay=0.05)),
}


@pytest.mark.parametrize("flat", [False, "auto"], ids=["per_variable", "auto"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras(case, flat):
    k = keras()
    class_name, kwargs = CASES[case]
    weights, grads = make_problem(seed=7, steps=6)
    vs = [k.Variable(w.copy()) for w in weights]
    ref = getattr(k.optimizers, class_name)(**kwargs)
    for step in grads:
        ref.apply([k.ops.convert_to_tensor(g) for g in step], vs)
    got = run_neuroflow(getattr(optimizers, class_name)(flat=flat, **kwargs), weights, grads)
    for g, want in zip(got, vs):
        np.testing.assert_allclose(g.data, np.asarray(want.numpy()), rtol=2e-5, atol=2e-6)


def test_get_by_name_and_config_round_trip():
    for name in ("lion", "ftrl", "lamb"):
        opt = optimizers.get(name)
        again = optimizers.deserialize(optimizers.serialize(opt))
        assert type(again) is type(opt) and again.get_config() == opt.get_config()


def test_lamb_refuses_flat_packing_and_checks_arguments():
    with pytest.raises(ConfigError, match="whole"):
        optimizers.Lamb(flat=True)
    with pytest.raises(ConfigError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ConfigError, match="beta_1"):
        optimizers.Lion(beta_1=1.5)
