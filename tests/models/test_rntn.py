"""The RNTN: tree reading and batching, the composition layer, level-wise evaluation equal to recursion,
gradients by finite differences, learning on the generated treebank, and clear errors."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers
from neuroflow.backends import strict
from neuroflow.data.trees import (Tree, batch_trees, build_vocabulary, parse_tree, read_ptb_trees,
                                  synthetic_sentiment_treebank)
from neuroflow.errors import ConfigError, DataError
from neuroflow.models.rntn import RNTN
from tests.conftest import host

SST_LINES = ["(3 (2 not) (3 (3 very) (4 good)))", "(1 (2 (2 the) (2 movie)) (1 (2 but) (1 dull)))", "(4 great)"]


def test_parse_and_read_ptb_trees(tmp_path):
    t = parse_tree(SST_LINES[0])
    assert t.words() == ["not", "very", "good"] and [n.label for n in t.nodes()] == [2, 3, 4, 3, 3]
    assert str(t) == SST_LINES[0]
    path = tmp_path / "train.txt"
    path.write_text("\n".join(SST_LINES) + "\n\n")
    trees = read_ptb_trees(str(path))
    assert len(trees) == 3 and trees[2].is_leaf and trees[2].label == 4


@pytest.mark.parametrize("bad, words", [("(3 (2 a) (2 b) (2 c))", "exactly two"), ("(x a)", "not an integer"),
                                        ("(3 (2 a)", "expected"), ("(2 a) (3 b)", "after the tree")])
def test_bad_trees_are_clear_errors(bad, words):
    with pytest.raises(DataError, match=words):
        parse_tree(bad)


def _recursive(model, tree):
    """The RNTN evaluated node by node, recursively (the reference for the level-wise batch)."""
    if tree.is_leaf:
        return nf.ops.getitem(model.embedding, np.array([model.vocabulary.get(tree.word, 0)]))
    return model.composition([_recursive(model, tree.left), _recursive(model, tree.right)])


def test_level_wise_batch_equals_recursive_evaluation():
    trees = synthetic_sentiment_treebank(12, seed=3)
    model = RNTN(build_vocabulary(trees), units=5, num_classes=3)
    batch = batch_trees(trees, model.vocabulary)
    logits = model(batch).numpy()
    for t, root in zip(trees, batch.roots):
        expected = model.classifier(_recursive(model, t)).numpy()[0]
        np.testing.assert_allclose(logits[root], expected, rtol=1e-5, atol=1e-6)
    assert sorted(batch.labels.tolist()) == sorted(n.label for t in trees for n in t.nodes())


def test_tree_composition_matches_its_formula_and_round_trips():
    layer = layers.TreeComposition(3)
    a, b = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    out = layer([nf.Tensor(a), nf.Tensor(b)]).numpy()
    x = np.concatenate([a, b], axis=1)
    v, w, bias = layer.tensor.numpy(), layer.kernel.numpy(), layer.bias.numpy()
    expected = np.tanh(np.einsum("ni,kij,nj->nk", x, v, x) + x @ w + bias)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    again = layers.TreeComposition.from_config(layer.get_config())
    assert again.units == 3 and again.use_tensor and again.tensor_scale == layer.tensor_scale
    plain = layers.TreeComposition(3, use_tensor=False)
    plain([nf.Tensor(a), nf.Tensor(b)])
    assert [w.name for w in plain.weights] == ["kernel", "bias"]


def test_gradients_match_finite_differences_in_float64():
    nf.backend.set_floatx("float64")
    try:
        trees = [parse_tree(line) for line in SST_LINES[:2]]
        model = RNTN(build_vocabulary(trees), units=3, num_classes=5, l2=1e-3)
        batch = batch_trees(trees, model.vocabulary)
        for v in model.trainable_weights:
            v.data[...] = np.random.default_rng(len(v.path)).normal(0, 0.5, v.shape)
        loss = model._loss(batch)
        loss.backward()
        eps = 1e-6
        for v in (model.composition.tensor, model.composition.kernel, model.embedding, model.classifier.kernel):
            flat, grad = v.data.reshape(-1), host(v.grad).reshape(-1)
            for j in range(0, flat.size, max(1, flat.size // 12)):
                old = flat[j]
                flat[j] = old + eps
                plus = float(model._loss(batch).data)
                flat[j] = old - eps
                minus = float(model._loss(batch).data)
                flat[j] = old
                assert grad[j] == pytest.approx((plus - minus) / (2 * eps), rel=1e-5, abs=1e-8), v.path
    finally:
        nf.backend.set_floatx("float32")


@pytest.mark.slow
def test_rntn_learns_composition_better_than_chance():
    train = synthetic_sentiment_treebank(500, seed=11)
    test = synthetic_sentiment_treebank(150, seed=12)
    model = RNTN(build_vocabulary(train), units=12, num_classes=3)
    history = model.fit(train, epochs=6, optimizer=nf.optimizers.Adagrad(0.05), seed=0, verbose=0)
    assert history["loss"][-1] < history["loss"][0] * 0.6
    scores = model.evaluate(test)
    assert scores["root_accuracy"] > 0.6 and scores["all_node_accuracy"] > 0.75


def test_negation_needs_composition():
    t = synthetic_sentiment_treebank(200, seed=5)
    negated = [n for tree in t for n in tree.nodes() if not n.is_leaf and n.left.word == "not"]
    assert negated and all(n.label == 2 - n.right.label for n in negated)
    contrast = [n for tree in t for n in tree.nodes() if not n.is_leaf and not n.right.is_leaf
                and n.right.left.word == "but"]
    assert contrast and all(n.label == n.right.right.label for n in contrast)


def test_arguments_are_checked():
    with pytest.raises(DataError, match="vocabulary"):
        RNTN({}, units=3)
    with pytest.raises(ConfigError, match="units"):
        RNTN({"a": 1}, units=0)
    with pytest.raises(ConfigError, match="n and depth"):
        synthetic_sentiment_treebank(0)
    with pytest.raises(DataError, match="no trees"):
        batch_trees([], {})
    assert isinstance(Tree(1, word="x"), Tree)


def test_fit_on_a_device_reads_the_loss_once_an_epoch_and_equals_the_cpu_run():
    train = synthetic_sentiment_treebank(40, seed=3)

    def run(device):
        nf.utils.set_random_seed(0)
        with nf.device(device):
            model = RNTN(build_vocabulary(train), units=4, num_classes=3)
            with strict.counting() as reads:
                history = model.fit(train, epochs=2, batch_size=10, optimizer="adagrad", seed=0, verbose=0)
            return history["loss"], reads.count, model.predict_nodes(train[:5])
    cpu_loss, _, cpu_nodes = run("cpu")
    loss, reads, nodes = run("strict")
    assert reads <= 2  # one read of the summed loss per epoch, nothing per step
    np.testing.assert_allclose(loss, cpu_loss, rtol=1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(nodes, cpu_nodes))
