"""The milestones of chapter 01's timeline, each with the bibliography key of its paper.

``EVENTS`` lists them in time order; ``ERAS`` gives each thread of the story
its colour. ``rnnkit.plots.timeline(EVENTS, title, ERAS)`` draws them.
"""

from __future__ import annotations

from rnnkit.plots import Event

SIMPLE = "simple recurrent nets"
GRADIENT = "the gradient problem"
GATED = "gated recurrence"
ATTENTION = "encoder-decoder and attention"
LINEAR = "linear recurrences"

ERAS: dict[str, str] = {
    SIMPLE: "#1f77b4",
    GRADIENT: "#d62728",
    GATED: "#2ca02c",
    ATTENTION: "#9467bd",
    LINEAR: "#ff7f0e",
}

EVENTS: tuple[Event, ...] = (
    Event(1986, "Jordan network", "jordan1986serial", SIMPLE),
    Event(1990, "Elman network", "elman1990finding", SIMPLE),
    Event(1991, "vanishing gradients\n(Hochreiter)", "hochreiter1991untersuchungen", GRADIENT),
    Event(1994, "long-term dependencies\nare hard (Bengio et al.)", "bengio1994learning", GRADIENT),
    Event(1997, "LSTM", "hochreiter1997lstm", GATED),
    Event(1997, "bidirectional RNN", "schuster1997bidirectional", SIMPLE),
    Event(2000, "forget gate", "gers2000forget", GATED),
    Event(2012, "gradient clipping\n(Mikolov)", "mikolov2012statistical", GRADIENT),
    Event(2013, "norm clipping, analysis\n(Pascanu et al.)", "pascanu2013difficulty", GRADIENT),
    Event(2014, "GRU and RNN\nencoder-decoder", "cho2014properties", GATED),
    Event(2014, "seq2seq", "sutskever2014sequence", ATTENTION),
    Event(2014, "additive attention", "bahdanau2015attention", ATTENTION),
    Event(2017, "Transformer", "vaswani2017attention", ATTENTION),
    Event(2023, "LRU, RWKV, Mamba", "gu2023mamba", LINEAR),
    Event(2024, "xLSTM, minGRU", "feng2024rnns", LINEAR),
)
