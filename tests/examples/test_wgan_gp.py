"""examples/wgan_gp.py: a quick run trains through the gradient penalty (a double backward) and scores samples."""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

from tests.conftest import host

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
MNIST = EXAMPLES.parent.parent / "shared" / "data" / "mnist"


def _load():
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location("wgan_gp", EXAMPLES / "wgan_gp.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(EXAMPLES))


@pytest.mark.skipif(not MNIST.is_dir(), reason="MNIST files not found beside the repository")
def test_quick_run(tmp_path):
    result = _load().main(["--quick", "--out", str(tmp_path), "--verbose", "0", "--data", str(MNIST)])
    penalty = result["history"]["penalty"]
    assert len(penalty) == 1 and np.isfinite(penalty[0]) and penalty[0] >= 0
    assert 0 <= result["confident"] <= 1
    assert (tmp_path / "wgan_gp_generator.neuroflow").is_file()


def test_penalty_gradient_reaches_the_critic_and_matches_finite_differences():
    import neuroflow as keras
    module = _load()
    keras.utils.set_random_seed(0)
    generator, critic = module.build_dense(8)
    wgan = module.WGANGP(generator, critic, 8, seed=0)
    rng = np.random.default_rng(0)
    real, fake = rng.uniform(-1, 1, (2, 4, 28, 28, 1)).astype("float32")
    kernel = critic.trainable_weights[0]

    def penalty():
        wgan.noise = np.random.default_rng(1)  # the same interpolation every call
        return wgan.gradient_penalty(real, fake)

    kernel.grad = None
    penalty().backward()
    analytic = host(kernel.grad)[3, 5]
    old, eps = kernel.data[3, 5], 1e-2
    kernel.data[3, 5] = old + eps
    plus = penalty().item()
    kernel.data[3, 5] = old - eps
    minus = penalty().item()
    kernel.data[3, 5] = old
    assert analytic != 0
    np.testing.assert_allclose(analytic, (plus - minus) / (2 * eps), rtol=0.05)
