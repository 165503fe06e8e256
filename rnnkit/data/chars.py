"""A character corpus that ships with Python, truncated-BPTT batches and an n-gram baseline.

The corpus is the help text of the standard library's ``pydoc_data.topics`` (the
pages ``help("for")``, ``help("with")``, ... print): long technical English that every
CPython installation carries, under the Python Software Foundation License. The topics
are joined in sorted-key order with a blank line between them, optionally cut to the
first ``max_chars`` characters, and split into three contiguous blocks: the first 90%
of characters for training, the next 5% for validation and the last 5% for test.
The text, and so every number measured on it, depends on the Python version; the
corpus records it.

The vocabulary (a character-level :class:`~rnnkit.data.vocab.Vocab`) is built on the
training block only and reserves one id, 0, for ``<unk>``: a validation or test
character never seen in training encodes to 0 and decodes to U+FFFD, the replacement
character; on known characters ``decode(encode(s)) == s``.

:class:`NGramLM` is an interpolated Kneser–Ney character model (Kneser & Ney 1995;
Chen & Goodman 1998, sec. 3.5), the baseline every character RNN must beat.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from rnnkit.data.vocab import UNK, Vocab
from rnnkit.metrics import bits_per_char
from rnnkit.validation import require_ids, require_int

RESERVED = (UNK,)  # id 0
SPLIT_FRACTIONS = (0.90, 0.05, 0.05)


@dataclass(frozen=True)
class CharCorpus:
    """Train / validation / test id streams of one text, with the vocabulary built on train."""

    vocab: Vocab
    train: np.ndarray  # (N_train,) int64
    val: np.ndarray  # (N_val,) int64
    test: np.ndarray  # (N_test,) int64
    source: str

    def __str__(self) -> str:
        return (
            f"CharCorpus({self.source}: vocab {len(self.vocab)}, train {self.train.size:,}, "
            f"val {self.val.size:,}, test {self.test.size:,} chars)"
        )


def python_docs_text() -> str:
    """The ``pydoc_data.topics`` help pages, joined in sorted-key order by blank lines."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[key].strip() for key in sorted(topics))


def split_text(text: str, source: str = "text") -> CharCorpus:
    """Split ``text`` 90/5/5 into contiguous blocks and encode them with a train vocabulary.

    Raises ``ValueError`` when ``text`` is too short for every block to hold at least
    two characters (one input and one target).
    """
    n = len(text)
    n_val = int(n * SPLIT_FRACTIONS[1])
    n_test = int(n * SPLIT_FRACTIONS[2])
    n_train = n - n_val - n_test
    if min(n_train, n_val, n_test) < 2:
        raise ValueError(
            f"text must be at least 40 characters so that a 90/5/5 split leaves 2 in each "
            f"block, got {n} character(s)"
        )
    vocab = Vocab.build(text[:n_train], RESERVED, level="char")
    train, val, test = text[:n_train], text[n_train : n_train + n_val], text[n_train + n_val :]
    return CharCorpus(vocab, vocab.encode(train), vocab.encode(val), vocab.encode(test), source)


def load_python_docs(max_chars: int | None = None) -> CharCorpus:
    """The Python help-topics corpus (about 465k characters on CPython 3.11), split 90/5/5.

    ``max_chars`` keeps only the first ``max_chars`` characters before splitting, so a
    chapter can train in seconds; the split and vocabulary are then those of the cut text.
    """
    text = python_docs_text()
    if max_chars is not None:
        text = text[: require_int(max_chars, "max_chars", minimum=40)]
    version = ".".join(map(str, sys.version_info[:3]))
    return split_text(text, source=f"pydoc_data.topics (Python {version})")


