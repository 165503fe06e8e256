"""Character-level language models (chapter 07): the same network in PyTorch and Keras.

The model reads character ids and predicts, at every position, the next character:

.. math::
    e_t = E[x_t], \\qquad h_t = \\mathrm{cell}(e_t, h_{t-1}),

    \\text{logits}_t = h_t W_y + b_y, \\qquad
    P(x_{t+1} = k \\mid x_{\\le t}) = \\mathrm{softmax}(\\text{logits}_t)_k

with an embedding table ``E`` of shape ``(vocab_size, embed_dim)``, one recurrent layer of
``hidden_size`` units (``"lstm"``, ``"gru"`` or a plain ``"rnn"`` with ``tanh``) and a
linear read-out. :func:`torch_char_lm` (a :class:`CharLM`) and :func:`keras_char_lm`
build it with the same sizes; the parameter counts differ only where the frameworks do
(PyTorch keeps two bias vectors per gate block, Keras one, except in the GRU).

Quality is measured in **bits per character** (bpc), the mean of
``-log2 P(x_{t+1} | x_{<=t})`` over a text (:func:`bits_per_char_torch`,
:func:`bits_per_char_keras`), the unit of :func:`rnnkit.data.chars.ngram_baseline`;
the scores themselves, and the mixture of two models, are in :mod:`rnnkit.metrics`.
Text is generated one character at a time with a temperature
(:func:`apply_temperature`, :func:`sample_torch`, :func:`sample_keras`).

Keras is imported only inside the functions that need it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from rnnkit.convert import keras_layer, torch_layer
from rnnkit.data.vocab import Vocab
from rnnkit.metrics import bits_per_char
from rnnkit.reference import CELLS
from rnnkit.validation import require_choice, require_ids, require_int

ProbsFn = Callable[[np.ndarray, float], np.ndarray]


# --------------------------------------------------------------------------- temperature


def apply_temperature(logits, temperature: float) -> np.ndarray:
    """Next-character probabilities at a temperature τ: ``softmax(logits / τ)``.

    .. math::
        p_k = \\frac{\\exp((z_k - \\max_j z_j) / \\tau)}{\\sum_i \\exp((z_i - \\max_j z_j) / \\tau)}

    Subtracting the maximum changes nothing mathematically and keeps ``exp`` from
    overflowing; subtracting it *before* dividing by ``τ`` keeps every exponent
    ``<= 0`` for any ``τ > 0``, so even ``τ = 1e-308`` gives the argmax (ties share
    it) rather than ``inf / inf``. ``τ = 1`` gives the model's own distribution,
    ``τ < 1`` sharpens it (``τ -> 0`` tends to the argmax), ``τ > 1`` flattens it
    (``τ -> inf`` tends to uniform). ``logits`` is ``(..., V)`` real; the result has
    the same shape, float64, each row summing to 1. Raises ``ValueError`` for
    ``τ <= 0`` or non-finite logits.
    """
    z = np.asarray(logits)
    if z.dtype.kind not in "iuf" or z.ndim == 0:
        raise TypeError(
            f"logits must be a real array of shape (..., vocab), got dtype {z.dtype} shape {z.shape}"
        )
    if not np.all(np.isfinite(z)):
        raise ValueError("logits must be finite, got NaN or inf")
    t = _require_temperature(temperature)
    z = z.astype(np.float64)
    with np.errstate(over="ignore"):  # (z - max) / T may reach -inf: exp gives 0
        z = (z - z.max(axis=-1, keepdims=True)) / t  # (..., V), every entry <= 0
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _require_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating)):
        raise TypeError(f"temperature must be a number > 0, got {temperature!r}")
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature}")
    return float(temperature)


def _check_sampling(vocab, prime, length, temperature, seed, probs_fn):
    """The checks both samplers share; returns ``(length, numpy Generator(seed))``."""
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab, got {type(vocab).__name__}")
    if not isinstance(prime, str) or not prime:
        raise ValueError(f"prime must be a non-empty string, got {prime!r}")
    length = require_int(length, "length", minimum=0)
    _require_temperature(temperature)
    if not callable(probs_fn):
        raise TypeError(
            f"probs_fn must be a function (logits, T) -> probabilities, got {type(probs_fn).__name__}"
        )
    return length, np.random.default_rng(require_int(seed, "seed", minimum=0))


def sample_next(
    logits, temperature: float, rng: np.random.Generator, probs_fn: ProbsFn = apply_temperature
) -> int:
    """Draw one id from ``probs_fn(logits, temperature)`` for a ``(V,)`` logit vector."""
    p = np.asarray(probs_fn(np.asarray(logits, dtype=np.float64), temperature), dtype=np.float64)
    return int(rng.choice(p.size, p=p / p.sum()))


# --------------------------------------------------------------------------- PyTorch


class CharLM(nn.Module):
    """Embedding -> one LSTM/GRU/RNN layer -> linear read-out, batch first.

    ``forward(x, state=None) -> (logits, state)``: ``x`` is ``(B, T)`` int64 ids in
    ``[0, vocab_size)``, ``logits`` ``(B, T, vocab_size)``; ``state`` is the layer's own
    (``(h, c)`` for an LSTM, ``h`` otherwise, each ``(1, B, hidden_size)``), so the model
    fits :func:`~rnnkit.train.torch_fit.fit_torch` with ``tbptt=True``. Raises ``ValueError`` (one
    line, :func:`rnnkit.validation.require_ids`) for ids of the wrong rank, dtype or range.
    :class:`RegularisedCharLM` adds dropout and a tied read-out.
    """

    def __init__(
        self, vocab_size: int, embed_dim: int = 32, hidden_size: int = 128, cell: str = "lstm"
    ):
        super().__init__()
        vocab_size = require_int(vocab_size, "vocab_size", minimum=2)
        cell = require_choice(cell, "cell", CELLS)
        embed_dim = require_int(embed_dim, "embed_dim", minimum=1)
        hidden_size = require_int(hidden_size, "hidden_size", minimum=1)
        self.vocab_size, self.cell, self.hidden_size = vocab_size, cell, hidden_size
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = torch_layer(cell)(embed_dim, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x: torch.Tensor, state=None):
        require_ids(x, "x", ("batch", "time"), self.vocab_size, tensor=True)
        out, state = self.rnn(self.embed(x), state)  # (B, T, H)
        return self.head(out), state  # (B, T, V)


class RegularisedCharLM(CharLM):
    """:class:`CharLM` with two regularisers, both off by default.

    ``dropout`` zeroes each embedding output and each read-out input with that
    probability while training (not the recurrent connections: Zaremba et al. 2014), and
    ``tie=True`` makes the read-out reuse the embedding table, ``logits = h E^T + b``
    (Press & Wolf 2017), which needs ``embed_dim == hidden_size``.
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int = 32,
        hidden_size: int = 128,
        cell: str = "lstm",
        dropout: float = 0.0,
        tie: bool = False,
    ):
        super().__init__(vocab_size, embed_dim, hidden_size, cell)
        dropout, tie = _require_regularisers(
            dropout, tie, self.embed.embedding_dim, self.hidden_size
        )
        self.dropout, self.tie = dropout, tie
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        if tie:
            # one (vocab_size, hidden_size) table, read both ways
            self.head.weight = self.embed.weight

    def forward(self, x: torch.Tensor, state=None):
        require_ids(x, "x", ("batch", "time"), self.vocab_size, tensor=True)
        e = self.drop(self.embed(x))  # (B, T, E)
        out, state = self.rnn(e, state)  # (B, T, H)
        return self.head(self.drop(out)), state  # (B, T, V)


