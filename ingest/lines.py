"""Clean the lines of extracted text: spacing, layout debris, running heads, repeated URLs.

PDF text comes with page furniture (running heads, page numbers) and the
leftovers of pull quotes (lines of lone quote marks); none of it is the
document's words, so it goes before paragraphs are built.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from provision_assistant.ingest.model import Page

BARE_URL = re.compile(r"(?:https?://|www\.)\S+")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")
# Lines made only of quote marks, dashes or bullet glyphs: pull-quote and layout leftovers.
_DEBRIS = re.compile(r"[\"'“”‘’«»>–—\-•\uf0b7*_.…|#\s]*")
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?", re.IGNORECASE)
_RUNNING_HEAD_MAX = 80


def clean_lines(pages: Sequence[Page]) -> list[tuple[str | None, int | None]]:
    """Normalise spacing and drop debris; None marks a paragraph break."""
    split = [[_SPACES.sub(" ", line).strip() for line in page.text.splitlines()] for page in pages]
    heads = _running_heads(split)
    # URLs with all whitespace removed, so footnote URLs broken across lines still match.
    haystack = "".join(line for lines in split for line in lines if not BARE_URL.fullmatch(line))
    haystack = re.sub(r"\s+", "", haystack)
    seen_urls: set[str] = set()
    out: list[tuple[str | None, int | None]] = []
    for page, lines in zip(pages, split, strict=True):
        edges = _edge_indices(lines)
        for i, line in enumerate(lines):
            line = re.sub(r"^(?:>\s?)+", "", line)  # Markdown quote markers are layout, not words
            if BARE_URL.fullmatch(line):
                keep = line not in seen_urls and line not in haystack
                seen_urls.add(line)
                # Like other debris, a dropped URL ends the paragraph; a kept one stands alone, as
                # PDF link lists would otherwise glue into one huge "sentence".
                out += [(None, page.number), (line, page.number)] if keep else []
                out.append((None, page.number))
                continue
            if _DEBRIS.fullmatch(line) or _PAGE_NUMBER.fullmatch(line) or (i in edges and line in heads):
                line = ""
            out.append((line or None, page.number))
        out.append((None, page.number))  # a page end always ends the paragraph (see _rejoin_run_ons)
    return out


def _edge_indices(lines: list[str]) -> set[int]:
    """Indices of the first and last two non-blank lines: where running heads and footers sit."""
    filled = [i for i, line in enumerate(lines) if line]
    return set(filled[:2] + filled[-2:])


def _running_heads(split: list[list[str]]) -> set[str]:
    """Short lines repeated at the top or bottom of three or more pages."""
    counts = Counter(
        line
        for lines in split
        for line in {lines[i] for i in _edge_indices(lines)}
        if len(line) <= _RUNNING_HEAD_MAX
    )
    return {line for line, n in counts.items() if n >= 3}
