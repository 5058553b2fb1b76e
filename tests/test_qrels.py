"""Graded judgements of what answers show, and the frozen test set's guard: pure, no model."""

from __future__ import annotations

import math
import shutil

import pytest

from provision_assistant.evals.cases import EvalDataError, verify_frozen
from provision_assistant.evals.metrics import aggregate
from provision_assistant.evals.qrels import graded_ndcg, grades_of, load_qrels, shown_texts
from provision_assistant.evals.score import QuestionScore
from provision_assistant.evals.suite import TEST_CASES

pytestmark = pytest.mark.unit


def test_judgements_are_read_by_their_words_and_a_changed_item_is_unjudged(tmp_path):
    (tmp_path / "qrels.yaml").write_text(
        'grades:\n  c1:\n    - {grade: "on", text: "Quiet  area at\\nlunchtimes."}\n'
        '    - {grade: "off", text: "Gross and fine motor."}\n',
        encoding="utf-8",
    )
    judged = load_qrels([tmp_path])["c1"]
    answer = {"suggestions": [{"text": "quiet area at lunchtimes."}, {"text": "A new line."}]}
    assert grades_of(shown_texts(answer, judges_suggestions=True), judged) == ["on", None]
    chunks = {"sources": [{"text": "Gross and fine motor."}] * 12}
    assert shown_texts(chunks, judges_suggestions=False) == ["Gross and fine motor."] * 10


def test_a_grade_outside_on_related_off_is_refused_naming_the_file(tmp_path):
    (tmp_path / "qrels.yaml").write_text(
        'grades:\n  c1:\n    - {grade: "yes", text: "x"}\n', encoding="utf-8"
    )
    with pytest.raises(EvalDataError, match=r"qrels\.yaml"):
        load_qrels([tmp_path])


def test_graded_ndcg_by_hand():
    judged = {"a": "on", "b": "related", "c": "off"}
    ideal = 2 + 1 / math.log2(3)
    assert graded_ndcg(["related", "on"], judged) == pytest.approx((1 + 2 / math.log2(3)) / ideal)
    assert graded_ndcg([None, "off"], judged) == 0.0  # unjudged counts as nothing, never as right
    assert graded_ndcg(["off"], {"c": "off"}) is None  # nothing in the pool could be right


def _score(case_id: str, grades: list[str | None] | None) -> QuestionScore:
    return QuestionScore(case_id, "recommend", "any", "", "answered", "answered", 1.0, 0, shown_grades=grades)


def test_precision_off_point_and_unjudged_count_every_item_shown():
    scores = [_score("a", ["on", "on", "off", None]), _score("b", ["related"]), _score("c", None)]
    figures = aggregate(scores)
    assert figures["shown_precision"] == 0.5  # 2 of the 4 graded
    assert figures["shown_off_point"] == 0.25
    assert figures["shown_unjudged"] == 0.2  # 1 of the 5 shown


def test_a_frozen_set_whose_file_changed_is_refused(tmp_path):
    frozen = tmp_path / "test"
    shutil.copytree(TEST_CASES, frozen)
    verify_frozen([frozen])
    case_file = next(frozen.glob("blind-*.yaml"))
    case_file.write_text(case_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match=f"{case_file.name}: changed since its SHA-256"):
        verify_frozen([frozen])


def test_graders_verdicts_are_added_to_the_judgements_bare_on_and_off_included(tmp_path):
    from provision_assistant.evals.pool import merge_grades

    cases, pool = tmp_path / "cases", tmp_path / "pool"
    cases.mkdir()
    pool.mkdir()
    (cases / "qrels.yaml").write_text(
        '# graded blind\ngrades:\n  c1:\n    - {grade: "on", text: "Quiet area."}\n', encoding="utf-8"
    )
    (pool / "part-1.yaml").write_text(
        "questions:\n  - case: c1\n    question: q\n    items:\n"
        "      - {n: 1, text: Peer mentors., source: x}\n"
        "  - case: c2\n    question: q\n    items:\n      - {n: 1, text: Map of the school., source: y}\n",
        encoding="utf-8",
    )
    (pool / "grades-1.yaml").write_text(
        "grades:\n  c1:\n    1: off\n  c2:\n    1: related\n", encoding="utf-8"
    )
    assert merge_grades(pool, cases / "qrels.yaml") == 2
    qrels = load_qrels([cases])
    assert qrels == {
        "c1": {"quiet area.": "on", "peer mentors.": "off"},
        "c2": {"map of the school.": "related"},
    }
    assert (cases / "qrels.yaml").read_text(encoding="utf-8").startswith("# graded blind")
