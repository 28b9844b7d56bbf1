"""What the 2-rank tests run under ``mpiexec`` (and, for the reference, in one process).

``python worker.py MODE OUT [--deterministic] [--bn]``: MODE is ``train`` (a small classifier: fit with
validation, evaluate, predict), ``checkpoint`` (a longer fit writing a checkpoint every epoch; a test kills a rank
mid-run), ``resume`` (loads that checkpoint and trains on), ``rbm`` (RBM pre-training) or ``hang`` / ``hang-step`` (rank 1 stalls
before fit / in its third step; with ``--timeout`` the others must stop). Each rank writes what it
ended with to ``OUT/rank<r>.npz``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import neuroflow as nf
from neuroflow import distribution, layers
from neuroflow.models import Sequential

N_SAMPLES, BATCH, EPOCHS = 203, 32, 3  # 203 = 6 full batches + 11: the last batch splits 5/6


def data(n=N_SAMPLES, seed=0):
    """A 3-class problem in 8 features (float32) with integer labels."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 0.8)
    return x, y


def model(bn=False, seed=1):
    nf.random.set_seed(seed)
    stack = [layers.Input((8,)), layers.Dense(16, activation="relu")]
    if bn:
        stack.append(layers.BatchNormalization())
    stack.append(layers.Dense(3, activation="softmax"))
    m = Sequential(stack)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def train(bn=False, epochs=EPOCHS):
    """Fit (with validation), evaluate and predict; returns what a rank reports."""
    x, y = data()
    vx, vy = data(61, seed=5)
    m = model(bn)
    history = m.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, validation_data=(vx, vy))
    evaluated = m.evaluate(vx, vy, batch_size=16, verbose=0, return_dict=True)
    predicted = m.predict(vx, batch_size=16, verbose=0)
    # A last batch of one sample: on 2 ranks one of them has no rows in it (fit, evaluate and predict).
    m.fit(x[:65], y[:65], batch_size=32, epochs=1, verbose=0, shuffle=False)
    evaluated.update({f"tail_{k}": v for k, v in m.evaluate(vx[:33], vy[:33], batch_size=32, verbose=0,
                                                            return_dict=True).items()})
    tail_predicted = m.predict(vx[:33], batch_size=32, verbose=0)
    out = {f"w{i}": w for i, w in enumerate(m.get_weights())}
    out["tail_predict"] = tail_predicted
    for k, v in history.history.items():
        out[f"history_{k}"] = np.asarray(v)
    for k, v in evaluated.items():
        out[f"evaluate_{k}"] = np.asarray(v)
    out["predict"] = predicted
    return out


def checkpoint(out_dir, epochs=40):
    """A long fit that checkpoints every epoch (rank 0 writes it); every rank notes its pid and progress."""
    from neuroflow.callbacks import BackupAndRestore, LambdaCallback, ModelCheckpoint
    rank = distribution.distribution().data_shard_id
    x, y = data(1000)
    m = model()

    def progress(epoch, logs):
        with open(os.path.join(out_dir, f"epoch{rank}.txt"), "w") as f:
            f.write(str(epoch))
        time.sleep(0.05)

    path = os.path.join(out_dir, "ckpt.neuroflow")
    m.fit(x, y, batch_size=64, epochs=epochs, verbose=0,
          callbacks=[ModelCheckpoint(path), BackupAndRestore(os.path.join(out_dir, "backup")),
                     LambdaCallback(on_epoch_end=progress)])
    return {}


def resume(out_dir, epochs=2):
    """Load the checkpoint and train on: every rank from the same file, with whatever number of ranks."""
    x, y = data(1000)
    m = nf.load_model(os.path.join(out_dir, "ckpt.neuroflow"))
    start = m._epoch
    m.fit(x, y, batch_size=64, epochs=start + epochs, initial_epoch=start, verbose=0)
    # BackupAndRestore (rank 0 reads the backup; every rank starts from its weights and epoch): one more epoch
    import shutil
    from neuroflow.callbacks import BackupAndRestore
    group = distribution.distribution().group
    backup_dir = os.path.join(out_dir, f"backup-{group.size}")  # each resume from the killed run's backup
    if group.rank == 0:
        shutil.copytree(os.path.join(out_dir, "backup"), backup_dir, dirs_exist_ok=True)
    fresh = model()
    backup = BackupAndRestore(backup_dir)
    history = fresh.fit(x, y, batch_size=64, epochs=start + 1, verbose=0, callbacks=[backup])
    return {f"w{i}": w for i, w in enumerate(m.get_weights())} | {
        "start": np.asarray(start), "backup_epochs_run": np.asarray(len(history.history["loss"])),
        **{f"backup_w{i}": w for i, w in enumerate(fresh.get_weights())}}


def rbm():
    """RBM pre-training on binary data: weights and history."""
    from neuroflow.models import RBM
    rng = np.random.default_rng(3)
    x = (rng.random((203, 12)) < 0.3).astype(np.float32)
    r = RBM(6, learning_rate=0.05, batch_size=20, seed=4)
    r.fit(x, epochs=2, verbose=0)
    return {"W": r.W, "b_visible": r.b_visible, "b_hidden": r.b_hidden,
            "reconstruction_error": np.asarray(r.history["reconstruction_error"])}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("train", "checkpoint", "resume", "rbm", "hang", "hang-step"))
    parser.add_argument("out")
    parser.add_argument("--deterministic", action="store_true")
    parser.add_argument("--bn", action="store_true")
    parser.add_argument("--timeout", type=float, default=None)
    args = parser.parse_args()
    distribution.set_distribution(distribution.DataParallel(deterministic=args.deterministic, timeout=args.timeout))
    rank = distribution.distribution().data_shard_id
    with open(os.path.join(args.out, f"pid{rank}.txt"), "w") as f:
        f.write(str(os.getpid()))
    if args.mode == "train":
        result = train(args.bn)
    elif args.mode == "checkpoint":
        result = checkpoint(args.out)
    elif args.mode == "resume":
        result = resume(args.out)
    elif args.mode == "hang":  # rank 1 stalls before fit: rank 0's first collective must give up, not wait
        if rank == 1:
            time.sleep(60)
        result = train()
    elif args.mode == "hang-step":  # rank 1 stalls in its third step: rank 0's gradient Allreduce must give up
        x, y = data()
        m = model()
        stall = nf.callbacks.LambdaCallback(
            on_train_batch_begin=lambda batch, logs: time.sleep(60) if rank == 1 and batch == 2 else None)
        m.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[stall])
        result = {"w0": m.get_weights()[0]}
    else:
        result = rbm()
    np.savez(os.path.join(args.out, f"rank{rank}.npz"), **result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
