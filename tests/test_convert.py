"""rnnkit.convert: gate orders and bias folding as the frameworks really store them,
round trips torch -> NumPy -> Keras -> NumPy -> torch, and clear refusals."""

import subprocess
import sys

import numpy as np
import pytest

from rnnkit import reference as R
from rnnkit.convert import (
    params_from_keras,
    params_from_torch,
    params_to_keras,
    params_to_torch,
    torch_gate_rows,
)

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

TORCH_LAYERS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
KERAS_LAYERS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def keras_layer(cell, units, dtype="float64", **kw):
    return getattr(keras.layers, KERAS_LAYERS[cell])(
        units, return_sequences=True, return_state=True, dtype=dtype, **kw
    )


def run_torch(module, x, h0, c0):
    state = (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None])
    with torch.no_grad():
        out, _ = module(
            torch.from_numpy(x), state if isinstance(module, torch.nn.LSTM) else state[0]
        )
    return out.numpy()


def run_keras(layer, x, h0, c0):
    lstm = isinstance(layer, keras.layers.LSTM)
    return np.asarray(layer(x, initial_state=[h0, c0] if lstm else [h0])[0])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_round_trip_torch_numpy_keras_numpy_torch_reproduces_outputs(cell):
    features, hidden = 3, 5
    torch.manual_seed(0)
    source = TORCH_LAYERS[cell](features, hidden, batch_first=True).double()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, features))
    h0, c0 = rng.standard_normal((2, hidden)), rng.standard_normal((2, hidden))

    params = params_from_torch(source)
    layer = params_to_keras(params, keras_layer(cell, hidden))
    back = params_from_keras(layer)
    target = params_to_torch(back, TORCH_LAYERS[cell](features, hidden, batch_first=True).double())

    assert set(back) == set(params)
    for name in params:
        np.testing.assert_array_equal(back[name], params[name])
    expected = run_torch(source, x, h0, c0)
    np.testing.assert_allclose(run_keras(layer, x, h0, c0), expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(run_torch(target, x, h0, c0), expected, rtol=0, atol=1e-12)


def test_round_trip_keras_original_gru_through_numpy():
    """reset_after=False (Cho et al. 2014) exists only in Keras: Keras -> NumPy -> Keras."""
    source = keras_layer("gru", 4, reset_after=False)
    source.build((None, None, 3))
    rng = np.random.default_rng(1)
    source.set_weights([w + rng.standard_normal(w.shape) for w in source.get_weights()])
    params = params_from_keras(source)
    assert "b_Uh" not in params
    target = params_to_keras(params, keras_layer("gru", 4, reset_after=False))
    x, h0 = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 4))
    np.testing.assert_array_equal(run_keras(target, x, h0, None), run_keras(source, x, h0, None))
    np.testing.assert_allclose(
        R.gru_forward(x, params, h0, reset_after=False)[0],
        run_keras(source, x, h0, None),
        atol=1e-10,
    )


def blocks(n_blocks, rows, cols, axis):
    """A matrix whose gate block j is filled with the value j, stacked along ``axis``."""
    parts = [np.full((rows, cols), float(j)) for j in range(n_blocks)]
    return np.concatenate(parts, axis=axis)


@pytest.mark.parametrize(
    ("cell", "order"),
    [("lstm", ["i", "f", "g", "o"]), ("gru", ["r", "z", "h"]), ("rnn", [""])],
)
def test_torch_gate_order(cell, order):
    """torch stacks gates along axis 0: LSTM i, f, g, o; GRU r, z, n."""
    module = TORCH_LAYERS[cell](2, 3, batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(blocks(len(order), 3, 2, axis=0)))
        module.weight_hh_l0.copy_(torch.from_numpy(blocks(len(order), 3, 3, axis=0) + 10))
    params = params_from_torch(module)
    for j, gate in enumerate(order):
        suffix = f"_{gate}" if gate else ""
        assert np.all(params[f"W{suffix}"] == j) and params[f"W{suffix}"].shape == (2, 3)
        assert np.all(params[f"U{suffix}"] == j + 10)


