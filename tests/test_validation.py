"""rnnkit.validation: each helper refuses what its docstring says, with one line that
names what was expected and what arrived, and lets good input through unchanged."""

import numpy as np
import pytest

from rnnkit.validation import (
    as_float_array,
    as_int_array,
    require_choice,
    require_ids,
    require_int,
    require_shape,
)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: as_float_array([1, 2], "x"), TypeError, r"x must be a real floating-point array \(float32 or float64\), got dtype int64"),
        (lambda: as_float_array(np.ones((2, 3)), "x", ndim=3, dims="(batch, time, features)"), ValueError, r"x must be 3-D \(batch, time, features\), got shape \(2, 3\) \(2-D\)"),
        (lambda: as_float_array([1.0, np.nan, np.inf], "x"), ValueError, r"x must be finite, got 2 NaN or inf value\(s\)"),
        (lambda: as_int_array([1.0, 2.0], "ids"), TypeError, "ids must hold integers, got dtype float64"),
        (lambda: as_int_array([True, False], "ids"), TypeError, "ids must hold integers, got dtype bool"),
        (lambda: as_int_array([[1]], "ids", ndim=1), ValueError, r"ids must be 1-D, got shape \(1, 1\) \(2-D\)"),
        (lambda: as_int_array([0, 7], "ids", minimum=0, maximum=5), ValueError, r"ids must lie in \[0, 5\], got values from 0 to 7"),
        (lambda: as_int_array([-3], "ids", minimum=0), ValueError, r"ids must lie in \[0, inf\], got values from -3 to -3"),
        (lambda: require_shape(np.ones((2, 3)), (2, None, 1), "h"), ValueError, r"h must have shape \(2, any, 1\), got \(2, 3\)"),
        (lambda: require_int(2.0, "epochs"), TypeError, "epochs must be an integer, got float 2.0"),
        (lambda: require_int(True, "epochs"), TypeError, "epochs must be an integer, got bool True"),
        (lambda: require_int(0, "epochs", minimum=1), ValueError, "epochs must be >= 1, got 0"),
        (lambda: require_int(9, "k", maximum=8), ValueError, "k must be <= 8, got 9"),
        (lambda: require_choice("rnn", "cell", ("lstm", "gru")), ValueError, "cell must be one of 'lstm', 'gru', got 'rnn'"),
    ],
    ids=["float-int", "float-rank", "float-nan", "int-float", "int-bool", "int-rank", "int-high",
         "int-low", "shape", "int-float-scalar", "int-bool-scalar", "int-min", "int-max", "choice"],
)  # fmt: skip
def test_each_helper_refuses_what_it_promises_with_one_line(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_good_input_passes_through():
    assert as_float_array([1.5], "x").dtype == np.float64
    assert as_int_array([0, 5], "ids", minimum=0, maximum=5).tolist() == [0, 5]
    assert as_int_array(np.array([], dtype=np.int64), "ids", minimum=1).size == 0
    require_shape(np.ones((2, 3)), (2, None), "h")
    assert require_int(np.int64(3), "n", minimum=1) == 3
    assert require_choice("gru", "cell", ("lstm", "gru")) == "gru"


@pytest.mark.parametrize(
    ("ids", "kwargs", "message"),
    [
        (np.array([[0.0, 1.0]]), {"dims": ("batch", "time"), "size": 4}, r"x must be an array shaped \(batch, time\) of integer ids in \[0, 3\], got shape \(1, 2\) and dtype float64"),
        (np.array([True]), {}, r"x must be an array of integer ids >= 0, got shape \(1,\) and dtype bool"),
        (np.array([1, 2]), {"dims": ("batch", "time")}, r"x must be an array shaped \(batch, time\) .* got shape \(2,\)"),
        (np.array([0, 4]), {"size": 4}, r"in \[0, 3\], got shape \(2,\) and dtype int64 with ids from 0 to 4"),
        (np.array([-1, 2]), {}, ">= 0, got shape .* with ids from -1 to 2"),
        (np.zeros(0, np.int64), {"nonempty": True}, r"x must be a non-empty array of integer ids >= 0, got shape \(0,\)"),
        ([1, 2], {}, "x must be an array of integer ids >= 0, got list"),
        (np.array([[1]]), {"tensor": True}, r"x must be a torch tensor .* got ndarray of shape \(1, 1\) and dtype int64; convert with torch.as_tensor\(x\)"),
    ],
    ids=["float", "bool", "rank", "too-large", "negative", "empty", "list", "numpy-for-torch"],
)  # fmt: skip
def test_require_ids_refuses_every_mistake_with_one_valueerror(ids, kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        require_ids(ids, "x", **kwargs)
    assert "\n" not in str(info.value)


def test_require_ids_lets_integer_ids_of_either_framework_through():
    import torch

    require_ids(np.array([[0, 3]], dtype=np.uint8), "x", ("batch", "time"), 4)
    require_ids(torch.tensor([[0, 3]], dtype=torch.int32), "x", ("batch", "time"), 4, tensor=True)
    require_ids(np.zeros((2, 0), np.int64), "x", ("batch", "time"), 4)  # no id to range-check


def _float_ids_everywhere():
    """The same mistake (float token ids) at every door that takes ids."""
    import torch

    from rnnkit.data.chars import bptt_windows
    from rnnkit.data.vocab import Vocab
    from rnnkit.models.charlm import torch_char_lm
    from rnnkit.models.classifier import ClassifierConfig, torch_classifier
    from rnnkit.models.interpret import LSTMClassifier
    from rnnkit.models.longdeps import LongDepsConfig, torch_longdeps
    from rnnkit.models.seq2seq import join_inputs, torch_seq2seq

    ids = torch.ones(2, 3)  # float32
    lengths = torch.tensor([3, 3])
    return {
        "CharLM": lambda: torch_char_lm(5)(ids),
        "TextClassifier": lambda: torch_classifier(ClassifierConfig(5))(ids),
        "Seq2Seq": lambda: torch_seq2seq(5, 3)(ids, lengths, ids.long()),
        "join_inputs": lambda: join_inputs(ids.numpy(), ids.numpy()),
        "LSTMClassifier": lambda: LSTMClassifier(5)(ids),
        "LongDepsModel": lambda: torch_longdeps(LongDepsConfig(task="copy"))(ids),
        "Vocab.decode": lambda: Vocab.build("ab", ("<unk>",)).decode(ids.numpy()),
        "bptt_windows": lambda: bptt_windows(ids.numpy().ravel(), 1, 2),
    }


@pytest.mark.parametrize("door", sorted(_float_ids_everywhere()))
def test_float_token_ids_get_the_same_error_at_every_door(door):
    with pytest.raises(ValueError, match=r"must be .* of integer ids .* and dtype float") as info:
        _float_ids_everywhere()[door]()
    assert "\n" not in str(info.value)
