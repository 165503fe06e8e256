import datetime as dt

import numpy as np
import pytest

from rnnkit.data.dates import FORMATS, RESERVED, make_dates
from rnnkit.data.vocab import Vocab


@pytest.fixture(scope="module")
def task():
    return make_dates(n=3000, seed=0)


def test_every_format_writes_a_known_date_as_expected():
    day = dt.date(2021, 3, 3)
    written = {name: f(day) for name, f in FORMATS.items()}
    assert written["d Month yyyy"] == "3 March 2021" and written["dd/mm/yy"] == "03/03/21"
    assert written["Mon d, yyyy"] == "Mar 3, 2021" and written["yyyy-m-d"] == "2021-3-3"
    assert written["Weekday, Month d, yyyy"] == "Wednesday, March 3, 2021"
    assert FORMATS["the dth of Month yyyy"](dt.date(2011, 11, 22)) == "the 22nd of November 2011"


def test_targets_are_the_iso_form_of_the_sources(task):
    for src, tgt in zip(task.test.sources[:200], task.test.targets[:200], strict=True):
        day = dt.date.fromisoformat(tgt)
        assert src in {f(day) for f in FORMATS.values()}


def test_splits_share_no_source_string(task):
    s = [set(p.sources) for p in (task.train, task.val, task.test)]
    assert not (s[0] & s[1] or s[0] & s[2] or s[1] & s[2])
    assert (len(s[0]), len(s[1]), len(s[2])) == (2400, 300, 300)


def test_arrays_are_padded_and_framed_for_teacher_forcing(task):
    tok, sp = task.vocab, task.train
    assert sp.y_in.shape == sp.y_out.shape == (2400, 11)
    assert np.all(sp.y_in[:, 0] == 1) and np.all(sp.y_out[:, -1] == 2)
    assert np.array_equal(sp.y_in[:, 1:], sp.y_out[:, :-1])
    assert sp.x.shape[1] == max(
        len(s) for p in (task.train, task.val, task.test) for s in p.sources
    )
    for i in range(20):
        assert tok.decode(sp.x[i]) == sp.sources[i] and tok.decode(sp.y_out[i]) == sp.targets[i]
        assert np.all(sp.x[i, sp.x_lengths[i] :] == 0)


def test_same_seed_same_data_other_seed_other_data(task):
    assert make_dates(n=3000, seed=0).test.sources == task.test.sources
    assert make_dates(n=3000, seed=1).test.sources != task.test.sources


def test_date_ids_are_the_same_as_ever(task, ids_digest):
    """Pinned from the first date tokenizer, so that seeded training reproduces chapter 11."""
    chapter = make_dates(6000, seed=0)
    for t, expected in ((task, "78cb43c3486162d2"), (chapter, "23a74b133a9f4455")):
        splits = (t.train, t.val, t.test)
        arrays = [a for s in splits for a in (s.x, s.x_lengths, s.y_in, s.y_out)]
        assert len(t.vocab) == 61 and ids_digest(*arrays) == expected
    framed = [1, 12, 4, 28, 41, 52, 4, 10, 18, 18, 18, 4, 3, 2]  # "Ω" is unknown: 3
    assert list(chapter.vocab.encode("3 Jan 1999 \u03a9", start=True, end=True)) == framed


def test_date_vocab_reserves_pad_start_end_unk_and_frames_targets(task):
    assert task.vocab.reserved == ("<pad>", "<start>", "<end>", "<unk>") == RESERVED
    vocab = Vocab.build(["ab"], RESERVED)
    assert vocab.encode("ab?", start=True, end=True).tolist() == [1, 4, 5, 3, 2]
    assert vocab.decode([1, 4, 3, 5, 2, 4, 0]) == "a\ufffdb"  # stops at <end>


def test_make_dates_refuses_split_fractions_leaving_a_split_empty():
    with pytest.raises(ValueError, match="fractions must leave every split non-empty"):
        make_dates(n=5, fractions=(0.9, 0.05, 0.05))
