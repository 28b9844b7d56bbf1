"""A direct NumPy (float64) transcription of Keras 3's optimizer update formulas, one variable at a time.

Written to read like keras/src/optimizers/*.py (not like neuroflow's in-place kernels), as the oracle where Keras
and PyTorch differ (epsilon placement, coupled vs decoupled weight decay, SGD momentum under a changing learning
rate) and for the settings PyTorch lacks (Keras' default epsilon, EMA, clipping order).
"""
import math

import numpy as np

SHAPES = [(11, 6), (6,), (6, 6), (6,), (6, 1), (1,)]  # the churn model's weights


def make_problem(seed=0, steps=10, shapes=SHAPES, grad_scale=1.0):
    """Initial weights (float32) and ``steps`` lists of gradients (float32), one per weight."""
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[(grad_scale * rng.standard_normal(s)).astype(np.float32) for s in shapes] for _ in range(steps)]
    return weights, grads


DEFAULTS = {
    "sgd": dict(learning_rate=0.01, momentum=0.0, nesterov=False),
    "adam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "adamw": dict(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False),
    "rmsprop": dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False),
    "adagrad": dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7),
    "adadelta": dict(learning_rate=0.001, rho=0.95, epsilon=1e-7),
    "adamax": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
    "nadam": dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
}


def _clip(grads, clipnorm=None, clipvalue=None, global_clipnorm=None, loss_scale_factor=None):
    if loss_scale_factor:
        grads = [g / loss_scale_factor for g in grads]
    if clipnorm:
        return [g * clipnorm / max(np.sqrt(np.sum(g * g)), clipnorm) for g in grads]
    if global_clipnorm:
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        return [g * global_clipnorm * min(1.0 / norm, 1.0 / global_clipnorm) for g in grads]
    if clipvalue:
        return [np.clip(g, -clipvalue, clipvalue) for g in grads]
    return grads


def run_reference(name, weights, grad_steps, learning_rate=None, weight_decay=None, clipnorm=None, clipvalue=None,
                  global_clipnorm=None, loss_scale_factor=None, use_ema=False, ema_momentum=0.99,
                  ema_overwrite_frequency=None, **hyper):
    """Apply the Keras updates for every list of gradients in ``grad_steps``; returns the final weights
    (float64) and, with ``use_ema``, the averages. ``learning_rate`` may be a callable of the step."""
    hp = dict(DEFAULTS[name], **hyper)
    if learning_rate is not None:
        hp["learning_rate"] = learning_rate
    if name == "adamw" and weight_decay is None:
        weight_decay = hp["weight_decay"]
    hp.pop("weight_decay", None)
    lr_of = hp["learning_rate"] if callable(hp["learning_rate"]) else (lambda step, c=hp["learning_rate"]: c)
    w = [x.astype(np.float64) for x in weights]
    z = [np.zeros_like(x) for x in w]
    S = {k: [a.copy() for a in z] for k in ("m", "v", "vh", "mg", "u", "ad", "ag", "avg")}
    S["acc"] = [np.full_like(x, hp.get("initial_accumulator_value", 0.0)) for x in w]
    u_product = 1.0
    for it, grads in enumerate(grad_steps):
        lr = lr_of(it)
        t = it + 1
        grads = _clip([g.astype(np.float64) for g in grads], clipnorm, clipvalue, global_clipnorm, loss_scale_factor)
        if weight_decay:
            w = [x - x * weight_decay * lr for x in w]
        if name == "nadam":
            u_product *= hp["beta_1"] * (1.0 - 0.5 * 0.96 ** t)
        for i, g in enumerate(grads):
            w[i] = _update(name, hp, w[i], g, {k: S[k] for k in S}, i, lr, t, u_product)
        if use_ema:
            mom = ema_momentum if it != 0 else 0.0
            for i in range(len(w)):
                S["avg"][i] = mom * S["avg"][i] + (1 - mom) * w[i]
            if ema_overwrite_frequency and (it + 1) % ema_overwrite_frequency == 0:
                w = [a.copy() for a in S["avg"]]
    return (w, S["avg"]) if use_ema else w


def _update(name, hp, w, g, S, i, lr, t, u_product):
    if name == "sgd":
        mom = hp["momentum"]
        if mom == 0:
            return w - lr * g
        S["m"][i] = mom * S["m"][i] - lr * g
        if hp["nesterov"]:
            return w + (mom * S["m"][i] - lr * g)
        return w + S["m"][i]
    if name in ("adam", "adamw"):
        b1, b2 = hp["beta_1"], hp["beta_2"]
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        S["m"][i] = S["m"][i] + (g - S["m"][i]) * (1 - b1)
        S["v"][i] = S["v"][i] + (g * g - S["v"][i]) * (1 - b2)
        v = S["v"][i]
        if hp["amsgrad"]:
            S["vh"][i] = np.maximum(S["vh"][i], v)
            v = S["vh"][i]
        return w - S["m"][i] * alpha / (np.sqrt(v) + hp["epsilon"])
    if name == "rmsprop":
        rho = hp["rho"]
        S["v"][i] = rho * S["v"][i] + (1 - rho) * g * g
        if hp["centered"]:
            S["mg"][i] = rho * S["mg"][i] + (1 - rho) * g
            den = S["v"][i] - S["mg"][i] ** 2 + hp["epsilon"]
        else:
            den = S["v"][i] + hp["epsilon"]
        inc = lr * g / np.sqrt(den)
        if hp["momentum"] > 0:
            S["m"][i] = hp["momentum"] * S["m"][i] + inc
            return w - S["m"][i]
        return w - inc
    if name == "adagrad":
        S["acc"][i] = S["acc"][i] + g * g
        return w - lr * g / np.sqrt(S["acc"][i] + hp["epsilon"])
    if name == "adadelta":
        rho, eps = hp["rho"], hp["epsilon"]
        S["ag"][i] = rho * S["ag"][i] + (1 - rho) * g * g
        delta = -(np.sqrt(S["ad"][i] + eps) * g / np.sqrt(S["ag"][i] + eps))
        S["ad"][i] = rho * S["ad"][i] + (1 - rho) * delta * delta
        return w + lr * delta
    if name == "adamax":
        b1, b2 = hp["beta_1"], hp["beta_2"]
        S["m"][i] = S["m"][i] + (g - S["m"][i]) * (1 - b1)
        S["u"][i] = np.maximum(b2 * S["u"][i], np.abs(g))
        return w - lr * S["m"][i] / ((1 - b1 ** t) * (S["u"][i] + hp["epsilon"]))
    if name == "nadam":
        b1, b2 = hp["beta_1"], hp["beta_2"]
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product_t1 = u_product * u_t1
        S["m"][i] = S["m"][i] + (g - S["m"][i]) * (1 - b1)
        S["v"][i] = S["v"][i] + (g * g - S["v"][i]) * (1 - b2)
        m_hat = u_t1 * S["m"][i] / (1 - u_product_t1) + (1 - u_t) * g / (1 - u_product)
        v_hat = S["v"][i] / (1 - b2 ** t)
        return w - m_hat * lr / (np.sqrt(v_hat) + hp["epsilon"])
    raise KeyError(name)
