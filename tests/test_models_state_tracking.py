"""State-tracking models (chapter 14): output shapes for every cell and any length, the
Keras twin's names, input validation, and what a linear recurrence can and cannot do:
the minGRU with a in (-1, 1) computes parity with hand-set weights at every length, and
the one with a in (0, 1) cannot, on a grid of weights."""

import numpy as np
import pytest
import torch

from rnnkit.models.state_tracking import (
    CELLS,
    KERAS_CELLS,
    SignedMinGRU,
    StateTrackingConfig,
    keras_state_tracking,
    sinusoidal_positions,
    torch_state_tracking,
)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("T", [1, 7, 90])
def test_every_cell_maps_ids_to_logits_at_every_step_for_any_length(cell, T):
    torch.manual_seed(0)
    model = torch_state_tracking(StateTrackingConfig(cell, vocab_size=3, classes=5, hidden_size=8))
    x = torch.randint(0, 3, (4, T))  # (B, T)
    assert model(x).shape == (4, T, 5)


def test_the_transformer_is_causal_so_later_tokens_do_not_change_earlier_outputs():
    torch.manual_seed(0)
    model = torch_state_tracking(StateTrackingConfig("transformer", hidden_size=8)).eval()
    x = torch.randint(0, 2, (2, 10))
    y = x.clone()
    y[:, 6:] = 1 - y[:, 6:]
    assert torch.allclose(model(x)[:, :6], model(y)[:, :6], atol=1e-6)


def test_sinusoidal_positions_refuse_an_empty_size():
    with pytest.raises(ValueError, match="d must be >= 1, got 0"):
        sinusoidal_positions(5, 0)


def test_sinusoidal_positions_follow_the_formula():
    P = sinusoidal_positions(50, 6)
    t, i = 37, 1
    assert P.shape == (50, 6)
    assert torch.isclose(P[t, 2 * i], torch.tensor(np.sin(t / 10000 ** (2 * i / 6))).float())
    assert torch.isclose(P[t, 2 * i + 1], torch.tensor(np.cos(t / 10000 ** (2 * i / 6))).float())


@pytest.mark.parametrize("cell", KERAS_CELLS)
def test_keras_twin_has_the_same_layers_and_output_shape(cell):
    config = StateTrackingConfig(cell, vocab_size=3, classes=5, hidden_size=8)
    model = keras_state_tracking(config)
    assert {"rnn", "head"} <= {layer.name for layer in model.layers}
    assert tuple(model(np.zeros((2, 11), dtype="int32")).shape) == (2, 11, 5)
    torch_model = torch_state_tracking(config)
    assert hasattr(torch_model, "rnn") and hasattr(torch_model, "head")


def test_keras_twin_refuses_the_pytorch_only_cells():
    with pytest.raises(ValueError, match="PyTorch only"):
        keras_state_tracking(StateTrackingConfig("mingru_neg"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StateTrackingConfig("mamba"), "cell must be one of"),
        (lambda: StateTrackingConfig(hidden_size=0), "hidden_size must be >= 1"),
        (lambda: StateTrackingConfig("transformer", hidden_size=10), "divisible by 4"),
    ],
)
def test_bad_configs_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_ids_out_of_range_or_of_the_wrong_shape_raise_value_error():
    model = torch_state_tracking(StateTrackingConfig("lstm", vocab_size=2))
    with pytest.raises(ValueError, match=r"in \[0, 1\], got shape \(1, 3\).*from 0 to 2"):
        model(torch.tensor([[0, 1, 2]]))
    with pytest.raises(ValueError, match=r"shaped \(batch, time\)"):
        model(torch.zeros(3, dtype=torch.long))


def test_signed_mingru_refuses_the_log_space_scan():
    with pytest.raises(ValueError, match="sequentially only"):
        SignedMinGRU(2, 4)(torch.zeros(1, 3, 2), mode="scan")


def hand_set_signed_parity(K=20.0, c=1.0):
    """A one-unit SignedMinGRU and head that compute parity: bit 1 sets z near 1, so
    a = 1 - 2z is near -1 and b = z * (c + 1/2); h then alternates between 0 and c + 1/2."""
    model = torch_state_tracking(StateTrackingConfig("mingru_neg", hidden_size=1)).double()
    with torch.no_grad():
        model.rnn.linear.weight.copy_(torch.tensor([[-K, K], [c, c]]))  # rows: k_z, k_h
        model.rnn.linear.bias.zero_()
        model.head.weight.copy_(torch.tensor([[-1.0], [1.0]]))
        model.head.bias.copy_(torch.tensor([(c + 0.5) / 2, -(c + 0.5) / 2]))
    return model


def test_signed_mingru_solves_parity_with_hand_set_weights_up_to_length_1000():
    from rnnkit.data.state_tracking import state_task

    model = hand_set_signed_parity()
    task = state_task("parity", 16, 1000, seed=1)
    x = torch.as_tensor(np.concatenate([task.x, np.ones((1, 1000), np.int64)]))
    y = np.concatenate([task.y, np.arange(1, 1001)[None] % 2])
    with torch.no_grad():
        predicted = model(x).argmax(-1).numpy()  # (B, T)
    assert (predicted == y).all()


def test_mingru_in_zero_one_cannot_alternate_on_all_ones_for_any_weights_on_a_grid():
    # on the all-ones string a_t = a and b_t = b for every t: h_n = a h_{n-1} + b is
    # monotone, so the sign of any readout w h_n + beta changes at most once
    ones = torch.ones(1, 60, 1, dtype=torch.float64)  # (B, T, 1)
    for k_z in np.linspace(-8, 8, 17):
        for k_h in np.linspace(-4, 4, 9):
            for w, beta in ((1.0, -0.3), (-1.0, 0.3), (1.0, -1.0), (2.0, -0.05)):
                layer = torch_state_tracking(
                    StateTrackingConfig("mingru", vocab_size=1, hidden_size=1)
                ).rnn
                layer = layer.double()
                with torch.no_grad():
                    layer.linear.weight.copy_(torch.tensor([[k_z], [k_h]]))
                    layer.linear.bias.zero_()
                    h, _ = layer(ones)
                signs = np.sign(w * h[0, :, 0].numpy() + beta)
                assert (np.diff(signs) != 0).sum() <= 1
