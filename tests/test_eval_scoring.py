"""Scoring and metrics of the eval suite on hand-made answers: pure logic, no model."""

from __future__ import annotations

import pytest

from provision_assistant.evals.cases import Case, normalise
from provision_assistant.evals.metrics import aggregate, grouped_recall, ranking_per_question
from provision_assistant.evals.score import SOURCE_BUDGET_CHARS, budgeted, ranked_matches, score_answer

pytestmark = pytest.mark.unit

A = "Named member of staff to check in with the pupil each morning"
B = "Access to a quiet space at lunchtime for pupils who find the dining hall overwhelming"
C = "Referral to the educational psychology service for a consultation"


def case(kind="recommend", expected=(A, B, C), avoid=(), tiers=None, **extra) -> Case:
    tiers = tiers or ["targeted"] * len(expected)
    return Case.model_validate(
        {
            "id": extra.pop("id", "c1"),
            "kind": kind,
            "question": "y8 anxious about the canteen",
            "expected": [
                {"quote": q, "document": "doc.txt", "tier": t} for q, t in zip(expected, tiers, strict=True)
            ],
            "avoid": [{"quote": q, "document": "doc.txt"} for q in avoid],
            **extra,
        }
    )


def source(sid: str, text: str) -> dict:
    return {"id": sid, "text": text}


def test_normalise_ignores_case_spacing_links_bold_and_typographic_marks():
    assert normalise("  **Pupil’s** [Passport](#)\n  template – “v2”") == 'pupil\'s passport template - "v2"'


def test_budget_cuts_ranked_text_at_ten_thousand_characters():
    kept = budgeted(["a" * 6000, "b" * 6000, "c" * 10])
    assert [len(t) for t in kept] == [6000, 4000]


def test_a_source_past_the_budget_finds_nothing():
    answer = {"status": "answered", "sources": [source("1", "x" * 10_000), source("2", A)]}
    score = score_answer(case(), answer, 5.0, judges_suggestions=False)
    assert score.recall_at(10) == 0.0


def test_the_budget_is_counted_in_normalised_characters_for_every_system():
    # A Markdown link's address and a PDF's runs of spaces are not read by matching, so they spend no budget.
    link = "[Be You](https://example.org/" + "p" * SOURCE_BUDGET_CHARS + ")"
    spaced = "quiet " + " " * SOURCE_BUDGET_CHARS + "space"
    answer = {"status": "answered", "sources": [source("1", link), source("2", spaced), source("3", A)]}
    score = score_answer(case(), answer, 1.0, judges_suggestions=False)
    assert score.recall_at(10) == pytest.approx(1 / 3)
    assert budgeted([link, spaced]) == ["be you", "quiet space"]


def _chunks(count: int, size: int) -> list:
    from langchain_core.documents import Document

    text = "canteen {:03d} " + "z" * (size - 12)
    return [Document(text.format(n), id=f"chunk-{n}", metadata={"source": "doc.txt"}) for n in range(count)]


def test_the_bm25_baseline_fills_the_budget_the_project_is_judged_on():
    from provision_assistant.evals.baselines import BM25Baseline

    sources = BM25Baseline(_chunks(40, 500)).answer("canteen")["sources"]
    used = [len(normalise(s["text"])) for s in sources]  # as the budget counts
    assert len(sources) == 20  # a fixed top 10 would stop at 5,000 characters
    assert sum(used[:-1]) < SOURCE_BUDGET_CHARS <= sum(used)


def test_a_vector_store_is_asked_for_more_chunks_until_the_budget_is_full():
    from provision_assistant.evals.baselines import filling_budget

    chunks, asked = _chunks(40, 300), []

    def search(k: int) -> list:
        asked.append(k)
        return chunks[:k]

    assert len(filling_budget(search)) == 34  # 34 x 300 first reaches 10,000
    assert asked == [10, 20, 40]
    asked.clear()
    assert filling_budget(lambda k: asked.append(k) or chunks[:5]) == chunks[:5]  # the corpus runs out
    assert asked == [10]


def test_ranked_matches_counts_each_provision_where_it_is_first_found():
    texts = ["nothing here", f"{A}. Also {normalise(B)}", f"[{A}](#)", C.upper()]
    assert ranked_matches(texts, [normalise(q) for q in (A, B, C)]) == [[], [0, 1], [], [2]]


