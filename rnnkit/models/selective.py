"""A selective state-space layer in PyTorch (chapter 16), computed two ways.

Mamba's selection (Gu and Dao 2023) with Mamba-2's scalar decay per head (Dao and Gu
2024): the ``H`` channels form ``G`` heads of ``P = H / G`` channels; head ``g`` has one
``A_g < 0``, each channel ``N`` states. The step ``Delta_t`` (one per head), the input
map ``B_t`` and the read-out ``C_t`` (shared by all channels) are computed from ``x_t``::

    Delta_t = softplus(x_t W_Delta + b_Delta)                                  (G,)
    A_bar_t = exp(Delta_t A),  B_bar_t = (A_bar_t - 1) / A  outer  B_t,  B_t = x_t W_B   (G, N)
    h_t = A_bar_t * h_{t-1} + B_bar_t * x_t,   y_t = h_t C_t + D * x_t,   C_t = x_t W_C,

with ``h_t`` ``(H, N)`` and each channel using its head's ``A_bar_t`` and ``B_bar_t``.
``B_bar`` is the zero-order hold of chapter 15; ``G = H`` gives every channel its own step.
``forward(x, mode)`` computes ``y`` by

* ``"loop"``: one step per time step (``unbind``, never ``a[:, t]``, chapter 12);
* ``"chunked"``: Mamba-2's block form: inside each chunk of ``L`` steps, an ``(L, L)``
  lower-triangular matrix ``(C_t . B_s) exp(sum_{s<r<=t} Delta_r A)`` times the inputs;
  across chunks only the ``(H, N)`` state at each chunk's end is carried, ``T / L`` steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from rnnkit.models.ssm import require_sequence
from rnnkit.validation import require_choice, require_int

MODES = ("loop", "chunked")


@dataclass(frozen=True)
class SelectiveConfig:
    """Sizes of the layer: ``channels`` (H) inputs in ``heads`` (G) heads, ``state`` (N)
    states per channel."""

    channels: int = 32  # H: input and output width
    heads: int = 4  # G: one step Delta_t and one decay A_bar_t per head of H / G channels
    state: int = 16  # N: states per channel, with B_t and C_t of this size
    chunk: int = 16  # L: steps per chunk of the "chunked" form

    def __post_init__(self) -> None:
        for name in ("channels", "heads", "state", "chunk"):
            require_int(getattr(self, name), f"SelectiveConfig.{name}", minimum=1)
        if self.channels % self.heads:
            raise ValueError(
                f"SelectiveConfig.heads must divide channels={self.channels}, got {self.heads}"
            )


class SelectiveSSM(nn.Module):
    """Selective SSM ``(batch, T, H) -> (batch, T, H)``. Parameters: ``log_neg_A`` ``(G,)``
    (``A = -exp(log_neg_A)``, initialised in ``[-16, -1]``), ``delta_proj`` (``H -> G``,
    bias set so that ``Delta`` starts log-uniform in ``[0.001, 0.1]``), ``B_proj`` and
    ``C_proj`` (``H -> N``, no bias) and the skip ``D`` ``(H,)``."""

    def __init__(self, config: SelectiveConfig | None = None) -> None:
        super().__init__()
        self.config = c = config or SelectiveConfig()
        self.log_neg_A = nn.Parameter(torch.log(torch.empty(c.heads).uniform_(1.0, 16.0)))
        self.delta_proj = nn.Linear(c.channels, c.heads)
        dt = torch.exp(torch.empty(c.heads).uniform_(math.log(1e-3), math.log(1e-1)))
        with torch.no_grad():
            self.delta_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # softplus^-1(dt)
        self.B_proj = nn.Linear(c.channels, c.state, bias=False)
        self.C_proj = nn.Linear(c.channels, c.state, bias=False)
        self.D = nn.Parameter(torch.ones(c.channels))

    def coefficients(self, x: torch.Tensor):
        """``(dA, u, B_t, C_t)``: ``dA = Delta_t A = log A_bar_t`` ``(b, T, G)``, the input
        scaled by the zero-order hold ``u = (A_bar_t - 1) / A * x_t`` ``(b, T, G, P)`` (so
        that ``B_bar_t x_t = u_t outer B_t``), ``B_t`` and ``C_t`` ``(b, T, N)``."""
        G = self.config.heads
        A = -torch.exp(self.log_neg_A)  # (G,)
        delta = F.softplus(self.delta_proj(x))  # (b, T, G)
        dA = delta * A  # (b, T, G)
        heads = x.unflatten(-1, (G, -1))  # (b, T, G, P)
        u = (torch.expm1(dA) / A)[..., None] * heads  # (b, T, G, P)
        return dA, u, self.B_proj(x), self.C_proj(x)

    def forward(self, x: torch.Tensor, mode: str = "chunked") -> torch.Tensor:
        """``y`` ``(batch, T, H)`` for ``x`` ``(batch, T, H)`` (floating point) by ``mode``
        (``"loop"`` or ``"chunked"``). Raises ``ValueError`` on another mode or a wrong
        shape, ``TypeError`` on a non-floating tensor."""
        require_choice(mode, "mode", MODES)
        require_sequence(x, self.config.channels)
        dA, u, B_t, C_t = self.coefficients(x)
        y = (self._loop if mode == "loop" else self._chunked)(dA, u, B_t, C_t)  # (b, T, G, P)
        return y.flatten(2) + self.D * x  # (b, T, H)

    def _loop(self, dA, u, B_t, C_t):
        b, _, G, P = u.shape
        h = u.new_zeros(b, G, P, B_t.shape[2])  # (b, G, P, N)
        ys = []
        steps = zip(dA.exp().unbind(1), u.unbind(1), B_t.unbind(1), C_t.unbind(1), strict=True)
        for a, u_t, B, C in steps:
            h = a[..., None, None] * h + u_t[..., None] * B[:, None, None, :]  # (b, G, P, N)
            ys.append(torch.einsum("bgpn,bn->bgp", h, C))  # (b, G, P)
        return torch.stack(ys, dim=1)  # (b, T, G, P)

    def _chunked(self, dA, u, B_t, C_t):
        b, T, G, P = u.shape
        L = self.config.chunk
        nc = -(-T // L)  # chunks; padding adds steps with A_bar = 1 and no input

        def chunks(t):  # (b, T, ...) -> (b, nc, L, ...)
            pad = [0, 0] * (t.ndim - 2) + [0, nc * L - T]
            return F.pad(t, pad).reshape(b, nc, L, *t.shape[2:])

        dA, u, B_t, C_t = chunks(dA), chunks(u), chunks(B_t), chunks(C_t)
        cs = dA.cumsum(2)  # (b, nc, L, G): log of A_bar_1 ... A_bar_t inside the chunk
        causal = torch.ones(L, L, dtype=torch.bool, device=dA.device).tril()  # (t, s): s <= t
        seg = cs[:, :, :, None, :] - cs[:, :, None, :, :]  # (b, nc, L, L, G): sum_{s<r<=t}
        decay = seg.masked_fill(~causal[:, :, None], -math.inf).exp()  # 0 above the diagonal
        CB = torch.einsum("bctn,bcsn->bcts", C_t, B_t)  # (b, nc, L, L)
        M = CB[..., None] * decay  # (b, nc, L, L, G): the masked matrix of each chunk
        y = torch.einsum("bctsg,bcsgp->bctgp", M, u)  # (b, nc, L, G, P): inside the chunk
        to_end = (cs[:, :, -1:] - cs).exp()[..., None] * u  # (b, nc, L, G, P)
        ends = torch.einsum("bcsgp,bcsn->bcgpn", to_end, B_t)  # (b, nc, G, P, N)
        h, entering = torch.zeros_like(ends[:, 0]), []  # h: (b, G, P, N)
        chunk_decays = cs[:, :, -1].exp()  # (b, nc, G): A_bar over each whole chunk
        for end, a in zip(ends.unbind(1), chunk_decays.unbind(1), strict=True):  # across chunks
            entering.append(h)
            h = a[..., None, None] * h + end
        h_in = torch.stack(entering, dim=1)  # (b, nc, G, P, N): state entering each chunk
        y_in = torch.einsum("bctn,bcgpn->bctgp", C_t, h_in)  # (b, nc, L, G, P)
        y = y + y_in * cs.exp()[..., None]  # (b, nc, L, G, P)
        return y.reshape(b, nc * L, G, P)[:, :T]  # (b, T, G, P)
