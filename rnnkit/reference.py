"""NumPy reference cells: the vanilla RNN, the LSTM and the GRU, forward and backward.

The code follows the book's equations letter for letter. Vectors are **rows**, so a
batch of inputs ``x_t`` of shape (batch, features) multiplies the weights from the
left: for a gate ``k``

    a_k = x_t W_k + h_{t-1} U_k + b_k,     W_k: (features, hidden), U_k: (hidden, hidden), b_k: (hidden,)

``params`` is a plain dict of NumPy arrays with these names:

========  ==================================================================
cell      keys
========  ==================================================================
``rnn``   ``W, U, b``
``lstm``  ``W_i, W_f, W_g, W_o, U_i, U_f, U_g, U_o, b_i, b_f, b_g, b_o``
``gru``   ``W_z, W_r, W_h, U_z, U_r, U_h, b_z, b_r, b_h`` and, for the reset-after
          form (``reset_after=True``, the default), ``b_Uh``: the bias that sits
          with ``h_{t-1} U_h`` inside the reset gate's product
========  ==================================================================

One bias per gate: PyTorch keeps two (``b_ih`` and ``b_hh``) but only their sum
matters, so :mod:`rnnkit.convert` folds them into one. The GRU's candidate is the
exception in the reset-after form, where ``b_Uh`` is multiplied by ``r_t`` and so
cannot be folded into ``b_h``.

Every sequence function takes ``x`` of shape (batch, time, features) and returns
``(outputs, final_state)``; with ``return_cache=True`` it also returns a
:class:`SequenceCache` that the matching ``*_backward`` function consumes. Float32
and float64 both work; results keep the dtype of ``x`` (parameters and initial states
are cast to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from rnnkit.validation import as_float_array, require_choice, require_int, require_shape

CELLS = ("rnn", "lstm", "gru")
_GATES = {"rnn": ("",), "lstm": ("i", "f", "g", "o"), "gru": ("z", "r", "h")}
_NAMES = {"rnn": "a vanilla RNN", "lstm": "an LSTM", "gru": "a GRU"}


def param_names(cell: str, reset_after: bool = True) -> tuple[str, ...]:
    """The keys ``params`` must have for ``cell`` (``"rnn"``, ``"lstm"`` or ``"gru"``).

    ``reset_after`` only matters for the GRU: the reset-after form adds ``b_Uh``.
    """
    cell = require_choice(cell, "cell", CELLS)
    suffixes = [f"_{g}" if g else "" for g in _GATES[cell]]
    names = tuple(f"{m}{s}" for m in ("W", "U", "b") for s in suffixes)
    if cell == "gru" and reset_after:
        names += ("b_Uh",)
    return names


def init_params(
    cell: str,
    input_size: int,
    hidden_size: int,
    rng: np.random.Generator | int = 0,
    dtype=np.float64,
    reset_after: bool = True,
) -> dict[str, np.ndarray]:
    """Random parameters for ``cell``, uniform in ``[-1/sqrt(hidden), 1/sqrt(hidden)]``.

    The same range PyTorch uses for its recurrent layers. ``rng`` is a NumPy
    ``Generator`` or an integer seed; ``reset_after`` only matters for the GRU.
    """
    input_size = require_int(input_size, "input_size", minimum=1)
    hidden_size = require_int(hidden_size, "hidden_size", minimum=1)
    dtype = _require_dtype(np.dtype(dtype), "dtype")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(require_int(rng, "rng", minimum=0))
    bound = 1.0 / np.sqrt(hidden_size)
    shapes = {"W": (input_size, hidden_size), "U": (hidden_size, hidden_size), "b": (hidden_size,)}
    return {
        name: rng.uniform(-bound, bound, size=shapes[name[0]]).astype(dtype)
        for name in param_names(cell, reset_after)
    }


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-a))``, written as ``(1 + tanh(a/2)) / 2``.

    The two are equal; the tanh form never overflows and keeps the dtype of ``a``.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * a))


# --------------------------------------------------------------------------- checks


def _require_dtype(dtype: np.dtype, name: str) -> np.dtype:
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {dtype}")
    return dtype


def check_params(
    params,
    cell: str,
    *,
    input_size: int | None = None,
    reset_after: bool = True,
    dtype=None,
) -> dict[str, np.ndarray]:
    """Check ``params`` for ``cell`` and return them as arrays (cast to ``dtype`` if given).

    Checks the keys (none missing, none extra: see :func:`param_names`), that every
    value is a finite float array, that ``W_*`` are (features, hidden), ``U_*``
    (hidden, hidden) and ``b_*`` (hidden,), and, when ``input_size`` is given, that
    ``features == input_size``. Raises a one-line ``ValueError``/``TypeError``.
    """
    cell = require_choice(cell, "cell", CELLS)
    what = _NAMES[cell] + (f" (reset_after={reset_after})" if cell == "gru" else "")
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of NumPy arrays, got {type(params).__name__}")
    expected = param_names(cell, reset_after)
    missing = [k for k in expected if k not in params]
    if missing:
        raise ValueError(
            f"params for {what} is missing {', '.join(missing)}; expected keys {', '.join(expected)}"
        )
    extra = [k for k in params if k not in expected]
    if extra:
        hint = ""
        if cell == "gru" and "b_Uh" in extra:
            hint = " (b_Uh belongs to the reset-after form: pass reset_after=True)"
        raise ValueError(
            f"params for {what} has unexpected keys {', '.join(map(str, extra))}{hint}; "
            f"expected keys {', '.join(expected)}"
        )
    out = {k: as_float_array(params[k], f"params[{k!r}]") for k in expected}
    first_u = _first(cell, "U")
    u = out[first_u]
    if u.ndim != 2 or u.shape[0] != u.shape[1]:
        raise ValueError(
            f"params[{first_u!r}] must be a square (hidden, hidden) matrix, got shape {u.shape}"
        )
    hidden = u.shape[0]
    first_w = _first(cell, "W")
    w = out[first_w]
    if w.ndim != 2:
        raise ValueError(f"params[{first_w!r}] must be 2-D (features, hidden), got shape {w.shape}")
    if input_size is not None and w.shape[0] != input_size:
        raise ValueError(
            f"input has {input_size} features but params[{first_w!r}] has shape {w.shape}, "
            f"i.e. expects {w.shape[0]} features (shape is (features, hidden))"
        )
    shapes = {"W": (w.shape[0], hidden), "U": (hidden, hidden), "b": (hidden,)}
    for k in expected:
        require_shape(out[k], shapes[k[0]], f"params[{k!r}]")
    if dtype is None:
        return out
    return {k: v.astype(dtype, copy=False) for k, v in out.items()}


def _first(cell: str, matrix: str) -> str:
    """The first gate's key for ``matrix`` (``"W"`` or ``"U"``): W, W_i or W_z."""
    gate = _GATES[cell][0]
    return f"{matrix}_{gate}" if gate else matrix


