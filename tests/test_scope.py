"""A scope narrows what a question is answered from, in Chroma's query and in the pure rules beside it."""

from __future__ import annotations

import httpx
import pytest

from provision_assistant.ingest.errors import InvalidQuestionError
from provision_assistant.retrieval.scope import Scope, admits, where

FRAMEWORK = "northumberland-belonging-and-attending-framework-2025"
QUESTION = "Year 8 pupil anxious about the canteen"


@pytest.mark.unit
def test_an_empty_scope_filters_nothing():
    assert Scope().everything and where(Scope()) is None
    assert admits(Scope(), {"document": "any", "tier": "none", "phase": ""})


@pytest.mark.unit
def test_each_list_is_one_clause_and_all_must_hold():
    scope = Scope(documents=("a",), councils=("Northumberland",), tiers=("targeted", "specialist"))
    assert where(scope) == {
        "$and": [
            {"document": {"$in": ["a"]}},
            {"local_authority": {"$in": ["Northumberland"]}},
            {"tier": {"$in": ["targeted", "specialist"]}},
        ]
    }
    assert admits(scope, {"document": "a", "local_authority": "Northumberland", "tier": "targeted"})
    assert not admits(scope, {"document": "a", "local_authority": "Northumberland", "tier": "universal"})
    assert not admits(scope, {"document": "b", "local_authority": "Northumberland", "tier": "targeted"})


@pytest.mark.unit
def test_a_phase_admits_units_marked_with_it_in_any_order_and_units_marked_for_none():
    clause = where(Scope(phases=("primary",)))
    values = set(clause["phase"]["$in"])
    assert {"", "primary", "primary, secondary", "secondary, primary", "early years, primary"} <= values
    assert "secondary" not in values and "early years, secondary" not in values
    for value in values:  # the Chroma filter and the rule in memory agree
        assert admits(Scope(phases=("primary",)), {"phase": value})
    assert not admits(Scope(phases=("primary",)), {"phase": "secondary"})


@pytest.mark.integration
def test_a_document_scope_answers_from_that_document_alone(service):
    answer = service.ask(QUESTION, scope=Scope(documents=(FRAMEWORK,)))
    assert answer.status == "answered" and answer.suggestions
    assert {s.document for s in answer.sources} == {FRAMEWORK}
    unscoped = service.ask(QUESTION)
    assert {s.document for s in unscoped.sources} != {FRAMEWORK}  # the scope, not the question, did it
    assert service.ask(QUESTION, scope=Scope()).model_dump() == unscoped.model_dump()


@pytest.mark.integration
def test_a_tier_and_council_scope_suggests_only_from_them(service):
    answer = service.ask(QUESTION, scope=Scope(councils=("Northumberland",), tiers=("targeted",)))
    assert answer.suggestions and {s.tier for s in answer.suggestions} == {"targeted"}
    assert {s.local_authority for s in answer.sources} == {"Northumberland"}


@pytest.mark.integration
def test_a_scope_naming_what_the_index_lacks_is_refused_by_name(service):
    with pytest.raises(InvalidQuestionError, match=r"scope.documents names 'no-such-document'"):
        service.ask(QUESTION, scope=Scope(documents=("no-such-document",)))


@pytest.mark.integration
def test_the_api_takes_a_scope_and_refuses_one_it_cannot_read(corpus_index, service):
    from tests.test_api import serve

    with serve(corpus_index, service) as url:
        scoped = {"question": QUESTION, "scope": {"documents": [FRAMEWORK], "tiers": ["universal"]}}
        answer = httpx.post(f"{url}/api/ask", json=scoped, timeout=30)
        assert answer.status_code == 200
        assert {s["tier"] for s in answer.json()["suggestions"]} == {"universal"}
        bad = httpx.post(f"{url}/api/ask", json={"question": QUESTION, "scope": {"tiers": ["urgent"]}})
        assert bad.status_code == 422 and "tiers" in bad.text
        unknown = httpx.post(
            f"{url}/api/ask", json={"question": QUESTION, "scope": {"councils": ["Atlantis"]}}
        )
        assert unknown.status_code == 422 and "Atlantis" in unknown.text
