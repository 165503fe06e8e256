"""Datasets and tasks for the practice chapters; all offline, all deterministic.

================================  ===============================================
``rnnkit.data.chars``             Python's help topics as a character corpus,
                                  truncated-BPTT windows, Kneser–Ney n-gram baseline
``rnnkit.data.classify``          generated sentiment sentences where order decides
                                  the label, bag-of-words baseline
``rnnkit.data.series``            packaged time series (Mauna Loa CO2 by default),
                                  windows, train-only scaling, forecast baselines
``rnnkit.data.synthetic``         adding problem and copy task of any length
``rnnkit.data.state_tracking``    parity, sum mod 3, majority, S3 word problem:
                                  labels of every prefix, chance accuracy
``rnnkit.data.dates``             dates in many formats → ISO, a seq2seq task
``rnnkit.data.sequences``         padding, masks and torch tensors shared by all
``rnnkit.data.vocab``             one vocabulary (characters or words) for all
``rnnkit.data.timeline``          chapter 01's milestones, each with its paper's key
================================  ===============================================

Loaders return small frozen dataclasses of NumPy arrays; Keras takes them as they are
and :func:`~rnnkit.data.sequences.to_torch` makes tensors (torch is imported only then).
"""

from rnnkit.data.chars import (
    CharCorpus,
    NGramBaseline,
    NGramLM,
    bptt_windows,
    load_python_docs,
    ngram_baseline,
    split_text,
)
from rnnkit.data.classify import (
    BowBaseline,
    SentimentConfig,
    TextClassification,
    TextSplit,
    bow_baseline,
    encode_split,
    make_sentiment,
    order_dependent,
    with_random_labels,
)
from rnnkit.data.dates import DateSplit, DateTask, make_dates
from rnnkit.data.sequences import (
    PAD_ID,
    mask_from_lengths,
    stack_sequences,
    to_dataloader,
    to_torch,
)
from rnnkit.data.series import (
    ForecastData,
    Scaler,
    Scores,
    Series,
    WindowSplit,
    forecast_baselines,
    load_series,
    make_forecast_data,
    make_windows,
)
from rnnkit.data.state_tracking import (
    StateTask,
    chance_accuracy,
    prefix_labels,
    state_task,
)
from rnnkit.data.synthetic import (
    SequenceTask,
    adding_baseline_mse,
    adding_problem,
    copy_baseline_xent,
    copy_task,
)
from rnnkit.data.vocab import Vocab, tokenize

__all__ = [
    "PAD_ID", "BowBaseline", "CharCorpus", "DateSplit",
    "DateTask", "ForecastData", "NGramBaseline", "NGramLM", "Scaler", "Scores",
    "SentimentConfig", "SequenceTask", "Series", "StateTask", "TextClassification", "TextSplit",
    "Vocab", "WindowSplit", "adding_baseline_mse", "adding_problem", "bow_baseline", "chance_accuracy",
    "bptt_windows", "copy_baseline_xent", "copy_task", "encode_split", "forecast_baselines",
    "load_python_docs", "load_series", "make_dates", "make_forecast_data", "make_sentiment",
    "make_windows", "mask_from_lengths", "ngram_baseline", "order_dependent", "prefix_labels", "split_text", "state_task",
    "stack_sequences", "to_dataloader", "to_torch", "tokenize", "with_random_labels",
]  # fmt: skip
