"""rnnkit.reference: the NumPy cells agree with torch.nn and keras.layers, their
backward passes agree with finite differences and with torch autograd, and bad input
gets a one-line error."""

import numpy as np
import pytest

from rnnkit import reference as R
from rnnkit.convert import params_from_torch, params_to_keras

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

# (cell, reset_after): the GRU in both forms. torch only has the reset-after GRU.
FORMS = [("rnn", True), ("lstm", True), ("gru", True), ("gru", False)]
FORM_IDS = ["rnn", "lstm", "gru-reset-after", "gru-original"]
TORCH_FORMS = FORMS[:3]
# (batch, time, features, hidden), time 1 included.
SIZES = [(1, 1, 3, 4), (3, 5, 2, 6), (4, 8, 5, 3)]
TOL = {np.float32: 1e-5, np.float64: 1e-10}
TORCH_LAYERS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
KERAS_LAYERS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def forward(cell, x, params, h0, c0=None, reset_after=True, **kw):
    """Our sequence function for ``cell``, with the LSTM state flattened to (h, c)."""
    if cell == "lstm":
        return R.lstm_forward(x, params, h0, c0, **kw)
    if cell == "gru":
        return R.gru_forward(x, params, h0, reset_after, **kw)
    return R.rnn_forward(x, params, h0, **kw)


def backward(cell, d_out, cache, params, d_h, d_c):
    if cell == "lstm":
        return R.lstm_backward(d_out, cache, params, d_h, d_c)
    return getattr(R, f"{cell}_backward")(d_out, cache, params, d_h)


def inputs(rng, batch, time, features, hidden, dtype):
    x = rng.standard_normal((batch, time, features)).astype(dtype)
    h0 = rng.standard_normal((batch, hidden)).astype(dtype)
    c0 = rng.standard_normal((batch, hidden)).astype(dtype)
    return x, h0, c0


def as_states(cell, final):
    return list(final) if cell == "lstm" else [final]


# --------------------------------------------------------------------------- parity


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("cell", [k for k, _ in TORCH_FORMS])
def test_forward_matches_torch(cell, size, dtype):
    batch, time, features, hidden = size
    torch.manual_seed(sum(size))
    module = getattr(torch.nn, TORCH_LAYERS[cell])(features, hidden, batch_first=True)
    module = module.to(torch.float64 if dtype == np.float64 else torch.float32)
    x, h0, c0 = inputs(np.random.default_rng(1), *size, dtype)
    params = params_from_torch(module)

    outputs, final = forward(cell, x, params, h0, c0)
    state = (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None]) if cell == "lstm" else None
    with torch.no_grad():
        t_out, t_final = module(torch.from_numpy(x), state or torch.from_numpy(h0)[None])
    t_states = [s[0].numpy() for s in (t_final if cell == "lstm" else [t_final])]

    assert outputs.dtype == dtype and outputs.shape == (batch, time, hidden)
    np.testing.assert_allclose(outputs, t_out.numpy(), rtol=0, atol=TOL[dtype])
    for ours, theirs in zip(as_states(cell, final), t_states, strict=True):
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("cell", "reset_after"), FORMS, ids=FORM_IDS)
def test_forward_matches_keras(cell, reset_after, size, dtype):
    """Keras runs in the test's dtype: ``dtype="float64"`` gives a float64 policy."""
    batch, time, features, hidden = size
    rng = np.random.default_rng(sum(size))
    params = R.init_params(cell, features, hidden, rng, dtype, reset_after=reset_after)
    x, h0, c0 = inputs(rng, *size, dtype)
    extra = {"reset_after": reset_after} if cell == "gru" else {}
    layer = getattr(keras.layers, KERAS_LAYERS[cell])(
        hidden, return_sequences=True, return_state=True, dtype=np.dtype(dtype).name, **extra
    )
    params_to_keras(params, layer)

    outputs, final = forward(cell, x, params, h0, c0, reset_after)
    k_out, *k_states = layer(x, initial_state=[h0, c0] if cell == "lstm" else [h0])

    assert np.asarray(k_out).dtype == dtype
    np.testing.assert_allclose(outputs, np.asarray(k_out), rtol=0, atol=TOL[dtype])
    for ours, theirs in zip(as_states(cell, final), k_states, strict=True):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=0, atol=TOL[dtype])


