"""minGRU and minLSTM (Feng et al., 2024), sequential and as a log-space parallel scan.

Feng, Tung, Ahmed, Bengio and Hajimirsadeghi, "Were RNNs All We Needed?" (2024) strip
the GRU and the LSTM until no gate reads the previous state. What is left is a *linear*
recurrence whose coefficients depend on the input alone,

    h_t = a_t * h_{t-1} + b_t        (element-wise; a_t, b_t computed from x_t only),

and such a recurrence can be solved for all ``t`` at once. With ``a*_t = sum_{s<=t} log a_s``,

    log h_t = a*_t + log( h_0 + sum_{s<=t} exp(log b_s - a*_s) ),

a cumulative sum and a cumulative log-sum-exp over time (Heinsen, 2023, "Efficient
Parallelization of a Ubiquitous Sequential Computation", arXiv:2311.06281). Working in
log space needs ``a_t, b_t, h_0 > 0``: the models keep the candidate positive with
``g(v) = v + 1/2`` for ``v >= 0`` and ``sigmoid(v)`` for ``v < 0`` (Feng et al.;
:func:`positive_candidate`), so every state ``h_t`` is positive, and an initial state
must be too.

minGRU:   z_t = sigmoid(x_t W_z + b_z),  h_tilde_t = g(x_t W_h + b_h),
          h_t = (1 - z_t) * h_{t-1} + z_t * h_tilde_t.
minLSTM:  f_t = sigmoid(x_t W_f + b_f),  i_t = sigmoid(x_t W_i + b_i),  h_tilde_t = g(x_t W_h + b_h),
          f'_t = f_t / (f_t + i_t),  i'_t = i_t / (f_t + i_t),
          h_t = f'_t * h_{t-1} + i'_t * h_tilde_t.

Each layer's ``forward(x, h0=None, mode="scan")`` computes either form; both give the
same numbers (``tests/test_models_minrnn.py``). There is no Keras twin: the point of
these modules is the scan in PyTorch, and Keras would add nothing the chapter uses.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from rnnkit.validation import require_choice, require_int

MODES = ("scan", "sequential")


def positive_candidate(v: torch.Tensor) -> torch.Tensor:
    """The positive candidate map of Feng et al.: ``v + 1/2`` for ``v >= 0``, ``sigmoid(v)`` below."""
    return torch.where(v >= 0, v + 0.5, torch.sigmoid(v))


def log_positive_candidate(v: torch.Tensor) -> torch.Tensor:
    """``log(positive_candidate(v))`` without forming it: ``log(v + 1/2)`` or ``-softplus(-v)``."""
    return torch.where(v >= 0, torch.log(F.relu(v) + 0.5), -F.softplus(-v))


def log_scan(
    log_a: torch.Tensor, log_b: torch.Tensor, log_h0: torch.Tensor | None = None
) -> torch.Tensor:
    """Solve ``h_t = a_t * h_{t-1} + b_t`` for every ``t`` at once, in log space (Heinsen, 2023).

    ``log_a`` and ``log_b`` are ``(B, T, H)``; ``log_h0`` is ``(B, H)`` or ``None`` for
    ``h_0 = 0``. Returns ``h`` as ``(B, T, H)``:
    ``h_t = exp(a*_t) * (h_0 + sum_{s<=t} exp(log b_s - a*_s))`` with ``a*_t = sum_{s<=t} log a_s``.
    """
    if log_h0 is not None:  # h_0 enters as a step 0 with a_0 = 1, b_0 = h_0
        log_a = torch.cat([torch.zeros_like(log_h0)[:, None], log_a], dim=1)  # (B, T+1, H)
        log_b = torch.cat([log_h0[:, None], log_b], dim=1)  # (B, T+1, H)
    a_star = torch.cumsum(log_a, dim=1)  # (B, T(+1), H)
    log_h = a_star + torch.logcumsumexp(log_b - a_star, dim=1)  # (B, T(+1), H)
    h = torch.exp(log_h)
    return h if log_h0 is None else h[:, 1:]  # (B, T, H)


class _MinRNN(nn.Module):
    """Shared input checks and the sequential loop; subclasses supply the coefficients."""

    n_maps = 0  # how many (input -> hidden) affine maps the cell has

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = require_int(input_size, "input_size", minimum=1)
        self.hidden_size = require_int(hidden_size, "hidden_size", minimum=1)
        self.linear = nn.Linear(input_size, self.n_maps * hidden_size)  # all maps at once

    def forward(
        self, x: torch.Tensor, h0: torch.Tensor | None = None, mode: str = "scan"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the layer over ``x`` of shape ``(B, T, input_size)``.

        ``h0``: ``(B, hidden_size)`` with every entry > 0, or ``None`` for zeros. ``mode``:
        ``"scan"`` (log-space parallel scan) or ``"sequential"`` (a loop over ``t``).
        Returns ``(h, h_last)``: all states ``(B, T, hidden_size)`` and the last ``(B, hidden_size)``.
        Raises ``ValueError`` / ``TypeError`` on a wrong shape, dtype, mode or a non-positive ``h0``.
        """
        self._check(x, h0, mode)
        k = self.linear(x).chunk(self.n_maps, dim=-1)  # n_maps x (B, T, H)
        h = self._scan(k, h0) if mode == "scan" else self._sequential(k, h0)  # (B, T, H)
        return h, h[:, -1]

    def _sequential(self, k, h0):
        a, b = self.coefficients(k)  # (B, T, H) each
        h = torch.zeros_like(a[:, 0]) if h0 is None else h0  # (B, H)
        states = []
        # unbind, not a[:, t]: the backward of each a[:, t] writes a whole (B, T, H) zero
        # tensor, which makes the loop's backward pass grow like T**2 instead of T.
        for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):
            h = torch.addcmul(b_t, a_t, h)  # a_t * h + b_t
            states.append(h)
        return torch.stack(states, dim=1)  # (B, T, H)

    def _scan(self, k, h0):
        log_a, log_b = self.log_coefficients(k)  # (B, T, H) each
        return log_scan(log_a, log_b, None if h0 is None else torch.log(h0))

    def _check(self, x, h0, mode) -> None:
        require_choice(mode, "mode", MODES)
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"x must be a floating-point torch.Tensor, got {_describe(x)}")
        if x.ndim != 3 or x.shape[-1] != self.input_size or x.shape[1] < 1:
            raise ValueError(
                f"x must have shape (batch, time >= 1, {self.input_size}), got {tuple(x.shape)}"
            )
        if h0 is None:
            return
        if not isinstance(h0, torch.Tensor) or not h0.is_floating_point():
            raise TypeError(f"h0 must be a floating-point torch.Tensor, got {_describe(h0)}")
        if tuple(h0.shape) != (x.shape[0], self.hidden_size):
            raise ValueError(
                f"h0 must have shape ({x.shape[0]}, {self.hidden_size}), got {tuple(h0.shape)}"
            )
        if not bool((h0 > 0).all()):
            raise ValueError(
                f"h0 must be > 0 everywhere (the scan works with log h0), got min {float(h0.min()):.3g}"
            )


