"""Which expected provisions stand under a tier label in their document, and which lost it. Pure.

A framework flattened from three-column tables keeps a tier label (UNIVERSAL, TARGETED,
SPECIALIST) above most provisions, but in many themes the first table row came out before
the labels, and some themes have none (corpus/README.md, ../shared/seeds/SOURCES.md). There the
document's tier is no longer in the text: the ingest reads it back from the row's order
(`ingest/tiers.py`), and a case writer following "the label it stands under" takes the
label of the theme before. Tier accuracy is reported both ways: over every expected
provision, and over those whose label is in the text, where the document's tier is certain.

This reads the case's own document, not the project's parse of it, so the split does not
depend on the parser it measures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from provision_assistant.evals.cases import Case, normalise
from provision_assistant.ingest.errors import IngestError
from provision_assistant.ingest.loaders import load_pages

_LABEL = re.compile(r"^\W*(UNIVERSAL|TARGETED|SPECIALIST)\b")
# "3. Transition within school", or one glued to the label that closed the theme before
# ("SPECIALIST**3. Transition within school**"): a new theme starts, with no label yet.
_THEME = re.compile(r"^\**\d{1,2}\.\s+[A-Z]|\*\*\d{1,2}\.\s+[A-Z]")


def labelled_lines(lines: Sequence[str]) -> list[bool]:
    """For each line: does a tier label stand above it within its theme?"""
    out, labelled = [], False
    for line in lines:
        text = line.strip()
        if _THEME.search(text):
            labelled = False
        elif _LABEL.match(text):
            labelled = True
        out.append(labelled)
    return out


def lost_labels(lines: Sequence[str], quotes: Iterable[str]) -> set[str]:
    """The quotes (normalised) found in the document only on lines with no label above them in
    their theme. A document without tier labels loses none: its tiers are said in words."""
    if sum(bool(_LABEL.match(line.strip())) for line in lines) < 3:
        return set()
    normalised = [normalise(line) for line in lines]
    labelled = labelled_lines(lines)
    lost = set()
    for key in quotes:
        where = [i for i, line in enumerate(normalised) if key in line]
        if where and not any(labelled[i] for i in where):
            lost.add(key)
    return lost


def lost_in_cases(cases: Sequence[Case], corpus_dir: Path) -> frozenset[str]:
    """The expected provisions of these cases whose tier label their document lost."""
    by_document: dict[str, set[str]] = {}
    for case in cases:
        for quote in case.expected:
            if quote.tier != "none":
                by_document.setdefault(quote.document, set()).add(quote.key)
    lost: set[str] = set()
    for document, keys in by_document.items():
        try:
            pages = load_pages(corpus_dir / document, max_bytes=1 << 30)
        except IngestError:
            continue  # reported by the quote check (missing_quotes)
        lost |= lost_labels("\n".join(page.text for page in pages).splitlines(), keys)
    return frozenset(lost)
