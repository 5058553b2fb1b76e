"""Typed answers for the rendering tests, with only the fields a test cares about to write."""

from __future__ import annotations

from provision_assistant.retrieval.answer_model import Answer, Safeguarding, Source, Suggestion


def suggestion(tier: str, text: str, citation: str = "Framework — A › B", source: str = "s1") -> Suggestion:
    return Suggestion(tier=tier, text=text, citation=citation, source_ids=[source], unit_ids=[f"{source}-u"])


def source(id: str, text: str, url: str | None = None) -> Source:
    return Source(
        id=id,
        text=text,
        document="framework",
        title="Framework",
        section="A › B",
        tier="none",
        page=None,
        kind="theme",
        local_authority="Northumberland",
        phase=[],
        score=1.0,
        units=[f"{id}-u"],
        url=url,
    )


def safeguarding(**over) -> Safeguarding:
    fields = {
        "category": "physical abuse",
        "immediate": False,
        "certain": True,
        "about_home": False,
        "evidence": [],
        "danger": [],
        "route": "**Safeguarding first.** Tell your DSL.",
        "why": "",
        "contacts_heading": "",
        "contacts": [],
        "left_out": 0,
        "left_out_note": "",
    }
    return Safeguarding(**{**fields, **over})


def answer(**over) -> Answer:
    fields = {
        "question": "q",
        "phase": None,
        "status": "answered",
        "suggestions": [],
        "sources": [],
        "answer": "",
    }
    return Answer(**{**fields, **over})
