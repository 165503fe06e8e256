"""Wrong answers to every exercise that no checker lists: written from the exercise's
task and solution alone, before reading the checkers' mistake lists (off by one step,
wrong axis, transposes, in-place writes, float32, batch-1-only code, hard-coded
outputs). Each must be rejected without a crash; ``PATTERN`` is what a sentence that
names the mistake would contain, and the share named is measured, not assumed.

Print the table with ``python tests/test_checks_unlisted.py``.
"""

from __future__ import annotations

import math
import re
import sys

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT
from rnnkit.data.synthetic import COPY_LENGTH, COPY_SYMBOLS
from rnnkit.reference import sigmoid

# --- 2.1 -----------------------------------------------------------------------


def shapes_h_n_batch_first(batch, time, features, hidden, num_layers, bidirectional):
    d = 2 if bidirectional else 1
    return (batch, time, d * hidden), (batch, num_layers * d, hidden)


def shapes_output_time_first(batch, time, features, hidden, num_layers, bidirectional):
    d = 2 if bidirectional else 1
    return (time, batch, d * hidden), (num_layers * d, batch, hidden)


def shapes_h_n_without_layers(batch, time, features, hidden, num_layers, bidirectional):
    d = 2 if bidirectional else 1
    return (batch, time, d * hidden), (d, batch, hidden)


def shapes_features_for_hidden(batch, time, features, hidden, num_layers, bidirectional):
    d = 2 if bidirectional else 1
    return (batch, time, d * features), (num_layers * d, batch, hidden)


def shapes_one_direction(batch, time, features, hidden, num_layers, bidirectional):
    return (batch, time, hidden), (num_layers, batch, hidden)


# --- 2.2 -----------------------------------------------------------------------


def _count(maps, biases_fn, recurrent=True, swap=False):
    def param_count(cell, input_size, hidden_size, framework):
        m = maps[cell]
        biases = biases_fn(cell, framework)
        rec = (input_size if swap else hidden_size) * hidden_size if recurrent else 0
        return m * (input_size * hidden_size + rec + biases * hidden_size)

    return param_count


MAPS = {"rnn": 1, "lstm": 4, "gru": 3}


def _right_biases(cell, framework):
    return 2 if framework == "torch" or cell == "gru" else 1


count_lstm_three_maps = _count({"rnn": 1, "lstm": 3, "gru": 3}, _right_biases)
count_no_recurrent = _count(MAPS, _right_biases, recurrent=False)
count_input_squared = _count(MAPS, _right_biases, swap=True)
count_keras_gru_one_bias = _count(MAPS, lambda c, f: 2 if f == "torch" else 1)
count_gru_two_maps = _count({"rnn": 1, "lstm": 4, "gru": 2}, _right_biases)


# --- 3.1 -----------------------------------------------------------------------


def _backward(da_fn=None, db_reduce="sum", dW_T=False, dh_U=False, dx_scale=1.0):
    def rnn_step_backward(dh_t, cache, params):
        x_t, h_prev, h_t = cache
        da_t = dh_t * (1.0 - h_t**2) if da_fn is None else da_fn(dh_t, h_prev, h_t)
        dW = (x_t.T @ da_t).T if dW_T else x_t.T @ da_t
        db = da_t.sum(axis=0) if db_reduce == "sum" else da_t.mean(axis=0)
        grads = {"W": dW, "U": h_prev.T @ da_t, "b": db}
        dx_t = dx_scale * da_t @ params["W"].T
        dh_prev = da_t @ (params["U"] if dh_U else params["U"].T)
        return dx_t, dh_prev, grads

    return rnn_step_backward


backward_tanh_at_h_prev = _backward(da_fn=lambda dh, hp, h: dh * (1.0 - hp**2))
backward_db_mean = _backward(db_reduce="mean")
backward_dW_transposed = _backward(dW_T=True)
backward_dh_prev_untransposed_U = _backward(dh_U=True)
backward_dx_sign_flipped = _backward(dx_scale=-1.0)


# --- 5.1 -----------------------------------------------------------------------


