"""Everyday Keras-user mistakes, one row each: the mistake, the neuroflow error it must raise, and words its
message must contain (the argument's name and the bad value as the user wrote it).

A row passes only when the mistake raises that error type — never a raw NumPy/Python traceback, never silence —
with every listed word in the message. Rows whose type is ``UserWarning`` must warn instead.
"""
import warnings

import numpy as np
import pytest

import neuroflow as nf
from neuroflow import layers as L
from neuroflow import optimizers as O
from neuroflow.errors import ConfigError, DataError, NeuroflowError, NotCompiledError, ShapeError
from neuroflow.models import DBN, RBM, Sequential

RNG = np.random.default_rng(0)
X = RNG.random((20, 8)).astype("float32")
Y = (RNG.random((20, 1)) > 0.5).astype("float32")
Y[:2] = [[0.0], [1.0]]  # both classes present
NAN_AT_3 = np.where(np.arange(20)[:, None] == 3, np.nan, Y).astype("float32")


def model(compile_=True):
    m = Sequential([L.Input((8,)), L.Dense(1, activation="sigmoid")])
    if compile_:
        m.compile("adam", "binary_crossentropy")
    return m


def fit(**kw):
    return model().fit(kw.pop("x", X), kw.pop("y", Y), verbose=kw.pop("verbose", 0), **kw)


class Batches:
    """An object with only __getitem__/__len__ (not a PyDataset): refused, never materialised."""

    def __len__(self):
        return 10 ** 9

    def __getitem__(self, i):
        return np.zeros(784, "float32")


