"""A generative adversarial network on MNIST: a generator turns random noise into digits, a discriminator learns
to tell them from real ones, and each improves against the other.

    python examples/gan_mnist.py [--data DIR] [--epochs 30] [--dcgan] [--classifier FILE.neuroflow] [--out out/]
                                 [--quick]

Dense GAN (default): generator z(64) -> 256 -> 512 -> 784 (leaky relu, tanh output), discriminator 784 -> 512 ->
256 -> 1 logit. ``--dcgan``: transposed convolutions up (7 -> 14 -> 28) and strided convolutions down.
Both networks use Adam(2e-4, beta_1=0.5); real labels are smoothed to 0.9. Training runs through ``fit`` with
``Model.train_step`` overridden (Keras' pattern): the discriminator steps on real and generated images, then
the generator steps through the discriminator, whose weights are held.

Saves a grid of samples from the same 32 noise vectors after every epoch (``gan_epoch_NNN.png``), the loss
curves and the generator (``gan_generator.neuroflow``). The samples are scored by an MNIST classifier trained
here (a small CNN, saved as ``gan_classifier.neuroflow``) or loaded with ``--classifier``: the share it
classifies with confidence >= 0.9, and how evenly they spread over the 10 digits (the histogram of predicted
classes and its entropy divided by log 10: 1 = all digits equally often, 0 = a single digit, "mode collapse").
The same scores for real test digits are printed as the reference.

Speed: on a machine whose cores are shared, one BLAS thread (``OMP_NUM_THREADS=1``) is far faster than several
(the threads wait on each other); see the README for measured times.
"""
import argparse
import os
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers


def build_dense(latent_dim):
    """Generator ``(n, latent_dim) -> (n, 28, 28, 1)`` in [-1, 1]; discriminator ``(n, 28, 28, 1) -> (n, 1)``
    logits."""
    generator = keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        layers.Dense(256, activation="leaky_relu"),
        layers.Dense(512, activation="leaky_relu"),
        layers.Dense(784, activation="tanh"),
        layers.Reshape((28, 28, 1)),
    ], name="generator")
    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Flatten(),
        layers.Dense(512, activation="leaky_relu"),
        layers.Dense(256, activation="leaky_relu"),
        layers.Dense(1),
    ], name="discriminator")
    return generator, discriminator


def build_dcgan(latent_dim):
    """The convolutional pair, same shapes as :func:`build_dense`: transposed convolutions 7 -> 14 -> 28 up,
    strided convolutions 28 -> 14 -> 7 down. Kept narrow (the discriminator runs three times per step)."""
    generator = keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        layers.Dense(7 * 7 * 64, activation="leaky_relu"),
        layers.Reshape((7, 7, 64)),
        layers.Conv2DTranspose(32, 4, strides=2, padding="same", activation="leaky_relu"),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
    ], name="generator")
    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 4, strides=2, padding="same", activation="leaky_relu"),
        layers.Conv2D(32, 4, strides=2, padding="same", activation="leaky_relu"),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(1),
    ], name="discriminator")
    return generator, discriminator