def _lstm(variant):
    def lstm_step(x_t, h_prev, c_prev, params):
        def gate(k):
            U = params[f"U_{k}"].T if variant == "U_T" else params[f"U_{k}"]
            return x_t @ params[f"W_{k}"] + h_prev @ U + params[f"b_{k}"]

        i_t, f_t, o_t = (sigmoid(gate(k)) for k in "ifo")
        if variant == "swap_if":
            i_t, f_t = f_t, i_t
        g_t = sigmoid(gate("g")) if variant == "sigmoid_g" else np.tanh(gate("g"))
        c_t = f_t * c_prev + i_t * g_t
        h_t = o_t * c_t if variant == "no_tanh" else o_t * np.tanh(c_t)
        if variant == "float32":
            return h_t.astype(np.float32), c_t.astype(np.float32)
        if variant == "order":
            return c_t, h_t
        return h_t, c_t

    return lstm_step


lstm_swapped_i_f = _lstm("swap_if")
lstm_sigmoid_candidate = _lstm("sigmoid_g")
lstm_no_tanh_on_c = _lstm("no_tanh")
lstm_U_transposed = _lstm("U_T")
lstm_returns_c_h = _lstm("order")


# --- 6.1 -----------------------------------------------------------------------


def _gru(variant):
    def gru_step(x_t, h_prev, params, reset_after):
        p = params
        z_t = sigmoid(x_t @ p["W_z"] + h_prev @ p["U_z"] + p["b_z"])
        r_t = sigmoid(x_t @ p["W_r"] + h_prev @ p["U_r"] + p["b_r"])
        if variant == "always_before":
            reset_after = False
        if reset_after:
            b_Uh = 0.0 if variant == "no_b_Uh" else p["b_Uh"]
            h_tilde = np.tanh(x_t @ p["W_h"] + p["b_h"] + r_t * (h_prev @ p["U_h"] + b_Uh))
        else:
            h_tilde = np.tanh(x_t @ p["W_h"] + (r_t * h_prev) @ p["U_h"] + p["b_h"])
        if variant == "z_swapped":
            return z_t * h_tilde + (1 - z_t) * h_prev
        if variant == "h_tilde":
            return h_tilde
        if variant == "in_place":
            h_prev *= z_t
            h_prev += (1 - z_t) * h_tilde
            return h_prev
        return z_t * h_prev + (1 - z_t) * h_tilde

    return gru_step


gru_z_convention_swapped = _gru("z_swapped")
gru_ignores_reset_after = _gru("always_before")
gru_no_recurrent_bias = _gru("no_b_Uh")
gru_returns_candidate = _gru("h_tilde")
gru_in_place = _gru("in_place")


# --- 7.1 -----------------------------------------------------------------------


def temperature_times_tau(logits, tau):
    z = np.asarray(logits, dtype=float) * tau
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def temperature_axis_0(logits, tau):
    z = np.asarray(logits, dtype=float) / tau
    w = np.exp(z - z.max(axis=0, keepdims=True))
    return w / w.sum(axis=0, keepdims=True)


def temperature_in_place(logits, tau):
    logits /= tau
    w = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def temperature_float32(logits, tau):
    z = np.asarray(logits, dtype=np.float32) / np.float32(tau)
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True)


def temperature_sum_everything(logits, tau):
    z = np.asarray(logits, dtype=float) / tau
    w = np.exp(z - z.max(axis=-1, keepdims=True))
    return w / w.sum()


# --- 8.1 -----------------------------------------------------------------------


def _valid(outputs, lengths, extra=0):
    return np.arange(outputs.shape[1])[None, :] < (lengths[:, None] + extra)


def mean_one_step_too_many(outputs, lengths):
    valid = _valid(outputs, lengths, extra=1)
    return (outputs * valid[..., None]).sum(axis=1) / lengths[:, None]


def mean_divides_by_T(outputs, lengths):
    return (outputs * _valid(outputs, lengths)[..., None]).sum(axis=1) / outputs.shape[1]


def mean_first_row_length(outputs, lengths):
    n = int(lengths[0])
    return outputs[:, :n].mean(axis=1)


def mean_over_hidden(outputs, lengths):
    return (outputs * _valid(outputs, lengths)[..., None]).sum(axis=2) / lengths[:, None]


