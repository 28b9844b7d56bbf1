"""The loader refuses every damaged or hostile file with a SavingError that names what is wrong, without
running code, hanging or allocating what the file does not justify."""
import json
import os
import tracemalloc

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.errors import SavingError
from neuroflow.models import DBN, RBM, Sequential, load_model, model_from_json

from .helpers import edit_config, members, small_model, with_checksums, write_zip


@pytest.fixture
def saved(tmp_path):
    model = small_model()
    path = tmp_path / "m.neuroflow"
    model.save(path)
    return model, path


def test_round_trip_keeps_predictions_and_optimizer_state(saved):
    model, path = saved
    loaded = load_model(path)
    x = np.random.default_rng(1).random((5, 11), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.get_state().values(), model.optimizer.get_state().values()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("target", ["/dev/zero", "dir", "fifo", "missing"])
def test_only_regular_files_are_read(tmp_path, target):
    if target == "dir":
        path = tmp_path
    elif target == "fifo":
        path = tmp_path / "f.neuroflow"
        os.mkfifo(path)  # opening it for reading would block forever
    elif target == "missing":
        path = tmp_path / "nothing.neuroflow"
    else:
        path = target
    with pytest.raises(SavingError, match="not a regular file|no file"):
        load_model(path)


def test_file_size_cap(saved, monkeypatch):
    from neuroflow.saving import limits
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    with pytest.raises(SavingError, match="MAX_FILE_BYTES"):
        load_model(saved[1])


def test_zip_bomb_is_refused_before_inflating(tmp_path, saved):
    m = members(saved[1])
    m.pop("metadata.json")
    m["weights.safetensors"] = b"\0" * (64 << 20)  # 64 MiB of zeros deflate to ~64 KiB
    path = tmp_path / "bomb.neuroflow"
    write_zip(path, with_checksums(m))
    assert os.path.getsize(path) < 1 << 20
    tracemalloc.start()
    with pytest.raises(SavingError, match="weights.safetensors declares .* bytes"):
        load_model(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 16 << 20  # the member was never inflated


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_member_names_count_and_duplicates(tmp_path, saved):
    m = members(saved[1])
    bad = tmp_path / "bad.neuroflow"
    write_zip(bad, {**m, "../../etc/passwd": b"x"})
    with pytest.raises(SavingError, match="unexpected member"):
        load_model(bad)
    write_zip(bad, list(m.items()) + [("config.json", m["config.json"])])
    with pytest.raises(SavingError, match="appears twice"):
        load_model(bad)
    write_zip(bad, {**m, **{f"x{i}": b"" for i in range(20)}})
    with pytest.raises(SavingError, match=r"declares \d+ members"):
        load_model(bad)


def test_corruption_is_caught_by_checksums(tmp_path, saved):
    m = members(saved[1])
    data = bytearray(m["weights.safetensors"])
    data[-3] ^= 0xFF
    m["weights.safetensors"] = bytes(data)
    bad = tmp_path / "bad.neuroflow"
    write_zip(bad, m)
    with pytest.raises(SavingError, match="weights.safetensors does not match its SHA-256"):
        load_model(bad)


def test_signature_detects_tampering_that_checksums_cannot(tmp_path):
    model = small_model()
    path, edited = tmp_path / "s.neuroflow", tmp_path / "edited.neuroflow"
    model.save(path, signing_key=b"secret")
    assert load_model(path, signing_key=b"secret").count_params() == model.count_params()
    with pytest.raises(SavingError, match="does not match signing_key"):
        load_model(path, signing_key=b"other")
    edit_config(path, edited, lambda c: c["training_state"].update(epoch=7))
    assert load_model(edited)._epoch == 7  # the checksums were recomputed: integrity only, not authenticity
    with pytest.raises(SavingError, match="not signed|does not match signing_key"):
        load_model(edited, signing_key=b"secret")
    model.save(path)
    with pytest.raises(SavingError, match="not signed"):
        load_model(path, signing_key=b"secret")


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["training_state"].update(epoch=-1), "training_state.epoch"),
    (lambda c: c["training_state"].update(epoch="3"), "training_state.epoch"),
    (lambda c: c["model"]["config"]["layers"][0]["config"].update(units=600_000_000), "dense.*kernel|weights"),
    (lambda c: c["model"]["config"]["layers"][0].update(class_name="__setattr__"), "not a valid name"),
    (lambda c: c["model"].update(class_name="os.system"), "unknown layer class"),
    (lambda c: c["compile"].update(loss="__setattr__"), "not a valid name"),
    (lambda c: c["compile"].update(metrics=["__class__"]), "not a valid name"),
    (lambda c: c["compile"].update(loss={"class_name": "LossFunctionWrapper", "config": {"fn": "close_matches"}}),
     "not a registered loss"),
    (lambda c: c["model"]["config"]["layers"][1]["config"].update(rate="x"), "dropout"),
    (lambda c: c["model"]["config"]["layers"][0]["config"].update(bogus=1), "bogus"),
    (lambda c: c["model"]["config"].update(layers=c["model"]["config"]["layers"][:1]), "weights"),
    (lambda c: c.update(weight_shapes=[[11, 7], [6], [6, 1], [1]]), "shape"),
    (lambda c: c["training_state"]["rng_states"].update(dropout={"bit_generator": "MT19937", "state": {}}),
     "rng_states"),
    (lambda c: c["compile"]["optimizer"].update(class_name="Adam", config={"learning_rate": "fast"}),
     "compile.optimizer"),
    (lambda c: c.update(model=[[[[]]]]), "'model'"),
    (lambda c: c["model"]["config"].update(__class__=1), "key '__class__'"),
])
def test_edited_configs_are_refused_with_the_field(tmp_path, saved, edit, message):
    out = tmp_path / "edited.neuroflow"
    edit_config(saved[1], out, edit)
    tracemalloc.start()
    with pytest.raises(SavingError, match=message):
        load_model(out)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 << 20  # nothing large was allocated before the check


