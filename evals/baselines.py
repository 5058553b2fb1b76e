"""The two baselines every run is compared with, built in the same process.

- "tutorial": the LangChain tutorial pipeline: the raw files split by
  RecursiveCharacterTextSplitter (1000/200), the same embedding model, Chroma
  similarity search.
- "bm25": Okapi BM25 (rank-bm25, the library LangChain's BM25Retriever wraps)
  over the same chunks.

Each returns its best chunks until they fill the scoring budget
(`evals.score.within_budget`): at least ten, as chunks are at most 1000
characters. A fixed top 10 would stop near 8,500 characters while the project's
sources reach the 10,000 judged, so the baselines would be judged on less text.

Neither composes suggestions or abstains: they are judged on their ranked
sources only. Both return the same answer shape as the project.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.evals.score import within_budget
from provision_assistant.ingest.loaders import find_documents, load_pages

if TYPE_CHECKING:
    import chromadb
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

TOP_K = 10
_WORD = re.compile(r"\w+")


def tutorial_chunks(corpus_dir: Path, *, max_bytes: int) -> list[Document]:
    """The corpus as the tutorial reads it: raw text (a document per PDF page), split 1000/200."""
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = []
    for path in find_documents([corpus_dir]):
        for page in load_pages(path, max_bytes=max_bytes):
            docs.append(Document(page.text, metadata={"source": path.name, "page": page.number}))
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    chunks = splitter.split_documents(docs)
    for n, chunk in enumerate(chunks):
        chunk.id = f"chunk-{n}"
    return chunks


def filling_budget(search: Callable[[int], list[Document]]) -> list[Document]:
    """The best chunks `search(k)` ranks, as many as fill the scoring budget.

    Asks for TOP_K first and doubles k while every chunk returned still fits,
    since a vector store answers for a fixed k.
    """
    k = TOP_K
    while True:
        found = search(k)
        kept = within_budget(found, lambda chunk: chunk.page_content)
        if len(kept) < len(found) or len(found) < k:
            return kept
        k *= 2


def _answer(chunks: list[Document]) -> dict:
    return {
        "status": "answered",
        "suggestions": [],
        "sources": [{"id": c.id, "text": c.page_content, "document": c.metadata["source"]} for c in chunks],
    }


class TutorialBaseline:
    name = "tutorial"
    judges_suggestions = False

    def __init__(self, chunks: list[Document], embeddings: Embeddings, client: chromadb.ClientAPI) -> None:
        from langchain_chroma import Chroma

        from provision_assistant.ingest.store import get_collection

        if not chunks:
            raise ValueError("the tutorial baseline needs at least one chunk")
        name = f"baseline-{uuid.uuid4().hex[:12]}"
        get_collection(client, name, create=True)  # our guard: Chroma never embeds by itself
        self._store = Chroma(client=client, collection_name=name, embedding_function=embeddings)
        self._store.add_documents(chunks, ids=[c.id for c in chunks])
        log.info("tutorial baseline: %d chunks embedded", len(chunks))

    def answer(self, question: str) -> dict:
        return _answer(filling_budget(lambda k: self._store.similarity_search(question, k=k)))


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


class BM25Baseline:
    name = "bm25"
    judges_suggestions = False

    def __init__(self, chunks: list[Document]) -> None:
        from rank_bm25 import BM25Okapi

        if not chunks:
            raise ValueError("the BM25 baseline needs at least one chunk")
        self._chunks = chunks
        self._bm25 = BM25Okapi([tokens(c.page_content) for c in chunks])

    def answer(self, question: str) -> dict:
        scores = self._bm25.get_scores(tokens(question))
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
        return _answer(filling_budget(lambda k: [self._chunks[i] for i in ranked[:k]]))