def mean_divides_by_length_minus_one(outputs, lengths):
    total = (outputs * _valid(outputs, lengths)[..., None]).sum(axis=1)
    return total / np.maximum(lengths - 1, 1)[:, None]


# --- 8.2 -----------------------------------------------------------------------


def last_two_before(outputs, lengths):
    return outputs[np.arange(outputs.shape[0]), lengths - 2]


def last_row_zero_for_all(outputs, lengths):
    return outputs[0][lengths - 1]


def last_at_length_clipped(outputs, lengths):
    return outputs[np.arange(outputs.shape[0]), np.minimum(lengths, outputs.shape[1] - 1)]


def last_float32(outputs, lengths):
    return outputs[np.arange(outputs.shape[0]), lengths - 1].astype(np.float16)


def last_first_step(outputs, lengths):
    return outputs[:, 0]


# --- 9.1 -----------------------------------------------------------------------


def _windows(variant):
    def make_windows(series, window):
        series = np.asarray(series, dtype=float)
        n = len(series) - window - (1 if variant == "short" else 0)
        starts = np.arange(n)
        x = series[starts[:, None] + np.arange(window)]
        y = series[starts + window - (1 if variant == "target_last_input" else 0)]
        if variant == "x_time_first":
            return np.transpose(x[..., None], (1, 0, 2)), y[:, None]
        if variant == "x_scaled":
            return (x / series.max())[..., None], (y / series.max())[:, None]
        if variant == "reversed":
            return x[:, ::-1, None], y[:, None]
        return x[..., None], y[:, None]

    return make_windows


windows_target_is_last_input = _windows("target_last_input")
windows_one_short = _windows("short")
windows_time_first = _windows("x_time_first")
windows_normalised = _windows("x_scaled")
windows_reversed_in_time = _windows("reversed")


# --- 10.1 ----------------------------------------------------------------------


def copy_denominator_T_plus_10(T):
    return COPY_LENGTH * math.log(COPY_SYMBOLS) / (T + COPY_LENGTH)


def copy_log2(T):
    return COPY_LENGTH * math.log2(COPY_SYMBOLS) / (T + 2 * COPY_LENGTH)


def copy_counts_blank(T):
    return COPY_LENGTH * math.log(COPY_SYMBOLS + 1) / (T + 2 * COPY_LENGTH)


def copy_forgets_to_average(T):
    return COPY_LENGTH * math.log(COPY_SYMBOLS)


def copy_hard_coded(T):
    return 0.1732867951


# --- 11.1 ----------------------------------------------------------------------


def _attention(variant):
    def additive_attention(query, keys, mask, W_q, W_k, v):
        act = (lambda s: s) if variant == "no_tanh" else np.tanh
        scores = act((query @ W_q)[:, None, :] + keys @ W_k) @ v
        if variant == "mask_zero":
            scores = scores * mask
        elif variant != "no_mask":
            scores = np.where(mask, scores, -np.inf)
        axis = 0 if variant == "axis0" else 1
        weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
        weights /= weights.sum(axis=axis, keepdims=True)
        pool = np.mean if variant == "mean_context" else np.sum
        return pool(weights[:, :, None] * keys, axis=1), weights

    return additive_attention


attention_softmax_over_batch = _attention("axis0")
attention_ignores_mask = _attention("no_mask")
attention_masks_with_zero = _attention("mask_zero")
attention_mean_context = _attention("mean_context")
attention_no_tanh = _attention("no_tanh")


# --- 12.1 ----------------------------------------------------------------------


def _scan(variant):
    def linear_scan(a, b, h0):
        B, T, H = a.shape
        dtype = np.float32 if variant == "float32" else float
        h = np.zeros(H, dtype) if variant == "zero_h0" else h0.astype(dtype)
        out = np.zeros((B, T, H), dtype)
        for t in range(T):
            out[:, t] = h if variant == "late" else 0
            b_t = b[:, t - 1] if variant == "b_lag" and t > 0 else b[:, t]
            h = a[:, t] * h + b_t
            if variant != "late":
                out[:, t] = h
        if variant == "first_row":
            return np.broadcast_to(out[:1], out.shape).copy()
        return out

    return linear_scan


