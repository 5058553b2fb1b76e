"""Questions that ask for a list the documents count: "what are W&F's six priorities?". Pure.

Neither search nor the judge reliably puts such a passage first: the question shares one
or two words with it and many passages share more. A document that counts its own list
says so in the same words ("we have developed six strategic priorities"), so the count and
the thing counted, a few words apart, find it; the passage then leads the answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from provision_assistant.retrieval.candidate import Candidate
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.select import Pick, Selection

_WORDS = dict(
    zip(
        ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
        map(str, range(2, 13)),
        strict=True,
    )
)
_NUMBER = "|".join([*_WORDS, r"\d{1,2}"])
# Asked for: "what are W&F's six priorities", "list the 5 key principles": an asking phrase, then
# within the same sentence a count, at most two words, and the things counted. "off for 2 weeks,
# what can we do" counts nothing anyone asked for.
_COUNTED = re.compile(
    rf"\b(?:what\s+are|what're|list|name\s+the|which\s+are|tell\s+me)\b[^?.!]{{0,60}}?"
    rf"(?<![\w-])({_NUMBER})\s+((?:[\w'&-]+\s+){{0,2}}?)([a-z-]{{3,}}s)\b",
    re.IGNORECASE,
)
_NOT_A_COUNT = re.compile(r"\b(?:year|yr|ks|key stage|aged?|under)\s*$", re.IGNORECASE)
MAX_LEADS = 2


def counted(question: str) -> tuple[frozenset[str], str] | None:
    """The count a question asks for and the things counted (plural), or None."""
    for match in _COUNTED.finditer(question):
        if _NOT_A_COUNT.search(question[: match.start(1)]):
            continue  # "year 6 pupils" is a year group, not a list of six
        number = match.group(1).casefold()
        digits = _WORDS.get(number, number)
        names = {number, digits, *(w for w, d in _WORDS.items() if d == digits)}
        return frozenset(names), match.group(3).casefold()
    return None


def listing(question: str, units: Iterable[Candidate]) -> list[str]:
    """Ids of the units that count what the question asks for, in the order given (at most two)."""
    asked = counted(question)
    if asked is None:
        return []
    numbers, noun = asked
    things = re.escape(noun[:-3]) + "(?:y|ies)" if noun.endswith("ies") else re.escape(noun[:-1]) + "s?"
    alternatives = "|".join(sorted(map(re.escape, numbers)))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})\s+(?:[\w'&-]+\s+){{0,2}}?{things}\b", re.IGNORECASE)
    return [u.id for u in units if pattern.search(u.text)][:MAX_LEADS]


def lead_with(selection: Selection, lead: Sequence[str], library: Library) -> Selection:
    """The selection with the `lead` units as its first suggestions and their passages its first sources."""
    if not lead:
        return selection
    picks = {
        tier: [p for p in tier_picks if p.shown.id not in lead]
        for tier, tier_picks in selection.picks.items()
    }
    first_tier = None
    for uid in reversed(lead):
        unit = library.units[uid]
        tier = unit.tier if unit.is_provision else "none"
        picks.setdefault(tier, []).insert(0, Pick(unit, (), (library.passage_of(uid),)))
        first_tier = tier
    leading = {p.id: p for p in (library.passage_of(uid) for uid in lead)}
    best = max((score for _, score in selection.sources), default=1.0)
    sources = [(p, best) for p in leading.values()]
    sources += [(p, s) for p, s in selection.sources if p.id not in leading]
    return replace(selection, picks=picks, sources=sources, lead=first_tier)