class Batched(nf.utils.PyDataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return X[i * 10:(i + 1) * 10], Y[i * 10:(i + 1) * 10]


CASES = [
    # --- the 23 measured cases -------------------------------------------------------------------------------
    ("Dropout rate str", lambda: L.Dropout(rate="0.5"), ConfigError, ["rate", "'0.5'"]),
    ("input_shape int", lambda: L.Dense(3, input_shape=8), ConfigError, ["input_shape", "8", "(784,)"]),
    ("fit epochs float", lambda: fit(epochs=2.5), ConfigError, ["epochs", "2.5"]),
    ("class_weight str key", lambda: fit(class_weight={"yes": 1}), ConfigError, ["class_weight", "'yes'"]),
    ("string labels", lambda: fit(y=np.array(["a", "b"] * 10)), DataError, ["y", "strings", "'a'", "class ids"]),
    ("ragged list x", lambda: fit(x=[[1, 2], [3]] * 10), DataError, ["x", "ragged", "pad_sequences"]),
    ("Input shape -1", lambda: L.Input(shape=(-1,)), ConfigError, ["shape", "-1"]),
    ("Dense on two arrays", lambda: L.Dense(3)([np.ones((2, 3)), np.ones((2, 3))]), ShapeError,
     ["Dense", "list of 2", "Concatenate"]),
    ("Sequential fit dict", lambda: fit(x={"x": X}), DataError, ["dict", "'x'", "x['x']"]),
    ("batch_size 0", lambda: fit(batch_size=0), ConfigError, ["batch_size", "0"]),
    ("batch_size 2.5", lambda: fit(batch_size=2.5), ConfigError, ["batch_size", "2.5"]),
    ("epochs -1", lambda: fit(epochs=-1), ConfigError, ["epochs", "-1"]),
    ("initial_epoch > epochs", lambda: fit(epochs=1, initial_epoch=3), ConfigError, ["initial_epoch", "3"]),
    ("class_weight absent class", lambda: fit(class_weight={0: 1.0, 1: 1.0, 5: 2.0}), UserWarning,
     ["class_weight", "[5]"]),
    ("Adam lr -1", lambda: O.Adam(learning_rate=-1), ConfigError, ["learning_rate", "-1"]),
    ("Dense units True", lambda: L.Dense(units=True), ConfigError, ["units", "True"]),
    ("Flatten data_format", lambda: L.Flatten(data_format="bogus"), ConfigError, ["data_format", "'bogus'"]),
    ("RBM persistent str", lambda: RBM(4, persistent="yes"), ConfigError, ["persistent", "'yes'"]),
    ("fit shuffle str", lambda: fit(shuffle="yes"), ConfigError, ["shuffle", "'yes'"]),
    ("Input shape 0", lambda: L.Input(shape=(0,)), ConfigError, ["shape", "0"]),
    ("fit without y", lambda: model().fit(X, verbose=0), DataError, ["y is missing", "binary_crossentropy"]),
    ("NaN in y", lambda: fit(y=NAN_AT_3), DataError, ["y", "NaN", "sample 3"]),
    ("NaN in sample_weight", lambda: fit(sample_weight=np.where(np.arange(20) == 5, np.nan, 1.0)), DataError,
     ["sample_weight", "NaN", "sample 5"]),
    ("inf in class_weight", lambda: fit(class_weight={0: np.inf, 1: 1.0}), DataError, ["class_weight[0]", "inf"]),
    ("object with __getitem__", lambda: fit(x=Batches(), y=None), DataError, ["Batches", "PyDataset"]),
    # --- layers ------------------------------------------------------------------------------------------------
    ("Dropout rate 1.5", lambda: L.Dropout(1.5), ConfigError, ["rate", "1.5", "[0, 1)"]),
    ("Dropout rate -0.1", lambda: L.Dropout(-0.1), ConfigError, ["rate", "-0.1"]),
    ("Dense units 0", lambda: L.Dense(0), ConfigError, ["units", "0"]),
    ("Dense units -3", lambda: L.Dense(-3), ConfigError, ["units", "-3"]),
    ("Dense units 2.5", lambda: L.Dense(2.5), ConfigError, ["units", "2.5"]),
    ("Dense units str", lambda: L.Dense("64"), ConfigError, ["units", "'64'"]),
    ("Dense activation bogus", lambda: L.Dense(3, activation="bogus"), ConfigError, ["Dense", "activation", "bogus"]),
    ("Dense use_bias str", lambda: L.Dense(3, use_bias="no"), ConfigError, ["use_bias", "'no'"]),
    ("Dense initializer bogus", lambda: L.Dense(3, kernel_initializer="bogus"), ConfigError,
     ["kernel_initializer", "bogus"]),
    ("LSTM recurrent_activation bogus", lambda: L.LSTM(3, recurrent_activation="bogus"), ConfigError,
     ["LSTM", "recurrent_activation", "bogus"]),
    ("Dense input_dim 0", lambda: L.Dense(3, input_dim=0), ConfigError, ["input_dim", "0"]),
    ("Dense input_dim str", lambda: L.Dense(3, input_dim="8"), ConfigError, ["input_dim", "'8'"]),
    ("Dense trainable str", lambda: L.Dense(3, trainable="yes"), ConfigError, ["trainable", "'yes'"]),
    ("Dense name int", lambda: L.Dense(3, name=5), ConfigError, ["name", "5"]),
    ("Dense unknown kwarg", lambda: L.Dense(3, activaton="relu"), ConfigError, ["activaton"]),
    ("Dense dtype bogus", lambda: L.Dense(3, dtype="floaty"), ConfigError, ["dtype", "'floaty'"]),
    ("Activation bogus", lambda: L.Activation("bogus"), ConfigError, ["activation", "bogus"]),
    ("Input shape str", lambda: L.Input(shape="28"), ConfigError, ["shape", "'28'"]),
    ("Input shape float dim", lambda: L.Input(shape=(28.0, 28)), ConfigError, ["shape", "28.0"]),
    ("Conv2D filters 0", lambda: L.Conv2D(0, 3), ConfigError, ["filters", "0"]),
    ("Conv2D kernel_size 0", lambda: L.Conv2D(8, 0), ConfigError, ["kernel_size", "0"]),
    ("Conv2D kernel_size 3-d", lambda: L.Conv2D(8, (3, 3, 3)), ConfigError, ["kernel_size", "(3, 3, 3)"]),
    ("Conv2D padding full", lambda: L.Conv2D(8, 3, padding="full"), ConfigError, ["padding", "'full'"]),
    ("Conv2D strides 0", lambda: L.Conv2D(8, 3, strides=0), ConfigError, ["strides", "0"]),
    ("Conv2D data_format NHWC", lambda: L.Conv2D(8, 3, data_format="NHWC"), ConfigError,
     ["data_format", "'NHWC'"]),
    ("Conv2D activation bogus", lambda: L.Conv2D(8, 3, activation="bogus"), ConfigError, ["activation", "bogus"]),
    ("Conv2D use_bias str", lambda: L.Conv2D(8, 3, use_bias="yes"), ConfigError, ["use_bias", "'yes'"]),
    ("MaxPooling2D pool_size 0", lambda: L.MaxPooling2D(pool_size=0), ConfigError, ["pool_size", "0"]),
    ("MaxPooling2D padding", lambda: L.MaxPooling2D(padding="bogus"), ConfigError, ["padding", "'bogus'"]),
    ("GlobalAveragePooling2D keepdims", lambda: L.GlobalAveragePooling2D(keepdims="yes"), ConfigError,
     ["keepdims", "'yes'"]),
    ("LSTM units 0", lambda: L.LSTM(0), ConfigError, ["units", "0"]),
    ("LSTM dropout 1", lambda: L.LSTM(4, dropout=1.0), ConfigError, ["dropout", "1.0"]),
    ("LSTM return_sequences str", lambda: L.LSTM(4, return_sequences="yes"), ConfigError,
     ["return_sequences", "'yes'"]),
    ("LSTM activation bogus", lambda: L.LSTM(4, activation="bogus"), ConfigError, ["activation", "bogus"]),
    # Keras-legal, but the fused recurrent kernel has no softmax: refused when called, naming what it supports
    ("LSTM softmax called", lambda: L.LSTM(3, activation="softmax")(np.ones((2, 4, 5), "float32")), ConfigError,
     ["LSTM", "softmax", "tanh"]),
    ("GRU recurrent_dropout", lambda: L.GRU(4, recurrent_dropout=-0.5), ConfigError,
     ["recurrent_dropout", "-0.5"]),
    ("SimpleRNN units True", lambda: L.SimpleRNN(True), ConfigError, ["units", "True"]),
    ("Embedding input_dim 0", lambda: L.Embedding(0, 8), ConfigError, ["input_dim", "0"]),
    ("Embedding output_dim -1", lambda: L.Embedding(10, -1), ConfigError, ["output_dim", "-1"]),
    ("Embedding mask_zero str", lambda: L.Embedding(10, 4, mask_zero="yes"), ConfigError,
     ["mask_zero", "'yes'"]),
    ("BatchNormalization momentum", lambda: L.BatchNormalization(momentum=1.5), ConfigError,
     ["momentum", "1.5"]),
    ("BatchNormalization epsilon 0", lambda: L.BatchNormalization(epsilon=0), ConfigError, ["epsilon", "0"]),
    ("LayerNormalization axis str", lambda: L.LayerNormalization(axis="last"), ConfigError, ["axis", "'last'"]),
    ("GaussianNoise stddev -1", lambda: L.GaussianNoise(stddev=-1), ConfigError, ["stddev", "-1"]),
    ("GaussianNoise stddev str", lambda: L.GaussianNoise(stddev="0.1"), ConfigError, ["stddev", "'0.1'"]),
    ("GaussianDropout rate 1", lambda: L.GaussianDropout(rate=1), ConfigError, ["rate", "1"]),
    ("Reshape zero", lambda: L.Reshape((0, 4)), ConfigError, ["target_shape", "0"]),
    ("Reshape two -1", lambda: L.Reshape((-1, -1)), ConfigError, ["target_shape", "-1"]),
    ("Reshape int", lambda: L.Reshape(8), ConfigError, ["target_shape", "8"]),
    ("Permute not a permutation", lambda: L.Permute((1, 3)), ConfigError, ["dims", "(1, 3)"]),
    ("RepeatVector 0", lambda: L.RepeatVector(0), ConfigError, ["n", "0"]),
    ("Concatenate axis str", lambda: L.Concatenate(axis="x"), ConfigError, ["axis", "'x'"]),
    ("Bidirectional on Dense", lambda: L.Bidirectional(L.Dense(3)), ConfigError, ["layer", "Dense"]),
    ("Bidirectional merge_mode", lambda: L.Bidirectional(L.LSTM(3), merge_mode="bogus"), ConfigError,
     ["merge_mode", "'bogus'"]),
    ("TimeDistributed str", lambda: L.TimeDistributed("dense"), ConfigError, ["Layer", "str"]),
    ("UpSampling2D size 0", lambda: L.UpSampling2D(size=0), ConfigError, ["size", "0"]),
    ("ZeroPadding2D -1", lambda: L.ZeroPadding2D(padding=-1), ConfigError, ["padding", "-1"]),
    ("RandomFlip mode", lambda: L.RandomFlip(mode="diagonal"), ConfigError, ["mode", "'diagonal'"]),
    ("RandomCrop height 0", lambda: L.RandomCrop(0, 10), ConfigError, ["height", "0"]),
    ("Resizing width str", lambda: L.Resizing(10, "ten"), ConfigError, ["width", "'ten'"]),
    ("Rescaling scale str", lambda: L.Rescaling("1/255"), ConfigError, ["scale", "'1/255'"]),
    ("Masking mask_value str", lambda: L.Masking(mask_value="zero"), ConfigError, ["mask_value", "'zero'"]),
    # --- optimizers and compile ------------------------------------------------------------------------------
    ("Adam lr str", lambda: O.Adam(learning_rate="fast"), ConfigError, ["learning_rate", "'fast'"]),
    ("Adam lr nan", lambda: O.Adam(learning_rate=float("nan")), ConfigError, ["learning_rate", "nan"]),
    ("Adam beta_1 1", lambda: O.Adam(beta_1=1.0), ConfigError, ["beta_1", "1.0"]),
    ("Adam beta_2 -0.1", lambda: O.Adam(beta_2=-0.1), ConfigError, ["beta_2", "-0.1"]),
    ("Adam epsilon -1", lambda: O.Adam(epsilon=-1), ConfigError, ["epsilon", "-1"]),
    ("Adam amsgrad str", lambda: O.Adam(amsgrad="yes"), ConfigError, ["amsgrad", "'yes'"]),
    ("Adam clipnorm 0", lambda: O.Adam(clipnorm=0), ConfigError, ["clipnorm", "0"]),
    ("Adam clipvalue -1", lambda: O.Adam(clipvalue=-1), ConfigError, ["clipvalue", "-1"]),
    ("Adam two clips", lambda: O.Adam(clipnorm=1.0, global_clipnorm=1.0), ConfigError,
     ["clipnorm", "global_clipnorm"]),
    ("Adam ema_momentum 2", lambda: O.Adam(use_ema=True, ema_momentum=2), ConfigError, ["ema_momentum", "2"]),
    ("Adam use_ema str", lambda: O.Adam(use_ema="yes"), ConfigError, ["use_ema", "'yes'"]),
    ("AdamW weight_decay -0.1", lambda: O.AdamW(weight_decay=-0.1), ConfigError, ["weight_decay", "-0.1"]),
    ("SGD momentum -0.5", lambda: O.SGD(momentum=-0.5), ConfigError, ["momentum", "-0.5"]),
    ("SGD nesterov str", lambda: O.SGD(nesterov="yes"), ConfigError, ["nesterov", "'yes'"]),
    ("RMSprop rho 1.5", lambda: O.RMSprop(rho=1.5), ConfigError, ["rho", "1.5"]),
    ("RMSprop centered str", lambda: O.RMSprop(centered="no"), ConfigError, ["centered", "'no'"]),
    ("Adam unknown kwarg", lambda: O.Adam(lr=0.1), ConfigError, ["lr"]),
    ("compile optimizer typo", lambda: model(False).compile("adamm", "mse"), ConfigError, ["adamm", "adam"]),
    ("compile loss typo", lambda: model(False).compile("adam", "binary_crossentropyy"), ConfigError,
     ["binary_crossentropyy"]),
    # --- RBM / DBN ---------------------------------------------------------------------------------------------
    ("RBM units 0", lambda: RBM(0), ConfigError, ["units", "0"]),
    ("RBM k 0", lambda: RBM(4, k=0), ConfigError, ["k", "0"]),
    ("RBM visible poisson", lambda: RBM(4, visible="poisson"), ConfigError, ["visible", "'poisson'"]),
    ("RBM learning_rate -1", lambda: RBM(4, learning_rate=-1), ConfigError, ["learning_rate", "-1"]),
    ("RBM momentum 1", lambda: RBM(4, momentum=1), ConfigError, ["momentum", "1"]),
    ("RBM batch_size 0", lambda: RBM(4, batch_size=0), ConfigError, ["batch_size", "0"]),
    ("DBN empty", lambda: DBN([]), ConfigError, ["hidden_units", "[]"]),
    ("DBN persistent str", lambda: DBN([4], persistent="yes"), ConfigError, ["persistent", "'yes'"]),
    # --- fit / evaluate / predict --------------------------------------------------------------------------------
    ("fit epochs -1", lambda: fit(epochs=-1), ConfigError, ["epochs", "-1"]),
    ("fit epochs True", lambda: fit(epochs=True), ConfigError, ["epochs", "True"]),
    ("fit batch_size str", lambda: fit(batch_size="32"), ConfigError, ["batch_size", "'32'"]),
    ("fit initial_epoch -1", lambda: fit(initial_epoch=-1), ConfigError, ["initial_epoch", "-1"]),
    ("fit validation_split 1.5", lambda: fit(validation_split=1.5), ConfigError, ["validation_split", "1.5"]),
    ("fit validation_split str", lambda: fit(validation_split="0.2"), ConfigError,
     ["validation_split", "'0.2'"]),
    ("fit validation_data 1-tuple", lambda: fit(validation_data=(X,)), DataError, ["validation_data", "1 item"]),
    ("fit validation_freq 0", lambda: fit(validation_freq=0), ConfigError, ["validation_freq", "0"]),
    ("fit steps_per_epoch 0", lambda: fit(steps_per_epoch=0), ConfigError, ["steps_per_epoch", "0"]),
    ("fit verbose 5", lambda: fit(verbose=5), ConfigError, ["verbose", "5"]),
    ("fit verbose str", lambda: fit(verbose="loud"), ConfigError, ["verbose", "'loud'"]),
    ("class_weight list", lambda: fit(class_weight=[1.0, 2.0]), ConfigError, ["class_weight", "dict", "[1.0, 2.0]"]),
    ("class_weight negative", lambda: fit(class_weight={0: -1.0, 1: 1.0}), DataError, ["class_weight[0]", "-1.0"]),
    ("class_weight NaN", lambda: fit(class_weight={0: float("nan"), 1: 1.0}), DataError, ["class_weight[0]", "nan"]),
    ("class_weight beyond one-hot", lambda: model_softmax().fit(X, np.eye(3, dtype="float32")[np.arange(20) % 3],
                                                                class_weight={0: 1, 7: 2}, verbose=0),
     DataError, ["class_weight", "[7]", "3 classes"]),
    ("inf in y", lambda: fit(y=np.where(np.arange(20)[:, None] == 7, np.inf, Y)), DataError, ["y", "inf", "sample 7"]),
    ("NaN in x", lambda: fit(x=np.where(np.arange(20)[:, None] == 2, np.nan, X)), DataError, ["x", "NaN", "sample 2"]),
    ("x and y lengths", lambda: fit(y=Y[:10]), DataError, ["x: 20", "y: 10"]),
    ("two arrays to one input", lambda: fit(x=[X, X]), DataError, ["list of 2 arrays", "single input"]),
    ("sparse matrix x", lambda: fit(x=__import__("scipy.sparse").sparse.csr_matrix(X)), DataError,
     ["sparse", "csr_matrix", "toarray()"]),
    ("string x", lambda: fit(x=np.array([["a"] * 8] * 20)), DataError, ["x", "strings"]),
    ("fit before compile", lambda: model(False).fit(X, Y, verbose=0), NotCompiledError, ["compile"]),
    ("fit x None", lambda: model().fit(None, Y, verbose=0), DataError, ["x is required"]),
    ("fit PyDataset with y", lambda: model().fit(Batched(), Y, verbose=0), DataError, ["y must be None", "Batched"]),
    ("evaluate without y", lambda: model().evaluate(X, verbose=0), DataError, ["evaluate", "y is missing"]),
    ("evaluate batch_size -1", lambda: model().evaluate(X, Y, batch_size=-1, verbose=0), ConfigError,
     ["batch_size", "-1"]),
    ("predict batch_size 0", lambda: model().predict(X, batch_size=0, verbose=0), ConfigError, ["batch_size", "0"]),
    ("predict steps 0", lambda: model().predict(X, steps=0, verbose=0), ConfigError, ["steps", "0"]),
    ("predict missing batch axis", lambda: model().predict(X[0], verbose=0), NeuroflowError, ["batch"]),
    ("predict object", lambda: model().predict(Batches(), verbose=0), DataError, ["Batches", "PyDataset"]),
    ("predict dict to Sequential", lambda: model().predict({"a": X, "b": X}, verbose=0), DataError,
     ["dict", "'a'"]),
    ("validation_split on a PyDataset", lambda: model().fit(Batched(), validation_split=0.2, verbose=0), ConfigError,
     ["validation_split", "Batched", "validation_data"]),
    ("PyDataset workers 0", lambda: nf.utils.PyDataset(workers=0), ConfigError, ["workers", "0"]),
    ("PyDataset empty", lambda: model().fit(type("Empty", (Batched,), {"__len__": lambda s: 0})(), verbose=0),
     DataError, ["Empty", "got 0"]),
    ("PyDataset NaN batch", lambda: model().fit(type("Bad", (Batched,), {"__getitem__": lambda s, i: (X, NAN_AT_3)})(),
                                                verbose=0), DataError, ["Bad[", "y", "NaN", "sample 3"]),
]


def model_softmax():
    m = Sequential([L.Input((8,)), L.Dense(3, activation="softmax")])
    m.compile("adam", "categorical_crossentropy")
    return m


def test_the_table_has_at_least_80_distinct_mistakes():
    assert len(CASES) >= 80
    assert len({name for name, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize("name, mistake, error, words", CASES, ids=[c[0] for c in CASES])
def test_mistake_gets_a_clear_error(name, mistake, error, words):
    if error is UserWarning:
        with pytest.warns(UserWarning) as record:
            mistake()
        message = " ".join(str(w.message) for w in record)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(error) as info:
                mistake()
        assert isinstance(info.value, NeuroflowError), f"{type(info.value).__name__} is not a neuroflow error"
        message = str(info.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"message lacks {missing}: {message}"


LEGAL = [
    ("LSTM softmax activation constructs (Keras-legal)", lambda: L.LSTM(3, activation="softmax")),
    ("NumPy ints and integral floats", lambda: (L.Dense(np.int64(3)), L.Dense(3.0), L.Conv2D(np.int32(4), 3))),
    ("NumPy float rate", lambda: L.Dropout(rate=np.float32(0.5))),
    ("rate 0", lambda: (L.Dropout(0), L.LSTM(2, dropout=0))),
    ("Input with None axes", lambda: L.Input(shape=(None, 3))),
    ("fit with NumPy ints", lambda: fit(batch_size=np.int64(8), epochs=np.int32(2))),
    ("fit with an integral float batch_size", lambda: fit(batch_size=32.0)),
    ("shuffle 'batch'", lambda: fit(shuffle="batch")),
    ("initial_epoch == epochs trains nothing", lambda: fit(epochs=2, initial_epoch=2)),
    ("class_weight with NumPy keys", lambda: fit(class_weight={np.int64(0): 1.0, np.int64(1): 2.0})),
    ("learning rate 0 and a schedule", lambda: (O.Adam(0.0), O.SGD(O.schedules.ExponentialDecay(0.1, 10, 0.9)))),
    ("verbose 'auto'", lambda: fit(verbose="auto", epochs=1)),
]


@pytest.mark.parametrize("name, call", LEGAL, ids=[c[0] for c in LEGAL])
def test_keras_legal_calls_stay_legal(name, call, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        call()
