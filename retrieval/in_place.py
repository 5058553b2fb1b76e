"""Questions about what a school should have in place: the Universal offer of one area. Pure.

"What should a primary have in place for attendance?", "what do we need in place for
transition?", "what's the universal offer for friendships?" ask for whole-school practice
in one area of a framework, as a checklist, not for the few provisions that best match their
words. The search still decides which area: the best-ranked framework theme among the
sources. The answer is then every Universal provision of that area in the framework's order
(for the phase asked about, when one is), with an offer to audit the school against it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from provision_assistant.ingest.units import decode_phases
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.select import AreaChecklist, Pick, Selection

# An asking word, then within the sentence "in place" (have, be, need, put ... in place) or
# "universal offer|provision|practice". "Is the plan in place yet?" asks no such thing.
_ASKS = re.compile(
    r"\b(?:what|which|list|checklist)\b[^?.!]{0,80}?"
    r"(?:\b(?:have|has|be|need|needs|put|got|having)\s+(?:\w+\s+){0,2}?in\s+place\b"
    r"|\buniversal\s+(?:offer|provision|practice|support)\b)",
    re.IGNORECASE,
)


def asks_what_in_place(question: str) -> bool:
    return _ASKS.search(question) is not None


def checklist_answer(selection: Selection, library: Library) -> Selection:
    """The selection as the Universal offer of the best-ranked framework area among its sources
    (`area_checklist` says which), or unchanged when no framework theme was found."""
    for passage, _ in selection.sources:
        members = [m for m in passage.members if m.is_provision]
        if not members:
            continue
        meta = members[0].metadata
        document, area = meta.get("document", ""), meta.get("area", "")
        universal = [
            u
            for u in library.units.values()
            if u.is_provision
            and u.tier == "universal"
            and u.metadata.get("document") == document
            and u.metadata.get("area") == area
            and _for_phase(u.metadata.get("phase"), selection.phase)
        ]
        if not universal:
            continue
        universal.sort(key=lambda u: int(u.metadata.get("position") or 0))
        picks = [Pick(u, (), (library.passage_of(u.id),)) for u in universal]
        found = AreaChecklist(document, meta.get("short_title") or meta.get("title", ""), area)
        return replace(selection, picks={"universal": picks}, lead="universal", area_checklist=found)
    return selection


def _for_phase(stored: str | None, phase: str | None) -> bool:
    phases = decode_phases(stored)
    return phase is None or not phases or phase in phases