def test_gru_update_gate_keeps_previous_state_like_torch_and_keras():
    """The interpolation convention, by experiment: with z_t saturated at 1 every GRU
    here returns h_{t-1} unchanged, so h_t = z_t * h_{t-1} + (1 - z_t) * h_tilde."""
    rng = np.random.default_rng(0)
    x, h0, _ = inputs(rng, 2, 1, 3, 4, np.float64)
    params = R.init_params("gru", 3, 4, rng) | {"b_z": np.full(4, 60.0)}
    ours, _ = R.gru_forward(x, params, h0)
    module = torch.nn.GRU(3, 4, batch_first=True).double()
    with torch.no_grad():
        module.bias_ih_l0[4:8] = 60.0  # torch's second block is z (order r, z, n)
        t_out, _ = module(torch.from_numpy(x), torch.from_numpy(h0)[None])
    layer = keras.layers.GRU(4, return_sequences=True, dtype="float64")
    layer.build((None, None, 3))
    weights = layer.get_weights()
    weights[2][0, :4] = 60.0  # Keras's first block is z (order z, r, h)
    layer.set_weights(weights)
    k_out = layer(x, initial_state=[h0])
    for out in (ours, t_out.numpy(), np.asarray(k_out)):
        np.testing.assert_allclose(out[:, 0], h0, atol=1e-12)


def test_forward_keeps_float32_when_params_are_float64():
    rng = np.random.default_rng(0)
    params = R.init_params("lstm", 3, 4, rng, np.float64)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    outputs, (h_T, c_T) = R.lstm_forward(x, params, h0=np.zeros((2, 4)))
    assert outputs.dtype == h_T.dtype == c_T.dtype == np.float32


def test_sequence_is_the_cell_applied_step_by_step():
    rng = np.random.default_rng(0)
    params = R.init_params("lstm", 3, 4, rng)
    x, h_t, c_t = inputs(rng, 2, 4, 3, 4, np.float64)
    outputs, _ = R.lstm_forward(x, params, h_t, c_t)
    for t in range(4):
        h_t, c_t = R.lstm_cell(x[:, t], h_t, c_t, params)
        np.testing.assert_array_equal(outputs[:, t], h_t)


def test_init_params_is_deterministic_and_shaped():
    a = R.init_params("gru", 3, 5, rng=7, dtype=np.float32, reset_after=False)
    b = R.init_params("gru", 3, 5, rng=7, dtype=np.float32, reset_after=False)
    assert set(a) == set(R.param_names("gru", reset_after=False))
    assert all(np.array_equal(a[k], b[k]) and a[k].dtype == np.float32 for k in a)
    assert a["W_z"].shape == (3, 5) and a["U_h"].shape == (5, 5) and a["b_r"].shape == (5,)
    assert np.abs(a["U_z"]).max() <= 1 / np.sqrt(5)


def test_sigmoid_is_finite_for_large_inputs():
    a = np.array([-1e4, -30.0, 0.0, 30.0, 1e4], dtype=np.float32)
    s = R.sigmoid(a)
    assert s.dtype == np.float32 and np.all(np.isfinite(s))
    np.testing.assert_allclose(
        s, 1 / (1 + np.exp(-a.astype(np.float64).clip(-700, 700))), atol=1e-7
    )


# --------------------------------------------------------------------------- gradients


def loss_and_seeds(cell, rng, batch, time, hidden):
    """Random upstream gradients: L = sum(G * outputs) + sum(g_h * h_T) [+ sum(g_c * c_T)]."""
    G = rng.standard_normal((batch, time, hidden))
    g_h = rng.standard_normal((batch, hidden))
    g_c = rng.standard_normal((batch, hidden)) if cell == "lstm" else None

    def loss(outputs, final):
        states = as_states(cell, final)
        value = np.sum(G * outputs) + np.sum(g_h * states[0])
        return value + (np.sum(g_c * states[1]) if cell == "lstm" else 0.0)

    return loss, G, g_h, g_c


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


@pytest.mark.parametrize("time", [1, 4])
@pytest.mark.parametrize(("cell", "reset_after"), FORMS, ids=FORM_IDS)
def test_backward_matches_finite_differences(cell, reset_after, time):
    rng = np.random.default_rng(3)
    batch, features, hidden = 2, 3, 4
    params = R.init_params(cell, features, hidden, rng, reset_after=reset_after)
    x, h0, c0 = inputs(rng, batch, time, features, hidden, np.float64)
    loss, G, g_h, g_c = loss_and_seeds(cell, rng, batch, time, hidden)

    *_, cache = forward(cell, x, params, h0, c0, reset_after, return_cache=True)
    grads = backward(cell, G, cache, params, g_h, g_c)

    arrays = dict(params) | {"x": x, "h0": h0} | ({"c0": c0} if cell == "lstm" else {})
    assert set(grads) == set(arrays)
    eps = 1e-6
    for name, array in arrays.items():
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            values = []
            for step in (eps, -eps):
                array[index] = saved + step
                values.append(loss(*forward(cell, x, params, h0, c0, reset_after)))
            array[index] = saved
            numeric[index] = (values[0] - values[1]) / (2 * eps)
        assert grads[name].shape == array.shape
        assert relative_error(grads[name], numeric) <= 1e-6, name