class GAN(keras.Model):
    """Generator and discriminator trained in turns by ``fit`` (one ``train_step`` per batch of real images).

    ``gan(z)`` / ``gan.predict(z)``: ``(n, latent_dim) -> (n, 28, 28, 1)`` generated images in [-1, 1].
    """

    def __init__(self, generator, discriminator, latent_dim, learning_rate=2e-4, seed=0):
        super().__init__(name="gan")
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)  # logits: stable for confident outputs
        self.d_opt = keras.optimizers.Adam(learning_rate, beta_1=0.5)
        self.g_opt = keras.optimizers.Adam(learning_rate, beta_1=0.5)
        self.noise = np.random.default_rng(seed)  # not `rng`: a read-only property of layers
        # epoch means, Keras' way: fit logs what the step returns, and these trackers (reset each epoch) average
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def call(self, z, training=None):
        return self.generator(z, training=training)

    def train_step(self, data):
        real = data  # fit(x) without targets hands the batch itself, as in Keras
        n = len(real)
        z = self.noise.normal(size=(n, self.latent_dim)).astype("float32")
        fake = self.generator(z, training=True)
        # 1. the discriminator: real -> 0.9 (one-sided label smoothing keeps it from growing overconfident),
        #    generated -> 0; `detach` keeps this loss from reaching the generator
        d_vars = self.discriminator.trainable_weights
        self.d_opt.zero_grad(d_vars)
        d_loss = (self.bce(np.full((n, 1), 0.9, "float32"), self.discriminator(real, training=True))
                  + self.bce(np.zeros((n, 1), "float32"), self.discriminator(fake.detach(), training=True)))
        d_loss.backward()
        self.d_opt.step(d_vars)
        # 2. the generator: make the (just updated) discriminator say "real"; its gradient flows through the
        #    discriminator, whose weights are not stepped and whose gradients are dropped afterwards
        g_vars = self.generator.trainable_weights
        self.g_opt.zero_grad(g_vars)
        self.d_opt.zero_grad(d_vars)
        g_loss = self.bce(np.ones((n, 1), "float32"), self.discriminator(fake, training=True))
        g_loss.backward()
        self.g_opt.step(g_vars)
        self.d_opt.zero_grad(d_vars)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def build_classifier():
    """The judge: a small CNN ``(n, 28, 28, 1)`` in [0, 1] -> ``(n, 10)`` class probabilities."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
    ], name="classifier")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def load_images(path, samples=None):
    """MNIST as float32 images in [0, 1], ``(n, 28, 28, 1)``, with their labels; ``samples`` keeps the first that
    many training images (and half as many test images, at least 200)."""
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data(path)
    if samples:
        x_train, y_train = x_train[:samples], y_train[:samples]
        x_test, y_test = x_test[:max(samples // 2, 200)], y_test[:max(samples // 2, 200)]
    return ((x_train.astype("float32") / 255)[..., None], y_train), ((x_test.astype("float32") / 255)[..., None],
                                                                      y_test)


def class_spread(probs, threshold=0.9):
    """Scores of class probabilities ``probs`` ``(n, 10)``: the share of rows whose top probability is >=
    ``threshold``; the histogram ``(10,)`` of predicted classes; its entropy / log(10) (1 = uniform)."""
    confident = float(np.mean(probs.max(axis=1) >= threshold))
    hist = np.bincount(probs.argmax(axis=1), minlength=probs.shape[1])
    p = hist[hist > 0] / hist.sum()
    return confident, hist, float(-(p * np.log(p)).sum() / np.log(probs.shape[1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("mnist"), help="folder with the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=None, help="default 30 (dense), 5 (--dcgan), 1 (--quick)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--latent-dim", type=int, default=64)
    parser.add_argument("--dcgan", action="store_true", help="convolutional generator and discriminator")
    parser.add_argument("--classifier", default=None, help="a saved MNIST classifier (.neuroflow) to score with; "
                                                           "default: train one and save it to --out")
    parser.add_argument("--classifier-epochs", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--eval-samples", type=int, default=2000, help="generated images to score")
    parser.add_argument("--samples", type=int, default=None, help="train on the first N images only (tests)")
    parser.add_argument("--quick", action="store_true", help="1000 images, 1 epoch (tests)")
    parser.add_argument("--out", default="out", help="folder for the figures and saved models")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples = args.samples or 1000
        args.eval_samples = min(args.eval_samples, 500)
    epochs = args.epochs or (1 if args.quick else 5 if args.dcgan else 30)
    classifier_epochs = args.classifier_epochs or (1 if args.quick else 3)

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_images(args.data, args.samples)
    os.makedirs(args.out, exist_ok=True)

    generator, discriminator = (build_dcgan if args.dcgan else build_dense)(args.latent_dim)
    generator.summary()
    discriminator.summary()
    gan = GAN(generator, discriminator, args.latent_dim, seed=args.seed)
    z_grid = np.random.default_rng(args.seed + 1).normal(size=(32, args.latent_dim)).astype("float32")

    def save_grid(epoch, logs=None):
        images = (generator.predict(z_grid, verbose=0) + 1) / 2
        try:
            from neuroflow.utils.plotting import plot_image_grid
            # as RGB: matplotlib would stretch each grayscale image to its own min..max
            plot_image_grid(np.repeat(images.clip(0, 1), 3, axis=-1),
                            os.path.join(args.out, f"gan_epoch_{epoch + 1:03d}.png"), ncols=8)
        except ImportError:
            pass  # reported once, below

    start = time.time()
    # the GAN sees images scaled to [-1, 1], the range of the generator's tanh
    history = gan.fit(x_train * 2 - 1, batch_size=args.batch_size, epochs=epochs, verbose=args.verbose,
                      callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=save_grid)])
    elapsed = time.time() - start
    generator.save(os.path.join(args.out, "gan_generator.neuroflow"))

    if args.classifier:
        classifier = keras.models.load_model(args.classifier)
        print(f"classifier loaded from {args.classifier}")
    else:
        classifier = build_classifier()
        classifier.fit(x_train, y_train, batch_size=128, epochs=classifier_epochs, verbose=args.verbose)
        classifier.save(os.path.join(args.out, "gan_classifier.neuroflow"))
    accuracy = float(np.mean(classifier.predict(x_test, verbose=0).argmax(axis=1) == y_test))
    z = np.random.default_rng(args.seed + 2).normal(size=(args.eval_samples, args.latent_dim)).astype("float32")
    generated = (gan.predict(z, verbose=0) + 1) / 2
    real_scores = class_spread(classifier.predict(x_test, verbose=0))
    fake_scores = class_spread(classifier.predict(generated.clip(0, 1), verbose=0))
    try:
        from neuroflow.utils.plotting import plot_history
        plot_history(history, os.path.join(args.out, "gan_history.png"))
    except ImportError as err:
        print(f"plots skipped: {err}")

    print(f"training time: {elapsed:.1f} s ({epochs} epochs)")
    print(f"classifier test accuracy: {accuracy:.4f}")
    print(f"real test digits ({len(x_test)}): confident (p >= 0.9) {real_scores[0]:.3f}, "
          f"class entropy {real_scores[2]:.3f}")
    print(f"generated digits ({len(generated)}) per predicted class: "
          + " ".join(f"{d}:{c}" for d, c in enumerate(fake_scores[1])))
    print(f"generated digits ({len(generated)}): confident (p >= 0.9) {fake_scores[0]:.3f}, "
          f"class entropy {fake_scores[2]:.3f}")
    return {"confident": fake_scores[0], "histogram": fake_scores[1], "entropy": fake_scores[2],
            "real": real_scores, "classifier_accuracy": accuracy, "seconds": elapsed, "gan": gan}


if __name__ == "__main__":
    main()
