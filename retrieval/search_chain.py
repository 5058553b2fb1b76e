"""The search as a LangChain chain: staff words expanded, dense and keyword search in parallel,
then the selection (by the relevance judge when there is one). Built once per index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from provision_assistant.retrieval.in_place import asks_what_in_place, checklist_answer
from provision_assistant.retrieval.judged_select import select_judged
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.lookup import lead_with, listing
from provision_assistant.retrieval.relevance import Relevance
from provision_assistant.retrieval.scope import EVERYTHING, Scope, admits, where
from provision_assistant.retrieval.select import Candidate, Selection, SelectionPolicy, council_first, select
from provision_assistant.retrieval.vocabulary import Vocabulary


def to_candidates(docs: list[Document], score_key: str = "score") -> list[Candidate]:
    return [
        Candidate(id=d.id, text=d.page_content, score=d.metadata.get(score_key, 0.0), metadata=d.metadata)
        for d in docs
    ]


def build_search(
    dense: BaseRetriever,
    keyword: BaseRetriever,
    library: Library,
    vocabulary: Vocabulary,
    policy: SelectionPolicy,
    judge: Callable[[str], Relevance] | None = None,
) -> Runnable:
    """question → staff words expanded → dense and keyword search in parallel → the selection.

    The input's optional `scope` (`scope.Scope`) is a filter: Chroma's for the dense search, and
    the same rule over the keyword hits, the judge's units and the counted lists.
    With a `judge` (question → probability on point per unit, and of any answer), it decides what is suggested
    and whether anything answers; without one, the searches' own scores do (as before issue 12).
    """

    def choose(x: dict) -> Selection:
        found = to_candidates(x["dense"]), to_candidates(x["keyword"], "keyword_score")
        scope = x["scope"]
        if judge is None:
            chosen = select(x["question"], *found, library, policy, x["phase"], x["council"])
        else:
            relevance = within(judge(x["question"]), scope, library)
            chosen = select_judged(
                x["question"], *found, library, policy, relevance, x["phase"], x["council"]
            )
        chosen = council_first(chosen, policy.max_sources)
        # The checklist is a framework area's Universal offer: not for a scope without that tier.
        if asks_what_in_place(x["question"]) and (not scope.tiers or "universal" in scope.tiers):
            return checklist_answer(chosen, library)
        units = library.units.values()
        if not scope.everything:
            units = [u for u in units if admits(scope, u.metadata)]
        return lead_with(chosen, listing(x["question"], units), library)

    def dense_search(x: dict) -> list[Document]:
        return dense.invoke(x["query"], where=where(x["scope"]))

    def keyword_search(x: dict) -> list[Document]:
        scope = x["scope"]
        admit = None if scope.everything else partial(admits, scope)
        return keyword.invoke(x["query"], admit=admit)

    return (
        RunnablePassthrough.assign(
            query=lambda x: vocabulary.expand(x["question"]), scope=lambda x: x.get("scope") or EVERYTHING
        )
        | RunnablePassthrough.assign(
            dense=RunnableLambda(dense_search), keyword=RunnableLambda(keyword_search)
        )
        | RunnableLambda(choose)
    ).with_config(run_name="provision_search")


def within(relevance: Relevance, scope: Scope, library: Library) -> Relevance:
    """The judge's view of the units in scope only."""
    if scope.everything:
        return relevance
    on_point = {
        uid: p
        for uid, p in relevance.on_point.items()
        if uid in library.units and admits(scope, library.units[uid].metadata)
    }
    return replace(relevance, on_point=on_point)
