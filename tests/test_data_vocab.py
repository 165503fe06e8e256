import numpy as np
import pytest

from rnnkit.data.vocab import END, PAD, START, UNK, Vocab, tokenize

DATES = (PAD, START, END, UNK)


def test_chars_and_words_differ_only_in_how_text_is_split():
    chars = Vocab.build(["ba ab"], (PAD, UNK), level="char")
    words = Vocab.build(["ba ab"], (PAD, UNK), level="word")
    assert chars.tokens == ("<pad>", "<unk>", " ", "a", "b")
    assert words.tokens == ("<pad>", "<unk>", "ab", "ba")
    assert chars.encode("ab").tolist() == [3, 4] and words.encode("ab").tolist() == [2]
    assert chars.decode(chars.encode("ab ba")) == "ab ba"
    assert words.decode(words.encode("Ab  ba")) == "ab ba"  # tokens joined by one space


@pytest.mark.parametrize(
    ("reserved", "unk_id"),
    [((UNK,), 0), ((PAD, UNK), 1), (DATES, 3)],
    ids=["chars", "words", "dates"],
)
def test_an_unknown_token_encodes_to_unk_and_decodes_to_the_replacement_character(reserved, unk_id):
    vocab = Vocab.build("ab", reserved)
    assert vocab.unk_id == unk_id
    ids = vocab.encode("a?b")
    assert ids.dtype == np.int64 and ids.tolist() == [len(reserved), unk_id, len(reserved) + 1]
    assert vocab.decode(ids) == "a\ufffdb"


def test_decode_drops_pad_and_start_and_stops_at_end():
    vocab = Vocab.build("ab", DATES)
    a, b = vocab.encode("ab").tolist()
    assert vocab.decode([1, a, 0, b, 2, a]) == "ab"
    assert vocab.decode(vocab.encode("ba", start=True, end=True)) == "ba"
    assert vocab.decode([]) == ""


def test_decode_reads_every_token_where_nothing_is_reserved_but_unk():
    vocab = Vocab.build("\x00ab", (UNK,))  # the character \x00 is id 1, not padding
    assert vocab.decode(vocab.encode("a\x00b")) == "a\x00b"


def test_tokenize_splits_lower_case_words_and_punctuation():
    assert tokenize("Good, not BAD!") == ["good", ",", "not", "bad", "!"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda v: v.encode([1, 2, 3]), TypeError,
         "text must be a str, got list; to turn ids into text use decode"),
        (lambda v: v.encode("ab", start=True), ValueError,
         r"this vocabulary reserves \('<pad>', '<unk>'\), not '<start>'"),
        (lambda v: v.decode([1, 7]), ValueError, r"ids must be an array of integer ids in \[0, 3\], got shape \(2,\) and dtype int64 with ids from 1 to 7"),
        (lambda v: v.decode([-1]), ValueError, "with ids from -1 to -1"),
        (lambda v: v.decode([1.0]), ValueError, r"ids must be .* integer ids in \[0, 3\], got shape \(1,\) and dtype float64"),
    ],
    ids=["ids-to-encode", "no-start", "too-large", "negative", "float"],
)  # fmt: skip
def test_encode_and_decode_refuse_bad_input_in_one_line(call, error, message):
    with pytest.raises(error, match=message) as info:
        call(Vocab.build("ab", (PAD, UNK)))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Vocab.build("", (UNK,)), "texts must hold at least one character to build a vocabulary, got none"),
        (lambda: Vocab.build(["  "], (UNK,), level="word"), "texts must hold at least one word"),
        (lambda: Vocab.build("ab", (PAD,)), r"reserved tokens must include '<unk>', got \('<pad>',\)"),
        (lambda: Vocab.build("ab", (UNK, PAD)), "'<pad>' must be the first reserved token"),
        (lambda: Vocab.build("ab", (UNK,), level="byte"), "level must be one of 'char', 'word', got 'byte'"),
    ],
    ids=["no-characters", "no-words", "no-unk", "pad-not-first", "unknown-level"],
)  # fmt: skip
def test_build_refuses_what_cannot_make_a_vocabulary(build, message):
    with pytest.raises(ValueError, match=message):
        build()
