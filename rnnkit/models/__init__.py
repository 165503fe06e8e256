"""Models the practice chapters train, one module per chapter family.

Each module builds the same architecture in PyTorch and in Keras, so the two tabs of a
chapter differ only where the frameworks do. Import from the module itself, e.g.
``from rnnkit.models.charlm import TorchCharLM``; nothing is re-exported here, so
importing one family never imports the others' frameworks.
"""
