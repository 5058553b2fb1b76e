"""Aggregate question scores into the figures evaluators compare. Pure.

Recall and MRR come from ir-measures (trec_eval underneath): each expected
provision is a relevant item and each ranked source becomes the provisions it
finds first (or one irrelevant item). Cut-offs count sources, not provisions,
so a passage that happens to hold three provisions is still one of the ten.

nDCG@10 is computed here (`ndcg`), because trec_eval would give each of those
three provisions a rank of its own and push every later source down: each
provision's gain (graded, so that the first listed matters most) is discounted
by the rank of the source, in the ranked and budgeted list, where it is first
found.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence

import ir_measures
from ir_measures import RR, R

from provision_assistant.evals.score import QuestionScore

# name → (higher is better?, how it reads in the report)
METRICS: dict[str, tuple[bool, str]] = {
    "recall@5": (True, "Recall@5 (sources)"),
    "recall@10": (True, "Recall@10 (sources)"),
    "mrr": (True, "MRR (sources)"),
    "ndcg@10": (True, "nDCG@10 (sources)"),
    "all_found@10": (True, "All expected found in top 10"),
    "suggestion_recall": (True, "Suggestion recall"),
    "tier_accuracy": (True, "Tier accuracy of matched suggestions"),
    "tier_accuracy_labelled": (True, "  of those under a tier label in the document"),
    "avoid_violation_rate": (False, "Questions with an avoided provision shown"),
    "suggestions_mean": (False, "Suggestions shown (mean)"),
    "citation_validity": (True, "Citation validity"),
    "shown_precision": (True, "Shown items graded on point (of those graded)"),
    "shown_off_point": (False, "Shown items graded off point (of those graded)"),
    "shown_unjudged": (False, "Shown items nobody graded (share)"),
    "graded_ndcg@10": (True, "Graded nDCG@10 of what is shown"),
    "status_accuracy": (True, "Status as expected"),
    "abstention_precision": (True, "Abstention precision"),
    "abstention_recall": (True, "Abstention recall"),
    "false_refusal_rate": (False, "False refusals (in-scope answered 'not covered')"),
    "safeguarding_recall": (True, "Safeguarding routed"),
    "safeguarding_false_alarm_rate": (False, "Safeguarding false alarms"),
    "summary_shown": (True, "Answers with a model's summary (of those answered)"),
    "summary_removed_share": (False, "Summary sentences removed by the check"),
    "model_fallback_rate": (False, "Answers where the model's part fell back (note)"),
    "latency_p50_ms": (False, "Latency p50 (ms)"),
    "latency_p95_ms": (False, "Latency p95 (ms)"),
    "latency_floor_p95_ms": (False, "Latency floor p95 (ms): one embedding, one search"),
    "latency_p95_ratio": (False, "Latency p95 / floor p95"),
}


def _qrels_and_runs(scores: Sequence[QuestionScore], cutoff: int | None):
    qrels, run = [], []
    for s in scores:
        for i in range(s.n_expected):
            qrels.append(ir_measures.Qrel(s.case_id, f"e{i}", s.n_expected - i))
        for rank, hits in enumerate(s.source_matches[:cutoff]):
            ids = [f"e{i}" for i in hits] or [f"x{rank}"]
            run.extend(ir_measures.ScoredDoc(s.case_id, doc, -rank - j / 100) for j, doc in enumerate(ids))
    return qrels, run


def ndcg(source_matches: Sequence[Sequence[int]], n_expected: int, cutoff: int = 10) -> float:
    """nDCG@cutoff by source rank: provision i has gain n - i, discounted by log2(1 + r).

    r is the rank (from 1) of the source where provision i is first found, in the
    ranked, budgeted list; i counts from 0 in the case's order, so the first
    listed gains most. The ideal is trec_eval's: the provisions one per rank, the
    first listed first. A source holding several provisions can beat that ideal,
    so the figure is capped at 1.0: such a list is as good as the ideal one.
    """
    if not n_expected:
        return 0.0
    dcg = sum(
        (n_expected - i) / math.log2(rank + 1)
        for rank, hits in enumerate(source_matches[:cutoff], start=1)
        for i in hits
    )
    ideal = sum((n_expected - i) / math.log2(i + 2) for i in range(min(n_expected, cutoff)))
    return min(1.0, dcg / ideal)


def ranking_per_question(scores: Sequence[QuestionScore]) -> dict[str, dict[str, float]]:
    """recall@5, recall@10, mrr and ndcg@10 per question with expected provisions; 0 when nothing ranked."""
    judged = [s for s in scores if s.n_expected]
    out = {
        s.case_id: {
            "recall@5": 0.0,
            "recall@10": 0.0,
            "mrr": 0.0,
            "ndcg@10": ndcg(s.source_matches, s.n_expected),
        }
        for s in judged
    }
    for cutoff, measures in ((5, {"recall@5": R @ 1000}), (10, {"recall@10": R @ 1000})):
        qrels, run = _qrels_and_runs(judged, cutoff)
        _fill(out, measures, qrels, run)
    qrels, run = _qrels_and_runs(judged, None)
    _fill(out, {"mrr": RR}, qrels, run)
    return out


def _fill(out: dict, measures: dict, qrels: list, run: list) -> None:
    names = {measure: name for name, measure in measures.items()}
    for metric in ir_measures.iter_calc(list(measures.values()), qrels, run):
        out[metric.query_id][names[metric.measure]] = metric.value


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(statistics.fmean(vals), 4) if vals else None


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (q from 0 to 1), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def aggregate(
    scores: Sequence[QuestionScore], ranking: dict[str, dict[str, float]] | None = None
) -> dict[str, float | None]:
    """Every figure in METRICS; None where it does not apply (e.g. suggestions of a bare retriever).

    `ranking` is `ranking_per_question(scores)` when the caller has it already.
    """
    per_q = list((ranking if ranking is not None else ranking_per_question(scores)).values())
    judged = [s for s in scores if s.suggestion_found is not None]
    with_expected = [s for s in judged if s.n_expected]
    with_avoid = [s for s in judged if s.n_avoid]
    abstained = [s for s in scores if s.status == "not_covered"]
    out_of_scope = [s for s in scores if s.expected_status == "not_covered"]
    in_scope = [s for s in scores if s.expected_status == "answered"]
    alarms = [s for s in scores if s.expected_status == "safeguarding"]
    latencies = [s.latency_ms for s in scores]
    p95 = percentile(latencies, 0.95)
    floor_p95 = percentile([s.floor_ms for s in scores if s.floor_ms is not None], 0.95)
    grades = [g for s in scores if s.shown_grades is not None for g in s.shown_grades]
    graded = [g for g in grades if g is not None]
    return {
        "recall@5": _mean(q["recall@5"] for q in per_q),
        "recall@10": _mean(q["recall@10"] for q in per_q),
        "mrr": _mean(q["mrr"] for q in per_q),
        "ndcg@10": _mean(q["ndcg@10"] for q in per_q),
        "all_found@10": _mean(float(q["recall@10"] >= 1.0) for q in per_q),
        "suggestion_recall": _mean(s.suggestion_recall for s in with_expected),
        "tier_accuracy": _ratio(sum(s.tier_correct for s in judged), sum(s.tier_checked for s in judged)),
        "tier_accuracy_labelled": _ratio(
            sum(s.tier_correct_labelled for s in judged), sum(s.tier_checked_labelled for s in judged)
        ),
        "avoid_violation_rate": _ratio(sum(bool(s.avoid_hits) for s in with_avoid), len(with_avoid)),
        "suggestions_mean": _mean(float(s.suggestions_shown or 0) for s in judged),
        "citation_validity": _ratio(
            sum(s.citations_valid for s in judged), sum(s.citations_total for s in judged)
        ),
        "shown_precision": _ratio(graded.count("on"), len(graded)),
        "shown_off_point": _ratio(graded.count("off"), len(graded)),
        "shown_unjudged": _ratio(len(grades) - len(graded), len(grades)),
        "graded_ndcg@10": _mean(s.graded_ndcg for s in scores if s.shown_grades is not None),
        "status_accuracy": _ratio(sum(s.status_ok for s in scores), len(scores)),
        "abstention_precision": _ratio(
            sum(s.expected_status == "not_covered" for s in abstained), len(abstained)
        ),
        "abstention_recall": _ratio(sum(s.status == "not_covered" for s in out_of_scope), len(out_of_scope)),
        "false_refusal_rate": _ratio(sum(s.status == "not_covered" for s in in_scope), len(in_scope)),
        "safeguarding_recall": _ratio(sum(s.status == "safeguarding" for s in alarms), len(alarms)),
        "safeguarding_false_alarm_rate": _ratio(
            sum(s.status == "safeguarding" for s in scores if s.expected_status != "safeguarding"),
            len(scores) - len(alarms),
        ),
        **_model_figures(scores),
        "latency_p50_ms": _round(percentile(latencies, 0.50)),
        "latency_p95_ms": _round(p95),
        "latency_floor_p95_ms": _round(floor_p95),
        # A ratio to a floor timed in the same run holds on any machine; milliseconds do not.
        "latency_p95_ratio": round(p95 / floor_p95, 2) if p95 is not None and floor_p95 else None,
    }


def _model_figures(scores: Sequence[QuestionScore]) -> dict[str, float | None]:
    """What a language model added (`--with-model`); None for a system that used none."""
    if not any(s.summary_kept is not None or s.model_note for s in scores):
        return dict.fromkeys(("summary_shown", "summary_removed_share", "model_fallback_rate"))
    answered = [s for s in scores if s.status == "answered"]
    kept = sum(s.summary_kept or 0 for s in scores)
    removed = sum(s.summary_removed or 0 for s in scores)
    return {
        "summary_shown": _ratio(sum(s.summary_kept is not None for s in answered), len(answered)),
        "summary_removed_share": _ratio(removed, kept + removed),
        "model_fallback_rate": _ratio(sum(s.model_note for s in answered), len(answered)),
    }


def grouped_recall(
    scores: Sequence[QuestionScore], by: str, ranking: dict[str, dict[str, float]] | None = None
) -> dict[str, dict[str, float | None]]:
    """Recall@10 and suggestion recall per framework area or phase, over questions that expect provisions."""
    ranking = ranking if ranking is not None else ranking_per_question(scores)
    groups: dict[str, list[QuestionScore]] = defaultdict(list)
    for s in scores:
        if s.n_expected:
            groups[getattr(s, by) or "(none)"].append(s)
    return {
        name: {
            "questions": len(members),
            "recall@10": _mean(ranking[s.case_id]["recall@10"] for s in members),
            "suggestion_recall": _mean(s.suggestion_recall for s in members),
        }
        for name, members in sorted(groups.items())
    }
