"""An answer as a stream: server-sent events for `/api/ask/stream`, and the sections both streams send.

A safeguarding route goes first and whole, so that a client that shows the
stream as it arrives shows the route before anything else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from provision_assistant.retrieval.answer_model import Answer

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


def answer_events(answer: Answer) -> Iterator[str]:
    if answer.shows_route():
        # Sent before anything else, so a client can show the route before the rest arrives.
        yield sse(
            "safeguarding", answer.safeguarding.model_dump(mode="json", include=set(SAFEGUARDING_FIRST))
        )
    yield sse("status", {"status": answer.status, "phase": answer.phase})
    for section in route_first(answer):
        yield sse("answer", {"text": section + "\n\n"})
    result = answer.to_json()
    keys = ("question", "phase", "status", "suggestions", "sources", "safeguarding")
    yield sse("result", {k: result[k] for k in keys if result.get(k) is not None})
    yield sse("done", {})
