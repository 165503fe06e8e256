"""Copying and selective copying: layout, answers, fixed spacing, randomness, chance, errors."""

import numpy as np
import pytest

from rnnkit.data.copying import (
    FIRST_DATA,
    MARKER,
    NOISE,
    chance_accuracy,
    copying,
    selective_copying,
)


@pytest.mark.parametrize("make", [copying, selective_copying])
def test_layout_marker_blanks_and_answers_match_the_data_tokens(make):
    task = make(50, 20, tokens=3, vocab_size=7, seed=1)
    assert task.x.shape == (50, 23) and task.y.shape == (50, 3)
    assert task.x.dtype == np.int64 and task.y.dtype == np.int64
    assert (task.x[:, 20] == MARKER).all() and (task.x[:, 21:] == NOISE).all()
    context = task.x[:, :20]
    assert ((context >= FIRST_DATA).sum(axis=1) == 3).all()  # exactly the data tokens
    assert (np.take_along_axis(context, task.positions, axis=1) == task.y).all()
    assert task.y.min() >= FIRST_DATA and task.y.max() <= 6
    assert (np.diff(task.positions, axis=1) > 0).all()  # in order of position


def test_copying_keeps_the_spacing_at_any_length():
    short = copying(4, 16, tokens=4, seed=0)
    long = copying(4, 64, tokens=4, lag=16, seed=0)
    assert (short.positions == np.arange(4)).all()
    assert (64 + np.arange(4) - long.positions == 16 + np.arange(4) - short.positions).all()
    assert (short.y == long.y).all()  # same seed, same data tokens


def test_selective_copying_positions_vary_and_cover_the_context():
    task = selective_copying(4000, 12, tokens=2, seed=3)
    assert len({tuple(p) for p in task.positions}) == 66  # all C(12, 2) subsets occur
    counts = np.bincount(task.positions.ravel(), minlength=12)
    assert counts.min() > 0.8 * counts.mean()  # roughly uniform over positions


def test_data_tokens_are_uniform_so_chance_is_one_over_the_data_symbols():
    task = selective_copying(20000, 10, tokens=2, vocab_size=6, seed=0)
    freq = np.bincount(task.y.ravel(), minlength=6)[FIRST_DATA:] / task.y.size
    assert np.allclose(freq, 0.25, atol=0.01)
    assert chance_accuracy(6) == 0.25


def test_same_seed_same_task_other_seed_other_task():
    a, b = selective_copying(8, 16, seed=5), selective_copying(8, 16, seed=5)
    c = selective_copying(8, 16, seed=6)
    assert (a.x == b.x).all() and not (a.x == c.x).all()


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: copying(0, 10), "n"),
        (lambda: copying(2, 3, tokens=4), "length"),
        (lambda: copying(2, 10, vocab_size=2), "vocab_size"),
        (lambda: copying(2, 10, tokens=4, lag=3), "lag"),
        (lambda: copying(2, 10, lag=11), "lag"),
        (lambda: selective_copying(2, 10, tokens=0), "tokens"),
        (lambda: chance_accuracy(2), "vocab_size"),
    ],
)
def test_bad_arguments_raise_a_value_error_naming_them(call, name):
    with pytest.raises(ValueError, match=name):
        call()
