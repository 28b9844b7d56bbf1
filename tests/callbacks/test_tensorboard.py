"""The TensorBoard callback, read back with TensorBoard's own reader (EventAccumulator): Keras' run folders and
tags, values and steps equal to the History, histograms/images/graph/embeddings when asked, one writer on rank
0, writers closed at the end, clear errors."""
import os
import sys

import numpy as np
import pytest

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

import neuroflow as nf  # noqa: E402
from neuroflow import layers  # noqa: E402
from neuroflow.callbacks import TensorBoard  # noqa: E402
from neuroflow.errors import ConfigError  # noqa: E402


def read(path):
    acc = event_accumulator.EventAccumulator(str(path), size_guidance={"scalars": 0, "histograms": 0, "images": 0})
    acc.Reload()
    return acc


def scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4), dtype=np.float32)
    return x, (x.sum(axis=1) > 2).astype(np.float32)


def small_model():
    model = nf.Sequential([layers.Input((4,)), layers.Dense(5, activation="relu", name="hidden"),
                           layers.Dense(1, activation="sigmoid", name="out")])
    model.compile(optimizer=nf.optimizers.SGD(0.1), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_epoch_scalars_match_history(tmp_path):
    x, y = data()
    model = small_model()
    tb = TensorBoard(tmp_path)
    history = model.fit(x, y, epochs=3, batch_size=16, validation_data=data(32, 1), callbacks=[tb], verbose=0)
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = read(tmp_path / "train"), read(tmp_path / "validation")
    for name in ("loss", "accuracy"):
        got = scalars(train, f"epoch_{name}")
        assert [s for s, _ in got] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in got], history.history[name], rtol=1e-6)
        got = scalars(val, f"epoch_{name}")
        np.testing.assert_allclose([v for _, v in got], history.history[f"val_{name}"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in scalars(train, "epoch_learning_rate")], [0.1] * 3, rtol=1e-6)
    assert not any(t.startswith("batch_") for t in train.Tags()["scalars"])
    assert train.Tags()["histograms"] == []                         # histogram_freq=0
    assert tb._writers == {}                                        # closed on train end
    nodes = {n.name: n for n in train.Graph().node}                 # write_graph=True: the layer graph
    out, hidden = nodes[f"{model.name}/out"], nodes[f"{model.name}/hidden"]
    assert out.op == "Dense" and list(out.input) == [f"{model.name}/hidden"]
    assert list(hidden.input) == [f"{model.name}/input"] and nodes[f"{model.name}/input"].op == "Input"
    assert hidden.attr["output_shape"].s == b"(None, 5)" and hidden.attr["params"].i == 25


def test_batch_scalars_follow_update_freq(tmp_path):
    x, y = data()
    tb = TensorBoard(tmp_path, update_freq=3, write_steps_per_second=True)
    small_model().fit(x, y, epochs=2, batch_size=16, callbacks=[tb], verbose=0)   # 4 batches an epoch
    train = read(tmp_path / "train")
    assert [s for s, _ in scalars(train, "batch_loss")] == [3, 6]              # global batch count, from 1
    assert all(v > 0 for _, v in scalars(train, "batch_steps_per_second"))
    assert all(v > 0 for _, v in scalars(train, "epoch_steps_per_second"))
    every = TensorBoard(tmp_path / "every", update_freq="batch")
    small_model().fit(x, y, epochs=1, batch_size=16, callbacks=[every], verbose=0)
    assert [s for s, _ in scalars(read(tmp_path / "every" / "train"), "batch_loss")] == [1, 2, 3, 4]


def test_epoch_updates_add_no_batch_hook():
    # the fit loop builds per-batch logs only for callbacks with a batch hook: the default adds none
    tb = TensorBoard("unused")
    assert "on_train_batch_end" not in vars(tb) and "on_train_batch_begin" not in vars(tb)
    assert "on_train_batch_end" in vars(TensorBoard("unused", update_freq=10))


