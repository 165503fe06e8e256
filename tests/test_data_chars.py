import numpy as np
import pytest

from rnnkit.data.chars import (
    RESERVED,
    NGramLM,
    bptt_windows,
    load_python_docs,
    ngram_baseline,
    python_docs_text,
    split_text,
)
from rnnkit.data.vocab import Vocab


@pytest.fixture(scope="module")
def small():
    return load_python_docs(max_chars=30_000)


def test_python_docs_corpus_is_split_90_5_5_into_contiguous_blocks(small):
    text = python_docs_text()[:30_000]
    assert (small.train.size, small.val.size, small.test.size) == (27_000, 1_500, 1_500)
    v = small.vocab
    assert v.decode(small.train) == text[:27_000]
    # val/test may hold characters unseen in train; those decode to U+FFFD
    for ids, block in ((small.val, text[27_000:28_500]), (small.test, text[28_500:])):
        expected = "".join(c if c in v.tokens else "\ufffd" for c in block)
        assert v.decode(ids) == expected


def test_char_corpus_is_deterministic_and_max_chars_changes_it(small):
    again = load_python_docs(max_chars=30_000)
    assert np.array_equal(small.train, again.train) and small.vocab == again.vocab
    assert load_python_docs(max_chars=20_000).train.size == 18_000


def test_python_docs_ids_are_unk_0_then_the_sorted_training_characters(small):
    text = python_docs_text()[:30_000]
    index = {c: i for i, c in enumerate(sorted(set(text[:27_000])), start=1)}
    expected = [index.get(c, 0) for c in text]
    assert np.concatenate([small.train, small.val, small.test]).tolist() == expected


def test_split_text_assigns_the_same_ids_as_ever(ids_digest):
    text = "def f(x):\n    return x + 1  # ünïcode\n" * 3 + "Ω≈ç√∫ new chars here: QZ@!"
    corpus = split_text(text)
    assert len(corpus.vocab) == 28
    assert corpus.test.tolist() == [11, 8, 2, 0, 0, 0, 0]  # Q, Z, @ and ! are unknown: 0
    assert ids_digest(corpus.train, corpus.val, corpus.test) == "7f82247dddc32e33"


def test_vocab_reserves_unk_and_decode_inverts_encode_on_known_chars():
    v = Vocab.build("hello world", RESERVED)
    assert v.tokens[0] == "<unk>" and len(v) == 1 + len(set("hello world"))
    ids = v.encode("low hello")
    assert ids.dtype == np.int64 and v.decode(ids) == "low hello"
    assert v.encode("hi!").tolist()[1:] == [0, 0]
    assert v.decode(v.encode("hi!")) == "h\ufffd\ufffd"


@pytest.mark.parametrize("text", ["", "a", "x" * 39])
def test_split_text_refuses_empty_or_tiny_corpus(text):
    with pytest.raises(ValueError, match="at least 40 characters"):
        split_text(text)


def test_bptt_windows_rows_continue_from_window_to_window():
    ids = np.arange(101)
    x, y = bptt_windows(ids, batch_size=4, time=6)
    assert x.shape == y.shape == (4, 4, 6)  # L = 25 per row, 4 windows of 6
    assert np.array_equal(y, x + 1)  # targets are the next id
    for b in range(4):
        row = np.concatenate(list(x[:, b]))  # windows k = 0..3 of row b, in order
        assert np.array_equal(row, np.arange(b * 25, b * 25 + 24))


def test_bptt_windows_refuses_batch_larger_than_data():
    with pytest.raises(ValueError, match=r"at least batch_size\*time \+ 1 = 81 ids"):
        bptt_windows(np.arange(50), batch_size=8, time=10)


def test_bptt_windows_refuses_float_ids():
    with pytest.raises(ValueError, match=r"ids must be an array shaped \(time,\) of integer ids"):
        bptt_windows(np.zeros(100), batch_size=2, time=3)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_ngram_distribution_sums_to_one_for_seen_and_unseen_histories(small, order):
    lm = NGramLM(small.train, len(small.vocab), order)
    histories = [small.train[500 : 500 + order - 1], small.test[7 : 7 + order - 1]]
    histories.append(np.full(order - 1, len(small.vocab) - 1))  # almost surely unseen
    for h in histories:
        p = lm.distribution(h)
        assert p.shape == (len(small.vocab),) and np.all(p > 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_ngram_unigram_matches_hand_computed_kneser_ney():
    # "abab" with V = 3 (ids 0, 1, 2): counts a=2, b=2; n1 = 0, n2 = 2 -> D = 0 -> clipped 0.05
    lm = NGramLM(np.array([1, 2, 1, 2]), vocab_size=3, order=1)
    d = 0.05
    expected_a = (2 - d) / 4 + d * 2 / 4 / 3
    assert lm.distribution([])[1] == pytest.approx(expected_a)
    assert lm.distribution([])[0] == pytest.approx(d * 2 / 4 / 3)


def test_ngram_baseline_picks_order_on_validation_and_beats_unigram(small):
    base = ngram_baseline(small, orders=range(1, 6))
    assert base.order == min(base.val_bpc, key=base.val_bpc.get)
    assert np.isfinite(base.test_bpc) and 1.0 < base.test_bpc < base.val_bpc[1] < np.log2(
        len(small.vocab)
    )


def test_ngram_refuses_ids_outside_vocabulary():
    with pytest.raises(ValueError, match=r"train must be .* ids in \[0, 2\], got .* from 0 to 5"):
        NGramLM(np.array([0, 1, 5]), vocab_size=3, order=2)


def test_ngram_refuses_order_whose_codes_overflow():
    with pytest.raises(ValueError, match="order must be <= "):
        NGramLM(np.arange(200) % 150, vocab_size=150, order=12)


def test_ngram_char_probs_are_the_distribution_after_each_history_and_give_its_bpc(small):
    lm = NGramLM(small.train, len(small.vocab), 3)
    context, text = small.val[-10:], small.test[:40]
    p = lm.char_probs(text, context=context)
    stream = np.concatenate([context, text])
    expected = [lm.distribution(stream[8 + t : 10 + t])[text[t]] for t in range(text.size)]
    np.testing.assert_allclose(p, expected, rtol=1e-12)
    assert lm.bits_per_char(text, context) == pytest.approx(-np.mean(np.log2(p)), abs=1e-12)


def test_ngram_char_probs_pad_a_missing_history_with_unk():
    lm = NGramLM(np.array([1, 2, 1, 2, 1]), vocab_size=3, order=3)
    p = lm.char_probs(np.array([1, 2]))
    assert p[0] == pytest.approx(lm.distribution([0, 0])[1])
    assert p[1] == pytest.approx(lm.distribution([0, 1])[2])


@pytest.mark.parametrize(
    ("ids", "context", "message"),
    [
        (np.array([], np.int64), None, r"ids must be a non-empty array shaped \(time,\)"),
        (np.array([0, 3]), None, r"ids must be .* ids in \[0, 2\], got .* from 0 to 3"),
        (np.array([0.0, 1.0]), None, r"ids must be .* got shape \(2,\) and dtype float64"),
        (np.array([1]), np.array([[1]]), r"context must be an array shaped \(time,\)"),
    ],
    ids=["empty", "out-of-range", "float", "2-D context"],
)
def test_ngram_char_probs_refuse_bad_ids_in_one_line(ids, context, message):
    lm = NGramLM(np.array([1, 2, 1, 2]), vocab_size=3, order=2)
    with pytest.raises(ValueError, match=message):
        lm.char_probs(ids, context)
