"""Keras' ``keras.config``: the global settings in one place (float type, fuzz factor, image layout, logging,
dtype policy, caps on epochs and steps). Most live where they act (``backend``, ``utils.progbar``); this module
gathers them under Keras' names."""
from __future__ import annotations

from .backend import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,  # noqa: F401
                      set_image_data_format)
from . import dtype_policies
from .errors import ConfigError
from .utils.progbar import (disable_interactive_logging, enable_interactive_logging,  # noqa: F401
                            is_interactive_logging_enabled)

_SETTINGS = {"flash_attention": None, "traceback_filtering": True, "unsafe_deserialization": False,
             "max_epochs": None, "max_steps_per_epoch": None}


def set_backend(backend_name):
    """Only ``"numpy"`` is available: neuroflow computes with NumPy."""
    if backend_name != "numpy":
        raise ConfigError(f"set_backend: neuroflow runs on NumPy only ('numpy'), got {backend_name!r}")


def dtype_policy():
    """The global :class:`~neuroflow.dtype_policies.DTypePolicy` (``floatx``'s unless a mixed or quantized one was
    set): layers made without ``dtype=`` take it."""
    return dtype_policies.dtype_policy()


def set_dtype_policy(policy):
    """Set the global dtype policy for layers made afterwards: ``"mixed_float16"`` (float32 weights, float16
    compute), ``"mixed_bfloat16"``, a float dtype (``"float32"``..., which also sets ``floatx``) or a
    ``DTypePolicy``. See :mod:`neuroflow.dtype_policies`."""
    dtype_policies.set_dtype_policy(policy)


def enable_flash_attention():
    """Accepted for Keras compatibility; the NumPy attention has one implementation."""
    _SETTINGS["flash_attention"] = True


def disable_flash_attention():
    """Accepted for Keras compatibility; the NumPy attention has one implementation."""
    _SETTINGS["flash_attention"] = False


def is_flash_attention_enabled():
    """``None`` (automatic) unless enabled or disabled."""
    return _SETTINGS["flash_attention"]


def enable_traceback_filtering():
    """Keep neuroflow's short error messages (the default; neuroflow does not edit tracebacks)."""
    _SETTINGS["traceback_filtering"] = True


def disable_traceback_filtering():
    """Recorded for Keras compatibility (neuroflow shows full tracebacks either way)."""
    _SETTINGS["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    return _SETTINGS["traceback_filtering"]


def enable_unsafe_deserialization():
    """Recorded for Keras compatibility; neuroflow never deserializes code (``Lambda`` layers are refused)."""
    _SETTINGS["unsafe_deserialization"] = True


def is_nnx_enabled() -> bool:
    """Always False: Flax NNX is a JAX feature."""
    return False


def set_max_epochs(max_epochs):
    """Cap every ``fit`` at this many epochs (``None``: no cap), e.g. to run a script's training briefly."""
    _SETTINGS["max_epochs"] = None if max_epochs is None else int(max_epochs)


def max_epochs():
    return _SETTINGS["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap every epoch of ``fit`` (and ``evaluate``/``predict``) at this many steps (``None``: no cap)."""
    _SETTINGS["max_steps_per_epoch"] = None if max_steps_per_epoch is None else int(max_steps_per_epoch)


def max_steps_per_epoch():
    return _SETTINGS["max_steps_per_epoch"]


__all__ = ["backend", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx", "set_image_data_format",
           "disable_interactive_logging", "enable_interactive_logging", "is_interactive_logging_enabled",
           "set_backend", "dtype_policy", "set_dtype_policy", "enable_flash_attention", "disable_flash_attention",
           "is_flash_attention_enabled", "enable_traceback_filtering", "disable_traceback_filtering",
           "is_traceback_filtering_enabled", "enable_unsafe_deserialization", "is_nnx_enabled", "set_max_epochs",
           "max_epochs", "set_max_steps_per_epoch", "max_steps_per_epoch"]
