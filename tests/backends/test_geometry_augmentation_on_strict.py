"""The geometric augmentation layers, the crop/resize/rescale preprocessing layers and the image warps on the strict
stand-in device: a seeded call gives the CPU run's output exactly (per-image draws come from the layer's generator
through ``random.device_generator``, which on the strict device draws NumPy's very values), the result stays on the
device, and the call makes no device-to-host transfer (the affine kernel's fill-rule lookup table, whose range it
reads on the host, is a CPU path; on a device the rule runs on every index)."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend, layers as L
from neuroflow.backends import strict
from neuroflow.ops import image as image_ops

pytestmark = pytest.mark.skipif(backend.get_device() != "cpu",
                                reason="compares the strict device with the CPU run; run without NEUROFLOW_DEVICE")

#: name -> factory; every layer of augmentation.py / augmentation_geometry.py, CenterCrop and the preprocessing
#: layers, with arguments that make them act (each fill mode and interpolation once).
LAYERS = {
    "RandomTranslation-reflect": lambda: L.RandomTranslation(0.3, (-0.4, 0.2), seed=1),
    "RandomTranslation-constant-nearest":
        lambda: L.RandomTranslation(0.3, 0.3, fill_mode="constant", interpolation="nearest", fill_value=7, seed=1),
    "RandomRotation-wrap": lambda: L.RandomRotation(0.2, fill_mode="wrap", seed=1),
    "RandomZoom-nearest-fill": lambda: L.RandomZoom((-0.3, 0.4), 0.2, fill_mode="nearest", seed=1),
    "RandomFlip": lambda: L.RandomFlip(seed=1),
    "RandomContrast": lambda: L.RandomContrast(0.5, value_range=(-3, 3), seed=1),
    "RandomCrop-window": lambda: L.RandomCrop(5, 6, seed=1),
    "RandomCrop-resize": lambda: L.RandomCrop(12, 14, seed=1),
    "RandomShear": lambda: L.RandomShear(0.3, 0.4, seed=1),
    "RandomPerspective": lambda: L.RandomPerspective((0.6, 1.0), 0.6, seed=1),
    "RandomElasticTransform": lambda: L.RandomElasticTransform((0.6, 1.0), value_range=(-3, 3), seed=1),
    "RandomErasing-noise": lambda: L.RandomErasing(0.9, value_range=(-3, 3), seed=1),
    "RandomErasing-per-channel": lambda: L.RandomErasing(0.9, fill_value=[1, 2, 3], value_range=(-3, 3), seed=1),
    "CenterCrop": lambda: L.CenterCrop(5, 6),
    "CenterCrop-resize": lambda: L.CenterCrop(12, 14),
    "Resizing-pad": lambda: L.Resizing(5, 9, pad_to_aspect_ratio=True, fill_value=2.0),
    "Resizing-nearest": lambda: L.Resizing(13, 7, interpolation="nearest", crop_to_aspect_ratio=True),
}


def _images(shape=(6, 8, 9, 3)):
    return np.random.default_rng(0).uniform(-3, 3, shape).astype(np.float32)


def _factory(name, layout):
    """A factory for layer ``name`` laid out for ``layout`` (``channels_first``: the same config, that format)."""
    if layout != "channels_first":
        return LAYERS[name]
    return lambda: type(LAYERS[name]()).from_config({**LAYERS[name]().get_config(), "data_format": "channels_first"})


def _calls(make, x, **kwargs):
    """Two calls of a fresh layer (random layers: training calls; the second continues the first's draws) on the
    current device, read back as host arrays, and the device-to-host transfers the calls made."""
    layer = make()
    t = nf.Tensor(x)
    with strict.counting() as count:
        outs = [layer(t, **kwargs) for _ in range(2)]
    assert all(o.device == backend.get_device() for o in outs), f"{layer.name}: the output left the device"
    return [backend.to_host(o.data) for o in outs], count.count


@pytest.mark.parametrize("layout", ["batched", "channels_first", "unbatched"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_call_on_strict_equals_the_cpu_run_without_transfers(name, layout):
    x = {"batched": _images(), "channels_first": _images().transpose(0, 3, 1, 2).copy(),
         "unbatched": _images()[0]}[layout]
    kwargs = {} if name.startswith(("CenterCrop", "Resizing")) else {"training": True}
    make = _factory(name, layout)
    cpu, _ = _calls(make, x, **kwargs)
    with nf.device("strict"):
        dev, transfers = _calls(make, x, **kwargs)
    assert transfers == 0, f"{name}: {transfers} device-to-host transfers in two calls"
    for want, got in zip(cpu, dev):
        np.testing.assert_array_equal(got, want, err_msg=f"{name}: strict differs from CPU")
    if x.shape == cpu[0].shape:  # the layer acted (in one of the calls), so the comparison means something
        assert not all(np.allclose(out, x) for out in cpu)


def test_inference_and_dict_inputs_stay_on_the_device():
    x, y = _images(), np.eye(6, dtype=np.float32)
    with nf.device("strict"):
        t = nf.Tensor(x)
        with strict.counting() as count:
            same = L.RandomRotation(0.3, seed=1)(t, training=False)
            centred = L.RandomCrop(5, 6, seed=1)(t, training=False)
            out = L.RandomErasing(1.0, seed=1)({"images": t, "labels": nf.Tensor(y)}, training=True)
            padded = L.MaxNumBoundingBoxes(3)({"images": t, "bounding_boxes": {
                "boxes": nf.Tensor(np.ones((6, 2, 4), np.float32)), "labels": nf.Tensor(np.ones((6, 2)))}})
        assert count.count == 0
        assert same is t and centred.device == "strict" and out["labels"].device == "strict"
        assert padded["bounding_boxes"]["boxes"].device == "strict"
    np.testing.assert_array_equal(backend.to_host(centred.data), L.RandomCrop(5, 6)(x, training=False).numpy())
    np.testing.assert_array_equal(backend.to_host(out["labels"].data), y)  # erasing leaves the labels
    np.testing.assert_array_equal(backend.to_host(padded["bounding_boxes"]["labels"].data)[:, 2], -1)


@pytest.mark.parametrize("op", ["affine_projective", "perspective", "elastic", "map_coordinates", "resize",
                                "scale_and_translate_uint8"])
def test_image_ops_on_strict_equal_the_cpu_run_without_transfers(op):
    x = _images()
    projective = np.tile([[1.1, 0.2, -1.0, -0.1, 0.9, 0.5, 0.01, -0.02]], (6, 1))
    coords = np.random.default_rng(1).uniform(-2, 10, (4, 5, 7))
    calls = {
        "affine_projective": lambda t: image_ops.affine_transform(t, projective, fill_mode="reflect"),
        "perspective": lambda t: image_ops.perspective_transform(
            t, [[0, 0], [8, 0], [0, 7], [8, 7]], [[1, 0], [7, 1], [0, 6], [8, 7]]),
        "elastic": lambda t: image_ops.elastic_transform(t, 3.0, 1.5, seed=4),
        "map_coordinates": lambda t: image_ops.map_coordinates(t[0], coords[:3], 1, fill_mode="mirror"),
        "resize": lambda t: image_ops.resize(t, (5, 13), crop_to_aspect_ratio=True),
        "scale_and_translate_uint8": lambda t: image_ops.scale_and_translate(
            nf.ops.cast(nf.ops.abs(t) * 80, "uint8"), (6, 11, 5, 3), (1.3, 0.6), (0.2, -0.1), (1, 2), "cubic"),
    }

    def run():
        t = nf.Tensor(x)
        with strict.counting() as count:
            out = calls[op](t)
        return backend.to_host(out.data), count.count, out.device

    cpu, _, _ = run()
    with nf.device("strict"):
        dev, transfers, device = run()
    assert transfers == 0 and device == "strict", (transfers, device)
    np.testing.assert_array_equal(dev, cpu)


def test_image_ops_take_host_lists_onto_the_current_device():
    x = _images((2, 6, 7, 3))
    want = image_ops.resize(x.tolist(), (3, 4)).numpy()
    with nf.device("strict"):
        out = image_ops.resize(x.tolist(), (3, 4))  # a list is host data: placed on the device as Tensor does
    assert out.device == "strict"
    np.testing.assert_allclose(backend.to_host(out.data), want, rtol=1e-6)


def test_normalization_adapts_on_the_device():
    x = np.random.default_rng(2).normal(3.0, 2.0, (50, 4)).astype(np.float32)
    want = L.Normalization().adapt(x)
    with nf.device("strict"):
        with strict.counting() as count:
            layer = L.Normalization().adapt(nf.Tensor(x), batch_size=16)  # chunked: moments merged on the device
        assert count.count == 0 and layer.mean.device == "strict"
    np.testing.assert_allclose(backend.to_host(layer.mean.data), want.mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(backend.to_host(layer.variance.data), want.variance.numpy(), rtol=1e-5)


@pytest.mark.parametrize("make", [lambda: L.Rescaling([1 / 255, 2 / 255, 3 / 255], offset=-0.5),
                                  lambda: L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 5.0, 6.0])],
                         ids=["Rescaling", "Normalization-given-stats"])
def test_host_constants_go_to_the_device_once(make):
    x = _images()
    want = make()(x).numpy()
    with nf.device("strict"):
        layer, t = make(), nf.Tensor(x)
        with strict.counting() as count:
            outs = [layer(t) for _ in range(3)]
        assert count.count == 0 and count.uploads <= 2, (count.count, count.uploads)  # two constants, once
    for out in outs:
        np.testing.assert_array_equal(backend.to_host(out.data), want)
