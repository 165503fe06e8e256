"""A generated sequence-to-sequence task: dates in many human formats → ISO 8601.

Each example is one calendar date between 1950-01-01 and 2049-12-31 drawn uniformly,
written in one of :data:`FORMATS` (chosen uniformly), with the target
``YYYY-MM-DD``. Numeric day/month orders follow one convention each, so no source is
ambiguous: ``dd/mm/yy`` and ``dd.mm.yyyy`` put the day first, ``yyyy-m-d`` and
``yyyymmdd`` the year first; a two-digit year ``yy`` means 19yy for ``yy >= 50`` and
20yy otherwise. Month and weekday names are English, written out here rather than
taken from the locale.

Characters are the tokens. The vocabulary (a character-level
:class:`~rnnkit.data.vocab.Vocab`) reserves ``<pad>`` = 0, ``<start>`` = 1, ``<end>`` = 2,
``<unk>`` = 3; the other characters come from the training split.
For teacher forcing a split holds the decoder input ``y_in = <start> + target`` and
the output ``y_out = target + <end>``, both ``(n, 11)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from rnnkit.data.sequences import stack_sequences
from rnnkit.data.vocab import END, PAD, START, UNK, Vocab
from rnnkit.validation import require_int

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RESERVED = (PAD, START, END, UNK)  # ids 0, 1, 2, 3
START_ID, END_ID = RESERVED.index(START), RESERVED.index(END)
FIRST, LAST = dt.date(1950, 1, 1), dt.date(2049, 12, 31)


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


FORMATS = {
    "d Month yyyy": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "dd/mm/yy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}",
    "Mon d, yyyy": lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
    "yyyy-m-d": lambda d: f"{d.year}-{d.month}-{d.day}",
    "Weekday, Month d, yyyy": lambda d: (
        f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}"
    ),
    "Month d, yyyy": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "d Mon yyyy": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "dd.mm.yyyy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "yyyymmdd": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    "the dth of Month yyyy": lambda d: f"the {_ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",
    "MONTH D YYYY": lambda d: f"{MONTHS[d.month - 1].upper()} {d.day} {d.year}",
    "Wkd d Mon yy": lambda d: (
        f"{WEEKDAYS[d.weekday()][:3]} {d.day} {MONTHS[d.month - 1][:3]} {d.year % 100:02d}"
    ),
}


@dataclass(frozen=True)
class DateSplit:
    """Sources and ISO targets, as text and as padded ids.

    ``x (n, L)`` source ids padded with 0 and ``x_lengths (n,)``; ``y_in (n, 11)`` is
    ``<start>`` + target, ``y_out (n, 11)`` is target + ``<end>`` (int64).
    """

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    x: np.ndarray
    x_lengths: np.ndarray
    y_in: np.ndarray
    y_out: np.ndarray


@dataclass(frozen=True)
class DateTask:
    """The vocabulary (built on train) and the train / val / test splits."""

    vocab: Vocab
    train: DateSplit
    val: DateSplit
    test: DateSplit


def make_dates(n: int = 10000, seed: int = 0, fractions=(0.8, 0.1, 0.1)) -> DateTask:
    """Generate ``n`` distinct source strings with their ISO dates and split them.

    Deterministic given ``seed``. Sources are unique, so no source string appears in
    two splits (the same date may, written differently). Raises ``ValueError`` when
    a split would be empty.
    """
    n = require_int(n, "n", minimum=3)
    rng = np.random.default_rng(require_int(seed, "seed", minimum=0))
    names = list(FORMATS)
    span = LAST.toordinal() - FIRST.toordinal() + 1
    pairs: dict[str, str] = {}
    while len(pairs) < n:
        day = dt.date.fromordinal(FIRST.toordinal() + int(rng.integers(span)))
        source = FORMATS[names[int(rng.integers(len(names)))]](day)
        pairs.setdefault(source, day.isoformat())
    sources = list(pairs)
    order = rng.permutation(n)
    cut1, cut2 = int(n * fractions[0]), int(n * (fractions[0] + fractions[1]))
    if not 0 < cut1 < cut2 < n:
        raise ValueError(f"fractions must leave every split non-empty for n={n}, got {fractions}")
    parts = [order[:cut1], order[cut1:cut2], order[cut2:]]
    seen = [sources[i] for i in parts[0]] + [pairs[sources[i]] for i in parts[0]]  # train only
    vocab = Vocab.build(seen, RESERVED, level="char")
    width = max(len(s) for s in sources)

    def encode(idx) -> DateSplit:
        src = tuple(sources[i] for i in idx)
        tgt = tuple(pairs[s] for s in src)
        ids = [vocab.encode(s) for s in src]
        x, lengths = stack_sequences(ids, pad=True, maxlen=width)  # (n, L)
        y_in, _ = stack_sequences([vocab.encode(t, start=True) for t in tgt])  # (n, 11)
        y_out, _ = stack_sequences([vocab.encode(t, end=True) for t in tgt])  # (n, 11)
        return DateSplit(src, tgt, x, lengths, y_in, y_out)

    return DateTask(vocab, *(encode(p) for p in parts))
