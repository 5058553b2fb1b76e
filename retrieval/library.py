"""Every stored unit in memory, grouped into the passages that answers cite. Pure.

A framework theme (area › theme) is one passage: its provisions are short
lines that only make sense together, and staff want the whole graduated list
for the theme. Prose stays as the ingest chunked it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from provision_assistant.retrieval.candidate import TIER_ORDER, Candidate

_TIER_LABELS = {"universal": "UNIVERSAL", "targeted": "TARGETED", "specialist": "SPECIALIST"}


@dataclass(frozen=True)
class Passage:
    """What a suggestion cites: a whole theme, or one prose unit."""

    id: str
    members: tuple[Candidate, ...]  # in document order
    kind: str  # "theme" or the unit's own kind

    @property
    def metadata(self) -> dict:
        return self.members[0].metadata

    @property
    def text(self) -> str:
        if self.kind != "theme":
            return self.members[0].text
        parts = [m.text for m in self.members if m.tier not in TIER_ORDER]
        for tier in TIER_ORDER:
            lines = [m.text for m in self.members if m.tier == tier]
            if lines:
                parts.append(_TIER_LABELS[tier])
                parts.extend(lines)
        return "\n".join(parts)


def _theme_id(key: tuple[str, ...]) -> str:
    return "theme-" + hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest()[:16]


class Library:
    """All units, and for each the passage it belongs to."""

    def __init__(self, units: Sequence[Candidate]) -> None:
        if not units:
            raise ValueError("the library needs at least one unit")
        self.units = {u.id: u for u in units}
        groups: dict[tuple[str, ...], list[Candidate]] = defaultdict(list)
        for unit in units:
            groups[_group_key(unit)].append(unit)
        self._passage_of: dict[str, Passage] = {}
        for key, members in groups.items():
            members.sort(key=lambda u: u.metadata.get("position", 0))
            if any(m.is_provision for m in members):
                passage = Passage(_theme_id(key), tuple(members), "theme")
                for member in members:
                    self._passage_of[member.id] = passage
            else:
                for member in members:
                    kind = member.metadata.get("kind", "passage")
                    self._passage_of[member.id] = Passage(member.id, (member,), kind)

    def passage_of(self, unit_id: str) -> Passage:
        return self._passage_of[unit_id]

    def __len__(self) -> int:
        return len(self.units)


def _group_key(unit: Candidate) -> tuple[str, ...]:
    meta = unit.metadata
    return (meta.get("document", ""), meta.get("area", ""), meta.get("theme", ""))
