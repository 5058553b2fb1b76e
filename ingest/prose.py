"""Turn prose documents (strategies, PDF-extracted toolkits, web pages, Markdown) into blocks.

The text is never reworded: we only rejoin hard line breaks, undo line-end hyphenation,
drop layout debris and decide where headings and chunk boundaries fall.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import groupby

from provision_assistant.ingest.lines import BARE_URL, clean_lines
from provision_assistant.ingest.model import Block, Kind, Page, Tier

log = logging.getLogger(__name__)

_GLUED_HEADING_MAX = 60
_LINK_ONLY = re.compile(r"\W*\[[^\]]*\]\([^)]*\)\W*")
_MD_HEADING = re.compile(r"(#{1,6})\s+(.+?)(?:\s+#+)?")
_BOLD_LINE = re.compile(r"\*\*([^*]+)\*\*")
_BULLET = re.compile(r"([-*•\uf0b7]|\d{1,2}[.)])(?:\s+(.*))?")
_TIER = re.compile(
    r"(universal|targeted|specialist)(?:\s+(?:support|provision|offer|level|tier))?"
    r"\s*(?:\([^)]*\))?\s*:?",
    re.IGNORECASE,
)
# A sentence or list line may end here; anything else means the text runs on.
_TERMINAL = re.compile(r"[.!?:;][\"”’')\]]*$")
# Chunk boundaries: a new list line, or a space after a sentence end before a capital.
_BOUNDARY = re.compile(r"(\n|(?:(?<=[.!?])|(?<=[.!?][”’\"')]))[ ]+(?=[“‘\"'(\[]?[A-Z0-9]))")

_HEADING_MAX = 90
_SLOGAN_MAX = 60  # one-line sentences this short, in a run, read as a slogan or verse
_UNWRAPPED = 160  # PDF text wraps well before this; longer lines were never hard-wrapped


@dataclass(frozen=True)
class _Seg:
    """One paragraph, bullet or heading after line rejoining."""

    text: str
    page: int | None
    kind: str  # "text", "bullet" or "heading"
    marker: str = ""  # how a bullet is shown in block text: "- " or the original "1. "
    level: int = 0  # Markdown heading level; 0 for a bold-line heading
    alone: bool = False  # a one-line paragraph with blank lines around it


@dataclass
class _Unit:
    """A piece of block text with its metadata, before chunking."""

    text: str
    section: tuple[str, ...]
    part: int  # counts headings, so that a repeated heading still starts a new block
    page: int | None
    tier: Tier = Tier.NONE
    kind: Kind = Kind.PASSAGE


def parse_prose(pages: Sequence[Page], *, max_chars: int = 1200) -> list[Block]:
    """Split prose into passage and provision blocks in document order.

    `pages` is one Page per PDF page (numbered from 1) or a single Page with number None
    for a whole file. Passages are merged within a section up to `max_chars`; a bullet
    under a Universal, Targeted or Specialist heading becomes its own provision block.
    """
    segs = _rejoin_run_ons(_segments(clean_lines(pages)))
    blocks = _chunk(_units(segs), max_chars)
    log.debug("parsed %d pages into %d blocks", len(pages), len(blocks))
    return blocks


def _join(lines: list[str]) -> str:
    """Join hard-wrapped lines; "multi-" + "academy" becomes "multi-academy"."""
    text = lines[0]
    for line in lines[1:]:
        glued = re.search(r"[^\W\d_]-$", text) and line[:1].islower()
        text += line if glued else " " + line
    return text


def _segments(lines: list[tuple[str | None, int | None]]) -> list[_Seg]:
    """Group lines into paragraphs, splitting out headings and bullets."""
    segs: list[_Seg] = []
    for is_text, para in groupby(lines, key=lambda item: item[0] is not None):
        if is_text:
            segs.extend(_paragraph_segments(list(para)))  # type: ignore[arg-type]  # no None here
    return segs


def _paragraph_segments(para: list[tuple[str, int | None]]) -> list[_Seg]:
    out: list[_Seg] = []
    lines: list[str] = []
    start: _Seg | None = None  # the kind, page and marker of the segment being built

    def flush() -> None:
        if start is not None and lines:
            out.append(replace(start, text=_join(lines), alone=len(para) == 1 and start.kind == "text"))

    for line, page in para:
        heading = _MD_HEADING.fullmatch(line)
        bold = _BOLD_LINE.fullmatch(line)
        bullet = _BULLET.fullmatch(line)
        if heading or bold:
            flush()
            title = (heading.group(2) if heading else line).replace("**", "").strip()
            out.append(_Seg(title, page, "heading", level=len(heading.group(1)) if heading else 0))
            start, lines = None, []
        elif bullet:
            flush()
            marker = "- " if bullet.group(1) in "-*•\uf0b7" else bullet.group(1) + " "
            start, lines = _Seg("", page, "bullet", marker=marker), []
            if bullet.group(2):
                lines.append(bullet.group(2))
            # An empty bullet keeps its slot so that wrapped text after it is not lost.
        elif start is None and _glued_heading(line, para):
            # PDF text often has no blank line between a heading and its body.
            flush()
            out.append(_Seg(line, page, "heading"))
            start, lines = None, []
        elif start is None or len(lines[-1]) > _UNWRAPPED:
            # A line longer than any hard wrap is a whole paragraph (web pages often omit blank lines).
            flush()
            start, lines = _Seg("", page, "text"), [line]
        else:
            lines.append(line)
    flush()
    return out


def _glued_heading(line: str, para: list[tuple[str, int | None]]) -> bool:
    """A short capitalised first line, unpunctuated, over a body that starts a sentence."""
    if para[0][0] != line or len(para) < 2:
        return False
    body = para[1][0]
    return (
        len(line) <= _GLUED_HEADING_MAX
        and line[:1].isupper()
        and body[:1].isupper()
        and len(body) > 1.5 * len(line)
        and not re.search(r"[.:,;!?”\"…\-]$", line)
        and not _BULLET.fullmatch(line)
        and not _BULLET.fullmatch(body)
    )


def _rejoin_run_ons(segs: list[_Seg]) -> list[_Seg]:
    """Rejoin a paragraph split by a page break or a stray blank line in PDF text.

    Only when it clearly runs on: the earlier part has no closing punctuation and
    the later part starts in lower case ("...with \\n\\none another?").
    """
    out: list[_Seg] = []
    for seg in segs:
        prev = out[-1] if out else None
        if (
            prev is not None
            and seg.kind == "text"
            and prev.kind in ("text", "bullet")
            and seg.text[:1].islower()
            and not BARE_URL.match(seg.text)
            and not re.match(r"[a-z][.)] ", seg.text)  # "b. Targeted inquiries" is a new list item
            and not _TERMINAL.search(prev.text)
        ):
            out[-1] = replace(prev, text=_join([prev.text, seg.text]), alone=False)
        else:
            out.append(seg)
    return out


def _heading_like(seg: _Seg | None) -> bool:
    """A short standalone line that could be a title (plain-text documents show no levels)."""
    if seg is None or seg.kind != "text" or not seg.alone:
        return False
    text = seg.text
    return (
        len(text) <= _HEADING_MAX
        and (text[0].isupper() or text[0] in "0123456789")
        and re.search(r"[^\W\d_]{2}", text) is not None  # not a row of table figures
        and not re.search(r"[.:,;”\"…]$", text)
        and " | " not in text  # a web page title left over from a link
        and "**" not in text  # inline bold marks a statement, not a title
        and not _LINK_ONLY.fullmatch(text)
    )


def _title_like(text: str) -> bool:
    """Ends in a capitalised word, as titles do and sentence fragments don't."""
    words = re.findall(r"[^\W\d_]+", text)
    return bool(words) and words[-1][0].isupper()


