"""Data-parallel training over MPI ranks with Keras 3's ``keras.distribution`` API.

One line makes a training script data-parallel; ``mpiexec`` runs it on N processes::

    keras.distribution.set_distribution(keras.distribution.DataParallel())

    mpiexec -n 2 python train.py        # as root in a container: add --allow-run-as-root --oversubscribe

``api`` holds Keras' names (``DataParallel``, ``DeviceMesh``, ``list_devices``, ``get_device_count``,
``initialize``, ``set_distribution``, ``distribution``, ``distribute_tensor``), ``comm`` the MPI group and its
watchdogged collectives, ``data_parallel`` the hooks the training loops call (sharding, gradient averaging,
start-of-fit broadcast, metric reduction, prediction gathering). Without mpiexec there is one rank and every hook
is a no-op; mpi4py is imported only under mpiexec.
"""
from .api import (DataParallel, DeviceMesh, distribute_tensor, distribution, get_device_count, initialize,
                  list_devices, set_distribution)
from .comm import DistributionError
from .data_parallel import is_chief

__all__ = ["DataParallel", "DeviceMesh", "distribute_tensor", "distribution", "get_device_count", "initialize",
           "list_devices", "set_distribution", "DistributionError", "is_chief"]
