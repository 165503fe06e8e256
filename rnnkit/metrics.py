"""Scores of a character model, from the probability it gave to each character of a
text: its bits per character (:func:`bits_per_char`), and the bits per character of
the mixture of two models (:func:`interpolate_bpc`, whose weight :func:`best_lambda`
chooses). NumPy only: the probabilities may come from PyTorch, Keras or an n-gram
model (:func:`rnnkit.models.charlm.char_probs_torch`,
:meth:`rnnkit.data.chars.NGramLM.char_probs`)."""

from __future__ import annotations

import numpy as np


def bits_per_char(p) -> float:
    """Mean ``-log2 p`` over the probabilities ``p`` a model gave to each character."""
    return float(-np.mean(np.log2(p)))


def _require_char_probs(p_a, p_b) -> tuple[np.ndarray, np.ndarray]:
    """Both per-character probability vectors as float64, checked to match and lie in (0, 1]."""
    out = []
    for name, p in (("p_a", p_a), ("p_b", p_b)):
        p = np.asarray(p)
        if p.dtype.kind != "f" or p.ndim != 1 or p.size == 0:
            raise ValueError(
                f"{name} must be a non-empty 1-D float array (one probability per character), "
                f"got shape {p.shape} and dtype {p.dtype}"
            )
        if not np.all((p > 0) & (p <= 1)):  # NaN fails this too
            raise ValueError(
                f"{name} must hold probabilities in (0, 1], got values from {np.nanmin(p)} "
                f"to {np.nanmax(p)}{' and NaN' if np.isnan(p).any() else ''}"
            )
        out.append(p.astype(np.float64))
    if out[0].shape != out[1].shape:
        raise ValueError(
            f"p_a and p_b must score the same characters, got shapes {out[0].shape} and "
            f"{out[1].shape}"
        )
    return out[0], out[1]


def _require_lambda(lam) -> float:
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.floating, np.integer)):
        raise TypeError(f"lam must be a number in [0, 1], got {lam!r}")
    if not 0 <= lam <= 1:  # NaN fails this too
        raise ValueError(f"lam must be in [0, 1], got {lam}")
    return float(lam)


def interpolate_bpc(p_a, p_b, lam: float) -> float:
    """Bits per character of the linear mixture of two models' per-character probabilities.

    .. math::
        \\text{bpc}(\\lambda) = -\\frac{1}{n} \\sum_t \\log_2
            \\big(\\lambda\\, p_a(t) + (1 - \\lambda)\\, p_b(t)\\big)

    ``p_a`` and ``p_b`` are ``(n,)`` floats in ``(0, 1]``, the probability each model
    gave to the same ``n`` characters (:func:`rnnkit.models.charlm.char_probs_torch`,
    :meth:`rnnkit.data.chars.NGramLM.char_probs`); ``lam`` in ``[0, 1]``. At ``lam=1``
    the result is model a's bpc, at ``lam=0`` model b's; ``bpc(lam)`` is convex in
    ``lam`` (``-log`` of a function linear in ``lam``). Raises ``ValueError`` for
    mismatched shapes, values outside ``(0, 1]`` or NaN, ``lam`` outside ``[0, 1]``.
    """
    p_a, p_b = _require_char_probs(p_a, p_b)
    lam = _require_lambda(lam)
    return float(-np.mean(np.log2(lam * p_a + (1.0 - lam) * p_b)))


def best_lambda(p_a, p_b, grid=None) -> tuple[float, float]:
    """The weight ``lam`` of the grid that minimises :func:`interpolate_bpc`, and that bpc.

    ``grid`` defaults to ``0, 0.01, ..., 1``; it must hold values in ``[0, 1]`` and
    always gets 0 and 1 added, so the chosen mixture is never worse, on the characters
    it was chosen on, than either model alone. Choose ``lam`` on validation
    characters and report the mixture's bpc on test ones. Ties go to the smallest
    ``lam``. Raises ``ValueError`` as :func:`interpolate_bpc` does, or for an empty grid.
    """
    p_a, p_b = _require_char_probs(p_a, p_b)
    grid = np.linspace(0.0, 1.0, 101) if grid is None else np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"grid must be a non-empty 1-D list of weights, got shape {grid.shape}")
    for lam in grid:
        _require_lambda(lam)
    grid = np.union1d(grid, [0.0, 1.0])  # sorted, endpoints included
    bpc = [interpolate_bpc(p_a, p_b, lam) for lam in grid]
    best = int(np.argmin(bpc))
    return float(grid[best]), float(bpc[best])
