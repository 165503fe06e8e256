import numpy as np
import pytest

from rnnkit.data.classify import (
    NEGATORS,
    RESERVED,
    SentimentConfig,
    bow_baseline,
    encode_split,
    make_sentiment,
    order_dependent,
    tokenize,
    with_random_labels,
)
from rnnkit.data.vocab import Vocab

SMALL = SentimentConfig(n=1500, seed=0)


@pytest.fixture(scope="module")
def data():
    return make_sentiment(SMALL)


def _rule(text: str) -> int:
    """An independent reading of the labelling rule, written against the text."""
    words = tokenize(text)
    while words and words[0] in ("honestly", "overall", "i", "think", "to", "be", "fair", ","):
        words = words[1:]
    s = " ".join(words)
    if s.startswith("although "):
        main = s.split(" , ", 1)[1]
    elif " , although " in s:
        main = s.split(" , although ")[0]
    elif " but " in s:
        main = s.split(" but ")[1]
    else:
        main = s
    clause = main.split()
    positive = clause[-1] in (
        "good",
        "great",
        "excellent",
        "wonderful",
        "charming",
        "brilliant",
        "fun",
        "moving",
    )
    return int(positive != any(w in NEGATORS for w in clause))


def test_labels_follow_the_main_clause_rule(data):
    for split in (data.train, data.test):
        assert [_rule(t) for t in split.texts] == split.labels.tolist()


def test_splits_share_no_sentence_and_no_bag_of_words(data):
    bags = [
        {tuple(sorted(tokenize(t))) for t in s.texts} for s in (data.train, data.val, data.test)
    ]
    assert not (bags[0] & bags[1] or bags[0] & bags[2] or bags[1] & bags[2])
    assert sum(len(s.texts) for s in (data.train, data.val, data.test)) == 1500


def test_padding_lengths_and_mask_agree(data):
    s = data.train
    assert s.ids.dtype == np.int64 and s.ids.shape == (len(s.texts), s.ids.shape[1])
    assert np.array_equal(s.mask, s.ids != 0)  # what Embedding(mask_zero=True) computes
    assert s.lengths.tolist() == [len(tokenize(t)) for t in s.texts]
    assert data.vocab.decode(s.ids[0]) == " ".join(tokenize(s.texts[0]))


def test_same_seed_same_data_other_seed_other_data(data):
    again = make_sentiment(SMALL)
    assert again.train.texts == data.train.texts and np.array_equal(again.test.ids, data.test.ids)
    other = make_sentiment(SentimentConfig(n=1500, seed=1))
    assert other.train.texts != data.train.texts


def test_order_dependent_examples_have_an_opposite_label_twin(data):
    flagged = order_dependent(data.test)
    assert 0.2 < flagged.mean() < 0.8
    bags = {}
    for t, y in zip(data.test.texts, data.test.labels.tolist(), strict=True):
        bags.setdefault(tuple(sorted(tokenize(t))), set()).add(y)
    expected = [len(bags[tuple(sorted(tokenize(t)))]) == 2 for t in data.test.texts]
    assert flagged.tolist() == expected


def test_bag_of_words_is_at_chance_on_order_dependent_examples(data):
    base = bow_baseline(data)
    assert base.order_dependent_accuracy == pytest.approx(0.5, abs=0.02)
    flagged = order_dependent(data.test)
    rest = (base.predictions == data.test.labels)[~flagged].mean()
    assert rest > base.order_dependent_accuracy + 0.1 and base.accuracy < 0.75


def test_random_labels_keep_inputs_and_label_counts(data):
    noisy = with_random_labels(data, seed=0)
    assert np.array_equal(noisy.train.ids, data.train.ids)
    assert np.sort(noisy.train.labels).tolist() == np.sort(data.train.labels).tolist()
    assert not np.array_equal(noisy.train.labels, data.train.labels)


def test_torch_batch_feeds_pack_padded_sequence(data):
    torch = pytest.importorskip("torch")
    ids, lengths, labels = data.val.torch()
    assert (
        ids.dtype == lengths.dtype == labels.dtype == torch.int64 and lengths.device.type == "cpu"
    )
    emb = torch.nn.Embedding(len(data.vocab), 3, padding_idx=0)(ids)  # (B, L, 3)
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        emb, lengths, batch_first=True, enforce_sorted=False
    )
    assert packed.data.shape[0] == int(lengths.sum())


def test_keras_arrays_are_int32_ids_with_zero_padding(data):
    x, y = data.test.keras()
    assert x.dtype == y.dtype == np.int32 and np.array_equal(x != 0, data.test.mask)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (SentimentConfig(n=2000, seed=0), "2efb1e94a371e2e1"),
        (SentimentConfig(), "575b0a635dce8b6f"),
    ],
    ids=["chapter-08", "default"],
)
def test_sentiment_ids_are_the_same_as_ever(config, expected, ids_digest):
    """Pinned from the first vocabulary, so that seeded training reproduces chapters 08 and 13."""
    d = make_sentiment(config)
    arrays = [a for s in (d.train, d.val, d.test) for a in (s.ids, s.lengths)]
    assert len(d.vocab) == 46 and ids_digest(*arrays) == expected
    unknown = [38, 32, 43, 1, 2, 30, 21]  # "zorgly" is unknown: 1
    assert list(d.vocab.encode("the plot was zorgly , not good")) == unknown


def test_encode_split_refuses_labels_out_of_range():
    vocab = Vocab.build(["good film"], RESERVED, level="word")
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\], got values from 0 to 2"):
        encode_split(["good", "film"], np.array([0, 2]), vocab, maxlen=4)


def test_encode_split_refuses_one_label_per_text_mismatch():
    vocab = Vocab.build(["good film"], RESERVED, level="word")
    with pytest.raises(ValueError, match=r"labels must have shape \(2,\)"):
        encode_split(["good", "film"], np.array([0]), vocab, maxlen=4)


def test_tokenize_splits_punctuation():
    assert tokenize("Good, not BAD") == ["good", ",", "not", "bad"]
