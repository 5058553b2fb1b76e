"""The relevance examples: staff questions, the passages on point for each, and those that only look it.

Pure data (`prompts/relevance_examples.yaml`). Every passage is held word for word
under a short key, so the relevance model trains from this file alone, before
anything is ingested; a question with nothing on point is out of scope.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from provision_assistant.ingest.datafile import load_yaml_model
from provision_assistant.ingest.units import in_context


class ExampleText(BaseModel):
    """A passage as stored when the examples were written, with what places it in its document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: str = ""
    kind: str = "provision"
    area: str = ""
    theme: str = ""
    text: str = Field(min_length=3)

    @property
    def embedded(self) -> str:
        """The words the embedding model reads for it, as for a stored unit."""
        return in_context(self.area, self.theme, self.text)

    @property
    def group(self) -> str:
        """What it is cited as: a framework theme, or the passage itself."""
        if self.kind == "provision":
            return f"{self.document} › {self.area} › {self.theme}"
        return self.text


class RelevanceQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    q: str = Field(min_length=3, max_length=1000)
    on_point: tuple[str, ...] = ()
    related: tuple[str, ...] = Field((), description="same topic or words, but no answer to the question")


class RelevanceExamples(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    texts: dict[str, ExampleText] = Field(min_length=2)
    questions: tuple[RelevanceQuestion, ...] = Field(min_length=2)

    @model_validator(mode="after")
    def _known_keys(self) -> RelevanceExamples:
        for number, item in enumerate(self.questions, start=1):
            unknown = sorted(set(item.on_point + item.related) - set(self.texts))
            if unknown:
                raise ValueError(f"question {number} ({item.q!r}) names passages not in `texts`: {unknown}")
            both = sorted(set(item.on_point) & set(item.related))
            if both:
                raise ValueError(f"question {number} ({item.q!r}) has {both} both on point and related")
        if not any(item.on_point for item in self.questions):
            raise ValueError("no question has anything on point: nothing to learn from")
        return self

    def digest(self) -> str:
        data = self.model_dump(mode="json")
        return hashlib.sha256(
            json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        ).hexdigest()


def load_relevance_examples(path: Path) -> RelevanceExamples:
    return load_yaml_model(Path(path), RelevanceExamples, what="the relevance examples")
