"""Generated sentiment sentences in which word order decides the label.

No labelled sentiment corpus ships offline inside an installable package (nltk's and
Keras' IMDB need downloads, lexicons such as AFINN hold words, not labelled sentences),
so rnnkit generates one from a small grammar. A *clause* is

    the NOUN was|is [not|never] [INTENSIFIER] ADJECTIVE      e.g. "the plot was not very dull"

with polarity ``+1`` for a positive adjective, ``-1`` for a negative one, flipped by a
negator (intensifiers do not change it). A sentence is an optional opener ("honestly",
"overall", ...) followed by one of four forms; its label (1 positive, 0 negative) is the
polarity of the *main* clause:

=================================  =====================
form                               main clause
=================================  =====================
``c1``                             c1
``c1 but c2``                      c2 (contrast)
``although c1 , c2``               c2
``c1 , although c2``               c1 (the concession)
=================================  =====================

Two things defeat a bag-of-words model. Negation is an XOR: "good" and "not bad" are
positive, "bad" and "not good" negative, which no linear function of word counts can
separate. And many two-clause sentences come with a *twin*: the same multiset of words
in another order with the other label ("the plot was good but the cast was not bad" /
"the plot was not good but the cast was bad"). Sentences with the same bag of words are
always put in the same split, so :func:`order_dependent` can flag, within a split, the
examples a bag-of-words model cannot get right except by chance.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rnnkit.data.sequences import PAD_ID, mask_from_lengths, stack_sequences, to_torch
from rnnkit.data.vocab import PAD, UNK, Vocab, tokenize
from rnnkit.validation import require_int

POSITIVE = ("good", "great", "excellent", "wonderful", "charming", "brilliant", "fun", "moving")
NEGATIVE = ("bad", "awful", "boring", "dull", "terrible", "weak", "bland", "clumsy")
INTENSIFIERS = ("very", "really", "truly", "quite", "rather")
NEGATORS = ("not", "never")
NOUNS = ("movie", "film", "plot", "acting", "story", "ending", "music", "cast")
VERBS = ("was", "is")
OPENERS = ("honestly ,", "overall ,", "i think", "to be fair ,")
FORMS = ("single", "but", "although_first", "although_second")
RESERVED = (PAD, UNK)  # ids 0 and 1


@dataclass(frozen=True)
class SentimentConfig:
    """How :func:`make_sentiment` samples sentences."""

    n: int = 6000
    seed: int = 0
    p_negate: float = 0.25  # chance that a clause is negated
    p_intensify: float = 0.3  # chance of an intensifier
    p_opener: float = 0.3  # chance of an opener
    form_weights: tuple[float, float, float, float] = (0.4, 0.3, 0.15, 0.15)  # over FORMS
    p_twin: float = 0.5  # chance of adding a twin of a two-clause sentence
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)  # train / val / test


@dataclass(frozen=True)
class TextSplit:
    """``ids (n, L)`` int64 padded with 0, ``lengths (n,)``, ``labels (n,)`` and the texts."""

    texts: tuple[str, ...]
    ids: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        """``(n, L)`` bool, True on real tokens: what ``Embedding(mask_zero=True)`` computes."""
        return mask_from_lengths(self.lengths, self.ids.shape[1])

    def torch(self, device: str = "cpu"):
        """``(ids, lengths, labels)`` as int64 tensors; ``lengths`` stays on the CPU for
        ``pack_padded_sequence(emb, lengths, batch_first=True, enforce_sorted=False)``."""
        ids, labels = to_torch(self.ids, self.labels, device=device)
        return ids, to_torch(self.lengths), labels

    def keras(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ids int32 (n, L), labels int32 (n,))``; use ``Embedding(..., mask_zero=True)``."""
        return self.ids.astype(np.int32), self.labels.astype(np.int32)


