"""Questions about what a school should have in place: the Universal offer of one area. Pure.

"What should a primary have in place for attendance?", "what do we need in place for
transition?", "what's the universal offer for friendships?" ask for whole-school practice
in one area of a framework, as a checklist, not for the few provisions that best match their
words. "We have a Y3 starting in September who uses a wheelchair, what do we need in place?"
asks the same about one pupil (or a group: "our Y6 SEND kids"): a year group, an age, a pupil
or a pronoun makes it a question about them, answered as any other.

The search still decides which area: the best-ranked framework theme among the sources. The
answer is then every Universal provision of that area in the framework's order (for the phase
asked about, when one is), with an offer to audit the school against it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.lookup import lead_with
from provision_assistant.retrieval.phase import fits_phase, names_year_or_age
from provision_assistant.retrieval.select import AreaChecklist, Selection

# An asking word, then within the sentence "in place" (have, be, need ... in place) or
# "universal offer|provision|practice". "Is the plan in place yet?" asks no such thing, and
# "what can we put in place" asks for actions on a situation, as staff write about a pupil.
_ASKS = re.compile(
    r"\b(?:what|which|list|checklist)\b[^?.!]{0,80}?"
    r"(?:\b(?:have|has|be|need|needs|having)\s+(?:\w+\s+){0,2}?in\s+place\b"
    r"|\buniversal\s+(?:offer|provision|practice|support)\b)",
    re.IGNORECASE,
)


# A pupil or group the question is about: "a Y3", "Y6 SEND kids", "10yo", "she", "the boy",
# "a few pupils"; "every pupil", "all children", "pupils" in general are the whole school.
_SOMEONE = re.compile(
    r"\b(?:he|she|him|her|his|hers)\b"
    r"|\b(?:a few|a couple of|a group of|small group|these|those)\b"
    r"|(?<!every )(?<!each )(?<!all )(?<!any )"
    r"\b(?:pupil|child|kid|student|boy|girl|learner|son|daughter|toddler)\b",
    re.IGNORECASE,
)


def asks_what_in_place(question: str) -> bool:
    """A question about what a school or setting as a whole should have in place."""
    if _ASKS.search(question) is None:
        return False
    return not (_SOMEONE.search(question) or names_year_or_age(question))


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
            and fits_phase(u.metadata.get("phase"), selection.phase)
        ]
        if not universal:
            continue
        universal.sort(key=lambda u: int(u.metadata.get("position") or 0))
        found = AreaChecklist(document, meta.get("short_title") or meta.get("title", ""), area)
        # The checklist alone, leading: the passages it cites first among the sources.
        listed = lead_with(replace(selection, picks={}), [u.id for u in universal], library)
        return replace(listed, area_checklist=found)
    return selection
