"""Exercise of chapter 16: the selective step's coefficients from the input.

The learner writes ``selective_step(x, W_delta, b_delta, A, W_B)`` in NumPy for one time
step of a selective SSM with one step per channel: ``x`` ``(batch, H)``, ``W_delta``
``(H, H)``, ``b_delta`` ``(H,)``, ``A`` ``(H,)`` (negative), ``W_B`` ``(H, N)``, and
returns ``(delta, A_bar, B_bar)``::

    delta = softplus(x W_delta + b_delta)                 (batch, H)
    A_bar = exp(delta A)                                  (batch, H)
    B_bar = (A_bar - 1) / A  outer  (x W_B)               (batch, H, N)

The cases use steps large enough that the zero-order hold and Euler's approximations
differ, a non-symmetric ``W_delta`` (a transposed map is caught) and ``N != H``. The last
case has pre-activations near +800 and -1400, where a softplus written as
``log(1 + exp(z))`` overflows to inf.
"""

from __future__ import annotations

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check


def _softplus(v):
    return np.logaddexp(0.0, v)


def _parts(x, W_delta, b_delta, A, W_B, delta=None):
    delta = _softplus(x @ W_delta + b_delta) if delta is None else delta  # (b, H)
    A_bar = np.exp(delta * A)  # (b, H)
    B_t = x @ W_B  # (b, N)
    return delta, A_bar, B_t


def selective_step_reference(x, W_delta, b_delta, A, W_B):
    """``(delta, A_bar, B_bar)`` of one selective step, zero-order hold."""
    delta, A_bar, B_t = _parts(x, W_delta, b_delta, A, W_B)
    B_bar = ((A_bar - 1) / A)[..., None] * B_t[:, None, :]  # (b, H, N)
    return delta, A_bar, B_bar


def _zoh(delta, A, B_t):
    A_bar = np.exp(delta * A)
    return A_bar, ((A_bar - 1) / A)[..., None] * B_t[:, None, :]


def _no_softplus(x, W_delta, b_delta, A, W_B):
    delta = x @ W_delta + b_delta
    return (delta, *_zoh(delta, A, x @ W_B))


def _transposed_delta(x, W_delta, b_delta, A, W_B):
    delta = _softplus(x @ W_delta.T + b_delta)
    return (delta, *_zoh(delta, A, x @ W_B))


def _no_delta_in_A_bar(x, W_delta, b_delta, A, W_B):
    delta, _, B_t = _parts(x, W_delta, b_delta, A, W_B)
    A_bar = np.broadcast_to(np.exp(A), delta.shape)
    return delta, A_bar, ((A_bar - 1) / A)[..., None] * B_t[:, None, :]


def _euler_A(x, W_delta, b_delta, A, W_B):
    delta, _, B_t = _parts(x, W_delta, b_delta, A, W_B)
    A_bar = 1 + delta * A
    return delta, A_bar, ((A_bar - 1) / A)[..., None] * B_t[:, None, :]


def _euler_B(x, W_delta, b_delta, A, W_B):
    delta, A_bar, B_t = _parts(x, W_delta, b_delta, A, W_B)
    return delta, A_bar, delta[..., None] * B_t[:, None, :]


def _times_A(x, W_delta, b_delta, A, W_B):
    delta, A_bar, B_t = _parts(x, W_delta, b_delta, A, W_B)
    return delta, A_bar, ((A_bar - 1) * A)[..., None] * B_t[:, None, :]


def _B_not_discretised(x, W_delta, b_delta, A, W_B):
    delta, A_bar, B_t = _parts(x, W_delta, b_delta, A, W_B)
    return delta, A_bar, np.broadcast_to(B_t[:, None, :], (*delta.shape, B_t.shape[1]))


SELECTIVE_STEP_MISTAKES = [
    ("forget the softplus: delta must be positive, delta = softplus(x W_delta + b_delta)",
     _no_softplus),
    ("use W_delta transposed: the input is a row, delta = x @ W_delta + b_delta", _transposed_delta),
    ("leave delta out of A_bar: A_bar = exp(delta * A), not exp(A)", _no_delta_in_A_bar),
    ("use Euler's A_bar = 1 + delta A instead of exp(delta A)", _euler_A),
    ("use Euler's B_bar = delta B_t (as Mamba's code does) instead of the zero-order hold "
     "(A_bar - 1) / A * B_t", _euler_B),
    ("multiply by A where the zero-order hold divides: (A_bar - 1) / A * B_t", _times_A),
    ("forget to discretise B: B_bar = (A_bar - 1) / A * B_t, not B_t", _B_not_discretised),
]  # fmt: skip


def _case(label, rng, batch, H, N, scale):
    x = rng.normal(size=(batch, H))
    W_delta = rng.normal(scale=scale, size=(H, H))  # (H, H), not symmetric
    b_delta = rng.normal(size=H)
    A = -rng.uniform(0.5, 4.0, size=H)  # (H,), negative
    W_B = rng.normal(size=(H, N))
    return Case(label, (x, W_delta, b_delta, A, W_B))


_STABLE = (
    "softplus(z) = log(1 + exp(z)) is right on paper, but exp(z) overflows to inf for "
    "z > 709: compute it as np.logaddexp(0, z), or as max(z, 0) + log1p(exp(-|z|))."
)


def _large_preactivations() -> Case:
    """x W_delta + b_delta near [[800, 700], [400, -1400]]: a naive softplus gives inf."""
    x = np.array([[1.0, -1.0], [0.5, 2.0]])
    W_delta = np.array([[800.0, 0.3], [0.2, -700.0]])
    b_delta, A = np.array([0.1, -0.2]), np.array([-0.5, -2.0])
    W_B = np.array([[0.4, -1.2, 0.7], [1.1, 0.3, -0.6]])
    label = "pre-activations x W_delta + b_delta up to 800, batch 2, H=2, N=3"
    return Case(label, (x, W_delta, b_delta, A, W_B), lesson=_STABLE)


def _cases() -> list[Case]:
    rng = np.random.default_rng(16)
    return [
        _case("a case with batch 2, H=3 channels, N=4 states", rng, 2, 3, 4, 1.0),
        _case("a case with batch 1, H=1 channel, N=2 states", rng, 1, 1, 2, 1.0),
        _case(
            "a case with large steps (delta up to about 5), batch 3, H=4, N=3", rng, 3, 4, 3, 3.0
        ),
        _large_preactivations(),
    ]


def _compare(got, expected) -> str | None:
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return f"return the tuple (delta, A_bar, B_bar), got {type(got).__name__}"
    names = ("delta", "A_bar", "B_bar")
    axes = (("batch", "channel"), ("batch", "channel"), ("batch", "channel", "state"))
    for value, ref, name, ax in zip(got, expected, names, axes, strict=True):
        problem = compare_arrays(value, ref, name, ax, rtol=1e-7, atol=1e-9)
        if problem:
            return problem
    return None


def check_selective_step(fn) -> CheckResult:
    """Exercise 16.1: ``fn(x, W_delta, b_delta, A, W_B) -> (delta, A_bar, B_bar)``."""
    return run_check(
        "Exercise 16.1 (selective step)",
        fn,
        selective_step_reference,
        _cases(),
        _compare,
        SELECTIVE_STEP_MISTAKES,
    )
