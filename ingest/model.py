"""Plain data that flows from the parsers to the index and on to retrieval.

Everything here is pure: no I/O, no model, no Chroma.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class Tier(StrEnum):
    UNIVERSAL = "universal"
    TARGETED = "targeted"
    SPECIALIST = "specialist"
    NONE = "none"


class Kind(StrEnum):
    PROVISION = "provision"  # something staff can do or use, with a tier
    PASSAGE = "passage"  # explanatory prose, an introduction, a case study


@dataclass(frozen=True)
class DocumentInfo:
    """What the manifest (or the file itself) says about one source document."""

    id: str  # stable, from the file name: "northumberland-belonging-framework"
    path: str
    title: str
    publisher: str = "Unknown publisher"
    local_authority: str = "Unknown"  # a council's name, or "national"
    year: int | None = None
    kind: str = "document"  # framework, strategy, toolkit, web page …
    short_title: str = ""  # for citations; the title up to its colon when not given
    url: str = ""  # where a reader can open the document itself, when the manifest says

    @property
    def citation_title(self) -> str:
        if self.short_title:
            return self.short_title
        head = self.title.split(": ", 1)[0]
        return head if len(head) >= 8 else self.title


@dataclass(frozen=True)
class Page:
    """Text of one page (PDF) or of the whole file (page number None)."""

    text: str
    number: int | None = None


@dataclass(frozen=True)
class Block:
    """A parsed piece of a document before it becomes a unit.

    `section` is the heading path, outermost first. For the framework these are
    (area, theme); for prose they are the headings above the paragraph.
    """

    text: str
    section: tuple[str, ...] = ()
    tier: Tier = Tier.NONE
    kind: Kind = Kind.PASSAGE
    page: int | None = None


@dataclass(frozen=True)
class Unit:
    """One retrievable provision or passage, with everything needed to cite it."""

    id: str
    text: str
    document: str
    title: str
    area: str
    theme: str
    tier: Tier
    kind: Kind
    page: int | None
    position: int
    phase: tuple[str, ...] = field(default_factory=tuple)
    local_authority: str = "Unknown"

    @property
    def section(self) -> str:
        return " › ".join(part for part in (self.area, self.theme) if part)


def unit_id(document: str, section: tuple[str, ...], tier: Tier, text: str, occurrence: int) -> str:
    """Content-derived ID: the same words in the same place always get the same ID.

    Position in the document is deliberately left out, so that inserting a
    paragraph near the top does not change the ID of everything below it.
    `occurrence` separates exact repeats within one section and tier.
    """
    key = "\x1f".join((document, *section, tier.value, " ".join(text.split()), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
