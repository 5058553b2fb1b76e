"""The audit's coverage as one picture: a bar per tier, then a bar per area. Pure: SVG text.

The same SVG is shown on the audit page and drawn into the PDF, so the two never disagree.
Each bar says its figure in words too ("50%", "not answered"), for screen readers and print.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from provision_assistant.retrieval.audit_plan import CoverageRow

_WIDTH, _LABEL, _BAR, _ROW, _TOP = 800, 300, 340, 26, 40
_COLOURS = {"universal": "#2e7d32", "targeted": "#ef6c00", "specialist": "#6a1b9a"}
_AREA = "#1565c0"


def shown_score(row: CoverageRow) -> str:
    """A coverage figure in words: "50%", "not applicable" (answered, none applicable), "not answered"."""
    if row.score is not None:
        return f"{round(100 * row.score)}%"
    return "not applicable" if row.answered else "not answered"


def coverage_svg(
    by_tier: Sequence[CoverageRow], by_area: Sequence[CoverageRow], tier_names: dict[str, str], title: str
) -> str:
    rows = [(tier_names.get(r.name, r.name), r, _COLOURS.get(r.name, _AREA)) for r in by_tier]
    rows += [(r.name, r, _AREA) for r in by_area]
    height = _TOP + _ROW * len(rows) + (12 if by_tier and by_area else 0) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="13">',
        f'<text x="0" y="20" font-size="16" font-weight="bold" fill="#222">{escape(title)}</text>',
    ]
    y = _TOP
    for n, (label, row, colour) in enumerate(rows):
        if n == len(by_tier) and by_tier:
            y += 12  # a gap between the tiers and the areas
        shown = label if len(label) <= 44 else label[:43] + "…"
        parts.append(f'<text x="0" y="{y + 15}" fill="#222">{escape(shown)}</text>')
        parts.append(
            f'<rect x="{_LABEL}" y="{y + 3}" width="{_BAR}" height="16" fill="#eeeeee" stroke="#bbbbbb"/>'
        )
        if row.score is not None:
            width = round(_BAR * row.score, 1)
            parts.append(f'<rect x="{_LABEL}" y="{y + 3}" width="{width}" height="16" fill="{colour}"/>')
        figure = shown_score(row)
        parts.append(f'<text x="{_LABEL + _BAR + 8}" y="{y + 15}" fill="#222">{figure}</text>')
        parts.append(
            f'<text x="{_LABEL + _BAR + 118}" y="{y + 15}" fill="#666">{row.answered}/{row.provisions}</text>'
        )
        y += _ROW
    parts.append("</svg>")
    return "\n".join(parts)
