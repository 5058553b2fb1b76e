"""The relevance judge's pure parts (adapter, example votes, features) and its selection: no model."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from provision_assistant.retrieval.candidate import Candidate
from provision_assistant.retrieval.judged_select import select_judged
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.relevance import (
    FEATURES,
    QUESTION_FEATURES,
    Adapter,
    Passages,
    QuestionBank,
    Relevance,
    Votes,
    features,
    question_features,
)
from provision_assistant.retrieval.relevance_examples import RelevanceExamples
from provision_assistant.retrieval.select import SelectionPolicy
from tests.test_select import unit

pytestmark = pytest.mark.unit
POLICY = SelectionPolicy(max_per_tier=2, answer_floor=0.5, show_floor=0.3)


def test_the_identity_adapter_keeps_cosines_and_refuses_mismatched_maps():
    vectors = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 2.0]])
    adapter = Adapter(np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32))
    assert np.allclose(adapter.queries(vectors), [[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    assert np.allclose(adapter.passages(vectors[0]) @ adapter.queries(vectors[1]).T, 0.0)
    with pytest.raises(ValueError, match="two square maps"):
        Adapter(np.eye(3), np.eye(2))


def test_the_nearest_examples_vote_for_what_answered_them():
    bank = QuestionBank(np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]]), [[0], [0, 1], []], neighbours=2)
    votes = bank.votes(np.array([1.0, 0.1]), passages=3)
    assert votes.share[0] == pytest.approx(1.0)  # both nearest examples name passage 0
    assert 0 < votes.share[1] < 1 and votes.share[2] == 0
    assert votes.nearest[0] == pytest.approx(votes.top)
    assert votes.out_of_scope == 0.0  # neither of the two nearest is out of scope
    elsewhere = bank.votes(np.array([-0.1, 1.0]), passages=3)
    assert elsewhere.out_of_scope == 0.5  # the nearest of the two is out of scope
    # The out-of-scope neighbour, nearer, dilutes what the other says.
    assert elsewhere.share[0] == elsewhere.share[1] and 0 < elsewhere.share[1] < 0.2


def _passages(n: int) -> Passages:
    rng = np.random.default_rng(0)
    plain = rng.normal(size=(n, 4)).astype(np.float32)
    plain /= np.linalg.norm(plain, axis=1, keepdims=True)
    return Passages(
        plain=plain,
        adapted=plain,
        groups=np.arange(n) // 2,
        is_provision=np.ones(n, bool),
        log_length=np.zeros(n, np.float32),
    )


def test_features_judge_the_best_and_the_voted_even_below_the_top():
    passages = _passages(8)
    question = passages.plain[3]
    far = int(np.argmin(passages.plain @ question))  # far from the question, but the examples say it answers
    share = np.zeros(8, np.float32)
    share[far] = 1.0
    votes = Votes(share, share.copy(), 0.9, 0.0)
    chosen, rows = features(question, question, passages, np.zeros(8), votes, top=2)
    assert chosen[0] == 3 and far in chosen and len(chosen) == 3
    assert rows.shape == (3, len(FEATURES))
    assert rows[0][FEATURES.index("gap to the best")] == 0.0
    assert rows[list(chosen).index(far)][FEATURES.index("example votes")] == 1.0
    summary = question_features(np.array([0.2, 0.9, 0.1]), rows)
    assert summary.shape == (len(QUESTION_FEATURES),) and summary[0] == pytest.approx(0.9)


def test_examples_name_only_passages_they_hold_and_never_one_both_ways():
    texts = {"a": {"text": "Quiet room at lunch."}, "b": {"text": "Peer mentors."}}
    good = RelevanceExamples(texts=texts, questions=[{"q": "canteen noise", "on_point": ["a"]}, {"q": "pay"}])
    with pytest.raises(ValidationError, match="not in `texts`"):
        RelevanceExamples(texts=texts, questions=[{"q": "canteen", "on_point": ["z"]}, {"q": "pay"}])
    with pytest.raises(ValidationError, match="both on point and related"):
        both = {"q": "x y", "on_point": ["a"], "related": ["a"]}
        RelevanceExamples(texts=texts, questions=[both, {"q": "pay"}])
    relabelled = RelevanceExamples(
        texts=texts, questions=[{"q": "canteen noise", "on_point": ["b"]}, {"q": "pay"}]
    )
    assert good.digest() != relabelled.digest()


def _library():
    quiet = unit("quiet", "Quiet area at lunchtimes.", tier="targeted", theme="Sensory")
    calm = unit("calm", "Spaces that promote calm.", tier="targeted", theme="Sensory")
    drugs = unit(
        "drugs", "Referral to SORTED for substance misuse.", tier="specialist", theme="Physical health"
    )
    nursery = unit(
        "nursery", "Key person at drop-off.", tier="universal", theme="Starting", phase="early years"
    )
    copy = unit("copy", "Quiet area at lunchtimes.", tier="targeted", theme="Physical health")
    return Library([quiet, calm, drugs, nursery, copy])


def test_the_judge_decides_each_suggestion_not_its_theme():
    library = _library()
    relevance = Relevance({"quiet": 0.9, "drugs": 0.1, "calm": 0.35, "copy": 0.9}, covered=0.9)
    chosen = select_judged("canteen", [], [], library, POLICY, relevance, phase="secondary")
    shown = [p.shown.id for picks in chosen.picks.values() for p in picks]
    assert shown == ["copy", "calm"]  # equal probabilities: the first by id
    quiet = next(p for p in chosen.picks["targeted"] if p.shown.text.startswith("Quiet"))
    assert len(quiet.passages) == 2  # the same words under two themes: one suggestion citing both
    assert "drugs" not in shown
    assert {p.id for p, _ in chosen.sources} >= set(quiet.ids)


def test_nothing_is_covered_when_the_judge_says_so_and_its_best_is_shown_when_unsure():
    library = _library()
    refused = select_judged("pay", [], [], library, POLICY, Relevance({"quiet": 0.9}, covered=0.2))
    assert not refused.covered and refused.sources == []
    unsure = select_judged("q", [], [], library, POLICY, Relevance({"calm": 0.1, "drugs": 0.05}, covered=0.8))
    assert [p.shown.id for picks in unsure.picks.values() for p in picks] == ["calm"]


def test_a_provision_for_another_phase_is_never_suggested():
    library = _library()
    chosen = select_judged(
        "Y8", [], [], library, POLICY, Relevance({"nursery": 0.9}, covered=0.9), "secondary"
    )
    assert not any(chosen.picks.values())


def test_documents_the_examples_never_name_are_chosen_by_the_searches_after_the_judge():
    quiet = unit("quiet", "Quiet area at lunchtimes.", tier="targeted", theme="Sensory")
    buddy = unit("buddy", "A lunchtime buddy scheme.", tier="none", kind="passage", theme="", document="own")
    library = Library([quiet, buddy])
    dense = [
        Candidate("buddy", buddy.text, 0.6, buddy.metadata),
        Candidate("quiet", quiet.text, 0.5, quiet.metadata),
    ]
    knows_framework = frozenset({"framework"})
    both = select_judged(
        "canteen", dense, [], library, POLICY, Relevance({"quiet": 0.9}, 0.9, knows_framework)
    )
    assert [p.shown.id for picks in both.picks.values() for p in picks] == ["quiet", "buddy"]
    # The judge finds nothing in what it knows; the council's own passage still answers.
    own = select_judged(
        "canteen", dense, [], library, POLICY, Relevance({"quiet": 0.1}, 0.2, knows_framework)
    )
    assert [p.shown.id for picks in own.picks.values() for p in picks] == ["buddy"]
    # What the judge chose from the council's own document is not shown twice.
    judged_too = select_judged(
        "canteen", dense, [], library, POLICY, Relevance({"quiet": 0.9, "buddy": 0.5}, 0.9, knows_framework)
    )
    assert sorted(p.shown.id for picks in judged_too.picks.values() for p in picks) == ["buddy", "quiet"]
    # Judging every document (no `known`), the searches add nothing.
    alone = select_judged("canteen", dense, [], library, POLICY, Relevance({"quiet": 0.9}, 0.9))
    assert [p.shown.id for picks in alone.picks.values() for p in picks] == ["quiet"]


def test_cross_validation_figures_by_hand():
    from types import SimpleNamespace

    from provision_assistant.evals.relevance_cv import figures

    def text(words: str) -> SimpleNamespace:
        return SimpleNamespace(text=words, kind="provision", area="", theme="")

    universe = SimpleNamespace(
        items=[(0, [1, 2], [3]), (1, [], []), (2, [5], [6])],
        questions=["friendship fallouts", "pay scales", "Y5 boy needs a course on friendships"],
        texts=[text(f"Provision {i}.") for i in range(6)] + [text("A course for 11-16 year olds.")],
    )
    judged = [
        (0, np.array([1, 3, 2]), np.array([0.9, 0.5, 0.1]), 0.9),  # shows 1 and 3: one of two on point
        (1, np.array([4]), np.array([0.8]), 0.1),  # out of scope, and refused
        # shows 5 only: its related 6, likely enough, is for older pupils than a Y5 (the service's rule)
        (2, np.array([5, 6]), np.array([0.9, 0.8]), 0.9),
    ]
    f = figures(universe, judged, answer_floor=0.7, show_floor=0.25)
    assert f == {
        "precision (floor)": 0.75,
        "recall": 0.75,
        "shown": 1.5,
        "abstention": 1.0,
        "false refusals": 0.0,
        "related shown": 0.5,  # question 0 showed its related 3, question 2 did not show 6
    }
