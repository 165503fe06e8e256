"""One vocabulary for every text task: tokens to ids and back.

A :class:`Vocab` numbers its *reserved* tokens first, in the order the task gives
them, then the distinct tokens of the training text, sorted. What a token is depends
on the ``level`` only: ``"char"`` cuts text into characters, ``"word"`` into
lower-case words and punctuation marks (:func:`tokenize`). The three data sets of the
course reserve what they need, in this order (ids 0, 1, ...):

* :mod:`rnnkit.data.chars` (characters): ``<unk>``;
* :mod:`rnnkit.data.classify` (words): ``<pad>``, ``<unk>``;
* :mod:`rnnkit.data.dates` (characters): ``<pad>``, ``<start>``, ``<end>``, ``<unk>``.

The conventions are the same for every vocabulary:

* every vocabulary reserves ``<unk>``; a token never seen in training encodes to its id
  (:attr:`Vocab.unk_id`) and decodes to U+FFFD, the replacement character;
* ``<pad>``, where reserved, is id 0, the id :mod:`rnnkit.data.sequences` pads with;
* :meth:`Vocab.decode` drops ``<pad>`` and ``<start>`` and stops at the first
  ``<end>``, so on known tokens ``decode(encode(s))`` gives ``s`` back (for words: its
  tokens joined by single spaces).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from rnnkit.validation import require_choice, require_ids

PAD, UNK, START, END = "<pad>", "<unk>", "<start>", "<end>"
UNK_TEXT = "\ufffd"  # what an unknown token decodes to
LEVELS = ("char", "word")
_WORD = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Lower-case words and punctuation marks: ``"Good, not bad"`` →
    ``["good", ",", "not", "bad"]``."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Vocab:
    """Tokens to ids and back; ``tokens[i]`` is the token of id ``i``.

    ``tokens`` starts with the ``n_reserved`` reserved tokens; ``level`` is ``"char"``
    or ``"word"``. Build one with :meth:`build`.
    """

    tokens: tuple[str, ...]
    n_reserved: int
    level: str = "char"

    def __post_init__(self) -> None:
        require_choice(self.level, "level", LEVELS)
        reserved = self.tokens[: self.n_reserved]
        if UNK not in reserved:
            raise ValueError(f"reserved tokens must include {UNK!r}, got {reserved}")
        if PAD in reserved and reserved[0] != PAD:
            raise ValueError(
                f"{PAD!r} must be the first reserved token (arrays are padded with id 0), got {reserved}"
            )

    @classmethod
    def build(
        cls, texts: str | Iterable[str], reserved: tuple[str, ...], level: str = "char"
    ) -> Vocab:
        """The ``reserved`` tokens, then the distinct tokens of ``texts`` (one string or
        several), sorted. Raises ``ValueError`` when ``texts`` hold no token."""
        require_choice(level, "level", LEVELS)
        texts = [texts] if isinstance(texts, str) else list(texts)
        found = sorted({token for text in texts for token in _split(text, level)})
        if not found:
            raise ValueError(
                f"texts must hold at least one {_unit(level)} to build a vocabulary, got none"
            )
        return cls((*reserved, *found), len(reserved), level)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def reserved(self) -> tuple[str, ...]:
        return self.tokens[: self.n_reserved]

    @cached_property
    def index(self) -> dict[str, int]:
        """Token to id, for the tokens of the training text (reserved tokens are not text)."""
        return {t: i for i, t in enumerate(self.tokens) if i >= self.n_reserved}

    @property
    def unk_id(self) -> int:
        """The id every unknown token encodes to."""
        return self.tokens.index(UNK)

    def id_of(self, token: str) -> int:
        """The id of a reserved token such as ``"<start>"``; ``ValueError`` if not reserved."""
        if token not in self.reserved:
            raise ValueError(f"this vocabulary reserves {self.reserved}, not {token!r}")
        return self.tokens.index(token)

    def encode(self, text: str, start: bool = False, end: bool = False) -> np.ndarray:
        """``(n,)`` int64 ids of the tokens of ``text``; unknown tokens get :attr:`unk_id`.

        ``start``/``end`` frame the ids with ``<start>``/``<end>`` (the vocabulary must
        reserve them). Raises ``TypeError`` when ``text`` is not a string (ids go back
        with :meth:`decode`).
        """
        if not isinstance(text, str):
            raise TypeError(
                f"text must be a str, got {type(text).__name__}; to turn ids into text use decode"
            )
        unk, index = self.unk_id, self.index
        ids = [index.get(token, unk) for token in _split(text, self.level)]
        if start:
            ids.insert(0, self.id_of(START))
        if end:
            ids.append(self.id_of(END))
        return np.array(ids, dtype=np.int64)

    def decode(self, ids) -> str:
        """The text of ``ids`` up to the first ``<end>``, without ``<pad>`` and ``<start>``;
        ``<unk>`` becomes U+FFFD. Tokens are joined by ``""`` (characters) or ``" "`` (words).

        Raises ``ValueError`` for ids that are not integers in ``[0, len(self) - 1]``.
        """
        ids = np.asarray(ids)
        if ids.size == 0:
            return ""
        require_ids(ids, "ids", size=len(self))
        silent = {self.tokens.index(t) for t in (PAD, START) if t in self.reserved}
        stop = self.tokens.index(END) if END in self.reserved else None
        unk, out = self.unk_id, []
        for i in ids.ravel().tolist():
            if i == stop:
                break
            if i not in silent:
                out.append(UNK_TEXT if i == unk else self.tokens[i])
        return ("" if self.level == "char" else " ").join(out)


def _split(text: str, level: str) -> list[str]:
    return list(text) if level == "char" else tokenize(text)


def _unit(level: str) -> str:
    return "character" if level == "char" else "word"