def _require_regularisers(dropout, tie, embed_dim: int, hidden_size: int) -> tuple[float, bool]:
    """``(dropout, tie)`` checked: a rate in ``[0, 1)``, a bool, ``embed_dim == hidden_size`` if
    tied."""
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float, np.floating)):
        raise TypeError(f"dropout must be a number in [0, 1), got {dropout!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if not isinstance(tie, (bool, np.bool_)):
        raise TypeError(f"tie must be True or False, got {tie!r}")
    if tie and embed_dim != hidden_size:
        raise ValueError(
            f"tie=True shares the (vocab_size, embed_dim) table with the read-out, so embed_dim must equal "
            f"hidden_size, got embed_dim={embed_dim}, hidden_size={hidden_size}"
        )
    return float(dropout), bool(tie)


def torch_char_lm(
    vocab_size: int,
    embed_dim: int = 32,
    hidden_size: int = 128,
    cell: str = "lstm",
    *,
    dropout: float = 0.0,
    tie: bool = False,
) -> CharLM:
    """A fresh :class:`CharLM` (weights from the global torch seed); twin of :func:`keras_char_lm`.

    With ``dropout > 0`` or ``tie=True`` it is a :class:`RegularisedCharLM`.
    """
    if tie is False and dropout == 0 and not isinstance(dropout, bool):
        return CharLM(vocab_size, embed_dim, hidden_size, cell)
    return RegularisedCharLM(vocab_size, embed_dim, hidden_size, cell, dropout, tie)


def _ids_stream(ids, context) -> tuple[np.ndarray, int]:
    """``(stream, n)``: context (or a single ``<unk>`` id 0) followed by ``ids``."""
    ids = np.asarray(ids)
    require_ids(ids, "ids", ("time",), nonempty=True)
    pre = np.zeros(1, np.int64) if context is None or len(context) == 0 else np.asarray(context)
    require_ids(pre, "context", ("time",))
    return np.concatenate([pre.astype(np.int64), ids.astype(np.int64)]), ids.size


def char_probs_torch(
    model, ids, context=None, *, device: str | None = None, chunk: int = 4096
) -> np.ndarray:
    """``P(ids[t] | everything before it)`` under a :class:`CharLM`, one per character.

    The model first reads ``context`` (the text just before ``ids``, e.g. the
    validation split before the test split; ``None`` means one ``<unk>`` id), then
    every character of ``ids`` is predicted from all characters before it, the state
    carried through ``chunk``-long pieces. Returns ``(len(ids),)`` float64 (computed
    from a float64 log-softmax), in the order of ``ids``: the same characters, with
    the same context, as :meth:`rnnkit.data.chars.NGramLM.char_probs`.
    """
    stream, n = _ids_stream(ids, context)
    chunk = require_int(chunk, "chunk", minimum=1)
    device = device or next(model.parameters()).device
    x = torch.as_tensor(stream[:-1], device=device)[None]  # (1, N - 1)
    y = torch.as_tensor(stream[1:], device=device)[None]  # (1, N - 1)
    was_training = model.training
    model.eval()
    pieces, state = [], None
    with torch.no_grad():
        for s in range(0, x.shape[1], chunk):
            logits, state = model(x[:, s : s + chunk], state)  # (1, t, V)
            logp = torch.log_softmax(logits.double(), dim=-1)
            pieces.append(logp.gather(-1, y[:, s : s + chunk, None])[0, :, 0])  # (t,)
    model.train(was_training)
    logp = torch.cat(pieces)[-n:]  # (n,): targets before these belong to the context
    return np.exp(logp.cpu().numpy())


def bits_per_char_torch(
    model, ids, context=None, *, device: str | None = None, chunk: int = 4096
) -> float:
    """Mean ``-log2 P(ids[t] | everything before it)`` under a :class:`CharLM`.

    The probabilities are those of :func:`char_probs_torch` (same arguments), so the
    number compares with :meth:`rnnkit.data.chars.NGramLM.bits_per_char`.
    """
    return bits_per_char(char_probs_torch(model, ids, context, device=device, chunk=chunk))


def sample_torch(
    model,
    vocab,
    prime: str,
    length: int,
    temperature: float = 1.0,
    seed: int = 0,
    probs_fn: ProbsFn = apply_temperature,
) -> str:
    """Generate ``length`` characters after ``prime`` from a :class:`CharLM`.

    The model reads ``prime`` (encoded with ``vocab``, a character-level
    :class:`~rnnkit.data.vocab.Vocab`), then repeatedly draws the next id from
    ``probs_fn(logits, temperature)`` with a ``numpy.random.Generator(seed)`` and feeds it back,
    carrying the state. Returns the generated characters only (not the prime). Raises (one line) for
    arguments of the wrong kind: ``ValueError`` for an empty prime, ``TypeError`` for a vocabulary
    that is not a ``Vocab`` or a length or seed that is not an integer.
    """
    length, rng = _check_sampling(vocab, prime, length, temperature, seed, probs_fn)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        x = torch.as_tensor(vocab.encode(prime), device=device)[None]  # (1, len(prime))
        logits, state = model(x, None)
        for _ in range(length):
            nxt = sample_next(logits[0, -1].double().cpu().numpy(), temperature, rng, probs_fn)
            out.append(nxt)
            logits, state = model(torch.tensor([[nxt]], device=device), state)  # (1, 1, V)
    model.train(was_training)
    return vocab.decode(np.array(out, dtype=np.int64))


# --------------------------------------------------------------------------- Keras


def keras_char_lm(
    vocab_size: int,
    embed_dim: int = 32,
    hidden_size: int = 128,
    cell: str = "lstm",
    *,
    dropout: float = 0.0,
    tie: bool = False,
    batch_size: int | None = None,
    stateful: bool = False,
):
    """The Keras twin of :func:`torch_char_lm`: ``Embedding -> LSTM/GRU/SimpleRNN -> Dense``.

    Input ``(B, T)`` int ids, output ``(B, T, vocab_size)`` logits. ``stateful=True``
    (which needs a fixed ``batch_size``) keeps the layer's state between calls, which
    is how :func:`~rnnkit.train.keras_fit.fit_keras` carries it across batches with ``tbptt=True``.
    Layers are named ``"embed"``, ``"drop"`` (only when ``dropout > 0``), ``"rnn"`` and
    ``"head"``, as the PyTorch twin's modules; ``dropout`` and ``tie`` mean what they
    mean there (with ``tie=True`` the head holds only its bias and multiplies by the
    embedding table). ``batch_size`` and ``stateful`` exist in Keras only: PyTorch
    passes the state explicitly.
    """
    import keras

    vocab_size = require_int(vocab_size, "vocab_size", minimum=2)
    embed_dim = require_int(embed_dim, "embed_dim", minimum=1)
    hidden_size = require_int(hidden_size, "hidden_size", minimum=1)
    require_choice(cell, "cell", CELLS)
    dropout, tie = _require_regularisers(dropout, tie, embed_dim, hidden_size)
    if batch_size is not None:
        batch_size = require_int(batch_size, "batch_size", minimum=1)
    if stateful and batch_size is None:
        raise ValueError("stateful=True needs a fixed batch_size, got batch_size=None")
    layer = keras_layer(cell)
    drop = keras.layers.Dropout(dropout, name="drop") if dropout > 0 else (lambda t: t)
    ids = keras.Input(batch_shape=(batch_size, None), dtype="int32")
    table = keras.layers.Embedding(vocab_size, embed_dim, name="embed")
    e = drop(table(ids))  # (B, T, E)
    h = layer(hidden_size, return_sequences=True, stateful=stateful, name="rnn")(e)  # (B, T, H)
    head = _tied_head(table, vocab_size) if tie else keras.layers.Dense(vocab_size, name="head")
    logits = head(drop(h))  # (B, T, V)
    return keras.Model(ids, logits, name=f"charlm_{cell}")


def _tied_head(table, vocab_size: int):
    """A Keras layer ``"head"``: ``logits = h E^T + b`` with ``E`` the embedding ``table``'s
    weights."""
    import keras

    class TiedHead(keras.layers.Layer):
        def build(self, input_shape):
            self.bias = self.add_weight(shape=(vocab_size,), initializer="zeros", name="bias")

        def call(self, h):
            return keras.ops.matmul(h, keras.ops.transpose(table.embeddings)) + self.bias

    return TiedHead(name="head")


def keras_char_lm_like(model, *, batch_size: int | None = None, stateful: bool = False):
    """A copy of a :func:`keras_char_lm` model with another batch size / statefulness.

    Training uses a stateful model with a fixed batch; evaluation and sampling need
    batch 1 or any batch. The weights are copied, the sizes (dropout and tying
    included) read from the layers.
    """
    try:
        emb, rnn, head = (model.get_layer(name) for name in ("embed", "rnn", "head"))
    except ValueError:
        raise ValueError(
            "model must come from keras_char_lm (layers 'embed', 'rnn', 'head'), "
            f"got layers {[layer.name for layer in model.layers]}"
        ) from None
    cell = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}[type(rnn).__name__]
    names = [layer.name for layer in model.layers]
    dropout = model.get_layer("drop").rate if "drop" in names else 0.0
    tie = type(head).__name__ == "TiedHead"
    copy = keras_char_lm(
        emb.input_dim,
        emb.output_dim,
        rnn.units,
        cell,
        dropout=dropout,
        tie=tie,
        batch_size=batch_size,
        stateful=stateful,
    )
    copy.set_weights(model.get_weights())
    return copy


