"""The selective SSM layer: chunked form equals the loop (float64, values and gradients),
the step depends on the input, and the copying model's shapes and errors."""

import pytest
import torch

from rnnkit.models import count_parameters
from rnnkit.models.copying import MIXERS, torch_copying
from rnnkit.models.selective import SelectiveConfig, SelectiveSSM


@pytest.mark.parametrize(
    "T, chunk, heads", [(1, 4, 2), (7, 4, 1), (16, 16, 3), (50, 16, 6), (33, 1, 2), (20, 64, 6)]
)
def test_chunked_form_matches_the_loop_in_float64_with_gradients(T, chunk, heads):
    torch.manual_seed(T)
    layer = SelectiveSSM(SelectiveConfig(channels=6, heads=heads, state=3, chunk=chunk)).double()
    x = torch.randn(2, T, 6, dtype=torch.float64, requires_grad=True)
    params = [x, *layer.parameters()]
    y_loop, y_chunk = layer(x, "loop"), layer(x, "chunked")
    assert (y_loop - y_chunk).abs().max() < 1e-12
    g_loop = torch.autograd.grad(y_loop.pow(2).sum(), params)
    g_chunk = torch.autograd.grad(y_chunk.pow(2).sum(), params)
    for a, b in zip(g_loop, g_chunk, strict=True):
        assert torch.isfinite(b).all() and (a - b).abs().max() < 1e-10


def test_the_loop_is_the_recurrence_written_out_step_by_step():
    torch.manual_seed(0)
    layer = SelectiveSSM(SelectiveConfig(channels=4, heads=2, state=3)).double()
    x = torch.randn(1, 5, 4, dtype=torch.float64)
    A = -torch.exp(layer.log_neg_A)  # (G,)
    h = torch.zeros(4, 3, dtype=torch.float64)  # (H, N)
    for t in range(5):
        delta = torch.nn.functional.softplus(layer.delta_proj(x[0, t])).repeat_interleave(2)
        A_bar = torch.exp(delta * A.repeat_interleave(2))  # (H,)
        B_bar = ((A_bar - 1) / A.repeat_interleave(2))[:, None] * layer.B_proj(x[0, t])
        h = A_bar[:, None] * h + B_bar * x[0, t][:, None]
        y_t = h @ layer.C_proj(x[0, t]) + layer.D * x[0, t]
        assert torch.allclose(layer(x, "loop")[0, t], y_t, atol=1e-12)


def test_the_response_to_an_impulse_depends_on_when_it_comes():
    torch.manual_seed(1)
    layer = SelectiveSSM(SelectiveConfig(channels=4, heads=4, state=3)).double()
    background = 0.3 * torch.randn(1, 30, 4, dtype=torch.float64)
    responses = []
    for s in (0, 10):
        x = background.clone()
        x[0, s] += 1.0
        responses.append((layer(x) - layer(background)).detach())
    assert (responses[0][0, :20] - responses[1][0, 10:30]).abs().max() > 1e-3


def test_bad_inputs_raise_clear_errors():
    layer = SelectiveSSM(SelectiveConfig(channels=4, heads=2))
    with pytest.raises(ValueError, match=r"\(batch, T >= 1, 4\)"):
        layer(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="mode"):
        layer(torch.zeros(2, 5, 4), "fft")
    with pytest.raises(TypeError, match="floating"):
        layer(torch.zeros(2, 5, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="heads must divide"):
        SelectiveConfig(channels=6, heads=4)


@pytest.mark.parametrize("cell", MIXERS)
def test_copying_model_returns_logits_of_the_answers(cell):
    model = torch_copying(cell, vocab_size=7, embed_dim=8, state=4, answers=3)
    out = model(torch.randint(0, 7, (2, 20)))
    assert out.shape == (2, 3, 7) and count_parameters(model) > 0


def test_copying_model_rejects_unknown_cells_and_short_inputs():
    with pytest.raises(ValueError, match="cell"):
        torch_copying("gru")
    with pytest.raises(ValueError, match="x must have shape"):
        torch_copying("lstm", answers=4)(torch.zeros(2, 3, dtype=torch.long))
