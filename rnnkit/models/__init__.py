"""Models the practice chapters train, one module per chapter family.

Each module builds the same architecture in PyTorch and in Keras, so the two tabs of a
chapter differ only where the frameworks do. A family's twins are two factories with
the same arguments, ``torch_<family>(...)`` returning a ``torch.nn.Module`` and
``keras_<family>(...)`` returning a ``keras.Model`` (``torch_char_lm`` and
``keras_char_lm``, ``torch_classifier``, ``torch_forecaster``, ``torch_longdeps``,
``torch_seq2seq``, ``torch_state_tracking`` and their Keras twins); the twins' attributes
and layers carry the same names, and their arguments the same words (``vocab_size``,
``embed_dim``, ``hidden_size``, ``cell``). Import from the module itself, e.g. ``from
rnnkit.models.charlm import torch_char_lm``; nothing is re-exported here, so importing
one family never imports the others' frameworks. ``count_parameters`` counts any
PyTorch model's trainable weights.
"""


def count_parameters(model) -> int:
    """The number of trainable scalars in a ``torch.nn.Module`` (any family's)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