def test_suggestions_are_judged_for_recall_tier_avoid_and_citations():
    answer = {
        "status": "answered",
        "sources": [source("s1", A + "."), source("s2", "Early years setting visit by the health visitor")],
        "suggestions": [
            {"tier": "universal", "text": A, "source_ids": ["s1"]},  # found, wrong tier
            {"tier": "targeted", "text": "Early years setting visit", "source_ids": ["s2"]},  # avoided
            {"tier": "targeted", "text": "Invented provision", "source_ids": ["s1"]},  # bad citation
            {"tier": "targeted", "text": A, "source_ids": ["missing"]},  # unknown source id
        ],
    }
    score = score_answer(case(avoid=("Early years setting visit",)), answer, 12.0, judges_suggestions=True)
    assert score.suggestion_found == [0]
    assert score.suggestion_recall == pytest.approx(1 / 3)
    assert (score.tier_checked, score.tier_correct) == (1, 1)  # shown in targeted as well
    assert score.avoid_hits == [0]
    assert (score.citations_total, score.citations_valid) == (4, 2)


def test_a_provision_shown_only_in_the_wrong_tier_is_a_tier_mistake():
    answer = {
        "status": "answered",
        "sources": [source("s1", A)],
        "suggestions": [{"tier": "specialist", "text": A, "source_ids": ["s1"]}],
    }
    score = score_answer(case(), answer, 1.0, judges_suggestions=True)
    assert (score.tier_checked, score.tier_correct) == (1, 0)
    assert score.tier_mistakes and "expected targeted, shown specialist" in score.tier_mistakes[0]


def test_tier_accuracy_is_also_counted_over_the_provisions_under_a_label_in_their_document():
    answer = {
        "status": "answered",
        "sources": [source("s1", A + "\n" + B)],
        "suggestions": [
            {"tier": "targeted", "text": A, "source_ids": ["s1"]},
            {
                "tier": "universal",
                "text": B,
                "source_ids": ["s1"],
            },  # B's label was lost: the writer's reading
        ],
    }
    score = score_answer(case(), answer, 1.0, judges_suggestions=True, lost_labels=frozenset({normalise(B)}))
    assert (score.tier_checked, score.tier_correct) == (2, 1)
    assert (score.tier_checked_labelled, score.tier_correct_labelled) == (1, 1)
    figures = aggregate([score])
    assert (figures["tier_accuracy"], figures["tier_accuracy_labelled"]) == (0.5, 1.0)


def test_a_suggestion_with_list_items_left_out_is_a_valid_citation_line_by_line():
    whole = "Referral to a course:\n- Charge up (11-16)\n- Relax kids (5-10)"
    answer = {
        "status": "answered",
        "sources": [source("s1", whole)],
        "suggestions": [
            {"tier": "targeted", "text": "Referral to a course:\n- Relax kids (5-10)", "source_ids": ["s1"]},
            {"tier": "targeted", "text": "Referral to a course:\n- Bounce back (5-10)", "source_ids": ["s1"]},
        ],
    }
    score = score_answer(case(), answer, 1.0, judges_suggestions=True)
    assert (score.citations_total, score.citations_valid) == (2, 1)


def test_bare_retrievers_are_not_judged_on_suggestions():
    score = score_answer(case(), {"status": "answered", "sources": []}, 1.0, judges_suggestions=False)
    assert score.suggestion_found is None and score.suggestion_recall is None
    assert aggregate([score])["suggestion_recall"] is None


def test_ranking_metrics_follow_their_definitions():
    # provisions A (grade 3), B (2), C (1); A at rank 2, C at rank 6, B never
    sources = [source("1", "x"), source("2", A)] + [source(str(i), "x") for i in range(3, 6)]
    sources.append(source("6", C))
    answer = {"status": "answered", "sources": sources}
    score = score_answer(case(), answer, 1.0, judges_suggestions=False)
    figures = ranking_per_question([score])["c1"]
    assert figures["recall@5"] == pytest.approx(1 / 3)
    assert figures["recall@10"] == pytest.approx(2 / 3)
    assert figures["mrr"] == pytest.approx(0.5)
    # nDCG with grades 3, 2, 1 (trec_eval's linear gain, log2 discount)
    import math

    dcg = 3 / math.log2(3) + 1 / math.log2(7)
    ideal = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert figures["ndcg@10"] == pytest.approx(dcg / ideal, abs=1e-4)


def test_ndcg_discounts_each_provision_by_the_rank_of_its_source():
    # sources: 1 nothing, 2 holds A and B, 3 nothing, 4 holds C; grades A 3, B 2, C 1
    texts = ["x", f"{A}\n{B}", "x", C]
    answer = {"status": "answered", "sources": [source(str(i), t) for i, t in enumerate(texts, 1)]}
    score = score_answer(case(), answer, 1.0, judges_suggestions=False)
    import math

    dcg = 3 / math.log2(3) + 2 / math.log2(3) + 1 / math.log2(5)  # A and B both at source 2, C at 4
    ideal = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)  # one provision per rank
    assert ranking_per_question([score])["c1"]["ndcg@10"] == pytest.approx(dcg / ideal, abs=1e-4)
    assert dcg / ideal == pytest.approx(0.7529, abs=1e-4)


