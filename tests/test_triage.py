"""The safeguarding decision and rules on hand-made probabilities: pure logic, no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.safeguarding import ClassifierSettings, Evidence, load_rules
from provision_assistant.retrieval.triage import Decision, Judgement, Triage, decide

pytestmark = pytest.mark.unit
RULES = load_rules(PACKAGE_ROOT / "prompts")
SETTINGS = ClassifierSettings(route=0.9, veto=0.1, certain=0.5, sure=0.97)
FOUND = ("physical abuse", Evidence("hits her", "physical abuse"))
DANGER = [Evidence("tonight", "harm expected before the child is next safe")]
WORDS = [Evidence("now", "now")]
# Ordinary worries issue 11 saw routed (one with 999): they share words with harm.
ISSUE_ORDINARY = [
    "Y8 boy keeps getting detentions for not having the right kit, family can't afford it",
    "Y9 girl hasn't been in for 3 weeks, gets panicky every morning and mum says she physically "
    "can't get out the car",
    "Y7 lad says he has to work with his uncle at the weekends so can't do homework",
    "dad says his son won't leave his bedroom and games all night",
]
BELT = "y5 just told me her stepdad hits her with a belt and she's scared to go home tonight"


def judged(disclosure: float, immediate: float = 0.0) -> Judgement:
    return Judgement(disclosure, immediate)


@pytest.mark.parametrize(
    ("found", "judgement", "signs", "words", "expected"),
    [
        (FOUND, judged(0.8), [], [], Decision(True, True)),
        (FOUND, judged(0.8, 0.3), DANGER, [], Decision(True, True, tuple(DANGER))),
        # The two judgements disagree: the gentler lead, and never 999.
        (FOUND, judged(0.3, 0.9), DANGER, WORDS, Decision(True, False)),
        # The classifier is sure it is an ordinary worry: a pattern alone does not route it.
        (FOUND, judged(0.05), DANGER, [], None),
        # A named sign the classifier is sure is not danger now (a past event) does not lead with 999.
        (FOUND, judged(0.8, 0.01), DANGER, [], Decision(True, True)),
        (None, judged(0.95), [], [], Decision(False, False)),
        # A resemblance to the examples alone never leads with 999 ...
        (None, judged(0.95, 0.9), DANGER, WORDS, Decision(False, False)),
        # ... unless the classifier is sure and the message's own words say danger is now.
        (None, judged(0.98, 0.9), [], WORDS, Decision(False, False, tuple(WORDS))),
        (None, judged(0.98, 0.9), [], [], Decision(False, False)),
        (None, judged(0.98, 0.2), [], WORDS, Decision(False, False)),
        (None, judged(0.85, 0.9), DANGER, WORDS, None),
    ],
)
def test_the_decision(found, judgement, signs, words, expected):
    assert decide(found, judgement, signs, words, SETTINGS) == expected


def test_an_emergency_is_certain_however_unsure_the_classifier_is_unless_sure_it_is_ordinary():
    found = ("medical emergency", Evidence("collapsed", "medical emergency"))
    decision = decide(found, judged(0.2), DANGER, [], SETTINGS, trusted=True)
    assert decision == Decision(True, True, tuple(DANGER)) and decision.immediate
    assert decide(found, judged(0.01), DANGER, [], SETTINGS, trusted=True) is None


def triage(disclosure: float, nearest: str = "neglect", words=("hungry",), immediate: float = 0.5) -> Triage:
    """The rules with a stand-in classifier that judges every message the same."""
    return Triage(
        RULES, lambda text: judged(disclosure, immediate), lambda vector: nearest, lambda t: list(words)
    )


def test_a_disclosure_names_the_words_that_routed_it_and_those_that_led_to_999():
    concern = triage(0.9)(BELT, [0.0])
    assert (concern.category, concern.certain, concern.immediate) == ("physical abuse", True, True)
    assert "belt" in concern.evidence[0].words
    assert {e.what for e in concern.danger} == {
        "harm expected before the child is next safe",
        "not safe to go home",
    }
    assert concern.about_home
    assert concern.to_json()["danger"][0]["words"] in BELT


def test_the_classifier_alone_gives_the_gentler_lead_with_its_words_and_the_nearest_category():
    concern = triage(0.95, nearest="neglect", words=["smells", "hungry"])(
        "Y3 boy smells and comes in hungry", [0]
    )
    assert (concern.category, concern.certain, concern.immediate) == ("neglect", False, False)
    assert [e.words for e in concern.evidence] == ["smells", "hungry"]


def test_the_danger_words_name_their_kind():
    words = RULES.danger_words_in("y1 choking on a grape at lunch right now")
    assert {(e.words, e.what) for e in words} >= {
        ("choking", "an injury or illness"),
        ("right now", "happening now"),
    }
    assert RULES.danger_words_in("y8 anxious about the canteen") == []


def test_a_message_neither_judgement_finds_is_not_routed():
    assert triage(0.5)("Year 8 pupil anxious about the canteen", [0.0]) is None


@pytest.mark.parametrize("message", [*ISSUE_ORDINARY, "y9 says this test is killing her"])
def test_ordinary_worries_that_share_words_with_harm_name_no_harm(message):
    assert RULES.find(message) is None
    assert RULES.danger_now_in(message, None) == []


def test_when_a_child_told_is_not_danger_now():
    assert (
        RULES.danger_now_in("she told me this morning that dad hit her last summer", "physical abuse") == []
    )


def test_a_suicide_signal_and_a_child_not_arriving_is_danger_now_together_only():
    message = "y9 keeps saying she wants to die, and she's not in school today, phone off"
    signs = {e.what for e in RULES.danger_now_in(message, "suicidal talk")}
    assert "a child at risk who has not arrived" in signs
    assert RULES.danger_now_in(message, "neglect") == []


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("reception child not in the classroom after PE, last seen by the hall 15 mins ago", "missing child"),
        ("y3 boy collapsed in the playground and isn't responding", "medical emergency"),
    ],
)
def test_a_sign_of_danger_now_names_its_kind_of_harm(message, category):
    found = RULES.find(message)
    assert found is not None and found[0] == category
    assert RULES.danger_now_in(message, category)


@pytest.mark.parametrize(
    "message",
    [
        "pupil with epilepsy had a 1 min seizure in art, handled per her IHCP",
        "y3 epilepsy, short absence seizure, plan followed, mum informed",
        "y9 lad always late to period 1, says he can't wake up",
    ],
)
def test_an_emergency_managed_by_its_plan_or_a_figure_of_speech_is_not_one(message):
    assert RULES.find(message) is None


def test_whose_harm_it_is_decides_whether_the_family_may_be_involved():
    assert RULES.about_home("his football coach touched him after training", "sexual abuse") is False
    assert RULES.about_home("mum's boyfriend touches her at night", "sexual abuse") is True
    assert RULES.about_home("his football coach touched him after training", "domestic abuse") is True
    assert RULES.involves_family("Named contact/liaison for parent.")
    assert RULES.involves_family("Consider providing Home-school link book to encourage communication.")
    # A statutory service is the DSL's referral route, not a call home.
    assert not RULES.involves_family(
        "Education Welfare - Provide access to Early Help, Social Care to work with families"
    )


def test_a_contact_is_a_service_in_a_provision_or_a_way_to_reach_someone_in_prose():
    assert RULES.names_contact("Bullying UK helpline 0808 800 2222.", provision=False)
    assert RULES.names_contact("[Resources for 1-1 work around child exploitation](#).", provision=False)
    assert RULES.names_contact("Referral for individual support for specific need.")
    assert not RULES.names_contact(
        "Nurture provision with support from mental health services.", provision=False
    )


def test_thresholds_out_of_order_are_refused():
    with pytest.raises(ValueError, match="veto <= certain"):
        ClassifierSettings(veto=0.6, certain=0.5)


@pytest.mark.parametrize("key", ["not_risk", "topics"])
def test_a_bad_pattern_names_the_file(tmp_path, key):
    text = (PACKAGE_ROOT / "prompts" / "safeguarding.yaml").read_text(encoding="utf-8")
    bad = text.replace(f"\n{key}:\n", f"\n{key}:\n  - '(unclosed'\n", 1)
    assert bad != text
    (tmp_path / "safeguarding.yaml").write_text(bad, "utf-8")
    with pytest.raises(ProvisionsError, match=rf"(?s)safeguarding\.yaml: {key}.*unclosed"):
        load_rules(Path(tmp_path))


def test_a_sign_naming_an_unknown_category_is_refused(tmp_path):
    text = (PACKAGE_ROOT / "prompts" / "safeguarding.yaml").read_text(encoding="utf-8")
    text = text.replace("      category: missing child\n", "      category: lost property\n", 1)
    (tmp_path / "safeguarding.yaml").write_text(text, "utf-8")
    with pytest.raises(ProvisionsError, match="lost property"):
        load_rules(Path(tmp_path))


@pytest.mark.parametrize(
    ("message", "over"),
    [
        ("y8 went missing over the weekend, came back sunday night, won't say where", True),
        ("y9 girl didnt come back after lunch, phone off", False),
        ("y6 says dad will hurt mum when he's back from the pub tonight", False),
        ("did it on friday and dad said walk it off, he can't put weight on it", False),
        ("looks after her little brother every night till mum gets in", True),
    ],
)
def test_harm_told_of_as_over_is_no_danger_now_unless_the_message_says_it_still_is(message, over):
    assert RULES.over_in(message) is over


def test_an_event_that_is_over_does_not_lead_with_999():
    message = "y8 went missing from home for 2 nights, came back this morning with a new phone and cash"
    concern = triage(0.99, immediate=0.9)(message, [0.0])
    assert concern is not None and not concern.immediate and concern.danger == ()
