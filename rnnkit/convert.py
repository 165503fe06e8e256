"""Weights between rnnkit's NumPy ``params``, ``torch.nn`` and ``keras.layers``.

Supported: ``torch.nn.RNN`` (tanh), ``nn.LSTM`` and ``nn.GRU`` with one layer, one
direction and ``batch_first=True``; ``keras.layers.SimpleRNN`` (tanh), ``LSTM`` and
``GRU`` with their default activations. torch and Keras are imported inside the
functions, so ``import rnnkit.convert`` needs neither.

How the frameworks store a gate ``k`` (checked by running them; see the tests)
------------------------------------------------------------------------------
*torch* stacks the gates along the **first** axis of ``weight_ih_l0`` (gates*hidden,
features) and ``weight_hh_l0`` (gates*hidden, hidden) and computes ``x W^T``, so
``W_k`` is the transpose of a block. The order (``GATE_ORDER["torch"]``) is
``i, f, g, o`` for the LSTM and ``r, z, n`` for the GRU (``n`` is our candidate ``h``).
It keeps two biases, ``bias_ih_l0`` and ``bias_hh_l0``; only their sum matters, so we
fold them into ``b_k``, except the GRU candidate, where ``bias_hh`` sits inside the
reset gate's product: ``b_h = bias_ih[n]`` and ``b_Uh = bias_hh[n]``. Writing back
puts the folded bias in ``bias_ih`` and zeros in ``bias_hh`` (``b_Uh`` in its ``n``
block).

*Keras* stacks the gates along the **last** axis of ``kernel`` (features,
gates*units) and ``recurrent_kernel`` (units, gates*units), already in our row
layout. The order (``GATE_ORDER["keras"]``) is ``i, f, c, o`` for the LSTM (``c`` is
our ``g``) and ``z, r, h`` for the GRU. The GRU's bias is (3*units,) with
``reset_after=False`` and (2, 3*units) with ``reset_after=True``: row 0 is the input
bias and row 1 the recurrent bias, folded like torch's.

torch has only the reset-after GRU, so :func:`params_to_torch` refuses GRU params
in the original form (no ``b_Uh``).
"""

from __future__ import annotations

import numpy as np

from rnnkit.reference import CELLS, check_params, param_names
from rnnkit.validation import require_choice

#: The order in which each framework stacks the gate blocks of a layer, in the
#: framework's own letters: ``GATE_ORDER[framework][cell]`` for ``framework`` in
#: ``("torch", "keras")`` and ``cell`` in ``("lstm", "gru")``.
GATE_ORDER = {
    "torch": {"lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")},
    "keras": {"lstm": ("i", "f", "c", "o"), "gru": ("z", "r", "h")},
}
_OURS = {"n": "h", "c": "g"}  # torch's GRU candidate n and Keras's LSTM candidate c


def torch_gate_rows(cell: str, gate: str, hidden_size: int) -> slice:
    """The rows of gate ``gate`` in a torch ``cell`` layer's stacked weights and biases.

    Gate ``k`` of ``GATE_ORDER["torch"][cell]`` (torch's own letters) holds rows
    ``k * hidden_size`` to ``(k + 1) * hidden_size`` of ``weight_ih_l0``, ``weight_hh_l0``,
    ``bias_ih_l0`` and ``bias_hh_l0``: the LSTM's forget gate ``"f"`` is
    ``slice(hidden_size, 2 * hidden_size)``. Raises ``ValueError`` for a gate the layer lacks.
    """
    gates = GATE_ORDER["torch"][cell]
    if gate not in gates:
        raise ValueError(f"gate must be one of {gates} for a torch {cell.upper()}, got {gate!r}")
    k = gates.index(gate)
    return slice(k * hidden_size, (k + 1) * hidden_size)


def set_forget_bias(lstm) -> None:
    """Start a one-layer ``torch.nn.LSTM``'s forget gate as Keras does
    (``unit_forget_bias=True``): 1 in ``bias_ih_l0`` and 0 in ``bias_hh_l0``, a sum of 1,
    where PyTorch draws both near 0. Changes ``lstm`` in place."""
    import torch

    forget = torch_gate_rows("lstm", "f", lstm.hidden_size)
    with torch.no_grad():
        lstm.bias_ih_l0[forget].fill_(1.0)
        lstm.bias_hh_l0[forget].zero_()


