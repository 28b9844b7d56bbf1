"""A Wasserstein GAN with gradient penalty (WGAN-GP, Gulrajani et al. 2017) on MNIST: a use of higher-order
gradients (``neuroflow.grad(..., create_graph=True)``).

    python examples/wgan_gp.py [--data DIR] [--epochs 10] [--classifier FILE.neuroflow] [--out out/] [--quick]

The critic scores images (no sigmoid) and is trained to widen ``mean(D(real)) - mean(D(fake))`` while its
gradient with respect to images interpolated between real and fake ones is pushed towards norm 1:

    penalty = mean((|| dD(x_hat)/dx_hat ||_2 - 1) ** 2),  x_hat = e * real + (1 - e) * fake,  e ~ U(0, 1)

The gradient ``dD/dx_hat`` is itself a graph (``create_graph=True``), so the penalty backpropagates through it to
the critic's weights: a second-order derivative. The critic steps ``--n-critic`` times per generator step; both
use Adam(1e-4, beta_1=0.5, beta_2=0.9). Networks: the dense pair of ``gan_mnist.py`` (generator z(64) -> 256 ->
512 -> 784, critic 784 -> 512 -> 256 -> 1). Samples are scored as in ``gan_mnist.py``, by the same kind of
separately trained MNIST classifier (``--classifier`` loads one, e.g. the ``gan_classifier.neuroflow`` that
``gan_mnist.py`` saves): the share classified with confidence >= 0.9 and the spread over the 10 digits.
"""
import argparse
import os
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import ops

from gan_mnist import build_classifier, build_dense, class_spread, load_images


