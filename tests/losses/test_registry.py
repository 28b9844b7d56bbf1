"""Loss resolution, configs, serialization, custom registration, and the label checks at the boundary."""
import json

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import losses
from neuroflow.errors import ConfigError, DataError, ShapeError

BUILTIN = [losses.MeanSquaredError(), losses.MeanAbsoluteError(), losses.MeanAbsolutePercentageError(),
           losses.MeanSquaredLogarithmicError(), losses.Huber(delta=2.5), losses.LogCosh(),
           losses.CosineSimilarity(axis=-1), losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
           losses.CategoricalCrossentropy(label_smoothing=0.05, reduction="sum"),
           losses.SparseCategoricalCrossentropy(ignore_class=0, reduction=None), losses.KLDivergence(),
           losses.Poisson(), losses.Hinge(), losses.SquaredHinge(), losses.CategoricalHinge()]


@pytest.mark.parametrize("name,cls", [
    ("mse", losses.MeanSquaredError), ("MSE", losses.MeanSquaredError), ("mean_squared_error", losses.MeanSquaredError),
    ("mae", losses.MeanAbsoluteError), ("mape", losses.MeanAbsolutePercentageError),
    ("msle", losses.MeanSquaredLogarithmicError), ("kld", losses.KLDivergence), ("kl_divergence", losses.KLDivergence),
    ("log_cosh", losses.LogCosh), ("logcosh", losses.LogCosh), ("huber", losses.Huber), ("Huber", losses.Huber),
    ("binary_crossentropy", losses.BinaryCrossentropy), ("bce", losses.BinaryCrossentropy),
    ("categorical_crossentropy", losses.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy), ("hinge", losses.Hinge),
    ("squared_hinge", losses.SquaredHinge), ("poisson", losses.Poisson),
    ("cosine_similarity", losses.CosineSimilarity), ("CategoricalHinge", losses.CategoricalHinge),
])
def test_get_resolves_names_to_instances(name, cls):
    loss = losses.get(name)
    assert type(loss) is cls


def test_get_other_identifiers():
    inst = losses.Huber()
    assert losses.get(inst) is inst
    assert losses.get(None) is None
    assert type(losses.get(losses.Poisson)) is losses.Poisson
    # A built-in function becomes its class, so that the model can fuse the output activation.
    assert type(losses.get(losses.binary_crossentropy)) is losses.BinaryCrossentropy
    assert type(losses.get({"class_name": "Huber", "config": {"delta": 3.0}})) is losses.Huber

    def my_loss(y_true, y_pred):
        return nf.ops.mean(nf.ops.abs(y_pred - y_true), axis=-1)

    wrapped = losses.get(my_loss)
    assert isinstance(wrapped, losses.LossFunctionWrapper) and wrapped.name == "my_loss"
    p = nf.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    wrapped(np.zeros((2, 3)), p).backward()
    np.testing.assert_allclose(p.grad, np.full((2, 3), 1 / 6))


def test_unknown_name_lists_close_matches():
    with pytest.raises(ConfigError, match="did you mean 'binary_crossentropy'"):
        losses.get("binary_crossentopy")
    with pytest.raises(ConfigError):
        losses.get(42)
    with pytest.raises(ConfigError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")


@pytest.mark.parametrize("loss", BUILTIN, ids=lambda l: type(l).__name__)
def test_config_and_serialization_round_trip(loss):
    config = losses.serialize(loss)
    config = json.loads(json.dumps(config))
    back = losses.deserialize(config)
    assert type(back) is type(loss) and back.get_config() == loss.get_config()
    again = type(loss).from_config(loss.get_config())
    assert again.get_config() == loss.get_config()


def test_register_custom_class_and_function():
    @losses.register
    class ScaledMSE(losses.Loss):
        def __init__(self, scale=2.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * nf.ops.mean(nf.ops.square(y_pred - y_true), axis=-1)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    @losses.register(name="test_registry_l1")
    def l1(y_true, y_pred):
        return nf.ops.mean(nf.ops.abs(y_pred - y_true), axis=-1)

    loss = losses.get("ScaledMSE")
    back = losses.deserialize(json.loads(json.dumps(losses.serialize(ScaledMSE(scale=3.0)))))
    assert isinstance(back, ScaledMSE) and back.scale == 3.0 and type(loss) is ScaledMSE
    fn_loss = losses.get("test_registry_l1")
    config = losses.serialize(fn_loss)
    assert config["config"]["fn"] == "test_registry_l1"
    assert losses.deserialize(config).fn is l1

    with pytest.raises(ConfigError, match="built-in"):
        losses.register(l1, name="mse")

    def unregistered(y_true, y_pred):
        return y_pred

    with pytest.raises(ConfigError, match="register"):
        losses.serialize(losses.get(unregistered))


# --- label checks -------------------------------------------------------------------------------------------------
def test_one_hot_labels_for_sparse_loss():
    y = np.eye(3)[[0, 2, 1]]
    with pytest.raises(DataError, match=r"one-hot.*loss='categorical_crossentropy'"):
        losses.SparseCategoricalCrossentropy()(y, np.full((3, 3), 1 / 3, np.float32))


def test_class_ids_for_categorical_loss():
    with pytest.raises(DataError, match=r"class ids.*sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(np.array([0, 2, 1]), np.full((3, 3), 1 / 3, np.float32))
    with pytest.raises(DataError, match="class ids"):
        losses.get("categorical_crossentropy")(np.array([[0], [2], [1]]), np.full((3, 3), 1 / 3, np.float32))


def test_class_id_out_of_range():
    with pytest.raises(DataError, match=r"class id 3 .* 3 classes.*0\.\.2"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 3, 1]), np.full((3, 3), 1 / 3, np.float32))
    with pytest.raises(DataError, match="class id -1"):
        losses.SparseCategoricalCrossentropy()(np.array([0, -1, 1]), np.full((3, 3), 1 / 3, np.float32))
    with pytest.raises(DataError, match="non-integer"):
        losses.SparseCategoricalCrossentropy()(np.array([0.5, 1, 1]), np.full((3, 3), 1 / 3, np.float32))


def test_binary_loss_rejects_multiclass_labels():
    with pytest.raises(DataError, match=r"0/1.*\[0, 9\]"):
        losses.BinaryCrossentropy()(np.arange(10), np.full((10, 1), 0.5, np.float32))


def test_shape_mismatch():
    with pytest.raises(ShapeError, match=r"\(4, 3\).*\(4, 1\)"):
        losses.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 1), np.float32))
    with pytest.raises(ShapeError, match="y_true shape"):
        losses.BinaryCrossentropy()(np.zeros(4), np.full((4, 2), 0.5, np.float32))
    with pytest.raises(ShapeError, match="sample_weight"):
        losses.MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 3), np.float32), sample_weight=np.ones(5))


def test_hinge_converts_zero_one_labels():
    p = np.array([[0.3], [-0.8], [1.5]], np.float32)
    a = losses.Hinge()(np.array([1, 0, 1]), p).item()
    b = losses.Hinge()(np.array([1, -1, 1]), p).item()
    assert a == pytest.approx(b) and a == pytest.approx((0.7 + 0.2 + 0) / 3)
