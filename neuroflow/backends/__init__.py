"""The array modules behind neuroflow's device seam (``neuroflow.backend``).

``cpu`` is NumPy itself; ``cuda`` is CuPy (:mod:`.cupy`, imported only when that device is chosen); ``strict``
(:mod:`.strict`) is a stand-in that behaves like CuPy on a machine without a GPU: its own array type, refusing
implicit conversions to NumPy and counting device-to-host transfers, so that tests prove code never leaves the
device by accident. :mod:`neuroflow.backend` chooses among them; nothing else imports these modules directly.
"""
import numpy

#: array type -> the module that operates on it; each device module registers its array type when it loads, so
#: ``neuroflow.backend.get_array_module`` recognises its arrays from then on (a dict lookup per argument).
MODULE_OF_TYPE = {numpy.ndarray: numpy}
#: array module -> the kind of device it computes on: ``'cpu'``, ``'cuda'``, ``'strict'``.
DEVICE_OF_MODULE = {numpy: "cpu"}


def register(array_type, module, device_name: str) -> None:
    """Record that ``module`` operates on ``array_type`` arrays, which live on a ``device_name`` device."""
    MODULE_OF_TYPE[array_type] = module
    DEVICE_OF_MODULE[module] = device_name


#: The NumPy ``Generator`` methods a device generator offers (``random.device_generator``): CuPy's own
#: ``Generator`` lacks most of them, so on CuPy they come from a ``RandomState`` (``cupy.Generator`` below), and the
#: strict stand-in refuses any other name, so that code the tests pass never asks CuPy for a missing one.
GENERATOR_METHODS = frozenset({"random", "integers", "standard_normal", "normal", "uniform", "permutation",
                               "shuffle", "beta", "binomial", "gamma"})