scan_returns_previous_state = _scan("late")
scan_b_one_step_late = _scan("b_lag")
scan_float32 = _scan("float32")
scan_ignores_h0 = _scan("zero_h0")
scan_first_row_for_all = _scan("first_row")


# --- 14.1 ----------------------------------------------------------------------


def _parity(K=8.0, W=None, u=None, b=None):
    def parity_weights():
        W_ = K * np.array([[0.5, -0.5], [0.5, -0.5]]) if W is None else W
        u_ = K * np.ones(2) if u is None else u
        b_ = K * np.array([-0.5, -1.5]) if b is None else b
        return W_, u_, b_

    return parity_weights


parity_small_gain = _parity(K=1.9)
parity_infinite_gain = _parity(K=np.inf)
parity_W_transposed = _parity(W=8.0 * np.array([[0.5, 0.5], [-0.5, -0.5]]))
parity_biases_swapped = _parity(b=8.0 * np.array([-1.5, -0.5]))
parity_no_input = _parity(u=np.zeros(2))


def parity_a_step_function(h, x):
    return np.tanh(8 * (h @ np.array([[0.5, 0.5], [-0.5, -0.5]]) + x[:, None]))


# --- 15.1 ----------------------------------------------------------------------


def _s4d(variant):
    def s4d_kernel(A, B, C, delta, length):
        A_bar = np.exp(delta[:, None] * A)
        if variant == "euler":
            B_bar = delta[:, None] * B
        else:
            B_bar = (A_bar - 1) / A * B
        start = 1 if variant == "from_one" else 0
        n = length - 1 if variant == "short" else length
        powers = A_bar[..., None] ** np.arange(start, start + n)
        K = np.einsum("hn,hnk->hk", C * B_bar, powers)
        if variant == "complex":
            return K
        if variant == "two_re":
            return 2 * K.real
        if variant == "transposed":
            return K.real.T
        return K.real

    return s4d_kernel


s4d_euler = _s4d("euler")
s4d_powers_from_one = _s4d("from_one")
s4d_keeps_complex = _s4d("complex")
s4d_conjugate_pairs = _s4d("two_re")
s4d_one_short = _s4d("short")
s4d_transposed = _s4d("transposed")


def s4d_complex64(A, B, C, delta, length):
    A, B, C = (np.asarray(v, np.complex64) for v in (A, B, C))
    delta = np.asarray(delta, np.float32)
    A_bar = np.exp(delta[:, None] * A)
    B_bar = (A_bar - 1) / A * B
    powers = A_bar[..., None] ** np.arange(length, dtype=np.float32)
    return np.einsum("hn,hnk->hk", C * B_bar, powers).real


# --- the table -------------------------------------------------------------------

SHIFT = r"shift|step (late|early)|one (step|element) (short|long|too)|off by one"
TRANSPOSE = r"transpos|axes|wrong axis|permut"
SCALE = r"factor|times|sign|scaled|offset"
PRECISION = r"precision|float32|float16"
FIRST = r"first (batch |time )?(row|step)"
REDUCE = r"reduc|summed|averaged|mean|axis"

