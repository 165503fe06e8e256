"""Bad inputs to the two training loops: each is refused before training, with one
line naming what was expected, and the same line from fit_torch and fit_keras where
both frameworks meet the same mistake."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.train import fit_torch
from rnnkit.train.torch_fit import _pick_device

N, T, C = 32, 5, 2
BATCH = 16


def series(n: int = N):
    """Float sequences (n, T, 1) and a class per sequence: is the sum positive?"""
    x = np.random.default_rng(0).normal(size=(n, T, 1)).astype("float32")
    return x, (x.sum(axis=(1, 2)) > 0).astype("int64")


class TorchClassifier(torch.nn.Module):
    def __init__(self, out: int = C) -> None:
        super().__init__()
        self.rnn = torch.nn.GRU(1, 8, batch_first=True)
        self.head = torch.nn.Linear(8, out)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])  # (B, out)


def keras_classifier(out: int = C):  # a keras.Model
    import keras  # here, not at the top: collecting this file starts no TensorFlow

    return keras.Sequential([keras.Input((T, 1)), keras.layers.GRU(8), keras.layers.Dense(out)])


def fit(framework: str, train, model=None, **settings):
    settings = {"epochs": 1, "batch_size": BATCH, "progress": False, **settings}
    if framework == "torch":
        return fit_torch(TorchClassifier() if model is None else model, train, **settings)
    from rnnkit.train import fit_keras

    return fit_keras(keras_classifier() if model is None else model, train, **settings)


x, y = series()
SAME_IN_BOTH = [  # (id, train, settings, error, the whole message)
    ("labels-n-1", (x, y[:, None]), {}, ValueError,
     "train batch 1: cross_entropy needs labels of shape (16,) (one class id per output "
     "position; the model outputs (16, 2)), got (16, 1); drop the last axis: y[..., 0]"),
    ("one-hot-labels", (x, np.eye(C, dtype="int64")[y]), {}, ValueError,
     "train batch 1: cross_entropy needs labels of shape (16,) (one class id per output "
     "position; the model outputs (16, 2)), got (16, 2); targets shaped like the output are "
     'either regression targets (pass loss="mse") or one-hot labels (pass the class ids, '
     'y.argmax(-1))'),
    ("float-labels", (x, y.astype("float32")), {}, ValueError,
     "train batch 1: labels for a model with 2 outputs must be an array of integer ids in "
     "[0, 1], got shape (16,) and dtype float32"),
    ("mse-target-shape", (x, x.sum(axis=(1, 2))), {"loss": "mse"}, ValueError,
     "train batch 1: mse needs targets of the output's shape (16, 1), got (16,)"),
    ("lists", (x.tolist(), y.tolist()), {}, TypeError,
     "train: x and y must be arrays (NumPy arrays or tensors), got list and list; convert "
     "them with np.asarray"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("train", "settings", "error", "message"),
    [case[1:] for case in SAME_IN_BOTH],
    ids=[case[0] for case in SAME_IN_BOTH],
)
def test_both_loops_refuse_the_same_bad_input_with_the_same_line(train, settings, error, message):
    for framework in ("torch", "keras"):
        out = 1 if settings.get("loss") == "mse" else C
        model = TorchClassifier(out) if framework == "torch" else keras_classifier(out)
        with pytest.raises(error) as info:
            fit(framework, train, model, **settings)
        assert str(info.value) == message, framework


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_inputs_without_a_feature_axis_are_refused_with_the_fix(framework):
    with pytest.raises(ValueError) as info:
        fit(framework, (x[..., 0], y))
    message = str(info.value)
    assert message.startswith("train batch 1: the model cannot read x of shape (16, 5) (float32): ")
    assert message.endswith(
        "recurrent layers read (batch, time, features): add the feature axis with x[..., None]"
    )
    assert "\n" not in message


@pytest.mark.parametrize(
    ("framework", "name"), [("torch", "torch.nn.Module"), ("keras", "keras.Model")]
)
def test_a_plain_function_is_refused_as_a_model(framework, name):
    with pytest.raises(TypeError) as info:
        fit(framework, (x, y), model=lambda inputs: inputs)
    assert str(info.value) == (
        f"model must be a {name} (a network with weights to train), got function"
    )


def test_an_optimizer_built_for_another_torch_model_is_refused():
    other = TorchClassifier()
    with pytest.raises(ValueError) as info:
        fit("torch", (x, y), optimizer=torch.optim.Adam(other.parameters()))
    assert str(info.value) == (
        "optimizer holds none of this model's trainable weights (was it built for another "
        "model?): build it for this one, e.g. torch.optim.Adam(model.parameters())"
    )


@pytest.mark.slow  # trains a Keras model twice
def test_an_optimizer_built_for_another_keras_model_is_refused():
    import keras

    optimizer = keras.optimizers.Adam()
    fit("keras", (x, y), optimizer=optimizer)  # now built for that model's variables
    with pytest.raises(ValueError) as info:
        fit("keras", (x, y), optimizer=optimizer)
    assert str(info.value) == (
        "optimizer holds none of this model's trainable weights (was it built for another "
        "model?): build it for this one, e.g. keras.optimizers.Adam()"
    )


def test_torch_casts_int32_labels_and_float64_inputs_as_keras_does():
    runs = []
    for inputs, labels in ((x, y), (x.astype("float64"), y.astype("int32"))):
        rnnkit.setup(0)
        model = TorchClassifier()
        history = fit("torch", (inputs, labels), model, epochs=2, shuffle=False)
        runs.append((history["loss"], [p.detach().clone() for p in model.parameters()]))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(a, b) for a, b in zip(runs[0][1], runs[1][1], strict=True))
    assert 0.0 <= history["accuracy"][-1] <= 1.0


def test_cuda_without_cuda_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError) as info:
        fit("torch", (x, y), device="cuda")
    assert str(info.value) == (
        "device='cuda', but CUDA is not available on this machine; use device='cpu', or "
        "device=None to use CUDA when there is one"
    )


def test_a_cuda_index_beyond_the_machine_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match=r"has 1 CUDA device\(s\), cuda:0 to cuda:0$"):
        _pick_device("cuda:1")
    assert _pick_device("cuda:0") == torch.device("cuda:0")


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_a_list_of_batches_is_read_as_batches_by_torch_and_refused_by_keras(framework):
    batches = [(x[:BATCH], y[:BATCH]), (x[BATCH:], y[BATCH:])]
    if framework == "torch":
        tensors = [(torch.as_tensor(a), torch.as_tensor(b)) for a, b in batches]
        assert fit("torch", tensors).epochs == 1
    else:
        with pytest.raises(TypeError, match="must be a pair .* or a tf.data.Dataset, got list"):
            fit("keras", batches)
