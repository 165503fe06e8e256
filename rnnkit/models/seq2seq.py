"""Encoder-decoder GRUs with optional additive attention (chapter 11), in PyTorch and Keras.

The architecture, the same in both frameworks (sizes: vocabulary ``V``, embedding
``E``, hidden_size ``H``; source ``(B, L)``, decoder input ``(B, T)``):

* encoder: embedding ``V -> E`` (id 0 is padding), GRU ``E -> H`` over the valid
  source steps; its outputs ``k_1..k_L`` are the keys, its last state starts the decoder
  (Sutskever et al. 2014; Cho et al. 2014);
* decoder: embedding ``V -> E``, GRU ``E -> H`` over ``<start> + target`` (teacher
  forcing while training: the true previous character is the input), outputs ``s_t``;
* attention (``attention=True``): the additive score of Bahdanau et al. (2015),
  ``e_tj = v . tanh(s_t W_q + k_j W_k)``, softmax over the valid ``j``, context
  ``c_t = sum_j a_tj k_j``; ``W_q``, ``W_k`` are ``H x H`` without bias, ``v`` has ``H``
  entries. As in Luong et al. (2015) the query is the decoder's *current* output
  ``s_t`` (Bahdanau used ``s_{t-1}`` and fed ``c_t`` into the GRU), so the decoder GRU
  runs over the whole target in one call during training;
* output: a linear layer to ``V`` logits from ``[s_t, c_t]`` (or ``s_t`` alone).

Both GRUs use the reset-after form (PyTorch's and Keras's default), so the two
frameworks' models have the same parameter count.

:func:`torch_seq2seq` (a :class:`Seq2Seq`) and :func:`keras_seq2seq` (a
:class:`KerasSeq2Seq`) build it with the same arguments; ``src_width`` is the source's
width ``L``. The training loops take one input array, so the source and the decoder
input travel side by side: :func:`join_inputs` gives ``x = [src | tgt_in]``
``(B, L + T)``, and :class:`TeacherForced` (PyTorch) or :class:`KerasSeq2Seq` itself
splits it again at ``src_width``.
Greedy decoding feeds back the most likely character until ``<end>`` or ``max_len``.
"""

from __future__ import annotations

import keras
import numpy as np
import torch
from keras import layers, ops
from torch import nn

from rnnkit.data.dates import END_ID, START_ID
from rnnkit.data.sequences import PAD_ID
from rnnkit.validation import dtype_name, integer_dtype, require_ids, require_int


def join_inputs(src: np.ndarray, tgt_in: np.ndarray) -> np.ndarray:
    """``[src | tgt_in]``: ``(B, L)`` and ``(B, T)`` integer ids side by side, ``(B, L + T)``."""
    src, tgt_in = _ids(src, "src"), _ids(tgt_in, "tgt_in")
    if len(src) != len(tgt_in):
        raise ValueError(
            f"src and tgt_in must hold the same number of rows, got {len(src)} and {len(tgt_in)}"
        )
    return np.concatenate([src, tgt_in], axis=1)  # (B, L + T)


def exact_match(tokens, targets, vocab) -> float:
    """Fraction of rows whose decoded ``tokens`` (up to ``<end>``) equal the target string."""
    tokens = _ids(tokens, "tokens")
    if len(tokens) != len(targets):
        raise ValueError(
            f"tokens and targets must have the same length, got {len(tokens)} and {len(targets)}"
        )
    hits = sum(vocab.decode(row) == t for row, t in zip(tokens, targets, strict=True))
    return hits / len(targets)


def _ids(a, name: str, vocab_size: int | None = None) -> np.ndarray:
    a = np.asarray(a)
    require_ids(a, name, ("batch", "time"), vocab_size)
    return a


def _check_sizes(vocab_size, src_width, embed_dim, hidden_size, attention) -> int:
    """Validate the twins' shared arguments; return ``src_width`` as an ``int``."""
    require_int(vocab_size, "vocab_size", minimum=4)
    require_int(embed_dim, "embed_dim", minimum=1)
    require_int(hidden_size, "hidden_size", minimum=1)
    if not isinstance(attention, bool):
        raise TypeError(f"attention must be True or False, got {attention!r}")
    return require_int(src_width, "src_width", minimum=1)


