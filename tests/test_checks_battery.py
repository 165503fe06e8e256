"""A battery of plausible wrong answers to every exercise, written as a learner would
write them (not taken from the checkers' own mistake lists), and the verdict each must
get: never a pass, never a crash, and, where an entry gives a fragment, feedback that
names the mistake. Right answers in other forms (tuples as arrays, a number as a
one-element array) must pass.

Print the table with ``python tests/test_checks_battery.py``.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest

from rnnkit import checks
from rnnkit.checks import CORRECT, INCORRECT
from rnnkit.reference import sigmoid

FALSE_PASS, CRASH, NAMED, UNNAMED, MISNAMED = (
    "false pass",
    "crash",
    "named",
    "unnamed-but-rejected",
    "misnamed",
)

# --- 2.1: torch.nn.GRU shapes ---------------------------------------------------


def _shapes(out, state):
    def gru_shapes(batch, time, features, hidden, num_layers, bidirectional):
        d = 2 if bidirectional else 1
        return out(batch, time, features, hidden, num_layers, d), state(
            batch, hidden, num_layers, d
        )

    return gru_shapes


def _good_out(b, t, f, h, n, d):
    return (b, t, d * h)


def _good_state(b, h, n, d):
    return (n * d, b, h)


def gru_shapes_swapped(batch, time, features, hidden, num_layers, bidirectional):
    d = 2 if bidirectional else 1
    return (num_layers * d, batch, hidden), (batch, time, d * hidden)


def gru_shapes_no_bidirectional(batch, time, features, hidden, num_layers, bidirectional):
    return (batch, time, hidden), (num_layers, batch, hidden)


SHAPES = [
    ("h_n batch-first", _shapes(_good_out, lambda b, h, n, d: (b, n * d, h)), "h_n batch-first"),
    ("output without the 2 directions", _shapes(lambda b, t, f, h, n, d: (b, t, h), _good_state), "concatenates both directions in the output"),
    ("h_n one per layer", _shapes(_good_out, lambda b, h, n, d: (n, b, h)), "direction factor out of h_n"),
    ("h_n of the last layer only", _shapes(_good_out, lambda b, h, n, d: (d, b, h)), "last layer only"),
    ("output time-major", _shapes(lambda b, t, f, h, n, d: (t, b, d * h), _good_state), "time-major"),
    ("(h_n, output) order", gru_shapes_swapped, "in the order nn.GRU returns"),
    ("output width times layers", _shapes(lambda b, t, f, h, n, d: (b, t, n * d * h), _good_state), "number of layers"),
    ("h_n with both directions concatenated", _shapes(_good_out, lambda b, h, n, d: (n, b, d * h)), "h_n as in the output"),
    ("bidirectional ignored", gru_shapes_no_bidirectional, "leave bidirectional out altogether"),
    ("output width = features", _shapes(lambda b, t, f, h, n, d: (b, t, d * f), _good_state), None),
]  # fmt: skip

# --- 2.2: parameter counts ------------------------------------------------------

GATE_COUNT = {"rnn": 1, "lstm": 4, "gru": 3}


def _count(biases: Callable, weights: Callable = lambda i, h: i * h + h * h, gates=GATE_COUNT):
    def param_count(cell, input_size, hidden_size, framework):
        return gates[cell] * (
            weights(input_size, hidden_size) + biases(cell, framework) * hidden_size
        )

    return param_count


def _right_biases(cell, framework):
    return 2 if framework == "torch" or cell == "gru" else 1


COUNTS = [
    # "give PyTorch one bias per gate" matches the first case only (Keras's GRU has two)
    ("one bias per gate everywhere", _count(lambda c, fw: 1), None),
    ("no recurrent weights", _count(_right_biases, lambda i, h: i * h), "forget the recurrent weights U"),
    ("GRU with 4 gates", _count(_right_biases, gates={"rnn": 1, "lstm": 4, "gru": 4}), "give the GRU four gates"),
    ("Keras GRU with one bias", _count(lambda c, fw: 2 if fw == "torch" else 1), "give Keras's GRU one bias"),
    ("no biases", _count(lambda c, fw: 0), "leave out the biases"),
    ("W as hidden x hidden", _count(_right_biases, lambda i, h: 2 * h * h), "size the input weights W as hidden x hidden"),
    ("no gate factor", _count(_right_biases, gates={"rnn": 1, "lstm": 1, "gru": 1}), "count one set of weights"),
    ("two biases in Keras too", _count(lambda c, fw: 2), "give Keras two biases per gate"),
    ("LSTM with 3 gates", _count(_right_biases, gates={"rnn": 1, "lstm": 3, "gru": 3}), "give the LSTM three gates"),
    ("input and hidden added, not multiplied", _count(_right_biases, lambda i, h: i + h), None),
]  # fmt: skip

# --- 3.1: the backward step of the vanilla RNN ---------------------------------


def _backward(
    derivative=lambda h: 1.0 - h**2,
    dW=lambda x, da: x.T @ da,
    db=lambda da: da.sum(axis=0),
    U_back=lambda U: U.T,
    back_from_da=True,
    keys="WUb",
):
    def rnn_step_backward(dh_t, cache, params):
        x_t, h_prev, h_t = cache
        da = dh_t * derivative(h_t)
        g = da if back_from_da else dh_t
        grads = dict(zip(keys, (dW(x_t, da), dW(h_prev, da), db(da)), strict=True))
        return g @ params["W"].T, g @ U_back(params["U"]), grads

    return rnn_step_backward


def backward_da_in_place(dh_t, cache, params):
    x_t, h_prev, h_t = cache
    da = dh_t
    da *= 1.0 - h_t**2  # updates dh_t itself
    grads = {"W": x_t.T @ da, "U": h_prev.T @ da, "b": da.sum(axis=0)}
    return da @ params["W"].T, da @ params["U"].T, grads


def backward_grads_as_list(dh_t, cache, params):
    dx, dh, grads = _backward()(dh_t, cache, params)
    return dx, dh, [grads["W"], grads["U"], grads["b"]]


BPTT = [
    ("da updated in place", backward_da_in_place, "your function modified its input"),
    ("no tanh derivative", _backward(derivative=lambda h: 1.0), "forget the tanh derivative"),
    ("1 - tanh(h)^2", _backward(derivative=lambda h: 1.0 - np.tanh(h) ** 2), "apply tanh once more"),
    ("U not transposed", _backward(U_back=lambda U: U), "forget to transpose U"),
    ("dW = da.T @ x", _backward(dW=lambda x, da: da.T @ x), "compute dW = da_t.T @ x_t"),
    ("db over axis 1", _backward(db=lambda da: da.sum(axis=1)), "over the hidden axis"),
    ("db averaged", _backward(db=lambda da: da.mean(axis=0)), "average the bias gradient"),
    ("lower-case keys", _backward(keys="wub"), "grads should be a dict with keys 'W', 'U', 'b'"),
    ("grads as a list", backward_grads_as_list, "grads should be a dict"),
    ("dh_t sent back, not da", _backward(back_from_da=False), "send dh_t instead of da_t"),
    ("sigmoid derivative", _backward(derivative=lambda h: h * (1.0 - h)), "sigmoid's derivative"),
]  # fmt: skip

# --- 5.1: the LSTM step ----------------------------------------------------------


def _lstm(cell=None, hidden=None, gates=None, recurrent=lambda h, U: h @ U, swap_wu=False):
    def lstm_step(x_t, h_prev, c_prev, params):
        def pre(k):
            W, U = params[f"W_{k}"], params[f"U_{k}"]
            if swap_wu:
                W, U = U, W
            return x_t @ W + recurrent(h_prev, U) + params[f"b_{k}"]

        names = gates or {"i": "i", "f": "f", "o": "o"}
        i_t, f_t, o_t = (sigmoid(pre(names[k])) for k in "ifo")
        g_t = np.tanh(pre("g"))
        c_t = cell(i_t, f_t, g_t, c_prev) if cell else f_t * c_prev + i_t * g_t
        h_t = hidden(o_t, c_t, c_prev) if hidden else o_t * np.tanh(c_t)
        return h_t, c_t

    return lstm_step


def lstm_c_in_place(x_t, h_prev, c_prev, params):
    h_t, c_t = _lstm()(x_t, h_prev, c_prev, params)
    c_prev *= 0.0
    c_prev += c_t  # "update the cell"
    return h_t, c_prev


def lstm_returns_c_h(x_t, h_prev, c_prev, params):
    h_t, c_t = _lstm()(x_t, h_prev, c_prev, params)
    return c_t, h_t


def lstm_sigmoid_candidate(x_t, h_prev, c_prev, params):
    def pre(k):
        return x_t @ params[f"W_{k}"] + h_prev @ params[f"U_{k}"] + params[f"b_{k}"]

    i_t, f_t, g_t, o_t = (sigmoid(pre(k)) for k in "ifgo")
    c_t = f_t * c_prev + i_t * g_t
    return o_t * np.tanh(c_t), c_t


LSTM = [
    ("h from c_prev", _lstm(hidden=lambda o, c, c_prev: o * np.tanh(c_prev)), "read h_t from the previous cell"),
    ("tanh(o * c)", _lstm(hidden=lambda o, c, c_prev: np.tanh(o * c)), "take the tanh after the gate"),
    ("U transposed", _lstm(recurrent=lambda h, U: h @ U.T), "transpose the recurrent weights"),
    ("f and o swapped", _lstm(gates={"i": "i", "f": "o", "o": "f"}), "swap the roles of f_t and o_t"),
    ("no forget gate", _lstm(cell=lambda i, f, g, c: c + i * g), "forget the forget gate"),
    ("returns (c, h)", lstm_returns_c_h, "return (c_t, h_t)"),
    ("sigmoid candidate", lstm_sigmoid_candidate, "sigmoid instead of tanh for the candidate"),
    ("c_prev updated in place", lstm_c_in_place, "your function modified its input"),
    ("W and U swapped", _lstm(swap_wu=True), "swap W and U"),
    ("h = o * c", _lstm(hidden=lambda o, c, c_prev: o * c), "leave out the tanh of the cell"),
    ("c = f * c + g (no input gate)", _lstm(cell=lambda i, f, g, c: f * c + g), None),
]  # fmt: skip

# --- 6.1: the GRU step -------------------------------------------------------------


def _gru(candidate=None, mix=None, z_act=sigmoid, recurrent=lambda h, U: h @ U):
    def gru_step(x_t, h_prev, params, reset_after):
        p = params
        z_t = z_act(x_t @ p["W_z"] + recurrent(h_prev, p["U_z"]) + p["b_z"])
        r_t = sigmoid(x_t @ p["W_r"] + recurrent(h_prev, p["U_r"]) + p["b_r"])
        if candidate is not None:
            h_tilde = candidate(x_t, h_prev, r_t, p, reset_after)
        elif reset_after:
            h_tilde = np.tanh(
                x_t @ p["W_h"] + p["b_h"] + r_t * (recurrent(h_prev, p["U_h"]) + p["b_Uh"])
            )
        else:
            h_tilde = np.tanh(x_t @ p["W_h"] + recurrent(r_t * h_prev, p["U_h"]) + p["b_h"])
        return mix(z_t, h_prev, h_tilde) if mix else z_t * h_prev + (1 - z_t) * h_tilde

    return gru_step


def _after_always(x_t, h_prev, r_t, p, reset_after):
    return np.tanh(x_t @ p["W_h"] + p["b_h"] + r_t * (h_prev @ p["U_h"] + p["b_Uh"]))


def _before_always(x_t, h_prev, r_t, p, reset_after):
    return np.tanh(x_t @ p["W_h"] + (r_t * h_prev) @ p["U_h"] + p["b_h"])


def _branches_swapped(x_t, h_prev, r_t, p, reset_after):
    if reset_after:
        return _before_always(x_t, h_prev, r_t, p, reset_after)
    return np.tanh(x_t @ p["W_h"] + p["b_h"] + r_t * (h_prev @ p["U_h"]))


def _no_b_uh(x_t, h_prev, r_t, p, reset_after):
    if reset_after:
        return np.tanh(x_t @ p["W_h"] + p["b_h"] + r_t * (h_prev @ p["U_h"]))
    return _before_always(x_t, h_prev, r_t, p, reset_after)


def gru_h_prev_in_place(x_t, h_prev, params, reset_after):
    h_t = _gru()(x_t, h_prev, params, reset_after)
    h_prev[...] = h_t  # "carry the state"
    return h_prev


GRU = [
    ("z and 1 - z swapped", _gru(mix=lambda z, h, ht: (1 - z) * h + z * ht), "swap z_t and 1 - z_t"),
    ("always reset-after, b_Uh indexed", _gru(candidate=_after_always), "use the reset-after form"),
    ("always reset-before", _gru(candidate=_before_always), "use the reset-before form"),
    # "use the reset-before form" describes the first case only: not named
    ("branches swapped", _gru(candidate=_branches_swapped), None),
    ("tanh update gate", _gru(z_act=np.tanh), "tanh instead of sigmoid for the update gate"),
    ("U transposed", _gru(recurrent=lambda h, U: h @ U.T), "transpose the recurrent weights"),
    ("no b_Uh", _gru(candidate=_no_b_uh), "leave out b_Uh"),
    ("no reset gate", _gru(candidate=lambda x, h, r, p, ra: np.tanh(x @ p["W_h"] + h @ p["U_h"] + p["b_h"])), None),
    ("h_prev updated in place", gru_h_prev_in_place, "your function modified its input"),
    ("h_t = z * h_tilde", _gru(mix=lambda z, h, ht: z * ht), None),
]  # fmt: skip

# --- 7.1: apply_temperature ------------------------------------------------------------


def temperature(shift="row", scale=lambda z, T: z / T, keepdims=True, axis=-1, normalise=True):
    def apply_temperature(logits, T):
        raw = np.asarray(logits, dtype=float)
        z = scale(raw, T)
        if shift == "row":
            z = z - z.max(axis=axis, keepdims=keepdims)
        elif shift == "raw":
            z = z - raw.max(axis=-1, keepdims=True)
        elif shift == "global":
            z = z - z.max()
        e = np.exp(z)
        return e / e.sum(axis=axis, keepdims=keepdims) if normalise else e

    return apply_temperature


def temperature_whole_array(logits, T):
    e = np.exp(np.asarray(logits) / T)
    return e / e.sum()


TEMPERATURE = [
    ("no maximum subtracted", temperature(shift="none"), "without subtracting the maximum"),
    ("raw maximum after dividing", temperature(shift="raw"), "maximum of the raw logits"),
    ("one maximum for the whole array", temperature(shift="global"), "instead of each row's"),
    ("not normalised", temperature(normalise=False), "do not add up to 1"),
    ("times T", temperature(scale=lambda z, T: z * T), "multiply the logits by τ"),
    ("axis 0", temperature(axis=0), "axis 0"),
    ("no keepdims", temperature(keepdims=False), "without keepdims=True"),
    ("T ignored", temperature(scale=lambda z, T: z), "without effect"),
    ("whole array, no maximum", temperature_whole_array, "whole array instead of over each row"),
    ("T added", temperature(scale=lambda z, T: z + T), "without effect"),
    ("T squared", temperature(scale=lambda z, T: z / T**2), None),
]  # fmt: skip

# --- 8.1 and 8.2: reading a padded batch ----------------------------------------------


def _valid(outputs, lengths):
    return np.arange(outputs.shape[1])[None, :] < lengths[:, None]  # (B, T)


def mean_in_place(outputs, lengths):
    outputs[~_valid(outputs, lengths)] = 0.0
    return outputs.sum(axis=1) / lengths[:, None]


def mean_of_nonzero(outputs, lengths):
    valid = outputs != 0  # padding is assumed to be zero
    return outputs.sum(axis=1) / valid.sum(axis=1)


MEAN = [
    ("mean over all steps", lambda o, n: o.mean(axis=1), "padding included"),
    ("divide by T", lambda o, n: (o * _valid(o, n)[..., None]).sum(1) / o.shape[1], "padded length T"),
    ("t <= length", lambda o, n: (o * (np.arange(o.shape[1]) <= n[:, None])[..., None]).sum(1) / n[:, None], "t <= length"),
    ("sum, no division", lambda o, n: (o * _valid(o, n)[..., None]).sum(1), "without dividing"),
    ("mean of the padding", lambda o, n: (o * ~_valid(o, n)[..., None]).sum(1) / (~_valid(o, n)).sum(1, keepdims=True), "average the padding steps"),
    ("lengths without [:, None]", lambda o, n: (o * _valid(o, n)[..., None]).sum(1) / n, "lengths[:, None]"),
    ("padding zeroed in place", mean_in_place, "your function modified its input"),
    ("mean over the batch axis", lambda o, n: (o * _valid(o, n)[..., None]).sum(0) / o.shape[0], "batch axis"),
    ("non-zero entries counted", mean_of_nonzero, "padding included"),
    ("median of the valid steps", lambda o, n: np.array([np.median(o[b, : n[b]], axis=0) for b in range(len(n))]), None),
]  # fmt: skip

LAST = [
    ("last padded step", lambda o, n: o[:, -1], "outputs[:, -1]"),
    ("index lengths", lambda o, n: o[np.arange(len(n)), n], "instead of lengths - 1"),
    ("outputs[:, lengths - 1]", lambda o, n: o[:, n - 1], "picks every row at every length"),
    ("indices swapped", lambda o, n: o[n - 1, np.arange(len(n))], "the first index is the batch row"),
    ("mean of the valid steps", lambda o, n: (o * _valid(o, n)[..., None]).sum(1) / n[:, None], "readout of exercise 8.1"),
    ("first step", lambda o, n: o[:, 0], "outputs[:, 0]"),
    ("longest row's step", lambda o, n: o[:, n.max() - 1], "lengths.max() - 1"),
    ("max over valid steps", lambda o, n: np.where(_valid(o, n)[..., None], o, -np.inf).max(1), None),
]  # fmt: skip

# --- 9.1: make_windows ---------------------------------------------------------------


def windows_standardised_in_place(series, window):
    series = np.asarray(series, dtype=float)
    series -= series.mean()
    series /= series.std()
    n = len(series) - window
    x = np.stack([series[i : i + window] for i in range(n)])
    return x[..., None], series[window:, None]


def _windows(n_pairs=lambda length, w: length - w, start=0, target=0, x_layout="ntf", y_flat=False):
    def make_windows(series, window):
        s = np.asarray(series, dtype=float)
        xs, ys = [], []
        for i in range(n_pairs(len(s), window)):
            xs.append(s[i + start : i + start + window])
            ys.append(s[i + window + target])
        x, y = np.array(xs), np.array(ys)
        x = {"ntf": x[..., None], "nt": x, "nft": x[:, None, :]}[x_layout]
        return x, (y if y_flat else y[:, None])

    return make_windows


WINDOWS = [
    ("series standardised in place", windows_standardised_in_place, "your function modified its input"),
    ("target inside the window", _windows(target=-1), "target from inside the window"),
    ("x without a feature axis", _windows(x_layout="nt"), "(n, window, 1)"),
    ("y flat", _windows(y_flat=True), "keep it (n, 1)"),
    ("one window too many", _windows(n_pairs=lambda n, w: n - w + 1), "len(series) - window + 1"),
    ("one window too few", _windows(n_pairs=lambda n, w: n - w - 1), "stop one window early"),
    ("windows start one step late", _windows(start=1), "one step late"),
    ("x as (n, 1, window)", _windows(x_layout="nft"), "feature axis, (n, 1, window)"),
    ("two steps ahead", _windows(n_pairs=lambda n, w: n - w - 1, target=1), None),
]  # fmt: skip

# --- 10.1: the copy-task baseline ----------------------------------------------------

LN8 = math.log(8)
COPY = [
    ("divided by T", lambda T: 10 * LN8 / T, "instead of T + 20"),
    ("in bits", lambda T: 10 * math.log2(8) / (T + 20), "log base 2"),
    ("uniform over 10 classes", lambda T: 10 * math.log(10) / (T + 20), "all 10 classes"),
    ("last 10 steps only", lambda T: LN8, "last 10 steps only"),
    ("T + 10 steps", lambda T: 10 * LN8 / (T + 10), "divide by T + 10"),
    ("negative", lambda T: -10 * LN8 / (T + 20), "log-probability instead of the loss"),
    ("a string", lambda T: f"{10 * LN8 / (T + 20):.4f}", "return one number"),
    ("one uncertain step", lambda T: LN8 / (T + 20), "one uncertain step"),
    ("rounded", lambda T: round(10 * LN8 / (T + 20), 3), None),
]  # fmt: skip

# --- 11.1: additive attention ------------------------------------------------------------


def _attention(fill=-np.inf, invert=False, axis=1, tanh=True, average=lambda keys, W_k: keys):
    def additive_attention(query, keys, mask, W_q, W_k, v):
        e = (query @ W_q)[:, None, :] + keys @ W_k  # (B, T, A)
        scores = (np.tanh(e) if tanh else e) @ v  # (B, T)
        scores = np.where(~mask if invert else mask, scores, fill)
        w = np.exp(scores - scores.max(axis=axis, keepdims=True))
        w = w / w.sum(axis=axis, keepdims=True)
        return np.einsum("bt,bth->bh", w, average(keys, W_k)), w

    return additive_attention


def attention_masked_after(query, keys, mask, W_q, W_k, v):
    scores = np.tanh((query @ W_q)[:, None, :] + keys @ W_k) @ v
    w = np.exp(scores - scores.max(axis=1, keepdims=True))
    w = w / w.sum(axis=1, keepdims=True) * mask
    return (w[..., None] * keys).sum(1), w


def attention_dot(query, keys, mask, W_q, W_k, v):
    scores = np.einsum("ba,bta->bt", query @ W_q, keys @ W_k)
    scores = np.where(mask, scores, -np.inf)
    w = np.exp(scores - scores.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return (w[..., None] * keys).sum(1), w


def attention_no_mask(query, keys, mask, W_q, W_k, v):
    scores = np.tanh((query @ W_q)[:, None, :] + keys @ W_k) @ v
    w = np.exp(scores - scores.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return (w[..., None] * keys).sum(1), w


def attention_weights_swapped(query, keys, mask, W_q, W_k, v):
    return _attention()(query, keys, mask, W_k, W_q, v)


ATTENTION = [
    ("mask inverted", _attention(invert=True), "invert the mask"),
    ("no mask", attention_no_mask, "leave out the mask"),
    ("mask after the softmax", attention_masked_after, "without renormalising"),
    ("softmax over the batch", _attention(axis=0), "over the batch axis"),
    ("no tanh", _attention(tanh=False), "leave out the tanh"),
    ("dot-product scores", attention_dot, "dot product"),
    ("masked scores set to 0", _attention(fill=0.0), "instead of -inf"),
    ("projected keys averaged", _attention(average=lambda keys, W_k: keys @ W_k), "projected keys"),
    ("W_q and W_k swapped", attention_weights_swapped, "swap W_q and W_k"),
    ("scores / sqrt(A)", lambda q, k, m, Wq, Wk, v: _attention()(q, k, m, Wq, Wk, v / np.sqrt(len(v))), None),
]  # fmt: skip

# --- 12.1: the linear scan -------------------------------------------------------------------


def scan_cumprod(a, b, h0):
    A = np.cumprod(a, axis=1)  # (B, T, H)
    return A * (h0[:, None] + np.cumsum(b / A, axis=1))


def scan_exp_cumsum(a, b, h0):
    A = np.exp(np.cumsum(np.log(a), axis=1))  # the same product, via logs and back
    return A * h0[:, None] + A * np.cumsum(b / A, axis=1)


def _loop(step, first=None, shift=False):
    def linear_scan(a, b, h0):
        h = h0 if first is None else first(h0)
        out = [h0] if shift else []
        for t in range(a.shape[1]):
            h = step(a[:, t], b[:, t], h)
            out.append(h)
        return np.stack(out[:-1] if shift else out, axis=1)

    return linear_scan


def scan_in_place(a, b, h0):
    h, out = h0, []
    for t in range(a.shape[1]):
        h *= a[:, t]  # h is h0 itself on the first step
        h += b[:, t]
        out.append(h.copy())
    return np.stack(out, axis=1)


SCAN = [
    ("cumprod closed form", scan_cumprod, "2000 steps"),
    ("exp(cumsum(log a)) closed form", scan_exp_cumsum, "2000 steps"),
    ("h0 left out", _loop(lambda a, b, h: a * h + b, first=np.zeros_like), "leave out h_0"),
    ("a * (h + b)", _loop(lambda a, b, h: a * (h + b)), "multiply b_t by a_t too"),
    ("[h_0 .. h_{T-1}]", _loop(lambda a, b, h: a * h + b, shift=True), "one step late"),
    ("h0 updated in place", scan_in_place, "your function modified its input"),
    ("a and b swapped", _loop(lambda a, b, h: b * h + a), "swap a and b"),
    ("cumsum of a, not of log a", lambda a, b, h0: np.exp(np.cumsum(a, 1)) * (h0[:, None] + np.cumsum(b * np.exp(-np.cumsum(a, 1)), 1)), "cumulative sum of a_t"),
    ("h_t = a_t * h_{t-1} + b_{t-1}", _loop(lambda a, b, h: a * h + b * 0.5), None),
]  # fmt: skip

# --- 15.1: the S4D kernel ------------------------------------------------------


def _s4d(power_base, b_bar, first=0, part=np.real):
    def s4d_kernel(A, B, C, delta, length):
        A_bar = np.exp(delta[:, None] * A)
        zoh = (A_bar - 1) / A * B
        base = {"A_bar": A_bar, "A": A, "1 + delta A": 1 + delta[:, None] * A}[power_base]
        Bb = {"zoh": zoh, "B": B, "delta B": delta[:, None] * B}[b_bar]
        powers = base[..., None] ** np.arange(first, first + length)
        return part(np.einsum("hn,hnk->hk", C * Bb, powers))

    return s4d_kernel


S4D = [
    ("powers of A, not A_bar", _s4d("A", "zoh"), "continuous A"),
    ("k = 1 .. length", _s4d("A_bar", "zoh", first=1), "one power too many"),
    ("B where B_bar belongs", _s4d("A_bar", "B"), "forget B_bar"),
    ("Euler B_bar = delta B", _s4d("A_bar", "delta B"), "Euler"),
    ("the complex kernel returned", _s4d("A_bar", "zoh", part=lambda k: k), "take `.real`"),
    ("Euler A_bar = 1 + delta A", _s4d("1 + delta A", "zoh"), None),
    ("abs instead of the real part", _s4d("A_bar", "zoh", part=np.abs), None),
]  # fmt: skip

# --- 16.1: the selective step ---------------------------------------------------


def _step(delta_of, a_bar_of, b_bar_of):
    def selective_step(x, W_delta, b_delta, A, W_B):
        delta = delta_of(x, W_delta, b_delta)
        A_bar = a_bar_of(delta, A)
        B_t = x @ W_B
        return delta, A_bar, b_bar_of(delta, A_bar, A)[..., None] * B_t[:, None, :]

    return selective_step


_SOFTPLUS = lambda x, W, b: np.logaddexp(0, x @ W + b)  # noqa: E731
_EXP = lambda d, A: np.exp(d * A)  # noqa: E731
_ZOH = lambda d, Ab, A: (Ab - 1) / A  # noqa: E731
STEP = [
    ("no softplus", _step(lambda x, W, b: x @ W + b, _EXP, _ZOH), "forget the softplus"),
    ("W_delta transposed", _step(lambda x, W, b: np.logaddexp(0, x @ W.T + b), _EXP, _ZOH), "transposed"),
    ("exp(A) without delta", _step(_SOFTPLUS, lambda d, A: np.exp(A) + 0 * d, _ZOH), "leave delta out"),
    ("Euler A_bar", _step(_SOFTPLUS, lambda d, A: 1 + d * A, _ZOH), "Euler's A_bar"),
    ("Euler B_bar = delta B", _step(_SOFTPLUS, _EXP, lambda d, Ab, A: d), "Euler's B_bar"),
    ("(A_bar - 1) * A", _step(_SOFTPLUS, _EXP, lambda d, Ab, A: (Ab - 1) * A), "multiply by A"),
    ("relu instead of softplus", _step(lambda x, W, b: np.maximum(x @ W + b, 0), _EXP, _ZOH), None),
    ("sign flipped: (1 - A_bar) / A", _step(_SOFTPLUS, _EXP, lambda d, Ab, A: (1 - Ab) / A), None),
    ("exp(-delta A)", _step(_SOFTPLUS, lambda d, A: np.exp(-d * A), _ZOH), None),
]  # fmt: skip

BATTERY: dict[str, tuple[Callable, list]] = {
    "2.1 GRU shapes": (checks.check_torch_gru_shapes, SHAPES),
    "2.2 parameter counts": (checks.check_param_count, COUNTS),
    "3.1 RNN backward step": (checks.check_rnn_step_backward, BPTT),
    "5.1 LSTM step": (checks.check_lstm_step, LSTM),
    "6.1 GRU step": (checks.check_gru_step, GRU),
    "7.1 apply_temperature": (checks.check_apply_temperature, TEMPERATURE),
    "8.1 masked mean": (checks.check_masked_mean, MEAN),
    "8.2 last valid state": (checks.check_last_valid_state, LAST),
    "9.1 make_windows": (checks.check_make_windows, WINDOWS),
    "10.1 copy baseline": (checks.check_copy_baseline, COPY),
    "11.1 additive attention": (checks.check_additive_attention, ATTENTION),
    "12.1 linear scan": (checks.check_linear_scan, SCAN),
    "15.1 S4D kernel": (checks.check_s4d_kernel, S4D),
    "16.1 selective step": (checks.check_selective_step, STEP),
}

ENTRIES = [
    (exercise, name, check, wrong, fragment)
    for exercise, (check, answers) in BATTERY.items()
    for name, wrong, fragment in answers
]


def verdict(check: Callable, answer: Callable, fragment: str | None) -> tuple[str, str]:
    """``(verdict, feedback)`` of ``check`` on a wrong ``answer``; ``fragment`` is what
    feedback that names the mistake contains."""
    try:
        with np.errstate(all="ignore"):
            result = check(answer)
    except Exception as error:  # the checker itself broke
        return CRASH, f"{type(error).__name__}: {error}"
    text = " | ".join(result.messages)
    if result.status != INCORRECT:
        return FALSE_PASS, text
    if fragment is not None and fragment in text:
        return NAMED, text
    return (MISNAMED if "This is what you get if you" in text else UNNAMED), text


@pytest.mark.parametrize(
    ("exercise", "name", "check", "wrong", "fragment"),
    ENTRIES,
    ids=[f"{e.split()[0]}-{n}" for e, n, *_ in ENTRIES],
)
def test_each_wrong_answer_is_rejected_and_named_where_expected(
    exercise, name, check, wrong, fragment
):
    got, feedback = verdict(check, wrong, fragment)
    assert got == (NAMED if fragment else UNNAMED), feedback


# Checkers whose wrong answers are not functions of the battery's kind: 14.1's are weight
# settings of a hand-set RNN, tried in tests/test_checks_state_tracking.py and
# tests/test_checks_unlisted.py.
OUTSIDE_THE_BATTERY = {"check_parity_weights"}


def test_the_battery_has_every_checker_the_package_has():
    in_battery = {check.__name__ for check, _ in BATTERY.values()}
    assert in_battery == set(checks.CHECKERS) - OUTSIDE_THE_BATTERY


def test_at_least_five_wrong_answers_per_exercise_and_60_percent_named():
    assert all(len(answers) >= 5 for _, answers in BATTERY.values())
    named = sum(fragment is not None for *_, fragment in ENTRIES)
    assert named / len(ENTRIES) >= 0.6


# --- right answers in equivalent forms pass ------------------------------------------


def shapes_as_arrays(batch, time, features, hidden, num_layers, bidirectional):
    d = 2 if bidirectional else 1
    return np.array([batch, time, d * hidden]), np.array([num_layers * d, batch, hidden])


def shapes_as_lists(batch, time, features, hidden, num_layers, bidirectional):
    return [list(s) for s in shapes_as_arrays(batch, time, features, hidden, num_layers, bidirectional)]  # fmt: skip


def windows_as_lists(series, window):
    x, y = _windows()(series, window)
    return x.tolist(), y.tolist()


def backward_da_copied(dh_t, cache, params):
    x_t, h_prev, h_t = cache
    da = dh_t.copy()
    da *= 1.0 - h_t**2  # in place, on a copy: fine
    grads = {"W": x_t.T @ da, "U": h_prev.T @ da, "b": da.sum(axis=0)}
    return da @ params["W"].T, da @ params["U"].T, grads


def divide_after_shift(logits, T):
    z = np.asarray(logits, dtype=float)
    e = np.exp((z - z.max(axis=-1, keepdims=True)) / T)
    return e / e.sum(axis=-1, keepdims=True)


def scan_log_space(a, b, h0):
    log_a = np.concatenate([np.zeros_like(h0)[:, None], np.log(a)], axis=1)
    log_b = np.concatenate([np.log(h0)[:, None], np.log(b)], axis=1)
    a_star = np.cumsum(log_a, axis=1)
    return np.exp(a_star + np.logaddexp.accumulate(log_b - a_star, axis=1))[:, 1:]


RIGHT_FORMS = [
    ("2.1 shapes as NumPy arrays", checks.check_torch_gru_shapes, shapes_as_arrays),
    ("2.1 shapes as lists", checks.check_torch_gru_shapes, shapes_as_lists),
    ("3.1 in place on a copy", checks.check_rnn_step_backward, backward_da_copied),
    ("7.1 maximum subtracted before dividing", checks.check_apply_temperature, divide_after_shift),
    ("9.1 windows as nested lists", checks.check_make_windows, windows_as_lists),
    ("10.1 a one-element array", checks.check_copy_baseline, lambda T: np.array([10 * LN8 / (T + 20)])),
    ("10.1 a 0-d array", checks.check_copy_baseline, lambda T: np.array(10 * LN8 / (T + 20))),
    ("10.1 a NumPy float64", checks.check_copy_baseline, lambda T: np.float64(10 * LN8 / (T + 20))),
    ("12.1 log-space scan", checks.check_linear_scan, scan_log_space),
]  # fmt: skip


@pytest.mark.parametrize(("name", "check", "right"), RIGHT_FORMS, ids=[n for n, *_ in RIGHT_FORMS])
def test_a_right_answer_in_an_equivalent_form_passes(name, check, right):
    result = check(right)
    assert result.status == CORRECT, str(result)


# --- the table -------------------------------------------------------------------------


def battery_table() -> str:
    """One row per exercise: wrong answers, false passes, crashes, named, unnamed, misnamed."""
    rows = ["| exercise | wrong answers | false passes | crashes | named | unnamed-but-rejected | misnamed |"]  # fmt: skip
    rows.append("|---|---|---|---|---|---|---|")
    total = Counter()
    for exercise, (check, answers) in BATTERY.items():
        counts = Counter(verdict(check, wrong, fragment)[0] for _, wrong, fragment in answers)
        counts["answers"] = len(answers)
        total.update(counts)
        rows.append(_row(exercise, counts))
    rows.append(_row("**all**", total))
    share = total[NAMED] / total["answers"]
    return "\n".join(rows) + f"\n\nnamed: {total[NAMED]} of {total['answers']} ({share:.0%})"


def _row(label: str, c: Counter) -> str:
    cells = [c["answers"], c[FALSE_PASS], c[CRASH], c[NAMED], c[UNNAMED], c[MISNAMED]]
    return f"| {label} | " + " | ".join(str(n) for n in cells) + " |"


def battery_details() -> str:
    """Every wrong answer with its verdict and the feedback's first line."""
    lines = []
    for exercise, name, check, wrong, fragment in ENTRIES:
        got, feedback = verdict(check, wrong, fragment)
        lines.append(f"{exercise} | {name} | {got} | {feedback[:160]}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(battery_table())
    if "--details" in sys.argv:
        print()
        print(battery_details())
