"""Fusion, passages, selection and composing on hand-made units: pure logic, no model."""

from __future__ import annotations

import itertools

import pytest

from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.compose import compose
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.select import Candidate, SelectionPolicy, council_first, fuse, select
from provision_assistant.retrieval.templates import load_templates

pytestmark = pytest.mark.unit
TEMPLATES = load_templates(PACKAGE_ROOT / "prompts")
POLICY = SelectionPolicy(min_relevance=0.3, max_per_tier=2)
_position = itertools.count()


def unit(uid, text, tier="targeted", theme="Theme", kind="provision", **meta) -> Candidate:
    data = {
        "tier": tier,
        "kind": kind,
        "document": meta.pop("document", "framework"),
        "title": "Framework",
        "area": "Area",
        "theme": theme,
        "section": f"Area › {theme}",
        "local_authority": meta.pop("council", "Northumberland"),
        "phase": meta.pop("phase", ""),
        "position": next(_position),
        **meta,
    }
    return Candidate(uid, text, 0.0, data)


def hits(*pairs) -> list[Candidate]:
    """A ranked list: (unit, similarity) pairs, best first."""
    return [Candidate(u.id, u.text, score, u.metadata) for u, score in pairs]


def answer(units, dense, keyword=(), policy=POLICY, **kw) -> dict:
    return compose(select("q", dense, list(keyword), Library(units), policy, **kw), TEMPLATES)


def test_reciprocal_rank_fusion():
    scores = fuse([["a", "b"], ["b", "c"]], (1.0, 0.5), k=60)
    assert scores["b"] == pytest.approx(1 / 62 + 0.5 / 61)
    assert scores["a"] == pytest.approx(1 / 61) and scores["c"] == pytest.approx(0.5 / 62)


def test_nothing_close_enough_means_not_covered():
    u = unit("a", "Named adult.")
    result = answer([u], hits((u, 0.1)), [u])
    assert (result["status"], result["suggestions"], result["answer"]) == (
        "not_covered",
        [],
        TEMPLATES.not_covered,
    )


def test_a_theme_is_one_source_holding_every_tier_and_each_suggestion_cites_it():
    units = [
        unit("u", "Whole-school quiet spaces.", "universal"),
        unit("t", "Designated quiet area at lunch.", "targeted"),
        unit("s", "Individual sensory assessment.", "specialist"),
    ]
    result = answer(units, hits((units[1], 0.8), (units[0], 0.79), (units[2], 0.78)))
    (source,) = result["sources"]
    assert source["kind"] == "theme" and source["units"] == ["u", "t", "s"]
    assert (
        source["text"].index("UNIVERSAL")
        < source["text"].index("TARGETED")
        < source["text"].index("SPECIALIST")
    )
    assert [(s["tier"], s["unit_ids"]) for s in result["suggestions"]] == [
        ("universal", ["u"]),
        ("targeted", ["t"]),
        ("specialist", ["s"]),
    ]
    assert all(
        s["source_ids"] == [source["id"]] and s["text"] in source["text"] for s in result["suggestions"]
    )


def test_suggestions_group_by_tier_best_first_and_are_capped():
    units = [unit(f"t{i}", f"Targeted idea {i}.", theme=f"T{i}") for i in range(4)]
    units.append(unit("u", "Universal idea.", "universal", theme="U"))
    dense = hits(*((u, 0.9 - i / 100) for i, u in enumerate(units)))
    result = answer(units, dense)
    assert [s["unit_ids"][0] for s in result["suggestions"]] == ["u", "t0", "t1"]
    assert result["answer"].index("### Universal") < result["answer"].index("### Targeted")
    fewer = answer(units, dense, policy=POLICY.model_copy(update={"max_suggestions": 2}))
    assert len(fewer["suggestions"]) == 2


def test_what_neither_search_is_fairly_sure_of_is_not_suggested():
    close = unit("c", "Designated quiet area at lunch.", theme="Sensory")
    drift = unit("d", "Substance misuse assemblies.", theme="Health")
    result = answer([close, drift], hits((close, 0.8), (drift, 0.5)))
    assert [s["unit_ids"] for s in result["suggestions"]] == [["c"]]
    assert len(result["sources"]) == 2  # still a source, ranked below


def test_a_provision_repeated_under_two_themes_is_shown_once_citing_both():
    a = unit("a", "[SEND local offer](#),", theme="One")
    b = unit("b", "[SEND local offer](#).", theme="Two")
    result = answer([a, b], hits((a, 0.8), (b, 0.7)))
    (suggestion,) = result["suggestions"]
    assert suggestion["unit_ids"] == ["a", "b"] and len(suggestion["source_ids"]) == 2
    assert suggestion["text"] == "[SEND local offer](#)"
    texts = {s["id"]: s["text"] for s in result["sources"]}
    assert all(suggestion["text"] in texts[sid] for sid in suggestion["source_ids"])


def test_different_words_are_never_merged():
    a = unit("a", "Pupil voice (surveys).", theme="One")
    b = unit("b", "Pupil voice: surveys.", theme="Two")
    result = answer([a, b], hits((a, 0.8), (b, 0.7)))
    assert [s["unit_ids"] for s in result["suggestions"]] == [["a"], ["b"]]


