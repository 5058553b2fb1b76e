"""Selection, composition, templates, phase and tier reading: pure logic, no model."""

from __future__ import annotations

import pytest

from ingest.model import Tier
from ingest.settings import PROJECT_ROOT
from ingest.tiers import assign_row
from retrieval.compose import compose, trim
from retrieval.phase import fits_phase, question_phase
from retrieval.select import Candidate, SelectionPolicy, select
from retrieval.templates import AnswerTemplates, load_templates

pytestmark = pytest.mark.unit
TEMPLATES = load_templates(PROJECT_ROOT / "prompts")
POLICY = SelectionPolicy(min_relevance=0.3, relative_relevance=0.5, max_per_tier=2)


def cand(cid, text, score, tier="targeted", kind="provision", phase="", page=None):
    meta = {"tier": tier, "kind": kind, "phase": phase, "title": "Doc", "section": "Area › Theme"}
    if page is not None:
        meta["page"] = page
    return Candidate(cid, text, score, meta)


def test_nothing_relevant_means_not_covered():
    answer = compose(select("q", [cand("a", "x", 0.1)], POLICY), TEMPLATES)
    assert (answer["status"], answer["suggestions"], answer["answer"]) == (
        "not_covered",
        [],
        TEMPLATES.not_covered,
    )


def test_suggestions_group_by_tier_in_order_and_cap_per_tier():
    cands = [
        cand("s1", "Specialist one.", 0.9, "specialist"),
        cand("t1", "Targeted one.", 0.8),
        cand("t2", "Targeted two.", 0.7),
        cand("t3", "Targeted three.", 0.6),
        cand("u1", "Universal one.", 0.5, "universal"),
    ]
    answer = compose(select("q", cands, POLICY), TEMPLATES)
    assert [s["source_ids"] for s in answer["suggestions"]] == [["u1"], ["t1"], ["t2"], ["s1"]]
    assert answer["answer"].index("### Universal") < answer["answer"].index("### Targeted")


def test_repeated_provision_is_shown_once_citing_both_places():
    cands = [cand("a", "Team around the child.", 0.8), cand("b", "Team around the child", 0.7)]
    answer = compose(select("q", cands, POLICY), TEMPLATES)
    assert [s["source_ids"] for s in answer["suggestions"]] == [["a", "b"]]


def test_a_merged_suggestion_stands_word_for_word_in_every_passage_it_cites():
    cands = [cand("a", "[SEND local offer](#),", 0.8), cand("b", "[SEND local offer](#).", 0.7)]
    (suggestion,) = compose(select("q", cands, POLICY), TEMPLATES)["suggestions"]
    assert suggestion["text"] == "[SEND local offer](#)"
    assert all(suggestion["text"] in c.text for c in cands)


def test_different_words_are_never_merged():
    cands = [cand("a", "Pupil voice (surveys).", 0.8), cand("b", "Pupil voice: surveys.", 0.7)]
    answer = compose(select("q", cands, POLICY), TEMPLATES)
    assert [s["source_ids"] for s in answer["suggestions"]] == [["a"], ["b"]]


def test_background_prose_does_not_push_out_provisions():
    cands = [cand("p", "Some prose.", 0.70, "none", "passage"), cand("t", "Targeted.", 0.80)]
    answer = compose(select("q", cands, POLICY), TEMPLATES)
    assert [s["tier"] for s in answer["suggestions"]] == ["targeted"]
    lookup = compose(select("q", [cand("p", "Some prose.", 0.7, "none", "passage")], POLICY), TEMPLATES)
    assert [s["tier"] for s in lookup["suggestions"]] == ["none"]


def test_phase_filter_drops_units_marked_for_another_phase_only():
    cands = [
        cand("ey", "Stay and play for early years.", 0.9, phase="early years"),
        cand("both", "Primary and secondary assemblies.", 0.8, phase="primary, secondary"),
        cand("any", "Named member of staff.", 0.7),
    ]
    ids = [
        s["source_ids"][0] for s in compose(select("q", cands, POLICY, "secondary"), TEMPLATES)["suggestions"]
    ]
    assert ids == ["both", "any"]


def test_citation_carries_the_page_when_there_is_one():
    answer = compose(select("q", [cand("a", "From a PDF.", 0.9, page=7)], POLICY), TEMPLATES)
    assert "*Source: Doc — Area › Theme, p. 7*" in answer["answer"]


def test_trim_cuts_at_a_sentence_and_never_rewrites():
    text = "First sentence is here. " * 40
    short = trim(text, 100)
    assert text.startswith(short) and short.endswith(".") and len(short) <= 100
    assert trim("Short.", 100) == "Short."


def test_templates_reject_unknown_placeholders():
    data = TEMPLATES.model_dump()
    data["suggestion"] = "{n}. {text} {pupil_name}"
    with pytest.raises(ValueError, match="pupil_name"):
        AnswerTemplates.model_validate(data)


@pytest.mark.parametrize(
    ("question", "phase"),
    [
        ("Year 8 pupil anxious about the canteen", "secondary"),
        ("y3 boy hiding under tables", "primary"),
        ("KS3 girl refusing school", "secondary"),
        ("KS1 pupil", "primary"),
        ("4yo in reception won't settle", "early years"),
        ("nursery child bitten", "early years"),
        ("new pupil struggling with friendships", None),
        ("Primary Mental Health Team number?", None),
    ],
)
def test_question_phase(question, phase):
    assert question_phase(question) == phase


def test_fits_phase():
    assert fits_phase("", "secondary") and fits_phase("early years", None)
    assert not fits_phase("early years", "secondary") and fits_phase("primary, secondary", "secondary")


def test_a_flattened_row_reads_universal_to_specialist():
    row = [
        "All staff are aware of child exploitation.",
        "Targeted parental support via Cygnus.",
        "Referral for 1:1 support from SORTED.",
    ]
    assert assign_row(row) == [Tier.UNIVERSAL, Tier.TARGETED, Tier.SPECIALIST]


def test_a_row_never_goes_back_down_a_tier():
    tiers = assign_row(["Bespoke 1:1 referral.", "All staff whole school policy."])
    assert tiers == sorted(tiers, key=[Tier.UNIVERSAL, Tier.TARGETED, Tier.SPECIALIST].index)


def test_an_empty_label_forces_its_tier_into_the_row():
    row = ["Whole school wellbeing policy.", "Internal intervention support for identified pupils."]
    assert assign_row(row)[-1] is Tier.TARGETED
    assert assign_row(row, required={Tier.SPECIALIST})[-1] is Tier.SPECIALIST
