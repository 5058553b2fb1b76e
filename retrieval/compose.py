"""Turn a selection into the answer staff see. Pure: no model, no index, no LLM.

Every suggestion is the document's own words, trimmed at a sentence or line
boundary when long, never reworded; a provision's list items for other pupils than the
question's (another age, phase or subject) are left out whole, and the answer says so.
The JSON shape produced here is read by the command line, the API, the chat and the eval
suite: keep it stable.
"""

from __future__ import annotations

import re

from provision_assistant.ingest.units import decode_phases
from provision_assistant.retrieval.audience import narrowed
from provision_assistant.retrieval.candidate import shown_order
from provision_assistant.retrieval.library import Passage
from provision_assistant.retrieval.links import shown_words
from provision_assistant.retrieval.select import Selection, is_council
from provision_assistant.retrieval.templates import AnswerTemplates

MAX_SUGGESTION_CHARS = 600


def trim(text: str, limit: int = MAX_SUGGESTION_CHARS) -> str:
    """The start of `text`, cut at the last sentence or line end within `limit`."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind("\n"), *(head.rfind(p) + 1 for p in (". ", "! ", "? ")))
    return head[:cut].rstrip() if cut > limit // 3 else head.rsplit(" ", 1)[0]


def source_json(passage: Passage, score: float) -> dict:
    meta = passage.metadata
    members = passage.members
    return {
        "id": passage.id,
        "text": passage.text,
        "document": meta.get("document", ""),
        "title": meta.get("title", ""),
        "section": meta.get("section", ""),
        "tier": members[0].tier if len(members) == 1 else "none",
        "page": meta.get("page"),
        "kind": passage.kind,
        "local_authority": meta.get("local_authority", ""),
        "phase": sorted({p for m in members for p in decode_phases(m.metadata.get("phase"))}),
        "score": round(score, 4),
        "units": [m.id for m in members],
        "url": meta.get("url") or None,  # the document itself, when its manifest entry gives one
    }


def citation(passage: Passage, templates: AnswerTemplates, council: str | None) -> str:
    meta = passage.metadata
    page = meta.get("page")
    authority = meta.get("local_authority", "")
    # Another council's services may not be open to this school: say whose they are.
    foreign = is_council(authority) and (council or "").casefold() != authority.casefold()
    return templates.citation.format(
        title=meta.get("short_title") or meta.get("title", ""),
        council=templates.council.format(council=authority) if foreign else "",
        section=meta.get("section", ""),
        page=templates.page.format(page=page) if page is not None else "",
    )


def _indent(text: str) -> str:
    # Keep a provision's own bullet list inside its numbered item.
    return re.sub(r"\n", "\n   ", text)


def compose(selection: Selection, templates: AnswerTemplates) -> dict:
    sources = [source_json(p, score) for p, score in selection.sources]
    if not selection.covered:
        return {
            "question": selection.question,
            "phase": selection.phase,
            "status": "not_covered",
            "suggestions": [],
            "sources": sources,
            "answer": templates.not_covered,
        }
    suggestions = []
    parts = [templates.heading.format(question=selection.question), templates.tier_guide]
    offer = selection.area_checklist
    if offer is not None:
        parts.append(templates.area_checklist.format(area=offer.area, title=offer.title))
    for tier in shown_order(selection.lead):
        picks = selection.picks.get(tier, [])
        if not picks:
            continue
        parts.append(templates.tier_headings[tier])
        lines = []
        for pick in picks:
            text, left_out = pick.text, 0
            if pick.shown.is_provision:
                text, left_out = narrowed(text, selection.question, selection.phase)
            text = trim(text)
            cited = citation(pick.passages[0], templates, selection.council)
            suggestions.append(
                {
                    "tier": tier,
                    "text": text,
                    "citation": cited,
                    "source_ids": pick.ids,
                    "unit_ids": pick.unit_ids,
                    **({"left_out": left_out} if left_out else {}),
                }
            )
            shown = _indent(shown_words(text, templates, left_out))
            lines.append(templates.suggestion.format(n=len(suggestions), text=shown, citation=cited))
        parts.append("\n".join(lines))
    if offer is not None:
        parts.append(templates.audit_offer.format(area=offer.area, title=offer.title))
    parts.append(templates.footer)
    audit = (
        {"audit_offer": {"document": offer.document, "title": offer.title, "area": offer.area}}
        if offer is not None
        else {}
    )
    return {
        "question": selection.question,
        "phase": selection.phase,
        "status": "answered",
        "suggestions": suggestions,
        "sources": sources,
        "answer": "\n\n".join(parts),
        "lead": selection.lead,  # the tier shown first when it holds what a lookup asked for
        **audit,
    }
