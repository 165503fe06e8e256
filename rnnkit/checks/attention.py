"""Exercise of chapter 11 (sequence to sequence): additive attention in NumPy.

The learner writes ``additive_attention(query, keys, mask, W_q, W_k, v)``, the score
and weighting of Bahdanau, Cho and Bengio (2015, "Neural Machine Translation by
Jointly Learning to Align and Translate", eq. 6 and appendix A.1.2):

    e_j = v . tanh(q W_q + k_j W_k)        score of source position j
    a   = softmax(e) over the valid j      weights, 0 on padding, summing to 1
    c   = sum_j a_j k_j                    context: the keys averaged by a

Every case has ``query`` and ``keys`` of different widths (so a transposed weight
fails loudly) and some rows padded at the end, so forgetting the mask changes the
answer; one row of every case has no padding, so an inverted mask leaves it without
a single valid score (all ``-inf``, a softmax of ``0 / 0``), which the feedback
explains. The first case pads its first row, so a masking mistake is not taken for
code that handles the first row only. Weights on padding must be exactly 0: a finite
fill such as -20 passes a tolerance but not the task, and the feedback names it. Each
known mistake is a small variant of the reference, so the feedback can name it.
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check


def _softmax(scores: np.ndarray, axis: int) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def additive_attention(query, keys, mask, W_q, W_k, v):
    """Additive attention for one query per row (Bahdanau et al. 2015).

    Shapes: ``query (B, Hq)``, ``keys (B, T, Hk)``, ``mask (B, T)`` boolean (``True`` on
    valid source positions, at least one per row), ``W_q (Hq, A)``, ``W_k (Hk, A)``,
    ``v (A,)``. Returns ``(context (B, Hk), weights (B, T))`` with
    ``e = tanh(q W_q + k W_k) v``, ``weights = softmax(e)`` over the valid positions
    (exactly 0 on padding) and ``context = weights @ keys``.
    """
    scores = np.tanh((query @ W_q)[:, None, :] + keys @ W_k) @ v  # (B, 1, A) + (B, T, A) -> (B, T)
    scores = np.where(mask, scores, -np.inf)  # padding can never win
    weights = _softmax(scores, axis=1)  # (B, T)
    context = np.einsum("bt,bth->bh", weights, keys)  # (B, Hk)
    return context, weights


def _variant(
    axis: int = 1,
    masked: str = "before",
    tanh: bool = True,
    dot: bool = False,
    values=None,
    swap_weights: bool = False,
):
    """Additive attention with one deliberate error, for the mistake list.

    ``masked``: ``"before"`` (right), ``"none"``, ``"after"`` (weights zeroed, not
    renormalised), ``"inverted"`` (padding kept, valid positions masked), ``"zero"``
    (masked scores set to 0 rather than -inf). ``values(keys, W_k)`` replaces the
    keys that the weights average; ``swap_weights`` projects the query with W_k.
    """

    def attend(query, keys, mask, W_q, W_k, v):
        if swap_weights:
            W_q, W_k = W_k, W_q
        q, k = query @ W_q, keys @ W_k  # (B, A), (B, T, A)
        if dot:
            scores = np.einsum("ba,bta->bt", q, k)  # (B, T)
        else:
            a = q[:, None, :] + k  # (B, T, A)
            scores = (np.tanh(a) if tanh else a) @ v  # (B, T)
        if masked in ("before", "inverted", "zero"):
            keep = ~mask if masked == "inverted" else mask
            scores = np.where(keep, scores, 0.0 if masked == "zero" else -np.inf)
        weights = _softmax(scores, axis=axis)
        if masked == "after":
            weights = weights * mask  # zeroed, but no longer summing to 1
        averaged = keys if values is None else values(keys, W_k)  # (B, T, Hk) or (B, T, A)
        return np.einsum("bt,bth->bh", weights, averaged), weights

    return attend


MISTAKES = [
    (
        "take the softmax over the batch axis (axis 0) instead of the source positions (axis 1)",
        _variant(axis=0),
    ),
    (
        "leave out the mask: padded source positions get a share of the weight",
        _variant(masked="none"),
    ),
    (
        "apply the mask after the softmax without renormalising: the weights no longer sum to 1",
        _variant(masked="after"),
    ),
    ("leave out the tanh: e = (q W_q + k W_k) v is linear in q and k", _variant(tanh=False)),
    (
        "score with a dot product (q W_q) . (k W_k) instead of the additive v . tanh(q W_q + k W_k)",
        _variant(dot=True),
    ),
    (
        "invert the mask: mask is True on the valid positions, so keep the scores where "
        "mask is True and put -inf on the padding",
        _variant(masked="inverted"),
    ),
    (
        "set the masked scores to 0 instead of -inf: exp(0) = 1 still gives the padding "
        "a share of the weight",
        _variant(masked="zero"),
    ),
    (
        "average the projected keys k W_k instead of the keys themselves: the context is "
        "sum_j a_j k_j, of the keys' width",
        _variant(values=lambda keys, W_k: keys @ W_k),
    ),
    (
        "swap W_q and W_k: the query (width Hq) meets W_q (Hq x A), the keys (width Hk) "
        "meet W_k (Hk x A)",
        _variant(swap_weights=True),
    ),
]


def _case(label: str, seed: int, lengths: tuple[int, ...], width: int, hq: int, hk: int, a: int):
    rng = np.random.default_rng(seed)
    b = len(lengths)
    query = rng.normal(size=(b, hq))
    keys = rng.normal(size=(b, width, hk))
    mask = np.arange(width)[None, :] < np.array(lengths)[:, None]  # (B, T)
    W_q = rng.normal(scale=0.7, size=(hq, a))
    W_k = rng.normal(scale=0.7, size=(hk, a))
    v = rng.normal(scale=1.5, size=a)
    return Case(label, (query, keys, mask, W_q, W_k, v))


CASES = [
    _case("batch=3, source length 5 (rows padded after 3, 5, 4)", 111, (3, 5, 4), 5, 4, 3, 6),
    _case("batch=2, source length 7 (rows padded after 2, 7)", 112, (2, 7), 7, 3, 5, 4),
    _case("batch=4, source length 4 (rows padded after 4, 1, 2, 4)", 113, (4, 1, 2, 4), 4, 5, 2, 3),
]


def _compare(got, expected) -> str | None:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"return a tuple (context, weights), got {type(got).__name__}"
    leak = _padding_leak(got[1], expected[1])
    if leak is not None:
        return leak
    problems = [
        problem
        for name, axes, g, e in (
            ("context", ("batch", "key unit"), got[0], expected[0]),
            ("weights", ("batch", "source position"), got[1], expected[1]),
        )
        if (problem := compare_arrays(g, e, name, axes)) is not None
    ]
    return "; ".join(problems + _nan_rows(got[1])) if problems else None


def _padding_leak(weights, expected) -> str | None:
    """Explain small but non-zero weights on padding (``expected`` is exactly 0 there):
    the masked scores were filled with a finite number instead of ``-inf``."""
    try:
        got = np.asarray(weights, dtype=float)
    except Exception:  # not an array: the comparison says what it should be
        return None
    if got.shape != expected.shape:
        return None
    leak = np.where(expected == 0, np.abs(np.nan_to_num(got)), 0.0)
    largest = float(leak.max(initial=0.0))
    if not 0.0 < largest <= 0.01:  # larger leaks: the comparison and the mistakes say more
        return None
    row, position = np.unravel_index(int(np.argmax(leak)), leak.shape)
    return (
        f"weights should be exactly 0 on padding, got {got[row, position]:.3g} at batch "
        f"{int(row)}, source position {int(position)}: a finite fill for the masked scores "
        "(such as -10 or -100) still leaves exp(fill - max) > 0 there. Fill them with "
        "-np.inf, or set those weights to 0 and divide by the new sum."
    )


def _nan_rows(weights) -> list[str]:
    """Explain rows of weights that are all NaN: a softmax over scores all ``-inf``."""
    try:
        rows = np.flatnonzero(np.isnan(np.asarray(weights, dtype=float)).all(axis=-1))
    except Exception:  # not an array of rows: the shape message says enough
        return []
    if rows.size == 0:
        return []
    return [
        f"every weight of batch row {int(rows[0])} is NaN: that is a softmax over a row whose "
        "scores are all -inf (every position masked out), exp(-inf) / sum = 0 / 0; mask is "
        "True on the valid positions"
    ]


def check_additive_attention(fn) -> CheckResult:
    """Check ``fn(query, keys, mask, W_q, W_k, v) -> (context, weights)`` against
    :func:`additive_attention` to 1e-6 on three padded batches."""
    return run_check(
        "Exercise 11.1 (additive attention)",
        fn,
        additive_attention,
        CASES,
        _compare,
        MISTAKES,
    )
