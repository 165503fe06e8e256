"""Exercises of chapter 02 (core concepts): output shapes and parameter counts.

Both checkers build the real ``torch.nn`` / ``keras.layers`` objects and ask them,
so the answers are the frameworks' own, not a formula we could get wrong twice.
"""

from __future__ import annotations

from rnnkit.checks.core import Case, CheckResult, compare_equal, run_check

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
FRAMEWORKS = ("torch", "keras")

# ---------------------------------------------------------------------------
# Exercise 2.1: what shapes does torch.nn.GRU(batch_first=True) return?
# ---------------------------------------------------------------------------


def torch_gru_shapes(batch, time, features, hidden_size, num_layers, bidirectional):
    """Reference: run a real ``nn.GRU`` on zeros and report ``(output.shape, h_n.shape)``."""
    import torch

    gru = torch.nn.GRU(
        features, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional
    )
    with torch.no_grad():
        output, h_n = gru(torch.zeros(batch, time, features))
    return tuple(output.shape), tuple(h_n.shape)


def _shapes_wrong(output_rule, state_rule, swap: bool = False):
    def shapes(batch, time, features, hidden_size, num_layers, bidirectional):
        d = 2 if bidirectional else 1
        output = output_rule(batch, time, hidden_size, num_layers, d)
        state = state_rule(batch, hidden_size, num_layers, d)
        return (state, output) if swap else (output, state)

    return shapes


def _right_output(b, t, h, n, d):
    return (b, t, d * h)


def _right_state(b, h, n, d):
    return (d * n, b, h)


SHAPE_MISTAKES = [
    (
        "make h_n batch-first as well (batch_first=True changes the input and output only; "
        "h_n stays (layers * directions, batch, hidden))",
        _shapes_wrong(_right_output, lambda b, h, n, d: (b, d * n, h)),
    ),
    (
        "forget that a bidirectional layer concatenates both directions in the output",
        _shapes_wrong(lambda b, t, h, n, d: (b, t, h), _right_state),
    ),
    (
        "leave bidirectional out altogether: the output concatenates both directions, "
        "(batch, time, 2 * hidden), and h_n keeps one state per layer and direction",
        _shapes_wrong(lambda b, t, h, n, d: (b, t, h), lambda b, h, n, d: (n, b, h)),
    ),
    (
        "leave the direction factor out of h_n (it keeps one final state per layer and direction)",
        _shapes_wrong(_right_output, lambda b, h, n, d: (n, b, h)),
    ),
    (
        "return the final state of the last layer only (h_n holds every layer's)",
        _shapes_wrong(_right_output, lambda b, h, n, d: (d, b, h)),
    ),
    (
        "return the output time-major, (time, batch, ...): with batch_first=True it is "
        "(batch, time, directions * hidden)",
        _shapes_wrong(lambda b, t, h, n, d: (t, b, d * h), _right_state),
    ),
    (
        "return (h_n shape, output shape): the function returns (output shape, h_n shape), "
        "in the order nn.GRU returns (output, h_n)",
        _shapes_wrong(_right_output, _right_state, swap=True),
    ),
    (
        "multiply the output width by the number of layers (the output holds the last "
        "layer's states only: (batch, time, directions * hidden))",
        _shapes_wrong(lambda b, t, h, n, d: (b, t, n * d * h), _right_state),
    ),
    (
        "concatenate the two directions in h_n as in the output (h_n keeps them apart: "
        "(layers * directions, batch, hidden))",
        _shapes_wrong(_right_output, lambda b, h, n, d: (n, b, d * h)),
    ),
]

SHAPE_CASES = [
    Case("batch=4, time=7, features=3, hidden_size=5, 1 layer", (4, 7, 3, 5, 1, False)),
    Case("batch=2, time=6, features=3, hidden_size=8, 3 layers", (2, 6, 3, 8, 3, False)),
    Case(
        "batch=4, time=7, features=3, hidden_size=5, 1 layer, bidirectional", (4, 7, 3, 5, 1, True)
    ),
    Case(
        "batch=3, time=1, features=2, hidden_size=4, 2 layers, bidirectional", (3, 1, 2, 4, 2, True)
    ),
]


