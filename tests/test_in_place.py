"""Questions about what a school should have in place: one area's Universal offer as a checklist."""

from __future__ import annotations

import pytest

from provision_assistant.retrieval.compose import compose
from provision_assistant.retrieval.in_place import asks_what_in_place, checklist_answer
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.select import SelectionPolicy, select
from tests.test_select import TEMPLATES, hits, unit


@pytest.mark.unit
@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("what should a primary have in place for attendance?", True),
        ("What do we need to have in place for transition to secondary", True),
        ("which things should be in place across school for belonging", True),
        ("what's our universal offer for friendships?", True),
        ("checklist of what needs to be in place for wellbeing", True),
        ("what should every school have in place so all pupils feel they belong", True),
        ("is the support plan in place yet?", False),  # no asking word before it
        ("Year 8 pupil anxious about the canteen", False),
        ("what can we put in for a pupil who refuses school", False),
        # the same words about one pupil or a group (development cases' phrasings)
        (
            "a Y3 starting in sept uses a wheelchair, what do we need in place before she arrives",
            False,
        ),
        ("y6 moving up to big school in sept, v anxious, what can we put in place", False),
        ("few of our Y6 SEND kids are dreading secondary, what do we need in place?", False),
        ("a few pupils are struggling at lunch, what should be in place?", False),
        ("what should we have in place for the boy who hides in the toilets", False),
    ],
)
def test_a_question_about_what_should_be_in_place_is_recognised(question, asks):
    assert asks_what_in_place(question) is asks


def _area(name, tier, text, **meta):
    return unit(f"{name}-{tier}-{text[:6]}", text, tier=tier, theme=f"{name} theme", area=name, **meta)


@pytest.mark.unit
def test_the_answer_is_the_best_areas_universal_offer_in_order_for_the_phase_with_an_offer():
    units = [
        _area("Attendance", "universal", "First-day calls home."),
        _area("Attendance", "targeted", "Attendance mentor."),
        _area("Attendance", "universal", "Secondary-only tutor time checks.", phase="secondary"),
        _area("Attendance", "universal", "Celebrate improved attendance."),
        _area("Transition", "universal", "Visits before the move."),
    ]
    library = Library(units)
    question = "what should a primary have in place for attendance?"
    chosen = select(
        question, hits((units[1], 0.8), (units[4], 0.5)), [], library, SelectionPolicy(), "primary"
    )
    listed = checklist_answer(chosen, library)
    assert [p.shown.text for p in listed.picks["universal"]] == [
        "First-day calls home.",
        "Celebrate improved attendance.",
    ]
    assert set(listed.picks) == {"universal"} and listed.lead == "universal"
    assert listed.area_checklist.area == "Attendance"
    made = compose(listed, TEMPLATES)
    assert made["audit_offer"] == {"document": "framework", "title": "Framework", "area": "Attendance"}
    assert "start an audit of Framework" in made["answer"]
    assert all(s["citation"].endswith("Attendance theme") for s in made["suggestions"])
    sources = [source["id"] for source in made["sources"]]
    assert all(set(s["source_ids"]) <= set(sources) for s in made["suggestions"])  # citations resolve
    assert sources[0] == made["suggestions"][0]["source_ids"][0]


@pytest.mark.unit
def test_without_a_framework_theme_among_the_sources_the_answer_is_unchanged():
    prose = unit("p", "Attendance matters to us all.", kind="passage", tier="none")
    library = Library([prose])
    chosen = select(
        "what should be in place for attendance", hits((prose, 0.9)), [], library, SelectionPolicy()
    )
    assert checklist_answer(chosen, library) is chosen


@pytest.mark.integration
def test_what_a_primary_should_have_in_place_for_attendance_with_the_real_index(service):
    from provision_assistant.ui.chat_render import audit_link, load_chat_templates
    from tests.test_audit_export import PROMPTS

    answer = service.ask("what should a primary have in place for attendance?")
    assert answer.audit_offer is not None and answer.audit_offer.area == "Attendance Matters"
    assert answer.phase == "primary" and len(answer.suggestions) >= 5
    assert {s.tier for s in answer.suggestions} == {"universal"}
    assert all("Attendance Matters ›" in s.citation for s in answer.suggestions)
    link = audit_link(answer, load_chat_templates(PROMPTS))
    assert "audit?document=northumberland-belonging" in link and "area=Attendance%20Matters" in link
    assert "phase=primary" in link
    from provision_assistant.retrieval.templates import load_templates
    from provision_assistant.ui.chat_render import support_plan

    plan = support_plan(answer, load_chat_templates(PROMPTS), load_templates(PROMPTS), "2 December 2026")
    assert "Universal) offer of **Attendance Matters**" in plan and answer.suggestions[0].citation in plan
