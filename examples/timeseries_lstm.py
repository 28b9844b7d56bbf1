"""One-step time-series forecasting with an LSTM, against the naive last-value forecast.

    python examples/timeseries_lstm.py [--dataset airline|temperatures] [--window 12] [--target auto] [--out out/]

Reads a univariate series (``airline-passengers.csv``: monthly passengers in thousands, or
``daily-min-temperatures.csv``: daily minimum temperature in degrees C), keeps the last ``--test-fraction`` for
testing (chronological split), and learns to predict step t from the ``--window`` steps before it with
LSTM(units) -> Dense(1), MSE, Adam. ``--target``:

- ``level``: the model predicts the (scaled) value itself;
- ``diff``: it predicts the change from the last value, y[t] - y[t-1];
- ``logdiff``: it predicts log y[t] - log y[t-1] (growth rate: suits a trending series with multiplicative
  seasonality such as the airline passengers, whose test values lie above anything seen in training, where a
  model of levels saturates).

``auto`` picks ``logdiff`` for the airline data and ``level`` for the temperatures. The scaler (standard) is fit
on the training part only. Test RMSE is reported in the original units next to the naive forecast y[t-1], and
the forecast is plotted to ``<out>/timeseries_forecast.png``.
"""
import argparse
import os
import time

import _common  # noqa: F401  (path setup)
import numpy as np

import neuroflow as keras
from neuroflow import layers

DATASETS = {  # name -> (file, value column, unit)
    "airline": ("airline-passengers.csv", "Passengers", "thousand passengers"),
    "temperatures": ("daily-min-temperatures.csv", "Temp", "deg C"),
}
DEFAULTS = {"airline": dict(target="logdiff", epochs=300, batch_size=16),
            "temperatures": dict(target="level", epochs=20, batch_size=32)}


def load_series(folder, dataset):
    """The series as float64 (T,) from its CSV (read with pandas)."""
    import pandas as pd
    file, column, _ = DATASETS[dataset]
    return pd.read_csv(os.path.join(folder, file))[column].to_numpy(dtype="float64")


def to_model_space(y, target):
    """The series the model sees, z (T,) with NaN at t=0 for the differenced targets, and the inverse
    ``back(z_hat, t)``: the forecast of y[t] given z_hat[t] (which may use y[t-1], known one step ahead)."""
    if target == "level":
        return y.copy(), lambda z_hat, t: z_hat
    base = np.log(y) if target == "logdiff" else y
    z = np.concatenate([[np.nan], np.diff(base)])
    if target == "logdiff":
        return z, lambda z_hat, t: y[t - 1] * np.exp(z_hat)
    return z, lambda z_hat, t: y[t - 1] + z_hat


def windows(z, window, targets_t):
    """Inputs (n, window, 1) float32 for predicting z[t] at each t of ``targets_t`` from z[t-window:t], built with
    one fancy index."""
    idx = targets_t[:, None] - window + np.arange(window)
    return z[idx][..., None].astype("float32")


def plot_forecast(t, truth, forecast, naive, title, path):
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        print(f"plot skipped: {err}")
        return
    fig = Figure(figsize=(9, 3.8))
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(t, truth, label="truth", color="black", lw=1.2)
    ax.plot(t, naive, label="naive (last value)", color="gray", lw=0.8, ls="--")
    ax.plot(t, forecast, label="LSTM one-step forecast", color="tab:red", lw=1.2)
    ax.set_xlabel("time step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=_common.shared_data("timeseries"), help="folder with the CSV files")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="airline")
    parser.add_argument("--target", choices=["auto", "level", "diff", "logdiff"], default="auto")
    parser.add_argument("--window", type=int, default=12)
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=None, help="default: 300 (airline), 20 (temperatures)")
    parser.add_argument("--batch-size", type=int, default=None, help="default: 16 (airline), 32 (temperatures)")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out", help="folder for the plot")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)
    defaults = DEFAULTS[args.dataset]
    target = defaults["target"] if args.target == "auto" else args.target
    epochs = args.epochs or defaults["epochs"]
    batch_size = args.batch_size or defaults["batch_size"]

    keras.utils.set_random_seed(args.seed)
    y = load_series(args.data, args.dataset)
    z, back = to_model_space(y, target)
    cut = int(len(y) * (1 - args.test_fraction))  # y[cut:] is the test period
    first = args.window + (target != "level")  # the first t whose whole input window is defined
    train_t, test_t = np.arange(first, cut), np.arange(cut, len(y))
    mean, std = np.nanmean(z[:cut]), np.nanstd(z[:cut])  # scaling fit on the training part only
    s = (z - mean) / std
    x_train, y_train = windows(s, args.window, train_t), s[train_t, None].astype("float32")
    x_test = windows(s, args.window, test_t)
    print(f"{args.dataset}: {len(y)} steps, target {target}, {len(train_t)} training windows, "
          f"{len(test_t)} test steps")

    model = keras.Sequential([
        keras.Input(shape=(args.window, 1)),
        layers.LSTM(args.units),
        layers.Dense(1),
    ])
    model.compile(loss="mse", optimizer=keras.optimizers.Adam(args.lr))
    start = time.time()
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=args.verbose)
    elapsed = time.time() - start

    z_hat = model.predict(x_test, verbose=0)[:, 0].astype("float64") * std + mean
    forecast = back(z_hat, test_t)
    truth, naive = y[test_t], y[test_t - 1]
    rmse = float(np.sqrt(np.mean((forecast - truth) ** 2)))
    naive_rmse = float(np.sqrt(np.mean((naive - truth) ** 2)))
    os.makedirs(args.out, exist_ok=True)
    unit = DATASETS[args.dataset][2]
    plot_forecast(test_t, truth, forecast, naive, f"{args.dataset}: one-step forecast on the test period ({unit})",
                  os.path.join(args.out, "timeseries_forecast.png"))
    print(f"training time: {elapsed:.1f} s (RMSE in {unit})")
    print(f"test RMSE: {rmse:.2f} (naive last-value: {naive_rmse:.2f})")
    return {"rmse": rmse, "naive_rmse": naive_rmse, "seconds": elapsed}


if __name__ == "__main__":
    main()
