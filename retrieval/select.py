"""Choose what to show from the two rankings of units. Pure: plain data in, plain data out.

1. Fuse the dense and keyword rankings (reciprocal rank fusion).
2. Weigh each unit for the question's phase and the user's council.
3. Rank passages (a framework theme, or a prose chunk) by their best units.
4. Suggest provisions from the best themes, a few per tier, each once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

from pydantic import BaseModel, ConfigDict, Field

from provision_assistant.ingest.units import decode_phases
from provision_assistant.retrieval.audience import fits
from provision_assistant.retrieval.candidate import TIER_ORDER, Candidate
from provision_assistant.retrieval.keyword import searchable, tokens
from provision_assistant.retrieval.library import Library, Passage

# Re-exported: callers build candidates and read tiers from here.
__all__ = ["TIER_ORDER", "Candidate", "Pick", "Selection", "SelectionPolicy", "fuse", "select"]

_END_PUNCTUATION = ".,;:!? "
# A passage is as relevant as its best unit, helped a little by its next best.
_PASSAGE_WEIGHTS = (1.0, 0.5, 0.25)


class SelectionPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    min_relevance: float = Field(0.30, ge=0, le=1, description="best cosine similarity to count as covered")
    keyword_cover_depth: int = Field(
        3, ge=0, description="keyword hits checked for every word of the question"
    )
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(1.0, ge=0)
    keyword_weight: float = Field(1.0, ge=0)
    max_per_tier: int = Field(4, ge=1)
    max_suggestions: int = Field(12, ge=1)
    max_passages: int = Field(2, ge=0, description="background prose shown as suggestions")
    max_sources: int = Field(10, ge=1)
    suggestion_themes: int = Field(5, ge=1, description="best themes that suggestions come from")
    # A theme far below the best passage is not about this question.
    theme_floor: float = Field(0.5, ge=0, le=1, description="share of the best passage's score")
    # Prose competes with whole themes for the sources: "what can we do"
    # questions want provisions, yet a lookup's answer may be prose.
    prose_weight: float = Field(0.8, ge=0)
    phase_boost: float = Field(1.2, ge=1)
    other_phase_weight: float = Field(0.3, ge=0, le=1)
    other_council_weight: float = Field(0.5, ge=0, le=1)
    theme_share: float = Field(0.5, ge=0, description="how much a provision borrows from its theme's rank")
    dense_floor: float = Field(0.85, ge=0, le=1, description="share of the best similarity to be suggested")
    keyword_floor: float = Field(0.3, ge=0, le=1, description="share of the best BM25 score to be suggested")
    # With the relevance judge (retrieval/relevance.py): probabilities that anything answers the
    # question, and that a passage is on point.
    answer_floor: float = Field(0.7, ge=0, le=1, description="below this probability, nothing is covered")
    show_floor: float = Field(0.25, ge=0, le=1, description="probability a provision needs to be suggested")
    relevance_weight: float = Field(2.0, ge=0, description="weight of the judge's ranking in the fusion")


@dataclass(frozen=True)
class Pick:
    """One suggestion: a unit, any units with the same words, and the passages citing them."""

    shown: Candidate
    also: tuple[Candidate, ...] = ()
    passages: tuple[Passage, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.passages]

    @property
    def unit_ids(self) -> list[str]:
        return [self.shown.id, *(c.id for c in self.also)]

    @property
    def text(self) -> str:
        """The words every cited passage holds: duplicates may end in different punctuation."""
        text = self.shown.text.strip()
        if all(text in c.text for c in self.also):
            return text
        return text.rstrip(_END_PUNCTUATION)


@dataclass(frozen=True)
class AreaChecklist:
    """The framework area whose Universal offer a selection lists (retrieval/in_place.py)."""

    document: str
    title: str
    area: str


@dataclass(frozen=True)
class Selection:
    question: str
    phase: str | None
    picks: dict[str, list[Pick]]  # tier (or "none") → suggestions, best first
    sources: list[tuple[Passage, float]]  # ranked best first
    council: str | None = None
    lead: str | None = None  # the tier (or "none") shown first: it holds what a lookup asked for
    area_checklist: AreaChecklist | None = None  # the Universal offer of one area was asked for

    @property
    def covered(self) -> bool:
        return any(self.picks.values())


def same_words(text: str) -> str:
    # Only case, spacing and the closing mark may differ: anything more and the
    # suggestion shown would not stand word for word in every passage it cites.
    return " ".join(text.casefold().split()).rstrip(_END_PUNCTUATION)


def fuse(rankings: Sequence[Sequence[str]], weights: Sequence[float], k: int = 60) -> dict[str, float]:
    """Reciprocal rank fusion: each ranking adds weight / (k + rank) to the ids it holds."""
    scores: dict[str, float] = defaultdict(float)
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, uid in enumerate(ranking, start=1):
            scores[uid] += weight / (k + rank)
    return dict(scores)


def unit_weight(unit: Candidate, policy: SelectionPolicy, phase: str | None, council: str | None) -> float:
    weight = 1.0
    marked = decode_phases(unit.metadata.get("phase", ""))
    if phase and marked:
        weight *= policy.phase_boost if phase in marked else policy.other_phase_weight
    authority = unit.metadata.get("local_authority", "")
    if council and is_council(authority) and authority.casefold() != council.casefold():
        weight *= policy.other_council_weight
    return weight


def council_first(selection: Selection, room: int) -> Selection:
    """The chosen council's passages among the first `room` sources, and its suggestions in each
    tier, put ahead of the others, each in its own order: a school looks to its own council's offer
    first whenever that covers the question. Nothing is added or dropped."""
    council = (selection.council or "").casefold()
    if not council:
        return selection

    def own(passage: Passage) -> bool:
        return passage.metadata.get("local_authority", "").casefold() == council

    head, tail = selection.sources[:room], selection.sources[room:]
    sources = sorted(head, key=lambda ps: not own(ps[0])) + tail  # sorted() is stable
    picks = {
        tier: sorted(tier_picks, key=lambda p: not (p.passages and own(p.passages[0])))
        for tier, tier_picks in selection.picks.items()
    }
    return replace(selection, picks=picks, sources=sources)


def is_council(authority: str) -> bool:
    return bool(authority) and authority.casefold() not in ("national", "unknown")


def _near_best(hits: Sequence[Candidate], share: float) -> set[str]:
    best = max((c.score for c in hits), default=0.0)
    return {c.id for c in hits if c.score >= share * best}


def _covered(
    question: str, dense: Sequence[Candidate], keyword: Sequence[Candidate], policy: SelectionPolicy
) -> bool:
    if max((c.score for c in dense), default=0.0) >= policy.min_relevance:
        return True
    return bool(naming(question, keyword, policy))


def naming(question: str, keyword: Sequence[Candidate], policy: SelectionPolicy) -> list[Candidate]:
    """Units holding every word of the question, among the first keyword hits.

    A name the documents use ("what is PACE?") is covered even when the models are
    unsure of it: every word of the question stands in one unit.
    """
    wanted = set(tokens(question))
    if not wanted:
        return []
    return [c for c in keyword[: policy.keyword_cover_depth] if holds_every_word(wanted, c.text, c.metadata)]


def holds_every_word(wanted: set[str], text: str, metadata: dict) -> bool:
    """Whether a unit (read with its area and theme) holds every one of `wanted` (`tokens`)."""
    return wanted <= set(tokens(searchable(text, metadata)))


def rank_passages(
    library: Library, unit_scores: dict[str, float], policy: SelectionPolicy
) -> list[tuple[Passage, float]]:
    by_passage: dict[str, list[float]] = defaultdict(list)
    passages: dict[str, Passage] = {}
    for uid, score in unit_scores.items():
        passage = library.passage_of(uid)
        passages[passage.id] = passage
        by_passage[passage.id].append(score)
    ranked = []
    for pid, scores in by_passage.items():
        best = sorted(scores, reverse=True)
        score = sum(w * s for w, s in zip(_PASSAGE_WEIGHTS, best, strict=False))
        if passages[pid].kind != "theme":
            score *= policy.prose_weight
        ranked.append((passages[pid], score))
    ranked.sort(key=lambda ps: ps[1], reverse=True)
    return ranked


def select(
    question: str,
    dense: Sequence[Candidate],
    keyword: Sequence[Candidate],
    library: Library,
    policy: SelectionPolicy,
    phase: str | None = None,
    council: str | None = None,
) -> Selection:
    """The suggestions and ranked sources for one question; nothing when nothing is close enough."""
    if not _covered(question, dense, keyword, policy):
        return Selection(question, phase, {}, [], council)
    fused = fuse(
        [[c.id for c in dense], [c.id for c in keyword]],
        (policy.dense_weight, policy.keyword_weight),
        policy.rrf_k,
    )
    unit_scores = {
        uid: score * unit_weight(library.units[uid], policy, phase, council)
        for uid, score in fused.items()
        if uid in library.units
    }
    ranked = rank_passages(library, unit_scores, policy)
    # Suggestions need a search that is fairly sure: each search's long tail drifts
    # off the point (the small embedding model on loose words, BM25 on one shared word).
    eligible = _near_best(dense, policy.dense_floor) | _near_best(keyword, policy.keyword_floor)
    groups = _provisions(ranked, unit_scores, eligible & set(unit_scores), policy, question, phase)
    picks = _pick(ranked, groups, policy)

    cited = {p.id for tier_picks in picks.values() for pick in tier_picks for p in pick.passages}
    sources = ranked[: policy.max_sources]
    sources += [(p, s) for p, s in ranked[policy.max_sources :] if p.id in cited]
    return Selection(question, phase, picks, sources, council)


def _provisions(
    ranked: list[tuple[Passage, float]],
    unit_scores: dict[str, float],
    eligible: set[str],
    policy: SelectionPolicy,
    question: str,
    phase: str | None,
) -> list[list[tuple[Candidate, Passage]]]:
    """Suggestible provisions from the best themes, best first, the same words grouped."""
    floor = policy.theme_floor * ranked[0][1] if ranked else 0.0
    themes = [(p, s) for p, s in ranked if p.kind == "theme" and s >= floor][: policy.suggestion_themes]
    scored: list[tuple[float, Candidate, Passage]] = []
    for passage, passage_score in themes:
        for unit in passage.members:
            # Only what the searches found: a theme's other lines may be off the point.
            if unit.id in eligible and unit.is_provision and fits(unit, question, phase):
                score = unit_scores[unit.id] + policy.theme_share * passage_score
                scored.append((score, unit, passage))
    scored.sort(key=lambda t: t[0], reverse=True)
    groups: dict[str, list[tuple[Candidate, Passage]]] = {}
    for _, unit, passage in scored:
        groups.setdefault(same_words(unit.text), []).append((unit, passage))
    return list(groups.values())


def _pick(
    ranked: list[tuple[Passage, float]],
    groups: list[list[tuple[Candidate, Passage]]],
    policy: SelectionPolicy,
) -> dict[str, list[Pick]]:
    picks: dict[str, list[Pick]] = {t: [] for t in (*TIER_ORDER, "none")}
    # Prose answers lookups: shown, after the provisions, when it ranks among the first sources.
    for passage, _ in ranked[: policy.max_passages + 1]:
        if passage.kind != "theme" and len(picks["none"]) < policy.max_passages:
            picks["none"].append(Pick(passage.members[0], (), (passage,)))
    room = policy.max_suggestions - len(picks["none"])
    for group in groups:
        best = group[0][0]
        if len(picks[best.tier]) < policy.max_per_tier and room > 0:
            passages = tuple({p.id: p for _, p in group}.values())
            picks[best.tier].append(Pick(best, tuple(u for u, _ in group[1:]), passages))
            room -= 1
    return picks