def encode_split(texts, labels, vocab: Vocab, maxlen: int, n_classes: int = 2) -> TextSplit:
    """Tokenize, encode and pad ``texts`` to ``maxlen``; check labels are in ``[0, n_classes)``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != len(texts):
        raise ValueError(
            f"labels must have shape ({len(texts)},), one per text, got {labels.shape}"
        )
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in [0, {n_classes - 1}], got values from {labels.min()} to {labels.max()}"
        )
    ids, lengths = stack_sequences([vocab.encode(t) for t in texts], pad=True, maxlen=maxlen)
    return TextSplit(tuple(texts), ids, lengths, labels.astype(np.int64))


@dataclass(frozen=True)
class TextClassification:
    """Train / val / test splits of one text task, its vocabulary and number of classes."""

    vocab: Vocab
    train: TextSplit
    val: TextSplit
    test: TextSplit
    n_classes: int = 2


# --------------------------------------------------------------------------- the grammar


def _clause(rng, cfg: SentimentConfig) -> list[str]:
    positive = rng.random() < 0.5
    adj = str(rng.choice(POSITIVE if positive else NEGATIVE))
    words = ["the", str(rng.choice(NOUNS)), str(rng.choice(VERBS))]
    negated = rng.random() < cfg.p_negate
    if negated:
        words.append(str(rng.choice(NEGATORS)))
    if rng.random() < cfg.p_intensify:
        words.append(str(rng.choice(INTENSIFIERS)))
    words.append(adj)
    return words


def _polarity(clause: list[str]) -> int:
    sign = 1 if clause[-1] in POSITIVE else -1
    return -sign if any(w in NEGATORS for w in clause) else sign


def _render(form: str, c1: list[str], c2: list[str] | None, opener: list[str]) -> tuple[str, int]:
    """Sentence text and its label (1 if the main clause is positive)."""
    if form == "single":
        words, main = c1, c1
    elif form == "but":
        words, main = [*c1, "but", *c2], c2
    elif form == "although_first":
        words, main = ["although", *c1, ",", *c2], c2
    else:
        words, main = [*c1, ",", "although", *c2], c1
    return " ".join([*opener, *words]), int(_polarity(main) > 0)


def _twins(form: str, c1: list[str], c2: list[str], opener: list[str]) -> list[tuple[str, int]]:
    """Rearrangements with the same bag of words: swapped clauses, swapped adjectives,
    the negator moved to the other clause, the "although" moved to the other clause."""
    out = [_render(form, c2, c1, opener)]
    out.append(_render(form, [*c1[:-1], c2[-1]], [*c2[:-1], c1[-1]], opener))
    neg1 = [w for w in c1 if w in NEGATORS]
    neg2 = [w for w in c2 if w in NEGATORS]
    if len(neg1) + len(neg2) == 1:
        neg = (neg1 or neg2)[0]
        bare1, bare2 = [w for w in c1 if w != neg], [w for w in c2 if w != neg]
        moved1 = [*bare1[:3], neg, *bare1[3:]] if neg2 else bare1
        moved2 = [*bare2[:3], neg, *bare2[3:]] if neg1 else bare2
        out.append(_render(form, moved1, moved2, opener))
    if form.startswith("although"):
        other = "although_second" if form == "although_first" else "although_first"
        out.append(_render(other, c1, c2, opener))
    return out


def _sample(rng, cfg: SentimentConfig) -> list[tuple[str, int]]:
    opener = str(rng.choice(OPENERS)).split() if rng.random() < cfg.p_opener else []
    form = FORMS[
        int(rng.choice(len(FORMS), p=np.asarray(cfg.form_weights) / sum(cfg.form_weights)))
    ]
    c1 = _clause(rng, cfg)
    if form == "single":
        return [_render(form, c1, None, opener)]
    c2 = _clause(rng, cfg)
    text, label = _render(form, c1, c2, opener)
    group = [(text, label)]
    if rng.random() < cfg.p_twin:
        flipped = [tw for tw in _twins(form, c1, c2, opener) if tw[1] != label]
        if flipped:
            group.append(flipped[int(rng.integers(len(flipped)))])
    return group


def _bag(text: str) -> tuple[str, ...]:
    return tuple(sorted(tokenize(text)))


def make_sentiment(config: SentimentConfig | None = None) -> TextClassification:
    """Generate the sentiment task (see the module docstring for the grammar and rule).

    Sentences are unique; sentences with the same bag of words are kept in one split,
    so no text, and no bag of words, is shared between train, val and test. The
    vocabulary is built on train; every split is padded to the longest sentence.
    """
    cfg = config or SentimentConfig()
    n = require_int(cfg.n, "config.n", minimum=30)
    rng = np.random.default_rng(require_int(cfg.seed, "config.seed", minimum=0))
    labels: dict[str, int] = {}
    while len(labels) < n:
        for text, label in _sample(rng, cfg):
            if len(labels) < n:
                labels.setdefault(text, label)
    bags: dict[tuple[str, ...], list[str]] = {}
    for text in labels:  # insertion order: deterministic
        bags.setdefault(_bag(text), []).append(text)
    groups = list(bags.values())
    order = rng.permutation(len(groups))
    cut1, cut2 = n * cfg.fractions[0], n * (cfg.fractions[0] + cfg.fractions[1])
    parts: tuple[list[str], list[str], list[str]] = ([], [], [])
    filled = 0
    for g in order:
        parts[0 if filled < cut1 else 1 if filled < cut2 else 2].extend(groups[g])
        filled += len(groups[g])
    vocab = Vocab.build(parts[0], RESERVED, level="word")
    maxlen = max(len(tokenize(t)) for t in labels)
    splits = [
        encode_split(p, np.array([labels[t] for t in p], dtype=np.int64), vocab, maxlen)
        for p in parts
    ]
    return TextClassification(vocab, *splits)


def order_dependent(split: TextSplit) -> np.ndarray:
    """``(n,)`` bool: True where another example of the split has the same bag of words
    and a different label, so a bag-of-words model must get one of them wrong."""
    seen: dict[tuple[str, ...], set[int]] = {}
    bags = [_bag(t) for t in split.texts]
    for bag, label in zip(bags, split.labels.tolist(), strict=True):
        seen.setdefault(bag, set()).add(label)
    return np.array([len(seen[b]) > 1 for b in bags], dtype=bool)


def with_random_labels(data: TextClassification, seed: int = 0) -> TextClassification:
    """The same inputs with each split's labels shuffled: nothing left to learn but the
    training set itself (the sanity check of Zhang et al. 2017)."""
    rng = np.random.default_rng(require_int(seed, "seed", minimum=0))
    shuffled = [
        replace(s, labels=rng.permutation(s.labels)) for s in (data.train, data.val, data.test)
    ]
    return replace(data, train=shuffled[0], val=shuffled[1], test=shuffled[2])


def bag_of_words(split: TextSplit, vocab_size: int) -> np.ndarray:
    """``(n, vocab_size)`` float64 word counts, padding excluded."""
    counts = np.zeros((split.ids.shape[0], vocab_size))
    rows = np.repeat(np.arange(split.ids.shape[0]), split.ids.shape[1])
    np.add.at(counts, (rows, split.ids.ravel()), 1.0)
    counts[:, PAD_ID] = 0.0
    return counts


@dataclass(frozen=True)
class BowBaseline:
    """Test accuracy of logistic regression on word counts, overall and on the flagged subset."""

    accuracy: float
    order_dependent_accuracy: float
    n_order_dependent: int
    predictions: np.ndarray  # (n_test,) predicted labels

    def __str__(self) -> str:
        return (
            f"bag-of-words logistic regression: test accuracy {self.accuracy:.3f}, "
            f"{self.order_dependent_accuracy:.3f} on the {self.n_order_dependent} order-dependent examples"
        )


def bow_baseline(data: TextClassification, C: float = 1.0) -> BowBaseline:
    """Fit L2-regularised logistic regression (scikit-learn, ``C`` the inverse strength)
    on training word counts and score the test split."""
    from sklearn.linear_model import LogisticRegression

    v = len(data.vocab)
    model = LogisticRegression(C=C, max_iter=2000)
    model.fit(bag_of_words(data.train, v), data.train.labels)
    pred = model.predict(bag_of_words(data.test, v))
    right = pred == data.test.labels
    flagged = order_dependent(data.test)
    sub = float(right[flagged].mean()) if flagged.any() else float("nan")
    return BowBaseline(float(right.mean()), sub, int(flagged.sum()), pred)