def _check_src_width(shape: tuple, src_width: int) -> None:
    if shape[1] != src_width:
        raise ValueError(f"src must be (batch, {src_width}), got shape {shape}")


# ---------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------


class Seq2Seq(nn.Module):
    """Encoder-decoder GRU, with additive attention when ``attention=True``.

    ``forward(src, src_lengths, tgt_in) -> logits (B, T, V)`` with teacher forcing;
    :meth:`greedy_decode` for inference. ``src`` is ``(B, src_width)`` int64 padded
    with 0, ``src_lengths`` ``(B,)`` in ``[1, src_width]``, ``tgt_in`` ``(B, T)`` int64
    starting with ``<start>``. Raises a one-line ``ValueError`` for other shapes,
    dtypes or ids outside ``[0, vocab_size - 1]``.
    """

    def __init__(
        self,
        vocab_size: int,
        src_width: int,
        embed_dim: int = 32,
        hidden_size: int = 64,
        attention: bool = True,
    ) -> None:
        super().__init__()
        src_width = _check_sizes(vocab_size, src_width, embed_dim, hidden_size, attention)
        self.vocab_size, self.src_width, self.attention = vocab_size, src_width, attention
        self.src_embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        self.tgt_embed = nn.Embedding(vocab_size, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden_size, batch_first=True)
        self.decoder = nn.GRU(embed_dim, hidden_size, batch_first=True)
        if attention:
            self.W_q = nn.Linear(hidden_size, hidden_size, bias=False)
            self.W_k = nn.Linear(hidden_size, hidden_size, bias=False)
            self.v = nn.Parameter(
                torch.empty(hidden_size).uniform_(-(hidden_size**-0.5), hidden_size**-0.5)
            )
        self.out = nn.Linear(2 * hidden_size if attention else hidden_size, vocab_size)

    def encode(self, src: torch.Tensor, src_lengths: torch.Tensor):
        """``(keys (B, L, H), mask (B, L) bool, state (1, B, H))`` of the encoder."""
        width = src.shape[1]
        packed = nn.utils.rnn.pack_padded_sequence(
            self.src_embed(src), src_lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        keys, state = self.encoder(packed)
        keys, _ = nn.utils.rnn.pad_packed_sequence(keys, batch_first=True, total_length=width)
        mask = (
            torch.arange(width, device=src.device)[None, :] < src_lengths.to(src.device)[:, None]
        )  # (B, L)
        return keys, mask, state

    def attend(self, query: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor):
        """Additive attention: ``query (B, T, H)`` over ``keys (B, L, H)`` ->
        ``(context (B, T, H), weights (B, T, L))``; weights are 0 where ``mask`` is False.

        ``e_tj = v . tanh(s_t W_q + k_j W_k)``, ``a_t = softmax_j(e_t)``,
        ``c_t = sum_j a_tj k_j`` (Bahdanau et al. 2015).
        """
        scores = torch.tanh(self.W_q(query)[:, :, None, :] + self.W_k(keys)[:, None, :, :])
        scores = scores @ self.v  # (B, T, L, H) -> (B, T, L)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, T, L)
        return weights @ keys, weights  # (B, T, H), (B, T, L)

    def decode(self, tgt_in, state, keys, mask):
        """Decoder steps for ``tgt_in (B, T)`` from ``state (1, B, H)``:
        ``(logits (B, T, V), state, weights (B, T, L) or None)``."""
        outputs, state = self.decoder(self.tgt_embed(tgt_in), state)  # (B, T, H)
        if not self.attention:
            return self.out(outputs), state, None
        context, weights = self.attend(outputs, keys, mask)
        return self.out(torch.cat([outputs, context], dim=-1)), state, weights  # (B, T, V)

    def forward(self, src, src_lengths, tgt_in) -> torch.Tensor:
        """Teacher-forced logits ``(B, T, V)``: step ``t`` reads the true ``tgt_in[:, t]``."""
        self._check(src, src_lengths, tgt_in)
        keys, mask, state = self.encode(src, src_lengths)
        logits, _, _ = self.decode(tgt_in, state, keys, mask)
        return logits

    @torch.no_grad()
    def greedy_decode(self, src, src_lengths, max_len: int = 11):
        """Feed back the arg-max character, starting from ``<start>``.

        Returns ``(tokens (B, n) int64, weights (B, n, L) float or None)`` with
        ``n <= max_len``: after a row emits ``<end>`` its later tokens are ``<pad>``
        and its later weights 0; decoding stops early once every row has ended.
        """
        max_len = require_int(max_len, "max_len", minimum=1)
        self._check(src, src_lengths, None)
        keys, mask, state = self.encode(src, src_lengths)
        token = torch.full((src.shape[0], 1), START_ID, dtype=torch.long, device=src.device)
        done = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        tokens, weights = [], []
        for _ in range(max_len):
            logits, state, w = self.decode(token, state, keys, mask)  # (B, 1, V)
            token = logits.argmax(dim=-1)  # (B, 1)
            token = token.masked_fill(done[:, None], PAD_ID)
            tokens.append(token)
            if w is not None:
                weights.append(w.masked_fill(done[:, None, None], 0.0))
            done = done | (token[:, 0] == END_ID)
            if bool(done.all()):
                break
        tokens = torch.cat(tokens, dim=1)  # (B, n)
        return tokens, (torch.cat(weights, dim=1) if weights else None)  # (B, n, L)

    def _check(self, src, src_lengths, tgt_in) -> None:
        require_ids(src, "src", ("batch", "time"), self.vocab_size, tensor=True)
        _check_src_width(tuple(src.shape), self.src_width)
        _check_lengths(src_lengths, src.shape[0], src.shape[1])
        if tgt_in is not None:
            require_ids(tgt_in, "tgt_in", ("batch", "time"), self.vocab_size, tensor=True)
            if tgt_in.shape[0] != src.shape[0]:
                raise ValueError(
                    f"tgt_in must have {src.shape[0]} rows like src, got shape "
                    f"{tuple(tgt_in.shape)}"
                )


def _check_lengths(lengths, batch: int, width: int) -> None:
    """``lengths`` must be a ``(batch,)`` integer torch tensor with values in ``[1, width]``."""
    if not (
        isinstance(lengths, torch.Tensor)
        and tuple(lengths.shape) == (batch,)
        and integer_dtype(lengths.dtype)
    ):
        got = type(lengths).__name__
        if hasattr(lengths, "shape"):
            got += f" of shape {tuple(lengths.shape)} and dtype {dtype_name(lengths.dtype)}"
        raise ValueError(f"src_lengths must be a ({batch},) integer torch tensor, got {got}")
    lo, hi = int(lengths.min()), int(lengths.max())
    if lo < 1 or hi > width:
        raise ValueError(f"src_lengths must lie in [1, {width}], got values in [{lo}, {hi}]")


def torch_seq2seq(
    vocab_size: int,
    src_width: int,
    embed_dim: int = 32,
    hidden_size: int = 64,
    attention: bool = True,
) -> Seq2Seq:
    """A fresh :class:`Seq2Seq` (weights from the global torch seed); twin of
    :func:`keras_seq2seq`. Train it behind :class:`TeacherForced`."""
    return Seq2Seq(vocab_size, src_width, embed_dim, hidden_size, attention)


class TeacherForced(nn.Module):
    """``model`` behind one joined input, for :func:`rnnkit.train.fit_torch`.

    ``forward(x)`` with ``x = join_inputs(src, tgt_in)`` ``(B, L + T)`` splits at
    ``model.src_width = L``, takes the source lengths from the non-pad ids, and returns
    ``model(src, src_lengths, tgt_in)``. The parameters are ``model``'s own.
    """

    def __init__(self, model: Seq2Seq) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        width = self.model.src_width
        if x.dim() != 2 or x.shape[1] <= width:
            raise ValueError(
                f"x must be (batch, {width} + target steps) joined ids, got shape {tuple(x.shape)}"
            )
        src, tgt_in = x[:, :width], x[:, width:]  # (B, L), (B, T)
        return self.model(src, (src != PAD_ID).sum(dim=1), tgt_in)


# ---------------------------------------------------------------------------
# Keras
# ---------------------------------------------------------------------------


class KerasSeq2Seq(keras.Model):
    """The Keras twin of :class:`Seq2Seq` (same layers, sizes, attributes and parameter count).

    ``call(x)`` takes the joined ``x = join_inputs(src, tgt_in)`` ``(B, src_width + T)``
    and returns teacher-forced logits ``(B, T, V)``, so :func:`rnnkit.train.fit_keras`
    trains it as is. Padding (id 0) is masked in the encoder GRU and in the attention.
    The attention is ``keras.layers.AdditiveAttention(use_scale=True)`` on the projected
    query ``s_t W_q`` and keys ``k_j W_k``: its learned ``scale`` vector is ``v``.
    """

    def __init__(
        self,
        vocab_size: int,
        src_width: int,
        embed_dim: int = 32,
        hidden_size: int = 64,
        attention: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        src_width = _check_sizes(vocab_size, src_width, embed_dim, hidden_size, attention)
        self.vocab_size, self.src_width, self.attention = vocab_size, src_width, attention
        self.src_embed = layers.Embedding(vocab_size, embed_dim, name="src_embed")
        self.tgt_embed = layers.Embedding(vocab_size, embed_dim, name="tgt_embed")
        self.encoder = layers.GRU(
            hidden_size, return_sequences=True, return_state=True, name="encoder"
        )
        self.decoder = layers.GRU(
            hidden_size, return_sequences=True, return_state=True, name="decoder"
        )
        if attention:
            self.W_q = layers.Dense(hidden_size, use_bias=False, name="W_q")
            self.W_k = layers.Dense(hidden_size, use_bias=False, name="W_k")
            self.additive = layers.AdditiveAttention(use_scale=True, name="additive_attention")
        self.out = layers.Dense(vocab_size, name="out")

    def encode(self, src):
        """``(keys (B, L, H), mask (B, L) bool, state (B, H))`` of the encoder."""
        mask = ops.not_equal(src, PAD_ID)  # (B, L)
        keys, state = self.encoder(self.src_embed(src), mask=mask)
        return keys, mask, state

    def decode(self, tgt_in, state, keys, mask):
        """``(logits (B, T, V), state (B, H), weights (B, T, L) or None)``."""
        outputs, state = self.decoder(self.tgt_embed(tgt_in), initial_state=state)  # (B, T, H)
        if not self.attention:
            return self.out(outputs), state, None
        context, weights = self.additive(
            [self.W_q(outputs), keys, self.W_k(keys)],  # query, value, key
            mask=[None, mask],
            return_attention_scores=True,
        )  # (B, T, H), (B, T, L)
        return self.out(ops.concatenate([outputs, context], axis=-1)), state, weights

    def call(self, x):
        src, tgt_in = x[:, : self.src_width], x[:, self.src_width :]  # (B, L), (B, T)
        keys, mask, state = self.encode(src)
        logits, _, _ = self.decode(tgt_in, state, keys, mask)
        return logits

    def greedy_decode(self, src, max_len: int = 11):
        """As :meth:`Seq2Seq.greedy_decode`, on NumPy ``src (B, L)``: returns NumPy
        ``(tokens (B, n), weights (B, n, L) or None)``, ``<pad>`` and 0 after ``<end>``."""
        max_len = require_int(max_len, "max_len", minimum=1)
        src = _ids(src, "src", self.vocab_size)
        _check_src_width(src.shape, self.src_width)
        if np.any(src[:, 0] == PAD_ID):
            raise ValueError("src must hold at least one non-pad id per row, got an empty row")
        keys, mask, state = self.encode(src)
        token = np.full((len(src), 1), START_ID, dtype=np.int64)
        done = np.zeros(len(src), dtype=bool)
        tokens, weights = [], []
        for _ in range(max_len):
            logits, state, w = self.decode(token, state, keys, mask)  # (B, 1, V)
            token = np.argmax(ops.convert_to_numpy(logits), axis=-1)  # (B, 1)
            token[done] = PAD_ID
            tokens.append(token)
            if w is not None:
                w = ops.convert_to_numpy(w).copy()
                w[done] = 0.0
                weights.append(w)
            done |= token[:, 0] == END_ID
            if done.all():
                break
        tokens = np.concatenate(tokens, axis=1)  # (B, n)
        return tokens, (np.concatenate(weights, axis=1) if weights else None)  # (B, n, L)


def keras_seq2seq(
    vocab_size: int,
    src_width: int,
    embed_dim: int = 32,
    hidden_size: int = 64,
    attention: bool = True,
) -> KerasSeq2Seq:
    """A fresh :class:`KerasSeq2Seq` (weights from the Keras seed); twin of :func:`torch_seq2seq`."""
    return KerasSeq2Seq(vocab_size, src_width, embed_dim, hidden_size, attention)
