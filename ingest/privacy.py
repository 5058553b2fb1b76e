"""Redaction of details that identify a child, before anything is stored. Pure.

Staff type real situations; stores (feedback) keep the words that matter for
improving answers and drop the ones that identify a pupil: email addresses,
phone numbers, UPNs, dates, postcodes, street addresses and likely names.
A name is a capitalised word that is neither the documents' vocabulary nor a
common school word; this errs towards redacting. Lower-case names are not
caught: the chat asks staff not to type names at all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b[A-Z]\d{11}[0-9A-Z]\b"), "[UPN]"),
    (re.compile(r"(?<!\w)(?:\+44\s?|0)(?:\d[\s-]?){9,10}\b"), "[phone]"),
    (re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"), "[date]"),
    (
        re.compile(
            r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
            r"(?:\s+\d{4})?\b",
            re.IGNORECASE,
        ),
        "[date]",
    ),
    (re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"), "[postcode]"),
    (
        re.compile(
            r"\b\d+[a-z]?\s+(?:[A-Z][a-z]+\s+){1,3}"
            r"(?:Road|Rd|Street|St|Avenue|Ave|Lane|Close|Drive|Way|Crescent|Terrace|Place|Court|Gardens|Grove)\b"
        ),
        "[address]",
    ),
]
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:['-][A-Za-z]+)?\b")
# Capitalised words staff use that are not names (the documents' own words are added).
_COMMON_WORDS_TEXT = """
    i year yr reception nursery key stage pupil pupils child children student boy girl lad mum dad
    parent parents carer carers teacher ta senco dsl head school class form tutor ehcp send sen
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december christmas easter half term summer autumn spring
    english maths science pe art music drama history geography french spanish computing re
    what how why when where who which can could should would is are do does did any and but or
    he she they his her their him them we our my the a an in on at to for of with about after
    before since yes no not please thanks hi hello ok
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())


def vocabulary_words(texts: Iterable[str]) -> frozenset[str]:
    """Every word of the documents, lower-cased: capitalised words there are not pupils' names."""
    return frozenset(w.casefold() for text in texts for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text))


def redact(text: str, known_words: frozenset[str] = frozenset()) -> str:
    """The text with identifying details replaced by a label such as [name] or [email]."""
    for pattern, label in _PATTERNS:
        text = pattern.sub(label, text)

    def name(match: re.Match[str]) -> str:
        word = match.group(0)
        base = re.sub(r"'s$", "", word.casefold())
        return word if base in COMMON_WORDS or base in known_words else "[name]"

    return _CAPITALISED.sub(name, text)


class DropQueryStrings(logging.Filter):
    """Keeps query strings out of access logs: a GET filter such as ?theme=<a pupil's name> is typed text.

    uvicorn's access record carries (client, method, path with query, HTTP version, status).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?[query removed]", *args[3:])
        return True
