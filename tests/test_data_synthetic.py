import math

import numpy as np
import pytest

from rnnkit.data.synthetic import adding_baseline_mse, adding_problem, copy_baseline_xent, copy_task


@pytest.mark.parametrize("T", [2, 7, 50])
def test_adding_problem_layout(T):
    task = adding_problem(64, T, seed=1)
    assert task.x.shape == (64, T, 2) and task.y.shape == (64, 1) and task.x.dtype == np.float32
    marker = task.x[..., 1]
    assert np.all(marker.sum(axis=1) == 2)
    assert np.all(marker[:, : T // 2].sum(axis=1) == 1) and np.all(
        marker[:, T // 2 :].sum(axis=1) == 1
    )
    values = task.x[..., 0]
    assert np.all((values >= 0) & (values < 1))
    np.testing.assert_allclose(task.y[:, 0], (values * marker).sum(axis=1), rtol=1e-6)


def test_adding_baseline_matches_closed_form_within_sampling_error():
    assert adding_baseline_mse() == pytest.approx(1 / 6)
    y = adding_problem(200_000, 4, seed=3).y[:, 0].astype(np.float64)
    sq = (y - 1.0) ** 2
    stderr = sq.std() / math.sqrt(sq.size)
    assert abs(sq.mean() - 1 / 6) < 4 * stderr


def test_adding_problem_seed_determines_data():
    a, b, c = (
        adding_problem(8, 10, seed=0),
        adding_problem(8, 10, seed=0),
        adding_problem(8, 10, seed=1),
    )
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)


def test_adding_problem_refuses_length_below_two():
    with pytest.raises(ValueError, match="T must be >= 2, got 1"):
        adding_problem(4, 1)


@pytest.mark.parametrize("T", [1, 5, 100])
def test_copy_task_layout(T):
    task = copy_task(32, T, seed=2)
    assert task.x.shape == task.y.shape == (32, T + 20)
    x, y = task.x, task.y
    assert np.all((x[:, :10] >= 1) & (x[:, :10] <= 8))
    assert (
        np.all(x[:, 10 : 9 + T] == 0) and np.all(x[:, 9 + T] == 9) and np.all(x[:, 10 + T :] == 0)
    )
    assert np.all(y[:, : T + 10] == 0) and np.array_equal(y[:, -10:], x[:, :10])


@pytest.mark.parametrize("T", [10, 100])
def test_copy_baseline_equals_entropy_of_best_memoryless_predictor(T):
    assert copy_baseline_xent(T) == pytest.approx(10 * math.log(8) / (T + 20))
    y = copy_task(20_000, T, seed=4).y  # (n, T + 20)
    # the best predictor that ignores the input uses, at each step, the class frequencies there
    xent = 0.0
    for t in range(y.shape[1]):
        freq = np.bincount(y[:, t], minlength=10) / y.shape[0]
        xent -= np.mean(np.log(freq[y[:, t]]))
    assert xent / y.shape[1] == pytest.approx(copy_baseline_xent(T), rel=1e-3)


def test_copy_task_seed_determines_data():
    assert np.array_equal(copy_task(5, 3, seed=7).x, copy_task(5, 3, seed=7).x)
    assert not np.array_equal(copy_task(5, 3, seed=7).x, copy_task(5, 3, seed=8).x)
