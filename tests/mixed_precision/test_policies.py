"""Dtype policies: names, dtypes, serialization, the global policy, layers' dtype arguments and configs."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import config, dtype_policies, layers, mixed_precision
from neuroflow.errors import ConfigError, MissingDependencyError


@pytest.fixture
def restore_policy():
    yield
    config.set_dtype_policy("float32")


@pytest.mark.parametrize("name, compute, variable", [("mixed_float16", "float16", "float32"),
                                                      ("float64", "float64", "float64"),
                                                      ("float32", "float32", "float32")])
def test_policy_dtypes(name, compute, variable):
    policy = dtype_policies.DTypePolicy(name)
    assert (policy.name, policy.compute_dtype, policy.variable_dtype, policy.quantization_mode) == (
        name, compute, variable, None)
    assert dtype_policies.get(name) == policy == dtype_policies.FloatDTypePolicy(name)
    assert repr(policy) == f'<DTypePolicy "{name}">'


def test_bfloat16_policy_rounds_through_ml_dtypes(monkeypatch):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    policy = dtype_policies.DTypePolicy("mixed_bfloat16")
    assert (policy.compute_dtype, policy.variable_dtype) == ("bfloat16", "float32")
    assert dtype_policies.numpy_dtype("bfloat16").name == "bfloat16"
    layer = layers.Dense(2, dtype="mixed_bfloat16")
    x = nf.Tensor(np.random.default_rng(0).normal(size=(3, 4)).astype("float32"), requires_grad=True)
    out = layer(x)
    # bfloat16 values held in float32 arrays: rounding them again changes nothing
    assert out.dtype == np.float32 and layer.kernel.dtype == np.float32
    np.testing.assert_array_equal(out.data, out.data.astype(ml_dtypes.bfloat16).astype("float32"))
    out.sum().backward()
    assert x.grad.dtype == np.float32 and layer.kernel.grad.dtype == np.float32
    import builtins
    real_import = builtins.__import__

    def no_ml_dtypes(name, *args, **kwargs):
        if name == "ml_dtypes":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_ml_dtypes)
    with pytest.raises(MissingDependencyError, match=r"neuroflow\[mixed\]"):
        dtype_policies.DTypePolicy("mixed_bfloat16")


def test_quantized_policies_and_serialization():
    policy = dtype_policies.get("int8_from_mixed_bfloat16") if _has_ml_dtypes() else \
        dtype_policies.get("int8_from_float32")
    assert type(policy) is dtype_policies.QuantizedDTypePolicy and policy.quantization_mode == "int8"
    assert policy.variable_dtype == "float32"
    float8 = dtype_policies.get("float8_from_float32")
    assert type(float8) is dtype_policies.QuantizedFloat8DTypePolicy and float8.amax_history_length == 1024
    int4 = dtype_policies.Int4DTypePolicy("int4/128", "float32")
    assert int4.block_size == 128 and int4.name == "int4/128_from_float32"
    for p in (policy, float8, int4, dtype_policies.DTypePolicy("mixed_float16")):
        data = dtype_policies.serialize(p)
        assert data["module"] == "keras" and dtype_policies.deserialize(data) == p
    with pytest.raises(ConfigError, match="float16"):
        dtype_policies.QuantizedDTypePolicy("int8", "mixed_float16")
    with pytest.raises(ConfigError, match="mode"):
        dtype_policies.QuantizedDTypePolicy("int3", "float32")
    with pytest.raises(ConfigError, match="mixed_float17"):
        dtype_policies.get("mixed_float17")


def _has_ml_dtypes():
    try:
        import ml_dtypes  # noqa: F401
    except ImportError:
        return False
    return True


def test_policy_map_matches_paths():
    m = dtype_policies.DTypePolicyMap(default_policy="float32")
    m["encoder/.*"] = "mixed_float16"
    m["decoder"] = "float64"
    assert m["encoder/dense"].name == "mixed_float16" and m["decoder"].name == "float64"
    assert m["decoder/attention"].name == "float32" and m.compute_dtype == "float32"
    m["encoder/dense.*"] = "float16"
    with pytest.raises(ConfigError, match="several"):
        m["encoder/dense_1"]
    again = dtype_policies.deserialize(dtype_policies.serialize(m))
    assert again == m


def test_the_global_policy_affects_layers_made_afterwards(restore_policy):
    before = layers.Dense(2)
    mixed_precision.set_global_policy("mixed_float16")
    assert mixed_precision.global_policy() == mixed_precision.Policy("mixed_float16")
    after, pinned = layers.Dense(2), layers.Dense(2, dtype="float32")
    assert before.dtype_policy.name == "float32" and after.dtype_policy.name == "mixed_float16"
    assert (after.compute_dtype, after.variable_dtype, after.dtype) == ("float16", "float32", "float32")
    assert pinned.compute_dtype == "float32"
    config.set_dtype_policy("float32")
    assert config.floatx() == "float32" and layers.Dense(2).dtype_policy.name == "float32"
    with pytest.raises(ConfigError, match="policy"):
        config.set_dtype_policy(3)


def test_layer_dtype_accepts_policies_and_its_config_round_trips(tmp_path):
    layer = layers.Dense(3, dtype=nf.DTypePolicy("mixed_float16"))
    cfg = layer.get_config()
    assert cfg["dtype"]["class_name"] == "DTypePolicy" and cfg["dtype"]["config"] == {"name": "mixed_float16"}
    again = layers.Dense.from_config(cfg)
    assert again.dtype_policy == layer.dtype_policy
    assert layers.Dense(3).get_config()["dtype"] == "float32"  # a plain policy stays a dtype name
    with pytest.raises(ConfigError, match="Dense 'bad'.*dtype"):
        layers.Dense(3, dtype="not_a_dtype", name="bad")
    model = nf.Sequential([layers.Input((4,)), layers.Dense(5, activation="relu"),
                           layers.Dense(2, dtype="mixed_float16")])
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    want = model.predict(x, verbose=0)
    for suffix in ("neuroflow", "keras"):
        model.save(tmp_path / f"m.{suffix}")
        loaded = nf.models.load_model(tmp_path / f"m.{suffix}")
        assert loaded.layers[-1].dtype_policy.name == "mixed_float16"
        got = loaded.predict(x, verbose=0)
        assert got.dtype == np.float16
        np.testing.assert_array_equal(got, want)


def test_convert_input_casts_floats_only():
    policy = dtype_policies.DTypePolicy("mixed_float16")
    assert policy.convert_input(nf.Tensor(np.ones(3, "float32")), True, "float16").dtype == np.float16
    ids = np.arange(3)
    assert policy.convert_input(ids, True, "float16") is ids
    assert policy.convert_input(nf.Tensor(np.ones(3, "float32")), False, "float16").dtype == np.float32
