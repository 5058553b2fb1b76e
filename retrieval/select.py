"""Choose what to show from scored candidates. Pure: plain data in, plain data out."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from retrieval.phase import fits_phase

TIER_ORDER = ("universal", "targeted", "specialist")


@dataclass(frozen=True)
class Candidate:
    """A stored unit with its relevance to the question (cosine similarity, 0–1)."""

    id: str
    text: str
    score: float
    metadata: dict = field(default_factory=dict)

    @property
    def tier(self) -> str:
        return self.metadata.get("tier", "none")

    @property
    def is_provision(self) -> bool:
        return self.metadata.get("kind") == "provision" and self.tier in TIER_ORDER


class SelectionPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    min_relevance: float = Field(0.30, ge=0, le=1)
    relative_relevance: float = Field(0.75, ge=0, le=1)
    max_per_tier: int = Field(4, ge=1)
    max_passages: int = Field(2, ge=0)
    max_sources: int = Field(10, ge=1)
    # Background prose is shown only when it scores about as well as the best
    # provision: for "what can we do" questions, provisions come first.
    passage_margin: float = Field(0.03, ge=0, le=1)


@dataclass(frozen=True)
class Pick:
    """One suggestion: the candidate shown and any duplicates it stands for."""

    shown: Candidate
    also: tuple[Candidate, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [self.shown.id, *(c.id for c in self.also)]

    @property
    def text(self) -> str:
        """The words every cited passage holds: duplicates may end in different punctuation."""
        text = self.shown.text.strip()
        if all(text in c.text for c in self.also):
            return text
        return text.rstrip(_END_PUNCTUATION)


@dataclass(frozen=True)
class Selection:
    question: str
    phase: str | None
    picks: dict[str, list[Pick]]  # tier (or "none") → suggestions, best first
    sources: list[Candidate]  # ranked best first

    @property
    def covered(self) -> bool:
        return any(self.picks.values())


_END_PUNCTUATION = ".,;:!? "


def _key(text: str) -> str:
    # Only case, spacing and the closing mark may differ: anything more and the
    # suggestion shown would not stand word for word in every passage it cites.
    return " ".join(text.casefold().split()).rstrip(_END_PUNCTUATION)


def select(
    question: str, candidates: list[Candidate], policy: SelectionPolicy, phase: str | None = None
) -> Selection:
    fitting = [c for c in candidates if fits_phase(c.metadata.get("phase", ""), phase)]
    ranked = sorted(fitting, key=lambda c: c.score, reverse=True)
    top = ranked[0].score if ranked else 0.0
    floor = max(policy.min_relevance, top * policy.relative_relevance)
    relevant = [c for c in ranked if c.score >= floor]

    # The same words stored twice (one provision repeated under two themes)
    # are shown once, citing every place they stand.
    groups: dict[str, list[Candidate]] = {}
    for cand in relevant:
        groups.setdefault(_key(cand.text), []).append(cand)
    best_provision = max((c.score for c in relevant if c.is_provision), default=0.0)
    picks: dict[str, list[Pick]] = {tier: [] for tier in (*TIER_ORDER, "none")}
    for group in groups.values():
        best = group[0]
        tier = best.tier if best.is_provision else "none"
        if tier == "none" and best.score < best_provision - policy.passage_margin:
            continue
        limit = policy.max_per_tier if tier != "none" else policy.max_passages
        if len(picks[tier]) < limit:
            picks[tier].append(Pick(best, tuple(group[1:])))

    shown = {cid for tier_picks in picks.values() for p in tier_picks for cid in p.ids}
    sources = [c for c in relevant if c.id in shown]
    sources += [c for c in relevant if c.id not in shown][: max(0, policy.max_sources - len(sources))]
    sources.sort(key=lambda c: c.score, reverse=True)
    return Selection(question, phase, picks, sources)
