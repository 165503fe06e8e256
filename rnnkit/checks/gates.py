"""Exercises of chapters 05 (LSTM) and 06 (GRU): one step of each gated cell.

The references are :func:`rnnkit.reference.lstm_cell` and
:func:`rnnkit.reference.gru_cell`. Every case has float64 arrays with
``features != hidden`` and ``batch > 1``, so a transposed weight or a swapped axis
fails loudly (and :func:`~rnnkit.checks.core.run_check` hands them over read-only, so
an in-place update of an input is reported, not silently absorbed). Each known mistake is a small
variant of the cell, so the feedback can name it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check
from rnnkit.reference import gru_cell, lstm_cell, sigmoid

_AXES = ("batch", "hidden")


def _random_params(rng: np.random.Generator, features: int, hidden_size: int, names) -> dict:
    """Weights with scale 0.8: gates well away from 0.5, so each mistake shows."""
    H = hidden_size
    shapes = {"W": (features, H), "U": (H, H), "b": (H,)}
    return {k: rng.normal(scale=0.8, size=shapes[k[0]]) for k in names}


def _compare_outputs(names: tuple[str, ...]) -> Callable:
    """A comparer for a function returning one array per name, e.g. ``(h_t, c_t)``."""

    def compare(got, expected) -> str | None:
        if len(names) == 1:
            return compare_arrays(got, expected, names[0], _AXES)
        if not isinstance(got, (tuple, list)) or len(got) != len(names):
            return f"return a tuple ({', '.join(names)}), got {type(got).__name__}"
        problems = [
            p
            for name, g, e in zip(names, got, expected, strict=True)
            if (p := compare_arrays(g, e, name, _AXES)) is not None
        ]
        return "; ".join(problems) if problems else None

    return compare


# ---------------------------------------------------------------------------
# Exercise 5.1: one LSTM step
# ---------------------------------------------------------------------------

LSTM_NAMES = tuple(f"{m}_{g}" for m in "WUb" for g in "ifgo")


def lstm_step_reference(x_t, h_prev, c_prev, params):
    """``(h_t, c_t)`` of :func:`rnnkit.reference.lstm_cell`."""
    return lstm_cell(x_t, h_prev, c_prev, params)


def _lstm_variant(acts: dict | None = None, flaw: str = "", no_bias: str = ""):
    """An LSTM step with one deliberate error, for the mistake list.

    ``flaw`` names it: ``"no_forget"``, ``"no_tanh"`` (``o * c``), ``"tanh_of_product"``
    (``tanh(o * c)``), ``"h_from_c_prev"``, ``"swap_if"``, ``"swap_fo"``, ``"U.T"``,
    ``"no_recurrent"``, ``"swap_WU"``, ``"swap_outputs"``; ``no_bias`` lists the gates
    without bias.
    """
    acts = {"i": sigmoid, "f": sigmoid, "g": np.tanh, "o": sigmoid} | (acts or {})

    def pre(g, x_t, h_prev, p):  # (B, H)
        W, U = p[f"W_{g}"], p[f"U_{g}"].T if flaw == "U.T" else p[f"U_{g}"]
        if flaw == "swap_WU":
            W, U = U, W
        x_part = x_t @ W  # first, as a learner writes it: a swapped W fails here
        recurrent = 0.0 if flaw == "no_recurrent" else h_prev @ U
        return x_part + recurrent + (0.0 if g in no_bias else p[f"b_{g}"])

    def step(x_t, h_prev, c_prev, p):
        i_t, f_t, g_t, o_t = (acts[g](pre(g, x_t, h_prev, p)) for g in "ifgo")
        if flaw == "swap_if":
            i_t, f_t = f_t, i_t
        if flaw == "swap_fo":
            f_t, o_t = o_t, f_t
        c_t = (c_prev if flaw == "no_forget" else f_t * c_prev) + i_t * g_t
        c_read = c_prev if flaw == "h_from_c_prev" else c_t
        if flaw == "no_tanh":
            h_t = o_t * c_read
        elif flaw == "tanh_of_product":
            h_t = np.tanh(o_t * c_read)
        else:
            h_t = o_t * np.tanh(c_read)
        return (c_t, h_t) if flaw == "swap_outputs" else (h_t, c_t)

    return step


LSTM_MISTAKES = [
    (
        "use tanh instead of sigmoid for the input gate i_t (a gate is a sigmoid, in (0, 1))",
        _lstm_variant(acts={"i": np.tanh}),
    ),
    (
        "use tanh instead of sigmoid for the forget gate f_t (a gate is a sigmoid, in (0, 1))",
        _lstm_variant(acts={"f": np.tanh}),
    ),
    (
        "use tanh instead of sigmoid for the output gate o_t (a gate is a sigmoid, in (0, 1))",
        _lstm_variant(acts={"o": np.tanh}),
    ),
    (
        "use sigmoid instead of tanh for the candidate g_t (it is a tanh, in (-1, 1))",
        _lstm_variant(acts={"g": sigmoid}),
    ),
    (
        "forget the forget gate: c_t = c_{t-1} + i_t * g_t instead of f_t * c_{t-1} + i_t * g_t",
        _lstm_variant(flaw="no_forget"),
    ),
    (
        "leave out the tanh of the cell: h_t = o_t * c_t instead of o_t * tanh(c_t)",
        _lstm_variant(flaw="no_tanh"),
    ),
    (
        "take the tanh after the gate: h_t = tanh(o_t * c_t) instead of o_t * tanh(c_t)",
        _lstm_variant(flaw="tanh_of_product"),
    ),
    (
        "read h_t from the previous cell: h_t = o_t * tanh(c_{t-1}); it uses the new c_t",
        _lstm_variant(flaw="h_from_c_prev"),
    ),
    (
        "swap the roles of i_t and f_t: c_t = i_t * c_{t-1} + f_t * g_t",
        _lstm_variant(flaw="swap_if"),
    ),
    (
        "swap the roles of f_t and o_t: the forget gate scales c_{t-1}, the output gate tanh(c_t)",
        _lstm_variant(flaw="swap_fo"),
    ),
    (
        "transpose the recurrent weights: with row vectors the term is h_{t-1} @ U, not "
        "h_{t-1} @ U.T",
        _lstm_variant(flaw="U.T"),
    ),
    (
        "leave out the recurrent term h_{t-1} U: every gate sees the previous state too",
        _lstm_variant(flaw="no_recurrent"),
    ),
    (
        "swap W and U: the input x_t meets W (features x hidden), the state h_{t-1} meets "
        "U (hidden x hidden)",
        _lstm_variant(flaw="swap_WU"),
    ),
    ("leave out the biases b_i, b_f, b_g, b_o", _lstm_variant(no_bias="ifgo")),
    *[(f"leave out the bias b_{g}", _lstm_variant(no_bias=g)) for g in "ifgo"],
    ("return (c_t, h_t) instead of (h_t, c_t)", _lstm_variant(flaw="swap_outputs")),
]


def _lstm_case(label: str, seed: int, batch: int, features: int, hidden_size: int) -> Case:
    rng = np.random.default_rng(seed)
    params = _random_params(rng, features, hidden_size, LSTM_NAMES)
    sizes = (features, hidden_size, hidden_size)
    x_t, h_prev, c_prev = (rng.normal(size=(batch, n)) for n in sizes)
    return Case(label, (x_t, h_prev, c_prev, params))


LSTM_CASES = [
    _lstm_case("batch=3, features=2, hidden=4", 51, 3, 2, 4),
    _lstm_case("batch=1, features=5, hidden=3", 52, 1, 5, 3),
    _lstm_case("batch=4, features=3, hidden=6", 53, 4, 3, 6),
]


def check_lstm_step(fn) -> CheckResult:
    """Check ``fn(x_t, h_prev, c_prev, params) -> (h_t, c_t)``.

    ``x_t`` is (batch, features), ``h_prev`` and ``c_prev`` (batch, hidden),
    ``params`` a dict with the keys of :func:`~rnnkit.reference.param_names` ``("lstm")``;
    ``h_t`` and ``c_t`` must match :func:`rnnkit.reference.lstm_cell` to 1e-6.
    """
    return run_check(
        "Exercise 5.1 (the LSTM step)",
        fn,
        lstm_step_reference,
        LSTM_CASES,
        _compare_outputs(("h_t", "c_t")),
        LSTM_MISTAKES,
    )


# ---------------------------------------------------------------------------
# Exercise 6.1: one GRU step, in both forms
# ---------------------------------------------------------------------------

GRU_NAMES = tuple(f"{m}_{g}" for m in "WUb" for g in "zrh")


def gru_step_reference(x_t, h_prev, params, reset_after):
    """``h_t`` of :func:`rnnkit.reference.gru_cell`."""
    return gru_cell(x_t, h_prev, params, reset_after)


def _gru_variant(acts: dict | None = None, flaw: str = ""):
    """A GRU step with one deliberate error, for the mistake list.

    ``flaw`` names it: ``"swapped_form"`` (each setting computes the other's candidate),
    ``"always_after"`` / ``"always_before"`` (``reset_after`` ignored), ``"swap_z"``,
    ``"no_b_Uh"``, ``"reset_input"`` (r_t on x_t W_h), ``"no_reset"``, ``"U.T"``.
    """
    acts = {"z": sigmoid, "r": sigmoid} | (acts or {})
    after_form = {"swapped_form": lambda ra: not ra, "always_after": lambda ra: True}.get(
        flaw, lambda ra: ra and flaw != "always_before"
    )

    def step(x_t, h_prev, p, reset_after):
        U = {g: p[f"U_{g}"].T if flaw == "U.T" else p[f"U_{g}"] for g in "zrh"}
        z_t = acts["z"](x_t @ p["W_z"] + h_prev @ U["z"] + p["b_z"])  # (B, H)
        r_t = acts["r"](x_t @ p["W_r"] + h_prev @ U["r"] + p["b_r"])  # (B, H)
        if flaw == "always_after":
            b_Uh = p["b_Uh"]  # a KeyError when reset_after=False, as in the learner's code
        else:
            b_Uh = p["b_Uh"] if reset_after and flaw not in ("no_b_Uh", "always_before") else 0.0
        x_part = x_t @ p["W_h"] + p["b_h"]  # (B, H)
        if flaw == "no_reset":
            a_h = x_part + h_prev @ U["h"] + b_Uh
        elif flaw == "reset_input":  # r_t on the input term, the state term left alone
            a_h = r_t * (x_t @ p["W_h"]) + p["b_h"] + h_prev @ U["h"] + b_Uh
        elif after_form(reset_after):
            a_h = x_part + r_t * (h_prev @ U["h"] + b_Uh)
        else:
            a_h = x_part + (r_t * h_prev) @ U["h"] + b_Uh
        h_tilde = np.tanh(a_h)
        if flaw == "swap_z":
            return (1.0 - z_t) * h_prev + z_t * h_tilde
        return z_t * h_prev + (1.0 - z_t) * h_tilde

    return step


GRU_MISTAKES = [
    (
        "use the reset-after form r_t * (h_{t-1} U_h + b_Uh) when reset_after=False, "
        "which means (r_t * h_{t-1}) U_h + b_h (params has no b_Uh then)",
        _gru_variant(flaw="always_after"),
    ),
    (
        "use the reset-before form (r_t * h_{t-1}) U_h when reset_after=True, which means "
        "r_t * (h_{t-1} U_h + b_Uh)",
        _gru_variant(flaw="always_before"),
    ),
    (
        "put the reset gate on the wrong side of U_h: reset_after=True means "
        "r_t * (h_{t-1} U_h + b_Uh); reset_after=False means (r_t * h_{t-1}) U_h",
        _gru_variant(flaw="swapped_form"),
    ),
    (
        "swap z_t and 1 - z_t: PyTorch and Keras compute h_t = z_t * h_{t-1} + (1 - z_t) * h_tilde",
        _gru_variant(flaw="swap_z"),
    ),
    (
        "use tanh instead of sigmoid for the update gate z_t (a gate is a sigmoid, in (0, 1))",
        _gru_variant(acts={"z": np.tanh}),
    ),
    (
        "use tanh instead of sigmoid for the reset gate r_t (a gate is a sigmoid, in (0, 1))",
        _gru_variant(acts={"r": np.tanh}),
    ),
    (
        "leave out b_Uh: in the reset-after form the candidate is "
        "tanh(x_t W_h + b_h + r_t * (h_{t-1} U_h + b_Uh))",
        _gru_variant(flaw="no_b_Uh"),
    ),
    (
        "apply r_t to the input term x_t W_h instead of to the previous state",
        _gru_variant(flaw="reset_input"),
    ),
    (
        "leave the reset gate out of the candidate: r_t decides how much of h_{t-1} the "
        "candidate sees",
        _gru_variant(flaw="no_reset"),
    ),
    (
        "transpose the recurrent weights: with row vectors the term is h_{t-1} @ U, not "
        "h_{t-1} @ U.T",
        _gru_variant(flaw="U.T"),
    ),
]


def _gru_case(
    label: str, seed: int, batch: int, features: int, hidden_size: int, reset_after: bool
):
    rng = np.random.default_rng(seed)
    names = GRU_NAMES + (("b_Uh",) if reset_after else ())
    params = _random_params(rng, features, hidden_size, names)
    x_t, h_prev = (rng.normal(size=(batch, n)) for n in (features, hidden_size))
    return Case(label, (x_t, h_prev, params, reset_after))


GRU_CASES = [
    _gru_case("reset_after=True, batch=3, features=2, hidden=4", 61, 3, 2, 4, True),
    _gru_case("reset_after=False, batch=3, features=2, hidden=4", 62, 3, 2, 4, False),
    _gru_case("reset_after=True, batch=1, features=5, hidden=3", 63, 1, 5, 3, True),
    _gru_case("reset_after=False, batch=4, features=3, hidden=6", 64, 4, 3, 6, False),
]


def check_gru_step(fn) -> CheckResult:
    """Check ``fn(x_t, h_prev, params, reset_after) -> h_t``.

    ``x_t`` is (batch, features), ``h_prev`` (batch, hidden); ``params`` has the
    keys of :func:`~rnnkit.reference.param_names` ``("gru", reset_after)`` (``b_Uh`` only
    when ``reset_after`` is true). ``h_t`` must match
    :func:`rnnkit.reference.gru_cell` to 1e-6 in both forms.
    """
    return run_check(
        "Exercise 6.1 (the GRU step)",
        fn,
        gru_step_reference,
        GRU_CASES,
        _compare_outputs(("h_t",)),
        GRU_MISTAKES,
    )