@pytest.mark.parametrize(
    ("cell", "order", "extra"),
    [
        ("lstm", ["i", "f", "g", "o"], {}),  # Keras calls g "c"
        ("gru", ["z", "r", "h"], {"reset_after": True}),
        ("gru", ["z", "r", "h"], {"reset_after": False}),
    ],
)
def test_keras_gate_order(cell, order, extra):
    """Keras stacks gates along the last axis: LSTM i, f, c, o; GRU z, r, h."""
    layer = keras_layer(cell, 3, **extra)
    layer.build((None, None, 2))
    weights = layer.get_weights()
    weights[0] = blocks(len(order), 2, 3, axis=1)
    weights[1] = blocks(len(order), 3, 3, axis=1) + 10
    layer.set_weights(weights)
    params = params_from_keras(layer)
    for j, gate in enumerate(order):
        assert np.all(params[f"W_{gate}"] == j) and np.all(params[f"U_{gate}"] == j + 10)


def test_torch_biases_fold_except_gru_candidate():
    module = torch.nn.GRU(2, 3, batch_first=True).double()
    b_ih, b_hh = np.arange(9.0), 100 + np.arange(9.0)
    with torch.no_grad():
        module.bias_ih_l0.copy_(torch.from_numpy(b_ih))
        module.bias_hh_l0.copy_(torch.from_numpy(b_hh))
    params = params_from_torch(module)
    np.testing.assert_array_equal(params["b_r"], b_ih[0:3] + b_hh[0:3])
    np.testing.assert_array_equal(params["b_z"], b_ih[3:6] + b_hh[3:6])
    np.testing.assert_array_equal(params["b_h"], b_ih[6:9])
    np.testing.assert_array_equal(params["b_Uh"], b_hh[6:9])
    params_to_torch(params, module)
    np.testing.assert_array_equal(
        module.bias_hh_l0.detach().numpy(), [0, 0, 0, 0, 0, 0, *b_hh[6:9]]
    )


def test_keras_gru_bias_rows_are_input_then_recurrent():
    layer = keras_layer("gru", 2, reset_after=True)
    layer.build((None, None, 1))
    weights = layer.get_weights()
    weights[2] = np.stack([np.arange(6.0), 10 + np.arange(6.0)])
    layer.set_weights(weights)
    params = params_from_keras(layer)
    np.testing.assert_array_equal(params["b_z"], [10, 12])  # 0 + 10, 1 + 11
    np.testing.assert_array_equal(params["b_h"], [4, 5])
    np.testing.assert_array_equal(params["b_Uh"], [14, 15])


def test_params_to_torch_keeps_module_dtype_and_returns_it():
    module = torch.nn.LSTM(3, 4, batch_first=True)  # float32
    params = R.init_params("lstm", 3, 4, rng=0, dtype=np.float64)
    assert params_to_torch(params, module) is module
    assert module.weight_ih_l0.dtype == torch.float32
    np.testing.assert_allclose(
        module.weight_ih_l0.detach().numpy()[4:8].T, params["W_f"], atol=1e-7
    )
    assert params_from_torch(module)["W_f"].dtype == np.float32


def test_torch_module_without_bias_gives_zero_biases():
    module = torch.nn.RNN(2, 3, batch_first=True, bias=False)
    params = params_from_torch(module)
    assert np.all(params["b"] == 0)
    params_to_torch(params, module)  # zero biases are accepted