def _ours(framework: str) -> dict[str, tuple[str, ...]]:
    """``GATE_ORDER[framework]`` in the reference's letters, plus the gateless RNN."""
    orders = {
        cell: tuple(_OURS.get(g, g) for g in gates) for cell, gates in GATE_ORDER[framework].items()
    }
    return {"rnn": ("",), **orders}


_TORCH_ORDER = _ours("torch")
_KERAS_ORDER = _ours("keras")
#: The layer class of each cell of ``rnnkit.reference.CELLS``, by name: in
#: ``torch.nn`` and in ``keras.layers``. Every model family builds its layers from
#: these (:func:`torch_layer`, :func:`keras_layer`).
TORCH_LAYERS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
KERAS_LAYERS = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def torch_layer(cell: str) -> type:
    """The ``torch.nn`` class of ``cell`` (``"rnn"``, ``"lstm"`` or ``"gru"``)."""
    import torch

    return getattr(torch.nn, TORCH_LAYERS[require_choice(cell, "cell", CELLS)])


def keras_layer(cell: str) -> type:
    """The ``keras.layers`` class of ``cell`` (``"rnn"``, ``"lstm"`` or ``"gru"``)."""
    import keras

    return getattr(keras.layers, KERAS_LAYERS[require_choice(cell, "cell", CELLS)])


def _suffix(gate: str) -> str:
    return f"_{gate}" if gate else ""


def _split(matrix: np.ndarray, gates: tuple[str, ...], axis: int) -> dict[str, np.ndarray]:
    """Cut the stacked gate blocks of ``matrix`` along ``axis``, keyed by gate."""
    return dict(zip(gates, np.split(matrix, len(gates), axis=axis), strict=True))


def _fold(w_in, w_rec, b_in, b_rec, gates) -> dict[str, np.ndarray]:
    """Our params from row-layout blocks: ``w_in`` (F, G*H), ``w_rec`` (H, G*H), biases (G*H,)."""
    W, U = _split(w_in, gates, 1), _split(w_rec, gates, 1)
    bi, bh = _split(b_in, gates, 0), _split(b_rec, gates, 0)
    params = {}
    for g in gates:
        params[f"W{_suffix(g)}"], params[f"U{_suffix(g)}"] = W[g], U[g]
        params[f"b{_suffix(g)}"] = bi[g] + bh[g]
    if "h" in gates:  # GRU reset-after: the recurrent candidate bias stays apart
        params["b_h"], params["b_Uh"] = bi["h"], bh["h"]
    return params


def _stack(params, gates, hidden_size: int, dtype):
    """Inverse of :func:`_fold`: row-layout stacked weights and the two bias vectors."""
    w_in = np.concatenate([params[f"W{_suffix(g)}"] for g in gates], axis=1)  # (F, G*H)
    w_rec = np.concatenate([params[f"U{_suffix(g)}"] for g in gates], axis=1)  # (H, G*H)
    b_in = np.concatenate([params[f"b{_suffix(g)}"] for g in gates])  # (G*H,)
    b_rec = np.zeros_like(b_in)
    if "b_Uh" in params:
        j = gates.index("h")
        b_rec[j * hidden_size : (j + 1) * hidden_size] = params["b_Uh"]
    return [a.astype(dtype, copy=False) for a in (w_in, w_rec, b_in, b_rec)]


def _require_zero_bias(params, cell: str, where: str) -> None:
    biases = [k for k in params if k.startswith("b") and np.any(params[k] != 0)]
    if biases:
        raise ValueError(
            f"{where} has no biases (bias=False / use_bias=False), but params has non-zero "
            f"{', '.join(biases)} for the {cell.upper()}"
        )


# --------------------------------------------------------------------------- torch


