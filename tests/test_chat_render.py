"""The chat's rendering and conversation context: pure functions, no model."""

from __future__ import annotations

import pytest

from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.answer_model import Answer
from provision_assistant.retrieval.templates import load_templates
from provision_assistant.ui.chat_render import (
    ChatTemplates,
    answer_sections,
    answered_question,
    load_chat_templates,
    pin_text,
    support_plan,
    user_questions,
)
from tests.answers import answer as typed_answer
from tests.answers import safeguarding, source, suggestion

pytestmark = pytest.mark.unit
CHAT = load_chat_templates(PACKAGE_ROOT / "prompts")
ANSWER = load_templates(PACKAGE_ROOT / "prompts")


def answer(**over) -> Answer:
    given = {
        "suggestions": [
            suggestion("targeted", "[Designated quiet area](#) at lunch."),
            suggestion("universal", "Whole-school calm spaces."),
        ],
        "sources": [source("s1", "UNIVERSAL\nWhole-school calm spaces.\n<script>alert(1)</script>")],
    }
    return typed_answer(**{**given, **over})


def test_sections_come_tier_by_tier_with_each_citation_opening_to_its_passage():
    sections = list(answer_sections(answer(), CHAT, ANSWER))
    assert sections[0].startswith(ANSWER.tier_headings["universal"])
    assert sections[1].startswith(ANSWER.tier_headings["targeted"])
    assert sections[-1] == CHAT.footer
    text = "".join(sections)
    assert "<details><summary>Source: Framework — A › B</summary><blockquote>UNIVERSAL<br>" in text
    assert "<script>" not in text and "&lt;script&gt;" in text  # a document never injects markup
    # the document's words, numbered on; its link lost its address when flattened, so: words and a note
    assert (
        "2. *Designated quiet area* at lunch. *(words in italics are links in the source document)*" in text
    )


def test_not_covered_shows_the_same_message_as_the_api():
    assert list(answer_sections(answer(status="not_covered"), CHAT, ANSWER)) == [ANSWER.not_covered]


def test_user_questions_read_gradio_messages():
    history = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": [{"type": "text", "text": "second"}]},
    ]
    assert user_questions(history) == ["first", "second"]


