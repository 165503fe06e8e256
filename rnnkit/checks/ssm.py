"""Exercise of chapter 15: the S4D convolution kernel from the continuous parameters.

The learner writes ``s4d_kernel(A, B, C, delta, length)``: discretise the diagonal
``A`` (complex, ``Re A < 0``) and ``B`` by zero-order hold with the step ``delta``, then
return ``K_k = Re(sum_n C_n A_bar_n^k B_bar_n)`` for ``k = 0 .. length-1``, shape
``(H, length)``. The cases use steps large enough (``delta`` up to 0.5) that the
zero-order hold, its Euler approximation and the continuous ``A`` give visibly
different kernels, and a one-tap case that exposes a kernel starting at ``C A_bar B_bar``.
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check
from rnnkit.reference_ssm import lti_kernel, zoh


def _discrete(A, B, delta):
    return zoh(A, B, delta[:, None])  # (A_bar, B_bar), each (H, N)


def _kernel(C, base, B_bar, length, first=0):
    k = np.arange(first, first + length)  # (L,)
    return np.einsum("hn,hnk->hk", C * B_bar, base[..., None] ** k).real  # (H, L)


def s4d_kernel_reference(A, B, C, delta, length):
    """``K`` ``(H, length)``: ``K_k = Re(sum_n C_n A_bar_n^k B_bar_n)``, zero-order hold."""
    A_bar, B_bar = _discrete(A, B, delta)
    return lti_kernel(A_bar, B_bar, C, length)


def _continuous_a(A, B, C, delta, length):
    _, B_bar = _discrete(A, B, delta)
    return _kernel(C, A, B_bar, length)


def _one_power_late(A, B, C, delta, length):
    A_bar, B_bar = _discrete(A, B, delta)
    return _kernel(C, A_bar, B_bar, length, first=1)


def _b_not_discretised(A, B, C, delta, length):
    A_bar, _ = _discrete(A, B, delta)
    return _kernel(C, A_bar, B, length)


def _euler_b(A, B, C, delta, length):
    A_bar, _ = _discrete(A, B, delta)
    return _kernel(C, A_bar, delta[:, None] * B, length)


def _real_parts_first(A, B, C, delta, length):
    A_bar, B_bar = _discrete(A, B, delta)
    k = np.arange(length)
    return np.einsum("hn,hnk->hk", C.real * B_bar.real, (A_bar[..., None] ** k).real)


S4D_KERNEL_MISTAKES = [
    ("use the continuous A instead of A_bar = exp(delta A) in the powers", _continuous_a),
    ("start at C A_bar B_bar (one power too many): K_0 is C B_bar", _one_power_late),
    ("forget B_bar: use B where B_bar = (A_bar - 1) / A * B belongs", _b_not_discretised),
    ("use Euler's B_bar = delta B instead of the zero-order hold (A_bar - 1) / A * B", _euler_b),
    ("take real parts before multiplying (Re C Re B_bar Re A_bar^k): the real part is taken last",
     _real_parts_first),
]  # fmt: skip


def _case(label, rng, H, N, length, max_delta):
    A = -rng.uniform(0.2, 1.0, (H, N)) + 1j * rng.uniform(-3, 3, (H, N))  # Re A < 0
    B = rng.normal(size=(H, N)) + 1j * rng.normal(size=(H, N))
    C = rng.normal(size=(H, N)) + 1j * rng.normal(size=(H, N))
    delta = rng.uniform(0.05, max_delta, H)  # (H,)
    return Case(label, (A, B, C, delta, length))


def _cases() -> list[Case]:
    rng = np.random.default_rng(15)
    return [
        _case("a case with H=2 channels, N=3 states, 8 taps", rng, 2, 3, 8, 0.5),
        _case("a one-tap case (K_0 only)", rng, 3, 2, 1, 0.5),
        _case("a case with small steps (delta <= 0.1), 20 taps", rng, 1, 4, 20, 0.1),
    ]


def _compare(got, expected) -> str | None:
    if np.iscomplexobj(got):
        return "K should be real: the layer's output is Re(sum_n C_n h_n), so take .real last"
    return compare_arrays(got, expected, "K", ("channel", "tap"), rtol=1e-7, atol=1e-9)


def check_s4d_kernel(fn) -> CheckResult:
    """Exercise 15.1: ``fn(A, B, C, delta, length) -> K`` is the S4D kernel, ``(H, length)``."""
    return run_check(
        "Exercise 15.1 (S4D kernel)",
        fn,
        s4d_kernel_reference,
        _cases(),
        _compare,
        S4D_KERNEL_MISTAKES,
    )
