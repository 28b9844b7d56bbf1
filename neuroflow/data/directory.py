"""Datasets from a folder of files with one subfolder per class (Keras' ``*_dataset_from_directory`` rules):
finding and labelling the files, then shuffling, splitting off a validation subset and batching, shared by the
text and image loaders."""
from __future__ import annotations

import os

import numpy as np

from .. import random as nf_random
from ..errors import ConfigError, DataError
from .dataset import Dataset


def list_files(directory, extensions, follow_links):
    """Files below ``directory`` ending in one of ``extensions``, walked and sorted as Keras' ``index_directory``."""
    walk = os.walk(directory, followlinks=follow_links)
    return [os.path.join(root, f) for root, _, files in sorted(walk, key=lambda w: w[0])
            for f in sorted(files) if f.lower().endswith(tuple(extensions))]


def check_split(validation_split, subset, shuffle, seed, label_mode, where):
    """The argument rules every ``*_dataset_from_directory`` shares."""
    if label_mode not in ("int", "categorical", "binary", None):
        raise ConfigError(f"{where}: label_mode must be 'int', 'categorical', 'binary' or None; got {label_mode!r}")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ConfigError(f"{where}: validation_split must be between 0 and 1; got {validation_split}")
    if bool(validation_split) != (subset is not None):
        raise ConfigError(f"{where}: validation_split and subset go together; got validation_split="
                          f"{validation_split!r}, subset={subset!r}")
    if subset not in (None, "training", "validation", "both"):
        raise ConfigError(f"{where}: subset must be 'training', 'validation' or 'both'; got {subset!r}")
    if validation_split and shuffle and seed is None:
        raise ConfigError(f"{where}: with validation_split and shuffle=True, pass a seed, so that the training and "
                          f"validation subsets do not overlap")


def labelled_files(directory, labels, label_mode, class_names, extensions, follow_links, where):
    """``(paths, labels int32 array or None, class names or None)`` for the files below ``directory``.

    ``labels="inferred"``: each subfolder is a class (sorted, or ordered by ``class_names``); a list: one label per
    file in sorted path order; ``None``: no labels.
    """
    kinds = "/".join(extensions)
    if not os.path.isdir(directory):
        raise DataError(f"{where}: directory {directory!r} does not exist or is not a folder")
    if labels == "inferred":
        found = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            missing = [c for c in class_names if c not in found]
            if missing:
                raise DataError(f"{where}: class_names {missing} have no subfolder in {directory!r}; found {found}")
            found = list(class_names)
        if not found:
            raise DataError(f"{where}: {directory!r} has no subfolders; with labels='inferred' each class needs a "
                            f"subfolder of {kinds} files")
        paths, label_list = [], []
        for k, name in enumerate(found):
            files = list_files(os.path.join(directory, name), extensions, follow_links)
            paths += files
            label_list += [k] * len(files)
        names = found
    else:
        if class_names is not None:
            raise ConfigError(f"{where}: class_names only applies to labels='inferred'")
        paths = list_files(directory, extensions, follow_links)
        if labels is None:
            label_list, names = None, None
        else:
            label_list = [int(v) for v in labels]
            if len(label_list) != len(paths):
                raise DataError(f"{where}: labels has {len(label_list)} entries but {directory!r} holds {len(paths)} "
                                f"{kinds} files")
            names = [str(i) for i in range(max(label_list) + 1)] if label_list else []
    if not paths:
        raise DataError(f"{where}: found no {kinds} files in {directory!r}")
    if label_mode is None:
        label_list = None
    if label_list is not None and label_mode == "binary" and len(names) != 2:
        raise DataError(f"{where}: label_mode='binary' needs exactly 2 classes; found {len(names)}: {names}")
    return paths, (None if label_list is None else np.asarray(label_list, dtype=np.int32)), names


def split_and_batch(samples, y, names, label_mode, batch_size, shuffle, seed, validation_split, subset,
                    batch_map=None):
    """Seeded shuffle, the validation split (the last fraction), labels encoded by ``label_mode``, batching.

    ``samples``: an array with one entry per file. ``batch_map(batch)`` post-processes each batch of samples (the
    text loader turns its object arrays into lists). Returns one Dataset, or a pair for ``subset="both"``.
    """
    if shuffle:  # one seeded permutation before the split, so training/validation calls agree
        perm = nf_random.generator(seed).permutation(len(samples))
        samples = samples[perm]
        y = None if y is None else y[perm]

    def make(sl):
        t, lab = samples[sl], None if y is None else y[sl]
        if lab is not None and label_mode == "categorical":
            lab = np.eye(len(names), dtype=np.float32)[lab]
        elif lab is not None and label_mode == "binary":
            lab = lab.astype(np.float32)[:, None]
        ds = Dataset.from_tensor_slices(t if lab is None else (t, lab))
        if shuffle:
            ds = ds.shuffle(seed=seed)
        if batch_size is not None:
            ds = ds.batch(batch_size)
            if batch_map is not None:
                ds = ds.map(batch_map) if lab is None else ds.map(lambda a, b: (batch_map(a), b))
        ds.class_names = names
        return ds

    if not validation_split:
        return make(slice(None))
    n_val = int(validation_split * len(samples))
    train, val = slice(0, len(samples) - n_val), slice(len(samples) - n_val, len(samples))
    if subset == "training":
        return make(train)
    if subset == "validation":
        return make(val)
    return make(train), make(val)
