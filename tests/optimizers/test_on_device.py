"""Every optimizer on the strict stand-in device (``neuroflow.backends.strict``, CuPy's behaviour without a GPU):
a training step's update makes no device-to-host transfer, the state lives on the variables' device, and the
weights are bit for bit the NumPy run's. Runs in the plain CPU suite too: the device is chosen here.

The one read by design: ``LossScaleOptimizer`` decides on the host whether to skip a step whose gradients are not
finite (one read per step for all its gradients together), as Keras' torch backend does.
"""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import optimizers, ops
from neuroflow.autograd.variable import Variable
from neuroflow.backends import strict
from neuroflow.errors import DeviceError
from neuroflow.optimizers import schedules

#: (layer path, shape): two 2-D kernels (Muon's own step) and their biases (Muon's AdamW step)
SHAPES = [("dense/kernel", (5, 4)), ("dense/bias", (4,)), ("dense_1/kernel", (4, 3)), ("dense_1/bias", (3,))]
STEPS = 34  # past optimizers.base.SWEEP_EVERY (32): the subnormal sweep runs once

CASES = {
    "sgd": lambda: optimizers.SGD(0.05),
    "sgd-nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "adam": lambda: optimizers.Adam(0.01),  # on the host the compiled kernel, on the device its xp twin
    "adam-amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True),
    "adam-flat": lambda: optimizers.Adam(0.01, flat=True),
    "adam-clipnorm": lambda: optimizers.Adam(0.01, clipnorm=0.1),
    "adam-global-clipnorm": lambda: optimizers.Adam(0.01, global_clipnorm=0.1),
    "adam-clipvalue-loss-scale": lambda: optimizers.Adam(0.01, clipvalue=0.05, loss_scale_factor=4.0),
    "adam-ema": lambda: optimizers.Adam(0.01, use_ema=True, ema_overwrite_frequency=5),
    "adam-accumulation": lambda: optimizers.Adam(0.01, gradient_accumulation_steps=3),
    "adam-schedule": lambda: optimizers.Adam(schedules.CosineDecay(0.02, 20, warmup_target=0.05, warmup_steps=3)),
    "adamw-exclusions": lambda: optimizers.AdamW(0.01, weight_decay=0.1),
    "adamax": lambda: optimizers.Adamax(0.01),
    "nadam": lambda: optimizers.Nadam(0.01),
    "rmsprop-centered": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: optimizers.Adagrad(0.05),
    "adadelta": lambda: optimizers.Adadelta(1.0),
    "adafactor": lambda: optimizers.Adafactor(0.01),
    "ftrl": lambda: optimizers.Ftrl(0.05, l1_regularization_strength=0.01, l2_shrinkage_regularization_strength=0.01),
    "lion": lambda: optimizers.Lion(0.001),
    "lamb": lambda: optimizers.Lamb(0.01),
    "muon": lambda: optimizers.Muon(0.01),
    "schedule-free-adamw": lambda: optimizers.ScheduleFreeAdamW(0.01, warmup_steps=2),
    "multi-optimizer": lambda: optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.Adam(0.01), {".*bias": optimizers.SGD(0.05, momentum=0.9)})),
    "loss-scale-optimizer": lambda: optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=64.0,
                                                                  dynamic_growth_steps=10),
}
#: updates that read the host on purpose: name -> device-to-host transfers per step
READS_PER_STEP = {"loss-scale-optimizer": 1}


def _problem():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 5)).astype(np.float32), rng.standard_normal((16, 3)).astype(np.float32)
    return x, y, [(rng.standard_normal(s) * 0.5).astype(np.float32) for _, s in SHAPES]


