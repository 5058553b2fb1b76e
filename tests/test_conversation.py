"""How a conversation is read (issue 13: a follow-up returned the earlier answer again). Pure."""

from __future__ import annotations

import pytest

from provision_assistant.retrieval.conversation import Asked, read_conversation
from tests.answers import answer, safeguarding

pytestmark = pytest.mark.unit
CANTEEN = "Year 8 pupil anxious about the canteen"


@pytest.mark.parametrize(
    ("questions", "asked"),
    [
        ([CANTEEN, "and what about at home?"], Asked("Year 8 pupil anxious at home", CANTEEN)),
        ([CANTEEN, "at home?"], Asked("Year 8 pupil anxious at home", CANTEEN)),
        (["Y5 lonely at break", "and in class?"], Asked("Y5 lonely in class", "Y5 lonely at break")),
        (
            ["Y5 lonely at break", "and in class?", "what about KS3?"],
            Asked("lonely in class KS3", "Y5 lonely in class"),  # the new phase replaces the old
        ),
        (
            ["Y8 girl refusing to do PE", "and her brother in Y4?"],
            Asked("girl refusing to do PE her brother in Y4", "Y8 girl refusing to do PE"),
        ),
        (
            ["reception child won't separate from mum", "and in Y2?"],
            Asked("child won't separate from mum in Y2", "reception child won't separate from mum"),
        ),
        (["Y8 anxious in PE", "and in KS4?"], Asked("Y8 anxious in KS4", "Y8 anxious in PE")),
        (
            [CANTEEN, "reception child won't separate from mum"],
            Asked("reception child won't separate from mum"),
        ),
        (["and at home?"], Asked("and at home?")),
        ([], Asked("")),
    ],
)
def test_a_follow_up_is_the_question_it_continues_with_the_new_aspect(questions, asked):
    got = read_conversation(questions)
    assert (got.question, got.follows) == (asked.question, asked.follows)


def test_the_thread_keeps_every_word_typed_since_the_question_that_stood_alone():
    """A rewrite may drop words that matter ("a black eye"): the triage reads the thread too."""
    injured = "Y3 boy came in with a black eye"
    asked = read_conversation([CANTEEN, injured, "at lunch?", "and in PE?"])
    assert asked.question == "Y3 boy came in PE"  # the black eye is gone from the rewrite
    assert asked.thread == (injured, "at lunch?")
    assert read_conversation([CANTEEN, injured]).thread == ()


def test_the_note_naming_the_earlier_question_never_goes_before_a_safeguarding_route():
    from provision_assistant.ui.answer_stream import following

    template = "*Read as a follow-up to: {question}*"
    plain = answer(answer="**Suggestions for:** x\n\n### Universal\n\n1. A line.")
    noted = following(plain, CANTEEN, template)
    assert noted.answer.startswith(template.format(question=CANTEEN)) and noted.follows == CANTEEN
    route = safeguarding(route="**Safeguarding first:** tell your DSL today.", why="*Why:* words.")
    urgent = answer(status="safeguarding", safeguarding=route, answer=route.route + "\n\n" + route.why)
    sections = following(urgent, CANTEEN, template).answer.split("\n\n")
    assert sections[0] == route.route and sections[2] == template.format(question=CANTEEN)
    assert following(plain, None, template) is plain
