"""The answer to a safeguarding concern, composed from hand-made selections: pure logic, no model."""

from __future__ import annotations

import pytest

from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.compose import compose
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.safeguarding import Evidence, load_rules
from provision_assistant.retrieval.safeguarding_answer import (
    compose_safeguarding,
    contact_picks,
    leave_out_family,
)
from provision_assistant.retrieval.select import Pick, Selection
from provision_assistant.retrieval.templates import load_templates
from provision_assistant.retrieval.triage import Concern
from tests.test_select import unit

pytestmark = pytest.mark.unit
RULES = load_rules(PACKAGE_ROOT / "prompts")
TEMPLATES = load_templates(PACKAGE_ROOT / "prompts")
PARENT = unit("p", "Named contact/liaison for parent.", theme="Families")
BOOK = unit("b", "Consider providing Home-school link book to encourage communication.", theme="Families")
QUIET = unit("q", "Designated quiet area to access at lunchtimes.", theme="Environment")
HELPLINE = unit("h", "Telephone consultation (PMHW) 0191 2933012.", tier="specialist", theme="Mental health")
EARLY_HELP = unit("e", "Contact with [Early Help](#) for support for identified pupils.", theme="Services")
PROSE = unit(
    "r", "Nurture provision with support from health services.", tier="none", kind="passage", theme="P"
)
LIBRARY = Library([PARENT, BOOK, QUIET, HELPLINE, EARLY_HELP, PROSE])
BELT = Concern(
    category="physical abuse",
    certain=True,
    immediate=True,
    evidence=(Evidence("hits her with a belt", "physical abuse"),),
    danger=(Evidence("scared to go home tonight", "not safe to go home"),),
    about_home=True,
)


def selection(*units) -> Selection:
    picks: dict[str, list[Pick]] = {}
    for u in units:
        picks.setdefault(u.tier, []).append(Pick(u, passages=(LIBRARY.passage_of(u.id),)))
    passages = {LIBRARY.passage_of(u.id).id: LIBRARY.passage_of(u.id) for u in units}
    return Selection("question", None, picks, [(p, 1.0) for p in passages.values()])


def test_provisions_that_involve_the_family_are_left_out_and_counted():
    kept, dropped = leave_out_family(selection(PARENT, BOOK, QUIET), RULES)
    assert dropped == 2
    assert [p.shown.id for picks in kept.picks.values() for p in picks] == ["q"]


def test_a_long_passage_is_judged_by_the_words_shown_not_by_a_service_named_past_the_cut():
    long = unit(
        "l",
        "Nurture provision for children and families. "
        + "Calm spaces and routines. " * 40
        + "Referrals go through the safeguarding team.",
        tier="none",
        kind="passage",
        theme="Long",
    )
    assert not RULES.involves_family(long.text)  # the whole passage names a statutory service
    kept, dropped = leave_out_family(
        Selection("q", None, {"none": [Pick(long, passages=(Library([long]).passage_of("l"),))]}, []), RULES
    )
    assert dropped == 1 and not kept.picks["none"]


def test_contacts_are_services_and_ways_to_reach_them_never_the_family_under_a_home_concern():
    found = contact_picks(selection(PARENT, HELPLINE, EARLY_HELP, PROSE, QUIET), RULES, True, shown=set())
    assert [p.shown.id for p in found] == ["e", "h"]  # targeted first, as selected; prose needs a number
    assert [
        p.shown.id for p in contact_picks(selection(EARLY_HELP), RULES, True, shown={EARLY_HELP.text})
    ] == []


def test_the_answer_reads_route_why_contacts_then_the_provisions_left_after_the_family_ones():
    kept, dropped = leave_out_family(selection(PARENT, BOOK, QUIET), RULES)
    contacts = contact_picks(selection(HELPLINE, EARLY_HELP), RULES, True, shown=set())
    answer = compose_safeguarding(compose(kept, TEMPLATES), BELT, contacts, dropped, RULES, TEMPLATES, None)
    text = answer["answer"]
    assert text.startswith(RULES.immediate)  # 999 first: the message says there is danger now
    order = [
        RULES.route.split(".")[0],
        "hits her with a belt",
        "scared to go home tonight",
        RULES.contacts_heading,
        "0191 2933012",
        RULES.provisions_heading,
        "Left out: 2 suggestion(s)",
        "Designated quiet area",
    ]
    assert [text.index(part) for part in order] == sorted(text.index(part) for part in order)
    assert "liaison for parent" not in text and "link book" not in text
    sg = answer["safeguarding"]
    assert (answer["status"], sg["immediate"], sg["left_out"], sg["about_home"]) == (
        "safeguarding",
        True,
        2,
        True,
    )
    cited = {s["id"] for s in answer["sources"]}
    assert all(set(c["source_ids"]) <= cited for c in sg["contacts"])  # every contact traces to a passage
    assert [s["text"] for s in answer["suggestions"]] == [QUIET.text]


def test_a_possible_concern_leads_gently_says_which_words_weighed_and_never_999():
    concern = Concern(
        "neglect", certain=False, immediate=False, evidence=(Evidence("smells", "weighed most"),)
    )
    answer = compose_safeguarding(
        compose(selection(QUIET), TEMPLATES), concern, [], 0, RULES, TEMPLATES, None
    )
    assert answer["answer"].startswith(RULES.possible_route)
    assert "“smells”" in answer["safeguarding"]["why"] and "neglect" in answer["safeguarding"]["why"]
    assert RULES.immediate not in answer["answer"] and "Left out" not in answer["answer"]
