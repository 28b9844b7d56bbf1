"""What a Keras file may not do to neuroflow: run code (``Lambda``), name classes neuroflow lacks, or come damaged,
incomplete or from another architecture. Each is a SavingError naming the cause; nothing half-loads."""
from __future__ import annotations

import json
import sys
import zipfile

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import SavingError
from neuroflow.models import Sequential, load_model

from ..keras_oracle import keras

pytest.importorskip("h5py", reason="Keras files need h5py (pip install 'neuroflow[h5]')")


def _keras_dense(k, path, **kwargs):
    model = k.Sequential([k.Input((4,)), k.layers.Dense(3, **kwargs), k.layers.Dense(2)])
    model.save(path)
    return model


def _rewrite(src, dst, replace: dict):
    """Copy the zip ``src`` to ``dst`` with members replaced (``None`` drops one)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)


def test_lambda_layer_is_refused_without_running_it(tmp_path):
    k = keras()
    model = k.Sequential([k.Input((4,)), k.layers.Lambda(lambda t: t * 2, name="doubler"), k.layers.Dense(2)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(SavingError, match=r"'doubler'.*Lambda.*no code"):
        load_model(tmp_path / "lambda.keras")


def test_a_keras_class_neuroflow_lacks_is_named(tmp_path):
    k = keras()
    _keras_dense(k, tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        config = json.loads(zf.read("config.json"))
    config["config"]["layers"][1]["class_name"] = "HashedCrossing"  # a Keras layer (neuroflow has none)
    config["config"]["layers"][1]["config"]["name"] = "crossing"
    _rewrite(tmp_path / "m.keras", tmp_path / "other.keras", {"config.json": json.dumps(config).encode()})
    with pytest.raises(SavingError, match=r"'crossing'.*HashedCrossing"):
        load_model(tmp_path / "other.keras")


def test_a_keras_argument_neuroflow_now_takes_loads_with_its_effect(tmp_path):
    # LayerNormalization(rms_scaling=True) used to be refused here; neuroflow computes it now, as Keras does
    k = keras()
    model = k.Sequential([k.Input((4,)), k.layers.LayerNormalization(rms_scaling=True, name="rms")])
    model.layers[0].gamma.assign(np.array([0.5, 1.0, 2.0, 3.0], "float32"))
    model.save(tmp_path / "rms.keras")
    x = np.random.default_rng(0).normal(2.0, 3.0, (3, 4)).astype("float32")
    np.testing.assert_allclose(load_model(tmp_path / "rms.keras").predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_corrupted_archive(tmp_path):
    k = keras()
    _keras_dense(k, tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(SavingError):
        load_model(tmp_path / "cut.keras")
    (tmp_path / "noise.keras").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    with pytest.raises(SavingError):
        load_model(tmp_path / "noise.keras")
    with zipfile.ZipFile(tmp_path / "many.keras", "w") as zf:
        for i in range(100):
            zf.writestr(f"member{i}", b"")
    with pytest.raises(SavingError, match="more than 64 members"):
        load_model(tmp_path / "many.keras")
    _rewrite(tmp_path / "m.keras", tmp_path / "badjson.keras", {"config.json": b"{not json"})
    with pytest.raises(SavingError, match="config.json"):
        load_model(tmp_path / "badjson.keras")
    _rewrite(tmp_path / "m.keras", tmp_path / "badh5.keras", {"model.weights.h5": b"\x89HDF\r\n\x1a\n" + b"\0" * 64})
    with pytest.raises(SavingError, match="HDF5"):
        load_model(tmp_path / "badh5.keras")


def test_missing_member_and_missing_weight(tmp_path):
    k = keras()
    h5py = pytest.importorskip("h5py")
    model = _keras_dense(k, tmp_path / "m.keras")
    _rewrite(tmp_path / "m.keras", tmp_path / "noweights.keras", {"model.weights.h5": None})
    with pytest.raises(SavingError, match="model.weights.h5"):
        load_model(tmp_path / "noweights.keras")

    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "a") as f:
        del f["layers/dense_1/vars/1"]
    target = Sequential([nf.Input((4,)), layers.Dense(3), layers.Dense(2)])
    before = [w.copy() for w in target.get_weights()]
    with pytest.raises(SavingError, match=r"missing|2 weight"):
        target.load_weights(tmp_path / "w.weights.h5")
    for b, a in zip(before, target.get_weights()):  # nothing was assigned
        np.testing.assert_array_equal(a, b)


def test_shape_mismatch_and_other_architecture(tmp_path):
    k = keras()
    model = _keras_dense(k, tmp_path / "m.keras")
    model.save_weights(tmp_path / "w.weights.h5")
    wider = Sequential([nf.Input((4,)), layers.Dense(5), layers.Dense(2)])
    with pytest.raises(SavingError, match=r"shape \(4, 5\).*\(4, 3\)"):
        wider.load_weights(tmp_path / "w.weights.h5")
    deeper = Sequential([nf.Input((4,)), layers.Dense(3), layers.Dense(2), layers.Dense(2)])
    with pytest.raises(SavingError, match="different architecture"):
        deeper.load_weights(tmp_path / "w.weights.h5")
    shorter = Sequential([nf.Input((4,)), layers.Dense(3)])
    with pytest.raises(SavingError, match="different architecture"):
        shorter.load_weights(tmp_path / "w.weights.h5")


def test_custom_class_in_the_config_is_refused(tmp_path):
    k = keras()
    _keras_dense(k, tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        config = json.loads(zf.read("config.json"))
    config["config"]["layers"][1]["registered_name"] = "evil>Dense"
    config["config"]["layers"][1]["module"] = "evil.module"
    _rewrite(tmp_path / "m.keras", tmp_path / "custom.keras", {"config.json": json.dumps(config).encode()})
    with pytest.raises(SavingError, match="custom class 'evil>Dense'"):
        load_model(tmp_path / "custom.keras")


def test_what_a_keras_file_cannot_hold_is_refused_on_save(tmp_path):
    model = Sequential([nf.Input((4,)), layers.Dense(3, activation=lambda t: t), layers.Dense(2)])
    with pytest.raises(SavingError, match="custom function"):
        model.save(tmp_path / "f.keras")
    assert not (tmp_path / "f.keras").exists()
    with pytest.raises(SavingError, match="signature"):
        Sequential([nf.Input((4,)), layers.Dense(2)]).save(tmp_path / "s.keras", signing_key=b"k" * 32)


def test_missing_h5py_names_the_extra(tmp_path, monkeypatch):
    model = Sequential([nf.Input((4,)), layers.Dense(2)])
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(SavingError, match=r"neuroflow\[h5\]"):
        model.save_weights(tmp_path / "w.weights.h5")


def test_neuroflow_files_keep_their_format(tmp_path):
    model = Sequential([nf.Input((4,)), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.save(tmp_path / "m.neuroflow")
    assert "weights.safetensors" in zipfile.ZipFile(tmp_path / "m.neuroflow").namelist()
    model.save(tmp_path / "m.keras")
    assert set(zipfile.ZipFile(tmp_path / "m.keras").namelist()) == {"metadata.json", "config.json",
                                                                      "model.weights.h5"}
    x = np.ones((2, 4), np.float32)
    for name in ("m.neuroflow", "m.keras"):
        np.testing.assert_allclose(load_model(tmp_path / name).predict(x, verbose=0), model.predict(x, verbose=0))
    assert load_model(tmp_path / "m.neuroflow").optimizer is not None  # neuroflow's file keeps the optimizer


def test_a_dataset_reading_other_files_is_refused(tmp_path):
    h5py = pytest.importorskip("h5py")
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(6, dtype=np.float32).tobytes())
    with h5py.File(tmp_path / "w.weights.h5", "w") as f:
        f.create_dataset("layers/dense/vars/0", shape=(4, 2), dtype="float32", external=[(str(secret), 0, 32)])
        f.create_dataset("layers/dense/vars/1", data=np.zeros(2, np.float32))
    with pytest.raises(SavingError, match="other files"):
        Sequential([nf.Input((4,)), layers.Dense(2)]).load_weights(tmp_path / "w.weights.h5")


def test_compile_arguments_come_along(tmp_path):
    k = keras()
    model = k.Sequential([k.Input((4,)), k.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=k.optimizers.SGD(0.05, momentum=0.9), loss=k.losses.CategoricalCrossentropy(),
                  metrics=["accuracy", k.metrics.AUC(num_thresholds=50)])
    model.save(tmp_path / "c.keras")
    loaded = load_model(tmp_path / "c.keras")
    config = loaded.optimizer.get_config()
    assert type(loaded.optimizer).__name__ == "SGD" and config["momentum"] == pytest.approx(0.9)
    assert config["learning_rate"] == pytest.approx(0.05)
    x = np.random.default_rng(0).random((8, 4), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(8) % 3]
    logs = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert {"loss", "accuracy", "auc"} <= set(logs)
    assert load_model(tmp_path / "c.keras", compile=False).optimizer is None


def test_keras_compiles_what_neuroflow_saved(tmp_path):
    k = keras()
    model = Sequential([nf.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=nf.optimizers.RMSprop(0.01, rho=0.8), loss="categorical_crossentropy",
                  metrics=["accuracy", nf.metrics.AUC(num_thresholds=50)])
    model.save(tmp_path / "c.keras")
    loaded = k.models.load_model(tmp_path / "c.keras")
    assert type(loaded.optimizer).__name__ == "RMSprop"
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.01)
    assert loaded.optimizer.rho == pytest.approx(0.8)
    x = np.random.default_rng(0).random((8, 4), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[np.arange(8) % 3]
    ours = model.evaluate(x, y, verbose=0, return_dict=True)
    theirs = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert ours["loss"] == pytest.approx(theirs["loss"], rel=1e-5)

    def custom_loss(y_true, y_pred):
        return nf.ops.mean(nf.ops.square(y_true - y_pred))

    model.compile(optimizer="adam", loss=custom_loss)
    with pytest.warns(UserWarning, match="custom_loss.*not registered"):  # written by name, as Keras does
        model.save(tmp_path / "u.keras")
    loaded = k.models.load_model(tmp_path / "u.keras", custom_objects={"custom_loss": custom_loss})
    assert loaded.loss is custom_loss


def test_an_older_safetensors_weights_file_named_h5_still_loads(tmp_path):
    from neuroflow.saving import model_file
    model = Sequential([nf.Input((4,)), layers.Dense(2)])
    model_file.save_weights(model, tmp_path / "old.h5")  # what save_weights("old.h5") wrote before
    other = Sequential([nf.Input((4,)), layers.Dense(2)])
    other.load_weights(tmp_path / "old.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_model_checkpoint_writes_keras_files_that_keras_loads(tmp_path):
    """The atomic write's temporary name must not hide the target's format from the extension dispatch."""
    import numpy as np

    import neuroflow as nf
    from neuroflow import layers
    from neuroflow.io import intended_path

    from ..keras_oracle import keras as keras_oracle

    k = keras_oracle()
    model = nf.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 2), "float32")
    path = str(tmp_path / "best.keras")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[nf.callbacks.ModelCheckpoint(path, monitor="loss")])
    np.testing.assert_allclose(np.asarray(k.models.load_model(path).predict(x, verbose=0)), model.predict(x),
                               rtol=1e-5, atol=1e-6)
    assert intended_path(str(tmp_path / ".best.keras.123.0a1b2c3d4e5f.tmp")) == path
    assert intended_path(path) == path