class WGANGP(keras.Model):
    """Generator and critic trained by ``fit``, one ``train_step`` per batch of real images.

    ``wgan(z)``: ``(n, latent_dim) -> (n, 28, 28, 1)`` generated images in [-1, 1].
    """

    def __init__(self, generator, critic, latent_dim, penalty_weight=10.0, n_critic=5, learning_rate=1e-4,
                 seed=0):
        super().__init__(name="wgan_gp")
        self.generator, self.critic, self.latent_dim = generator, critic, latent_dim
        self.penalty_weight, self.n_critic = penalty_weight, n_critic
        self.d_opt = keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9)
        self.g_opt = keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9)
        self.noise = np.random.default_rng(seed)
        # epoch means, Keras' way: fit logs what the step returns, and these trackers (reset each epoch) average
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.wasserstein_tracker = keras.metrics.Mean(name="wasserstein")
        self.penalty_tracker = keras.metrics.Mean(name="penalty")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def call(self, z, training=None):
        return self.generator(z, training=training)

    def _noise_like(self, batch):
        """``self.noise`` drawing where ``batch`` lives: the NumPy generator itself on the CPU, on a device its
        device twin (the same seed stream), so that nothing is copied between host and device each step."""
        return keras.random.device_generator(self.noise, keras.backend.get_array_module(batch))

    def gradient_penalty(self, real, fake):
        """``mean((||dD/dx_hat||_2 - 1)^2)`` on random interpolates; a graph that reaches the critic's weights.
        Shapes: real, fake ``(n, 28, 28, 1)`` -> a scalar."""
        n = len(real)
        e = self._noise_like(real).uniform(size=(n, 1, 1, 1)).astype("float32")
        x_hat = keras.Tensor(e * real + (1 - e) * fake, requires_grad=True)
        scores = self.critic(x_hat, training=True)
        grads, = keras.grad(ops.sum(scores), x_hat, create_graph=True)
        norms = ops.sqrt(ops.sum(ops.square(ops.reshape(grads, (n, -1))), axis=1) + 1e-12)
        return ops.mean(ops.square(norms - 1.0))

    def train_step(self, data):
        real = data  # fit(x) without targets hands the batch itself, as in Keras
        n = len(real)
        d_vars = self.critic.trainable_weights
        for _ in range(self.n_critic):
            z = self._noise_like(real).normal(size=(n, self.latent_dim)).astype("float32")
            with keras.no_grad():
                fake = self.generator(z, training=True).data  # no graph to keep; stays on the batch's device
            self.d_opt.zero_grad(d_vars)
            wasserstein = ops.mean(self.critic(fake, training=True)) - ops.mean(self.critic(real, training=True))
            penalty = self.gradient_penalty(real, fake)
            d_loss = wasserstein + self.penalty_weight * penalty
            d_loss.backward()
            self.d_opt.step(d_vars)
        g_vars = self.generator.trainable_weights
        self.g_opt.zero_grad(g_vars)
        z = self._noise_like(real).normal(size=(n, self.latent_dim)).astype("float32")
        g_loss = -ops.mean(self.critic(self.generator(z, training=True), training=True))
        g_loss.backward()
        self.g_opt.step(g_vars)
        self.d_opt.zero_grad(d_vars)  # the generator's step filled the critic's gradients too
        for tracker, value in ((self.d_loss_tracker, d_loss), (self.wasserstein_tracker, -wasserstein),
                               (self.penalty_tracker, penalty), (self.g_loss_tracker, g_loss)):
            tracker.update_state(value)
        return {m.name: m.result() for m in self.metrics}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("mnist"), help="folder with the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=None, help="default 10 (1 with --quick)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--n-critic", type=int, default=5)
    parser.add_argument("--classifier", default=None, help="a saved MNIST classifier (.neuroflow); default: train "
                                                           "one as gan_mnist.py does and save it to --out")
    parser.add_argument("--classifier-epochs", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--eval-samples", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--quick", action="store_true", help="256 images, 1 epoch, 2 critic steps (tests)")
    parser.add_argument("--out", default="out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples = args.samples or 256
        args.eval_samples = min(args.eval_samples, 200)
        args.n_critic = min(args.n_critic, 2)
    epochs = args.epochs or (1 if args.quick else 10)
    classifier_epochs = args.classifier_epochs or (1 if args.quick else 3)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_images(args.data, args.samples)
    os.makedirs(args.out, exist_ok=True)

    generator, critic = build_dense(args.latent_dim)
    wgan = WGANGP(generator, critic, args.latent_dim, n_critic=args.n_critic, seed=args.seed)
    start = time.time()
    history = wgan.fit(x_train * 2 - 1, batch_size=args.batch_size, epochs=epochs, verbose=args.verbose)
    elapsed = time.time() - start
    generator.save(os.path.join(args.out, "wgan_gp_generator.neuroflow"))

    if args.classifier:
        classifier = keras.models.load_model(args.classifier)
    else:
        classifier = build_classifier()
        classifier.fit(x_train, y_train, batch_size=128, epochs=classifier_epochs, verbose=args.verbose)
        classifier.save(os.path.join(args.out, "wgan_gp_classifier.neuroflow"))
    accuracy = float(np.mean(classifier.predict(x_test, verbose=0).argmax(axis=1) == y_test))
    z = np.random.default_rng(args.seed + 2).normal(size=(args.eval_samples, args.latent_dim)).astype("float32")
    generated = (wgan.predict(z, verbose=0) + 1) / 2
    real_scores = class_spread(classifier.predict(x_test, verbose=0))
    fake_scores = class_spread(classifier.predict(generated.clip(0, 1), verbose=0))
    try:
        from neuroflow.utils.plotting import plot_image_grid
        plot_image_grid(np.repeat(generated[:32].clip(0, 1), 3, axis=-1), os.path.join(args.out, "wgan_gp.png"),
                        ncols=8)
    except ImportError as err:
        print(f"plot skipped: {err}")

    print(f"training time: {elapsed:.1f} s ({epochs} epochs, {args.n_critic} critic steps per generator step)")
    print(f"final penalty {float(history.history['penalty'][-1]):.4f}, "
          f"Wasserstein estimate {float(history.history['wasserstein'][-1]):.4f}")
    print(f"classifier test accuracy: {accuracy:.4f}")
    print(f"real test digits ({len(x_test)}): confident (p >= 0.9) {real_scores[0]:.3f}, "
          f"class entropy {real_scores[2]:.3f}")
    print(f"generated digits ({len(generated)}): confident (p >= 0.9) {fake_scores[0]:.3f}, "
          f"class entropy {fake_scores[2]:.3f}")
    return {"confident": fake_scores[0], "entropy": fake_scores[2], "history": history.history,
            "classifier_accuracy": accuracy, "seconds": elapsed}


if __name__ == "__main__":
    main()
