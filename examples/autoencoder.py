"""An autoencoder on MNIST: each 28x28 digit squeezed into 32 numbers and rebuilt from them, without labels.

    python examples/autoencoder.py [--data DIR] [--epochs 10] [--code-size 32] [--conv] [--denoise [STDDEV]]
                                   [--out out/] [--quick]

The encoder (784-128-32, or two strided convolutions with ``--conv``) and the decoder (32-128-784, sigmoid
output; transposed convolutions with ``--conv``) are separate models composed into the autoencoder, so that
``encoder.predict`` maps images to codes on its own. Training minimises binary cross-entropy between input and
output pixels. ``--denoise`` puts a GaussianNoise layer (default stddev 0.3) in front of the encoder while
training: the network then learns to rebuild clean digits from corrupted ones.

Prints the test reconstruction MSE (against PCA with as many components, the best *linear* code of that size),
and saves originals against reconstructions and the test codes in 2-D coloured by digit (the codes themselves
with ``--code-size 2``, else their first two principal components).

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


def build_dense(code_size):
    """Encoder ``(n, 784) -> (n, code_size)`` and decoder ``(n, code_size) -> (n, 784)``."""
    encoder = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(128, activation="relu"),
                                layers.Dense(code_size)], name="encoder")  # a linear code: no clipping at 0
    decoder = keras.Sequential([keras.Input(shape=(code_size,)), layers.Dense(128, activation="relu"),
                                layers.Dense(784, activation="sigmoid")], name="decoder")
    return encoder, decoder


def build_conv(code_size):
    """Encoder ``(n, 28, 28, 1) -> (n, code_size)`` and decoder back: strided convolutions halve the image twice
    (28 -> 14 -> 7), transposed ones double it back."""
    encoder = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dense(code_size),
    ], name="encoder")
    decoder = keras.Sequential([
        keras.Input(shape=(code_size,)),
        layers.Dense(7 * 7 * 32, activation="relu"),
        layers.Reshape((7, 7, 32)),
        layers.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid"),
    ], name="decoder")
    return encoder, decoder


def compose(encoder, decoder, input_shape, noise_stddev):
    """The autoencoder ``decoder(encoder(x))``; with ``noise_stddev`` > 0 the input is corrupted while training
    only (GaussianNoise is inactive in predict/evaluate), so the encoder alone stays a clean image -> code map."""
    inputs = keras.Input(shape=input_shape)
    x = layers.GaussianNoise(noise_stddev)(inputs) if noise_stddev > 0 else inputs
    return keras.Model(inputs, decoder(encoder(x)), name="autoencoder")


def pca(x_fit, k):
    """Mean ``(d,)`` and the top ``k`` principal directions ``(d, k)`` of the rows of ``x_fit`` ``(n, d)``.

    The directions are the leading eigenvectors of the ``(d, d)`` covariance matrix (numpy's ``eigh``): the
    right singular vectors of the centred data, at a cost independent of n (60,000 images take a second).
    """
    mean = x_fit.mean(axis=0)
    centred = x_fit - mean
    _, vectors = np.linalg.eigh(centred.T @ centred / len(x_fit))  # eigenvalues in ascending order
    return mean, vectors[:, ::-1][:, :k]


def pca_reconstruction_mse(x_train, x_test, k):
    """Test MSE of the best rank-``k`` linear code (PCA fitted on ``x_train``); shapes ``(n, 784)``."""
    mean, basis = pca(x_train, k)
    rebuilt = (x_test - mean) @ basis @ basis.T + mean
    return float(np.mean((rebuilt - x_test) ** 2))


def project_2d(codes):
    """Codes ``(n, k)`` -> ``(n, 2)``: unchanged when k == 2, else their first two principal components."""
    if codes.shape[1] == 2:
        return codes
    mean, basis = pca(codes, 2)
    return (codes - mean) @ basis


def plot_codes(points, labels, path, title):
    """Scatter ``points`` ``(n, 2)`` coloured by digit ``labels`` ``(n,)``; writes ``path``."""
    from matplotlib.figure import Figure  # optional dependency, imported only here (as neuroflow's plotting)
    fig = Figure(figsize=(6.5, 5.5))
    ax = fig.add_subplot(1, 1, 1)
    dots = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=4, alpha=0.7)
    fig.colorbar(dots, ax=ax, ticks=range(10), label="digit")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("mnist"), help="folder with the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=None, help="default 10 (dense), 5 (--conv), 1 (--quick)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--code-size", type=int, default=32, help="numbers per image in the code (default 32)")
    parser.add_argument("--conv", action="store_true", help="convolutional encoder and decoder")
    parser.add_argument("--denoise", type=float, nargs="?", const=0.3, default=0.0, metavar="STDDEV",
                        help="corrupt training inputs with Gaussian noise (default stddev 0.3)")
    parser.add_argument("--samples", type=int, default=None, help="train on the first N images only (tests)")
    parser.add_argument("--quick", action="store_true", help="1000 images, 1 epoch (tests)")
    parser.add_argument("--out", default="out", help="folder for the figures")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples = args.samples or 1000
    epochs = args.epochs or (1 if args.quick else 5 if args.conv else 10)

    keras.utils.set_random_seed(args.seed)
    (x_train, _), (x_test, y_test) = keras.datasets.mnist.load_data(args.data)
    if args.samples:
        x_train = x_train[:args.samples]
        x_test, y_test = x_test[:max(args.samples // 2, 200)], y_test[:max(args.samples // 2, 200)]
    shape = (28, 28, 1) if args.conv else (784,)
    x_train = x_train.reshape((len(x_train),) + shape).astype("float32") / 255
    x_test = x_test.reshape((len(x_test),) + shape).astype("float32") / 255

    encoder, decoder = (build_conv if args.conv else build_dense)(args.code_size)
    autoencoder = compose(encoder, decoder, shape, args.denoise)
    encoder.summary()
    decoder.summary()
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    start = time.time()
    history = autoencoder.fit(x_train, x_train, batch_size=args.batch_size, epochs=epochs,
                              validation_data=(x_test, x_test), verbose=args.verbose)
    elapsed = time.time() - start

    # the encoder on its own: images -> codes, then the decoder on its own: codes -> images
    codes = encoder.predict(x_test, verbose=0)
    rebuilt = decoder.predict(codes, verbose=0)
    print(f"encoder.predict: {x_test.shape} -> {codes.shape}; decoder.predict: {codes.shape} -> {rebuilt.shape}")
    mse = float(np.mean((rebuilt - x_test) ** 2))
    flat_train, flat_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    pca_mse = pca_reconstruction_mse(flat_train, flat_test, args.code_size)
    noisy_mse = None
    if args.denoise:
        noise = np.random.default_rng(args.seed + 1).normal(0, args.denoise, x_test.shape).astype("float32")
        noisy = x_test + noise
        denoised = autoencoder.predict(noisy, verbose=0)  # GaussianNoise is off here: the noise is ours
        noisy_mse = (float(np.mean(noise ** 2)), float(np.mean((denoised - x_test) ** 2)))

    os.makedirs(args.out, exist_ok=True)
    name = ("autoencoder" + ("_conv" if args.conv else "") + ("_denoise" if args.denoise else "")
            + (f"_code{args.code_size}" if args.code_size != 32 else ""))  # one set of figures per variant
    try:
        from neuroflow.utils.plotting import plot_history, plot_image_grid
        plot_history(history, os.path.join(args.out, f"{name}_history.png"))
        n = 10
        rows = [("original", x_test[:n]), ("rebuilt", rebuilt[:n])]
        if args.denoise:
            rows = [("original", x_test[:n]), ("noisy", noisy[:n]), ("denoised", denoised[:n])]
        grid = np.concatenate([r.reshape(n, 28, 28) for _, r in rows]).clip(0, 1)
        # as RGB: matplotlib stretches each grayscale image to its own min..max, which would hide faint outputs
        plot_image_grid(np.repeat(grid[..., None], 3, axis=-1),
                        os.path.join(args.out, f"{name}_reconstructions.png"), ncols=n,
                        titles=[title for title, _ in rows for _ in range(n)])
        shown = min(len(codes), 5000)
        plot_codes(project_2d(codes)[:shown], y_test[:shown], os.path.join(args.out, f"{name}_codes.png"),
                   f"test codes ({args.code_size}-d{', first 2 principal components' if args.code_size != 2 else ''})")
    except ImportError as err:
        print(f"plots skipped: {err}")
    print(f"training time: {elapsed:.1f} s")
    if noisy_mse is not None:
        print(f"noisy test inputs (stddev {args.denoise}): MSE {noisy_mse[0]:.4f} -> denoised {noisy_mse[1]:.4f}")
    print(f"PCA with {args.code_size} components: test reconstruction MSE {pca_mse:.4f}")
    print(f"test reconstruction MSE: {mse:.4f}")
    return {"mse": mse, "pca_mse": pca_mse, "noisy_mse": noisy_mse, "seconds": elapsed, "encoder": encoder,
            "decoder": decoder}


if __name__ == "__main__":
    main()
