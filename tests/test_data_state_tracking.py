"""State-tracking tasks (chapter 14): labels equal a brute-force count, the draw is
deterministic, chance accuracy is exact, and bad arguments raise ValueError."""

import itertools
import math

import numpy as np
import pytest

from rnnkit.data.state_tracking import (
    COMPOSE,
    IDENTITY,
    PERMUTATIONS,
    TASKS,
    chance_accuracy,
    prefix_labels,
    state_task,
)


def brute_force(name, string):
    """The label of the whole ``string``, computed the slow and obvious way."""
    if name == "parity":
        return sum(string) % 2
    if name == "mod3":
        return sum(string) % 3
    if name == "majority":
        return int(string.count(1) > string.count(0))
    objects = [0, 1, 2]  # apply each permutation in turn to the arrangement
    for token in string:
        p = PERMUTATIONS[token]
        objects = [p[e] for e in objects]
    return PERMUTATIONS.index(tuple(objects))


@pytest.mark.parametrize("name", sorted(TASKS))
def test_labels_of_every_prefix_equal_a_brute_force_computation(name):
    task = state_task(name, 50, 12, seed=3)
    for row, labels in zip(task.x.tolist(), task.y.tolist(), strict=True):
        assert labels == [brute_force(name, row[: t + 1]) for t in range(len(row))]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_labels_are_exhaustively_right_on_all_short_strings(name):
    tokens = TASKS[name][0]
    strings = np.array(list(itertools.product(range(tokens), repeat=4)))  # (tokens**4, 4)
    expected = [brute_force(name, list(s)) for s in strings.tolist()]
    assert prefix_labels(name, strings)[:, -1].tolist() == expected


def test_s3_table_composes_permutations_and_is_not_commutative():
    assert PERMUTATIONS[IDENTITY] == (0, 1, 2)
    assert (COMPOSE[IDENTITY] == np.arange(6)).all()
    assert (COMPOSE != COMPOSE.T).any()  # the order of two moves matters


@pytest.mark.parametrize("name", sorted(TASKS))
def test_same_seed_gives_the_same_strings_and_another_seed_does_not(name):
    a, b, c = (state_task(name, 8, 30, seed=s) for s in (5, 5, 6))
    assert (a.x == b.x).all() and (a.y == b.y).all()
    assert (a.x != c.x).any()
    assert a.x.shape == a.y.shape == (8, 30) and a.x.dtype == a.y.dtype == np.int64
    assert (a.vocab_size, a.classes) == TASKS[name]


@pytest.mark.parametrize(("name", "chance"), [("parity", 1 / 2), ("mod3", 1 / 3), ("s3", 1 / 6)])
def test_chance_is_one_over_the_classes_and_matches_the_label_frequencies(name, chance):
    assert chance_accuracy(name, 7) == chance
    y = state_task(name, 20000, 7, seed=0).y[:, -1]
    assert abs(np.bincount(y).max() / len(y) - chance) < 0.02


@pytest.mark.parametrize("T", [1, 2, 3, 4, 10])
def test_majority_chance_is_the_probability_of_the_most_frequent_label(T):
    strings = np.array(list(itertools.product((0, 1), repeat=T)))  # all 2**T strings
    zeros = (prefix_labels("majority", strings)[:, -1] == 0).mean()
    assert math.isclose(chance_accuracy("majority", T), max(zeros, 1 - zeros))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: state_task("xor", 2, 3), "name must be one of"),
        (lambda: state_task("parity", 0, 3), "n must be"),
        (lambda: state_task("parity", 2, 0), "T must be"),
        (lambda: state_task("parity", 2, 3, seed=-1), "seed must be"),
        (lambda: prefix_labels("parity", np.array([[0, 2]])), r"tokens must be in \[0, 1\]"),
        (lambda: prefix_labels("parity", np.zeros((2, 3, 1), int)), r"integer array \(n, T\)"),
        (lambda: chance_accuracy("majority", 0), "T must be"),
    ],
)
def test_bad_arguments_raise_value_error_naming_expected_and_received(call, message):
    with pytest.raises(ValueError, match=message):
        call()
