"""rnnkit.models.ssm: the DiagonalLTI layer's three modes agree in float32 and float64,
and bad arguments give one line naming them."""

import pytest
import torch

from rnnkit.models.ssm import DiagonalLTI, LTIConfig


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_the_three_modes_agree_in_the_input_dtype(dtype):
    torch.manual_seed(0)
    layer = DiagonalLTI(LTIConfig())
    x = torch.randn(2, 37, layer.config.channels, dtype=dtype)
    with torch.no_grad():
        ys = {mode: layer(x, mode) for mode in ("loop", "fft", "chunked")}
    tol = 1e-10 if dtype == torch.float64 else 1e-4
    for mode, y in ys.items():
        assert y.dtype == dtype, mode
        torch.testing.assert_close(y, ys["loop"], rtol=tol, atol=tol)


@pytest.mark.parametrize(
    ("length", "error", "says"),
    [(-5, ValueError, "length must be >= 1, got -5"), (0, ValueError, "length must be >= 1"),
     (5.5, TypeError, "length must be an integer, got float 5.5")],
)  # fmt: skip
def test_kernel_refuses_a_length_that_is_not_a_positive_int(length, error, says):
    with pytest.raises(error, match=says):
        DiagonalLTI().kernel(length)


@pytest.mark.parametrize("mode", ["loop", "fft", "chunked"])
def test_no_time_steps_is_a_value_error_naming_x(mode):
    layer = DiagonalLTI()
    with pytest.raises(
        ValueError, match=r"x must have shape \(batch, T >= 1, 32\), got \(2, 0, 32\)"
    ):
        layer(torch.zeros(2, 0, 32), mode)
