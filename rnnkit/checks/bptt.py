"""Exercise of chapter 03 (backpropagation through time): the backward step of the
vanilla RNN cell.

The learner writes ``fn(dh_t, cache, params) -> (dx_t, dh_prev, grads)`` for one step
of ``h_t = tanh(x_t W + h_{t-1} U + b)``; the reference is
:func:`rnnkit.reference.rnn_cell_backward`, and the known mistakes below are named in
the feedback when the learner's answer equals theirs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check
from rnnkit.reference import rnn_cell, rnn_cell_backward

# What each returned array is, and the names of its axes, for precise feedback.
OUTPUTS = (
    ("dx_t", ("batch", "features")),
    ("dh_prev", ("batch", "hidden")),
)
GRADS = {"W": ("features", "hidden"), "U": ("hidden", "hidden"), "b": ("hidden",)}


def compare_step_backward(got, expected) -> str | None:
    """Compare ``(dx_t, dh_prev, grads)`` answers; None when they agree, else what differs."""
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        what = f"a {type(got).__name__} of length {len(got)}" if hasattr(got, "__len__") else None
        return f"return a tuple (dx_t, dh_prev, grads), got {what or type(got).__name__}"
    for (name, axes), got_arr, exp_arr in zip(OUTPUTS, got[:2], expected[:2], strict=True):
        problem = compare_arrays(got_arr, exp_arr, name, axes, rtol=1e-7, atol=1e-10)
        if problem:
            return problem
    grads = got[2]
    if not isinstance(grads, Mapping) or set(grads) != set(GRADS):
        keys = sorted(grads) if isinstance(grads, Mapping) else type(grads).__name__
        return f"grads should be a dict with keys 'W', 'U', 'b', got {keys}"
    for key, axes in GRADS.items():
        problem = compare_arrays(
            grads[key], expected[2][key], f"grads[{key!r}]", axes, rtol=1e-7, atol=1e-10
        )
        if problem:
            return problem
    return None


def _step_backward(derivative, prev_term="U.T", w_term="W.T", bias="sum", flaw=""):
    """A backward step built from named parts, so each mistake differs from the right
    step in exactly one place. ``flaw``: ``"swap"`` (dW and dU swapped), ``"transposed"``
    (``da_t.T @ x_t``), ``"raw"`` (``dh_t`` instead of ``da_t`` into ``dx_t``, ``dh_prev``)."""

    def step(dh_t, cache, params):
        x_t, h_prev, h_t = cache
        W, U = params["W"], params["U"]
        da_t = dh_t * derivative(h_t, h_prev)  # (B, H)
        dU_from, dW_from = (x_t, h_prev) if flaw == "swap" else (h_prev, x_t)
        db = {"sum": da_t.sum(0), "mean": da_t.mean(0), "rows": da_t.sum(1), "none": da_t}[bias]
        if flaw == "transposed":
            grads = {"W": da_t.T @ dW_from, "U": da_t.T @ dU_from, "b": db}  # (H, F), (H, H)
        else:
            grads = {"W": dW_from.T @ da_t, "U": dU_from.T @ da_t, "b": db}  # (F, H), (H, H)
        matrices = {"U.T": U.T, "U": U, "W.T": W.T}
        back = dh_t if flaw == "raw" else da_t
        return back @ matrices[w_term], back @ matrices[prev_term], grads

    return step


def _tanh_prime(h_t, h_prev):
    return 1.0 - h_t**2


MISTAKES = [
    (
        "forget the tanh derivative (da_t = dh_t instead of dh_t * (1 - h_t**2))",
        _step_backward(lambda h_t, h_prev: 1.0),
    ),
    (
        "take the tanh derivative at the previous state, (1 - h_prev**2), instead of at "
        "this step's output, (1 - h_t**2)",
        _step_backward(lambda h_t, h_prev: 1.0 - h_prev**2),
    ),
    (
        "use the sigmoid's derivative h_t * (1 - h_t) instead of tanh's 1 - h_t**2",
        _step_backward(lambda h_t, h_prev: h_t * (1.0 - h_t)),
    ),
    (
        "apply tanh once more: h_t is already tanh(a_t), so the derivative is 1 - h_t**2, "
        "not 1 - tanh(h_t)**2",
        _step_backward(lambda h_t, h_prev: 1.0 - np.tanh(h_t) ** 2),
    ),
    (
        "forget to transpose U: with row vectors dh_prev = da_t @ U.T, not da_t @ U",
        _step_backward(_tanh_prime, prev_term="U"),
    ),
    (
        "swap W and U in the input and state gradients (dx_t = da_t @ W.T and "
        "dh_prev = da_t @ U.T)",
        _step_backward(_tanh_prime, prev_term="W.T", w_term="U.T"),
    ),
    (
        "keep one bias gradient per example: db sums da_t over the batch axis",
        _step_backward(_tanh_prime, bias="none"),
    ),
    (
        "average the bias gradient over the batch instead of summing it (dW and dU are "
        "sums over the batch too)",
        _step_backward(_tanh_prime, bias="mean"),
    ),
    (
        "sum the bias gradient over the hidden axis (axis=1) instead of the batch axis "
        "(axis=0): db has b's shape (hidden,)",
        _step_backward(_tanh_prime, bias="rows"),
    ),
    (
        "swap dW and dU: dW = x_t.T @ da_t multiplies the input, dU = h_prev.T @ da_t the "
        "previous state",
        _step_backward(_tanh_prime, flaw="swap"),
    ),
    (
        "compute dW = da_t.T @ x_t (and dU likewise): a gradient has its parameter's shape, "
        "dW = x_t.T @ da_t is (features, hidden)",
        _step_backward(_tanh_prime, flaw="transposed"),
    ),
    (
        "send dh_t instead of da_t back into dx_t and dh_prev: they are reached through "
        "the tanh too, so both use da_t = dh_t * (1 - h_t**2)",
        _step_backward(_tanh_prime, flaw="raw"),
    ),
]


def _case(label: str, batch: int, features: int, hidden_size: int, seed: int) -> Case:
    """A consistent step: random params and inputs, ``h_t`` from the real forward step.

    Weights are drawn with a standard deviation of 0.8 so that ``h_t`` is far from 0
    (the tanh derivative matters) and ``U`` is far from symmetric.
    """
    rng, H = np.random.default_rng(seed), hidden_size
    params = {
        "W": rng.normal(0, 0.8, (features, H)),
        "U": rng.normal(0, 0.8, (H, H)),
        "b": rng.normal(0, 0.5, H),
    }
    x_t = rng.normal(size=(batch, features))
    h_prev = np.tanh(rng.normal(size=(batch, H)))
    _, cache = rnn_cell(x_t, h_prev, params, return_cache=True)
    dh_t = rng.normal(size=(batch, H))
    return Case(label, (dh_t, cache, params))


CASES = [
    _case("batch=4, features=3, hidden=5", 4, 3, 5, seed=30),
    _case("batch=3, features=4, hidden=4 (features == hidden)", 3, 4, 4, seed=31),
    _case("batch=1, features=2, hidden=6", 1, 2, 6, seed=32),
]


def rnn_step_backward(dh_t, cache, params):
    """Reference: :func:`rnnkit.reference.rnn_cell_backward`."""
    return rnn_cell_backward(dh_t, cache, params)


def check_rnn_step_backward(fn) -> CheckResult:
    """Check ``fn(dh_t, cache, params) -> (dx_t, dh_prev, grads)``.

    ``cache`` is ``(x_t, h_prev, h_t)`` from one step ``h_t = tanh(x_t W + h_{t-1} U + b)``,
    ``params`` a dict with ``W`` (features, hidden), ``U`` (hidden, hidden) and ``b``
    (hidden,), and ``dh_t = dL/dh_t`` (batch, hidden). ``fn`` must return
    ``dx_t = dL/dx_t`` (batch, features), ``dh_prev = dL/dh_{t-1}`` (batch, hidden) and
    ``grads = {"W": dL/dW, "U": dL/dU, "b": dL/db}``, as
    :func:`rnnkit.reference.rnn_cell_backward` does.
    """
    return run_check(
        "Exercise 3.1 (backward step of the vanilla RNN)",
        fn,
        rnn_step_backward,
        CASES,
        compare_step_backward,
        MISTAKES,
    )
