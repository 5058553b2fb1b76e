"""An answer as a stream: server-sent events for `/api/ask/stream`, and the sections both streams send.

A safeguarding route goes first and whole, so that a client that shows the
stream as it arrives shows the route before anything else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

# What the `safeguarding` event carries: enough to show the route and say why, at once.
SAFEGUARDING_FIRST = ("route", "why", "category", "immediate", "certain", "evidence", "danger")


def sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def route_first(answer: dict) -> list[str]:
    """The answer's Markdown in sections, a safeguarding route (with why) as the first one whole."""
    text = answer["answer"]
    safeguarding = answer.get("safeguarding")
    if answer.get("status") == "safeguarding" and safeguarding:
        lead = "\n\n".join(part for part in (safeguarding["route"], safeguarding.get("why")) if part)
        if text.startswith(lead):
            rest = text[len(lead) :].lstrip("\n")
            return [lead, *(rest.split("\n\n") if rest else [])]
    return text.split("\n\n")


def following(answer: dict, follows: str | None, template: str) -> dict:
    """The answer naming the earlier question a follow-up was read with: after a safeguarding
    route (which stays first), else first."""
    if not follows:
        return answer
    sections = route_first(answer)
    at = 1 if answer.get("status") == "safeguarding" and answer.get("safeguarding") else 0
    sections.insert(at, template.format(question=follows))
    return {**answer, "follows": follows, "answer": "\n\n".join(sections)}


def answer_events(answer: dict) -> Iterator[str]:
    safeguarding = answer.get("safeguarding") if answer.get("status") == "safeguarding" else None
    if safeguarding:
        # Sent before anything else, so a client can show the route before the rest arrives.
        yield sse("safeguarding", {k: safeguarding.get(k) for k in SAFEGUARDING_FIRST})
    yield sse("status", {"status": answer["status"], "phase": answer.get("phase")})
    for section in route_first(answer):
        yield sse("answer", {"text": section + "\n\n"})
    result = {
        k: answer.get(k) for k in ("question", "phase", "status", "suggestions", "sources", "safeguarding")
    }
    yield sse("result", {k: v for k, v in result.items() if v is not None})
    yield sse("done", {})
