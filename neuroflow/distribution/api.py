"""Keras 3's ``keras.distribution`` names, on MPI ranks: ``DataParallel``, ``DeviceMesh``, ``list_devices``,
``get_device_count``, ``initialize``, ``set_distribution``/``distribution``.

neuroflow's devices are the ranks of an ``mpiexec`` job, named ``"cpu:<rank>"``. Setting a ``DataParallel``
distribution makes ``fit``/``evaluate``/``predict`` (and RBM/DBN pre-training) data-parallel over them; in a
process not launched by ``mpiexec`` there is one device and everything runs as without a distribution.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .comm import Group, launched_by_mpi, world

__all__ = ["DeviceMesh", "DataParallel", "list_devices", "get_device_count", "initialize", "distribution",
           "set_distribution", "distribute_tensor"]

_DEVICE_TYPES = (None, "cpu")


def _check_device_type(device_type, who):
    if device_type not in _DEVICE_TYPES and str(device_type).lower() != "cpu":
        raise ConfigError(f"{who}: device_type must be None or 'cpu' (neuroflow's devices are the MPI ranks, each "
                          f"a CPU process), got {device_type!r}")


def list_devices(device_type=None) -> list:
    """The devices of this job, one per MPI rank: ``['cpu:0', 'cpu:1', ...]`` (``['cpu:0']`` without mpiexec)."""
    _check_device_type(device_type, "list_devices()")
    return [f"cpu:{r}" for r in range(world().size)]


def get_device_count(device_type=None) -> int:
    """The number of devices (MPI ranks) of this job."""
    _check_device_type(device_type, "get_device_count()")
    return world().size


def initialize(job_addresses=None, num_processes=None, process_id=None) -> None:
    """Join the job (Keras' signature). Under ``mpiexec`` the launcher already set the addresses, count and
    rank; the arguments, when given, are checked against it. Without mpiexec it is a one-process job."""
    group = world()
    for name, given, actual in (("num_processes", num_processes, group.size), ("process_id", process_id,
                                                                                 group.rank)):
        if given is not None and int(given) != actual:
            raise ConfigError(f"initialize(): {name}={given!r} but mpiexec started this process with "
                              f"{name}={actual}; launch with `mpiexec -n <processes> python script.py`")
    if job_addresses is not None and not launched_by_mpi():
        raise ConfigError(f"initialize(): job_addresses={job_addresses!r} given, but neuroflow's processes are "
                          f"started and connected by mpiexec (e.g. mpiexec --host a,b -n 2 python script.py)")


class DeviceMesh:
    """A named grid of devices (Keras' ``DeviceMesh(shape, axis_names, devices=None)``); data parallelism uses
    its first axis. ``devices`` default: ``list_devices()``, reshaped to ``shape``."""

    def __init__(self, shape, axis_names, devices=None):
        shape = tuple(int(s) for s in shape)
        axis_names = list(axis_names)
        if len(shape) != len(axis_names):
            raise ConfigError(f"DeviceMesh: shape {shape} and axis_names {axis_names} must have the same length")
        devices = np.array(list_devices() if devices is None else devices)
        if int(np.prod(shape)) != devices.size:
            raise ConfigError(f"DeviceMesh: shape {shape} holds {int(np.prod(shape))} devices, got "
                              f"{devices.size} devices {devices.reshape(-1).tolist()}")
        self.shape, self.axis_names, self.devices = shape, axis_names, devices.reshape(shape)

    def __repr__(self):
        return f"<DeviceMesh shape={self.shape} axis_names={self.axis_names}>"


class DataParallel:
    """Data parallelism over MPI ranks: the model replicated on every rank, each global batch split among them.

    Args:
        device_mesh: a :class:`DeviceMesh` (its first axis is the data axis) — or
        devices: a list of devices; both None (the default): ``list_devices()``, every rank of the job.
        auto_shard_dataset: split each batch among the ranks (default). False: each rank's data is already its
            own shard (e.g. read from per-rank files) and is used whole.
        deterministic (neuroflow): reduce gradients by gathering them to rank 0, adding in rank order and
            broadcasting: the same bits whatever MPI's reduction algorithm (two collectives per step, not one).
        timeout (neuroflow): seconds a collective waits for the other ranks before the job stops with a
            ``DistributionError`` (default 120, or ``NEUROFLOW_MPI_TIMEOUT``).

    Semantics: ``batch_size`` is the global batch, as in Keras: with N ranks each computes on about
    ``batch_size / N`` samples of it, and N ranks train as one process with that ``batch_size``.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True, deterministic=False, timeout=None):
        if device_mesh is not None and devices is not None:
            raise ConfigError("DataParallel: pass device_mesh or devices, not both")
        if device_mesh is not None:
            if not isinstance(device_mesh, DeviceMesh):
                raise ConfigError(f"DataParallel: device_mesh must be a DeviceMesh, got {type(device_mesh).__name__}")
            devices = device_mesh.devices.reshape(-1).tolist()
        group = world()
        devices = list_devices() if devices is None else [str(d) for d in np.array(devices).reshape(-1)]
        if sorted(devices) != sorted(list_devices()):
            raise ConfigError(f"DataParallel: devices must be every rank of the job, {list_devices()} (neuroflow "
                              f"does not run on a subset of the ranks), got {devices}")
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ConfigError(f"DataParallel: timeout must be a number of seconds > 0, got {timeout!r}")
        self.devices = devices
        self.device_mesh = device_mesh or DeviceMesh((len(devices),), ["batch"], devices)
        self.batch_dim_name = self.device_mesh.axis_names[0]
        self.auto_shard_dataset = bool(auto_shard_dataset)
        self.deterministic = bool(deterministic)
        self.group: Group = group
        if timeout is not None:
            group.timeout = float(timeout)

    @property
    def num_processes(self) -> int:
        return self.group.size

    @property
    def num_model_replicas(self) -> int:
        return self.group.size

    @property
    def data_shard_id(self) -> int:
        return self.group.rank

    def scope(self):
        """A context in which this distribution is the active one (Keras' ``with distribution.scope():``)."""
        return _Scope(self)

    def __repr__(self):
        return f"<DataParallel ranks={self.group.size} deterministic={self.deterministic}>"


class _Scope:
    def __init__(self, value):
        self.value, self.previous = value, None

    def __enter__(self):
        self.previous = distribution()
        set_distribution(self.value)
        return self.value

    def __exit__(self, *exc):
        set_distribution(self.previous)


_current: DataParallel | None = None


def distribution():
    """The distribution set with :func:`set_distribution` (None: every process trains alone)."""
    return _current


def set_distribution(value) -> None:
    """Make ``value`` (a :class:`DataParallel`, or None) the distribution ``fit``/``evaluate``/``predict`` use."""
    global _current
    if value is not None and not isinstance(value, DataParallel):
        raise ConfigError(f"set_distribution(): neuroflow supports DataParallel (or None), got "
                          f"{type(value).__name__}; ModelParallel is not available")
    _current = value


def distribute_tensor(tensor, layout=None):
    """Keras' placement of a tensor on a layout: data-parallel replicas hold every tensor whole, so it is the
    tensor unchanged."""
    return tensor
