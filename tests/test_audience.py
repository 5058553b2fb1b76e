"""Who a provision is for against the pupil a question describes: pure logic, no model."""

from __future__ import annotations

import pytest
import yaml

from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.audience import fits_pupil, narrowed, question_ages, stated_ages
from provision_assistant.retrieval.keyword import tokens
from provision_assistant.retrieval.phase import question_phase
from provision_assistant.retrieval.select import holds_every_word
from tests.test_select import answer, hits, unit

pytestmark = pytest.mark.unit

COURSES = (
    "Referral to a 4-week course to develop relationship skills:\n- Charge up (11-16)\n- Relax kids (5-10)"
)
SCREENING = "Screening to identify if additional support required:\n- [Literacy Tool](#)\n- [Maths Tool](#)"
SESSIONS = "Class sessions on friendships.\n- [Primary session](#)\n- [Secondary session](#)"


@pytest.mark.parametrize(
    ("question", "ages"),
    [
        ("Y5 boy keeps falling out with friends", (9, 9)),
        ("year 10 girl self harming", (14, 14)),
        ("y5/6 boys fighting at lunch", (9, 10)),
        ("KS3 group with low attendance", (11, 13)),
        ("preschool room - 3yo mouthing everything", (3, 3)),
        ("2.5 yr old on our waiting list", (2, 2)),
        ("nursery child arrives late every day", (2, 3)),
        ("reception child not toilet trained", (4, 4)),
        ("secondary school refusers", (11, 18)),
        ("pupil anxious about the canteen", None),
        ("we had 3 years of falling numbers", None),
    ],
)
def test_question_ages(question, ages):
    assert question_ages(question) == ages


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        (COURSES, (5, 16)),
        ("EYSTAR [Information and Guidance](#) for reception age and above.", (4, 25)),
        ("EYSTAR funding for pre-reception age.", (0, 3)),
        # Said of a later sentence (the guidance link), not of the funding the provision is.
        ("EYSTAR funding on a short-term basis. [Guidance](#) for pre-reception age.", None),
        ("Signposting to PEEP sessions (for children 5 and under).", (0, 5)),
        ("Resources, e.g.\n- [Tips - for 11-18 year olds](#)", (11, 18)),
        # One item's ages among others say nothing of the whole provision.
        ("Resources, e.g.\n- [Tips - for 11-18 year olds](#)\n- [Top tips](#)", None),
        ("Meetings held within 10 days (1-2 per term).", None),
    ],
)
def test_stated_ages(text, ages):
    assert stated_ages(text) == ages


def test_a_provision_for_other_ages_or_children_not_in_a_setting_does_not_fit():
    eystar = "EYSTAR [Information and Guidance](#) for reception age and above."
    assert not fits_pupil(eystar, "preschool room - 3yo needs an extra adult", "early years")
    assert fits_pupil(eystar, "reception child needs an adult most of the day", "early years")
    assert fits_pupil(eystar, "child needs an adult most of the day", None)  # no age: anyone
    assert fits_pupil(eystar, "what is EYSTAR and is it only for nursery age?", "early years")
    portage = "Portage service for young children with SEND who are not attending a nursery or preschool."
    assert not fits_pupil(portage, "nursery mum with a new baby, little one arrives late", "early years")
    assert fits_pupil(portage, "2yo with global delay isn't in any setting yet", "early years")
    assert fits_pupil(portage, "toddler hasn't been to any nursery, mum is isolated", None)
    assert fits_pupil(portage, "nursery manager asking which children portage is for", "early years")


def test_list_items_for_another_age_phase_or_subject_are_left_out_whole():
    assert narrowed(COURSES, "Y5 boy has meltdowns after falling out, any courses?", "primary") == (
        "Referral to a 4-week course to develop relationship skills:\n- Relax kids (5-10)",
        1,
    )
    assert narrowed(SCREENING, "Y4 might be dyslexic, reading well behind", "primary")[0].endswith(
        "Literacy Tool](#)"
    )
    assert narrowed(SESSIONS, "y9 friendship fallouts", "secondary") == (
        "Class sessions on friendships.\n- [Secondary session](#)",
        1,
    )
    # Nothing said, both named, or every item for others: the whole list stays.
    for question, phase in [
        ("friendship fallouts", None),
        ("behind in reading and maths", None),
        ("nursery friendships", "early years"),
    ]:
        assert narrowed(SCREENING if "maths" in question else SESSIONS, question, phase)[1] == 0


def test_the_answer_shows_the_fitting_items_and_says_how_many_were_left_out():
    courses = unit("c", COURSES)
    older = unit("o", "Mentoring course for 11-18 year olds.", theme="Other")
    result = answer([courses, older], hits((courses, 0.9), (older, 0.89)), phase="primary")
    (suggestion,) = result["suggestions"]
    assert "Charge up" not in suggestion["text"] and suggestion["left_out"] == 1
    assert "and 1 more in the source document, for another age, phase or subject" in result["answer"]


def test_no_example_loses_a_provision_its_writer_marked_on_point():
    """Over every relevance example (development data), the rules leave out only what the question
    does not name: the writers' on-point provisions all still fit their questions."""
    examples = yaml.safe_load((PACKAGE_ROOT / "prompts" / "relevance_examples.yaml").read_text("utf-8"))
    texts, lost, left_out = examples["texts"], [], 0
    for item in examples["questions"]:
        q = item["q"]
        for key in item.get("on_point", []):
            t = texts[key]
            named = holds_every_word(set(tokens(q)), t["text"], t)
            if t["kind"] == "provision" and not named and not fits_pupil(t["text"], q, question_phase(q)):
                lost.append((q, key))
        related = [texts[k] for k in item.get("related", [])]
        left_out += sum(
            t["kind"] == "provision" and not fits_pupil(t["text"], q, question_phase(q)) for t in related
        )
    assert lost == []
    assert left_out > 100  # the same-words provisions for other pupils they listed as no answer
