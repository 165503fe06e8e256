"""Character-level language models (chapter 07): the same network in PyTorch and Keras.

The model reads character ids and predicts, at every position, the next character:

.. math::
    e_t = E[x_t], \\qquad h_t = \\mathrm{cell}(e_t, h_{t-1}), \\qquad
    \\text{logits}_t = h_t W_y + b_y, \\qquad
    P(x_{t+1} = k \\mid x_{\\le t}) = \\mathrm{softmax}(\\text{logits}_t)_k

with an embedding table ``E`` of shape ``(vocab, embed)``, one recurrent layer of
``hidden`` units (``"lstm"``, ``"gru"`` or a plain ``"rnn"`` with ``tanh``) and a
linear read-out. :func:`torch_char_lm` (a :class:`CharLM`) and :func:`keras_char_lm`
build it with the same sizes; the parameter counts differ only where the frameworks do
(PyTorch keeps two bias vectors per gate block, Keras one, except in the GRU).

Quality is measured in **bits per character** (bpc), the mean of
``-log2 P(x_{t+1} | x_{<=t})`` over a text (:func:`bits_per_char_torch`,
:func:`bits_per_char_keras`), the unit of :func:`rnnkit.data.chars.ngram_baseline`.
Text is generated one character at a time with a temperature
(:func:`apply_temperature`, :func:`sample_torch`, :func:`sample_keras`).

Keras is imported only inside the functions that need it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from rnnkit.data.vocab import Vocab
from rnnkit.validation import require_choice, require_ids, require_int

CELLS = ("lstm", "gru", "rnn")
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
    ``[0, vocab)``, ``logits`` ``(B, T, vocab)``; ``state`` is the layer's own (``(h, c)``
    for an LSTM, ``h`` otherwise, each ``(1, B, hidden)``), so the model fits
    :func:`rnnkit.train.fit_torch` with ``tbptt=True``. Raises ``ValueError`` (one
    line, :func:`rnnkit.validation.require_ids`) for ids of the wrong rank, dtype or range.
    """

    def __init__(self, vocab: int, embed: int = 32, hidden: int = 128, cell: str = "lstm"):
        super().__init__()
        vocab = require_int(vocab, "vocab", minimum=2)
        cell = require_choice(cell, "cell", CELLS)
        embed = require_int(embed, "embed", minimum=1)
        hidden = require_int(hidden, "hidden", minimum=1)
        self.vocab, self.cell, self.hidden = vocab, cell, hidden
        layer = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = layer(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x: torch.Tensor, state=None):
        require_ids(x, "x", ("batch", "time"), self.vocab, tensor=True)
        e = self.embed(x)  # (B, T, E)
        out, state = self.rnn(e, state)  # (B, T, H)
        return self.head(out), state  # (B, T, V)


def torch_char_lm(vocab: int, embed: int = 32, hidden: int = 128, cell: str = "lstm") -> CharLM:
    """A fresh :class:`CharLM` (weights from the global torch seed); twin of :func:`keras_char_lm`."""
    return CharLM(vocab, embed, hidden, cell)


def _ids_stream(ids, context) -> tuple[np.ndarray, int]:
    """``(stream, n)``: context (or a single ``<unk>`` id 0) followed by ``ids``."""
    ids = np.asarray(ids)
    require_ids(ids, "ids", ("time",), nonempty=True)
    pre = np.zeros(1, np.int64) if context is None or len(context) == 0 else np.asarray(context)
    require_ids(pre, "context", ("time",))
    return np.concatenate([pre.astype(np.int64), ids.astype(np.int64)]), ids.size


