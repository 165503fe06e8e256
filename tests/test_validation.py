"""rnnkit.validation: each helper refuses what its docstring says, with one line that
names what was expected and what arrived, and lets good input through unchanged."""

import numpy as np
import pytest

from rnnkit.validation import (
    as_float_array,
    as_int_array,
    require_choice,
    require_int,
    require_shape,
)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: as_float_array([1, 2], "x"), TypeError, r"x must be a real floating-point array \(float32 or float64\), got dtype int64"),
        (lambda: as_float_array(np.ones((2, 3)), "x", ndim=3, dims="(batch, time, features)"), ValueError, r"x must be 3-D \(batch, time, features\), got shape \(2, 3\) \(2-D\)"),
        (lambda: as_float_array([1.0, np.nan, np.inf], "x"), ValueError, r"x must be finite, got 2 NaN or inf value\(s\)"),
        (lambda: as_int_array([1.0, 2.0], "ids"), TypeError, "ids must hold integers, got dtype float64"),
        (lambda: as_int_array([True, False], "ids"), TypeError, "ids must hold integers, got dtype bool"),
        (lambda: as_int_array([[1]], "ids", ndim=1), ValueError, r"ids must be 1-D, got shape \(1, 1\) \(2-D\)"),
        (lambda: as_int_array([0, 7], "ids", minimum=0, maximum=5), ValueError, r"ids must lie in \[0, 5\], got values from 0 to 7"),
        (lambda: as_int_array([-3], "ids", minimum=0), ValueError, r"ids must lie in \[0, inf\], got values from -3 to -3"),
        (lambda: require_shape(np.ones((2, 3)), (2, None, 1), "h"), ValueError, r"h must have shape \(2, any, 1\), got \(2, 3\)"),
        (lambda: require_int(2.0, "epochs"), TypeError, "epochs must be an integer, got float 2.0"),
        (lambda: require_int(True, "epochs"), TypeError, "epochs must be an integer, got bool True"),
        (lambda: require_int(0, "epochs", minimum=1), ValueError, "epochs must be >= 1, got 0"),
        (lambda: require_int(9, "k", maximum=8), ValueError, "k must be <= 8, got 9"),
        (lambda: require_choice("rnn", "cell", ("lstm", "gru")), ValueError, "cell must be one of 'lstm', 'gru', got 'rnn'"),
    ],
    ids=["float-int", "float-rank", "float-nan", "int-float", "int-bool", "int-rank", "int-high",
         "int-low", "shape", "int-float-scalar", "int-bool-scalar", "int-min", "int-max", "choice"],
)  # fmt: skip
def test_each_helper_refuses_what_it_promises_with_one_line(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_good_input_passes_through():
    assert as_float_array([1.5], "x").dtype == np.float64
    assert as_int_array([0, 5], "ids", minimum=0, maximum=5).tolist() == [0, 5]
    assert as_int_array(np.array([], dtype=np.int64), "ids", minimum=1).size == 0
    require_shape(np.ones((2, 3)), (2, None), "h")
    assert require_int(np.int64(3), "n", minimum=1) == 3
    assert require_choice("gru", "cell", ("lstm", "gru")) == "gru"
