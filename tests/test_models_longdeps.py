import numpy as np
import pytest
import torch

from rnnkit.models.longdeps import LongDepsConfig, keras_longdeps, torch_longdeps


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("task", ["adding", "copy"])
def test_twins_agree_in_output_shape_at_any_length_and_in_parameter_count(cell, task):
    config = LongDepsConfig(cell=cell, task=task, hidden_size=8)
    t_model = torch_longdeps(config)
    k_model = keras_longdeps(config)
    for T in (5, 9):  # both read sequences of any length
        if task == "adding":
            x, shape = np.zeros((2, T, 2), np.float32), (2, 1)
        else:
            x, shape = np.zeros((2, T + 20), np.int64), (2, T + 20, 10)
        assert tuple(t_model(torch.from_numpy(x)).shape) == shape
        assert tuple(k_model(x.astype(np.int32) if task == "copy" else x).shape) == shape
    extra_biases = {"rnn": 8, "lstm": 4 * 8, "gru": 0}[cell]  # torch's second bias vector
    assert sum(p.numel() for p in t_model.parameters()) == k_model.count_params() + extra_biases


def test_copy_model_rejects_float_input():
    model = torch_longdeps(LongDepsConfig(task="copy", hidden_size=4))
    with pytest.raises(
        ValueError,
        match=r"copy: x must be a torch tensor shaped \(batch, time\) of integer ids in \[0, 9\], got shape \(2, 25\) and dtype float32",
    ):
        model(torch.zeros(2, 25))


def test_adding_model_rejects_wrong_feature_count():
    model = torch_longdeps(LongDepsConfig(task="adding", hidden_size=4))
    with pytest.raises(ValueError, match=r"adding: x must be \(batch, time, 2\), got \(2, 5, 3\)"):
        model(torch.zeros(2, 5, 3))


def test_config_rejects_unknown_task():
    with pytest.raises(ValueError, match="task"):
        LongDepsConfig(task="sort")


def test_lstm_forget_bias_starts_at_one_in_both_frameworks():
    torch_net = torch_longdeps(LongDepsConfig(cell="lstm", hidden_size=3))
    total = torch_net.rnn.bias_ih_l0 + torch_net.rnn.bias_hh_l0  # (4H,) gates i, f, g, o
    assert total[3:6].tolist() == [1.0, 1.0, 1.0]
    assert not (total[:3] == 1.0).all()  # the other gates keep PyTorch's random start
    keras_net = keras_longdeps(LongDepsConfig(cell="lstm", hidden_size=3))
    keras_bias = keras_net.get_layer("rnn").cell.bias.numpy()  # (4H,) gates i, f, c, o
    assert keras_bias[3:6].tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    "cell, task, expected",
    [
        ("lstm", "adding", "806875f8891030dc"),
        ("lstm", "copy", "f5fe0303c41cd49f"),
        ("gru", "copy", "b860f8b1264f25b8"),
        ("rnn", "adding", "d75b83fa94242c79"),
    ],
)
def test_seeded_torch_model_keeps_its_weights(cell, task, expected, parameter_digest):
    # The digests were computed with torch 2.13.0 before the class moved out of the
    # factory function: the same seed must still give the same layers and weights.
    torch.manual_seed(0)
    model = torch_longdeps(LongDepsConfig(cell=cell, task=task, hidden_size=4))
    assert parameter_digest(model) == expected
