"""Exercises of chapter 08 (text classification): reading a padded batch of outputs.

An LSTM run over a right-padded batch returns ``outputs`` of shape (batch, time,
hidden) whose rows are only valid for their first ``lengths[b]`` steps; what lies
beyond is padding (zeros after ``pad_packed_sequence``, a repeated state in Keras, or
whatever an unmasked LSTM made of the pad tokens). Two ways to turn a row into one
vector must ignore that padding:

* :func:`masked_mean_reference`: ``m_b = (1 / len_b) Σ_{t < len_b} outputs[b, t]``;
* :func:`last_valid_state_reference`: ``outputs[b, len_b - 1]``.

The cases fill the padded steps with large non-zero values, so any answer that reads
them is visibly wrong (:func:`~rnnkit.checks.core.run_check` hands the learner
read-only copies). Each known mistake is a function that makes it, so the feedback
can name it.
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check

_AXES = ("batch", "hidden")


def _valid(outputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``(B, T, 1)`` float mask, 1 on each row's first ``lengths[b]`` steps."""
    steps = np.arange(outputs.shape[1])  # (T,)
    return (steps[None, :] < np.asarray(lengths)[:, None])[..., None].astype(float)  # (B, T, 1)


# ---------------------------------------------------------------------------
# Exercise 8.1: the mean over valid steps
# ---------------------------------------------------------------------------


