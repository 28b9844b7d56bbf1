"""The colour, tone, mixing and policy augmentation layers on the strict stand-in device: a seeded layer's training
call gives the CPU run's output (its per-image factors are drawn through ``random.device_generator``, which on the
strict device draws NumPy's very values), the result stays on the device, and the call makes no device-to-host
transfer (the per-batch choices — RandAugment's operations, AugMix's chain weights, CutMix's Beta parameter,
the blur's sigmas — are drawn on the host generator and never read device data)."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend, layers as L
from neuroflow.backends import strict

pytestmark = pytest.mark.skipif(backend.get_device() != "cpu",
                                reason="compares the strict device with the CPU run; run without NEUROFLOW_DEVICE")

#: name -> factory; every layer of augmentation_color/tone/mix/policy, with factors that make it act.
LAYERS = {
    "RandomBrightness": lambda: L.RandomBrightness(0.3, value_range=(-3, 3), seed=1),
    "RandomColorDegeneration": lambda: L.RandomColorDegeneration(0.8, value_range=(-3, 3), seed=1),
    "RandomSaturation": lambda: L.RandomSaturation(0.8, value_range=(-3, 3), seed=1),
    "RandomHue": lambda: L.RandomHue(0.5, value_range=(-3, 3), seed=1),
    "RandomInvert": lambda: L.RandomInvert(value_range=(-3, 3), seed=1),
    "RandomGrayscale": lambda: L.RandomGrayscale(0.6, seed=1),
    "RandomColorJitter": lambda: L.RandomColorJitter((-3, 3), 0.1, 0.2, 0.6, 0.3, seed=1),
    "AutoContrast": lambda: L.AutoContrast(value_range=(-3, 3)),
    "Equalization": lambda: L.Equalization(value_range=(-3, 3), bins=32),
    "ContrastLimitedAdaptiveHistogramEqualization":
        lambda: L.ContrastLimitedAdaptiveHistogramEqualization((-3, 3), tile_grid_size=(2, 3)),
    "RandomPosterization": lambda: L.RandomPosterization(6, value_range=(-3, 3), seed=1),
    "Solarization": lambda: L.Solarization(0.2, 0.6, value_range=(-3, 3), seed=1),
    "RandomSharpness": lambda: L.RandomSharpness(0.9, value_range=(-3, 3), seed=1),
    "RandomGaussianBlur": lambda: L.RandomGaussianBlur(kernel_size=(3, 5), value_range=(-3, 3), seed=1),
    "MixUp": lambda: L.MixUp(alpha=0.5, seed=1),
    "CutMix": lambda: L.CutMix(seed=1),
    "Pipeline": lambda: L.Pipeline([L.AutoContrast(value_range=(-3, 3)), L.RandomInvert((0.5, 0.5), (-3, 3),
                                                                                        seed=2)]),
    "RandAugment": lambda: L.RandAugment(value_range=(-3, 3), num_ops=4, seed=1),
    "AugMix": lambda: L.AugMix(value_range=(-3, 3), seed=1),
}


def _images(shape=(6, 8, 9, 3)):
    return np.random.default_rng(0).uniform(-3, 3, shape).astype(np.float32)


def _two_calls(name, x):
    """The outputs of two training calls of a fresh layer (the second continues the first's draws) on the current
    device, as host arrays, and the device-to-host transfers the calls made."""
    layer = LAYERS[name]()
    t = nf.Tensor(x)
    with strict.counting() as count:
        first, second = layer(t, training=True), layer(t, training=True)
    assert first.device == backend.get_device(), f"{name}: the output left the device"
    return [backend.to_host(o.data) for o in (first, second)], count.count


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_training_call_on_strict_equals_the_cpu_run_without_transfers(name):
    x = _images()
    cpu, _ = _two_calls(name, x)
    with nf.device("strict"):
        dev, transfers = _two_calls(name, x)
    assert transfers == 0, f"{name}: {transfers} device-to-host transfers in two training calls"
    for want, got in zip(cpu, dev):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=f"{name}: strict differs from CPU")
    assert not np.allclose(cpu[0], x)  # the layer acted, so the comparison means something


@pytest.mark.parametrize("name", ["MixUp", "CutMix"])
def test_mixed_labels_stay_on_the_device_and_equal_the_cpu_run(name):
    x, y = _images((8, 6, 6, 3)), np.eye(8, dtype=np.float32)

    def run():
        data = {"images": nf.Tensor(x), "labels": nf.Tensor(y)}
        with strict.counting() as count:
            out = LAYERS[name]()(data, training=True)
        return {k: backend.to_host(v.data) for k, v in out.items()}, count.count

    cpu, _ = run()
    with nf.device("strict"):
        dev, transfers = run()
    assert transfers == 0, f"{name}: {transfers} device-to-host transfers"
    for key in ("images", "labels"):
        np.testing.assert_allclose(dev[key], cpu[key], rtol=1e-6, atol=1e-6, err_msg=f"{name} {key}")
    assert not np.allclose(cpu["labels"], y)
