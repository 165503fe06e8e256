"""State-space models in NumPy (chapter 15): one recurrence, computed several ways.

A linear time-invariant (LTI) state-space layer runs ``H`` independent channels; each
has a diagonal state of size ``N`` (S4D, Gu et al. 2022) and reads one input number
per step::

    h_t = A_bar * h_{t-1} + B_bar * x_t        (element-wise over the N states)
    y_t = Re( sum_n C_n h_{t,n} )

with ``A_bar, B_bar, C`` of shape ``(H, N)`` (real or complex) and ``x, y`` of shape
``(batch, T, H)``. Unrolled, ``y_t = sum_{k<=t} K_k x_{t-k}`` with the kernel
``K_k = Re( sum_n C_n A_bar_n^k B_bar_n )``: the loop (:func:`lti_loop`), the direct
convolution (:func:`causal_conv`) and the FFT convolution (:func:`fft_conv`) give the
same ``y``. :func:`zoh` turns the continuous ``(A, B, Delta)`` into ``(A_bar, B_bar)``.

A *selective* layer (Mamba, Gu & Dao 2023) computes ``Delta_t, B_t, C_t`` from ``x_t``
(:func:`selective_coefficients`), so there is no fixed kernel; its recurrence
``h_t = a_t * h_{t-1} + b_t`` is solved by a loop (:func:`sequential_scan`) or by an
associative scan (:func:`associative_scan`, Blelloch 1990). :func:`ssd_chunked` is the
chunked form of Mamba-2 (Dao & Gu 2024) for one decay per channel, checked against
:func:`ssd_sequential`. The PyTorch forms that the chapter times live in
:mod:`rnnkit.models.ssm`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnkit.validation import as_float_array, require_int


def _numeric(value, name: str) -> np.ndarray:
    """``value`` as a finite real or complex float array, else ``TypeError``/``ValueError``."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "fc":
        raise TypeError(f"{name} must be a float or complex array, got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return arr


def _state_matrices(A_bar, B_bar, C) -> tuple[np.ndarray, ...]:
    """Check that ``A_bar, B_bar, C`` are finite float or complex arrays of one shape ``(H, N)``."""
    A_bar, B_bar, C = (_numeric(v, n) for v, n in ((A_bar, "A_bar"), (B_bar, "B_bar"), (C, "C")))
    if A_bar.ndim != 2 or B_bar.shape != A_bar.shape or C.shape != A_bar.shape:
        raise ValueError(
            "A_bar, B_bar and C must share one shape (H, N), got "
            f"{A_bar.shape}, {B_bar.shape} and {C.shape}"
        )
    return A_bar, B_bar, C


def _state_params(A_bar, B_bar, C, x) -> tuple[np.ndarray, ...]:
    """:func:`_state_matrices`, and ``x`` real ``(batch, T, H)``."""
    A_bar, B_bar, C = _state_matrices(A_bar, B_bar, C)
    x = as_float_array(x, "x", ndim=3, dims="(batch, T, H)")
    if x.shape[2] != A_bar.shape[0]:
        raise ValueError(f"x must have shape (batch, T, {A_bar.shape[0]}), got {x.shape}")
    return A_bar, B_bar, C, x


def zoh(A, B, delta) -> tuple[np.ndarray, np.ndarray]:
    """Zero-order hold: ``A_bar = exp(Delta A)``, ``B_bar = (A_bar - 1) / A * B``.

    Element-wise (A is diagonal), exact for an input held constant over each step of
    length ``Delta``: the solution of ``h'(s) = A h(s) + B x`` after a time ``Delta``
    is ``A_bar h(0) + B_bar x``. ``A`` and ``B`` (real or complex) and ``delta`` (real,
    > 0) must broadcast together (``(H, N)`` with ``delta`` of shape ``(H, 1)``, or
    time-varying ``delta`` as in Mamba). Raises ``ValueError`` on ``delta <= 0``, on
    ``A == 0`` anywhere, or on shapes that do not broadcast.
    """
    A, B = _numeric(A, "A"), _numeric(B, "B")
    delta = as_float_array(delta, "delta")
    if np.any(delta <= 0):
        raise ValueError(f"delta must be > 0 everywhere, got min {delta.min():.3g}")
    if np.any(A == 0):
        raise ValueError("A must be non-zero everywhere (B_bar divides by A), got a zero")
    try:
        A_bar = np.exp(delta * A)
        return A_bar, (A_bar - 1) / A * B
    except ValueError as error:
        raise ValueError(
            f"A {A.shape}, B {B.shape} and delta {delta.shape} must broadcast together"
        ) from error


def lti_loop(A_bar, B_bar, C, x) -> np.ndarray:
    """``y`` ``(batch, T, H)`` of the diagonal LTI layer, one step at a time.

    ``h_t = A_bar * h_{t-1} + B_bar * x_t`` from ``h_0 = 0``, ``y_t = Re(sum_n C h_t)``.
    ``A_bar, B_bar, C``: ``(H, N)``; ``x``: real ``(batch, T, H)``.
    """
    A_bar, B_bar, C, x = _state_params(A_bar, B_bar, C, x)
    h = np.zeros((x.shape[0], *A_bar.shape), dtype=np.result_type(A_bar, B_bar, x))  # (b, H, N)
    ys = []
    for x_t in np.moveaxis(x, 1, 0):  # (b, H) at each step
        h = A_bar * h + B_bar * x_t[..., None]  # (b, H, N)
        ys.append((C * h).sum(-1).real)  # (b, H)
    return np.stack(ys, axis=1)  # (b, T, H)


def lti_kernel(A_bar, B_bar, C, length: int) -> np.ndarray:
    """The kernel ``K_k = Re(sum_n C_n A_bar_n^k B_bar_n)`` for ``k = 0..length-1``: ``(H, length)``.

    Built as a Vandermonde product: the powers ``A_bar^k`` ``(H, N, length)`` times ``C B_bar``.
    """
    A_bar, B_bar, C = _state_matrices(A_bar, B_bar, C)
    length = require_int(length, "length", minimum=1)
    powers = A_bar[..., None] ** np.arange(length)  # (H, N, L)
    return np.einsum("hn,hnk->hk", C * B_bar, powers).real  # (H, L)


def causal_conv(K, x) -> np.ndarray:
    """``y_t = sum_{k=0..t} K_k x_{t-k}`` per channel: ``K`` ``(H, >= T)``, ``x`` ``(batch, T, H)``."""
    K, x = _kernel_and_input(K, x)
    T = x.shape[1]
    y = np.zeros_like(x)  # (b, T, H)
    for k in range(T):  # the k-th tap shifts the input by k steps
        y[:, k:] += K[:, k] * x[:, : T - k]
    return y


def fft_conv(K, x) -> np.ndarray:
    """The same causal convolution by FFT: zero-pad to ``2T`` (no wrap-around), multiply, invert."""
    K, x = _kernel_and_input(K, x)
    T = x.shape[1]
    K_f = np.fft.rfft(K[:, :T], n=2 * T, axis=-1)  # (H, T+1)
    x_f = np.fft.rfft(x, n=2 * T, axis=1)  # (b, T+1, H)
    return np.fft.irfft(x_f * K_f.T, n=2 * T, axis=1)[:, :T]  # (b, T, H)


def _kernel_and_input(K, x) -> tuple[np.ndarray, np.ndarray]:
    K = as_float_array(K, "K", ndim=2, dims="(H, length)")
    x = as_float_array(x, "x", ndim=3, dims="(batch, T, H)")
    if K.shape[0] != x.shape[2] or K.shape[1] < x.shape[1]:
        raise ValueError(
            f"K must have shape ({x.shape[2]}, >= {x.shape[1]}) for x of shape {x.shape}, "
            f"got {K.shape}"
        )
    return K, x


@dataclass(frozen=True)
class SelectiveParams:
    """A selective SSM layer (Mamba's S6, Gu & Dao 2023) on ``H`` channels, state ``N``.

    ``A`` ``(H, N)`` real < 0; ``Delta_t = softplus(x_t W_delta + b_delta)`` ``(H,)``;
    ``B_t = x_t W_B`` and ``C_t = x_t W_C`` ``(N,)``, shared by the channels.
    """

    A: np.ndarray  # (H, N)
    W_delta: np.ndarray  # (H, H)
    b_delta: np.ndarray  # (H,)
    W_B: np.ndarray  # (H, N)
    W_C: np.ndarray  # (H, N)


def selective_coefficients(x, p: SelectiveParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a, b, C_t)`` of the selective recurrence ``h_t = a_t * h_{t-1} + b_t``.

    ``a_t = exp(Delta_t A)`` and ``b_t = B_bar_t x_t`` by :func:`zoh`, both ``(batch, T, H, N)``;
    ``C_t`` is ``(batch, T, N)``; the output is ``y_t = sum_n C_t h_t``. ``x``: ``(batch, T, H)``.
    """
    x = as_float_array(x, "x", ndim=3, dims="(batch, T, H)")
    H, N = np.shape(p.A)
    if x.shape[2] != H:
        raise ValueError(f"x must have shape (batch, T, {H}), got {x.shape}")
    delta = np.logaddexp(0.0, x @ p.W_delta + p.b_delta)  # softplus, (b, T, H)
    B_t, C_t = x @ p.W_B, x @ p.W_C  # (b, T, N) each
    a, B_bar = zoh(p.A, B_t[:, :, None, :], delta[..., None])  # (b, T, H, N) each
    return a, B_bar * x[..., None], C_t  # b_t = B_bar_t x_t


def sequential_scan(a, b) -> np.ndarray:
    """``h_t = a_t * h_{t-1} + b_t`` from ``h_0 = 0``, by a loop over axis 1: ``(batch, T, ...)``."""
    a, b = _scan_inputs(a, b)
    h, states = np.zeros_like(b[:, 0]), []
    for a_t, b_t in zip(np.moveaxis(a, 1, 0), np.moveaxis(b, 1, 0), strict=True):
        h = a_t * h + b_t
        states.append(h)
    return np.stack(states, axis=1)  # (batch, T, ...)


def associative_scan(a, b) -> np.ndarray:
    """The same states by a parallel (associative) scan over axis 1, in ``ceil(log2 T)`` rounds.

    The step ``h -> a h + b`` is a pair ``(a, b)``; doing ``(a1, b1)`` then ``(a2, b2)`` is
    ``(a2 a1, a2 b1 + b2)``, an associative combination, so prefixes can be combined in
    any grouping (Blelloch 1990). Round ``d`` combines every element with the one
    ``2^d`` steps earlier, all at once (Hillis-Steele doubling).
    """
    a, b = _scan_inputs(a, b)
    a, b = a.copy(), b.copy()
    shift = 1
    while shift < a.shape[1]:
        a_prev, b_prev = a[:, :-shift], b[:, :-shift]  # the prefix ending `shift` earlier
        b[:, shift:] = a[:, shift:] * b_prev + b[:, shift:]  # before a is updated
        a[:, shift:] = a[:, shift:] * a_prev
        shift *= 2
    return b  # (batch, T, ...): the prefix from step 1, applied to h_0 = 0


def _scan_inputs(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = _numeric(a, "a"), _numeric(b, "b")
    if a.shape != b.shape or a.ndim < 2:
        raise ValueError(f"a and b must share a shape (batch, T, ...), got {a.shape} and {b.shape}")
    return a, b


def ssd_sequential(a, B, C, x) -> np.ndarray:
    """Mamba-2's recurrence with one decay per channel (Dao & Gu 2024), by a loop.

    ``h_t = a_t h_{t-1} + x_t B_t`` with ``h_t`` ``(H, N)``, ``y_t = h_t C_t``.
    ``a``, ``x``: ``(batch, T, H)``; ``B``, ``C``: ``(batch, T, N)``. Returns ``y`` ``(batch, T, H)``.
    """
    a, B, C, x = _ssd_inputs(a, B, C, x)
    h = np.zeros((x.shape[0], x.shape[2], B.shape[2]))  # (b, H, N)
    ys = []
    for t in range(x.shape[1]):
        h = a[:, t, :, None] * h + x[:, t, :, None] * B[:, t, None, :]  # (b, H, N)
        ys.append(h @ C[:, t, :, None])  # (b, H, 1)
    return np.concatenate(ys, axis=2).transpose(0, 2, 1)  # (b, T, H)


def ssd_chunked(a, B, C, x, chunk: int) -> np.ndarray:
    """The same ``y`` in chunks of ``chunk`` steps (Mamba-2's block decomposition).

    Inside a chunk, ``y_t = sum_{s<=t} (C_t . B_s) L_ts x_s`` with the decay
    ``L_ts = a_{s+1} ... a_t``: a masked matrix product. Across chunks, only the state at
    each chunk's end is carried, by a recurrence with ``T / chunk`` steps.
    """
    a, B, C, x = _ssd_inputs(a, B, C, x)
    chunk = require_int(chunk, "chunk", minimum=1)
    b, T, H = x.shape
    if T % chunk:
        raise ValueError(f"T must be a multiple of chunk, got T={T} and chunk={chunk}")
    nc, L = T // chunk, chunk
    la = np.cumsum(np.log(a).reshape(b, nc, L, H), axis=2)  # (b, nc, L, H): log a_1..a_t in chunk
    Bc, Cc, xc = B.reshape(b, nc, L, -1), C.reshape(b, nc, L, -1), x.reshape(b, nc, L, H)
    causal = np.tril(np.ones((L, L), dtype=bool))  # s <= t
    decay = np.exp(np.where(causal[..., None], la[:, :, :, None] - la[:, :, None], -np.inf))
    CB = np.einsum("bctn,bcsn->bcts", Cc, Bc)  # (b, nc, L, L)
    y = np.einsum("bcts,bctsh,bcsh->bcth", CB, decay, xc)  # inside each chunk
    to_end = np.exp(la[:, :, -1:] - la)  # (b, nc, L, H): decay from s to the chunk's end
    ends = np.einsum("bcsh,bcsn->bchn", to_end * xc, Bc)  # state each chunk adds at its end
    h = np.zeros((b, H, Bc.shape[-1]))  # (b, H, N): the state entering chunk c
    for c in range(nc):  # the short recurrence across chunks
        y[:, c] += np.einsum("bth,bhn,btn->bth", np.exp(la[:, c]), h, Cc[:, c])
        h = np.exp(la[:, c, -1])[..., None] * h + ends[:, c]
    return y.reshape(b, T, H)


def _ssd_inputs(a, B, C, x) -> tuple[np.ndarray, ...]:
    x = as_float_array(x, "x", ndim=3, dims="(batch, T, H)")
    a, B, C = (as_float_array(v, n, ndim=3) for v, n in ((a, "a"), (B, "B"), (C, "C")))
    if a.shape != x.shape or B.shape[:2] != x.shape[:2] or C.shape != B.shape:
        raise ValueError(
            f"a must have x's shape {x.shape} and B, C one shape {x.shape[:2]} + (N,), got "
            f"a {a.shape}, B {B.shape}, C {C.shape}"
        )
    if np.any(a <= 0):
        raise ValueError(f"a must be > 0 (a decay), got min {a.min():.3g}")
    return a, B, C, x