def masked_mean_reference(outputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``(B, H)`` mean of ``outputs`` (B, T, H) over the first ``lengths[b]`` steps of row ``b``."""
    mask = _valid(outputs, lengths)  # (B, T, 1)
    return (outputs * mask).sum(axis=1) / np.asarray(lengths, dtype=float)[:, None]  # (B, H)


def _mean_all_steps(outputs, lengths):
    return outputs.mean(axis=1)  # (B, H), padding included


def _divide_by_max_length(outputs, lengths):
    return (outputs * _valid(outputs, lengths)).sum(axis=1) / outputs.shape[1]  # (B, H)


def _one_padding_step_too_many(outputs, lengths):
    mask = _valid(outputs, np.minimum(np.asarray(lengths) + 1, outputs.shape[1]))  # t <= len
    return (outputs * mask).sum(axis=1) / np.asarray(lengths, dtype=float)[:, None]


def _one_valid_step_too_few(outputs, lengths):
    mask = _valid(outputs, np.asarray(lengths) - 1)  # t < len - 1
    return (outputs * mask).sum(axis=1) / np.asarray(lengths, dtype=float)[:, None]


def _mean_over_batch(outputs, lengths):
    return (outputs * _valid(outputs, lengths)).sum(axis=0) / outputs.shape[0]  # (T, H)


def _lengths_without_axis(outputs, lengths):  # (B, H) / (B,): fails to broadcast
    return (outputs * _valid(outputs, lengths)).sum(axis=1) / lengths


def _sum_not_mean(outputs, lengths):
    return (outputs * _valid(outputs, lengths)).sum(axis=1)  # (B, H), never divided


def _mean_of_padding(outputs, lengths):
    padding = 1.0 - _valid(outputs, lengths)  # (B, T, 1): t >= length
    with np.errstate(divide="ignore", invalid="ignore"):
        return (outputs * padding).sum(axis=1) / padding.sum(axis=1)  # 0 / 0 on full rows


MASKED_MEAN_MISTAKES = [
    (
        "average over all time steps, padding included (outputs.mean(axis=1))",
        _mean_all_steps,
    ),
    (
        "sum the valid steps but divide by the padded length T instead of each row's length",
        _divide_by_max_length,
    ),
    (
        "keep the steps t <= length (one padding step too many) instead of t < length",
        _one_padding_step_too_many,
    ),
    (
        "keep the steps t < length - 1 (the last word is lost) instead of t < length",
        _one_valid_step_too_few,
    ),
    ("average over the batch axis (axis=0) instead of the time axis (axis=1)", _mean_over_batch),
    ("sum the valid steps without dividing by each row's length", _sum_not_mean),
    (
        "divide the (batch, hidden) sums by lengths of shape (batch,): NumPy aligns the "
        "last axes, so divide by lengths[:, None]",
        _lengths_without_axis,
    ),
    (
        "average the padding steps (t >= length) instead of the valid ones (t < length); "
        "a row without padding then averages nothing, 0 / 0 = NaN",
        _mean_of_padding,
    ),
]


def _case(label: str, seed: int, lengths: list[int], time: int, hidden_size: int) -> Case:
    """Outputs in (-1, 1) on valid steps (as an LSTM's are) and large junk on padding."""
    rng = np.random.default_rng(seed)
    lengths_arr = np.array(lengths, dtype=np.int64)
    outputs = np.tanh(rng.normal(size=(len(lengths), time, hidden_size)))  # (B, T, H)
    junk = rng.uniform(2.0, 5.0, size=outputs.shape) * rng.choice([-1.0, 1.0], size=outputs.shape)
    outputs = np.where(_valid(outputs, lengths_arr) > 0, outputs, junk)
    return Case(label, (outputs, lengths_arr))


# lengths never all equal T (padding matters) and never all equal (per-row lengths
# matter); the first case has no full-length row, so an off-by-one index stays in range.
CASES = [
    _case("batch=3, time=6, hidden=4, lengths=[2, 5, 3]", 81, [2, 5, 3], 6, 4),
    _case("batch=4, time=5, hidden=2, lengths=[5, 1, 3, 4]", 82, [5, 1, 3, 4], 5, 2),
    _case("batch=2, time=7, hidden=3, lengths=[7, 4]", 83, [7, 4], 7, 3),
]


def check_masked_mean(fn) -> CheckResult:
    """Check ``fn(outputs, lengths) -> (batch, hidden)``, the mean over valid steps.

    ``outputs`` is float64 (batch, time, hidden), ``lengths`` int64 (batch,) with
    ``1 <= lengths[b] <= time``; the answer must match :func:`masked_mean_reference`.
    """
    return run_check(
        "Exercise 8.1 (mean over the valid steps)",
        fn,
        masked_mean_reference,
        CASES,
        lambda got, expected: compare_arrays(got, expected, "the mean", _AXES),
        MASKED_MEAN_MISTAKES,
    )


# ---------------------------------------------------------------------------
# Exercise 8.2: the last valid state
# ---------------------------------------------------------------------------


def last_valid_state_reference(outputs: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``(B, H)``: row ``b`` of ``outputs`` (B, T, H) at step ``lengths[b] - 1``."""
    rows = np.arange(outputs.shape[0])  # (B,)
    return outputs[rows, np.asarray(lengths) - 1]  # (B, H)


def _last_step(outputs, lengths):
    return outputs[:, -1]  # (B, H): padding for every short row


def _step_at_length(outputs, lengths):
    rows = np.arange(outputs.shape[0])
    return outputs[rows, np.minimum(lengths, outputs.shape[1] - 1)]  # one step late


def _first_step(outputs, lengths):
    return outputs[:, 0]


def _mean_of_valid(outputs, lengths):
    return masked_mean_reference(outputs, lengths)  # exercise 8.1's readout


def _rows_by_length(outputs, lengths):  # the two indices in the wrong order
    return outputs[np.asarray(lengths) - 1, np.arange(outputs.shape[0])]


def _longest_row_step(outputs, lengths):
    return outputs[:, int(np.max(lengths)) - 1]  # (B, H): one step for every row


def _without_row_index(outputs, lengths):
    return outputs[:, np.asarray(lengths) - 1]  # (B, B, H): every row at every length


LAST_STATE_MISTAKES = [
    (
        "take outputs[:, -1], the last padded step, which is padding for every shorter row",
        _last_step,
    ),
    (
        "index with lengths instead of lengths - 1 (off by one: the step after the last word)",
        _step_at_length,
    ),
    ("take outputs[:, 0], the first step", _first_step),
    (
        "index outputs[lengths - 1, rows]: the first index is the batch row, the second "
        "the time step, outputs[np.arange(batch), lengths - 1]",
        _rows_by_length,
    ),
    (
        "take one step, lengths.max() - 1, for every row: each row has its own last step",
        _longest_row_step,
    ),
    (
        "write outputs[:, lengths - 1], which picks every row at every length, shape "
        "(batch, batch, hidden); index the rows too: outputs[np.arange(batch), lengths - 1]",
        _without_row_index,
    ),
    (
        "average the valid steps (the readout of exercise 8.1) instead of taking the last "
        "one, outputs[b, lengths[b] - 1]",
        _mean_of_valid,
    ),
]


def check_last_valid_state(fn) -> CheckResult:
    """Check ``fn(outputs, lengths) -> (batch, hidden)``, each row at its last valid step.

    Inputs as in :func:`check_masked_mean`; the answer must match
    :func:`last_valid_state_reference`.
    """
    return run_check(
        "Exercise 8.2 (the last valid state)",
        fn,
        last_valid_state_reference,
        CASES,
        lambda got, expected: compare_arrays(got, expected, "the last state", _AXES),
        LAST_STATE_MISTAKES,
    )