def test_histograms_and_images(tmp_path):
    x, y = data()
    model = small_model()
    model.fit(x, y, epochs=3, batch_size=32, verbose=0,
              callbacks=[TensorBoard(tmp_path, histogram_freq=2, write_images=True, write_graph=False)])
    train = read(tmp_path / "train")
    assert set(train.Tags()["histograms"]) == {"hidden/kernel/histogram", "hidden/bias/histogram",
                                               "out/kernel/histogram", "out/bias/histogram"}
    events = train.Histograms("hidden/kernel/histogram")
    assert [e.step for e in events] == [0, 2]
    assert events[-1].histogram_value.num == 20                     # the 4 x 5 kernel's values
    np.testing.assert_allclose(events[-1].histogram_value.max, model.get_layer("hidden").kernel.data.max(),
                               rtol=1e-6)
    assert {"hidden/kernel/image", "hidden/bias/image", "out/kernel/image"} <= set(train.Tags()["images"])
    image = train.Images("hidden/kernel/image")[0]
    assert (image.width, image.height) == (5, 4)
    assert not train.Tags()["graph"]


def test_functional_graph_and_evaluate(tmp_path):
    inputs = layers.Input((4,), name="features")
    shared = layers.Dense(3, name="shared")
    merged = layers.Concatenate(name="merge")([shared(inputs), shared(inputs)])
    model = nf.Model(inputs, layers.Dense(1, name="head")(merged))
    model.compile(optimizer="sgd", loss="mse")
    x, y = data()
    tb = TensorBoard(tmp_path)
    model.fit(x, y, epochs=1, batch_size=32, callbacks=[tb], verbose=0)
    nodes = {n.name.split("/", 1)[1]: n for n in read(tmp_path / "train").Graph().node}
    assert set(nodes) == {"features", "shared", "shared_2", "merge", "head"}
    assert sorted(nodes["merge"].input) == [f"{model.name}/shared", f"{model.name}/shared_2"]
    loss = model.evaluate(x, y, callbacks=[tb], verbose=0)          # Keras: evaluation_<metric>_vs_iterations
    got = scalars(read(tmp_path / "validation"), "evaluation_loss_vs_iterations")
    assert got[-1][0] == model.optimizer.iterations == 2 and np.isclose(got[-1][1], loss)
    assert tb._writers == {}


def test_embeddings_for_the_projector(tmp_path):
    metadata = tmp_path / "words.tsv"
    metadata.write_text("\n".join(f"word{i}" for i in range(10)) + "\n")
    model = nf.Sequential([layers.Input((3,), dtype="int32"), layers.Embedding(10, 2, name="words"),
                           layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).integers(0, 10, (16, 3))
    tb = TensorBoard(tmp_path / "logs", embeddings_freq=1, embeddings_metadata={"words": str(metadata)})
    model.fit(x, np.zeros(16, np.float32), epochs=1, callbacks=[tb], verbose=0)
    config = (tmp_path / "logs" / "train" / "projector_config.pbtxt").read_text()
    assert "words" in config and "metadata.tsv" in config
    with pytest.raises(ConfigError, match=r"embeddings_metadata names \['nope'\].*Embedding layers: \['words'\]"):
        model.fit(x, np.zeros(16, np.float32), epochs=1, verbose=0,
                  callbacks=[TensorBoard(tmp_path / "bad", embeddings_freq=1, embeddings_metadata={"nope": "f"})])


def test_only_rank_zero_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("OMPI_COMM_WORLD_RANK", "1")
    x, y = data()
    small_model().fit(x, y, epochs=2, callbacks=[TensorBoard(tmp_path / "logs", histogram_freq=1)], verbose=0)
    assert not (tmp_path / "logs").exists()


def test_errors(monkeypatch):
    with pytest.raises(ConfigError, match="profiling is not available.*profile_batch=5"):
        TensorBoard(profile_batch=5)
    with pytest.raises(ConfigError, match="update_freq must be 'epoch', 'batch' or a positive int, got 'often'"):
        TensorBoard(update_freq="often")
    with pytest.raises(ConfigError, match="histogram_freq must be a non-negative int, got -1"):
        TensorBoard(histogram_freq=-1)
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install 'neuroflow\[tensorboard\]'"):
        TensorBoard()
