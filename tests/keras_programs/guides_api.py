"""Keras 3 programs that use the backend-agnostic namespaces directly: ``keras.ops`` numerics, ``keras.random``
seeding, ``keras.tree`` and ``keras.config``.

Each program is ``def program(keras, workdir)`` and returns values every conforming implementation agrees on.
"""
import numpy as np


def ops_numerics(keras, workdir):
    """keras.ops as a NumPy-like library: stable softmax/logsumexp on large logits, matmul/einsum, reductions,
    where/clip, one_hot, top_k, segment_sum and the nn functions, all returned through convert_to_numpy."""
    ops = keras.ops
    logits = ops.convert_to_tensor(np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]], "float32"))
    x = ops.reshape(ops.arange(12, dtype="float32"), (3, 4))
    values, indices = ops.top_k(ops.convert_to_tensor([1.0, 4.0, 2.0, 3.0]), k=2)
    out = {
        "softmax": ops.softmax(logits, axis=-1),
        "logsumexp": ops.logsumexp(logits, axis=-1),
        "matmul": ops.matmul(x, ops.transpose(x)),
        "einsum": ops.einsum("ij,kj->ik", x, x),
        "mean": ops.mean(x, axis=0),
        "std": ops.std(x),
        "where": ops.where(x > 5, x, ops.zeros_like(x)),
        "clip": ops.clip(x, 2.0, 8.0),
        "one_hot": ops.one_hot(ops.convert_to_tensor([0, 2]), 3),
        "top_k": [values, indices],
        "segment_sum": ops.segment_sum(ops.convert_to_tensor([1.0, 2.0, 3.0, 4.0]),
                                       ops.convert_to_tensor([0, 0, 1, 1]), num_segments=2),
        "sigmoid": ops.sigmoid(ops.convert_to_tensor([-100.0, 0.0, 100.0])),
        "gelu": ops.gelu(ops.convert_to_tensor([-1.0, 0.0, 1.0])),
        "log_softmax": ops.log_softmax(logits[1]),
        "norm": ops.norm(x),
        "argmax": ops.argmax(x, axis=1),
        "cumsum": ops.cumsum(x, axis=1),
        "shape": ops.shape(x),
        "dtype": keras.backend.standardize_dtype(x.dtype),
        "cast": keras.backend.standardize_dtype(ops.cast(x, "int32").dtype),
    }
    converted = {}
    for key, value in out.items():
        if key in ("shape", "dtype", "cast"):
            converted[key] = tuple(value) if key == "shape" else value
        elif isinstance(value, list):
            converted[key] = [np.round(ops.convert_to_numpy(v).astype("float64"), 4) for v in value]
        else:
            converted[key] = np.round(ops.convert_to_numpy(value).astype("float64"), 4)
    assert np.isfinite(converted["softmax"]).all() and np.isfinite(converted["logsumexp"]).all()
    return converted


def random_seeding(keras, workdir):
    """keras.random: integer seeds are reproducible, a SeedGenerator advances, set_random_seed resets the
    global stream; shapes and ranges of each sampler."""
    random = keras.random
    a = keras.ops.convert_to_numpy(random.normal((3, 2), seed=42))
    b = keras.ops.convert_to_numpy(random.normal((3, 2), seed=42))
    gen = random.SeedGenerator(7)
    c = keras.ops.convert_to_numpy(random.uniform((4,), seed=gen))
    d = keras.ops.convert_to_numpy(random.uniform((4,), seed=gen))
    keras.utils.set_random_seed(123)
    e = keras.ops.convert_to_numpy(random.normal((2,)))
    keras.utils.set_random_seed(123)
    f = keras.ops.convert_to_numpy(random.normal((2,)))
    ints = keras.ops.convert_to_numpy(random.randint((50,), 0, 5, seed=1))
    shuffled = keras.ops.convert_to_numpy(random.shuffle(keras.ops.arange(10), seed=3))
    dropped = keras.ops.convert_to_numpy(random.dropout(keras.ops.ones((100,)), rate=0.5, seed=4))
    cat = keras.ops.convert_to_numpy(random.categorical(keras.ops.log(keras.ops.convert_to_tensor([[0.5, 0.5]])),
                                                        8, seed=5))
    trunc = keras.ops.convert_to_numpy(random.truncated_normal((200,), stddev=1.0, seed=6))
    return {
        "int_seed_repeats": bool(np.array_equal(a, b)),
        "generator_advances": not np.array_equal(c, d),
        "global_seed_repeats": bool(np.array_equal(e, f)),
        "uniform_range": bool(((c >= 0) & (c < 1)).all()),
        "ints_range": [int(ints.min()) >= 0, int(ints.max()) < 5],
        "shuffled": sorted(shuffled.tolist()),
        "dropout_values": sorted(set(np.round(dropped, 4).tolist())),
        "categorical_shape": cat.shape,
        "truncated": bool(np.abs(trunc).max() <= 2.0),
    }


def tree_utilities(keras, workdir):
    """keras.tree: flatten, map_structure, pack_sequence_as, is_nested, assert_same_structure, traverse."""
    tree = keras.tree
    structure = {"b": [1, 2], "a": (3, {"c": 4})}
    flat = tree.flatten(structure)
    doubled = tree.map_structure(lambda v: v * 2, structure)
    packed = tree.pack_sequence_as(structure, [10, 20, 30, 40])
    tree.assert_same_structure(structure, doubled)
    summed = tree.map_structure(lambda p, q: p + q, [1, (2, 3)], [10, (20, 30)])
    return {
        "flat": flat,
        "doubled": doubled,
        "packed": packed,
        "nested": [tree.is_nested(structure), tree.is_nested(3)],
        "summed": summed,
        "lists_to_tuples": tree.lists_to_tuples([1, [2, 3]]),
    }


def config_namespace(keras, workdir):
    """keras.config: floatx, epsilon, image_data_format, backend, set_floatx round trip, and tensors created
    under a float64 floatx."""
    before = (keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format())
    keras.config.set_floatx("float64")
    try:
        dtype64 = keras.backend.standardize_dtype(keras.ops.ones((2,)).dtype)
    finally:
        keras.config.set_floatx("float32")
    keras.config.set_epsilon(1e-6)
    eps = keras.config.epsilon()
    keras.config.set_epsilon(before[1])
    return {
        "defaults": list(before),
        "float64_output": dtype64,
        "epsilon_set": eps,
        "restored": keras.config.floatx(),
        "backend_is_str": isinstance(keras.config.backend(), str),
    }


PROGRAMS = [ops_numerics, random_seeding, tree_utilities, config_namespace]