def check_torch_gru_shapes(fn) -> CheckResult:
    """Check ``fn(batch, time, features, hidden_size, num_layers, bidirectional)``.

    It must return ``(output_shape, h_n_shape)`` of ``torch.nn.GRU(...,
    batch_first=True)`` as two tuples of ints.
    """
    return run_check(
        "Exercise 2.1 (torch.nn.GRU shapes)",
        fn,
        torch_gru_shapes,
        SHAPE_CASES,
        compare_equal,
        SHAPE_MISTAKES,
    )


# ---------------------------------------------------------------------------
# Exercise 2.2: how many trainable parameters does one recurrent layer have?
# ---------------------------------------------------------------------------


def framework_param_count(cell, input_size, hidden_size, framework):
    """Reference: build the layer in ``framework`` and count its trainable parameters."""
    if framework == "torch":
        import torch

        module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
        layer = module(input_size, hidden_size, batch_first=True)
        return sum(p.numel() for p in layer.parameters() if p.requires_grad)
    import keras

    layer = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[
        cell
    ](hidden_size)
    layer.build((None, None, input_size))
    return layer.count_params()


def _count_wrong(
    gates=None,
    torch_biases=2,
    keras_biases=1,
    keras_gru_biases=2,
    recurrent=True,
    input_width=None,
):
    """A parameter count with one deliberate error; ``input_width(i, h)`` is the number of
    rows the learner gives W (``i`` when right)."""

    def count(cell, input_size, hidden_size, framework):
        g = gates.get(cell, GATES[cell]) if gates else GATES[cell]
        biases = torch_biases if framework == "torch" else keras_biases
        if framework == "keras" and cell == "gru":
            biases = keras_gru_biases
        rows = input_width(input_size, hidden_size) if input_width else input_size
        weights = rows + (hidden_size if recurrent else 0)
        return g * (hidden_size * weights + biases * hidden_size)

    return count


COUNT_MISTAKES = [
    (
        "give PyTorch one bias per gate (it keeps two, b_ih and b_hh, which add up)",
        _count_wrong(torch_biases=1),
    ),
    ("forget the recurrent weights U (hidden x hidden per gate)", _count_wrong(recurrent=False)),
    ("give the GRU four gates like the LSTM (it has three)", _count_wrong(gates={"gru": 4})),
    (
        "give the LSTM three gates (it has four: input, forget, candidate, output)",
        _count_wrong(gates={"lstm": 3}),
    ),
    (
        "give Keras's GRU one bias per gate (its default reset_after=True keeps two)",
        _count_wrong(keras_gru_biases=1),
    ),
    ("give Keras two biases per gate, as PyTorch has", _count_wrong(keras_biases=2)),
    (
        "leave out the biases (each gate has hidden_size of them, two sets in PyTorch)",
        _count_wrong(torch_biases=0, keras_biases=0, keras_gru_biases=0),
    ),
    (
        "size the input weights W as hidden x hidden (W maps the input: input_size x hidden)",
        _count_wrong(input_width=lambda i, h: h),
    ),
    (
        "count one set of weights for every cell (an LSTM has 4 blocks of W, U and biases, "
        "a GRU 3)",
        _count_wrong(gates={"lstm": 1, "gru": 1}),
    ),
]

COUNT_CASES = [
    Case(f"{cell}, input_size={i}, hidden_size={h}, framework={fw!r}", (cell, i, h, fw))
    for fw in FRAMEWORKS
    for cell, i, h in (("rnn", 3, 5), ("lstm", 3, 5), ("gru", 3, 5), ("lstm", 10, 2))
]


def check_param_count(fn) -> CheckResult:
    """Check ``fn(cell, input_size, hidden_size, framework)``.

    ``cell`` is ``"rnn"``, ``"lstm"`` or ``"gru"``; ``framework`` is ``"torch"`` or
    ``"keras"``. It must return the number of trainable parameters of one layer,
    as ``torch.nn.RNN/LSTM/GRU`` and ``keras.layers.SimpleRNN/LSTM/GRU`` count them.
    """
    return run_check(
        "Exercise 2.2 (parameter counts)",
        fn,
        framework_param_count,
        COUNT_CASES,
        compare_equal,
        COUNT_MISTAKES,
    )
