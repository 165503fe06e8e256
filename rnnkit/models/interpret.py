"""Looking inside recurrent networks (chapter 13): unit activations, gate saturation, saliency.

* :func:`lstm_trace` replays a trained :class:`rnnkit.models.charlm.CharLM` (LSTM)
  over a text with the book's NumPy reference cell, so every gate and state of every
  step is available: ``i_t, f_t, g_t, o_t, c_t, h_t``, each ``(T, H)``.
* :func:`gate_saturation` counts how often each gate sits near 0 or 1, as in
  Karpathy, Johnson & Fei-Fei (2015, "Visualizing and understanding recurrent
  networks", sec. 4.2): a gate value below ``0.1`` is *left-saturated*, above ``0.9``
  *right-saturated*.
* :func:`best_unit` finds the unit whose activation correlates most with a feature
  of the text (Pearson's ``r``), e.g. :func:`inside_parentheses`.
* :class:`LSTMClassifier` is a small sentence classifier and :func:`saliency` the
  gradient of the predicted class score with respect to the input embeddings, one
  norm ``||d score / d e_t||_2`` per token (Simonyan, Vedaldi & Zisserman 2014;
  Li, Chen, Hovy & Jurafsky 2016).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rnnkit import convert, reference
from rnnkit.validation import require_ids, require_int

GATES = ("i_t", "f_t", "o_t")


# --------------------------------------------------------------------------- char models


def lstm_trace(model, text_ids) -> dict[str, np.ndarray]:
    """Every gate and state of a :class:`~rnnkit.models.charlm.CharLM` LSTM over one text.

    The model's embedding and LSTM weights go through :func:`rnnkit.convert.params_from_torch`
    into :func:`rnnkit.reference.lstm_forward` (float64), starting from zero state.
    Returns ``{"i_t", "f_t", "g_t", "o_t", "c_t", "h_t"}``, each ``(T, hidden_size)``.
    Raises ``ValueError`` for a non-LSTM model or ids that are not 1-D integers in
    ``[0, model.vocab_size - 1]``.
    """
    if getattr(model, "cell", None) != "lstm":
        raise ValueError(f"model must be a CharLM with cell='lstm', got {type(model).__name__}")
    text_ids = np.asarray(text_ids)
    require_ids(text_ids, "text_ids", ("time",), model.vocab_size, nonempty=True)
    params = {k: v.astype(np.float64) for k, v in convert.params_from_torch(model.rnn).items()}
    table = model.embed.weight.detach().cpu().double().numpy()  # (V, E)
    x = table[text_ids][None]  # (1, T, E)
    _, _, cache = reference.lstm_forward(x, params, return_cache=True)
    trace = {
        n: np.concatenate([getattr(s, n) for s in cache.steps])
        for n in ("i_t", "f_t", "g_t", "o_t")
    }
    c_prev = np.concatenate([s.c_prev for s in cache.steps])  # (T, H)
    trace["c_t"] = trace["f_t"] * c_prev + trace["i_t"] * trace["g_t"]
    trace["h_t"] = trace["o_t"] * np.concatenate([s.tanh_c_t for s in cache.steps])
    return trace


def gate_saturation(trace: dict[str, np.ndarray], low: float = 0.1, high: float = 0.9) -> dict:
    """Fraction of gate values ``< low`` (left) and ``> high`` (right) for each of ``i, f, o``.

    Returns ``{gate: {"left": float, "right": float}}``; also per unit with
    :func:`unit_saturation`. Raises ``ValueError`` unless ``0 < low < high < 1``.
    """
    if not 0 < low < high < 1:
        raise ValueError(f"need 0 < low < high < 1, got low={low}, high={high}")
    return {
        g: {"left": float(np.mean(trace[g] < low)), "right": float(np.mean(trace[g] > high))}
        for g in GATES
    }


def unit_saturation(trace: dict[str, np.ndarray], gate: str, low: float = 0.1, high: float = 0.9):
    """``(left, right)``: per unit, the fraction of steps with the gate ``< low`` / ``> high``."""
    if gate not in GATES:
        raise ValueError(f"gate must be one of {GATES}, got {gate!r}")
    values = trace[gate]  # (T, H)
    return (values < low).mean(axis=0), (values > high).mean(axis=0)  # (H,), (H,)


def inside_parentheses(text: str) -> np.ndarray:
    """``(len(text),)`` float: 1 where the character is inside ``( ... )``, else 0.

    The opening parenthesis itself counts as outside, the closing one as inside, so
    the feature is 1 exactly when a model that has *read* the character knows it is
    inside an open pair. Unbalanced closers are ignored (depth never goes below 0).
    """
    out, depth = np.zeros(len(text)), 0
    for t, ch in enumerate(text):
        if ch == ")":
            out[t] = float(depth > 0)
            depth = max(depth - 1, 0)
            continue
        out[t] = float(depth > 0)
        if ch == "(":
            depth += 1
    return out


def position_in_line(text: str) -> np.ndarray:
    """``(len(text),)`` float: how many characters since the last newline (0 on a newline)."""
    out, pos = np.zeros(len(text)), 0
    for t, ch in enumerate(text):
        pos = 0 if ch == "\n" else pos + 1
        out[t] = pos
    return out


@dataclass(frozen=True)
class UnitMatch:
    """The unit of ``(T, H)`` activations most correlated with a ``(T,)`` feature."""

    unit: int
    r: float  # Pearson correlation of that unit (signed)
    all_r: np.ndarray  # (H,) correlation of every unit (nan for a constant unit)


def best_unit(activations, feature) -> UnitMatch:
    """The unit with the largest ``|r|``, ``r`` = Pearson correlation over time steps.

    ``activations`` is ``(T, H)``, ``feature`` ``(T,)``; constant units get ``r = nan``
    and are skipped. Raises ``ValueError`` for mismatched lengths or a constant feature.
    """
    a = np.asarray(activations, dtype=np.float64)
    f = np.asarray(feature, dtype=np.float64)
    if a.ndim != 2 or f.shape != (a.shape[0],):
        raise ValueError(
            f"activations must be (T, H) and feature (T,), got {a.shape} and {f.shape}"
        )
    if np.std(f) == 0:
        raise ValueError("feature must vary over the text, got a constant")
    a_c, f_c = a - a.mean(axis=0), f - f.mean()
    denom = np.sqrt((a_c**2).sum(axis=0) * (f_c**2).sum())  # (H,)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denom > 0, (a_c * f_c[:, None]).sum(axis=0) / denom, np.nan)
    unit = int(np.nanargmax(np.abs(r)))
    return UnitMatch(unit, float(r[unit]), r)


# --------------------------------------------------------------------------- saliency


class LSTMClassifier(nn.Module):
    """Embedding -> LSTM -> the state at each sentence's last real token -> class logits.

    ``forward(ids)``: ``ids (B, L)`` int64 padded at the end with 0 (as
    :func:`rnnkit.data.classify.make_sentiment` pads); returns ``(B, n_classes)``
    logits. :meth:`from_embeddings` runs the same network on given embeddings
    ``(B, L, E)``, which :func:`saliency` differentiates.
    """

    def __init__(
        self, vocab_size: int, embed_dim: int = 16, hidden_size: int = 32, n_classes: int = 2
    ):
        super().__init__()
        self.embed = nn.Embedding(
            require_int(vocab_size, "vocab_size", minimum=2), embed_dim, padding_idx=0
        )
        self.rnn = nn.LSTM(
            embed_dim, require_int(hidden_size, "hidden_size", minimum=1), batch_first=True
        )
        self.head = nn.Linear(hidden_size, require_int(n_classes, "n_classes", minimum=2))

    def from_embeddings(self, e: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(e)  # (B, L, H)
        last = (lengths - 1).clamp(min=0)  # (B,)
        h = out[torch.arange(out.shape[0], device=out.device), last]  # (B, H)
        return self.head(h)  # (B, C)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        require_ids(ids, "ids", ("batch", "length"), self.embed.num_embeddings, tensor=True)
        return self.from_embeddings(self.embed(ids), (ids != 0).sum(dim=1))  # (B, C)


def saliency(model: LSTMClassifier, ids) -> tuple[np.ndarray, np.ndarray]:
    """Per-token saliency ``||d s_c / d e_t||_2`` of the predicted class score ``s_c``.

    ``ids (B, L)`` int padded with 0. Returns ``(scores (B, L), predicted (B,))`` with
    scores 0 on padding. Gradients are taken in eval mode with
    :func:`torch.autograd.grad`, so the parameters' ``.grad`` stay untouched.
    """
    ids = torch.as_tensor(np.asarray(ids))
    require_ids(ids, "ids", ("batch", "length"), model.embed.num_embeddings, tensor=True)
    device = next(model.parameters()).device
    ids = ids.to(device)
    lengths = (ids != 0).sum(dim=1)  # (B,)
    was_training = model.training
    model.eval()
    e = model.embed(ids).detach().requires_grad_(True)  # (B, L, E)
    logits = model.from_embeddings(e, lengths)  # (B, C)
    predicted = logits.argmax(dim=-1)  # (B,)
    score = logits.gather(1, predicted[:, None]).sum()  # rows are independent: sum is fine
    (grad,) = torch.autograd.grad(score, e)  # (B, L, E)
    model.train(was_training)
    norms = grad.norm(dim=-1)  # (B, L)
    return (norms * (ids != 0)).cpu().numpy(), predicted.cpu().numpy()