def bptt_windows(ids: np.ndarray, batch_size: int, time: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut an id stream into ``batch_size`` parallel streams and windows of ``time`` steps.

    The stream ``ids[0 : B*L + 1]`` with ``L = (len(ids) - 1) // B`` is laid out as ``B``
    contiguous rows; row ``b`` of the inputs is ``ids[b*L : (b+1)*L]`` and of the targets
    the same shifted by one. Each row is then cut into ``K = L // time`` windows (the
    remainder is dropped), so ``x[k + 1, b]`` continues ``x[k, b]``: carry the hidden
    state of row ``b`` from window ``k`` to ``k + 1`` (truncated BPTT).

    Returns ``x, y`` of shape ``(K, B, time)`` int64 with ``y[k, b, t]`` the character
    after ``x[k, b, t]``. Raises ``ValueError`` when the stream is too short for even one
    window of ``batch_size`` rows.
    """
    ids = np.asarray(ids)
    require_ids(ids, "ids", ("time",))
    batch_size = require_int(batch_size, "batch_size", minimum=1)
    time = require_int(time, "time", minimum=1)
    need = batch_size * time + 1
    if ids.size < need:
        raise ValueError(
            f"ids must hold at least batch_size*time + 1 = {need} ids for one window, got {ids.size}"
            f" (use a smaller batch_size or time)"
        )
    per_row = (ids.size - 1) // batch_size
    k = per_row // time
    x = ids[: batch_size * per_row].reshape(batch_size, per_row)  # (B, L)
    y = ids[1 : batch_size * per_row + 1].reshape(batch_size, per_row)  # (B, L)
    x = x[:, : k * time].reshape(batch_size, k, time).transpose(1, 0, 2)  # (K, B, T)
    y = y[:, : k * time].reshape(batch_size, k, time).transpose(1, 0, 2)  # (K, B, T)
    return np.ascontiguousarray(x, dtype=np.int64), np.ascontiguousarray(y, dtype=np.int64)


# --------------------------------------------------------------------------- n-gram baseline


def _codes(ids: np.ndarray, n: int, vocab_size: int) -> np.ndarray:
    """Integer code of every n-gram of ``ids``: sum_j ids[i + j] * V**(n-1-j)."""
    out = np.zeros(ids.size - n + 1, dtype=np.int64)
    for j in range(n):
        out = out * vocab_size + ids[j : ids.size - n + 1 + j]
    return out


@dataclass(frozen=True)
class _Table:
    """Counts of n-grams (sorted codes) and, per (n-1)-gram context, total and type counts."""

    codes: np.ndarray
    counts: np.ndarray
    ctx_codes: np.ndarray
    ctx_total: np.ndarray
    ctx_types: np.ndarray
    discount: float

    @classmethod
    def build(cls, codes: np.ndarray, counts: np.ndarray, vocab_size: int) -> _Table:
        ctx, first = np.unique(codes // vocab_size, return_index=True)
        total = np.add.reduceat(counts, first) if codes.size else counts
        types = np.diff(np.append(first, codes.size))
        n1, n2 = int(np.sum(counts == 1)), int(np.sum(counts == 2))
        d = n1 / (n1 + 2 * n2) if n1 + 2 * n2 > 0 else 0.5
        return cls(codes, counts, ctx, total, types, float(np.clip(d, 0.05, 0.95)))

    @staticmethod
    def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(keys, query), 0, max(keys.size - 1, 0))
        hit = keys[pos] == query if keys.size else np.zeros(query.shape, bool)
        return np.where(hit, values[pos] if keys.size else 0, 0)

    def count(self, query: np.ndarray) -> np.ndarray:
        return self._lookup(self.codes, self.counts, query)

    def context(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (
            self._lookup(self.ctx_codes, self.ctx_total, query),
            self._lookup(self.ctx_codes, self.ctx_types, query),
        )


class NGramLM:
    """Interpolated Kneser–Ney character n-gram model (Chen & Goodman 1998, eq. 16-17).

    For the highest order ``n`` with history ``h`` (the ``n - 1`` previous characters)
    and ``h'`` that history without its oldest character,

    .. math::
        P(w \\mid h) = \\frac{\\max(c(hw) - D_n, 0)}{c(h\\cdot)}
                     + \\frac{D_n\\, N_{1+}(h\\cdot)}{c(h\\cdot)}\\, P_{\\text{lower}}(w \\mid h')

    where ``c`` are training counts and ``N_{1+}(h.)`` the number of distinct characters
    seen after ``h``. Lower orders use the same formula with *continuation counts*
    ``N_{1+}(. h' w)`` (how many distinct characters precede ``h'w``) in place of ``c``;
    below the unigram level sits the uniform distribution ``1 / V``, so every character,
    ``<unk>`` included, has non-zero probability. A history never seen in training backs
    off entirely to the lower order. Each order has one discount
    ``D = n_1 / (n_1 + 2 n_2)`` (``n_k``: how many n-grams occur exactly ``k`` times),
    clipped to ``[0.05, 0.95]``. Because ``0 < D < 1`` and counts are whole numbers the
    discounted mass equals the back-off weight, so every ``P(. | h)`` sums to 1.
    """

    def __init__(self, train: np.ndarray, vocab_size: int, order: int):
        self.order = require_int(order, "order", minimum=1)
        self.vocab_size = require_int(vocab_size, "vocab_size", minimum=2)
        train = np.asarray(train)
        require_ids(train, "train", ("time",), vocab_size)
        if train.size < order:
            raise ValueError(f"train must hold at least order={order} ids, got {train.size}")
        if order > max_order(vocab_size):
            raise ValueError(
                f"order must be <= {max_order(vocab_size)} for a vocabulary of {vocab_size} "
                f"(n-gram codes must fit in int64), got {order}"
            )
        self.tables: list[_Table] = []  # tables[k - 1] holds the statistics of k-grams
        for k in range(1, order + 1):
            if k == order:  # raw counts at the top order
                codes, counts = np.unique(_codes(train, k, vocab_size), return_counts=True)
            else:  # continuation counts: distinct left neighbours of each k-gram
                longer = np.unique(_codes(train, k + 1, vocab_size))
                codes, counts = np.unique(longer % vocab_size**k, return_counts=True)
            self.tables.append(_Table.build(codes, counts, vocab_size))

    def prob(self, history: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        """``P(nxt[i] | history[i])`` for histories of shape ``(n, order - 1)``; returns
        ``(n,)``."""
        v = self.vocab_size
        p = np.full(nxt.shape, 1.0 / v)
        for k in range(1, self.order + 1):  # from the unigram level up to the full order
            ctx = np.zeros(nxt.shape, dtype=np.int64)
            for j in range(self.order - k, self.order - 1):  # the last k - 1 characters
                ctx = ctx * v + history[:, j]
            table = self.tables[k - 1]
            total, types = table.context(ctx)
            seen = total > 0
            safe = np.where(seen, total, 1)
            mass = np.maximum(table.count(ctx * v + nxt) - table.discount, 0.0) / safe
            p = np.where(seen, mass + table.discount * types / safe * p, p)
        return p

    def distribution(self, history) -> np.ndarray:
        """The whole ``(V,)`` next-character distribution after one history of ``order - 1`` ids."""
        history = np.asarray(history, dtype=np.int64).reshape(1, self.order - 1)
        rows = np.repeat(history, self.vocab_size, axis=0)  # (V, order - 1)
        return self.prob(rows, np.arange(self.vocab_size))

    def char_probs(self, ids: np.ndarray, context: np.ndarray | None = None) -> np.ndarray:
        """``P(ids[t] | the order - 1 ids before it)`` for every ``t``: ``(len(ids),)`` float64.

        ``context`` is the text just before ``ids`` (the previous split of the same
        stream): its last ``order - 1`` ids serve as the history of the first targets,
        so every order scores exactly the same characters; without it (or where it is
        too short) the missing history is ``<unk>`` (id 0). Raises ``ValueError`` for
        ids of the wrong rank, dtype or range, as the constructor does.
        """
        ids = np.asarray(ids)
        require_ids(ids, "ids", ("time",), self.vocab_size, nonempty=True)
        ids = ids.astype(np.int64)
        pre = np.zeros(0, np.int64) if context is None else np.asarray(context)
        require_ids(pre, "context", ("time",), self.vocab_size)
        pre = pre[max(pre.size - (self.order - 1), 0) :].astype(np.int64)
        pad = np.zeros(self.order - 1 - pre.size, dtype=np.int64)  # <unk> when no context
        stream = np.concatenate([pad, pre, ids])
        n = ids.size
        history = np.zeros((n, self.order - 1), dtype=np.int64)  # (n, order - 1)
        for j in range(self.order - 1):
            history[:, j] = stream[j : j + n]
        return self.prob(history, ids)

    def bits_per_char(self, ids: np.ndarray, context: np.ndarray | None = None) -> float:
        """Mean ``-log2 P`` of every id in ``ids``, the probabilities of :meth:`char_probs`."""
        return bits_per_char(self.char_probs(ids, context))


@dataclass(frozen=True)
class NGramBaseline:
    """The order chosen on validation, the bits per character of every order tried, and the
    model."""

    order: int
    val_bpc: dict[int, float]
    test_bpc: float
    model: NGramLM

    def __str__(self) -> str:
        tried = ", ".join(f"{k}: {b:.3f}" for k, b in self.val_bpc.items())
        return f"Kneser-Ney {self.order}-gram: test {self.test_bpc:.3f} bpc (val by order: {tried})"


def max_order(vocab_size: int) -> int:
    """The largest order whose n-gram codes fit in int64 (``V**(order+1) < 2**62``)."""
    order = 1
    while vocab_size ** (order + 2) < 2**62:
        order += 1
    return order


def ngram_baseline(corpus: CharCorpus, orders=None) -> NGramBaseline:
    """Fit an :class:`NGramLM` of each order on train, keep the best on validation, score test.

    ``orders`` defaults to 1 to 8 (fewer if the vocabulary is so large that 8-gram codes
    would overflow int64, see :func:`max_order`).

    Validation histories reach back into train and test histories into validation
    (see :meth:`NGramLM.bits_per_char`). Returns bits per character, ``-mean log2 P``.
    """
    v = len(corpus.vocab)
    if orders is None:
        orders = range(1, min(8, max_order(v)) + 1)
    orders = [require_int(o, "orders[i]", minimum=1) for o in orders]
    if not orders:
        raise ValueError("orders must name at least one order, got none")
    val_bpc, models = {}, {}
    for o in orders:
        models[o] = NGramLM(corpus.train, v, o)
        val_bpc[o] = models[o].bits_per_char(corpus.val, context=corpus.train)
    best = min(val_bpc, key=val_bpc.get)
    test = models[best].bits_per_char(corpus.test, context=corpus.val)
    return NGramBaseline(best, val_bpc, test, models[best])