def _torch_cell(module) -> str:
    import torch

    classes = {getattr(torch.nn, cls): cell for cell, cls in TORCH_LAYERS.items()}
    cell = classes.get(type(module))
    if cell is None:
        raise TypeError(
            f"module must be a torch.nn.RNN, nn.LSTM or nn.GRU, got {type(module).__name__}"
        )
    name = f"torch.nn.{TORCH_LAYERS[cell]}"
    if module.num_layers != 1:
        raise ValueError(f"{name} must have num_layers=1, got num_layers={module.num_layers}")
    if module.bidirectional:
        raise ValueError(f"{name} must have bidirectional=False, got bidirectional=True")
    if not module.batch_first:
        raise ValueError(
            f"{name} must have batch_first=True (inputs (batch, time, features)), got batch_first=False"
        )
    if cell == "rnn" and module.nonlinearity != "tanh":
        raise ValueError(f"{name} must have nonlinearity='tanh', got {module.nonlinearity!r}")
    if cell == "lstm" and module.proj_size != 0:
        raise ValueError(f"{name} must have proj_size=0, got proj_size={module.proj_size}")
    if module.weight_ih_l0.dtype not in (torch.float32, torch.float64):
        raise TypeError(
            f"{name} weights must be float32 or float64, got {module.weight_ih_l0.dtype}"
        )
    return cell


def params_from_torch(module) -> dict[str, np.ndarray]:
    """Our ``params`` from a single-layer, unidirectional, ``batch_first`` torch layer.

    Returns NumPy arrays (copies) in the module's dtype (float32 or float64); the
    GRU comes out in the reset-after form (with ``b_Uh``). Raises ``TypeError`` for
    another module type and ``ValueError`` for ``num_layers > 1``,
    ``bidirectional=True``, ``batch_first=False``, a relu RNN or an LSTM projection.
    """
    cell = _torch_cell(module)

    def numpy(name: str) -> np.ndarray:
        return getattr(module, name).detach().cpu().numpy().copy()

    w_in, w_rec = numpy("weight_ih_l0").T, numpy("weight_hh_l0").T  # (F, G*H), (H, G*H)
    if module.bias:
        b_in, b_rec = numpy("bias_ih_l0"), numpy("bias_hh_l0")
    else:
        b_in = b_rec = np.zeros(w_in.shape[1], dtype=w_in.dtype)
    return _fold(w_in, w_rec, b_in, b_rec, _TORCH_ORDER[cell])


def params_to_torch(params, module):
    """Copy ``params`` into ``module`` (in place, keeping its dtype and device); returns it.

    Folded biases go to ``bias_ih_l0`` and ``bias_hh_l0`` is zero except the GRU
    candidate block, which takes ``b_Uh``. Raises ``ValueError`` for GRU params in the
    original form (torch only computes ``reset_after=True``), for params whose sizes
    differ from the module's, and for the module settings :func:`params_from_torch`
    refuses.
    """
    import torch

    cell = _torch_cell(module)
    if cell == "gru" and isinstance(params, dict) and "b_Uh" not in params:
        raise ValueError(
            "torch.nn.GRU only computes the reset-after form (r * (h U_h + b_Uh)); got GRU "
            "params without 'b_Uh', i.e. the original form (Keras reset_after=False), "
            "which torch cannot represent"
        )
    params = check_params(params, cell, input_size=module.input_size)
    _require_hidden_size(params, cell, module.hidden_size, f"torch.nn.{TORCH_LAYERS[cell]}")
    if not module.bias:
        _require_zero_bias(params, cell, f"torch.nn.{TORCH_LAYERS[cell]}")
    target = module.weight_ih_l0
    w_in, w_rec, b_in, b_rec = _stack(params, _TORCH_ORDER[cell], module.hidden_size, np.float64)
    values = {"weight_ih_l0": w_in.T, "weight_hh_l0": w_rec.T}
    if module.bias:
        values |= {"bias_ih_l0": b_in, "bias_hh_l0": b_rec}
    with torch.no_grad():
        for name, value in values.items():
            getattr(module, name).copy_(
                torch.as_tensor(
                    np.ascontiguousarray(value), dtype=target.dtype, device=target.device
                )
            )
    return module


def _require_hidden_size(params, cell: str, hidden_size: int, where: str) -> None:
    """``params`` passed check_params, so every ``U_*`` is (hidden, hidden) alike."""
    ours = params[param_names(cell)[len(_TORCH_ORDER[cell])]].shape[0]  # the first U_*
    if ours != hidden_size:
        raise ValueError(
            f"{where} has hidden size {hidden_size}, but params have hidden size {ours}"
        )


