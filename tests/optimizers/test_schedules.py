"""Learning-rate schedules: Keras' values at several steps, staircase/cycle/warmup semantics, configs."""
import math

import pytest

from neuroflow.errors import ConfigError
from neuroflow.optimizers import schedules as S


def approx(x):
    return pytest.approx(x, rel=1e-12, abs=1e-15)


def test_exponential_decay():
    s = S.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert [s(0), s(5), s(10), s(25)] == [approx(0.1), approx(0.1 * 0.5 ** 0.5), approx(0.05), approx(0.1 * 0.5 ** 2.5)]
    st = S.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert [st(0), st(9), st(10), st(19), st(20)] == [approx(0.1), approx(0.1), approx(0.05), approx(0.05),
                                                      approx(0.025)]


def test_inverse_time_decay():
    s = S.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
    assert [s(0), s(1), s(4)] == [approx(0.1), approx(0.1 / 1.5), approx(0.1 / 3.0)]
    st = S.InverseTimeDecay(0.1, decay_steps=4, decay_rate=1.0, staircase=True)
    assert [st(3), st(4), st(9)] == [approx(0.1), approx(0.05), approx(0.1 / 3)]


def test_piecewise_constant_boundaries_belong_to_the_lower_interval():
    s = S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [s(0), s(10), s(11), s(20), s(21), s(10 ** 6)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ConfigError, match="one more element"):
        S.PiecewiseConstantDecay([10, 20], [1.0, 0.5])
    with pytest.raises(ConfigError, match="strictly increasing"):
        S.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1])


def test_polynomial_decay():
    s = S.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=0.5)
    assert s(0) == approx(0.1)
    assert s(5) == approx(0.09 * 0.5 ** 0.5 + 0.01)
    assert s(10) == approx(0.01) and s(50) == approx(0.01)
    c = S.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0, cycle=True)
    assert [c(0), c(5), c(10), c(15)] == [approx(0.1), approx(0.05), approx(0.0), approx(0.1 * (1 - 15 / 20))]


def test_cosine_decay_without_and_with_warmup():
    s = S.CosineDecay(0.1, decay_steps=100, alpha=0.1)
    assert s(0) == approx(0.1)
    assert s(50) == approx(0.1 * (0.9 * 0.5 + 0.1))
    assert s(100) == approx(0.01) and s(1000) == approx(0.01)
    w = S.CosineDecay(0.0, decay_steps=100, warmup_target=0.2, warmup_steps=10)
    assert [w(0), w(5), w(10)] == [approx(0.0), approx(0.1), approx(0.2)]
    assert w(60) == approx(0.2 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert w(110) == approx(0.0) and w(500) == approx(0.0)


def test_cosine_decay_restarts():
    s = S.CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=2.0, m_mul=0.5, alpha=0.0)
    assert s(0) == approx(1.0)
    assert s(5) == approx(0.5)
    assert s(10) == approx(0.5)          # restart: period 2 starts at m_mul
    assert s(20) == approx(0.5 * 0.5)    # half-way through the 20-step second period
    assert s(30) == approx(0.25)         # third period starts at m_mul ** 2
    s1 = S.CosineDecayRestarts(1.0, first_decay_steps=4, t_mul=1.0)
    assert [s1(0), s1(2), s1(4), s1(6)] == [approx(1.0), approx(0.5), approx(1.0), approx(0.5)]


@pytest.mark.parametrize("sched", [
    S.ExponentialDecay(0.1, 10, 0.9, staircase=True), S.InverseTimeDecay(0.1, 10, 0.5),
    S.PiecewiseConstantDecay([5], [0.1, 0.01]), S.PolynomialDecay(0.1, 10, cycle=True),
    S.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=5), S.CosineDecayRestarts(0.1, 10)],
    ids=lambda s: type(s).__name__)
def test_config_roundtrip(sched):
    again = S.deserialize(S.serialize(sched))
    assert type(again) is type(sched) and again.get_config() == sched.get_config()
    assert [again(t) for t in (0, 3, 7, 40)] == [sched(t) for t in (0, 3, 7, 40)]


def test_keras_config_keys():
    assert set(S.CosineDecay(0.1, 10).get_config()) == {"initial_learning_rate", "decay_steps", "alpha", "name",
                                                         "warmup_target", "warmup_steps"}
    assert S.ExponentialDecay(0.1, 10, 0.9).get_config()["name"] == "ExponentialDecay"


def test_errors():
    with pytest.raises(ConfigError, match="decay_steps must be > 0"):
        S.ExponentialDecay(0.1, 0, 0.9)
    with pytest.raises(ConfigError, match="unknown learning rate schedule 'CosineDecy': did you mean 'CosineDecay'"):
        S.deserialize({"class_name": "CosineDecy", "config": {}})