def test_prose_comes_after_the_provisions_and_answers_lookups():
    prose = unit(
        "p", "The strategy has six priorities.", "none", theme="", kind="passage", document="strategy"
    )
    provision = unit("t", "Targeted support.", theme="Support")
    result = answer([prose, provision], hits((provision, 0.8), (prose, 0.7)))
    assert [s["tier"] for s in result["suggestions"]] == ["targeted", "none"]
    assert result["answer"].index("### Targeted") < result["answer"].index("### Background")
    lookup = answer([prose, provision], hits((prose, 0.8)), [prose])
    assert [s["tier"] for s in lookup["suggestions"]] == ["none"]


def test_prose_far_down_the_ranking_is_not_shown():
    themes = [unit(f"t{i}", f"Provision {i}.", theme=f"T{i}") for i in range(3)]
    prose = unit("p", "Some background.", "none", theme="", kind="passage", document="strategy")
    result = answer([*themes, prose], hits(*((t, 0.9) for t in themes), (prose, 0.5)))
    assert "none" not in {s["tier"] for s in result["suggestions"]}


def test_a_provision_marked_for_another_phase_is_never_suggested():
    units = [
        unit("ey", "Stay and play sessions.", phase="early years"),
        unit("both", "Assemblies on friendship.", phase="primary, secondary"),
        unit("any", "Named member of staff."),
    ]
    result = answer(units, hits((units[0], 0.9), (units[1], 0.89), (units[2], 0.88)), phase="secondary")
    assert [s["unit_ids"][0] for s in result["suggestions"]] == ["both", "any"]


def test_the_keyword_side_finds_what_dense_search_missed():
    elsa = unit("elsa", "Referral to ELSA support.", theme="ELSA")
    other = unit("o", "Something general.", theme="General")
    result = answer([elsa, other], hits((other, 0.6)), [elsa])
    assert {s["unit_ids"][0] for s in result["suggestions"]} == {"elsa", "o"}


def test_another_councils_services_rank_below_the_users_own_and_are_labelled():
    theirs = unit("w", "Experts at Hand service.", theme="W", council="Westmorland and Furness")
    ours = unit("n", "Cygnus parent support.", theme="N")
    dense = hits((theirs, 0.8), (ours, 0.78))
    result = answer([theirs, ours], dense, council="Northumberland")
    assert [s["unit_ids"][0] for s in result["suggestions"]] == ["n", "w"]
    assert "Framework (Westmorland and Furness) — Area › W" in result["answer"]
    assert "Framework — Area › N" in result["answer"]
    anyone = answer([theirs, ours], dense)  # no council set: every council is named
    assert "Framework (Northumberland) — Area › N" in anyone["answer"]


def test_the_chosen_councils_passages_come_first_when_they_cover_the_question():
    """Issue 13: with Westmorland and Furness chosen, national toolkits ranked above its own strategy."""
    national = [unit(f"r{i}", f"Toolkit idea {i}.", theme=f"R{i}", council="national") for i in range(3)]
    own = unit("w", "Belonging through the graduated response.", theme="W", council="Westmorland and Furness")
    far = unit("f", "Unrelated council line.", theme="F", council="Westmorland and Furness")
    units = [*national, own, far]
    dense = hits(*((n, 0.8 - i / 100) for i, n in enumerate(national)), (own, 0.76), (far, 0.31))
    policy = POLICY.model_copy(update={"max_per_tier": 4})
    chosen = select("q", dense, [], Library(units), policy, council="Westmorland and Furness")
    ordered = council_first(chosen, room=4)
    assert [p.metadata["theme"] for p, _ in ordered.sources][:4] == ["W", "R0", "R1", "R2"]
    assert {p.metadata["theme"] for p, _ in ordered.sources} == {
        p.metadata["theme"] for p, _ in chosen.sources
    }
    assert ordered.picks["targeted"][0].shown.id == "w"
    assert (
        council_first(select("q", dense, [], Library(units), policy), room=4).sources[0][0].metadata["theme"]
        == "R0"
    )


def test_citation_carries_the_page_when_there_is_one():
    u = unit("a", "From a PDF.", page=7, council="national")
    assert "*Source: Framework — Area › Theme, p. 7*" in answer([u], hits((u, 0.9)))["answer"]


def test_a_name_every_word_of_which_stands_in_a_unit_is_covered_without_dense_confidence():
    pace = unit("pace", "Use of PACE (playfulness, acceptance, curiosity, empathy).", theme="PACE")
    result = compose(select("what is PACE?", hits((pace, 0.1)), [pace], Library([pace]), POLICY), TEMPLATES)
    assert result["status"] == "answered"
    partial = compose(
        select("what is PACE for laptops?", hits((pace, 0.1)), [pace], Library([pace]), POLICY), TEMPLATES
    )
    assert partial["status"] == "not_covered"


def test_a_provision_listed_under_two_tiers_is_shown_once_in_the_better_ranked():
    t = unit("t", "Providing a map of the school.", "targeted", theme="Environment")
    s = unit("s", "Providing a map of the school.", "specialist", theme="Environment")
    result = answer([t, s], hits((s, 0.8), (t, 0.79)))
    assert [(x["tier"], x["unit_ids"]) for x in result["suggestions"]] == [("specialist", ["s", "t"])]


def test_a_provision_marked_for_the_questions_phase_ranks_above_an_unmarked_one():
    marked = unit("m", "Secondary transition workshops.", phase="secondary", theme="A")
    plain = unit("p", "Transition workshops.", theme="B")
    dense = hits((plain, 0.8), (marked, 0.8))
    assert [s["unit_ids"][0] for s in answer([marked, plain], dense, phase="secondary")["suggestions"]] == [
        "m",
        "p",
    ]
    assert [s["unit_ids"][0] for s in answer([marked, plain], dense)["suggestions"]] == ["p", "m"]
