"""Seeding: neuroflow.random.set_seed makes dropout masks and generator draws reproducible, without touching
NumPy's global random state."""
import numpy as np
import pytest

import neuroflow as nf
from neuroflow import ops


def dropout_mask(shape=(8, 16), rate=0.5):
    """The mask ops.dropout draws from the default generator: 1 where kept, 0 where dropped."""
    out = ops.dropout(nf.Tensor(np.ones(shape)), rate)
    return (out.numpy() != 0).astype(np.int8)


def draws(n=3):
    return [nf.random.generator().random(5) for _ in range(n)]


@pytest.fixture(autouse=True)
def _reseed_afterwards():
    yield
    nf.random.set_seed(np.random.SeedSequence().entropy % 2**32)  # leave no fixed seed behind for other tests


def test_set_seed_makes_dropout_masks_reproducible():
    nf.random.set_seed(123)
    first = [dropout_mask() for _ in range(3)]
    nf.random.set_seed(123)
    second = [dropout_mask() for _ in range(3)]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # the default generator advances between calls
    assert 0.3 < first[0].mean() < 0.7


def test_set_seed_makes_generator_draws_reproducible():
    nf.random.set_seed(7)
    first = draws()
    nf.random.set_seed(7)
    second = draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # successive generators are independent streams


def test_generators_do_not_disturb_the_default_stream():
    nf.random.set_seed(11)
    expected = dropout_mask()
    nf.random.set_seed(11)
    draws()  # making and using other generators in between
    np.testing.assert_array_equal(dropout_mask(), expected)


def test_different_seeds_differ():
    nf.random.set_seed(1)
    mask_1, draw_1 = dropout_mask(), draws(1)[0]
    nf.random.set_seed(2)
    mask_2, draw_2 = dropout_mask(), draws(1)[0]
    assert not np.array_equal(mask_1, mask_2)
    assert not np.array_equal(draw_1, draw_2)


def test_explicit_seed_depends_only_on_that_seed():
    nf.random.set_seed(1)
    a = nf.random.generator(42).random(4)
    nf.random.set_seed(2)
    b = nf.random.generator(42).random(4)
    np.testing.assert_array_equal(a, b)
    ones = nf.Tensor(np.ones((8, 16)))
    mask_a = ops.dropout(ones, 0.5, seed=5).numpy()
    nf.random.set_seed(3)
    np.testing.assert_array_equal(ops.dropout(ones, 0.5, seed=5).numpy(), mask_a)


def test_numpy_global_state_is_untouched():
    np.random.seed(2024)
    before = np.random.get_state()
    nf.random.set_seed(5)
    dropout_mask()
    draws()
    nf.random.generator(3).random(3)
    after = np.random.get_state()
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]
