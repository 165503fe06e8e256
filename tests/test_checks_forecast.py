import numpy as np

from rnnkit.checks import check_make_windows
from rnnkit.checks.forecast import reference_windows


def test_reference_windows_are_followed_by_their_target():
    x, y = reference_windows(np.arange(10.0), 3)
    assert x.shape == (7, 3, 1) and y.shape == (7, 1)
    assert np.array_equal(x[0, :, 0], [0, 1, 2]) and y[0, 0] == 3 and y[-1, 0] == 9


def test_stub_is_not_attempted():
    def stub(series, window):
        raise NotImplementedError

    assert check_make_windows(stub).status == "not attempted"


def test_correct_answer_passes_and_is_used():
    def mine(series, window):
        s = np.asarray(series, float)
        x = np.lib.stride_tricks.sliding_window_view(s[:-1], window)
        return x[..., None], s[window:, None]

    result = check_make_windows(mine)
    assert result.passed and result.use is mine


def test_target_inside_window_is_named():
    def wrong(series, window):
        x, _ = reference_windows(series, window)
        return x, x[:, -1, :]

    result = check_make_windows(wrong)
    assert not result.passed and "target from inside the window" in str(result)


def test_missing_feature_axis_is_named():
    def wrong(series, window):
        x, y = reference_windows(series, window)
        return x[..., 0], y

    result = check_make_windows(wrong)
    assert "should have shape (7, 3, 1)" in str(result) and "(n, window, 1)" in str(result)


def test_one_window_too_few_is_named():
    def wrong(series, window):
        x, y = reference_windows(series, window)
        return x[:-1], y[:-1]

    assert "stop one window early" in str(check_make_windows(wrong))


def test_flat_target_is_named():
    def wrong(series, window):
        x, y = reference_windows(series, window)
        return x, y.ravel()

    assert "keep it (n, 1)" in str(check_make_windows(wrong))
