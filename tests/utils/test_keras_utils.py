"""keras.utils names: Progbar, Config, structure helpers, get_file, image files, plot_model, serialization."""
import os
import zipfile

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers, utils
from neuroflow.errors import ConfigError, DataError

from ..keras_oracle import keras as keras_oracle


def test_progbar_prints_averaged_values(capsys):
    bar = utils.Progbar(4, verbose=2)
    for i in range(4):
        bar.update(i + 1, [("loss", float(i))])
    out = capsys.readouterr().out
    assert "4/4" in out and "loss: 1.5000" in out
    utils.disable_interactive_logging()
    try:
        assert not utils.is_interactive_logging_enabled()
        utils.Progbar(2, verbose=1).update(2, [("loss", 1.0)])
        assert capsys.readouterr().out == ""
    finally:
        utils.enable_interactive_logging()


def test_config_attributes_and_freeze():
    c = utils.Config(lr=0.1)
    c.epochs = 3
    assert c.lr == 0.1 and c["epochs"] == 3 and dict(c.items()) == {"lr": 0.1, "epochs": 3}
    c.freeze()
    with pytest.raises(ConfigError, match="frozen"):
        c.lr = 1.0
    c.unfreeze()
    c.lr = 1.0
    assert c.as_dict()["lr"] == 1.0


def test_pack_unpack_match_keras():
    k = keras_oracle()
    x, y, w = np.ones(2), np.zeros(2), np.ones(2)
    for args in [(x,), (x, y), (x, y, w), ((x, x),)]:
        ours, theirs = utils.pack_x_y_sample_weight(*args), k.utils.pack_x_y_sample_weight(*args)
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
    for data in [x, (x,), (x, y), (x, y, w), [x, y]]:
        ours, theirs = utils.unpack_x_y_sample_weight(data), k.utils.unpack_x_y_sample_weight(data)
        assert [o is t for o, t in zip(ours, theirs)] == [True, True, True]


def test_split_dataset_sizes_and_shuffle():
    x, y = np.arange(10.0), np.arange(10) * 2
    left, right = utils.split_dataset((x, y), left_size=0.8, shuffle=True, seed=1)
    a, b = list(left), list(right)
    assert len(a) == 8 and len(b) == 2
    seen = sorted(float(s[0]) for s in a + b)
    assert seen == list(x) and all(int(s[1]) == 2 * int(s[0]) for s in a + b)
    with pytest.raises(ConfigError, match="left_size"):
        utils.split_dataset(x, left_size=1.5)


def test_get_source_inputs_of_a_functional_graph():
    a, b = nf.Input((3,), name="sa"), nf.Input((2,), name="sb")
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    assert utils.get_source_inputs(out) == [a, b]


def test_get_file_copies_local_files_checks_hashes_and_extracts(tmp_path):
    src = tmp_path / "data.txt"
    src.write_text("hello")
    path = utils.get_file("data.txt", str(src), cache_dir=str(tmp_path / "cache"))
    assert open(path).read() == "hello"
    import hashlib
    digest = hashlib.sha256(b"hello").hexdigest()
    assert utils.get_file("d2.txt", "file://" + str(src), file_hash=digest, cache_dir=str(tmp_path / "c"))
    with pytest.raises(DataError, match="does not match"):
        utils.get_file("d3.txt", str(src), file_hash="0" * 64, cache_dir=str(tmp_path / "c"))
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("inner/file.txt", "zipped")
    folder = utils.get_file("a.zip", str(archive), extract=True, cache_dir=str(tmp_path / "c"))
    assert open(os.path.join(folder, "inner", "file.txt")).read() == "zipped"
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../escape.txt", "no")
    with pytest.raises(DataError, match="outside"):
        utils.get_file("evil.zip", str(evil), extract=True, cache_dir=str(tmp_path / "c"))


def test_image_files_round_trip_like_keras(tmp_path):
    pytest.importorskip("PIL")
    k = keras_oracle()
    img = (np.random.default_rng(0).uniform(size=(5, 7, 3)) * 255).astype("float32")
    path = str(tmp_path / "x.png")
    utils.save_img(path, img, scale=False)
    loaded = utils.img_to_array(utils.load_img(path))
    assert loaded.shape == (5, 7, 3) and loaded.dtype == np.float32
    assert np.array_equal(loaded, np.floor(img).astype("float32"))
    assert np.array_equal(loaded, k.utils.img_to_array(k.utils.load_img(path)))
    small = utils.img_to_array(utils.load_img(path, color_mode="grayscale", target_size=(3, 4)))
    theirs = k.utils.img_to_array(k.utils.load_img(path, color_mode="grayscale", target_size=(3, 4)))
    assert np.array_equal(small, theirs)
    assert utils.img_to_array(utils.array_to_img(img), data_format="channels_first").shape == (3, 5, 7)
    from_tensor = utils.img_to_array(utils.array_to_img(nf.Tensor(img), scale=False))  # a device one too
    assert np.array_equal(from_tensor, np.floor(img).astype("float32"))


def test_image_dataset_from_directory(tmp_path):
    pytest.importorskip("PIL")
    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            utils.save_img(str(tmp_path / cls / f"{i}.png"), rng.uniform(0, 255, (6, 5, 3)), scale=False)
    ds = utils.image_dataset_from_directory(str(tmp_path), image_size=(4, 4), batch_size=4, seed=1, verbose=False)
    batches = list(ds)
    assert ds.class_names == ["cat", "dog"]
    assert [b[0].shape for b in batches] == [(4, 4, 4, 3), (2, 4, 4, 3)]
    assert sorted(np.concatenate([b[1] for b in batches]).tolist()) == [0, 0, 0, 1, 1, 1]
    train, val = utils.image_dataset_from_directory(str(tmp_path), image_size=(4, 4), validation_split=0.34,
                                                    subset="both", seed=2, label_mode="categorical",
                                                    verbose=False)
    assert sum(len(b[0]) for b in train) == 4 and list(val)[0][1].shape == (2, 2)


def test_plot_model_writes_a_drawing_or_the_dot_text(tmp_path):
    a = nf.Input((3,), name="in_a")
    model = nf.Model(a, layers.Dense(2, name="out_d")(layers.Dense(4, name="hid")(a)))
    dot = utils.model_to_dot(model, show_shapes=True)
    text = dot if isinstance(dot, str) else dot.to_string()
    assert "hid" in text and "(None, 4)" in text and text.count("->") == 2
    with pytest.warns(UserWarning) if not __import__("shutil").which("dot") else _nothing():
        path = utils.plot_model(model, str(tmp_path / "m.png"))
    assert os.path.exists(path)
    assert utils.plot_model(model, str(tmp_path / "m.dot")) == str(tmp_path / "m.dot")


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_serialize_keras_object_round_trip():
    dense = layers.Dense(3, activation="relu", name="ser")
    config = utils.serialize_keras_object(dense)
    assert config["class_name"] == "Dense" and config["registered_name"] == "Dense"
    again = utils.deserialize_keras_object(config)
    assert isinstance(again, layers.Dense) and again.units == 3

    @utils.register_keras_serializable(package="TestPkg")
    class Scaled(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    assert utils.get_registered_name(Scaled) == "TestPkg>Scaled"
    assert utils.get_registered_object("TestPkg>Scaled") is Scaled
    back = utils.deserialize_keras_object(utils.serialize_keras_object(Scaled(3.0)))
    assert isinstance(back, Scaled) and back.factor == 3.0
    assert utils.get_registered_object("NoSuchThing") is None