def test_import_reference_and_convert_needs_neither_torch_nor_keras():
    code = (
        "import sys, rnnkit.reference, rnnkit.convert; "
        "loaded = {'torch', 'tensorflow', 'keras'} & set(sys.modules); "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- refusals


def _gru_params(reset_after=True):
    return R.init_params("gru", 3, 4, rng=0, reset_after=reset_after)


def _built(layer, features=3):
    layer.build((None, None, features))
    return layer


REFUSALS = {
    "torch num_layers=2": (
        lambda: params_from_torch(torch.nn.LSTM(3, 4, num_layers=2, batch_first=True)),
        ValueError,
        "num_layers=1, got num_layers=2",
    ),
    "torch bidirectional": (
        lambda: params_from_torch(torch.nn.GRU(3, 4, bidirectional=True, batch_first=True)),
        ValueError,
        "bidirectional=False, got bidirectional=True",
    ),
    "torch not batch_first": (
        lambda: params_from_torch(torch.nn.RNN(3, 4)),
        ValueError,
        "batch_first=True",
    ),
    "torch relu RNN": (
        lambda: params_from_torch(torch.nn.RNN(3, 4, nonlinearity="relu", batch_first=True)),
        ValueError,
        "nonlinearity='tanh', got 'relu'",
    ),
    "torch LSTM projection": (
        lambda: params_from_torch(torch.nn.LSTM(3, 4, proj_size=2, batch_first=True)),
        ValueError,
        "proj_size=0",
    ),
    "torch not a recurrent layer": (
        lambda: params_from_torch(torch.nn.Linear(3, 4)),
        TypeError,
        "got Linear",
    ),
    "torch refuses original GRU": (
        lambda: params_to_torch(_gru_params(False), torch.nn.GRU(3, 4, batch_first=True)),
        ValueError,
        "torch.nn.GRU only computes the reset-after form",
    ),
    "torch hidden size": (
        lambda: params_to_torch(_gru_params(), torch.nn.GRU(3, 5, batch_first=True)),
        ValueError,
        "hidden size 5, but params have hidden size 4",
    ),
    "torch input size": (
        lambda: params_to_torch(_gru_params(), torch.nn.GRU(2, 4, batch_first=True)),
        ValueError,
        "input has 2 features",
    ),
    "torch wrong kind of params": (
        lambda: params_to_torch(_gru_params(), torch.nn.LSTM(3, 4, batch_first=True)),
        ValueError,
        "params for an LSTM is missing",
    ),
    "torch bias=False with biases": (
        lambda: params_to_torch(
            R.init_params("rnn", 3, 4, rng=0), torch.nn.RNN(3, 4, bias=False, batch_first=True)
        ),
        ValueError,
        "non-zero b",
    ),
    "keras reset_after mismatch": (
        lambda: params_to_keras(_gru_params(True), keras.layers.GRU(4, reset_after=False)),
        ValueError,
        "reset_after=False, but params are in the reset-after",
    ),
    "keras original params into default GRU": (
        lambda: params_to_keras(_gru_params(False), keras.layers.GRU(4)),
        ValueError,
        "reset_after=True, but params are in the original",
    ),
    "keras unbuilt layer": (
        lambda: params_from_keras(keras.layers.LSTM(4)),
        ValueError,
        "not built yet",
    ),
    "keras not a recurrent layer": (
        lambda: params_from_keras(_built(keras.layers.Dense(4))),
        TypeError,
        "got Dense",
    ),
    "keras relu activation": (
        lambda: params_from_keras(_built(keras.layers.SimpleRNN(4, activation="relu"))),
        ValueError,
        "activation='tanh'",
    ),
    "keras go_backwards": (
        lambda: params_from_keras(_built(keras.layers.LSTM(4, go_backwards=True))),
        ValueError,
        "go_backwards=False",
    ),
    "keras built for other features": (
        lambda: params_to_keras(_gru_params(), _built(keras.layers.GRU(4), features=5)),
        ValueError,
        "built for 5 input features, but params have 3",
    ),
    "keras units": (
        lambda: params_to_keras(_gru_params(), keras.layers.GRU(6)),
        ValueError,
        "hidden size 6, but params have hidden size 4",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_converter_refuses_with_one_line_error(case):
    call, error, fragment = REFUSALS[case]
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_torch_gate_rows_pick_the_block_params_from_torch_reads_as_that_gate():
    lstm = torch.nn.LSTM(2, 3, batch_first=True).double()
    with torch.no_grad():
        lstm.bias_ih_l0.zero_()
        lstm.bias_hh_l0.zero_()
        lstm.bias_ih_l0[torch_gate_rows("lstm", "f", 3)] = 1.0
    params = params_from_torch(lstm)
    assert np.all(params["b_f"] == 1.0)
    assert all(np.all(params[f"b_{g}"] == 0.0) for g in ("i", "g", "o"))
    assert torch_gate_rows("gru", "z", 5) == slice(5, 10)
    with pytest.raises(ValueError, match=r"gate must be one of \('r', 'z', 'n'\) for a torch GRU"):
        torch_gate_rows("gru", "f", 5)


def test_set_forget_bias_sets_the_torch_lstm_forget_gate_to_one_and_leaves_the_rest():
    torch = pytest.importorskip("torch")
    from rnnkit.convert import set_forget_bias, torch_gate_rows

    lstm = torch.nn.LSTM(3, 4, batch_first=True)
    before = lstm.bias_ih_l0.detach().clone()
    set_forget_bias(lstm)
    forget = torch_gate_rows("lstm", "f", 4)
    total = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()
    assert torch.equal(total[forget], torch.ones(4))
    others = torch.ones(16, dtype=torch.bool)
    others[forget] = False
    assert torch.equal(lstm.bias_ih_l0.detach()[others], before[others])
