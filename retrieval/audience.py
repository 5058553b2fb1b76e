"""Who a provision is for, as its own words say, against the pupil a question describes. Pure.

The judge learns what answers a question from examples, but it weighs words, not
eligibility: "Charge up (11-16)" reads like an answer for a Year 5 boy who cannot keep
friends, and "Portage, for young children not attending a nursery" like one for a
nursery child who arrives late. Where a document states whom a provision is for, that
statement decides:

- **ages**: "(5-10)", "11-18 year olds", "aged 0 to 25", "5 and under", "pre-reception",
  "reception age and above", against the ages a question gives (Year 5, KS3, a 3yo,
  nursery, reception). Ages are whole years at the start of the school year (Year 1: 5).
- **children not in a setting**: a provision for children "not attending a nursery,
  preschool or school" fits only a question that says the child is not in one; staff
  ask about pupils they teach.
- **a list's own items**: one provision may list a session per phase ("Primary session",
  "Secondary session"), a course per age, or a tool per subject ("Literacy Support
  Screening Tool", "Maths Support Screening Tool"); items for another phase, age or subject
  than the question names are left out of what is shown, and the answer says how many.
  The document's words are never changed: whole lines are left out, never rewritten.

Nothing here guesses: a question that gives no age, phase or subject is for anyone.
"""

from __future__ import annotations

import re

from provision_assistant.ingest.units import detect_phases
from provision_assistant.retrieval.candidate import Candidate
from provision_assistant.retrieval.phase import fits_phase

Ages = tuple[int, int]  # inclusive
_OLDEST = 25  # "and above": the documents' services end at 25
_PHASE_AGES: dict[str, Ages] = {"early years": (0, 4), "primary": (4, 10), "secondary": (11, 18)}

# In a question: what pins down a pupil's age.
_YEAR_GROUP = re.compile(r"\b(?:year|yr|y)\s?-?(\d{1,2})\b(?:\s?[/&-]\s?(?:y|yr|year)?\s?(\d{1,2})\b)?", re.I)
_KEY_STAGE = re.compile(r"\bks\s?-?([1-5])\b", re.I)
_KEY_STAGE_AGES = {"1": (5, 6), "2": (7, 10), "3": (11, 13), "4": (14, 15), "5": (16, 17)}
_AGE = re.compile(
    r"\b(\d{1,2})(?:\.5)?\s?(?:yo|y/o|yrs? olds?|years? olds?|-years?-olds?)\b|\bage[ds]? (\d{1,2})\b", re.I
)
_MONTHS = re.compile(r"\b(\d{1,2})\s?(?:months?|mths?) old\b", re.I)
_SETTING_AGES = (
    (re.compile(r"\bbaby room\b", re.I), (0, 1)),
    (re.compile(r"\btoddlers?\b", re.I), (1, 2)),
    (re.compile(r"\b(?:pre-?school(?:ers?)?|2 ?year ?olds? room|two year olds?)\b", re.I), (2, 3)),
    (re.compile(r"\bnursery\b", re.I), (2, 3)),
    (re.compile(r"\breception\b(?! age)", re.I), (4, 4)),
)

# In a document: whom a provision states it is for.
_STATED = (
    (re.compile(r"\((\d{1,2})\s?[-–]\s?(\d{1,2})\)"), None),
    (re.compile(r"\b(\d{1,2})\s?(?:-|–|to)\s?(\d{1,2})[- ]?(?:year[- ]olds?|years?)\b", re.I), None),
    (re.compile(r"\baged (\d{1,2})\s?(?:-|–|to)\s?(\d{1,2})\b", re.I), None),
    (re.compile(r"\b(\d)\s?(?:and|&) under\b|\bunder[- ](\d)s\b", re.I), "under"),
    (re.compile(r"\bpre-?reception\b", re.I), (0, 3)),
    (re.compile(r"\breception (?:age )?(?:and|or) (?:above|over|older)\b", re.I), (4, _OLDEST)),
)
# "for young children with SEND who are not attending a nursery or preschool provision"; not
# prose about children missing school ("if a child is not in school, where are they?").
_NOT_IN_A_SETTING = re.compile(
    r"\bfor [^.;:]{0,60}\bwho (?:are|is) not (?:attending|in|at) (?:a |any )?"
    r"(?:nursery|pre-?school|school|setting|education)",
    re.I,
)
# A question saying the child is not in a setting: "not in any setting yet", "at home with mum",
# "hasn't taken up a nursery place", "on our waiting list".
_OUT_OF_SETTING_CUES = re.compile(
    r"\bnot (?:yet )?(?:in|attending|at|going to|started)\b|\bisn'?t (?:in|attending|at|going)\b"
    r"|\b(?:hasn'?t|haven'?t|not|never) (?:yet )?(?:taken up|started|been to|gone to|attended)\b"
    r"|\bwaiting list\b|\bat home\b"
    r"|\bhome[- ]educated\b|\bEHE\b|\bno (?:nursery|school|setting) place\b",
    re.I,
)

# A question about eligibility itself: "who is Portage for?", "is EYSTAR only for nursery age?"
_ASKS_WHO_FOR = re.compile(
    r"\bonly for\b|\bwho (?:is|are) (?:it|they|this|that|\w+(?: \w+)?) for\b"
    r"|\bwho can (?:use|get|access|have)\b|\bwhat ages?\b|\bwhich (?:ages?|children|pupils)\b"
    r"|\bage range\b|\beligib\w*|\bdoes \w+ cover\b",
    re.I,
)

