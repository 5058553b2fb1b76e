"""Choose what to show when the relevance judge has weighed the passages. Pure.

Suggestions are the provisions the judge thinks on point, one by one, wherever they
stand (not the whole of a theme that ranks well); when nothing is likely enough the
documents do not cover the question. Sources are ranked by fusing the judge's ranking
with the two searches, so that a theme the judge never saw still counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from provision_assistant.retrieval.audience import fits
from provision_assistant.retrieval.candidate import TIER_ORDER, Candidate
from provision_assistant.retrieval.library import Library, Passage
from provision_assistant.retrieval.relevance import Relevance
from provision_assistant.retrieval.select import (
    Pick,
    Selection,
    SelectionPolicy,
    fuse,
    naming,
    rank_passages,
    same_words,
    select,
    unit_weight,
)


def select_judged(
    question: str,
    dense: Sequence[Candidate],
    keyword: Sequence[Candidate],
    library: Library,
    policy: SelectionPolicy,
    relevance: Relevance,
    phase: str | None = None,
    council: str | None = None,
) -> Selection:
    """The suggestions and ranked sources for one question, from the judge's probabilities.

    Documents the judge's examples never name (a council's own, beside the bundled ones) are
    chosen from as before the judge, by the searches' own scores, after what the judge chose.
    """
    judged = {uid: p for uid, p in relevance.on_point.items() if uid in library.units}
    # A name the documents use is an answer even when the judge doubts it ("what is Qwell?").
    named = [c.id for c in naming(question, keyword, policy) if c.id in library.units]
    outside = _outside(relevance.known, dense, keyword)
    unknown = select(question, *outside, library, policy, phase, council) if outside else None
    if (relevance.covered < policy.answer_floor or not judged) and not named:
        if unknown is None or not unknown.covered:
            return Selection(question, phase, {}, [], council)
        judged = {}
    judged.update({uid: max(judged.get(uid, 0.0), policy.show_floor) for uid in named})
    by_judge = sorted(judged, key=lambda uid: (-judged[uid], uid))
    fused = fuse(
        [[c.id for c in dense], [c.id for c in keyword], by_judge],
        (policy.dense_weight, policy.keyword_weight, policy.relevance_weight),
        policy.rrf_k,
    )
    # Every judged unit is in the fusion (the judge's ranking is one of its lists).
    weights = {
        uid: unit_weight(library.units[uid], policy, phase, council) for uid in fused if uid in library.units
    }
    ranked = rank_passages(library, {uid: fused[uid] * w for uid, w in weights.items()}, policy)
    weighed = {uid: p * weights[uid] for uid, p in judged.items()}
    picks = _picks(weighed, library, policy, question, phase, set(named))
    if unknown is not None:
        _add(picks, unknown.picks, policy)
    cited = {p.id for tier_picks in picks.values() for pick in tier_picks for p in pick.passages}
    sources = ranked[: policy.max_sources]
    sources += [(p, s) for p, s in ranked[policy.max_sources :] if p.id in cited]
    return Selection(question, phase, picks, sources, council)


def _outside(
    known: frozenset[str], dense: Sequence[Candidate], keyword: Sequence[Candidate]
) -> tuple[list[Candidate], list[Candidate]] | None:
    """The hits from documents the judge cannot weigh, if it names what it knows and any were found."""
    if not known:
        return None
    outside = tuple(
        [c for c in hits if c.metadata.get("document", "") not in known] for hits in (dense, keyword)
    )
    return outside if any(outside) else None


def _add(picks: dict[str, list[Pick]], more: dict[str, list[Pick]], policy: SelectionPolicy) -> None:
    room = policy.max_suggestions - sum(len(p) for p in picks.values())
    shown = {same_words(p.shown.text) for tier_picks in picks.values() for p in tier_picks}
    for tier, extra in more.items():
        cap = policy.max_per_tier if tier != "none" else policy.max_passages
        for pick in extra:
            if same_words(pick.shown.text) not in shown and len(picks[tier]) < cap and room > 0:
                picks[tier].append(pick)
                room -= 1


def _picks(
    weighed: dict[str, float],
    library: Library,
    policy: SelectionPolicy,
    question: str,
    phase: str | None,
    named: set[str],
) -> dict[str, list[Pick]]:
    picks: dict[str, list[Pick]] = {t: [] for t in (*TIER_ORDER, "none")}
    order = sorted(weighed, key=lambda uid: (-weighed[uid], uid))
    # What the question names by name ("who is Portage for?") is asked about, whoever it is for.
    fitting = [uid for uid in order if uid in named or fits(library.units[uid], question, phase)]
    # The judge's best is shown even when unsure: it found the question covered.
    chosen = [uid for uid in fitting if weighed[uid] >= policy.show_floor] or fitting[:1]
    groups: dict[str, list[tuple[Candidate, Passage]]] = {}
    for uid in chosen:
        unit = library.units[uid]
        groups.setdefault(same_words(unit.text), []).append((unit, library.passage_of(uid)))
    room = policy.max_suggestions
    for group in groups.values():
        best = group[0][0]
        tier = best.tier if best.is_provision else "none"
        cap = policy.max_per_tier if tier != "none" else policy.max_passages
        if len(picks[tier]) < cap and room > 0:
            passages = tuple({p.id: p for _, p in group}.values())
            picks[tier].append(Pick(best, tuple(u for u, _ in group[1:]), passages))
            room -= 1
    return picks
