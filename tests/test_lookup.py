"""Lookups that count a list ("what are the six priorities?"): found and put first. Pure."""

from __future__ import annotations

import pytest

from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.lookup import counted, lead_with, listing
from provision_assistant.retrieval.select import SelectionPolicy, select
from tests.test_select import hits, unit

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("what are Westmorland and Furness's six priorities?", ("6", "priorities")),
        ("list the 5 key principles of the strategy", ("5", "principles")),
        ("which are the three tiers the framework uses", ("3", "tiers")),
        ("racist name calling aimed at two boys in Y8", None),
        ("what can we do for year 6 pupils who are anxious", None),
        ("Y6 pupils anxious about SATs", None),
        ("two pupils fighting at break", None),  # not asking for a list
    ],
)
def test_a_count_is_read_only_when_a_list_is_asked_for(question, asked):
    found = counted(question)
    assert (None if found is None else (sorted(found[0])[0], found[1])) == asked


def test_the_passage_that_counts_the_list_leads_the_answer():
    counts = unit(
        "p",
        "We have developed six strategic priorities:\n- Culture\n- Partnership",
        kind="passage",
        tier="none",
    )
    other = unit("o", "Priority 2: early identification of need.", kind="passage", tier="none", theme="O")
    provision = unit("v", "Whole-school belonging priorities.", tier="universal", theme="V")
    units = [counts, other, provision]
    question = "what are W&F's six priorities?"
    assert listing(question, units) == ["p"]
    assert listing("what are the five priorities?", units) == []
    library = Library(units)
    chosen = select(question, hits((provision, 0.8), (other, 0.7)), [], library, SelectionPolicy())
    led = lead_with(chosen, ["p"], library)
    assert led.lead == "none" and led.picks["none"][0].shown.id == "p"
    assert led.sources[0][0].members[0].id == "p"
    assert {p.id for p, _ in led.sources} == {p.id for p, _ in chosen.sources} | {led.sources[0][0].id}
    assert lead_with(chosen, [], library) is chosen