def _train(make, device, steps=STEPS, start=None):
    """``steps`` steps of a 2-layer tanh regression on ``device`` (from ``start``: variables and optimizer, else
    fresh ones); returns the variables, the optimizer and the most transfers one update made."""
    x, y, weights = _problem()
    with nf.device(device):
        if start is None:
            vs = [Variable(w, name=path) for (path, _), w in zip(SHAPES, weights)]
            opt = make()
            if isinstance(opt, optimizers.AdamW):
                opt.exclude_from_weight_decay(var_names=["bias"])
        else:
            vs, opt = start
        if device == "strict":
            assert all(type(v.data) is strict.ndarray for v in vs)
        xt, yt = nf.Tensor(x), nf.Tensor(y)
        most = 0
        for _ in range(steps):
            hidden = ops.tanh(ops.matmul(xt, vs[0]) + vs[1])
            loss = ops.mean(ops.square(ops.matmul(hidden, vs[2]) + vs[3] - yt))
            if isinstance(opt, optimizers.LossScaleOptimizer):
                loss = opt.scale_loss(loss)
            loss.backward()
            with strict.counting() as count:
                opt.step(vs)
            most = max(most, count.count)
            opt.zero_grad(vs)
    return vs, opt, most


@pytest.mark.parametrize("name", sorted(CASES))
def test_update_on_the_device_makes_no_transfer_and_equals_numpy(name):
    cpu, _, _ = _train(CASES[name], "cpu")
    dev, opt, most = _train(CASES[name], "strict")
    assert most == READS_PER_STEP.get(name, 0), f"{name}: {most} device-to-host transfers in one update"
    for a, b in zip(cpu, dev):
        np.testing.assert_array_equal(nf.backend.to_host(b.data), a.data, err_msg=f"{name}: {a.path}")
    # the state lives on the variables' device; the optimizer-wide numbers on the host
    state = opt.get_state()
    slots = {k: v for k, v in state.items() if "/" in k and k.split("/")[-2].isdigit()}
    assert all(type(v) is strict.ndarray for v in slots.values()) and (slots or name == "sgd"), sorted(state)
    assert type(state["iterations"]) is np.ndarray


@pytest.mark.parametrize("name", ["nadam", "adam-accumulation", "adam-ema"])
def test_state_goes_through_the_host_and_resumes_on_the_device_bit_for_bit(name):
    straight, _, _ = _train(CASES[name], "strict")
    vs, opt, _ = _train(CASES[name], "strict", steps=STEPS // 2)
    with strict.counting() as count:
        saved = {k: nf.backend.to_host(v) for k, v in opt.get_state().items()}  # what a file holds
    assert count.count == sum("/" in k for k in saved)  # one explicit read per device array, none for numbers
    with nf.device("strict"):
        resumed = [Variable(nf.backend.to_host(v.data), name=v.path) for v in vs]
        fresh = CASES[name]()
        fresh.set_state(saved)  # before build: applied, on the device, by the first update
    _train(CASES[name], "strict", steps=STEPS - STEPS // 2, start=(resumed, fresh))
    assert all(type(v) is strict.ndarray for k, v in fresh.get_state().items() if "/" in k)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(nf.backend.to_host(b.data), nf.backend.to_host(a.data), err_msg=a.path)


def test_a_host_gradient_is_copied_over_and_a_foreign_device_one_refused():
    with nf.device("strict"):
        v = Variable(np.ones(3, np.float32), name="w")
    opt = optimizers.SGD(0.5)
    opt.apply([np.ones(3, np.float32)], [v])  # host data: copied to the variable's device, as Tensor does
    assert type(v.data) is strict.ndarray and opt._xp is strict
    np.testing.assert_array_equal(nf.backend.to_host(v.data), 0.5)
    with nf.device("cpu"):  # also when the suite runs with NEUROFLOW_DEVICE=strict
        host_var = Variable(np.ones(3, np.float32), name="host_w")
    with pytest.raises(DeviceError, match=r"SGD.*variable 'host_w' lives on strict.*on cpu"):
        optimizers.SGD().apply([nf.backend.to_device(np.ones(3, np.float32), "strict")], [host_var])
    with pytest.raises(DeviceError, match=r"SGD.build .*different devices \(cpu, strict\)"):
        optimizers.SGD().build([v, host_var])