def test_deep_json_and_long_strings(tmp_path, saved):
    out = tmp_path / "deep.neuroflow"
    m = members(saved[1])
    m.pop("metadata.json")
    for text in ("[" * 100_000 + "]" * 100_000, json.dumps({"model": "x" * (1 << 20)}), '{"a": NaN}',
                 '{"a": 1' + "0" * 5000 + "}"):
        m["config.json"] = text.encode()
        write_zip(out, with_checksums(m))
        with pytest.raises(SavingError, match="config.json"):
            load_model(out)


def test_many_layers_rebuild_in_linear_time(tmp_path, monkeypatch):
    """A 3,000-layer Sequential rebuilds by tracing the stack once (it used to re-trace on every add): each layer's
    shape is worked out a bounded number of times, not once per layer added after it (counted, not timed)."""
    from neuroflow.layers import Dropout
    config = {"class_name": "Sequential", "config": {"name": "deep", "build_input_shape": [None, 4],
                                                     "layers": [{"class_name": "Dropout", "config": {
                                                         "rate": 0.1, "name": f"d{i}"}} for i in range(3000)]}}
    calls = []
    original = Dropout.compute_output_shape
    monkeypatch.setattr(Dropout, "compute_output_shape", lambda self, s: calls.append(1) or original(self, s))
    model = model_from_json(json.dumps(config))
    assert len(model.layers) == 3000 and model.built
    assert len(calls) <= 3 * 3000  # quadratic re-tracing made 4.5 million
    config["config"]["layers"] *= 4  # 12,000 > MAX_LAYERS
    with pytest.raises(SavingError, match="more than 10000 layers"):
        model_from_json(json.dumps(config))


def test_model_from_json_caps_weights_without_a_file():
    config = {"class_name": "Sequential", "config": {"name": "big", "build_input_shape": [None, 100_000],
                                                     "layers": [{"class_name": "Dense",
                                                                 "config": {"units": 100_000, "name": "d"}}]}}
    with pytest.raises(SavingError, match="asks for weight 'kernel'"):
        model_from_json(json.dumps(config))
    with pytest.raises(SavingError, match="not valid JSON"):
        model_from_json("{")


def test_optimizer_state_that_does_not_fit(tmp_path, saved):
    out = tmp_path / "o.neuroflow"
    edit_config(saved[1], out, lambda c: c["optimizer_shapes"].update(
        {k: [99] for k in c["optimizer_shapes"] if "/" in k}))
    with pytest.raises(SavingError, match="optimizer"):
        load_model(out)


def test_non_zip_and_truncated_files(tmp_path, saved):
    data = saved[1].read_bytes()
    bad = tmp_path / "t.neuroflow"
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        bad.write_bytes(data[:cut])
        with pytest.raises(SavingError):
            load_model(bad)


def test_rbm_and_dbn_files_are_checked(tmp_path):
    rbm = RBM(units=3, seed=0)
    rbm.build(4)
    path = tmp_path / "r.neuroflow"
    rbm.save(path)
    np.testing.assert_array_equal(load_model(path).W, rbm.W)
    m = members(path)
    meta = json.loads(m["metadata.json"])
    assert meta["format"] == "neuroflow.rbm" and set(meta["sha256"]) == {"config.json", "weights.safetensors"}
    config = json.loads(m["config.json"])
    config["config"]["persistent"] = "relu"
    m.pop("metadata.json")
    m["config.json"] = json.dumps(config).encode()
    write_zip(path, with_checksums(m, {"format": "neuroflow.rbm"}))
    with pytest.raises(SavingError, match="persistent"):
        load_model(path)
    dbn = DBN([3, 2], seed=0).build(4)
    dpath = tmp_path / "d.dbn"
    dbn.save(dpath, signing_key=b"k")
    meta = json.loads(members(dpath)["metadata.json"])
    assert set(meta["sha256"]) == {"config.json", "weights.safetensors"}  # DBN files carry checksums now
    assert DBN.load(dpath, signing_key=b"k").n_visible == 4
    m = members(dpath)
    data = bytearray(m["weights.safetensors"])
    data[-1] ^= 1
    m["weights.safetensors"] = bytes(data)
    write_zip(dpath, m)
    with pytest.raises(SavingError, match="SHA-256"):
        DBN.load(dpath)


def test_load_weights_checks_shapes(tmp_path, saved):
    model, path = saved
    wpath = tmp_path / "w.safetensors"
    model.save_weights(wpath)
    other = Sequential([layers.Dense(5, input_dim=11), layers.Dense(1)])
    with pytest.raises(SavingError, match="shape"):
        other.load_weights(wpath)
    fresh = small_model(compiled=False, seed=3)
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.get_weights()[0], model.get_weights()[0])


def test_functional_model_round_trip(tmp_path):
    inp = nf.layers.Input(shape=(4,))
    a = layers.Dense(3, name="a")(inp)
    b = layers.Dense(3, name="b")(inp)
    out = layers.Dense(1, name="out")(layers.Concatenate()([a, b]))
    model = nf.Model(inp, out)
    path = tmp_path / "f.neuroflow"
    model.save(path)
    x = np.ones((2, 4), np.float32)
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
    edit_config(path, tmp_path / "g.neuroflow", lambda c: c["model"]["config"]["nodes"][0].update(args=[{"ref": [[1], 0]}]))
    with pytest.raises(SavingError, match="tensor reference"):
        load_model(tmp_path / "g.neuroflow")