def char_probs_keras(model, ids, context=None) -> np.ndarray:
    """As :func:`char_probs_torch`, for a :func:`keras_char_lm` model (any batch size).

    The whole stream (context then ``ids``) goes through a batch-1 copy in one
    ``predict`` call: compiled once, it runs the time loop as a graph, where a plain
    eager call steps the LSTM from Python, tens of times slower on long texts.
    """
    import keras

    stream, n = _ids_stream(ids, context)
    evaluator = keras_char_lm_like(model)
    x = stream[None, :-1].astype(np.int32)  # (1, N - 1)
    logits = evaluator.predict(x, batch_size=1, verbose=0)  # (1, N - 1, V)
    logp = np.asarray(keras.ops.log_softmax(keras.ops.cast(logits, "float64"), axis=-1))[0]
    y = stream[1:]
    return np.exp(logp[np.arange(y.size), y][-n:])  # (n,)


def bits_per_char_keras(model, ids, context=None) -> float:
    """As :func:`bits_per_char_torch`, for a :func:`keras_char_lm` model (any batch size)."""
    return bits_per_char(char_probs_keras(model, ids, context))


def sample_keras(
    model,
    vocab,
    prime: str,
    length: int,
    temperature: float = 1.0,
    seed: int = 0,
    probs_fn: ProbsFn = apply_temperature,
) -> str:
    """As :func:`sample_torch`, for a :func:`keras_char_lm` model.

    A stateful batch-1 copy reads ``prime`` and then one character per call. Refuses
    the same arguments as :func:`sample_torch`, with the same messages.
    """
    length, rng = _check_sampling(vocab, prime, length, temperature, seed, probs_fn)
    stepper = keras_char_lm_like(model, batch_size=1, stateful=True)
    logits = stepper(vocab.encode(prime)[None].astype(np.int32), training=False)  # (1, T, V)
    out = []
    for _ in range(length):
        nxt = sample_next(np.asarray(logits)[0, -1], temperature, rng, probs_fn)
        out.append(nxt)
        logits = stepper(np.array([[nxt]], dtype=np.int32), training=False)  # (1, 1, V)
    return vocab.decode(np.array(out, dtype=np.int64))
