"""The answer service: one question in, the typed answer (`Answer`) out, via a LangChain chain.

The command line, the API, the chat and the eval suite all call `ask` (the streams
`ask_stream`), so they always give the same answer.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.documents import Document

from provision_assistant.ingest.errors import IndexNotReadyError, InvalidQuestionError
from provision_assistant.ingest.generations import Lease, open_index
from provision_assistant.ingest.settings import Settings
from provision_assistant.ingest.store import get_collection, make_embeddings, model_identity, model_path
from provision_assistant.retrieval.answer_model import Answer
from provision_assistant.retrieval.compose import compose
from provision_assistant.retrieval.keyword import KeywordRetriever
from provision_assistant.retrieval.library import Library
from provision_assistant.retrieval.model_pass import make_model_pass
from provision_assistant.retrieval.phase import PHASES, question_phase
from provision_assistant.retrieval.query_vectors import QueryVectors
from provision_assistant.retrieval.relevance_judge import make_judge
from provision_assistant.retrieval.retriever import UnitRetriever
from provision_assistant.retrieval.safeguarding import SafeguardingRules, load_rules
from provision_assistant.retrieval.safeguarding_answer import (
    compose_safeguarding,
    contact_picks,
    leave_out_family,
)
from provision_assistant.retrieval.scope import Scope
from provision_assistant.retrieval.search_chain import build_search, to_candidates
from provision_assistant.retrieval.select import (
    Selection,
    SelectionPolicy,
    is_council,
)
from provision_assistant.retrieval.templates import load_templates
from provision_assistant.retrieval.threads import one_thread_beside_the_model
from provision_assistant.retrieval.triage import Concern, Triage
from provision_assistant.retrieval.triage_examples import CategoryModel, cached_vectors, load_examples
from provision_assistant.retrieval.triage_model import load_or_train
from provision_assistant.retrieval.vocabulary import load_vocabulary

if TYPE_CHECKING:
    import chromadb
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)
_SERVICES_REMEMBERED = 256  # kinds of harm x phases x councils: a handful in practice


def clean_question(question: str, max_chars: int) -> str:
    """The question as one tidy line, or an error a person can act on."""
    text = unicodedata.normalize("NFKC", question or "")
    # Invisible format characters (zero-width space, joiners, soft hyphen) pasted inside a word
    # are dropped, not spaced: "bul\u200blied" is "bullied".
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InvalidQuestionError("the question is empty")
    if len(text) > max_chars:
        raise InvalidQuestionError(f"the question is {len(text)} characters long; the limit is {max_chars}")
    return text


def read_units(collection: chromadb.Collection) -> tuple[list[Document], np.ndarray]:
    """Every stored unit, and its stored vector (row for row)."""
    got = collection.get(include=["documents", "metadatas", "embeddings"])
    docs = [
        Document(page_content=text, id=uid, metadata=meta)
        for uid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    ]
    return docs, np.asarray(got["embeddings"], dtype=np.float32)


def _check_scope(scope: Scope | None, documents: Sequence[str], councils: Sequence[str]) -> None:
    """A scope naming a document or council the index lacks would quietly answer nothing."""
    if scope is None:
        return
    for field, named, known in (
        ("documents", scope.documents, documents),
        ("councils", scope.councils, councils),
    ):
        if unknown := sorted(set(named) - set(known)):
            raise InvalidQuestionError(
                f"scope.{field} names {', '.join(map(repr, unknown))}, which the index does not hold "
                f"(it holds {', '.join(known) or 'none'})"
            )


class AnswerService:
    """Answers questions from one index generation with one loaded model."""

    def __init__(
        self,
        settings: Settings,
        embeddings: Embeddings,
        client: chromadb.ClientAPI,
        collection_name: str | None = None,
    ) -> None:
        """`collection_name`: the collection holding the units; by default PROVISIONS_COLLECTION
        (a generation on a Chroma server has a name of its own)."""
        from langchain_chroma import Chroma

        one_thread_beside_the_model()
        self.settings = settings
        self.generation: str | None = None  # set when built from an index generation
        self._lease: Lease | None = None
        collection_name = collection_name or settings.collection
        collection = get_collection(client, collection_name)  # fails early, and clearly
        self._embeddings = embeddings
        self._vectors = QueryVectors(embeddings)
        store = Chroma(
            client=client,
            collection_name=collection_name,
            embedding_function=self._vectors,
            create_collection_if_not_exists=False,
        )
        units, vectors = read_units(collection)
        if not units:
            raise IndexNotReadyError("the index holds no units: run `provisions ingest` first")
        candidates = to_candidates(units)
        library = Library(candidates)
        self.units = list(library.units.values())
        self.councils = sorted({a for u in units if is_council(a := u.metadata.get("local_authority", ""))})
        self.documents = sorted({u.metadata.get("document", "") for u in units})
        policy = SelectionPolicy(
            min_relevance=settings.min_relevance,
            max_per_tier=settings.max_per_tier,
            max_suggestions=settings.max_suggestions,
            max_sources=settings.max_sources,
        )
        self.vocabulary = load_vocabulary(settings.vocabulary_path)
        self.templates = load_templates(settings.prompts_dir)
        self.safeguarding = load_rules(settings.prompts_dir)
        self.triage = make_triage(settings, embeddings, self.safeguarding)
        keyword = KeywordRetriever(documents=units, k=settings.candidates)
        self.judge = (
            make_judge(settings, embeddings, library, candidates, vectors, keyword)
            if settings.relevance_judge
            else None
        )
        dense = UnitRetriever(vectorstore=store, k=settings.candidates)
        judge = (lambda q: self.judge(q, self._vectors.embed_query(q))) if self.judge else None
        self.search = build_search(dense, keyword, library, self.vocabulary, policy, judge)
        # The documents' safeguarding services are found from a list of their names, not a
        # staff question: the judge learnt nothing about such queries, so the searches decide.
        self._services_search = build_search(dense, keyword, library, self.vocabulary, policy)
        # The same for every message of a kind of harm, so searched once per kind, phase and
        # council while this index is served; searched ahead, so that a safeguarding answer
        # costs one search, not two.
        self._services = functools.lru_cache(maxsize=_SERVICES_REMEMBERED)(self._search_services)
        # The optional language model (issue 14): None unless configured and asked for.
        self.model_pass = make_model_pass(settings, self.templates, [u.text for u in self.units])
        for category in self.safeguarding.categories:
            for phase in (None, *PHASES):
                self._services(category, phase, settings.council or None)

    @classmethod
    def from_settings(cls, settings: Settings, embeddings: Embeddings | None = None) -> AnswerService:
        """The service over the generation being served, leased so no ingest deletes it under us."""
        generation = open_index(settings).require_current()
        lease = generation.lease()
        try:
            service = cls(
                settings, embeddings or make_embeddings(settings), generation.client(), generation.collection
            )
        except BaseException:
            lease.release()
            raise
        service.generation, service._lease = generation.name, lease
        return service

    @property
    def embeddings(self) -> Embeddings:
        return self._embeddings

    def close(self) -> None:
        """Let an ingest tidy this generation away; call once no request is using the service."""
        if self._lease is not None:
            self._lease.release()

    def ask(
        self,
        question: str,
        *,
        phase: str | None = None,
        council: str | None = None,
        earlier: Sequence[str] = (),
        typed: str | None = None,
        scope: Scope | None = None,
    ) -> Answer:
        """The tiered answer: `ask_stream`'s last item."""
        *_, answer = self.ask_stream(
            question, phase=phase, council=council, earlier=earlier, typed=typed, scope=scope
        )
        return answer

    def ask_stream(
        self,
        question: str,
        *,
        phase: str | None = None,
        council: str | None = None,
        earlier: Sequence[str] = (),
        typed: str | None = None,
        scope: Scope | None = None,
    ) -> Iterator[Answer | str]:
        """The tiered answer as it is made. Checks, triage and search happen now (a bad question
        raises here); the iterator then gives the answer, or, where a language model writes a
        summary, the answer without it, each summary sentence (str) as it passes the check, and
        the final answer last.

        `phase` overrides the phase read from the question; `council` (the user's
        local authority) overrides a council the question names and the setting.
        `earlier`: the messages a follow-up continues (`Asked.thread`); the safeguarding
        triage reads them with the question, so a risk of harm named earlier still leads.
        `typed`: a follow-up as typed, `question` being its rule-based reading; a language
        model configured for follow-ups rewrites it from `earlier` instead.
        `scope`: only these documents, councils, tiers or phases are searched and suggested
        from (the safeguarding route and its services are never narrowed by it).
        """
        text = clean_question(question, self.settings.max_question_chars)
        heard = " ".join(" ".join([*earlier, text]).split())
        if phase is not None and phase not in PHASES:
            raise InvalidQuestionError(f"phase must be one of {', '.join(PHASES)}; got {phase!r}")
        if council and council.casefold() not in {c.casefold() for c in self.councils}:
            known = ", ".join(self.councils) or "none"
            raise InvalidQuestionError(f"council must be one the documents name ({known}); got {council!r}")
        _check_scope(scope, self.documents, self.councils)
        # Asked about a council by name, the question wins over the setting for this answer.
        council = council or self.vocabulary.council_named(text, self.councils) or self.settings.council
        # Triage first: a possible risk of harm leads with the safeguarding route.
        # One model call for the question as typed (triage) and as searched (with staff words).
        self._vectors.prime([heard, text, self.vocabulary.expand(text)])
        concern = self.triage(heard, self._vectors.embed_query(heard))
        # The language model, if any, only after the triage and never for a safeguarding answer.
        turn = self.model_pass.start() if self.model_pass and concern is None else None
        if turn is not None and typed:
            text = self.model_pass.standalone(turn, earlier, typed, text, self.settings.max_question_chars)
        inputs = {"question": text, "phase": phase or question_phase(text), "council": council or None}
        selection = self.search.invoke({**inputs, "scope": scope})
        if concern is not None:
            return iter([Answer.model_validate(self._safeguarding_answer(selection, concern, inputs))])
        if turn is None:
            return iter([self._composed(selection)])
        return self.model_pass.answer_stream(selection, self._composed, turn)

    def _composed(self, selection: Selection) -> Answer:
        return Answer.model_validate(compose(selection, self.templates))

    def _search_services(self, category: str, phase: str | None, council: str | None) -> Selection:
        """The documents' services for a kind of harm (remembered as `_services`)."""
        question = self.safeguarding.services_for(category)
        return self._services_search.invoke({"question": question, "phase": phase, "council": council})

    def _safeguarding_answer(self, selection: Selection, concern: Concern, inputs: dict) -> dict:
        rules = self.safeguarding
        shown = {p.text for picks in selection.picks.values() for p in picks}
        left_out = 0
        if concern.about_home:
            selection, left_out = leave_out_family(selection, rules)
        services = self._services(concern.category, inputs["phase"], inputs["council"])
        contacts = contact_picks(services, rules, concern.about_home, shown)
        answer = compose(selection, self.templates)
        return compose_safeguarding(
            answer, concern, contacts, left_out, rules, self.templates, inputs["council"]
        )


def make_triage(settings: Settings, embeddings: Embeddings, rules: SafeguardingRules) -> Triage:
    """The rules, the disclosure classifier (trained on first use) and the example categories."""
    config = rules.classifier
    examples = load_examples(settings.prompts_dir, config.examples)
    examples.check_categories(set(rules.categories), str(settings.prompts_dir / config.examples))
    base = model_path(settings)
    classifier = load_or_train(examples, base, config, settings.cache_dir)
    disclosures = examples.disclosures
    vectors = cached_vectors(
        [e.text for e in disclosures], embeddings.embed_documents, settings.cache_dir, model_identity(base)
    )
    categories = CategoryModel(vectors, [e.category for e in disclosures], config.category_strength)
    return Triage(rules, classifier.judge, categories, classifier.weigh_words)