def test_a_rating_names_the_question_the_answer_was_given_to():
    """Issue 13: rating the answer to "and at home?" stored "and at home?" alone."""
    history = [
        {"role": "user", "content": "Y8 anxious about lunch"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": "and at home?"},
    ]
    assert answered_question(history) == "Y8 anxious at home"
    assert answered_question(history[:1]) == "Y8 anxious about lunch"
    assert answered_question([]) == ""


def test_chat_templates_reject_unknown_placeholders():
    data = CHAT.model_dump()
    data["suggestion"] = "{n}. {text} {pupil}"
    with pytest.raises(ValueError, match="pupil"):
        ChatTemplates.model_validate(data)


def test_a_support_plan_lists_every_suggestion_with_its_citation_tier_by_tier():
    plan = support_plan(answer(question="Y8 anxious about lunch"), CHAT, ANSWER, "25 November 2026")
    assert plan.startswith("# Support plan ideas")
    assert "**Situation:** Y8 anxious about lunch" in plan and "25 November 2026" in plan
    assert plan.index(ANSWER.tier_headings["universal"]) < plan.index(ANSWER.tier_headings["targeted"])
    assert (
        "2. *Designated quiet area* at lunch. *(words in italics are links in the source document)*  \n"
        in plan
    )
    assert plan.rstrip().endswith(CHAT.plan_footer.rstrip())


def test_a_provisions_own_list_stays_inside_its_numbered_item():
    many = [suggestion("targeted", f"Idea {i}:\n- a link", "F — A › B") for i in range(1, 13)]
    text = "".join(answer_sections(answer(suggestions=many), CHAT, ANSWER))
    assert "9. Idea 9:\n   - a link" in text and "12. Idea 12:\n    - a link" in text


def safeguarding_answer(**over) -> Answer:
    sg = {
        "route": "**Immediate danger: call 999 now**\n\n**Safeguarding first.** Tell your DSL.",
        "why": "*Why this route:* your message says “hits her”.",
        "immediate": True,
        "certain": True,
        "contacts_heading": "### Safeguarding contacts and services in the documents",
        "contacts": [suggestion("specialist", "Urgent line 0191 2933012", "F — C › D")],
        "left_out": 2,
        "left_out_note": "*Left out: 2 suggestion(s) that would involve or alert the family.*",
        **over,
    }
    return answer(status="safeguarding", safeguarding=safeguarding(**sg))


def test_a_safeguarding_answer_shows_route_why_contacts_and_what_was_left_out_before_any_tier():
    sections = list(answer_sections(safeguarding_answer(), CHAT, ANSWER))
    text = "".join(sections)
    assert sections[0].startswith("**Immediate danger: call 999 now**")
    parts = ["Safeguarding first", "Why this route", "Safeguarding contacts", "0191 2933012", "Left out: 2"]
    parts.append(ANSWER.tier_headings["universal"])
    assert [text.index(p) for p in parts] == sorted(text.index(p) for p in parts)
    assert "<details><summary>Source: F — C › D</summary>" in text  # a contact opens to its passage too
    plan = support_plan(safeguarding_answer(), CHAT, ANSWER, "1 December 2026")
    assert plan.index("Safeguarding first") < plan.index("0191 2933012") < plan.index("Left out: 2")


@pytest.mark.parametrize(
    ("status", "immediate", "certain", "pin"),
    [
        ("safeguarding", True, True, CHAT.pin.immediate),
        ("safeguarding", False, True, CHAT.pin.certain),
        ("safeguarding", False, False, CHAT.pin.possible),
        ("answered", False, False, None),
    ],
)
def test_the_pinned_route_matches_the_concern(status, immediate, certain, pin):
    given = (
        safeguarding_answer(immediate=immediate, certain=certain) if status == "safeguarding" else answer()
    )
    assert pin_text(given, CHAT) == pin


def test_a_cited_passage_links_its_document_when_the_manifest_gives_an_address():
    with_url = answer(sources=[source("s1", "UNIVERSAL\nCalm.", "https://example.org/f.pdf?a=1&b=2")])
    text = "".join(answer_sections(with_url, CHAT, ANSWER))
    assert '<a href="https://example.org/f.pdf?a=1&amp;b=2" target="_blank" rel="noopener">' in text
    assert CHAT.open_source not in "".join(answer_sections(answer(), CHAT, ANSWER))


def test_a_follow_ups_answer_names_the_question_it_continues_after_any_route():
    followed = answer(follows="Y8 <b>anxious</b> about lunch")
    sections = list(answer_sections(followed, CHAT, ANSWER))
    assert (
        sections[0] == ANSWER.follow_up.format(question="Y8 &lt;b&gt;anxious&lt;/b&gt; about lunch") + "\n\n"
    )


def test_a_lookups_answer_leads_with_the_tier_that_holds_it():
    sections = list(answer_sections(answer(lead="targeted"), CHAT, ANSWER))
    assert sections[0].startswith(ANSWER.tier_headings["targeted"])


def test_the_chat_and_the_plan_say_when_list_items_for_other_pupils_were_left_out():
    narrowed = suggestion("targeted", "Referral to a 4-week course:\n- Relax kids (5-10)").model_copy(
        update={"left_out": 1}
    )
    given = answer(suggestions=[narrowed])
    note = ANSWER.left_out.format(n=1)
    assert "- Relax kids (5-10)" + note in "".join(answer_sections(given, CHAT, ANSWER))
    assert note in support_plan(given, CHAT, ANSWER, "2 December 2026")


def test_a_summary_or_the_models_note_stands_above_the_tiers_in_the_chat_and_the_plan():
    from provision_assistant.retrieval.answer_model import Summary

    summarised = answer(summary=Summary(text="Start with a quiet area <b>[1]</b>.", removed=1, model="m"))
    text = "".join(answer_sections(summarised, CHAT, ANSWER))
    block = ANSWER.summary_block.format(text="Start with a quiet area &lt;b&gt;[1]&lt;/b&gt;.")
    assert text.index(block) < text.index(ANSWER.tier_headings["universal"])
    assert "quiet area <b>[1]</b>" in support_plan(summarised, CHAT, ANSWER, "2 December 2026")
    noted = "".join(answer_sections(answer(model_note="*The model did not answer.*"), CHAT, ANSWER))
    assert noted.index("*The model did not answer.*") < noted.index(ANSWER.tier_headings["universal"])


@pytest.mark.parametrize("follows", [None, "Year 8 pupil anxious about the canteen"])
def test_a_streamed_summary_comes_sentence_by_sentence_and_adds_up_to_the_final_markdown(follows):
    from provision_assistant.retrieval.answer_model import Summary
    from provision_assistant.retrieval.model_prompts import with_summary
    from provision_assistant.ui.answer_stream import markdown_pieces

    draft = answer(answer="**Heading**\n\nHow to read the tiers.\n\n### Universal\n\n1. Calm spaces.")
    text = "Start with a calm space [1]. Then talk to the family [1]."
    final = draft.model_copy(
        update={
            "summary": Summary(text=text, removed=1, model="m"),
            "answer": with_summary(draft.answer, ANSWER.summary_block.format(text=text)),
        }
    )
    items = list(
        markdown_pieces(
            [draft, "Start with a calm space [1].", "Then talk to the family [1].", final], ANSWER, follows
        )
    )
    pieces = [i for i in items if isinstance(i, str)]
    assert items[-1].summary == final.summary and items[-1].follows == follows
    assert "".join(pieces) == items[-1].answer + "\n\n"
    first = pieces.index("Start with a calm space [1].")
    assert pieces[first - 2] == "**Heading**\n\n" and pieces[first - 1].startswith("**In short**")
    assert pieces[first + 1] == " Then talk to the family [1]."
    # Without a model: the sections as before, whole.
    plain = [i for i in markdown_pieces([draft], ANSWER) if isinstance(i, str)]
    assert plain == [s + "\n\n" for s in draft.answer.split("\n\n")]