# Subjects a list names one tool or service per: staff words for each.
_SUBJECTS: dict[str, re.Pattern[str]] = {
    "literacy": re.compile(r"\b(?:literacy|reading|readers?|spelling|phonics|dyslexi\w*)\b", re.I),
    "maths": re.compile(r"\b(?:maths?|numeracy|number bonds|times tables?|arithmetic|dyscalculi\w*)\b", re.I),
}
_ITEM = re.compile(r"^\s*[-•*]\s")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[])")


def _span(spans: list[Ages]) -> Ages | None:
    return (min(a for a, _ in spans), max(b for _, b in spans)) if spans else None


def question_ages(question: str) -> Ages | None:
    """The ages a question's pupil could be, from its year groups, key stages, ages or setting."""
    spans: list[Ages] = []
    for m in _YEAR_GROUP.finditer(question):
        years = [int(g) for g in m.groups() if g]
        if all(1 <= y <= 13 for y in years):
            spans += [(y + 4, y + 4) for y in years]
    spans += [_KEY_STAGE_AGES[m.group(1)] for m in _KEY_STAGE.finditer(question)]
    for m in _AGE.finditer(question):
        age = int(m.group(1) or m.group(2))
        if age <= 19:
            spans.append((age, age))
    spans += [(0, 1) if int(m.group(1)) < 12 else (1, 2) for m in _MONTHS.finditer(question)]
    if not spans:
        spans = [ages for rx, ages in _SETTING_AGES if rx.search(question)]
    if not spans:
        spans = [_PHASE_AGES[p] for p in detect_phases(question)]
    return _span(spans)


def _first_sentence(text: str) -> str:
    """Where a provision says whom it is for: a later sentence may speak of one of its parts
    ("EYSTAR funding for children requiring additional support. Guidance for pre-reception age.")."""
    lead = "\n".join(line for line in text.split("\n") if not _ITEM.match(line))
    return _SENTENCE_END.split(lead.strip(), maxsplit=1)[0]


def stated_ages(text: str) -> Ages | None:
    """The ages a provision's first sentence says it is for, or None. A list whose every item
    states ages ("Charge up (11-16)", "Relax kids (5-10)") is for all of them; one item among
    others says nothing of the whole."""
    items = [line for line in text.split("\n") if _ITEM.match(line)]
    lead = _ages_in(_first_sentence(text))
    if lead or not items:
        return lead
    each = [_ages_in(item) for item in items]
    return None if None in each else _span([a for a in each if a])


def _ages_in(text: str) -> Ages | None:
    spans: list[Ages] = []
    for rx, ages in _STATED:
        for m in rx.finditer(text):
            if ages == "under":
                spans.append((0, int(m.group(1)) if m.group(1) else int(m.group(2)) - 1))
            elif ages is not None:
                spans.append(ages)
            elif int(m.group(1)) < int(m.group(2)) <= _OLDEST:
                spans.append((int(m.group(1)), int(m.group(2))))
    return _span(spans)


def _overlap(a: Ages | None, b: Ages | None) -> bool:
    return a is None or b is None or (a[0] <= b[1] and b[0] <= a[1])


def pupil_ages(question: str, phase: str | None) -> Ages | None:
    """The question's ages, or those of the phase it was asked for (a setting in the API); None
    when the question asks whom something is for ("is it only for nursery age?"): then the ages
    it names are not a pupil's."""
    if _ASKS_WHO_FOR.search(question):
        return None
    return question_ages(question) or _PHASE_AGES.get(phase or "")


def fits_pupil(text: str, question: str, phase: str | None) -> bool:
    """False when a passage says it is for other pupils than the question's (age, setting)."""
    if not _overlap(stated_ages(text), pupil_ages(question, phase)):
        return False
    if not _NOT_IN_A_SETTING.search(_first_sentence(text)):
        return True
    return bool(_OUT_OF_SETTING_CUES.search(question) or _ASKS_WHO_FOR.search(question))


def fits(unit: Candidate, question: str, phase: str | None) -> bool:
    """Whether a unit may be suggested: the documents mark it for the question's phase (or for
    none), and, if a provision, it does not say it is for other pupils. Prose describes (a
    council's "children aged 0 to 19"); only a provision's words say whom it is for."""
    if not fits_phase(unit.metadata.get("phase", ""), phase):
        return False
    return not unit.is_provision or fits_pupil(unit.text, question, phase)


def _subjects(text: str) -> set[str]:
    return {name for name, rx in _SUBJECTS.items() if rx.search(text)}


def _for_others(item: str, ages: Ages | None, phase: str | None, subjects: set[str]) -> bool:
    if not _overlap(_ages_in(item), ages):
        return True
    item_phases = detect_phases(item)
    if phase and item_phases and phase not in item_phases:
        return True
    named = _subjects(item)
    return bool(subjects and named and not named & subjects)


def narrowed(text: str, question: str, phase: str | None) -> tuple[str, int]:
    """`text` without the list items for another age, phase or subject than the question's, and
    how many were left out. Every item stays when all would go: the list is then the answer."""
    lines = text.split("\n")
    ages, subjects = pupil_ages(question, phase), _subjects(question)
    if len(subjects) > 1:
        subjects = set()  # "reading and maths": both
    items = [i for i, line in enumerate(lines) if _ITEM.match(line)]
    others = {i for i in items if _for_others(lines[i], ages, phase, subjects)}
    if not others or len(others) == len(items):
        return text, 0
    return "\n".join(line for i, line in enumerate(lines) if i not in others), len(others)
