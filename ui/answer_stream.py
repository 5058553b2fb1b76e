"""An answer as a stream: server-sent events for `/api/ask/stream`, and the sections both streams send.

A safeguarding route goes first and whole, so that a client that shows the
stream as it arrives shows the route before anything else. Where a language model
writes a summary, its sentences are sent as they pass the check, after the heading
and before the tiers, in the words the final answer's Markdown holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from provision_assistant.retrieval.answer_model import Answer
from provision_assistant.retrieval.templates import AnswerTemplates

# What the `safeguarding` event carries: enough to show the route and say why, at once.
SAFEGUARDING_FIRST = ("route", "why", "category", "immediate", "certain", "evidence", "danger")


def sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def route_first(answer: Answer) -> list[str]:
    """The answer's Markdown in sections, a safeguarding route (with why) as the first one whole."""
    text = answer.answer
    if answer.shows_route():
        lead = "\n\n".join(part for part in (answer.safeguarding.route, answer.safeguarding.why) if part)
        if text.startswith(lead):
            rest = text[len(lead) :].lstrip("\n")
            return [lead, *(rest.split("\n\n") if rest else [])]
    return text.split("\n\n")


def following(answer: Answer, follows: str | None, template: str) -> Answer:
    """The answer naming the earlier question a follow-up was read with: after a safeguarding
    route (which stays first), else first."""
    if not follows:
        return answer
    sections = route_first(answer)
    sections.insert(1 if answer.shows_route() else 0, template.format(question=follows))
    return answer.model_copy(update={"follows": follows, "answer": "\n\n".join(sections)})


def markdown_pieces(
    made: Iterable[Answer | str], templates: AnswerTemplates, follows: str | None = None
) -> Iterator[Answer | str]:
    """`AnswerService.ask_stream`'s items as the Markdown a stream sends: the first answer (for its
    status), then pieces whose concatenation is the final answer's Markdown, each section ending
    in a blank line (summary sentences as they come), then the final answer (naming `follows`)."""
    items = iter(made)
    first = following(next(items), follows, templates.follow_up)
    yield first
    lead = 2 if follows else 1  # the follow-up note and the heading come before a summary
    before, after = templates.summary_block.format(text="\0").split("\0")
    said, final = 0, first
    for item in items:
        if isinstance(item, str):
            if not said:
                yield from (section + "\n\n" for section in route_first(first)[:lead])
                yield before
            yield (" " if said else "") + item
            said += 1
        else:
            final = following(item, follows, templates.follow_up)
    sections = route_first(final)
    if said:
        yield after + "\n\n"
        sections = sections[lead + 1 :]
    yield from (section + "\n\n" for section in sections)
    yield final


def answer_events(pieces: Iterable[Answer | str]) -> Iterator[str]:
    """Server-sent events from `markdown_pieces`."""
    items = iter(pieces)
    first = next(items)
    if first.shows_route():
        # Sent before anything else, so a client can show the route before the rest arrives.
        yield sse("safeguarding", first.safeguarding.model_dump(mode="json", include=set(SAFEGUARDING_FIRST)))
    yield sse("status", {"status": first.status, "phase": first.phase})
    answer = first
    for item in items:
        if isinstance(item, str):
            yield sse("answer", {"text": item})
        else:
            answer = item
    result = answer.to_json()
    keys = ("question", "phase", "status", "suggestions", "sources", "safeguarding", "summary", "model_note")
    yield sse("result", {k: result[k] for k in keys if result.get(k) is not None})
    yield sse("done", {})
