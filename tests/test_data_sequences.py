import numpy as np
import pytest

from rnnkit.data.sequences import mask_from_lengths, stack_sequences, to_torch


def test_stack_sequences_pads_right_with_zero_and_returns_lengths():
    ids, lengths = stack_sequences([[5, 6, 7], [8]], pad=True)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]] and lengths.tolist() == [3, 1]
    assert mask_from_lengths(lengths, 3).tolist() == [[True] * 3, [True, False, False]]


def test_stack_sequences_refuses_ragged_input_without_padding():
    with pytest.raises(ValueError, match="same length unless pad=True, got lengths from 1 to 3"):
        stack_sequences([[5, 6, 7], [8]])


def test_stack_sequences_refuses_sequence_longer_than_maxlen():
    with pytest.raises(ValueError, match="at most maxlen=2 long, got one of length 3"):
        stack_sequences([[5, 6, 7]], pad=True, maxlen=2)


def test_stack_sequences_refuses_empty_and_float_input():
    with pytest.raises(ValueError, match="at least one sequence"):
        stack_sequences([])
    with pytest.raises(
        ValueError,
        match=r"seqs\[0\] must be .* integer ids >= 0, got shape \(2,\) and dtype float64",
    ):
        stack_sequences([[0.5, 1.0]])


def test_to_torch_keeps_ids_int64_and_values_float32():
    torch = pytest.importorskip("torch")
    ids, x = to_torch(np.array([[1, 2]]), np.array([0.5]))
    assert ids.dtype == torch.int64 and x.dtype == torch.float32


def test_to_dataloader_batches_are_seeded():
    pytest.importorskip("torch")
    from rnnkit.data.sequences import to_dataloader

    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    first = [b[1].tolist() for b in to_dataloader(x, y, batch_size=4, seed=3)]
    again = [b[1].tolist() for b in to_dataloader(x, y, batch_size=4, seed=3)]
    assert first == again and sorted(sum(first, [])) == list(range(10))


def test_to_dataloader_refuses_batch_larger_than_data():
    pytest.importorskip("torch")
    from rnnkit.data.sequences import to_dataloader

    with pytest.raises(ValueError, match="batch_size must be <= 10, got 16"):
        to_dataloader(np.zeros((10, 2)), np.zeros(10), batch_size=16)
    with pytest.raises(ValueError, match=r"same first dimension, got \[9, 10\]"):
        to_dataloader(np.zeros((10, 2)), np.zeros(9), batch_size=2)


@pytest.mark.parametrize(
    ("lengths", "error", "message"),
    [
        ([2, 9], ValueError, r"lengths must lie in \[0, 5\], got values from 2 to 9"),
        ([-1, 2], ValueError, r"lengths must lie in \[0, 5\], got values from -1 to 2"),
        ([1.5, 2.0], TypeError, "lengths must hold integers, got dtype float64"),
        ([[1, 2]], ValueError, r"lengths must be 1-D, got shape \(1, 2\) \(2-D\)"),
    ],
    ids=["longer-than-maxlen", "negative", "float", "2-d"],
)
def test_mask_from_lengths_refuses_lengths_that_do_not_fit_a_row(lengths, error, message):
    with pytest.raises(error, match=message) as info:
        mask_from_lengths(lengths, 5)
    assert "\n" not in str(info.value)


def test_mask_from_lengths_accepts_0_and_maxlen_and_a_list():
    assert mask_from_lengths([0, 2, 3], 3).tolist() == [
        [False, False, False],
        [True, True, False],
        [True, True, True],
    ]


def test_stack_sequences_raises_what_its_docstring_says():
    with pytest.raises(TypeError, match="seqs must be a list of id sequences, got int"):
        stack_sequences(5)
    with pytest.raises(TypeError, match="seqs must be a list of id sequences, got str"):
        stack_sequences("abc")
    with pytest.raises(
        ValueError, match=r"seqs\[0\] must be .* >= 0, got .* with ids from -1 to 1"
    ):
        stack_sequences([[1, -1]])
    with pytest.raises(ValueError, match=r"seqs\[1\] must be a non-empty array shaped \(time,\)"):
        stack_sequences([[1], []], pad=True)
