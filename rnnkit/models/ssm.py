"""A diagonal LTI state-space layer in PyTorch, computed three ways (chapter 15's timings).

The layer is the S4D recurrence of :mod:`rnnkit.reference_ssm` with a real diagonal ``A < 0``
(Gu et al. 2022), discretised by zero-order hold inside ``forward`` so that the backward
pass reaches the continuous parameters::

    A_bar = exp(Delta A),  B_bar = (A_bar - 1) / A * B,
    h_t = A_bar * h_{t-1} + B_bar * x_t,  y_t = sum_n C_n h_{t,n}.

``forward(x, mode)`` computes the same ``y`` by

* ``"loop"``: one step per time step (the input term ``B_bar x`` for all steps first);
* ``"fft"``: the kernel ``K_k = sum_n C A_bar^k B_bar`` and an FFT convolution of length
  ``2T``; ``LTIConfig.kernel`` picks how ``A_bar^k`` is formed (``"vandermonde"``:
  one ``exp`` per ``(h, n, k)``; ``"blocks"``: ``A_bar^(jL + r) = A_bar^(jL) A_bar^r``,
  ``exp`` of ``T/L + L`` powers and a matrix product);
* ``"chunked"``: Mamba-2's block form (Dao & Gu 2024) for an LTI layer: inside each
  chunk of ``L`` steps a ``(L, L)`` lower-triangular (Toeplitz) matrix product; the
  states at the chunks' ends are carried by an associative scan over ``T / L`` chunks.

There is no Keras twin: the chapter trains no model, it times forms of one computation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from rnnkit.validation import require_choice, require_int

MODES = ("loop", "fft", "chunked")
KERNELS = ("vandermonde", "blocks")


@dataclass(frozen=True)
class LTIConfig:
    """Sizes of the layer: ``channels`` inputs (H), each with a diagonal state of ``state`` (N)."""

    channels: int = 32  # H independent input channels
    state: int = 16  # N states per channel
    chunk: int = 64  # L: steps per chunk of the "chunked" form and the "blocks" kernel
    kernel: str = "blocks"  # how the "fft" form builds A_bar^k

    def __post_init__(self) -> None:
        for name in ("channels", "state", "chunk"):
            require_int(getattr(self, name), f"LTIConfig.{name}", minimum=1)
        require_choice(self.kernel, "LTIConfig.kernel", KERNELS)


class DiagonalLTI(nn.Module):
    """S4D-style layer ``(batch, T, H) -> (batch, T, H)``; parameters ``log_neg_A`` and
    ``B``, ``C`` of shape ``(H, N)`` and ``log_delta`` ``(H,)``, so that ``A = -exp(log_neg_A) < 0``
    and ``Delta = exp(log_delta) > 0``. S4D-Real initialisation: ``A_n = -(n + 1)``."""

    def __init__(self, config: LTIConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or LTIConfig()
        A = torch.arange(1, c.state + 1, dtype=torch.float32).repeat(c.channels, 1)  # (H, N)
        self.log_neg_A = nn.Parameter(torch.log(A))
        self.B = nn.Parameter(torch.ones(c.channels, c.state))
        self.C = nn.Parameter(torch.randn(c.channels, c.state) / math.sqrt(c.state))
        log_dt = torch.rand(c.channels) * (math.log(0.1) - math.log(0.001)) + math.log(0.001)
        self.log_delta = nn.Parameter(log_dt)  # Delta in [0.001, 0.1], log-uniform (S4D)

    def discrete(self, dtype: torch.dtype | None = None) -> tuple[torch.Tensor, ...]:
        """``(dA, A_bar, B_bar)``, each ``(H, N)``, with ``dA = Delta A = log A_bar``
        (zero-order hold), in ``dtype`` (default: the parameters')."""
        A = -torch.exp(self.log_neg_A.to(dtype))  # (H, N)
        dA = torch.exp(self.log_delta.to(dtype))[:, None] * A  # (H, N)
        A_bar = torch.exp(dA)
        return dA, A_bar, (A_bar - 1) / A * self.B.to(dtype)

    def kernel(self, length: int, dtype: torch.dtype | None = None) -> torch.Tensor:
        """``K_k = sum_n C_n A_bar_n^k B_bar_n`` for ``k < length``: ``(H, length)``.
        Raises ``ValueError`` unless ``length`` is an int >= 1."""
        length = require_int(length, "length", minimum=1)
        dA, _, B_bar = self.discrete(dtype)
        CB = self.C.to(dtype) * B_bar  # (H, N): C and B_bar folded before the powers
        if self.config.kernel == "vandermonde":
            k = torch.arange(length, dtype=dA.dtype, device=dA.device)
            return torch.einsum("hn,hnk->hk", CB, torch.exp(dA[..., None] * k))  # (H, length)
        L = self.config.chunk
        blocks = -(-length // L)  # ceil
        r = torch.arange(L, dtype=dA.dtype, device=dA.device)
        j = torch.arange(blocks, dtype=dA.dtype, device=dA.device) * L
        outer = CB[:, None, :] * torch.exp(dA[:, None, :] * j[:, None])  # (H, blocks, N)
        inner = torch.exp(dA[..., None] * r)  # (H, N, L)
        return (outer @ inner).reshape(dA.shape[0], blocks * L)[:, :length]  # (H, length)

    def forward(self, x: torch.Tensor, mode: str = "fft") -> torch.Tensor:
        """``y`` ``(batch, T, H)`` for ``x`` ``(batch, T, H)`` (floating point) by ``mode``
        (``"loop"``, ``"fft"`` or ``"chunked"``). Raises ``ValueError`` on another mode or a
        wrong shape, ``TypeError`` on a non-floating tensor."""
        require_choice(mode, "mode", MODES)
        require_sequence(x, self.config.channels)
        return {"loop": self._loop, "fft": self._fft, "chunked": self._chunked}[mode](x)

    def _loop(self, x: torch.Tensor) -> torch.Tensor:
        _, A_bar, B_bar = self.discrete(x.dtype)  # (H, N) each
        Bx = x[..., None] * B_bar  # (b, T, H, N): the input term of every step
        h, states = torch.zeros_like(Bx[:, 0]), []  # h: (b, H, N)
        for Bx_t in Bx.unbind(1):  # unbind, not Bx[:, t] (chapter 12)
            h = torch.addcmul(Bx_t, A_bar, h)  # A_bar * h + B_bar x_t
            states.append(h)
        return torch.einsum("bthn,hn->bth", torch.stack(states, dim=1), self.C.to(x.dtype))

    def _fft(self, x: torch.Tensor) -> torch.Tensor:
        T = x.shape[1]
        K_f = torch.fft.rfft(self.kernel(T, x.dtype), n=2 * T)  # (H, T+1)
        x_f = torch.fft.rfft(x.transpose(1, 2), n=2 * T)  # (b, H, T+1)
        return torch.fft.irfft(x_f * K_f, n=2 * T)[..., :T].transpose(1, 2)  # (b, T, H)

    def _chunked(self, x: torch.Tensor) -> torch.Tensor:
        dA, A_bar, B_bar = self.discrete(x.dtype)  # (H, N) each
        C = self.C.to(x.dtype)
        b, T, H = x.shape
        L = self.config.chunk
        nc = -(-T // L)  # chunks; the last is padded with zeros
        xc = nn.functional.pad(x, (0, 0, 0, nc * L - T)).reshape(b, nc, L, H)  # (b, nc, L, H)
        r = torch.arange(L, dtype=dA.dtype, device=dA.device)
        P = torch.exp(dA[..., None] * r)  # (H, N, L): A_bar^r
        K = torch.einsum("hn,hnl->hl", C * B_bar, P)  # (H, L): the kernel inside a chunk
        lag = r[:, None] - r[None, :]  # (L, L): t - s
        M = torch.where(lag >= 0, K[:, lag.clamp(min=0).long()], 0.0)  # (H, L, L) lower Toeplitz
        y = torch.einsum("bcsh,hts->bcth", xc, M)  # (b, nc, L, H): inside each chunk
        ends = torch.einsum("bcsh,hns->bchn", xc, P.flip(-1) * B_bar[..., None])  # (b, nc, H, N)
        states = _carry(ends, torch.exp(dA * L))  # (b, nc, H, N): state at each chunk's end
        h_in = torch.cat([torch.zeros_like(states[:, :1]), states[:, :-1]], dim=1)  # entering c
        W_out = C[..., None] * P * A_bar[..., None]  # (H, N, L): C A_bar^(t+1)
        y = y + torch.einsum("bchn,hnt->bcth", h_in, W_out)  # (b, nc, L, H)
        return y.reshape(b, nc * L, H)[:, :T]  # (b, T, H)


def require_sequence(x, channels: int) -> None:
    """The input check of the sequence layers: ``TypeError`` unless ``x`` is a
    floating-point tensor, ``ValueError`` unless its shape is ``(batch, T >= 1, channels)``."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"x must be a floating-point torch.Tensor, got {type(x).__name__}")
    if x.ndim != 3 or x.shape[2] != channels or x.shape[1] < 1:
        raise ValueError(f"x must have shape (batch, T >= 1, {channels}), got {tuple(x.shape)}")


def _carry(ends: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """``s_c = a * s_{c-1} + ends_c`` over axis 1 from ``s_0 = 0`` by doubling (Hillis-Steele):
    ``ceil(log2 nc)`` rounds, each combining a prefix with the one ``2^d`` chunks before it."""
    shift = 1
    while shift < ends.shape[1]:
        ends = torch.cat([ends[:, :shift], a * ends[:, :-shift] + ends[:, shift:]], dim=1)
        a, shift = a * a, shift * 2
    return ends