def bits_per_char_torch(
    model, ids, context=None, *, device: str | None = None, chunk: int = 4096
) -> float:
    """Mean ``-log2 P(ids[t] | everything before it)`` under a :class:`CharLM`.

    The model first reads ``context`` (the text just before ``ids``, e.g. the
    validation split before the test split; ``None`` means one ``<unk>`` id), then
    every character of ``ids`` is predicted from all characters before it, the state
    carried through ``chunk``-long pieces. Same contract as
    :meth:`rnnkit.data.chars.NGramLM.bits_per_char`, so the numbers compare.
    """
    stream, n = _ids_stream(ids, context)
    chunk = require_int(chunk, "chunk", minimum=1)
    device = device or next(model.parameters()).device
    x = torch.as_tensor(stream[:-1], device=device)[None]  # (1, N - 1)
    y = torch.as_tensor(stream[1:], device=device)[None]  # (1, N - 1)
    first = x.shape[1] - n  # targets before this index belong to the context
    was_training = model.training
    model.eval()
    nll, state = torch.zeros((), dtype=torch.float64, device=device), None
    with torch.no_grad():
        for s in range(0, x.shape[1], chunk):
            logits, state = model(x[:, s : s + chunk], state)  # (1, t, V)
            logp = torch.log_softmax(logits.double(), dim=-1)
            picked = logp.gather(-1, y[:, s : s + chunk, None])[0, :, 0]  # (t,)
            lo = max(first - s, 0)
            nll -= picked[lo:].sum()
    model.train(was_training)
    return float(nll) / n / np.log(2)


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

    The model reads ``prime`` (encoded with ``vocab``, a character-level :class:`~rnnkit.data.vocab.Vocab`),
    then repeatedly draws the next id from ``probs_fn(logits, temperature)`` with a
    ``numpy.random.Generator(seed)`` and feeds it back, carrying the state. Returns the
    generated characters only (not the prime). Raises (one line) for arguments of the
    wrong kind: ``ValueError`` for an empty prime, ``TypeError`` for a vocabulary that is not a ``Vocab`` or a length
    or seed that is not an integer.
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
    vocab: int,
    embed: int = 32,
    hidden: int = 128,
    cell: str = "lstm",
    *,
    batch_size: int | None = None,
    stateful: bool = False,
):
    """The Keras twin of :func:`torch_char_lm`: ``Embedding -> LSTM/GRU/SimpleRNN -> Dense``.

    Input ``(B, T)`` int ids, output ``(B, T, vocab)`` logits. ``stateful=True``
    (which needs a fixed ``batch_size``) keeps the layer's state between calls, which
    is how :func:`rnnkit.train.fit_keras` carries it across batches with ``tbptt=True``.
    Layers are named ``"embed"``, ``"rnn"`` and ``"head"``, as the PyTorch twin's modules.
    ``batch_size`` and ``stateful`` exist in Keras only: PyTorch passes the state explicitly.
    """
    import keras

    vocab = require_int(vocab, "vocab", minimum=2)
    embed = require_int(embed, "embed", minimum=1)
    hidden = require_int(hidden, "hidden", minimum=1)
    require_choice(cell, "cell", CELLS)
    if batch_size is not None:
        batch_size = require_int(batch_size, "batch_size", minimum=1)
    if stateful and batch_size is None:
        raise ValueError("stateful=True needs a fixed batch_size, got batch_size=None")
    layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}[
        cell
    ]
    ids = keras.Input(batch_shape=(batch_size, None), dtype="int32")
    e = keras.layers.Embedding(vocab, embed, name="embed")(ids)  # (B, T, E)
    h = layer(hidden, return_sequences=True, stateful=stateful, name="rnn")(e)  # (B, T, H)
    logits = keras.layers.Dense(vocab, name="head")(h)  # (B, T, V)
    return keras.Model(ids, logits, name=f"charlm_{cell}")


def keras_char_lm_like(model, *, batch_size: int | None = None, stateful: bool = False):
    """A copy of a :func:`keras_char_lm` model with another batch size / statefulness.

    Training uses a stateful model with a fixed batch; evaluation and sampling need
    batch 1 or any batch. The weights are copied, the sizes read from the layers.
    """
    try:
        emb, rnn = model.get_layer("embed"), model.get_layer("rnn")
    except ValueError:
        raise ValueError(
            "model must come from keras_char_lm (layers 'embed', 'rnn', 'head'), "
            f"got layers {[layer.name for layer in model.layers]}"
        ) from None
    cell = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}[type(rnn).__name__]
    copy = keras_char_lm(
        emb.input_dim, emb.output_dim, rnn.units, cell, batch_size=batch_size, stateful=stateful
    )
    copy.set_weights(model.get_weights())
    return copy


def bits_per_char_keras(model, ids, context=None) -> float:
    """As :func:`bits_per_char_torch`, for a :func:`keras_char_lm` model (any batch size).

    The whole stream (context then ``ids``) goes through a batch-1 copy in one call.
    """
    import keras

    stream, n = _ids_stream(ids, context)
    evaluator = keras_char_lm_like(model)
    logits = evaluator(stream[None, :-1].astype(np.int32), training=False)  # (1, N - 1, V)
    logp = np.asarray(keras.ops.log_softmax(keras.ops.cast(logits, "float64"), axis=-1))[0]
    y = stream[1:]
    picked = logp[np.arange(y.size), y][-n:]  # (n,)
    return float(-picked.mean() / np.log(2))


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
