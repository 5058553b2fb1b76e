"""Dense retrieval of units from the Chroma index, as a LangChain retriever."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field


class UnitRetriever(BaseRetriever):
    """The `k` units nearest the question, each with its cosine similarity as `score`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    vectorstore: Any  # langchain_chroma.Chroma, given our embeddings
    k: int = Field(40, ge=1, le=500)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, where: dict | None = None
    ) -> list[Document]:
        """`where`: a Chroma metadata filter (`scope.where`), so only units in scope are searched."""
        hits = self.vectorstore.similarity_search_with_score(query, k=self.k, filter=where)
        # Chroma returns cosine distance; staff-facing thresholds read better as similarity.
        return [
            Document(
                page_content=doc.page_content, id=doc.id, metadata={**doc.metadata, "score": 1.0 - distance}
            )
            for doc, distance in hits
        ]