def torch_grads(cell, module, hidden):
    """torch's gradients in our names. The layout is spelled out here, independently of
    rnnkit.convert: gates stacked along axis 0 (LSTM i, f, g, o; GRU r, z, n), W = w.T,
    and each folded bias receives the gradient of bias_ih and of bias_hh alike."""
    order = {"rnn": [""], "lstm": ["_i", "_f", "_g", "_o"], "gru": ["_r", "_z", "_h"]}[cell]
    out = {}
    for j, s in enumerate(order):
        block = slice(j * hidden, (j + 1) * hidden)
        out[f"W{s}"] = module.weight_ih_l0.grad[block].T.numpy()
        out[f"U{s}"] = module.weight_hh_l0.grad[block].T.numpy()
        b_ih, b_hh = module.bias_ih_l0.grad[block].numpy(), module.bias_hh_l0.grad[block].numpy()
        if s == "_h":
            out["b_h"], out["b_Uh"] = b_ih, b_hh
        else:
            np.testing.assert_allclose(b_ih, b_hh, rtol=1e-12)
            out[f"b{s}"] = b_ih
    return out


@pytest.mark.parametrize("time", [1, 6])
@pytest.mark.parametrize("cell", [k for k, _ in TORCH_FORMS])
def test_backward_matches_torch_autograd(cell, time):
    batch, features, hidden = 3, 2, 5
    torch.manual_seed(time)
    module = getattr(torch.nn, TORCH_LAYERS[cell])(features, hidden, batch_first=True).double()
    params = params_from_torch(module)
    rng = np.random.default_rng(4)
    x, h0, c0 = inputs(rng, batch, time, features, hidden, np.float64)
    _, G, g_h, g_c = loss_and_seeds(cell, rng, batch, time, hidden)

    *_, cache = forward(cell, x, params, h0, c0, return_cache=True)
    grads = backward(cell, G, cache, params, g_h, g_c)

    tx, th0, tc0 = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    state = (th0[None], tc0[None]) if cell == "lstm" else th0[None]
    t_out, t_final = module(tx, state)
    t_states = t_final if cell == "lstm" else (t_final,)
    loss = (t_out * torch.from_numpy(G)).sum() + (t_states[0][0] * torch.from_numpy(g_h)).sum()
    if cell == "lstm":
        loss = loss + (t_states[1][0] * torch.from_numpy(g_c)).sum()
    loss.backward()

    expected = torch_grads(cell, module, hidden) | {"x": tx.grad.numpy(), "h0": th0.grad.numpy()}
    if cell == "lstm":
        expected["c0"] = tc0.grad.numpy()
    assert set(grads) == set(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(grads[name], value, rtol=1e-9, atol=1e-12, err_msg=name)


def test_rnn_cell_backward_matches_finite_differences():
    """The reference answer for chapter 03's exercise, checked on its own."""
    rng = np.random.default_rng(5)
    params = R.init_params("rnn", 3, 4, rng)
    x_t, h_prev = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    dh_t = rng.standard_normal((2, 4))
    _, cache = R.rnn_cell(x_t, h_prev, params, return_cache=True)
    dx_t, dh_prev, grads = R.rnn_cell_backward(dh_t, cache, params)
    eps = 1e-6
    for name, array, analytic in [
        ("x_t", x_t, dx_t),
        ("h_prev", h_prev, dh_prev),
        *((k, params[k], grads[k]) for k in ("W", "U", "b")),
    ]:
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + eps
            up = np.sum(dh_t * R.rnn_cell(x_t, h_prev, params))
            array[index] = saved - eps
            down = np.sum(dh_t * R.rnn_cell(x_t, h_prev, params))
            array[index] = saved
            numeric[index] = (up - down) / (2 * eps)
        assert relative_error(analytic, numeric) <= 1e-6, name


# --------------------------------------------------------------------------- bad input


def _good(cell="lstm", reset_after=True):
    rng = np.random.default_rng(0)
    params = R.init_params(cell, 3, 4, rng, reset_after=reset_after)
    return rng.standard_normal((2, 5, 3)), params


def _call_lstm(x=None, params=None, h0=None, c0=None):
    good_x, good_params = _good()
    return R.lstm_forward(
        good_x if x is None else x, good_params if params is None else params, h0, c0
    )


def _without(params, key):
    return {k: v for k, v in params.items() if k != key}


_X, _P = _good()
BAD_INPUTS = {
    # Article C's mistake (the course's source articles): (samples, features) fed to an LSTM.
    "2-D input": (lambda: _call_lstm(x=_X[:, 0]), ValueError, "3-D (batch, time, features)"),
    "feature size": (lambda: _call_lstm(x=_X[..., :2]), ValueError, "expects 3 features"),
    "h0 shape": (lambda: _call_lstm(h0=np.zeros((2, 5))), ValueError, "h0 must have shape (2, 4)"),
    "c0 shape": (lambda: _call_lstm(c0=np.zeros((3, 4))), ValueError, "c0 must have shape (2, 4)"),
    "h0 rank": (lambda: _call_lstm(h0=np.zeros((1, 2, 4))), ValueError, "h0 must be 2-D"),
    "int input": (lambda: _call_lstm(x=np.ones((2, 5, 3), int)), TypeError, "got dtype int64"),
    "complex input": (lambda: _call_lstm(x=_X + 0j), TypeError, "got dtype complex128"),
    "float16 input": (lambda: _call_lstm(x=_X.astype(np.float16)), TypeError, "float16"),
    "nan input": (lambda: _call_lstm(x=np.where(_X > 1, np.nan, _X)), ValueError, "NaN or inf"),
    "inf input": (lambda: _call_lstm(x=np.full((2, 5, 3), np.inf)), ValueError, "NaN or inf"),
    "empty time": (lambda: _call_lstm(x=_X[:, :0]), ValueError, "got shape (2, 0, 3)"),
    "empty batch": (lambda: _call_lstm(x=_X[:0]), ValueError, "got shape (0, 5, 3)"),
    "params not a dict": (lambda: _call_lstm(params=[1, 2]), TypeError, "got list"),
    "missing param": (lambda: _call_lstm(params=_without(_P, "U_f")), ValueError, "missing U_f"),
    "unexpected param": (lambda: _call_lstm(params=_P | {"W_z": _P["W_i"]}), ValueError, "W_z"),
    "U not square": (
        lambda: _call_lstm(params=_P | {"U_i": np.zeros((4, 5))}),
        ValueError,
        "square (hidden, hidden)",
    ),
    "U_f shape": (
        lambda: _call_lstm(params=_P | {"U_f": np.zeros((3, 3))}),
        ValueError,
        "params['U_f'] must have shape (4, 4), got (3, 3)",
    ),
    "bias shape": (
        lambda: _call_lstm(params=_P | {"b_o": np.zeros((1, 4))}),
        ValueError,
        "params['b_o'] must have shape (4), got (1, 4)",
    ),
    "int param": (
        lambda: _call_lstm(params=_P | {"b_g": np.zeros(4, int)}),
        TypeError,
        "params['b_g']",
    ),
    "gru form mismatch": (
        lambda: R.gru_forward(_X, _good("gru")[1], reset_after=False),
        ValueError,
        "pass reset_after=True",
    ),
    "gru missing b_Uh": (
        lambda: R.gru_forward(_X, _good("gru", reset_after=False)[1]),
        ValueError,
        "missing b_Uh",
    ),
    "cell 3-D input": (
        lambda: R.rnn_cell(_X, np.zeros((2, 4)), _good("rnn")[1]),
        ValueError,
        "x_t must be 2-D (batch, features)",
    ),
    "cell h_prev shape": (
        lambda: R.gru_cell(_X[:, 0], np.zeros((2, 3)), _good("gru")[1]),
        ValueError,
        "h_prev must have shape (2, 4)",
    ),
    "backward wrong cache": (
        lambda: R.lstm_backward(
            np.zeros((2, 5, 4)), R.rnn_forward(*_good("rnn"), return_cache=True)[2], _P
        ),
        TypeError,
        "SequenceCache of lstm_forward",
    ),
    "backward d_outputs shape": (
        lambda: R.lstm_backward(
            np.zeros((2, 4, 4)), R.lstm_forward(_X, _P, return_cache=True)[2], _P
        ),
        ValueError,
        "d_outputs must have shape (2, 5, 4)",
    ),
    "backward d_c_T shape": (
        lambda: R.lstm_backward(
            np.zeros((2, 5, 4)), R.lstm_forward(_X, _P, return_cache=True)[2], _P, d_c_T=np.zeros(4)
        ),
        ValueError,
        "d_c_T must have shape (2, 4)",
    ),
    "unknown cell": (
        lambda: R.init_params("transformer", 3, 4),
        ValueError,
        "'rnn', 'lstm', 'gru'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_raises_one_line_error(case):
    call, error, fragment = BAD_INPUTS[case]
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