class MinGRU(_MinRNN):
    """minGRU (Feng et al., 2024): ``h_t = (1 - z_t) * h_{t-1} + z_t * g(x_t W_h + b_h)``,
    ``z_t = sigmoid(x_t W_z + b_z)``. Parameters: ``2 * hidden * (input + 1)``."""

    n_maps = 2

    def coefficients(self, k):
        """``(a_t, b_t) = (1 - z_t, z_t * h_tilde_t)`` from the pre-activations ``k = (k_z, k_h)``."""
        k_z, k_h = k
        z = torch.sigmoid(k_z)
        return 1 - z, z * positive_candidate(k_h)

    def log_coefficients(self, k):
        """``(log(1 - z_t), log z_t + log h_tilde_t)``, with ``log sigmoid(v) = -softplus(-v)``."""
        k_z, k_h = k
        return -F.softplus(k_z), -F.softplus(-k_z) + log_positive_candidate(k_h)


class MinLSTM(_MinRNN):
    """minLSTM (Feng et al., 2024): ``h_t = f'_t * h_{t-1} + i'_t * g(x_t W_h + b_h)`` with the
    gates normalised to sum to one, ``f'_t = f_t / (f_t + i_t)``, ``i'_t = i_t / (f_t + i_t)``.
    Parameters: ``3 * hidden * (input + 1)``."""

    n_maps = 3

    def coefficients(self, k):
        """``(f'_t, i'_t * h_tilde_t)`` from the pre-activations ``k = (k_f, k_i, k_h)``."""
        k_f, k_i, k_h = k
        f, i = torch.sigmoid(k_f), torch.sigmoid(k_i)
        return f / (f + i), i / (f + i) * positive_candidate(k_h)

    def log_coefficients(self, k):
        """``log f'_t = -softplus(d)``, ``log i'_t = -softplus(-d)`` with
        ``d = softplus(-k_f) - softplus(-k_i) = log i_t - log f_t``."""
        k_f, k_i, k_h = k
        d = F.softplus(-k_f) - F.softplus(-k_i)
        return -F.softplus(d), -F.softplus(-d) + log_positive_candidate(k_h)


CELLS = {"mingru": MinGRU, "minlstm": MinLSTM}


class MinRNNRegressor(nn.Module):
    """A stack of minGRU / minLSTM layers and a linear head on the last state.

    ``x`` ``(B, T, input_size)`` -> ``(B, out_size)``: each layer reads the previous
    layer's states, and the head reads the last layer's ``h_T``. The attribute ``mode``
    (``"scan"`` or ``"sequential"``, settable) picks the form for every layer, so the
    same weights can be trained either way with :func:`rnnkit.train.fit_torch`.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        out_size: int = 1,
        layers: int = 2,
        cell: str = "mingru",
        mode: str = "scan",
    ) -> None:
        super().__init__()
        self.mode = require_choice(mode, "mode", MODES)
        cell_class = CELLS[require_choice(cell, "cell", tuple(CELLS))]
        layers = require_int(layers, "layers", minimum=1)
        sizes = [input_size] + [hidden_size] * layers
        self.layers = nn.ModuleList(cell_class(d, hidden_size) for d in sizes[:-1])
        self.head = nn.Linear(hidden_size, require_int(out_size, "out_size", minimum=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x  # (B, T, D)
        for layer in self.layers:
            h, last = layer(h, mode=self.mode)  # (B, T, H)
        return self.head(last)  # (B, out_size)


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"torch.Tensor of dtype {value.dtype}"
    return type(value).__name__