def _short_sentence(seg: _Seg | None) -> bool:
    return (
        seg is not None
        and seg.kind == "text"
        and seg.alone
        and len(seg.text) <= _SLOGAN_MAX
        and bool(re.search(r"[.!?]\W*$", seg.text))
    )


def _is_plain_heading(segs: list[_Seg], i: int) -> bool:
    seg = segs[i]
    if not _heading_like(seg) or i + 1 == len(segs):
        return False
    if _title_like(seg.text):
        return True  # "Evidence Base" is a heading even when "Our Context" follows at once
    nxt = segs[i + 1]
    # A sentence-case line needs body text after it: a pull-quote fragment ending in a lower-case
    # word or a number ("... telefone para o 0300 373 3300") is not a title.
    if nxt.kind == "heading" or _heading_like(nxt) or seg.text[-1].isdigit():
        return False
    # A run of one-line sentences ("Belonging is the foundation." / "Inclusion is the practice" /
    # "Achievement is the outcome.") is a slogan, not a heading and its body.
    return not (i > 0 and _short_sentence(segs[i - 1]) and _short_sentence(nxt))


def _tier_of(text: str) -> Tier | None:
    match = _TIER.fullmatch(text)
    return Tier(match.group(1).lower()) if match else None


def _units(segs: list[_Seg]) -> list[_Unit]:
    """Attach section paths and tiers; group lead-ins with their bullets."""
    units: list[_Unit] = []
    md: list[tuple[int, str]] = []  # Markdown heading stack: (level, title)
    plain: str | None = None  # latest plain-text heading under the Markdown ones
    tier, tier_title, tier_level = Tier.NONE, None, 0  # tier_level 0: opened by a plain heading
    listing = False  # the last unit is a list that further bullets may join
    part = 0
    for i, seg in enumerate(segs):
        new_tier = _tier_of(seg.text) if seg.kind in ("heading", "text") else None
        if seg.kind == "heading" and seg.level:
            while md and md[-1][0] >= seg.level:
                md.pop()
            md.append((seg.level, seg.text))
            plain, tier_title = None, None
            if new_tier:
                tier, tier_level = new_tier, seg.level
            elif tier_level == 0 or seg.level <= tier_level:  # deeper headings stay inside the tier
                tier = Tier.NONE
        elif new_tier:
            tier, tier_title, tier_level = new_tier, seg.text, 0
        elif seg.kind == "heading" or _is_plain_heading(segs, i):
            plain, tier, tier_title = seg.text, Tier.NONE, None
        else:
            section = tuple(title for _, title in md) + tuple(t for t in (plain, tier_title) if t)
            if seg.kind == "bullet" and tier is not Tier.NONE:
                units.append(_Unit(seg.text, section, part, seg.page, tier, Kind.PROVISION))
            elif seg.kind == "bullet" and seg.text:
                line = seg.marker + seg.text
                prev = units[-1] if units else None
                if prev is not None and prev.part == part and (listing or prev.text.endswith(":")):
                    prev.text += "\n" + line  # keep a lead-in ("... will include:") with its list
                else:
                    units.append(_Unit(line, section, part, seg.page))
            elif seg.kind == "text":
                units.append(_Unit(seg.text, section, part, seg.page))
            listing = seg.kind == "bullet" and tier is Tier.NONE
            continue
        listing, part = False, part + 1
    return units


