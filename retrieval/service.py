"""The answer service: one question in, the answer JSON out, via a LangChain chain.

The command line, the API, the chat and the eval suite all call `ask`, so they
always give the same answer.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import TYPE_CHECKING

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from ingest.errors import InvalidQuestionError
from ingest.settings import Settings
from ingest.store import IndexLocation, get_collection, make_embeddings, persistent_client
from retrieval.compose import compose
from retrieval.phase import PHASES, question_phase
from retrieval.retriever import UnitRetriever
from retrieval.select import Candidate, SelectionPolicy, select
from retrieval.templates import AnswerTemplates, load_templates

if TYPE_CHECKING:
    import chromadb
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


def clean_question(question: str, max_chars: int) -> str:
    """The question as one tidy line, or an error a person can act on."""
    text = unicodedata.normalize("NFKC", question or "")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestionError("the question is empty")
    if len(text) > max_chars:
        raise InvalidQuestionError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    return text


def to_candidates(docs: list[Document]) -> list[Candidate]:
    return [
        Candidate(id=d.id, text=d.page_content, score=d.metadata.get("score", 0.0), metadata=d.metadata)
        for d in docs
    ]


def build_chain(retriever: UnitRetriever, policy: SelectionPolicy, templates: AnswerTemplates) -> Runnable:
    """question → candidates → selection → answer JSON."""
    return (
        RunnablePassthrough.assign(docs=(lambda x: x["question"]) | retriever)
        | RunnableLambda(lambda x: select(x["question"], to_candidates(x["docs"]), policy, x["phase"]))
        | RunnableLambda(lambda selection: compose(selection, templates))
    ).with_config(run_name="provision_answer")


class AnswerService:
    """Answers questions from one index generation with one loaded model."""

    def __init__(self, settings: Settings, embeddings: Embeddings, client: chromadb.ClientAPI) -> None:
        from langchain_chroma import Chroma

        self.settings = settings
        get_collection(client, settings.collection)  # fails early, and clearly, if there is none
        store = Chroma(
            client=client,
            collection_name=settings.collection,
            embedding_function=embeddings,
            create_collection_if_not_exists=False,
        )
        policy = SelectionPolicy(
            min_relevance=settings.min_relevance,
            relative_relevance=settings.relative_relevance,
            max_per_tier=settings.max_per_tier,
            max_sources=settings.max_sources,
        )
        retriever = UnitRetriever(vectorstore=store, k=settings.candidates)
        self.chain = build_chain(retriever, policy, load_templates(settings.prompts_dir))

    @classmethod
    def from_settings(cls, settings: Settings, embeddings: Embeddings | None = None) -> AnswerService:
        generation = IndexLocation(settings.index_dir).require_current()
        return cls(settings, embeddings or make_embeddings(settings), persistent_client(generation))

    def ask(self, question: str, *, phase: str | None = None) -> dict:
        """The answer JSON. `phase` overrides the phase read from the question."""
        text = clean_question(question, self.settings.max_question_chars)
        if phase is not None and phase not in PHASES:
            raise InvalidQuestionError(f"phase must be one of {', '.join(PHASES)}; got {phase!r}")
        return self.chain.invoke({"question": text, "phase": phase or question_phase(text)})