# --------------------------------------------------------------------------- Keras


def _keras_cell(layer) -> str:
    import keras

    classes = {getattr(keras.layers, cls): cell for cell, cls in KERAS_LAYERS.items()}
    cell = classes.get(type(layer))
    if cell is None:
        raise TypeError(
            f"layer must be a keras.layers.SimpleRNN, LSTM or GRU, got {type(layer).__name__}"
        )
    name = f"keras.layers.{KERAS_LAYERS[cell]}"
    if getattr(layer.activation, "__name__", None) != "tanh":
        raise ValueError(f"{name} must use activation='tanh', got {layer.activation!r}")
    recurrent = getattr(layer, "recurrent_activation", None)
    if recurrent is not None and getattr(recurrent, "__name__", None) != "sigmoid":
        raise ValueError(f"{name} must use recurrent_activation='sigmoid', got {recurrent!r}")
    if layer.go_backwards:
        raise ValueError(f"{name} must have go_backwards=False, got go_backwards=True")
    return cell


def params_from_keras(layer) -> dict[str, np.ndarray]:
    """Our ``params`` from a built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` layer.

    Arrays keep the layer's dtype (float32 by default). A GRU with
    ``reset_after=True`` gives params with ``b_Uh``; with ``reset_after=False``,
    params in the original form. Raises ``ValueError`` for an unbuilt layer, other
    activations or ``go_backwards=True``, ``TypeError`` for another layer type.
    """
    cell = _keras_cell(layer)
    if not layer.built:
        raise ValueError(
            f"keras.layers.{KERAS_LAYERS[cell]} is not built yet (it has no weights): "
            "call it on an input or layer.build((None, None, features)) first"
        )
    weights = [np.array(w) for w in layer.get_weights()]
    w_in, w_rec = weights[0], weights[1]  # (F, G*H), (H, G*H)
    if layer.use_bias:
        bias = weights[2]
        b_in, b_rec = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros_like(bias))
    else:
        b_in = b_rec = np.zeros(w_in.shape[1], dtype=w_in.dtype)
    params = _fold(w_in, w_rec, b_in, b_rec, _KERAS_ORDER[cell])
    if cell == "gru" and not layer.reset_after:
        del params["b_Uh"]  # b_rec was all zeros: the original form has one bias per gate
    return params


def params_to_keras(params, layer):
    """Set ``layer``'s weights from ``params`` (building it if needed); returns the layer.

    Values are cast to the layer's dtype. For a GRU the form must agree: params with
    ``b_Uh`` need ``reset_after=True``, params without it ``reset_after=False``;
    anything else raises ``ValueError``, as do sizes that differ from the layer's.
    """
    cell = _keras_cell(layer)
    name = f"keras.layers.{KERAS_LAYERS[cell]}"
    reset_after = bool(getattr(layer, "reset_after", True))
    if cell == "gru" and isinstance(params, dict) and ("b_Uh" in params) != reset_after:
        form = "reset-after (has 'b_Uh')" if "b_Uh" in params else "original (no 'b_Uh')"
        raise ValueError(
            f"{name} has reset_after={reset_after}, but params are in the {form} form; "
            f"build the layer with reset_after={not reset_after}"
        )
    params = check_params(params, cell, reset_after=reset_after)
    _require_hidden_size(params, cell, layer.units, name)
    features = params[param_names(cell)[0]].shape[0]
    if not layer.built:
        layer.build((None, None, features))
    else:
        expected = layer.get_weights()[0].shape[0]
        if expected != features:
            raise ValueError(
                f"{name} was built for {expected} input features, but params have {features}"
            )
    if not layer.use_bias:
        _require_zero_bias(params, cell, name)
    dtype = layer.get_weights()[0].dtype
    w_in, w_rec, b_in, b_rec = _stack(params, _KERAS_ORDER[cell], layer.units, dtype)
    weights = [w_in, w_rec]
    if layer.use_bias:
        weights.append(np.stack([b_in, b_rec]) if cell == "gru" and reset_after else b_in)
    layer.set_weights(weights)
    return layer