def _split(text: str, max_chars: int) -> list[str]:
    """Cut an over-long unit at list lines and sentence ends into pieces of at most max_chars."""
    if len(text) <= max_chars:
        return [text]
    tokens = _BOUNDARY.split(text)
    pieces, current = [], tokens[0]
    for sep, part in zip(tokens[1::2], tokens[2::2], strict=True):
        if len(current) + len(sep) + len(part) <= max_chars:
            current += sep + part
        else:
            pieces.append(current)
            current = part  # a single sentence longer than max_chars stays whole
    return [*pieces, current]


def _chunk(units: list[_Unit], max_chars: int) -> list[Block]:
    """Merge neighbouring passages of one section up to max_chars; never merge provisions."""
    blocks: list[Block] = []
    open_part = None  # the heading count of the last block if it is a passage that may grow
    for unit in units:
        if unit.kind is Kind.PROVISION:
            blocks.append(Block(unit.text, unit.section, unit.tier, unit.kind, unit.page))
            open_part = None
            continue
        for piece in _split(unit.text, max_chars):
            # Passages never span a page break, so every block's page is the page it is on.
            same_page = bool(blocks) and blocks[-1].page == unit.page
            if open_part == unit.part and same_page and len(blocks[-1].text) + 2 + len(piece) <= max_chars:
                blocks[-1] = replace(blocks[-1], text=blocks[-1].text + "\n\n" + piece)
            else:
                blocks.append(Block(piece, unit.section, Tier.NONE, Kind.PASSAGE, unit.page))
                open_part = unit.part
    return blocks
