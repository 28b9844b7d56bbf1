"""Training on the strict stand-in device (issue #18 part 2): models ``fit``/``evaluate``/``predict``/``save``/
``load_model`` there with the NumPy device's results (same seeds, float32 tolerance), weights stay on the device,
and a training step leaves the device at most once per logging step."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import backend, layers
from neuroflow.backends import strict
from neuroflow.training import data_adapter as da, device_scalar

pytestmark = pytest.mark.skipif(backend.get_device() != "cpu",
                                reason="compares the strict device with the CPU run; run without NEUROFLOW_DEVICE")

RTOL, ATOL = 1e-5, 1e-6


def _mlp():
    return [layers.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")]


def _cnn():
    return [layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(),
            layers.Flatten(), layers.Dense(3, activation="softmax")]


def _lstm():
    return [layers.Input((5, 4)), layers.LSTM(6), layers.Dense(3, activation="softmax")]


def _batchnorm_dropout():
    return [layers.Input((8,)), layers.Dense(16), layers.BatchNormalization(), layers.Activation("relu"),
            layers.Dropout(0.3), layers.Dense(3, activation="softmax")]


MODELS = {"mlp": (_mlp, (8,)), "cnn": (_cnn, (8, 8, 1)), "lstm": (_lstm, (5, 4)),
          "batchnorm_dropout": (_batchnorm_dropout, (8,))}


def _data(sample_shape, n=48):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n,) + sample_shape).astype(np.float32), rng.integers(0, 3, n)


def _run(make, x, y, path):
    """Build (seeded), fit, evaluate, predict, save and reload on the current device; host results."""
    nf.random.set_seed(7)
    model = nf.Sequential(make())
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0).history
    evaluated = model.evaluate(x, y, verbose=0)
    predicted = model.predict(x, verbose=0)
    model.save(path)
    loaded = nf.models.load_model(path)
    devices = {w.device for w in model.weights} | {w.device for w in loaded.weights}
    after_load = loaded.predict(x, verbose=0)
    resumed = loaded.fit(x, y, batch_size=16, epochs=1, verbose=0).history["loss"]
    return history, evaluated, predicted, after_load, resumed, devices


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_model_trains_evaluates_predicts_saves_and_loads_on_strict_as_on_numpy(name, tmp_path):
    make, shape = MODELS[name]
    x, y = _data(shape)
    cpu = _run(make, x, y, str(tmp_path / "cpu.neuroflow"))
    with nf.device("strict"):
        dev = _run(make, x, y, str(tmp_path / "strict.neuroflow"))
    assert cpu[-1] == {"cpu"} and dev[-1] == {"strict"}, "weights must live on the device they were made on"
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(dev[0][key], cpu[0][key], rtol=RTOL, atol=ATOL, err_msg=f"{name}: fit {key}")
    np.testing.assert_allclose(dev[1], cpu[1], rtol=RTOL, atol=ATOL, err_msg=f"{name}: evaluate")
    for i, what in ((2, "predict"), (3, "predict after load_model")):
        assert type(dev[i]) is np.ndarray, f"{name}: {what} must return host NumPy arrays, as Keras does"
        np.testing.assert_allclose(dev[i], cpu[i], rtol=RTOL, atol=ATOL, err_msg=f"{name}: {what}")
    np.testing.assert_array_equal(dev[3], dev[2])  # the file round trip is exact
    np.testing.assert_allclose(dev[4], cpu[4], rtol=RTOL, atol=ATOL, err_msg=f"{name}: fit resumed after load")


@pytest.mark.parametrize("name", ["mlp", "batchnorm_dropout"])
def test_training_leaves_the_device_at_most_once_per_logging_step(name):
    make, shape = MODELS[name]
    x, y = _data(shape, n=96)  # 6 steps an epoch
    epochs = 3
    with nf.device("strict"):
        nf.random.set_seed(1)
        model = nf.Sequential(make())
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        with strict.counting() as fit_count:
            model.fit(x, y, batch_size=16, epochs=epochs, verbose=0)
        with strict.counting() as eval_count:
            logs = model.evaluate(x, y, verbose=0, return_dict=True)
    # verbose=0 logs once an epoch: the loss and every metric come over together, never once per step; + 1: the
    # compiled step compared its two traces' device constants once (test_compiled_step_on_strict.py)
    assert fit_count.count <= epochs + 1, f"fit made {fit_count.count} transfers for {epochs} logging steps"
    assert eval_count.count <= 1, f"evaluate made {eval_count.count} transfers"
    assert set(logs) == {"loss", "accuracy"} and all(isinstance(v, float) for v in logs.values())


def test_a_model_built_on_the_device_runs_there_when_called_from_outside_the_block():
    x, y = _data((8,))
    with nf.device("strict"):
        nf.random.set_seed(7)
        model = nf.Sequential(_mlp())
        model.compile("adam", "sparse_categorical_crossentropy")
        inside = model.predict(x, verbose=0), model.predict(x[:1], verbose=0)
    assert backend.get_device() == "cpu" and da.model_device(model) == "strict"
    with strict.counting() as count:
        outside = model.predict(x, verbose=0), model.predict(x[:1], verbose=0), model.predict(x[:1], verbose=0)
    assert count.count == 3, "one copy back per predict, as inside the block"
    for got, expected in zip(outside, inside + inside[1:]):
        assert type(got) is np.ndarray
        np.testing.assert_array_equal(got, expected)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert {w.device for w in model.weights} == {"strict"} and backend.get_device() == "cpu"
    assert isinstance(model.evaluate(x, y, verbose=0), float)


def test_validation_and_the_progress_bar_read_once_per_logging_step(capsys):
    x, y = _data((8,), n=96)
    with nf.device("strict"):
        nf.random.set_seed(1)
        model = nf.Sequential(_mlp())
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        with strict.counting() as quiet:
            history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, validation_split=0.25)
        with strict.counting() as shown:
            model.fit(x, y, batch_size=16, epochs=1, verbose=1)
    # each epoch: the training logs once, the validation pass's once
    assert quiet.count <= 4 and set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert shown.count <= 6 + 1, "the progress bar reads the logs once per step it shows"
    assert "loss:" in capsys.readouterr().out


def test_jit_compile_true_on_the_device_compiles_the_step_there():
    x, y = _data((8,), n=32)
    with nf.device("strict"):
        model = nf.Sequential(_mlp())
        model.compile("adam", "sparse_categorical_crossentropy", jit_compile=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "runs eagerly" warning
            model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    (status,) = model._jit_status()
    assert status["compiled"] == 1 and status["replays"] > 0 and status["eager"] is None


def test_batches_are_copied_to_the_device_once_each_with_the_next_one_prefetched():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    batches = da.ArrayBatches(x, y, None, batch_size=4)
    seen = []

    def source():
        for batch in batches.epoch(0):
            seen.append(len(batch[0]))
            yield batch

    moved = da.on_device(source(), "strict", prefetch=True)
    first = next(moved)
    assert len(seen) == 2, "the next batch is copied before the current one is handed out"
    rest = list(moved)
    assert [len(b[0]) for b in [first] + rest] == [4, 4, 2]
    assert all(type(b[0]) is strict.ndarray and type(b[1]) is strict.ndarray and b[2] is None
               for b in [first] + rest)
    np.testing.assert_array_equal(first[0].get(), x[:4])
    assert list(da.on_device(iter([(x, y, None)]), "cpu", prefetch=True))[0][0] is x  # the CPU: no copies
    streamed = da.on_device(iter([(x, y, None), (x, y, None)]), "strict", prefetch=False)
    next(streamed)  # a generator is never read past the batch asked for


def test_device_scalars_are_read_in_one_transfer():
    values = [1.5, strict.asarray(np.float32(2.0)), 3, strict.asarray(np.float64(0.25))]
    with strict.counting() as count:
        assert device_scalar.read(values) == [1.5, 2.0, 3.0, 0.25]
    assert count.count == 1
    with strict.counting() as count:
        kept = device_scalar.keep(strict.asarray(np.array([0.5], np.float32)))
    assert count.count == 0 and type(kept) is strict.ndarray and kept.dtype == np.float64 and kept.shape == ()
    assert device_scalar.keep(np.float32(0.5)) == 0.5


def test_metrics_accumulate_on_the_device_and_match_the_host():
    y_true = np.array([0, 1, 2, 1, 0, 2])
    y_pred = np.random.default_rng(3).random((6, 3)).astype(np.float32)
    weights = np.array([1.0, 0.5, 2.0, 1.0, 0.0, 1.0], np.float32)
    cpu = nf.metrics.SparseCategoricalAccuracy()
    cpu.update_state(y_true, y_pred, sample_weight=weights)
    cpu_mean = nf.metrics.Mean()
    cpu_mean.update_state(y_pred)
    with nf.device("strict"):
        dev = nf.metrics.SparseCategoricalAccuracy()
        dev_mean = nf.metrics.Mean()
        with strict.counting() as count:
            for _ in range(3):
                dev.update_state(strict.asarray(y_true), strict.asarray(y_pred),
                                 sample_weight=strict.asarray(weights))
                dev_mean.update_state(strict.asarray(y_pred))
            result = dev.result()
    assert count.count == 0 and type(result) is strict.ndarray
    assert float(result) == pytest.approx(float(cpu.result()), rel=1e-6)
    assert float(dev_mean.result()) == pytest.approx(float(cpu_mean.result()), rel=1e-6)


INITIALIZERS = ["zeros", "ones", "constant", "random_uniform", "random_normal", "truncated_normal",
                "variance_scaling", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
                "lecun_normal", "orthogonal", "identity"]


@pytest.mark.parametrize("name", INITIALIZERS)
def test_initializers_draw_on_the_device_the_values_numpy_draws(name):
    init = nf.initializers.get(name)
    shape = (4, 6) if name == "orthogonal" else (5, 5)
    cpu = init(shape, rng=np.random.default_rng(3))
    with nf.device("strict"):
        with strict.counting() as count:
            dev = init(shape, rng=np.random.default_rng(3))
    assert type(dev) is strict.ndarray and dev.dtype == cpu.dtype == np.float32
    if "truncated" not in name and name not in ("glorot_normal", "he_normal", "lecun_normal", "variance_scaling"):
        assert count.count == 0, f"{name}: made {count.count} device-to-host transfers"
    np.testing.assert_allclose(dev.get(), cpu, rtol=1e-6, atol=1e-7, err_msg=name)


OPTIMIZERS = {"SGD": {"momentum": 0.9, "nesterov": True}, "Adam": {}, "AdamW": {}, "Adamax": {}, "Nadam": {},
              "RMSprop": {"momentum": 0.5}, "Adagrad": {}, "Adadelta": {}, "Adafactor": {}, "Ftrl": {}, "Lion": {},
              "Lamb": {}, "Muon": {}, "Adam[clipnorm]": {"clipnorm": 0.1}, "Adam[global_clipnorm]":
              {"global_clipnorm": 0.1}, "Adam[clipvalue]": {"clipvalue": 0.01}, "Adam[ema]": {"use_ema": True},
              "Adam[weight_decay]": {"weight_decay": 0.01}, "Adam[accumulation]": {"gradient_accumulation_steps": 2}}
#: Optimizers whose update still reads a value on the host each step, with the reason (their owners' files).
OPTIMIZERS_READING_THE_HOST: dict = {}  # none since Muon keeps its step's numbers on the host (issue #18, H3)


def _train_regression(optimizer, x, y):
    nf.random.set_seed(0)
    model = nf.Sequential([layers.Input((6,)), layers.Dense(8, activation="tanh"), layers.Dense(2)])
    model.compile(optimizer, "mse")
    with strict.counting() as count:
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    return [backend.to_host(w.data) for w in model.weights], count.count


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_updates_on_the_device_as_on_numpy(name):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 6)).astype(np.float32), rng.standard_normal((32, 2)).astype(np.float32)
    make = lambda: getattr(nf.optimizers, name.split("[")[0])(**OPTIMIZERS[name])  # noqa: E731
    cpu, _ = _train_regression(make(), x, y)
    with nf.device("strict"):
        dev, transfers = _train_regression(make(), x, y)
    for a, b in zip(cpu, dev):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7, err_msg=name)
    if name in OPTIMIZERS_READING_THE_HOST:
        assert transfers > 2, f"{name} no longer reads the host: remove it from OPTIMIZERS_READING_THE_HOST"
    else:
        assert transfers <= 2, f"{name}: {transfers} device-to-host transfers in 2 epochs of 4 steps"


def _loss_cases():
    rng = np.random.default_rng(0)
    probs = rng.random((6, 4)).astype(np.float32)
    probs /= probs.sum(1, keepdims=True)
    onehot = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 6)]
    ids = rng.integers(0, 4, 6)
    binary = rng.integers(0, 2, (6, 4)).astype(np.float32)
    values = rng.standard_normal((6, 4)).astype(np.float32)
    return {
        "BinaryCrossentropy": (binary, probs), "BinaryFocalCrossentropy": (binary, probs),
        "CategoricalCrossentropy": (onehot, probs), "CategoricalFocalCrossentropy": (onehot, probs),
        "SparseCategoricalCrossentropy": (ids, probs), "MeanSquaredError": (values, probs),
        "MeanAbsoluteError": (values, probs), "MeanAbsolutePercentageError": (values, probs),
        "MeanSquaredLogarithmicError": (np.abs(values), probs), "Huber": (values, probs), "LogCosh": (values, probs),
        "Hinge": (binary, values), "SquaredHinge": (binary * 2 - 1, values), "CategoricalHinge": (onehot, values),
        "KLDivergence": (probs[::-1].copy(), probs), "Poisson": (np.abs(values), probs),
        "CosineSimilarity": (values, probs), "Dice": (binary, probs), "Tversky": (binary, probs),
        "CategoricalGeneralizedCrossEntropy": (ids, probs), "Circle": (ids, values)}


LOSS_CASES = _loss_cases()


def _loss_and_gradient(loss, y_true, y_pred, weights):
    pred = nf.Tensor(y_pred, requires_grad=True)
    with strict.counting() as count:
        value = loss(backend.to_device(y_true, backend.get_device()), pred,
                     sample_weight=None if weights is None else backend.to_device(weights, backend.get_device()))
        value.backward()
    return backend.to_host(value.data), backend.to_host(pred.grad), count.count


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("name", sorted(LOSS_CASES))
def test_every_loss_and_its_gradient_stay_on_the_device(name, weighted):
    y_true, y_pred = LOSS_CASES[name]
    weights = np.array([1.0, 0.5, 0.0, 2.0, 1.0, 1.0], np.float32) if weighted else None
    reduction = "mean_with_sample_weight" if weighted else "sum_over_batch_size"
    loss = getattr(nf.losses, name)(reduction=reduction)
    cpu = _loss_and_gradient(loss, y_true, y_pred, weights)
    with nf.device("strict"):
        dev = _loss_and_gradient(loss, y_true, y_pred, weights)
    np.testing.assert_allclose(dev[0], cpu[0], rtol=1e-6, atol=1e-7, err_msg=f"{name}: value")
    np.testing.assert_allclose(dev[1], cpu[1], rtol=1e-6, atol=1e-7, err_msg=f"{name}: gradient")
    assert dev[2] == 0, f"{name}: the loss and its backward made {dev[2]} device-to-host transfers"


def _metric_cases():
    rng = np.random.default_rng(0)
    probs = rng.random((8, 4)).astype(np.float32)
    probs /= probs.sum(1, keepdims=True)
    ids = rng.integers(0, 4, 8)
    onehot = np.eye(4, dtype=np.float32)[ids]
    binary = rng.integers(0, 2, (8, 4)).astype(np.float32)
    values = rng.standard_normal((8, 4)).astype(np.float32)
    scores = rng.random((8, 4)).astype(np.float32)
    other_ids = ids[::-1].copy()
    cases = {name: (binary, scores, {}) for name in (
        "BinaryAccuracy", "BinaryCrossentropy", "AUC", "Precision", "Recall", "TruePositives", "FalsePositives",
        "TrueNegatives", "FalseNegatives", "F1Score", "FBetaScore", "BinaryIoU")}
    cases.update({name: (values, scores, {}) for name in (
        "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "RootMeanSquaredError",
        "LogCoshError", "CosineSimilarity", "R2Score", "PearsonCorrelation", "ConcordanceCorrelation")})
    cases.update({name: (onehot, probs, {}) for name in (
        "CategoricalAccuracy", "TopKCategoricalAccuracy", "CategoricalCrossentropy")})
    cases.update({name: (ids, probs, {}) for name in (
        "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "SparseCategoricalCrossentropy")})
    cases.update({
        "Accuracy": (ids, other_ids, {}), "KLDivergence": (probs[::-1].copy(), probs, {}),
        "Poisson": (np.abs(values), scores, {}), "MeanSquaredLogarithmicError": (np.abs(values), scores, {}),
        "Hinge": (binary, values, {}), "SquaredHinge": (binary, values, {}), "CategoricalHinge": (onehot, values, {}),
        "R2Score[variance_weighted]": (values, scores, {"class_aggregation": "variance_weighted_average"}),
        "PrecisionAtRecall": (binary, scores, {"recall": 0.5}),
        "RecallAtPrecision": (binary, scores, {"precision": 0.5}),
        "SensitivityAtSpecificity": (binary, scores, {"specificity": 0.5}),
        "SpecificityAtSensitivity": (binary, scores, {"sensitivity": 0.5}),
        "F1Score[micro]": (binary, scores, {"average": "micro", "threshold": 0.5}),
        "IoU": (ids, other_ids, {"num_classes": 4, "target_class_ids": [0, 1]}),
        "MeanIoU": (ids, other_ids, {"num_classes": 4}),
        "OneHotIoU": (onehot, probs, {"num_classes": 4, "target_class_ids": [0, 2]}),
        "OneHotMeanIoU": (onehot, probs, {"num_classes": 4})})
    return cases


METRIC_CASES = _metric_cases()


def _host_values(result):
    return [float(backend.to_host(v)) for v in (result if isinstance(result, list) else [result])]


@pytest.mark.parametrize("name", sorted(METRIC_CASES))
def test_every_metric_accumulates_on_the_device_as_on_numpy(name):
    y_true, y_pred, kwargs = METRIC_CASES[name]
    weights = np.array([1.0, 0.5, 2.0, 1.0, 0.0, 1.0, 1.0, 3.0], np.float32)
    make = lambda: getattr(nf.metrics, name.split("[")[0])(**kwargs)  # noqa: E731
    cpu = make()
    for w in (None, weights):
        cpu.update_state(y_true, y_pred, sample_weight=w)
    with nf.device("strict"):
        dev = make()
        with strict.counting() as count:
            for w in (None, weights):
                dev.update_state(backend.to_device(y_true), backend.to_device(y_pred),
                                 sample_weight=None if w is None else backend.to_device(w))
            result = dev.result()
    assert count.count == 0, f"{name}: two updates and a result made {count.count} device-to-host transfers"
    np.testing.assert_allclose(_host_values(result), _host_values(cpu.result()), rtol=1e-6, atol=1e-9,
                               err_msg=name)


def test_keras_files_save_and_load_from_the_strict_device(tmp_path):
    with nf.device("strict"):
        model = nf.Sequential([layers.Input((3,)), layers.Dense(2), layers.BatchNormalization()])
        model.compile("adam", "mse")
        model.fit(np.ones((8, 3), "f"), np.ones((8, 2), "f"), verbose=0)
        model.save(tmp_path / "m.keras")
        model.save_weights(tmp_path / "m.weights.h5")
        again = nf.models.load_model(tmp_path / "m.keras")
        again.load_weights(tmp_path / "m.weights.h5")
        x = np.ones((2, 3), "f")
        np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
        assert all(not backend.is_host(w.data) for w in again.weights)
