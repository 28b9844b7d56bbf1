"""The argument-check helpers of ``neuroflow._validate``: what each accepts, normalises and refuses, and the
error types (a wrong type is a TypeError and a ValueError at once, so either ``except`` catches it)."""
import numpy as np
import pytest

from neuroflow import _validate as check
from neuroflow.errors import ConfigError


@pytest.mark.parametrize("value, expected", [(3, 3), (np.int64(3), 3), (3.0, 3), (np.float32(4.0), 4)])
def test_positive_int_accepts_integers_and_integral_floats(value, expected):
    out = check.positive_int(value, "W", "units")
    assert out == expected and type(out) is int


@pytest.mark.parametrize("value, type_error", [(0, False), (-2, False), (2.5, False), (float("nan"), False),
                                               (True, True), (np.bool_(True), True), ("3", True), (None, True)])
def test_positive_int_refuses_with_the_argument_and_value(value, type_error):
    with pytest.raises(ConfigError) as info:
        check.positive_int(value, "Dense 'd'", "units")
    assert isinstance(info.value, TypeError) == type_error
    assert str(info.value).startswith("Dense 'd': units must be an int >= 1, got ")
    assert repr(value) in str(info.value)


def test_a_wrong_type_is_both_value_error_and_type_error():
    for exc in (ValueError, TypeError):
        with pytest.raises(exc):
            check.probability("0.5", "Dropout", "rate")


def test_probability_bounds_and_message():
    assert check.probability(0, "D", "rate") == 0.0 and check.probability(np.float32(0.5), "D", "rate") == 0.5
    assert check.probability(1, "B", "momentum", inclusive_high=True) == 1.0
    with pytest.raises(ConfigError, match=r"^D: rate must be in \[0, 1\), got 1 \(int\)$"):
        check.probability(1, "D", "rate")


def test_finite_float_open_and_closed_bounds():
    assert check.positive_float(1e-9, "A", "epsilon") == 1e-9
    with pytest.raises(ConfigError, match="epsilon must be a finite float > 0, got 0"):
        check.positive_float(0, "A", "epsilon")
    with pytest.raises(ConfigError, match="inf"):
        check.non_negative_float(float("inf"), "A", "weight_decay")
    assert check.non_negative_float(None, "A", "weight_decay", allow_none=True) is None


def test_boolean_one_of_and_shape_tuple():
    assert check.boolean(np.bool_(False), "L", "flag") is False
    with pytest.raises(TypeError, match="flag must be True or False, got 1 \\(int\\)"):
        check.boolean(1, "L", "flag")
    assert check.one_of("SAME", "C", "padding", ("valid", "same"), lower=True) == "same"
    with pytest.raises(ConfigError, match="padding must be one of 'valid', 'same', got 'full'"):
        check.one_of("full", "C", "padding", ("valid", "same"))
    with pytest.raises(TypeError):
        check.one_of(["valid"], "C", "padding", {"valid", "same"})  # unhashable: still a clear error
    assert check.shape_tuple([28, None, 1], "Input", "shape") == (28, None, 1)
    for bad in ((0,), (-1,), (2.0,), (True,)):
        with pytest.raises(ConfigError, match="shape must hold positive ints"):
            check.shape_tuple(bad, "Input", "shape")


def test_resolved_prefixes_a_lookup_error_with_who_and_argument():
    def get(name):
        raise ConfigError(f"unknown activation {name!r}")

    with pytest.raises(ConfigError, match="^Dense 'd': activation: unknown activation 'bogus'$"):
        check.resolved(get, "bogus", "Dense 'd'", "activation")


def test_describe_shortens_long_values():
    text = check.describe("x" * 200)
    assert len(text) < 80 and text.endswith("(str)")