def test_ndcg_is_capped_where_one_source_beats_the_ideal():
    # A and B in source 1 (3 + 2) and C at source 10 outscore the ideal 4.76
    sources = [source("1", f"{A} {B}")] + [source(str(i), "x") for i in range(2, 10)] + [source("10", C)]
    score = score_answer(case(), {"status": "answered", "sources": sources}, 1.0, judges_suggestions=False)
    assert ranking_per_question([score])["c1"]["ndcg@10"] == 1.0


def test_one_passage_holding_several_provisions_is_one_rank():
    answer = {"status": "answered", "sources": [source("1", f"{A}\n{B}\n{C}")]}
    score = score_answer(case(), answer, 1.0, judges_suggestions=False)
    figures = ranking_per_question([score])["c1"]
    assert figures["recall@5"] == 1.0 and figures["mrr"] == 1.0
    assert figures["ndcg@10"] == pytest.approx(1.0)


def test_a_question_with_no_sources_scores_zero_not_missing():
    score = score_answer(case(), {"status": "not_covered", "sources": []}, 1.0, judges_suggestions=True)
    assert ranking_per_question([score])["c1"] == {"recall@5": 0, "recall@10": 0, "mrr": 0, "ndcg@10": 0}


def _status_score(kind: str, status: str, cid: str):
    expected = () if kind == "out_of_scope" else (A,)
    return score_answer(
        case(kind=kind, expected=expected, id=cid),
        {"status": status, "sources": [], "suggestions": []},
        1.0,
        judges_suggestions=True,
    )


def test_abstention_and_safeguarding_figures():
    scores = [
        _status_score("out_of_scope", "not_covered", "o1"),
        _status_score("out_of_scope", "answered", "o2"),
        _status_score("recommend", "not_covered", "r1"),  # a false refusal
        _status_score("recommend", "answered", "r2"),
        _status_score("safeguarding", "answered", "s1"),
        _status_score("safeguarding", "safeguarding", "s2"),
        _status_score("recommend", "safeguarding", "r3"),  # a false alarm
    ]
    figures = aggregate(scores)
    assert figures["abstention_precision"] == 0.5
    assert figures["abstention_recall"] == 0.5
    assert figures["false_refusal_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert figures["safeguarding_recall"] == 0.5
    assert figures["safeguarding_false_alarm_rate"] == 0.2
    assert figures["status_accuracy"] == pytest.approx(3 / 7, abs=1e-4)


def test_latency_is_reported_as_a_ratio_to_the_floor_timed_beside_it():
    scores = [
        score_answer(
            case(id=f"q{i}"), {"status": "answered"}, float(i), judges_suggestions=True, floor_ms=i / 2
        )
        for i in range(1, 21)
    ]
    figures = aggregate(scores)
    assert (figures["latency_p95_ms"], figures["latency_floor_p95_ms"]) == (19.0, 9.5)
    assert figures["latency_p95_ratio"] == 2.0
    bare = aggregate([score_answer(case(), {"status": "answered"}, 3.0, judges_suggestions=False)])
    assert bare["latency_floor_p95_ms"] is None and bare["latency_p95_ratio"] is None


def test_the_floor_is_timed_for_every_question_of_a_system_that_has_one():
    from provision_assistant.evals.runner import run_system

    calls = []

    class WithFloor:
        name, judges_suggestions = "project", True

        def floor(self, question):
            calls.append(question)

        def answer(self, question):
            return {"status": "answered", "sources": [], "suggestions": []}

    cases = [case(id="q1"), case(id="q2")]
    run = run_system(WithFloor(), cases)
    assert len(calls) == 3  # a warm-up, then one per question
    assert all(s.floor_ms is not None and s.floor_ms >= 0 for s in run.scores)


def test_latency_percentiles_and_grouping():
    scores = []
    for i, (phase, area) in enumerate([("primary", "Transition")] * 10 + [("secondary", "")] * 10):
        found = [source("1", A)] if phase == "primary" else []
        s = score_answer(
            case(id=f"q{i}", phase=phase, area=area),
            {"status": "answered", "sources": found, "suggestions": []},
            float(i + 1),
            judges_suggestions=True,
        )
        scores.append(s)
    figures = aggregate(scores)
    assert (figures["latency_p50_ms"], figures["latency_p95_ms"]) == (11.0, 19.0)
    by_phase = grouped_recall(scores, "phase")
    assert by_phase["primary"]["recall@10"] == pytest.approx(1 / 3, abs=1e-4)
    assert by_phase["secondary"] == {"questions": 10, "recall@10": 0.0, "suggestion_recall": 0.0}
    assert set(grouped_recall(scores, "area")) == {"Transition", "(none)"}
