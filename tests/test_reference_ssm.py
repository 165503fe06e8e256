"""rnnkit.reference_ssm (NumPy) and rnnkit.models.ssm (PyTorch): every form of a recurrence gives
the same numbers, zero-order hold solves the ODE, and bad inputs are refused clearly."""

import numpy as np
import pytest
import torch

from rnnkit import reference_ssm
from rnnkit.models.minrnn import MinGRU, positive_candidate
from rnnkit.models.ssm import DiagonalLTI, LTIConfig


def s4d_layer(rng, H=3, N=4, complex_=True):
    """Continuous S4D parameters (Re A < 0) discretised by zero-order hold."""
    A = -np.exp(rng.normal(size=(H, N))) + (1j * rng.normal(size=(H, N)) if complex_ else 0)
    B = rng.normal(size=(H, N)) + 0j * complex_
    C = rng.normal(size=(H, N)) + (1j * rng.normal(size=(H, N)) if complex_ else 0)
    delta = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), size=(H, 1)))
    A_bar, B_bar = reference_ssm.zoh(A, B, delta)
    return A_bar, B_bar, C


@pytest.mark.parametrize("complex_", [True, False])
@pytest.mark.parametrize("T", [1, 7, 300])
def test_lti_loop_convolution_and_fft_agree_to_1e10_in_float64(complex_, T):
    rng = np.random.default_rng(T)
    A_bar, B_bar, C = s4d_layer(rng, complex_=complex_)
    x = rng.normal(size=(2, T, 3))  # (batch, T, H)
    y_loop = reference_ssm.lti_loop(A_bar, B_bar, C, x)
    K = reference_ssm.lti_kernel(A_bar, B_bar, C, T)
    assert K.shape == (3, T)
    np.testing.assert_allclose(reference_ssm.causal_conv(K, x), y_loop, rtol=0, atol=1e-10)
    np.testing.assert_allclose(reference_ssm.fft_conv(K, x), y_loop, rtol=0, atol=1e-10)


def test_lti_kernel_starts_with_cb_then_cab():
    rng = np.random.default_rng(0)
    A_bar, B_bar, C = s4d_layer(rng)
    K = reference_ssm.lti_kernel(A_bar, B_bar, C, 3)
    np.testing.assert_allclose(K[:, 0], (C * B_bar).sum(-1).real, atol=1e-14)
    np.testing.assert_allclose(K[:, 2], (C * A_bar**2 * B_bar).sum(-1).real, atol=1e-14)


def test_zoh_matches_a_fine_runge_kutta_solution_of_the_ode():
    A, B, delta, u, h0 = -0.7 + 2j, 1.3 - 0.2j, 0.25, 0.9, 0.4 + 0.1j
    A_bar, B_bar = reference_ssm.zoh(np.array([A]), np.array([B]), np.array([delta]))
    f = lambda h: A * h + B * u  # noqa: E731  h' = A h + B u, u held constant
    h, steps = h0, 2000
    dt = delta / steps
    for _ in range(steps):  # classical RK4
        k1 = f(h)
        k2 = f(h + dt / 2 * k1)
        k3 = f(h + dt / 2 * k2)
        k4 = f(h + dt * k3)
        h = h + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    assert abs(A_bar[0] * h0 + B_bar[0] * u - h) < 1e-10


def test_zoh_tends_to_euler_as_delta_shrinks():
    A, B = np.array([-2.0, -0.5 + 1j]), np.array([1.0, 2.0 + 0j])
    for delta in (1e-2, 1e-3, 1e-4):
        A_bar, B_bar = reference_ssm.zoh(A, B, np.array([delta]))
        # second-order agreement: A_bar = 1 + delta A + O(delta^2), B_bar = delta B + O(delta^2)
        assert np.abs(A_bar - (1 + delta * A)).max() < delta**2 * np.abs(A).max() ** 2
        assert np.abs(B_bar - delta * B).max() < delta**2 * np.abs(A * B).max()


def test_zoh_refuses_nonpositive_delta_zero_a_and_mismatched_shapes():
    with pytest.raises(ValueError, match="delta must be > 0"):
        reference_ssm.zoh(np.array([-1.0]), np.array([1.0]), np.array([0.0]))
    with pytest.raises(ValueError, match="A must be non-zero"):
        reference_ssm.zoh(np.array([0.0]), np.array([1.0]), np.array([0.1]))
    with pytest.raises(ValueError, match="must broadcast"):
        reference_ssm.zoh(np.ones((2, 3)) * -1, np.ones((2, 3)), np.ones(2))


def test_lti_functions_refuse_wrong_shapes_and_dtypes():
    rng = np.random.default_rng(1)
    A_bar, B_bar, C = s4d_layer(rng)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, T, 3\), got \(2, 5, 4\)"):
        reference_ssm.lti_loop(A_bar, B_bar, C, np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="share one shape"):
        reference_ssm.lti_loop(A_bar, B_bar[:, :2], C, np.zeros((2, 5, 3)))
    with pytest.raises(TypeError, match="real floating-point"):
        reference_ssm.lti_loop(A_bar, B_bar, C, np.zeros((2, 5, 3), dtype=int))
    with pytest.raises(ValueError, match=r"K must have shape \(3, >= 5\)"):
        reference_ssm.fft_conv(np.zeros((3, 4)), np.zeros((2, 5, 3)))


