"""Parse a framework flattened from tiered tables into areas, themes and provisions.

The shape this reads (the Belonging and Attending Framework is one example):
a contents list ("Title<TAB>Page 4"), then areas, each opened by an
introductory paragraph (its title is often lost in flattening), then numbered
themes ("1. Physical environment"), each a table whose columns were
UNIVERSAL | TARGETED | SPECIALIST. What the flattening does to those tables,
and how we read it back:

* Text directly under a tier label belongs to that label.
* Text before the first label of a theme is a table row that came out before
  the header: its cells in column order, read by `tiers.assign_row`.
* A stack of all three labels with nothing between them is a repeated header
  (a page break); the text after it is again a row, read the same way.
* A theme with no labels at all is a row too.
* A bullet list belongs to the provision above it; a paragraph that starts in
  lower case or with "(" continues the one before, and so does one that only says whom
  to contact ("Contact x@y.gov.uk for more information.").
* Areas start where theme numbering restarts at 1; their introductions sit
  after a wide gap (a page break) before that first theme. Titles come from the
  contents list, aligned in order and checked against the introduction's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from provision_assistant.ingest.model import Block, Kind, Page, Tier
from provision_assistant.ingest.tiers import assign_row

_LABEL = re.compile(r"^\**\s*(UNIVERSAL|TARGETED|SPECIALIST)\s*:?\s*\**$")
_LABEL_GLUED = re.compile(r"^\**(UNIVERSAL|TARGETED|SPECIALIST)\**[ \t]*:?[ \t]*(\S.*)$", re.MULTILINE)
_THEME = re.compile(r"^\**\s*(\d{1,2})\.\s+(\S.{1,200}?)\s*\**$")
_CONTENTS_LINE = re.compile(r"^\s*(?P<title>\S.*?)\s*(?:\t+|\s{2,})(?:Page\s*)?(?P<page>\d{1,3})\s*$", re.I)
# A paragraph that only says whom to contact about the provision above it ("Contact
# x@y.gov.uk for more information."): flattening made it a paragraph of its own.
_CONTACT_ONLY = re.compile(
    r"^(?:(?:contact|e-?mail|call|phone|ring)\s+(?:\S+@\S+|\+?\d[\d ]{7,})"
    r"|for (?:more|further) information\b)",
    re.IGNORECASE,
)
_CLOSING = re.compile(r"^(with thanks to|acknowledg|we want this to be|we warmly invite)", re.I)
_MAX_INTRO = 3  # paragraphs
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "why",
        "is",
        "are",
        "be",
        "our",
        "your",
        "their",
        "it",
        "its",
    ]
)


@dataclass
class _Para:
    text: str
    gap_before: bool = False  # a wide gap (page or section break) precedes it
    page: int | None = None

    @property
    def label(self) -> Tier | None:
        m = _LABEL.match(self.text)
        return Tier(m.group(1).lower()) if m else None

    @property
    def theme(self) -> tuple[int, str] | None:
        m = _THEME.match(self.text) if "\n" not in self.text else None
        return (int(m.group(1)), m.group(2).strip("* ")) if m else None


@dataclass
class _Theme:
    number: int
    title: str
    paras: list[_Para] = field(default_factory=list)


@dataclass
class _Area:
    intro: list[_Para] = field(default_factory=list)
    themes: list[_Theme] = field(default_factory=list)
    title: str = ""


def looks_like_framework(text: str) -> bool:
    """True when the text has tier labels standing alone and numbered themes."""
    labels = sum(1 for line in text.splitlines() if _LABEL.match(line.strip()))
    themes = sum(1 for line in text.splitlines() if _THEME.match(line.strip()))
    return labels >= 3 and themes >= 2


def parse_framework(pages: Sequence[Page]) -> list[Block]:
    paras = _merge_continuations([para for page in pages for para in _paragraphs(page)])
    contents, preamble, areas, closing = _split(paras)
    _name_areas(areas, contents)

    blocks: list[Block] = []
    heading = "Introduction"
    for para in preamble:
        if _is_contents(para):
            continue
        matched = next((title for title, _ in contents if _same_title(title, para.text)), None)
        if matched:
            heading = matched
            continue
        if _is_heading_like(para.text):  # repeated titles and subtitles carry nothing to cite
            continue
        blocks.append(Block(para.text, (heading,), page=para.page))
    for area in areas:
        for para in area.intro:
            if _is_heading_like(para.text) and not para.text.startswith("["):
                continue
            blocks.append(Block(para.text, (area.title,), page=para.page))
        for theme in area.themes:
            for text, tier, page in _provisions(theme.paras):
                blocks.append(Block(text, (area.title, theme.title), tier, Kind.PROVISION, page))
    if closing:
        blocks.append(Block("\n".join(p.text for p in closing), ("Closing note",), page=closing[0].page))
    return blocks


def _paragraphs(page: Page) -> list[_Para]:
    text = _LABEL_GLUED.sub(lambda m: f"{m.group(1)}\n\n{m.group(2)}", page.text)
    paras: list[_Para] = []
    gap = page.number is not None  # a new PDF page is a break too
    for chunk in re.split(r"(\n[ \t]*\n(?:[ \t]*\n)*)", text):
        if not chunk.strip():
            gap = gap or chunk.count("\n") >= 3
            continue
        lines = [line.rstrip() for line in chunk.strip("\n").splitlines() if line.strip()]
        body = "\n".join(
            line.strip() if not line.lstrip().startswith("- ") else line.lstrip() for line in lines
        )
        paras.append(_Para(body, gap, page.number))
        gap = False
    return paras


def _merge_continuations(paras: list[_Para]) -> list[_Para]:
    merged: list[_Para] = []
    for para in paras:
        prev = merged[-1] if merged else None
        first = para.text[0]
        continues = first.islower() or first == "("
        bullets = all(line.startswith("- ") for line in para.text.splitlines())
        joinable = prev is not None and prev.label is None and prev.theme is None
        if joinable and continues:
            prev.text = f"{prev.text} {para.text}"
        elif joinable and bullets and not _is_contents(prev):
            prev.text = f"{prev.text}\n{para.text}"
        elif joinable and _CONTACT_ONLY.match(para.text) and not _is_contents(prev):
            # A paragraph of its own (after a list it would read as the list's last item).
            prev.text = f"{prev.text}\n\n{para.text}"
        else:
            merged.append(para)
    return merged


def _is_heading_like(text: str) -> bool:
    return "\n" not in text and len(text) < 90 and not text.rstrip("*").endswith((".", "!", "?"))


def _is_prose(para: _Para) -> bool:
    return para.label is None and len(para.text) >= 150 and not para.text.startswith("- ")


def _is_contents(para: _Para) -> bool:
    lines = para.text.splitlines()
    return len(lines) >= 3 and sum(bool(_CONTENTS_LINE.match(line)) for line in lines) >= len(lines) - 1


def _contents(paras: list[_Para]) -> list[tuple[str, int]]:
    for para in paras:
        if _is_contents(para):
            found = [_CONTENTS_LINE.match(line) for line in para.text.splitlines()]
            return [(m.group("title").strip(), int(m.group("page"))) for m in found if m]
    return []


def _split(paras: list[_Para]) -> tuple[list[tuple[str, int]], list[_Para], list[_Area], list[_Para]]:
    contents = _contents(paras)
    starts = [i for i, p in enumerate(paras) if p.theme and p.theme[0] == 1]
    if not starts:
        return contents, paras, [], []
    # Each area's introduction runs from the last wide gap before its first theme.
    intro_starts = []
    for k, start in enumerate(starts):
        floor = starts[k - 1] + 1 if k else 0
        gaps = [i for i in range(floor, start) if paras[i].gap_before]
        if gaps and start - gaps[-1] <= _MAX_INTRO and not any(p.label for p in paras[gaps[-1] : start]):
            intro_starts.append(gaps[-1])
        else:  # no clear break: the introduction is the prose just above the first theme
            i = start
            while i > floor and start - i < _MAX_INTRO and _is_prose(paras[i - 1]):
                i -= 1
            intro_starts.append(i)
    preamble = paras[: intro_starts[0]]
    areas: list[_Area] = []
    closing: list[_Para] = []
    bounds = [*intro_starts[1:], len(paras)]
    for intro_start, start, end in zip(intro_starts, starts, bounds, strict=True):
        area = _Area(intro=paras[intro_start:start])
        for para in paras[start:end]:
            if closing or (_CLOSING.match(para.text) and area.themes):
                closing.append(para)
            elif para.theme:
                area.themes.append(_Theme(*para.theme))
            else:
                area.themes[-1].paras.append(para)
        areas.append(area)
    return contents, preamble, areas, closing


def _words(text: str) -> set[str]:
    # A crude stem (first five letters) so "family" meets "families".
    return {w[:5] for w in re.findall(r"[a-z]+", text.lower()) if w not in _STOP and len(w) > 2}


def _same_title(title: str, text: str) -> bool:
    return text.strip(" *?:").lower() == title.strip(" *?:").lower()


def _name_areas(areas: list[_Area], contents: list[tuple[str, int]]) -> None:
    """Align areas, in order, with a subsequence of the contents titles."""
    titles = [t for t, _ in contents]
    n, k = len(titles), len(areas)
    if n < k:
        for i, area in enumerate(areas, 1):
            area.title = titles[i - 1] if i <= n else f"Area {i}"
        return

    def score(ti: int, ai: int) -> float:
        intro = " ".join(p.text for p in areas[ai].intro)
        if titles[ti].lower() in intro.lower():
            return 10.0
        title_words = _words(titles[ti])
        return len(title_words & _words(intro)) / max(len(title_words), 1)

    # best[a][t]: best score placing areas[:a] among titles[:t].
    neg = float("-inf")
    best = [[0.0] * (n + 1)] + [[neg] * (n + 1) for _ in range(k)]
    for a in range(1, k + 1):
        for t in range(a, n + 1):
            best[a][t] = max(best[a][t - 1], best[a - 1][t - 1] + score(t - 1, a - 1))
    a, t = k, n
    while a > 0:
        if best[a][t] == best[a][t - 1] and t - 1 >= a:
            t -= 1
            continue
        areas[a - 1].title = titles[t - 1]
        a, t = a - 1, t - 1


def _provisions(paras: list[_Para]) -> list[tuple[str, Tier, int | None]]:
    """Each provision of one theme with its tier and page, in document order."""
    row: list[_Para] = []  # text before the first label: a flattened row
    cells: list[tuple[Tier, list[_Para]]] = []  # text under each label, in order
    for para in paras:
        if para.label is not None:
            cells.append((para.label, []))
        elif cells:
            cells[-1][1].append(para)
        else:
            row.append(para)
    # A label that never has text under it had its cell come out in the row.
    filled = {tier for tier, texts in cells if texts}
    empty = {tier for tier, _ in cells} - filled
    tiers = assign_row([p.text for p in row], required=empty)
    out = [(p.text, tier, p.page) for p, tier in zip(row, tiers, strict=True)]
    for tier, cell in cells:
        for para in cell:
            same_tier = [i for i, (_, t, _) in enumerate(out) if t == tier]
            if para.text.startswith("- ") and same_tier:
                # A list cut from its lead-in by the labels: rejoin the provision above.
                i = same_tier[-1]
                out[i] = (f"{out[i][0]}\n{para.text}", tier, out[i][2])
            else:
                out.append((para.text, tier, para.page))
    return out
