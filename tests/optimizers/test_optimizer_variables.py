"""``optimizer.variables`` is the optimizer's own state as Keras lists it (iteration, learning rate, then the slots
in Keras' order), and ``model.summary()`` prints Keras' "Optimizer params" line once the optimizer is built."""
from __future__ import annotations

import numpy as np
import pytest

import neuroflow as nf

from ..keras_oracle import keras

X = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
Y = np.linspace(0, 1, 16, dtype="float32").reshape(8, 2)

OPTIMIZERS = {
    "adam": lambda k: k.optimizers.Adam(0.01),
    "amsgrad": lambda k: k.optimizers.Adam(0.01, amsgrad=True),
    "sgd": lambda k: k.optimizers.SGD(0.1),
    "sgd_momentum": lambda k: k.optimizers.SGD(0.1, momentum=0.9),
    "rmsprop_centered": lambda k: k.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "schedule": lambda k: k.optimizers.Adam(k.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)),
    "ema_accumulation": lambda k: k.optimizers.Adam(use_ema=True, gradient_accumulation_steps=2),
    "nadam": lambda k: k.optimizers.Nadam(),
    "ftrl": lambda k: k.optimizers.Ftrl(),
}


def _trained(k, make):
    model = k.Sequential([k.Input((3,)), k.layers.Dense(2), k.layers.BatchNormalization()])
    model.set_weights([np.linspace(0.1, 0.9, w.size, dtype="float32").reshape(w.shape) for w in model.get_weights()])
    model.compile(optimizer=make(k), loss="mse")
    before = len(model.optimizer.variables)
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    return model, before


def _summary_params(model) -> list:
    lines = []
    model.summary(print_fn=lambda line, **kwargs: lines.append(line))
    return [line.strip() for line in "\n".join(lines).splitlines() if "params:" in line]


@pytest.mark.parametrize("which", sorted(OPTIMIZERS))
def test_variables_and_summary_equal_keras(which):
    k = keras()
    ours, ours_before = _trained(nf, OPTIMIZERS[which])
    theirs, theirs_before = _trained(k, OPTIMIZERS[which])
    assert ours_before == theirs_before
    got = [(v.path.split("/")[-1].split("_")[-1], tuple(v.shape), str(v.dtype)) for v in ours.optimizer.variables]
    want = [(v.path.split("/")[-1].split("_")[-1], tuple(v.shape), str(v.dtype)) for v in theirs.optimizer.variables]
    if which in ("nadam", "ftrl"):  # same count and shapes; slot names are neuroflow's
        got, want = [g[1:] for g in got], [w[1:] for w in want]
    assert got == want
    assert _summary_params(ours) == _summary_params(theirs)


def test_slot_variables_are_the_state_and_match_keras_values():
    k = keras()
    ours, _ = _trained(nf, OPTIMIZERS["adam"])
    theirs, _ = _trained(k, OPTIMIZERS["adam"])
    for a, b in zip(ours.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_allclose(np.asarray(a.numpy()), k.ops.convert_to_numpy(b), rtol=1e-4, atol=1e-6)
    slot = ours.optimizer.variables[2]
    slot.assign(np.zeros(slot.shape, "float32"))  # a slot Variable shares the optimizer's array
    assert not np.any(nf.backend.to_host(ours.optimizer.get_state()["0/m"]))


def test_summary_without_a_built_optimizer_has_no_optimizer_line():
    model = nf.Sequential([nf.Input((3,)), nf.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    assert not any(line.startswith("Optimizer") for line in _summary_params(model))
    assert _summary_params(model)[0] == "Total params: 8 (32.00 B)"


def test_apply_without_variables_still_uses_the_registered_ones():
    v = nf.Variable(np.ones(2, np.float32))
    opt = nf.optimizers.SGD(0.5)
    opt.build([v])
    opt.apply([np.ones(2, np.float32)])
    np.testing.assert_array_equal(v.numpy(), 0.5)
    assert [x.path for x in opt.variables] == ["SGD/iteration", "SGD/learning_rate"]
