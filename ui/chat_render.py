"""How the chat shows an answer: pure functions over the typed answer and templates from `prompts/`.

Each suggestion's citation opens to the whole passage it is quoted from. Passage
text is the documents' own words and is escaped, so a document can never inject
markup into the page.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ConfigDict, Field, model_validator

from provision_assistant.ingest.datafile import load_yaml_model
from provision_assistant.ingest.units import MARKDOWN_LINK
from provision_assistant.retrieval.answer_model import Answer, Safeguarding, Source, Suggestion
from provision_assistant.retrieval.candidate import shown_order
from provision_assistant.retrieval.conversation import read_conversation
from provision_assistant.retrieval.links import shown_words
from provision_assistant.retrieval.templates import AnswerTemplates, check_placeholders

_ALLOWED = {
    "title": set(),
    "intro": set(),
    "privacy": set(),
    "model_in_use": {"model"},
    "suggestion": {"n", "text", "citation", "passage"},
    "source_label": {"citation"},
    "open_source": set(),
    "contact": {"text", "citation", "passage"},
    "footer": set(),
    "plan_heading": {"question", "date"},
    "plan_item": {"n", "text", "citation"},
    "plan_footer": set(),
    "audit_link": {"area", "link"},
}


class Pin(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    immediate: str
    certain: str
    possible: str


class ChatTemplates(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str
    intro: str
    privacy: str
    suggestion: str
    source_label: str
    open_source: str
    contact: str
    pin: Pin
    pin_dismiss: str
    footer: str
    model_in_use: str
    examples: tuple[str, ...] = Field(min_length=1)
    plan_heading: str
    plan_item: str
    plan_footer: str
    audit_link: str

    @model_validator(mode="after")
    def _placeholders(self) -> ChatTemplates:
        check_placeholders(self, _ALLOWED)
        return self


def load_chat_templates(prompts_dir: Path) -> ChatTemplates:
    return load_yaml_model(Path(prompts_dir) / "chat.yaml", ChatTemplates, what="the chat templates")


def _passage_html(passage: str) -> str:
    # One HTML block with no blank line, so the Markdown renderer keeps it inside <details>.
    lines = [html.escape(MARKDOWN_LINK.sub(r"\1", line)) for line in passage.splitlines() if line.strip()]
    return "<br>".join(lines)


def _in_item(text: str, n: int) -> str:
    """The document's words escaped, its own list kept inside item n ("12. " needs four spaces)."""
    return html.escape(text, quote=False).replace("\n", "\n" + " " * (len(str(n)) + 2))


def answer_sections(answer: Answer, chat: ChatTemplates, templates: AnswerTemplates) -> Iterator[str]:
    """The answer as Markdown, a section at a time (for streaming): tiers in order, then the footer.

    A safeguarding answer leads with the route and why, then the documents' contacts, before
    any provision.
    """
    sources = {s.id: s for s in answer.sources}
    note = templates.follow_up.format(question=html.escape(answer.follows)) if answer.follows else ""
    if answer.shows_route():
        route, *rest = _safeguarding_sections(answer.safeguarding, sources, chat)
        yield route
        if note:
            yield note + "\n\n"
        yield from rest
        if not answer.suggestions:
            yield chat.footer
            return
    elif note:
        yield note + "\n\n"
    if answer.summary is not None:
        yield templates.summary_block.format(text=html.escape(answer.summary.text, quote=False)) + "\n\n"
    elif answer.model_note:
        yield answer.model_note + "\n\n"
    if answer.status not in ("answered", "safeguarding"):
        yield templates.not_covered
        return
    offer = answer.audit_offer
    if offer is not None:
        yield templates.area_checklist.format(area=offer.area, title=offer.title) + "\n\n"
    n = 0
    for tier in shown_order(answer.lead):
        items = []
        for suggestion in (s for s in answer.suggestions if s.tier == tier):
            n += 1
            shown = shown_words(suggestion.text, templates, suggestion.left_out)
            items.append(_item(chat.suggestion, suggestion, sources, chat, n=n, text=_in_item(shown, n)))
        if items:
            yield templates.tier_headings[tier] + "\n\n" + "\n\n".join(items) + "\n\n"
    if offer is not None:
        yield audit_link(answer, chat) + "\n\n"
    yield chat.footer