# (checker, wrong answer, pattern a naming sentence would contain)
WRONG = [
    ("check_torch_gru_shapes", shapes_h_n_batch_first, r"batch|order|swap|" + TRANSPOSE),
    ("check_torch_gru_shapes", shapes_output_time_first, r"batch|order|swap|" + TRANSPOSE),
    ("check_torch_gru_shapes", shapes_h_n_without_layers, r"layer"),
    ("check_torch_gru_shapes", shapes_features_for_hidden, r"feature|input size"),
    ("check_torch_gru_shapes", shapes_one_direction, r"bidirectional|direction"),
    ("check_param_count", count_lstm_three_maps, r"lstm|four|4|gate"),
    ("check_param_count", count_no_recurrent, r"recurrent|hidden_size \* hidden_size|h_\{t-1\}"),
    ("check_param_count", count_input_squared, r"input_size|recurrent"),
    ("check_param_count", count_keras_gru_one_bias, r"bias|reset_after"),
    ("check_param_count", count_gru_two_maps, r"gru|three|3|gate"),
    ("check_rnn_step_backward", backward_tanh_at_h_prev, r"h_prev|h_\{t-1\}|tanh"),
    ("check_rnn_step_backward", backward_db_mean, SCALE + r"|mean|sum"),
    ("check_rnn_step_backward", backward_dW_transposed, TRANSPOSE),
    ("check_rnn_step_backward", backward_dh_prev_untransposed_U, TRANSPOSE),
    ("check_rnn_step_backward", backward_dx_sign_flipped, SCALE),
    ("check_lstm_step", lstm_swapped_i_f, r"swap|input gate|forget gate"),
    ("check_lstm_step", lstm_sigmoid_candidate, r"sigmoid|tanh|candidate"),
    ("check_lstm_step", lstm_no_tanh_on_c, r"tanh"),
    ("check_lstm_step", lstm_U_transposed, TRANSPOSE),
    ("check_lstm_step", lstm_returns_c_h, r"order|swap|\(h_t, c_t\)"),
    ("check_gru_step", gru_z_convention_swapped, r"z_t|1 - z|swap|convention"),
    ("check_gru_step", gru_ignores_reset_after, r"reset_after|reset.before|reset.after"),
    ("check_gru_step", gru_no_recurrent_bias, r"b_Uh|bias"),
    ("check_gru_step", gru_returns_candidate, r"candidate|h_tilde|interpolat"),
    ("check_gru_step", gru_in_place, r"modified its input"),
    ("check_apply_temperature", temperature_times_tau, r"tau|τ|multipl"),
    ("check_apply_temperature", temperature_axis_0, TRANSPOSE + r"|axis"),
    ("check_apply_temperature", temperature_in_place, r"modified its input"),
    ("check_apply_temperature", temperature_sum_everything, REDUCE + "|" + SCALE),
    ("check_masked_mean", mean_one_step_too_many, SHIFT + r"|one step|padding|length"),
    ("check_masked_mean", mean_divides_by_T, SCALE + r"|divid|length"),
    ("check_masked_mean", mean_first_row_length, FIRST + r"|lengths\[0\]"),
    ("check_masked_mean", mean_over_hidden, REDUCE),
    ("check_masked_mean", mean_divides_by_length_minus_one, SCALE + r"|divid|length"),
    ("check_last_valid_state", last_two_before, SHIFT),
    ("check_last_valid_state", last_row_zero_for_all, FIRST),
    ("check_last_valid_state", last_at_length_clipped, SHIFT),
    ("check_last_valid_state", last_float32, PRECISION),
    ("check_last_valid_state", last_first_step, FIRST + "|" + SHIFT),
    ("check_make_windows", windows_target_is_last_input, SHIFT + r"|target"),
    ("check_make_windows", windows_one_short, SHIFT + r"|window"),
    ("check_make_windows", windows_time_first, TRANSPOSE),
    ("check_make_windows", windows_normalised, SCALE),
    ("check_make_windows", windows_reversed_in_time, r"revers|order"),
    ("check_copy_baseline", copy_denominator_T_plus_10, r"denominator|T \+|length"),
    ("check_copy_baseline", copy_log2, r"log|bits|nats|" + SCALE),
    ("check_copy_baseline", copy_counts_blank, r"blank|9|symbol"),
    ("check_copy_baseline", copy_forgets_to_average, r"average|per step|divid"),
    ("check_copy_baseline", copy_hard_coded, r"hard|only|one case|every T|depend"),
    ("check_additive_attention", attention_softmax_over_batch, TRANSPOSE + r"|axis"),
    ("check_additive_attention", attention_ignores_mask, r"mask|padding"),
    ("check_additive_attention", attention_masks_with_zero, r"mask|padding|-inf"),
    ("check_additive_attention", attention_mean_context, SCALE + r"|mean|sum"),
    ("check_additive_attention", attention_no_tanh, r"tanh"),
    ("check_linear_scan", scan_returns_previous_state, SHIFT),
    ("check_linear_scan", scan_b_one_step_late, SHIFT + r"|b_\{t-1\}|b_t"),
    ("check_linear_scan", scan_ignores_h0, r"h0|h_0|initial"),
    ("check_linear_scan", scan_first_row_for_all, FIRST),
    ("check_parity_weights", parity_small_gain, r"gain|drift|larger|weights"),
    ("check_parity_weights", parity_infinite_gain, r"finite|inf|nan"),
    ("check_parity_weights", parity_W_transposed, TRANSPOSE + r"|logic"),
    ("check_parity_weights", parity_biases_swapped, r"bias|logic|OR|AND"),
    ("check_parity_weights", parity_no_input, r"u\b|input|bit|logic"),
    ("check_parity_weights", parity_a_step_function, r"argument|weights|\(W, u, b\)"),
    ("check_s4d_kernel", s4d_euler, r"zero-order|ZOH|Euler|B_bar|B̄"),
    ("check_s4d_kernel", s4d_powers_from_one, SHIFT),
    ("check_s4d_kernel", s4d_keeps_complex, r"complex|imaginary|real"),
    ("check_s4d_kernel", s4d_conjugate_pairs, r"conjugate|2·Re|" + SCALE),
    ("check_s4d_kernel", s4d_one_short, SHIFT + r"|length"),
    ("check_s4d_kernel", s4d_transposed, TRANSPOSE),
]

