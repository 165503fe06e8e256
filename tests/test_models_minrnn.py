"""minGRU / minLSTM: the log-space scan computes the same states and gradients as the loop."""

import pytest
import torch

from rnnkit.models.minrnn import (
    MinGRU,
    MinLSTM,
    MinRNNRegressor,
    log_positive_candidate,
    log_scan,
    positive_candidate,
)

CELLS = [MinGRU, MinLSTM]


def _pair(cell, T, B, with_h0, dtype=torch.float32, seed=0):
    torch.manual_seed(seed)
    layer = cell(3, 5).to(dtype)
    x = torch.randn(B, T, 3, dtype=dtype)  # (B, T, 3)
    h0 = torch.rand(B, 5, dtype=dtype) + 0.1 if with_h0 else None
    return layer, x, h0


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("T", [1, 2, 7, 33, 64])
@pytest.mark.parametrize("B", [1, 4])
@pytest.mark.parametrize("with_h0", [False, True])
def test_scan_matches_sequential_float32(cell, T, B, with_h0):
    layer, x, h0 = _pair(cell, T, B, with_h0)
    scan, last_scan = layer(x, h0, mode="scan")
    loop, last_loop = layer(x, h0, mode="sequential")
    assert scan.shape == loop.shape == (B, T, 5)
    torch.testing.assert_close(scan, loop, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(last_scan, scan[:, -1])


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("with_h0", [False, True])
def test_scan_gradients_match_sequential_float32(cell, with_h0):
    layer, x, h0 = _pair(cell, 33, 3, with_h0)
    x.requires_grad_(True)
    if h0 is not None:
        h0.requires_grad_(True)
    grads = []
    for mode in ("scan", "sequential"):
        layer.zero_grad()
        inputs = [x] if h0 is None else [x, h0]
        for t in inputs:
            t.grad = None
        (layer(x, h0, mode=mode)[0] ** 2).sum().backward()
        grads.append(
            [p.grad.clone() for p in layer.parameters()] + [t.grad.clone() for t in inputs]
        )
    for a, b in zip(*grads, strict=True):  # equal to 1e-5 of each gradient's largest entry
        assert float((a - b).abs().max()) <= 1e-5 * float(b.abs().max())


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
def test_long_sequences_agree_to_1e10_in_float64_and_1e4_in_float32(cell):
    # In float32 the scan's cumulative log-coefficient grows like T, and its rounding with it.
    layer, x, h0 = _pair(cell, 512, 2, True, dtype=torch.float64)
    torch.testing.assert_close(
        layer(x, h0)[0], layer(x, h0, mode="sequential")[0], rtol=1e-10, atol=1e-10
    )
    layer, x, h0 = _pair(cell, 512, 2, True)
    torch.testing.assert_close(
        layer(x, h0)[0], layer(x, h0, mode="sequential")[0], rtol=1e-4, atol=1e-4
    )


def test_log_scan_solves_the_linear_recurrence():
    torch.manual_seed(1)
    a, b, h0 = (
        torch.rand(2, 6, 3, dtype=torch.float64),
        torch.rand(2, 6, 3, dtype=torch.float64),
        torch.rand(2, 3, dtype=torch.float64),
    )
    h, expected = h0, []
    for t in range(6):
        h = a[:, t] * h + b[:, t]
        expected.append(h)
    torch.testing.assert_close(log_scan(a.log(), b.log(), h0.log()), torch.stack(expected, 1))


def test_positive_candidate_is_positive_continuous_with_its_log():
    v = torch.linspace(-30, 30, 601, dtype=torch.float64)
    assert (positive_candidate(v) > 0).all()
    torch.testing.assert_close(log_positive_candidate(v), torch.log(positive_candidate(v)))
    assert (
        abs(
            float(positive_candidate(torch.tensor(0.0)))
            - float(torch.sigmoid(torch.tensor(-1e-12)))
        )
        < 1e-9
    )


def test_mingru_is_the_gru_equation_with_input_only_gates():
    layer, x, _ = _pair(MinGRU, 4, 2, False)
    k_z, k_h = layer.linear(x).chunk(2, dim=-1)
    z, h = torch.sigmoid(k_z), torch.zeros(2, 5)
    for t in range(4):
        h = (1 - z[:, t]) * h + z[:, t] * positive_candidate(k_h[:, t])
    torch.testing.assert_close(layer(x)[1], h, rtol=1e-5, atol=1e-6)


def test_minlstm_normalises_its_gates_to_sum_to_one():
    layer, x, _ = _pair(MinLSTM, 4, 2, False)
    k_f, k_i, k_h = layer.linear(x).chunk(3, dim=-1)
    f, i, h = torch.sigmoid(k_f), torch.sigmoid(k_i), torch.zeros(2, 5)
    for t in range(4):
        h = f[:, t] / (f[:, t] + i[:, t]) * h + i[:, t] / (f[:, t] + i[:, t]) * positive_candidate(
            k_h[:, t]
        )
    torch.testing.assert_close(layer(x)[1], h, rtol=1e-5, atol=1e-6)


def test_parameter_counts_follow_the_docstrings():
    assert sum(p.numel() for p in MinGRU(3, 5).parameters()) == 2 * 5 * (3 + 1)
    assert sum(p.numel() for p in MinLSTM(3, 5).parameters()) == 3 * 5 * (3 + 1)


@pytest.mark.parametrize("cell", ["mingru", "minlstm"])
def test_regressor_gives_the_same_output_in_both_modes(cell):
    torch.manual_seed(0)
    model = MinRNNRegressor(2, 8, layers=2, cell=cell)
    x = torch.rand(3, 10, 2)
    scan = model(x)
    model.mode = "sequential"
    assert scan.shape == (3, 1)
    torch.testing.assert_close(scan, model(x), rtol=1e-5, atol=1e-5)


def test_wrong_input_shape_is_refused_with_the_expected_shape():
    with pytest.raises(
        ValueError, match=r"x must have shape \(batch, time >= 1, 3\), got \(2, 4, 7\)"
    ):
        MinGRU(3, 5)(torch.zeros(2, 4, 7))
    with pytest.raises(ValueError, match=r"got \(2, 0, 3\)"):
        MinGRU(3, 5)(torch.zeros(2, 0, 3))


def test_integer_input_is_refused():
    with pytest.raises(
        TypeError,
        match="x must be a floating-point torch.Tensor, got torch.Tensor of dtype torch.int64",
    ):
        MinLSTM(3, 5)(torch.zeros(2, 4, 3, dtype=torch.long))


def test_non_positive_initial_state_is_refused():
    with pytest.raises(ValueError, match=r"h0 must be > 0 everywhere .* got min 0"):
        MinGRU(3, 5)(torch.zeros(2, 4, 3), torch.zeros(2, 5))


def test_initial_state_of_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 5\), got \(2, 6\)"):
        MinGRU(3, 5)(torch.zeros(2, 4, 3), torch.ones(2, 6))


def test_unknown_mode_and_cell_are_refused():
    with pytest.raises(
        ValueError, match="mode must be one of 'scan', 'sequential', got 'parallel'"
    ):
        MinGRU(3, 5)(torch.zeros(2, 4, 3), mode="parallel")
    with pytest.raises(ValueError, match="cell must be one of 'mingru', 'minlstm', got 'gru'"):
        MinRNNRegressor(2, 8, cell="gru")
