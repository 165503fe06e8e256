"""Exercises of chapters 05 (LSTM) and 06 (GRU): one step of each gated cell.

The references are :func:`rnnkit.reference.lstm_cell` and
:func:`rnnkit.reference.gru_cell`. Every case hands the learner read-only float64
arrays (an in-place update of an input is reported, not silently absorbed) with
``features != hidden`` and ``batch > 1``, so a transposed weight or a swapped axis
fails loudly. Each known mistake is a small variant of the cell, so the feedback can
name it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnnkit.checks.core import Case, CheckResult, compare_arrays, run_check
from rnnkit.reference import gru_cell, lstm_cell, sigmoid

_AXES = ("batch", "hidden")


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=np.float64)
    array.setflags(write=False)
    return array


def _random_params(rng: np.random.Generator, features: int, hidden: int, names) -> dict:
    """Weights with scale 0.8: gates well away from 0.5, so each mistake shows."""
    shapes = {"W": (features, hidden), "U": (hidden, hidden), "b": (hidden,)}
    return {k: _frozen(rng.normal(scale=0.8, size=shapes[k[0]])) for k in names}


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


def _lstm_variant(
    acts: dict | None = None,
    forget: bool = True,
    tanh_cell: bool = True,
    swap_if: bool = False,
    no_bias: str = "",
    swap_outputs: bool = False,
):
    """An LSTM step with one deliberate error, for the mistake list."""
    acts = {"i": sigmoid, "f": sigmoid, "g": np.tanh, "o": sigmoid} | (acts or {})

    def step(x_t, h_prev, c_prev, p):
        k = {
            g: acts[g](
                x_t @ p[f"W_{g}"] + h_prev @ p[f"U_{g}"] + (0 if g in no_bias else p[f"b_{g}"])
            )
            for g in "ifgo"
        }
        i_t, f_t = (k["f"], k["i"]) if swap_if else (k["i"], k["f"])
        c_t = (f_t * c_prev if forget else c_prev) + i_t * k["g"]
        h_t = k["o"] * (np.tanh(c_t) if tanh_cell else c_t)
        return (c_t, h_t) if swap_outputs else (h_t, c_t)

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
        _lstm_variant(forget=False),
    ),
    (
        "leave out the tanh of the cell: h_t = o_t * c_t instead of o_t * tanh(c_t)",
        _lstm_variant(tanh_cell=False),
    ),
    (
        "swap the roles of i_t and f_t: c_t = i_t * c_{t-1} + f_t * g_t",
        _lstm_variant(swap_if=True),
    ),
    ("leave out the biases b_i, b_f, b_g, b_o", _lstm_variant(no_bias="ifgo")),
    *[(f"leave out the bias b_{g}", _lstm_variant(no_bias=g)) for g in "ifgo"],
    ("return (c_t, h_t) instead of (h_t, c_t)", _lstm_variant(swap_outputs=True)),
]


def _lstm_case(label: str, seed: int, batch: int, features: int, hidden: int) -> Case:
    rng = np.random.default_rng(seed)
    params = _random_params(rng, features, hidden, LSTM_NAMES)
    x_t, h_prev, c_prev = (_frozen(rng.normal(size=(batch, n))) for n in (features, hidden, hidden))
    return Case(label, (x_t, h_prev, c_prev, params))


LSTM_CASES = [
    _lstm_case("batch=3, features=2, hidden=4", 51, 3, 2, 4),
    _lstm_case("batch=1, features=5, hidden=3", 52, 1, 5, 3),
    _lstm_case("batch=4, features=3, hidden=6", 53, 4, 3, 6),
]


def check_lstm_step(fn) -> CheckResult:
    """Check ``fn(x_t, h_prev, c_prev, params) -> (h_t, c_t)``.

    ``x_t`` is (batch, features), ``h_prev`` and ``c_prev`` (batch, hidden),
    ``params`` a dict with the keys of :func:`rnnkit.reference.param_names("lstm")`;
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


def _gru_variant(
    acts: dict | None = None,
    wrong_form: bool = False,
    swap_z: bool = False,
    drop_b_Uh: bool = False,
    reset_input: bool = False,
):
    """A GRU step with one deliberate error, for the mistake list."""
    acts = {"z": sigmoid, "r": sigmoid} | (acts or {})

    def step(x_t, h_prev, p, reset_after):
        z_t = acts["z"](x_t @ p["W_z"] + h_prev @ p["U_z"] + p["b_z"])
        r_t = acts["r"](x_t @ p["W_r"] + h_prev @ p["U_r"] + p["b_r"])
        b_Uh = 0.0 if drop_b_Uh or not reset_after else p["b_Uh"]
        x_part = x_t @ p["W_h"] + p["b_h"]
        if reset_input:  # r_t on the input term, the state term left alone
            a_h = r_t * (x_t @ p["W_h"]) + p["b_h"] + h_prev @ p["U_h"] + b_Uh
        elif reset_after != wrong_form:
            a_h = x_part + r_t * (h_prev @ p["U_h"] + b_Uh)
        else:
            a_h = x_part + (r_t * h_prev) @ p["U_h"] + b_Uh
        h_tilde = np.tanh(a_h)
        if swap_z:
            return (1.0 - z_t) * h_prev + z_t * h_tilde
        return z_t * h_prev + (1.0 - z_t) * h_tilde

    return step


GRU_MISTAKES = [
    (
        "put the reset gate on the wrong side of U_h: reset_after=True means "
        "r_t * (h_{t-1} U_h + b_Uh); reset_after=False means (r_t * h_{t-1}) U_h",
        _gru_variant(wrong_form=True),
    ),
    (
        "swap z_t and 1 - z_t: PyTorch and Keras compute h_t = z_t * h_{t-1} + (1 - z_t) * h_tilde",
        _gru_variant(swap_z=True),
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
        _gru_variant(drop_b_Uh=True),
    ),
    (
        "apply r_t to the input term x_t W_h instead of to the previous state",
        _gru_variant(reset_input=True),
    ),
]


def _gru_case(label: str, seed: int, batch: int, features: int, hidden: int, reset_after: bool):
    rng = np.random.default_rng(seed)
    names = GRU_NAMES + (("b_Uh",) if reset_after else ())
    params = _random_params(rng, features, hidden, names)
    x_t, h_prev = (_frozen(rng.normal(size=(batch, n))) for n in (features, hidden))
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
    keys of :func:`rnnkit.reference.param_names("gru", reset_after)` (``b_Uh`` only
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