def selective_params(rng, H=3, N=4):
    return reference_ssm.SelectiveParams(
        A=-np.exp(rng.normal(size=(H, N))),
        W_delta=rng.normal(size=(H, H)),
        b_delta=rng.normal(size=H),
        W_B=rng.normal(size=(H, N)),
        W_C=rng.normal(size=(H, N)),
    )


@pytest.mark.parametrize("T", [1, 2, 5, 64, 100])
def test_selective_sequential_scan_equals_associative_scan(T):
    rng = np.random.default_rng(T)
    x = rng.normal(size=(2, T, 3))
    a, b, C_t = reference_ssm.selective_coefficients(x, selective_params(rng))
    assert a.shape == b.shape == (2, T, 3, 4) and C_t.shape == (2, T, 4)
    np.testing.assert_allclose(
        reference_ssm.associative_scan(a, b),
        reference_ssm.sequential_scan(a, b),
        rtol=0,
        atol=1e-10,
    )


def test_selective_coefficients_vary_with_the_input_unlike_lti():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 6, 3))
    a, _, _ = reference_ssm.selective_coefficients(x, selective_params(rng))
    assert np.abs(a[0, 1:] - a[0, :-1]).max() > 1e-3  # a_t changes from step to step


def test_mingru_is_a_selective_ssm_with_a_minus_one_and_one_state():
    torch.manual_seed(0)
    layer = MinGRU(3, 5).double()
    x = torch.randn(2, 9, 3, dtype=torch.float64)
    k_z, k_h = layer.linear(x).chunk(2, dim=-1)  # (B, T, H) each
    delta = torch.nn.functional.softplus(k_z).detach().numpy()[..., None]  # (B, T, H, 1)
    u = positive_candidate(k_h).detach().numpy()  # the input the SSM reads
    a, B_bar = reference_ssm.zoh(np.array([[-1.0]]), np.array([[1.0]]), delta)  # A = -1, B = 1
    h = reference_ssm.sequential_scan(a, B_bar * u[..., None])[..., 0]  # C = 1: y = h
    np.testing.assert_allclose(h, layer(x, mode="sequential")[0].detach().numpy(), atol=1e-12)


def test_scans_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="a and b must share a shape"):
        reference_ssm.associative_scan(np.ones((2, 3)), np.ones((2, 4)))


def ssd_inputs(rng, T=24, H=3, N=4):
    a = np.exp(-np.exp(rng.normal(size=(2, T, H)) - 2))  # decays in (0, 1)
    return a, rng.normal(size=(2, T, N)), rng.normal(size=(2, T, N)), rng.normal(size=(2, T, H))


@pytest.mark.parametrize("chunk", [1, 4, 6, 24])
def test_ssd_chunked_equals_sequential(chunk):
    a, B, C, x = ssd_inputs(np.random.default_rng(chunk))
    np.testing.assert_allclose(
        reference_ssm.ssd_chunked(a, B, C, x, chunk),
        reference_ssm.ssd_sequential(a, B, C, x),
        atol=1e-10,
    )


def test_ssd_refuses_a_length_not_divisible_by_the_chunk_and_nonpositive_decay():
    a, B, C, x = ssd_inputs(np.random.default_rng(0))
    with pytest.raises(ValueError, match="T must be a multiple of chunk, got T=24 and chunk=5"):
        reference_ssm.ssd_chunked(a, B, C, x, 5)
    with pytest.raises(ValueError, match="a must be > 0"):
        reference_ssm.ssd_sequential(-a, B, C, x)
    with pytest.raises(ValueError, match="a must have x's shape"):
        reference_ssm.ssd_sequential(a[:, :5], B, C, x)


@pytest.mark.parametrize("kernel", ["vandermonde", "blocks"])
@pytest.mark.parametrize("T", [1, 37, 64])
def test_torch_lti_forms_equal_the_numpy_loop_in_float64(kernel, T):
    torch.manual_seed(T)
    layer = DiagonalLTI(LTIConfig(channels=4, state=5, chunk=8, kernel=kernel)).double()
    x = torch.randn(2, T, 4, dtype=torch.float64)
    _, A_bar, B_bar = (v.detach().numpy() for v in layer.discrete())
    expected = reference_ssm.lti_loop(A_bar, B_bar, layer.C.detach().numpy(), x.numpy())
    for mode in ("loop", "fft", "chunked"):
        np.testing.assert_allclose(layer(x, mode).detach().numpy(), expected, atol=1e-10)


def test_torch_lti_forms_have_the_same_gradients():
    torch.manual_seed(0)
    layer = DiagonalLTI(LTIConfig(channels=3, state=4, chunk=4)).double()
    x = torch.randn(2, 19, 3, dtype=torch.float64)
    grads = {}
    for mode in ("loop", "fft", "chunked"):
        layer.zero_grad()
        layer(x, mode).pow(2).sum().backward()
        grads[mode] = [p.grad.clone() for p in layer.parameters()]
    for mode in ("fft", "chunked"):
        for got, want in zip(grads[mode], grads["loop"], strict=True):
            torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-10)


def test_torch_lti_refuses_a_wrong_mode_shape_or_config():
    layer = DiagonalLTI(LTIConfig(channels=3, state=2))
    with pytest.raises(
        ValueError, match=r"x must have shape \(batch, T >= 1, 3\), got \(2, 5, 4\)"
    ):
        layer(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match="mode must be one of"):
        layer(torch.zeros(2, 5, 3), mode="scan")
    with pytest.raises(TypeError, match="floating-point"):
        layer(torch.zeros(2, 5, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="LTIConfig.kernel must be one of"):
        LTIConfig(kernel="cauchy")
