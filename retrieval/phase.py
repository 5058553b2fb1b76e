"""Which phase of education a question is about, from how staff name it."""

from __future__ import annotations

import re

from provision_assistant.ingest.units import PHASES as _DOCUMENT_PHASES
from provision_assistant.ingest.units import decode_phases

# The same phase names the ingest marks units with.
PHASES = tuple(_DOCUMENT_PHASES)

_YEAR = re.compile(r"\b(?:year|yr|y)\s?-?(\d{1,2})\b", re.IGNORECASE)
_KEY_STAGE = re.compile(r"\bks\s?-?([1-5])\b", re.IGNORECASE)
_AGE = re.compile(r"\b(\d{1,2})\s?(?:yo|y/o|yrs? old|years? old|-year-old)\b", re.IGNORECASE)
_WORDS = {
    "early years": re.compile(
        r"\b(early years|eyfs|nursery|pre-?school|reception|toddler|childminder)\b", re.IGNORECASE
    ),
    "primary": re.compile(r"\b(primary|infants?|juniors?)\b(?! mental health)", re.IGNORECASE),
    "secondary": re.compile(r"\b(secondary|sixth form|high school|gcses?|a-levels?)\b", re.IGNORECASE),
}


def _from_age(age: int) -> str | None:
    if age < 5:
        return "early years"
    if age <= 10:
        return "primary"
    return "secondary" if age <= 18 else None


def question_phase(question: str) -> str | None:
    """The phase a question names (Year 8, KS3, 4yo, reception …), or None."""
    if m := _YEAR.search(question):
        year = int(m.group(1))
        if 1 <= year <= 6:
            return "primary"
        if 7 <= year <= 13:
            return "secondary"
    if m := _KEY_STAGE.search(question):
        return "primary" if m.group(1) in "12" else "secondary"
    if m := _AGE.search(question):
        return _from_age(int(m.group(1)))
    for phase, rx in _WORDS.items():
        if rx.search(question):
            return phase
    return None


def without_phase(text: str) -> str:
    """`text` with the year groups, key stages, ages and phase names it gives taken out."""
    for rx in (_YEAR, _KEY_STAGE, _AGE, *_WORDS.values()):
        text = rx.sub("", text)
    return " ".join(text.split())


def fits_phase(unit_phases: str, phase: str | None) -> bool:
    """False when the documents mark a unit for other phases only."""
    marked = decode_phases(unit_phases)
    return phase is None or not marked or phase in marked


def names_year_or_age(question: str) -> bool:
    """Whether the question names a year group or an age (a pupil or a group, not the school)."""
    return bool(_YEAR.search(question) or _AGE.search(question))