def _hidden_size(cell: str, params: Mapping) -> int:
    return params[_first(cell, "U")].shape[0]


def _check_input(x, name: str, ndim: int, dims: str) -> np.ndarray:
    x = as_float_array(x, name, ndim=ndim, dims=dims)
    _require_dtype(x.dtype, f"{name}'s dtype")
    if 0 in x.shape:
        raise ValueError(
            f"{name} must not be empty: expected {dims} with every size >= 1, got shape {x.shape}"
        )
    return x


def _check_state(state, name: str, shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    """An initial or previous state: zeros when ``None``, else a finite (batch, hidden) array."""
    if state is None:
        return np.zeros(shape, dtype=dtype)
    state = as_float_array(state, name, ndim=2, dims="(batch, hidden)")
    require_shape(state, shape, name)
    return state.astype(dtype, copy=False)


def _check_grad(grad, name: str, shape: tuple[int, ...], dtype: np.dtype, optional: bool):
    if grad is None and optional:
        return np.zeros(shape, dtype=dtype)
    grad = as_float_array(grad, name)
    require_shape(grad, shape, name)
    return grad.astype(dtype, copy=False)


def _check_step(cell: str, x_t, h_prev, params, reset_after: bool = True):
    x_t = _check_input(x_t, "x_t", 2, "(batch, features)")
    params = check_params(
        params, cell, input_size=x_t.shape[1], dtype=x_t.dtype, reset_after=reset_after
    )
    shape = (x_t.shape[0], _hidden_size(cell, params))
    h_prev = _check_state(h_prev, "h_prev", shape, x_t.dtype)
    return x_t, h_prev, params


def _check_cache(cache, cell: str) -> SequenceCache:
    if not isinstance(cache, SequenceCache) or cache.cell != cell:
        got = cache.cell if isinstance(cache, SequenceCache) else type(cache).__name__
        raise TypeError(
            f"cache must be the SequenceCache of {cell}_forward(..., return_cache=True), got {got}"
        )
    return cache


# --------------------------------------------------------------------------- caches


class RNNStepCache(NamedTuple):
    """What :func:`rnn_cell_backward` needs from one step of :func:`rnn_cell`."""

    x_t: np.ndarray
    h_prev: np.ndarray
    h_t: np.ndarray


class LSTMStepCache(NamedTuple):
    """What :func:`lstm_cell_backward` needs from one step of :func:`lstm_cell`."""

    x_t: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    i_t: np.ndarray
    f_t: np.ndarray
    g_t: np.ndarray
    o_t: np.ndarray
    tanh_c_t: np.ndarray


class GRUStepCache(NamedTuple):
    """What :func:`gru_cell_backward` needs from one step of :func:`gru_cell`.

    ``hU_h`` is ``h_{t-1} U_h + b_Uh`` in the reset-after form and ``r_t * h_{t-1}``
    in the original form: the term the reset gate acts on.
    """

    x_t: np.ndarray
    h_prev: np.ndarray
    z_t: np.ndarray
    r_t: np.ndarray
    h_tilde: np.ndarray
    hU_h: np.ndarray
    reset_after: bool


@dataclass(frozen=True)
class SequenceCache:
    """The per-step caches of a whole sequence, oldest first.

    The steps hold views of ``x``: do not modify ``x`` between the forward and
    the backward call.
    """

    cell: str
    steps: tuple
    reset_after: bool = True


# --------------------------------------------------------------------------- vanilla RNN


def rnn_cell(x_t, h_prev, params, *, return_cache: bool = False, check: bool = True):
    """One step of the vanilla (Elman) RNN:  ``h_t = tanh(x_t W + h_{t-1} U + b)``.

    Shapes: ``x_t`` (batch, features), ``h_prev`` (batch, hidden; ``None`` means
    zeros); returns ``h_t``
    (batch, hidden), or ``(h_t, RNNStepCache)`` with ``return_cache=True``.
    ``check=False`` skips input validation (the sequence functions check once).
    """
    if check:
        x_t, h_prev, params = _check_step("rnn", x_t, h_prev, params)
    W, U, b = params["W"], params["U"], params["b"]
    h_t = np.tanh(x_t @ W + h_prev @ U + b)  # (B, H)
    return (h_t, RNNStepCache(x_t, h_prev, h_t)) if return_cache else h_t


def rnn_cell_backward(dh_t, cache: RNNStepCache, params, *, check: bool = True):
    """Backward step of :func:`rnn_cell`, given ``dh_t = dL/dh_t`` (batch, hidden).

    With ``a_t = x_t W + h_{t-1} U + b`` and ``h_t = tanh(a_t)``:

        da_t = dh_t * (1 - h_t**2)
        dW = x_t^T da_t,   dU = h_{t-1}^T da_t,   db = sum over the batch of da_t
        dx_t = da_t W^T,   dh_{t-1} = da_t U^T

    Returns ``(dx_t, dh_prev, grads)`` with ``grads`` a dict ``{"W", "U", "b"}``.
    """
    x_t, h_prev, h_t = cache
    if check:
        params = check_params(params, "rnn", input_size=x_t.shape[1], dtype=h_t.dtype)
        dh_t = _check_grad(dh_t, "dh_t", h_t.shape, h_t.dtype, optional=False)
    da_t = dh_t * (1.0 - h_t**2)  # (B, H)
    grads = {"W": x_t.T @ da_t, "U": h_prev.T @ da_t, "b": da_t.sum(axis=0)}
    return da_t @ params["W"].T, da_t @ params["U"].T, grads


# --------------------------------------------------------------------------- LSTM


def lstm_cell(x_t, h_prev, c_prev, params, *, return_cache: bool = False, check: bool = True):
    """One step of the LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of
    Gers et al. 2000), as PyTorch and Keras compute it::

        i_t = sigmoid(x_t W_i + h_{t-1} U_i + b_i)      input gate
        f_t = sigmoid(x_t W_f + h_{t-1} U_f + b_f)      forget gate
        g_t = tanh   (x_t W_g + h_{t-1} U_g + b_g)      candidate cell (c_tilde)
        o_t = sigmoid(x_t W_o + h_{t-1} U_o + b_o)      output gate
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    Shapes: ``x_t`` (batch, features), ``h_prev`` and ``c_prev`` (batch, hidden).
    Returns ``(h_t, c_t)``, or ``((h_t, c_t), LSTMStepCache)`` with ``return_cache``.
    """
    if check:
        x_t, h_prev, params = _check_step("lstm", x_t, h_prev, params)
        c_prev = _check_state(c_prev, "c_prev", h_prev.shape, x_t.dtype)
    p = params
    i_t = sigmoid(x_t @ p["W_i"] + h_prev @ p["U_i"] + p["b_i"])  # (B, H)
    f_t = sigmoid(x_t @ p["W_f"] + h_prev @ p["U_f"] + p["b_f"])
    g_t = np.tanh(x_t @ p["W_g"] + h_prev @ p["U_g"] + p["b_g"])
    o_t = sigmoid(x_t @ p["W_o"] + h_prev @ p["U_o"] + p["b_o"])
    c_t = f_t * c_prev + i_t * g_t
    tanh_c_t = np.tanh(c_t)
    h_t = o_t * tanh_c_t
    if not return_cache:
        return h_t, c_t
    return (h_t, c_t), LSTMStepCache(x_t, h_prev, c_prev, i_t, f_t, g_t, o_t, tanh_c_t)


def lstm_cell_backward(dh_t, dc_t, cache: LSTMStepCache, params, *, check: bool = True):
    """Backward step of :func:`lstm_cell`, given ``dh_t = dL/dh_t`` and the gradient
    ``dc_t`` reaching ``c_t`` from step t+1 (zeros or ``None`` at the last step)::

        do_t = dh_t * tanh(c_t)
        dc   = dc_t + dh_t * o_t * (1 - tanh(c_t)**2)          all paths into c_t
        di_t = dc * g_t,   df_t = dc * c_{t-1},   dg_t = dc * i_t,   dc_{t-1} = dc * f_t
        da_k = dk_t * k_t * (1 - k_t) for k in i, f, o;   da_g = dg_t * (1 - g_t**2)
        dW_k = x_t^T da_k,  dU_k = h_{t-1}^T da_k,  db_k = sum over the batch of da_k
        dx_t = sum_k da_k W_k^T,   dh_{t-1} = sum_k da_k U_k^T

    Returns ``(dx_t, dh_prev, dc_prev, grads)``.
    """
    x_t, h_prev, c_prev, i_t, f_t, g_t, o_t, tanh_c_t = cache
    if check:
        params = check_params(params, "lstm", input_size=x_t.shape[1], dtype=h_prev.dtype)
        dh_t = _check_grad(dh_t, "dh_t", h_prev.shape, h_prev.dtype, optional=False)
        dc_t = _check_grad(dc_t, "dc_t", h_prev.shape, h_prev.dtype, optional=True)
    do_t = dh_t * tanh_c_t
    dc = dc_t + dh_t * o_t * (1.0 - tanh_c_t**2)
    da = {
        "i": dc * g_t * i_t * (1.0 - i_t),
        "f": dc * c_prev * f_t * (1.0 - f_t),
        "g": dc * i_t * (1.0 - g_t**2),
        "o": do_t * o_t * (1.0 - o_t),
    }
    dx_t, dh_prev, grads = _gate_grads(x_t, h_prev, da, params)
    return dx_t, dh_prev, dc * f_t, grads


def _gate_grads(x_t, h_prev, da: dict[str, np.ndarray], params):
    """Weight, bias, input and state gradients of the affine maps ``x W_k + h U_k + b_k``."""
    grads, dx_t, dh_prev = {}, 0.0, 0.0
    for k, da_k in da.items():
        grads[f"W_{k}"] = x_t.T @ da_k  # (F, H)
        grads[f"U_{k}"] = h_prev.T @ da_k  # (H, H)
        grads[f"b_{k}"] = da_k.sum(axis=0)  # (H,)
        dx_t = dx_t + da_k @ params[f"W_{k}"].T  # (B, F)
        dh_prev = dh_prev + da_k @ params[f"U_{k}"].T  # (B, H)
    return dx_t, dh_prev, grads


# --------------------------------------------------------------------------- GRU


def gru_cell(
    x_t, h_prev, params, reset_after: bool = True, *, return_cache: bool = False, check: bool = True
):
    """One step of the GRU (Cho et al. 2014)::

        z_t = sigmoid(x_t W_z + h_{t-1} U_z + b_z)                        update gate
        r_t = sigmoid(x_t W_r + h_{t-1} U_r + b_r)                        reset gate
        h_tilde = tanh(x_t W_h + b_h + r_t * (h_{t-1} U_h + b_Uh))        reset_after=True
        h_tilde = tanh(x_t W_h + (r_t * h_{t-1}) U_h + b_h)               reset_after=False
        h_t = z_t * h_{t-1} + (1 - z_t) * h_tilde

    ``reset_after=False`` is the paper's form (Keras ``reset_after=False``);
    ``reset_after=True`` is what ``torch.nn.GRU`` and Keras (by default) compute.
    Both frameworks weight the *previous* state by ``z_t``: checked by running them
    (rnnkit's tests saturate ``z_t`` and see ``h_t == h_{t-1}``). Some texts write
    ``(1 - z_t) * h_{t-1} + z_t * h_tilde`` instead; that is the same model with
    ``z`` renamed ``1 - z``, but it does not match the frameworks' weights.

    Returns ``h_t`` (batch, hidden), or ``(h_t, GRUStepCache)`` with ``return_cache``.
    """
    if check:
        x_t, h_prev, params = _check_step("gru", x_t, h_prev, params, reset_after)
    p = params
    z_t = sigmoid(x_t @ p["W_z"] + h_prev @ p["U_z"] + p["b_z"])  # (B, H)
    r_t = sigmoid(x_t @ p["W_r"] + h_prev @ p["U_r"] + p["b_r"])
    if reset_after:
        hU_h = h_prev @ p["U_h"] + p["b_Uh"]
        h_tilde = np.tanh(x_t @ p["W_h"] + p["b_h"] + r_t * hU_h)
    else:
        hU_h = r_t * h_prev  # the reset state, multiplied by U_h next
        h_tilde = np.tanh(x_t @ p["W_h"] + hU_h @ p["U_h"] + p["b_h"])
    h_t = z_t * h_prev + (1.0 - z_t) * h_tilde
    if not return_cache:
        return h_t
    return h_t, GRUStepCache(x_t, h_prev, z_t, r_t, h_tilde, hU_h, bool(reset_after))


def gru_cell_backward(dh_t, cache: GRUStepCache, params, *, check: bool = True):
    """Backward step of :func:`gru_cell`, given ``dh_t = dL/dh_t`` (batch, hidden)::

        dz_t = dh_t * (h_{t-1} - h_tilde),   dh_tilde = dh_t * (1 - z_t)
        da_h = dh_tilde * (1 - h_tilde**2)
        reset_after=True:   m = h_{t-1} U_h + b_Uh
            dr_t = da_h * m,   dm = da_h * r_t,   dU_h = h_{t-1}^T dm,   db_Uh = sum dm
        reset_after=False:  s = r_t * h_{t-1}
            ds = da_h U_h^T,   dr_t = ds * h_{t-1},   dU_h = s^T da_h
        da_z = dz_t * z_t (1 - z_t),   da_r = dr_t * r_t (1 - r_t)

    and ``dh_{t-1}`` collects ``dh_t * z_t``, the gate terms ``da_z U_z^T + da_r U_r^T``
    and the candidate's path (``dm U_h^T``, or ``ds * r_t``). Returns
    ``(dx_t, dh_prev, grads)``.
    """
    x_t, h_prev, z_t, r_t, h_tilde, hU_h, reset_after = cache
    if check:
        params = check_params(
            params, "gru", input_size=x_t.shape[1], dtype=h_prev.dtype, reset_after=reset_after
        )
        dh_t = _check_grad(dh_t, "dh_t", h_prev.shape, h_prev.dtype, optional=False)
    dz_t = dh_t * (h_prev - h_tilde)
    da_h = dh_t * (1.0 - z_t) * (1.0 - h_tilde**2)  # (B, H)
    if reset_after:
        dr_t = da_h * hU_h
        dm = da_h * r_t
        grads_h = {"U_h": h_prev.T @ dm, "b_Uh": dm.sum(axis=0)}
        dh_candidate = dm @ params["U_h"].T
    else:
        ds = da_h @ params["U_h"].T
        dr_t = ds * h_prev
        grads_h = {"U_h": hU_h.T @ da_h}
        dh_candidate = ds * r_t
    da = {"z": dz_t * z_t * (1.0 - z_t), "r": dr_t * r_t * (1.0 - r_t)}
    dx_t, dh_prev, grads = _gate_grads(x_t, h_prev, da, params)
    grads |= {"W_h": x_t.T @ da_h, "b_h": da_h.sum(axis=0)} | grads_h
    dx_t = dx_t + da_h @ params["W_h"].T
    dh_prev = dh_prev + dh_t * z_t + dh_candidate
    return dx_t, dh_prev, grads


# --------------------------------------------------------------------------- sequences


def _check_sequence(cell: str, x, params, h0, reset_after: bool = True):
    x = _check_input(x, "x", 3, "(batch, time, features)")
    params = check_params(
        params, cell, input_size=x.shape[2], dtype=x.dtype, reset_after=reset_after
    )
    hidden = _hidden_size(cell, params)
    h0 = _check_state(h0, "h0", (x.shape[0], hidden), x.dtype)
    return x, params, h0


def rnn_forward(x, params, h0=None, *, return_cache: bool = False):
    """Run :func:`rnn_cell` over a sequence.

    ``x``: (batch, time, features); ``h0``: (batch, hidden), zeros when ``None``.
    Returns ``(outputs, h_T)`` with ``outputs`` (batch, time, hidden), plus a
    :class:`SequenceCache` for :func:`rnn_backward` when ``return_cache=True``.
    Raises ``ValueError``/``TypeError`` for a wrong rank, shape or dtype, empty
    axes, NaN/inf values, or missing/misshaped params.
    """
    x, params, h_t = _check_sequence("rnn", x, params, h0)
    outputs, steps = [], []
    for t in range(x.shape[1]):
        h_t, step = rnn_cell(x[:, t], h_t, params, return_cache=True, check=False)
        outputs.append(h_t)
        steps.append(step)
    result = (np.stack(outputs, axis=1), h_t)  # (B, T, H)
    return (*result, SequenceCache("rnn", tuple(steps))) if return_cache else result


def lstm_forward(x, params, h0=None, c0=None, *, return_cache: bool = False):
    """Run :func:`lstm_cell` over a sequence.

    ``x``: (batch, time, features); ``h0``, ``c0``: (batch, hidden), zeros when
    ``None``. Returns ``(outputs, (h_T, c_T))`` with ``outputs`` (batch, time,
    hidden), plus a :class:`SequenceCache` for :func:`lstm_backward` when
    ``return_cache=True``. Raises as :func:`rnn_forward` does.
    """
    x, params, h_t = _check_sequence("lstm", x, params, h0)
    c_t = _check_state(c0, "c0", h_t.shape, x.dtype)
    outputs, steps = [], []
    for t in range(x.shape[1]):
        (h_t, c_t), step = lstm_cell(x[:, t], h_t, c_t, params, return_cache=True, check=False)
        outputs.append(h_t)
        steps.append(step)
    result = (np.stack(outputs, axis=1), (h_t, c_t))  # (B, T, H)
    return (*result, SequenceCache("lstm", tuple(steps))) if return_cache else result


def gru_forward(x, params, h0=None, reset_after: bool = True, *, return_cache: bool = False):
    """Run :func:`gru_cell` over a sequence.

    ``x``: (batch, time, features); ``h0``: (batch, hidden), zeros when ``None``.
    ``reset_after`` picks the GRU form (see :func:`gru_cell`); ``params`` must match
    it (``b_Uh`` present exactly when ``reset_after=True``). Returns ``(outputs,
    h_T)``, plus a :class:`SequenceCache` for :func:`gru_backward` when
    ``return_cache=True``. Raises as :func:`rnn_forward` does.
    """
    reset_after = bool(reset_after)
    x, params, h_t = _check_sequence("gru", x, params, h0, reset_after)
    outputs, steps = [], []
    for t in range(x.shape[1]):
        h_t, step = gru_cell(x[:, t], h_t, params, reset_after, return_cache=True, check=False)
        outputs.append(h_t)
        steps.append(step)
    result = (np.stack(outputs, axis=1), h_t)  # (B, T, H)
    if not return_cache:
        return result
    return (*result, SequenceCache("gru", tuple(steps), reset_after))


def _backward(cell: str, step_backward, d_outputs, cache, params, d_h_T, d_c_T=None) -> dict:
    """Backpropagation through time, shared by the three ``*_backward`` functions."""
    cache = _check_cache(cache, cell)
    first = cache.steps[0]
    dtype, (B, F), H = first.h_prev.dtype, first.x_t.shape, first.h_prev.shape[1]
    T = len(cache.steps)
    params = check_params(params, cell, input_size=F, dtype=dtype, reset_after=cache.reset_after)
    d_outputs = _check_grad(d_outputs, "d_outputs", (B, T, H), dtype, optional=False)
    d_h_T = _check_grad(d_h_T, "d_h_T", (B, H), dtype, optional=True)  # None -> zeros
    d_c_T = _check_grad(d_c_T, "d_c_T", (B, H), dtype, optional=True)
    dh_next, dc_next = d_h_T, d_c_T  # what reaches the last step from beyond it
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dx = np.empty((B, T, F), dtype=dtype)
    for t in reversed(range(T)):
        dh_t = d_outputs[:, t] + dh_next  # from the output at t and from step t+1
        if cell == "lstm":
            dx[:, t], dh_next, dc_next, step = step_backward(
                dh_t, dc_next, cache.steps[t], params, check=False
            )
        else:
            dx[:, t], dh_next, step = step_backward(dh_t, cache.steps[t], params, check=False)
        for k, g in step.items():
            grads[k] += g
    grads |= {"x": dx, "h0": dh_next}
    if cell == "lstm":
        grads["c0"] = dc_next
    return grads


def rnn_backward(d_outputs, cache: SequenceCache, params, d_h_T=None) -> dict[str, np.ndarray]:
    """Gradients of a loss ``L`` through :func:`rnn_forward` (backpropagation through time).

    ``d_outputs`` = dL/d``outputs`` (batch, time, hidden); ``d_h_T`` = dL/dh_T
    (batch, hidden), for a loss that also uses the final state (zeros when ``None``).
    ``cache`` and ``params`` come from the forward call. Returns a dict with the
    gradient of every parameter (same keys as ``params``) and of ``"x"`` and ``"h0"``.
    """
    return _backward("rnn", rnn_cell_backward, d_outputs, cache, params, d_h_T)


def lstm_backward(
    d_outputs, cache: SequenceCache, params, d_h_T=None, d_c_T=None
) -> dict[str, np.ndarray]:
    """Gradients through :func:`lstm_forward`; as :func:`rnn_backward`, plus ``d_c_T``
    = dL/dc_T and a ``"c0"`` entry in the returned dict."""
    return _backward("lstm", lstm_cell_backward, d_outputs, cache, params, d_h_T, d_c_T)


def gru_backward(d_outputs, cache: SequenceCache, params, d_h_T=None) -> dict[str, np.ndarray]:
    """Gradients through :func:`gru_forward`; as :func:`rnn_backward`. The GRU form
    (``reset_after``) is read from the cache."""
    return _backward("gru", gru_cell_backward, d_outputs, cache, params, d_h_T)
