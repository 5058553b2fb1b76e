"""Score one answer against one gold case. Pure: plain data in, plain data out.

Retrieval is judged on the ranked `sources`, cut to a character budget so that
returning long passages cannot win; what staff see is judged on `suggestions`.
The budget is counted in normalised characters (what matching reads), the same
for every system, so that Markdown links or PDF spacing spend none of it; the
baselines fill it as the project may (see `within_budget`).
A passage or suggestion matches an expected provision when it contains the
provision's quote, both normalised (see `evals.cases.normalise`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TypeVar

from provision_assistant.evals.cases import Case, normalise
from provision_assistant.evals.qrels import graded_ndcg, grades_of, shown_texts
from provision_assistant.retrieval.summary_check import sentences

SOURCE_BUDGET_CHARS = 10_000

T = TypeVar("T")


def budget_chars(text: str) -> int:
    """What a text spends of the budget: its length once normalised."""
    return len(normalise(text))


def budgeted(texts: Sequence[str], budget: int = SOURCE_BUDGET_CHARS) -> list[str]:
    """The ranked texts, normalised, cut where their running length reaches `budget`."""
    kept, used = [], 0
    for text in texts:
        if used >= budget:
            break
        kept.append(normalise(text)[: budget - used])
        used += len(kept[-1])
    return kept


def within_budget(
    ranked: Iterable[T], text: Callable[[T], str], budget: int = SOURCE_BUDGET_CHARS
) -> list[T]:
    """The leading items whose texts reach `budget`, counted as `budgeted` counts them.

    A retriever that stops short of the budget is judged on less text than one
    that fills it; the baselines return this many so that all compare on equal text.
    """
    kept, used = [], 0
    for item in ranked:
        if used >= budget:
            break
        kept.append(item)
        used += budget_chars(text(item))
    return kept


def ranked_matches(texts: Sequence[str], keys: Sequence[str]) -> list[list[int]]:
    """For each ranked text, the expected provisions it finds for the first time (by index)."""
    found: set[int] = set()
    ranks = []
    for text in texts:
        norm = normalise(text)
        new = [i for i, key in enumerate(keys) if i not in found and key in norm]
        found.update(new)
        ranks.append(new)
    return ranks


@dataclass
class QuestionScore:
    """Everything measured for one question and one system; aggregates are built from these."""

    case_id: str
    kind: str
    phase: str
    area: str
    expected_status: str
    status: str
    latency_ms: float
    n_expected: int
    n_avoid: int = 0
    # one query embedding and one vector search for the same question, timed beside the answer
    floor_ms: float | None = None
    # per ranked source (within budget): expected-provision indexes first found there
    source_matches: list[list[int]] = field(default_factory=list)
    suggestions_shown: int | None = None
    suggestion_found: list[int] | None = None
    tier_checked: int = 0
    tier_correct: int = 0
    tier_mistakes: list[str] = field(default_factory=list)
    # the same, over the expected provisions that stand under a tier label in their document
    tier_checked_labelled: int = 0
    tier_correct_labelled: int = 0
    avoid_hits: list[int] | None = None
    citations_total: int = 0
    citations_valid: int = 0
    error: str = ""
    # with a language model (`--with-model`): the summary's sentences kept and removed, or the note
    summary_kept: int | None = None
    summary_removed: int | None = None
    model_note: bool = False
    # with graded judgements (evals/qrels.py): each shown item's grade, None where nobody graded it
    shown_grades: list[str | None] | None = None
    graded_ndcg: float | None = None

    @property
    def status_ok(self) -> bool:
        return self.status == self.expected_status

    def recall_at(self, k: int) -> float | None:
        if not self.n_expected:
            return None
        return len({i for hits in self.source_matches[:k] for i in hits}) / self.n_expected

    @property
    def suggestion_recall(self) -> float | None:
        if not self.n_expected or self.suggestion_found is None:
            return None
        return len(self.suggestion_found) / self.n_expected

    def to_json(self) -> dict:
        data = asdict(self)
        data["status_ok"] = self.status_ok
        data["recall@10"] = self.recall_at(10)
        data["suggestion_recall"] = self.suggestion_recall
        return data


def score_answer(
    case: Case,
    answer: dict,
    latency_ms: float,
    *,
    judges_suggestions: bool,
    floor_ms: float | None = None,
    judged: dict[str, str] | None = None,
    lost_labels: frozenset[str] = frozenset(),
) -> QuestionScore:
    """How one answer (the JSON every front end shows) measures up to its case. `lost_labels`: the
    expected provisions whose tier label their document lost (`evals.tier_labels`)."""
    keys = [q.key for q in case.expected]
    sources = answer.get("sources", [])
    score = QuestionScore(
        case_id=case.id,
        kind=case.kind,
        phase=case.phase,
        area=case.area,
        expected_status=case.status or "",
        status=answer.get("status", "error"),
        latency_ms=round(latency_ms, 2),
        n_expected=len(keys),
        n_avoid=len(case.avoid),
        floor_ms=None if floor_ms is None else round(floor_ms, 2),
        source_matches=ranked_matches(budgeted([s.get("text", "") for s in sources]), keys),
        error=answer.get("error", ""),
    )
    if summary := answer.get("summary"):
        score.summary_kept = len(sentences(summary.get("text", "")))
        score.summary_removed = summary.get("removed", 0)
    score.model_note = bool(answer.get("model_note"))
    if judges_suggestions:
        _score_suggestions(score, case, answer.get("suggestions", []), sources, lost_labels)
    if judged is not None:
        score.shown_grades = grades_of(shown_texts(answer, judges_suggestions), judged)
        score.graded_ndcg = graded_ndcg(score.shown_grades, judged)
    return score


def _score_suggestions(
    score: QuestionScore,
    case: Case,
    suggestions: list[dict],
    sources: list[dict],
    lost_labels: frozenset[str],
) -> None:
    shown = [(s.get("tier", "none"), normalise(s.get("text", ""))) for s in suggestions]
    score.suggestions_shown = len(shown)
    score.suggestion_found = []
    for i, quote in enumerate(case.expected):
        tiers = [tier for tier, text in shown if quote.key in text]
        if not tiers:
            continue
        score.suggestion_found.append(i)
        if quote.tier != "none":
            labelled = quote.key not in lost_labels
            score.tier_checked += 1
            score.tier_checked_labelled += labelled
            if quote.tier in tiers:
                score.tier_correct += 1
                score.tier_correct_labelled += labelled
            else:
                score.tier_mistakes.append(
                    f"expected {quote.tier}, shown {'/'.join(tiers)}: {quote.quote[:60]}"
                )
    score.avoid_hits = [
        i for i, quote in enumerate(case.avoid) if any(quote.key in text for _, text in shown)
    ]
    by_id = {s.get("id"): normalise(s.get("text", "")) for s in sources}
    for suggestion in suggestions:
        ids = suggestion.get("source_ids") or []
        # Line by line: a list item left out as for other pupils takes its whole line with it.
        lines = [normalise(line) for line in suggestion.get("text", "").split("\n") if line.strip()]
        score.citations_total += 1
        if ids and lines and all(by_id.get(i) is not None and all(x in by_id[i] for x in lines) for i in ids):
            score.citations_valid += 1