def audit_link(answer: Answer, chat: ChatTemplates) -> str:
    """The offer to audit the school against the area listed: a link to the audit page, set up
    for this framework, phase and area."""
    offer = answer.audit_offer
    query = {
        "document": offer.document,
        "area": offer.area,
        **({"phase": answer.phase} if answer.phase else {}),
    }
    return chat.audit_link.format(area=offer.area, link="audit?" + urlencode(query, quote_via=quote))


def _item(
    template: str, suggestion: Suggestion, sources: dict[str, Source], chat: ChatTemplates, **fields
) -> str:
    source = sources.get(suggestion.source_ids[0]) if suggestion.source_ids else None
    passage = _passage_html(source.text if source else "")
    if source and source.url:
        link = html.escape(source.url)
        passage += f'<br><a href="{link}" target="_blank" rel="noopener">{html.escape(chat.open_source)}</a>'
    return template.format(
        citation=html.escape(chat.source_label.format(citation=suggestion.citation)),
        passage=passage,
        **fields,
    )


def _safeguarding_sections(
    safeguarding: Safeguarding, sources: dict[str, Source], chat: ChatTemplates
) -> Iterator[str]:
    yield safeguarding.route + "\n\n"
    if safeguarding.why:
        yield safeguarding.why + "\n\n"
    if safeguarding.contacts:
        items = [
            _item(chat.contact, c, sources, chat, text=html.escape(c.text, quote=False).replace("\n", "\n  "))
            for c in safeguarding.contacts
        ]
        yield safeguarding.contacts_heading + "\n\n" + "\n".join(items) + "\n\n"
    if safeguarding.left_out_note:
        yield safeguarding.left_out_note + "\n\n"


def pin_text(answer: Answer, chat: ChatTemplates) -> str | None:
    """The short route pinned above the chat after a safeguarding answer; None for any other."""
    if not answer.shows_route():
        return None
    if answer.safeguarding.immediate:
        return chat.pin.immediate
    return chat.pin.certain if answer.safeguarding.certain else chat.pin.possible


def support_plan(answer: Answer, chat: ChatTemplates, templates: AnswerTemplates, date: str) -> str:
    """An answer as a support plan to save or print: tier by tier, every item with its citation."""
    parts = [chat.plan_heading.format(question=answer.question, date=date)]
    if answer.shows_route():
        safeguarding = answer.safeguarding
        parts += [safeguarding.route, safeguarding.why]
        if safeguarding.contacts:
            lines = [f"- {c.text}  \n  *Source: {c.citation}*" for c in safeguarding.contacts]
            parts.append(safeguarding.contacts_heading + "\n\n" + "\n".join(lines))
        if safeguarding.left_out_note:
            parts.append(safeguarding.left_out_note)
    elif answer.status != "answered":
        parts.append(templates.not_covered)
    if answer.summary is not None:
        parts.append(templates.summary_block.format(text=answer.summary.text))
    offer = answer.audit_offer
    if offer is not None:
        parts.append(templates.area_checklist.format(area=offer.area, title=offer.title))
    n = 0
    for tier in shown_order(answer.lead):
        items = [s for s in answer.suggestions if s.tier == tier]
        if not items:
            continue
        lines = []
        for suggestion in items:
            n += 1
            lines.append(
                chat.plan_item.format(
                    n=n,
                    text=shown_words(suggestion.text, templates, suggestion.left_out),
                    citation=suggestion.citation,
                )
            )
        parts.append(templates.tier_headings[tier] + "\n\n" + "\n".join(lines))
    parts.append(chat.plan_footer)
    return "\n\n".join(p for p in parts if p) + "\n"


def answered_question(history: list[dict]) -> str:
    """The question the answer after `history` was given to: the last thing asked, read as the
    chat read it when answering (a follow-up with the question it follows)."""
    return read_conversation(user_questions(history)).question


def message_text(content: object) -> str:
    """A chat message's words: Gradio sends a string or a list of parts."""
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def user_questions(history: list[dict]) -> list[str]:
    """What the user asked earlier in the conversation, oldest first (Gradio's messages format; the chat
    keeps what staff typed escaped, so that it shows as text)."""
    out = []
    for message in history:
        text = message_text(message.get("content")).strip() if message.get("role") == "user" else ""
        text = html.unescape(text)
        if text:
            out.append(text)
    return out
