"""DLPack exchange: ``neuroflow.from_dlpack(obj)`` and the producer side, ``Tensor.__dlpack__``.

DLPack hands an array's memory from one library to another without a copy: ``torch.from_dlpack(tensor)`` and
``np.from_dlpack(tensor)`` see a neuroflow tensor's data, and ``neuroflow.from_dlpack(torch_tensor)`` wraps a
torch tensor's (or any ``__dlpack__`` object's) memory in a Tensor. A write through either side is seen by the
other. On the CPU device only CPU objects can be taken in. On another device (``nf.device("cuda")``, ``"strict"``)
the tensor is made there, as every new tensor is: a CUDA object on the ``cuda`` device is shared (CuPy's
``from_dlpack``, no copy), a CPU object is read through NumPy's ``from_dlpack`` and copied to the device once (host
memory cannot be shared with a device: later writes on either side are not seen by the other).
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
_CUDA_TYPES = (2, 13)  # CUDA and CUDA managed memory: what CuPy's from_dlpack shares
_TENSOR_KINDS = "biuf"  # bool, signed/unsigned integers, floats: what a Tensor can hold


def from_dlpack(obj, requires_grad: bool = False) -> Tensor:
    """A Tensor sharing ``obj``'s memory (no copy), with ``obj``'s dtype and shape; on a device other than the CPU,
    a copy of a CPU object there (see the module docstring).

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
    device_type = DLPACK_CPU
    current = backend.get_device()
    if hasattr(obj, "__dlpack_device__"):
        device_type, device_id = (int(v) for v in obj.__dlpack_device__())
        if device_type != DLPACK_CPU and not (current.startswith("cuda") and device_type in _CUDA_TYPES):
            name = _DEVICE_NAMES.get(device_type, f"device type {device_type}")
            raise ConfigError(f"from_dlpack: on the {current!r} device the object must be on the CPU (DLPack device "
                              f"type {DLPACK_CPU}){' or a CUDA device' if current.startswith('cuda') else ''}; got a "
                              f"{type(obj).__name__} on {name}:{device_id}. Move it to the CPU first (e.g. torch: "
                              f".cpu())")
    # a CPU object is shared by NumPy; on another device it is then copied there (host memory cannot be shared)
    xp = backend.numpy if device_type == DLPACK_CPU else backend.get_array_module()
    try:
        array = xp.from_dlpack(obj)
    except (BufferError, RuntimeError, TypeError) as e:  # the exporter's refusal: dtype, requires_grad, ...
        raise DTypeError(f"from_dlpack: {type(obj).__name__} could not be shared through DLPack: {e}") from None
    if array.dtype.kind not in _TENSOR_KINDS:
        raise DTypeError(f"from_dlpack: a Tensor holds bool, integer or float data; got dtype {array.dtype} "
                         f"from {type(obj).__name__}")
    return Tensor(array, requires_grad=requires_grad, dtype=array.dtype)