# Right answers computed in a lower precision: they pass, or are told only precision differs.
LOWER_PRECISION = [
    ("check_apply_temperature", temperature_float32),
    ("check_linear_scan", scan_float32),
    ("check_s4d_kernel", s4d_complex64),
]


_GENERIC = (
    r"[^;|:]* differs most at [^;|]*?\(off by [^)]*\)",  # where and by how much
    r"[^;|:]* should have shape \([^)]*\)( = \([^)]*\))?, got \([^)]*\)",
    r"expected [^;|]*, got [^;|]*",
)


def _beyond_the_numbers(messages: list[str]) -> str:
    """The feedback less the case's label and the generic "where and by how much": what
    is left must name the mistake for it to count as named."""
    first = messages[0].split(": ", 1)[-1]
    text = " | ".join([first, *messages[1:]])
    for generic in _GENERIC:
        text = re.sub(generic, "", text)
    return text


def _verdict(checker: str, wrong, pattern: str) -> tuple[str, str]:
    """(verdict, feedback): "false pass", "crash", "named" or "unnamed"."""
    try:
        result = getattr(checks, checker)(wrong)
    except Exception as error:
        return "crash", f"{type(error).__name__}: {error}"
    feedback = " | ".join(result.messages)
    if result.status == CORRECT:
        return "false pass", feedback
    named = re.search(pattern, _beyond_the_numbers(result.messages), re.IGNORECASE) is not None
    return ("named" if named else "unnamed"), feedback


@pytest.mark.parametrize(
    ("checker", "wrong", "pattern"), WRONG, ids=lambda v: getattr(v, "__name__", "")
)
def test_an_unlisted_wrong_answer_is_rejected_without_a_crash(checker, wrong, pattern):
    verdict, feedback = _verdict(checker, wrong, pattern)
    assert verdict not in ("false pass", "crash"), feedback


@pytest.mark.parametrize(("checker", "right"), LOWER_PRECISION)
def test_a_right_answer_in_lower_precision_passes_or_is_told_only_precision_differs(checker, right):
    result = getattr(checks, checker)(right)
    assert result.status == CORRECT or "only precision differs" in " ".join(result.messages)


def test_most_unlisted_mistakes_are_named():
    verdicts = [_verdict(*entry)[0] for entry in WRONG]
    assert verdicts.count("named") / len(verdicts) >= 0.6, verdicts


if __name__ == "__main__":
    tally: dict[str, int] = {}
    for checker, wrong, pattern in WRONG:
        verdict, feedback = _verdict(checker, wrong, pattern)
        tally[verdict] = tally.get(verdict, 0) + 1
        print(f"{verdict:10s} {wrong.__name__:38s} {feedback[:300]}")
    print(tally, f"named {tally.get('named', 0)} of {len(WRONG)}")
    sys.exit(0)
