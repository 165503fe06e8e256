"""rnnkit.data.timeline: chapter 01's milestones cite real bibliography keys, in order."""

import re
from pathlib import Path

from rnnkit.data.timeline import ERAS, EVENTS

BIB = Path(__file__).resolve().parents[1] / "chapters" / "references.bib"


def test_every_event_cites_a_key_of_the_bibliography():
    keys = set(re.findall(r"@\w+\{([^,]+),", BIB.read_text(encoding="utf-8")))
    assert {event.cite for event in EVENTS} <= keys


def test_events_are_in_time_order_and_each_belongs_to_a_coloured_era():
    years = [event.year for event in EVENTS]
    assert years == sorted(years)
    assert {event.era for event in EVENTS} <= set(ERAS)
