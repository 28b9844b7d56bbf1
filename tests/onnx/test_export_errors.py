"""What ONNX export refuses, and how it says so: layers without an ONNX form (named with their class), a
subclassed model, a mask a layer's ONNX form cannot apply, unknown formats and opsets, shapes it cannot know,
and a missing ``onnx`` package (the message names the extra)."""
import sys

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers as L
from neuroflow.errors import ConfigError, NeuroflowError, ShapeError
from neuroflow.onnx import MissingDependencyError, UnsupportedLayerError, export
from neuroflow.onnx import registry

pytest.importorskip("onnx")


class Doubler(L.Layer):
    """A custom layer: Python code with no ONNX converter."""

    def call(self, inputs):
        return inputs * 2.0


def test_layer_without_converter_names_layer_and_class(tmp_path):
    model = nf.Sequential([L.Input((3,)), L.Dense(2), Doubler(name="twice")])
    with pytest.raises(UnsupportedLayerError, match=r"layer Doubler 'twice' cannot be exported: .*class Doubler"):
        export(model, tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_unexportable_error_is_a_neuroflow_config_error(tmp_path):
    model = nf.Sequential([L.Input((3,)), Doubler()])
    with pytest.raises(ConfigError) as info:
        export(model, tmp_path / "m.onnx")
    assert isinstance(info.value, NeuroflowError) and isinstance(info.value, ValueError)


def test_custom_activation_is_refused_with_the_layer_name(tmp_path):
    def cube(x):
        return x * x * x
    model = nf.Sequential([L.Input((3,)), L.Dense(2, activation=cube, name="cubed")])
    with pytest.raises(UnsupportedLayerError, match=r"Dense 'cubed'.*activation 'cube' has no ONNX form"):
        export(model, tmp_path / "m.onnx")


def test_random_crop_that_resizes_is_refused(tmp_path):
    model = nf.Sequential([L.Input((8, 8, 1)), L.RandomCrop(4, 4, name="crop")])
    with pytest.raises(UnsupportedLayerError, match=r"RandomCrop 'crop'.*8x8.*4x4"):
        export(model, tmp_path / "m.onnx")


def test_subclassed_model_is_refused(tmp_path):
    class Custom(nf.Model):
        def __init__(self):
            super().__init__(name="custom")
            self.dense = L.Dense(2)

        def call(self, inputs, training=None):
            return self.dense(inputs)

    model = Custom()
    model(np.zeros((1, 3), "float32"))
    with pytest.raises(UnsupportedLayerError, match=r"Custom 'custom'.*subclassed"):
        export(model, tmp_path / "m.onnx")


def test_mask_reaching_a_layer_that_cannot_apply_it(tmp_path, monkeypatch):
    class MaskUser(L.Layer):
        def call(self, inputs, mask=None):
            return inputs

    monkeypatch.setitem(registry.CONVERTERS, "MaskUser", lambda g, layer, inputs: inputs[0].name)
    model = nf.Sequential([L.Input((4,), dtype="int64"), L.Embedding(5, 2, mask_zero=True), MaskUser(name="user")])
    with pytest.raises(UnsupportedLayerError, match=r"MaskUser 'user'.*mask"):
        export(model, tmp_path / "m.onnx")


def test_unknown_input_shape_asks_for_a_signature(tmp_path):
    model = nf.Sequential([L.Dense(2)])
    with pytest.raises(ShapeError, match=r"input_signature"):
        export(model, tmp_path / "m.onnx")


def test_signature_that_does_not_fit(tmp_path):
    model = nf.Sequential([L.Input((3,)), L.Dense(2)])
    with pytest.raises(ShapeError, match=r"\(None, 4\).*\(None, 3\)"):
        export(model, tmp_path / "m.onnx", input_signature=[(None, 4)])


def test_signature_with_another_float_dtype(tmp_path):
    model = nf.Sequential([L.Input((3,), name="features"), L.Dense(2)])
    with pytest.raises(ConfigError, match=r"'features' dtype float64.*float32"):
        export(model, tmp_path / "m.onnx", input_signature=[np.zeros((1, 3))])


@pytest.mark.parametrize("opset", [12, 99, "17", True])
def test_bad_opset(tmp_path, opset):
    model = nf.Sequential([L.Input((3,)), L.Dense(2)])
    with pytest.raises(ConfigError, match=r"opset must be an int from 17"):
        export(model, tmp_path / "m.onnx", opset=opset)


@pytest.mark.parametrize("fmt,hint", [("tf_saved_model", "neuroflow cannot write"), ("torch", "cannot write"),
                                      ("onnxx", "not a format Keras knows")])
def test_model_export_other_formats(tmp_path, fmt, hint):
    model = nf.Sequential([L.Input((3,)), L.Dense(2)])
    with pytest.raises(ConfigError, match=rf"format={fmt!r} .*{hint}.*format='onnx'"):
        model.export(tmp_path / "m", format=fmt)
    with pytest.raises(ConfigError, match="format='tf_saved_model'"):
        model.export(tmp_path / "m")  # Keras' default format


def test_missing_onnx_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` raise ImportError
    model = nf.Sequential([L.Input((3,)), L.Dense(2)])
    with pytest.raises(MissingDependencyError, match=r"pip install 'neuroflow\[onnx\]'") as info:
        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
    assert isinstance(info.value, ImportError) and isinstance(info.value, NeuroflowError)
