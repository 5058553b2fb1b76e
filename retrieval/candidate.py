"""A stored unit as retrieval sees it: plain data shared by ranking, selection and composing."""

from __future__ import annotations

from dataclasses import dataclass, field

TIER_ORDER = ("universal", "targeted", "specialist")


def shown_order(lead: str | None = None) -> list[str]:
    """The order an answer shows its tiers in, background ("none") last; `lead` (the tier holding
    what a lookup asked for) first when given."""
    return list(dict.fromkeys([*([lead] if lead else []), *TIER_ORDER, "none"]))


@dataclass(frozen=True)
class Candidate:
    """A stored unit with its relevance to the question (higher is better)."""

    id: str
    text: str
    score: float = 0.0
    metadata: dict = field(default_factory=dict)

    @property
    def tier(self) -> str:
        return self.metadata.get("tier", "none")

    @property
    def is_provision(self) -> bool:
        return self.metadata.get("kind") == "provision" and self.tier in TIER_ORDER
