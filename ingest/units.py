"""From parsed blocks to units: structure chosen per document, phases, stable IDs."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from provision_assistant.ingest.framework import looks_like_framework, parse_framework
from provision_assistant.ingest.model import Block, DocumentInfo, Kind, Page, Unit, unit_id
from provision_assistant.ingest.prose import parse_prose

_PARSER_MODULES = ("framework", "lines", "loaders", "model", "prose", "tiers", "units", "pipeline")


@cache
def parser_fingerprint() -> str:
    """Changes whenever the code that turns files into units changes.

    Part of each document's digest, so an unchanged file is re-read after the
    parser improves, without anyone remembering to bump a version number.
    """
    digest = hashlib.sha256()
    for name in _PARSER_MODULES:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()[:12]


PHASES: dict[str, re.Pattern[str]] = {
    "early years": re.compile(
        r"\bearly years\b|\bEYFS\b|\bnurser(y|ies)\b|\bpre-?school\b|\bpre-reception\b|\b2YO\b"
        r"|\bchildminders?\b|\b(5|five) and under\b|\bbaby rooms?\b",
        re.IGNORECASE,
    ),
    # "Primary Mental Health" is a team and "primary need" a SEND term, not the phase.
    "primary": re.compile(r"\bprimary\b(?! mental health| need)|\bKS[12]\b|\(5-10\)", re.IGNORECASE),
    "secondary": re.compile(r"\bsecondary\b|\bKS[345]\b|\(11-1[68]\)|\b11-18 year olds\b", re.IGNORECASE),
}


def encode_phases(phases: Sequence[str]) -> str:
    """Phases as Chroma stores them: one string, since metadata values are scalars."""
    return ", ".join(phases)


def decode_phases(value: str | None) -> list[str]:
    return [p for p in (value or "").split(", ") if p]


def parse_document(pages: Sequence[Page]) -> list[Block]:
    """Framework-style tables when the text has them, otherwise prose."""
    text = "\n\n".join(page.text for page in pages)
    if looks_like_framework(text):
        return parse_framework(pages)
    return parse_prose(pages)


def detect_phases(text: str) -> tuple[str, ...]:
    return tuple(phase for phase, rx in PHASES.items() if rx.search(text))


def to_units(info: DocumentInfo, blocks: Sequence[Block]) -> list[Unit]:
    seen: Counter[tuple] = Counter()
    units = []
    for position, block in enumerate(blocks):
        text = block.text.strip()
        if not text:
            continue
        area = block.section[0] if block.section else ""
        theme = " › ".join(block.section[1:])
        key = (block.section, block.tier, " ".join(text.split()))
        occurrence = seen[key]
        seen[key] += 1
        # The unit's own words decide its phase; failing that, its theme's title.
        phase = detect_phases(text) or (detect_phases(theme) if block.kind is Kind.PROVISION else ())
        units.append(
            Unit(
                id=unit_id(info.id, block.section, block.tier, text, occurrence),
                text=text,
                document=info.id,
                title=info.title,
                area=area,
                theme=theme,
                tier=block.tier,
                kind=block.kind,
                page=block.page,
                position=position,
                phase=phase,
                local_authority=info.local_authority,
            )
        )
    return units


# A Markdown link, [words](target): readers see the words.
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def plain_text(text: str) -> str:
    """Text without Markdown link targets or emphasis: what a reader sees."""
    return re.sub(r"\*\*|\\(?=[()\[\]_])", "", MARKDOWN_LINK.sub(r"\1", text))


def embedding_text(unit: Unit) -> str:
    """What the model embeds: the unit in its place (area › theme), as plain words.

    A provision line alone ("Spaces that promote relaxation and calm.") says
    little; its theme ("The sensory environment") says what it is for.
    """
    return in_context(unit.area, unit.theme, unit.text)


def in_context(area: str, theme: str, text: str) -> str:
    """A text as embedded: `area › theme: words`, so that stored and example texts read alike."""
    context = " › ".join(part for part in (area, theme) if part)
    return f"{context}: {plain_text(text)}" if context else plain_text(text)
