"""DLPack exchange: ``neuroflow.from_dlpack(obj)`` and the producer side, ``Tensor.__dlpack__``.

DLPack hands an array's memory from one library to another without a copy: ``torch.from_dlpack(tensor)`` and
``np.from_dlpack(tensor)`` see a neuroflow tensor's data, and ``neuroflow.from_dlpack(torch_tensor)`` wraps a
torch tensor's (or any ``__dlpack__`` object's) memory in a Tensor. A write through either side is seen by the
other. neuroflow's arrays live in host memory, so only CPU objects can be taken in.
"""
from __future__ import annotations

from . import backend
from .autograd import Tensor
from .errors import ConfigError, DTypeError

__all__ = ["from_dlpack", "DLPACK_CPU"]

#: DLPack's device type code for host memory (``kDLCPU``); ``__dlpack_device__()`` returns ``(type, id)``.
DLPACK_CPU = 1
_DEVICE_NAMES = {1: "CPU", 2: "CUDA", 3: "CUDA host (pinned)", 4: "OpenCL", 7: "Vulkan", 8: "Metal", 9: "VPI",
                 10: "ROCm", 11: "ROCm host", 13: "CUDA managed", 14: "oneAPI"}
_TENSOR_KINDS = "biuf"  # bool, signed/unsigned integers, floats: what a Tensor can hold


def from_dlpack(obj, requires_grad: bool = False) -> Tensor:
    """A Tensor sharing ``obj``'s memory (no copy), with ``obj``'s dtype and shape.

    Args:
        obj: any object implementing the DLPack protocol (``__dlpack__`` and ``__dlpack_device__``) in host
            memory: a NumPy array, a torch CPU tensor (``.detach()`` it first if it requires grad), a JAX/CuPy
            array moved to the host, another neuroflow Tensor.
        requires_grad: make the new tensor a differentiable leaf (float dtypes only).

    Returns:
        A leaf Tensor of the same shape and dtype (float64 stays float64: DLPack data is never cast).

    Raises:
        ConfigError: ``obj`` has no ``__dlpack__``, or lives on a device other than the CPU.
        DTypeError: a dtype a Tensor cannot hold (complex, bfloat16...).
    """
    if not hasattr(obj, "__dlpack__"):
        raise ConfigError(f"from_dlpack: expected an object implementing __dlpack__ (a NumPy array, a torch tensor, "
                          f"...), got {type(obj).__name__}")
    if hasattr(obj, "__dlpack_device__"):
        device_type, device_id = obj.__dlpack_device__()
        if int(device_type) != DLPACK_CPU:
            name = _DEVICE_NAMES.get(int(device_type), f"device type {int(device_type)}")
            raise ConfigError(f"from_dlpack: neuroflow tensors live in host memory, so the object must be on the CPU "
                              f"(DLPack device type {DLPACK_CPU}); got a {type(obj).__name__} on {name}:{device_id}. "
                              f"Move it to the CPU first (e.g. torch: .cpu())")
    xp = backend.get_array_module()
    try:
        array = xp.from_dlpack(obj)
    except (BufferError, RuntimeError, TypeError) as e:  # the exporter's refusal: dtype, requires_grad, ...
        raise DTypeError(f"from_dlpack: {type(obj).__name__} could not be shared through DLPack: {e}") from None
    if array.dtype.kind not in _TENSOR_KINDS:
        raise DTypeError(f"from_dlpack: a Tensor holds bool, integer or float data; got dtype {array.dtype} "
                         f"from {type(obj).__name__}")
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)
