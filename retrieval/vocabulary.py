"""School vocabulary: staff words mapped to the documents' words, kept as data (YAML)."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from provision_assistant.ingest.datafile import load_yaml_model


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    staff: tuple[str, ...] = Field(min_length=1)
    documents: str = Field(min_length=1)


class Council(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="as the manifest's local_authority spells it")
    aliases: tuple[str, ...] = ()


def _whole_words(phrases: list[str]) -> re.Pattern[str]:
    words = sorted((w.strip() for w in phrases if w.strip()), key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


class Vocabulary(BaseModel):
    """Expands a question with the documents' words for what staff call things."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: tuple[Term, ...] = ()
    councils: tuple[Council, ...] = ()

    @cached_property
    def _patterns(self) -> list[tuple[re.Pattern[str], str]]:
        return [(_whole_words(list(term.staff)), term.documents) for term in self.terms]

    @cached_property
    def _council_patterns(self) -> list[tuple[re.Pattern[str], str]]:
        return [(_whole_words([c.name, *c.aliases]), c.name) for c in self.councils]

    def council_named(self, question: str, known: list[str] = ()) -> str | None:
        """The council a question names ("in W&F", "a Northumberland school"), if any.

        Councils the documents name (`known`) are recognised by name without an entry.
        """
        patterns = self._council_patterns + [
            (_whole_words([name]), name) for name in known if name not in {c.name for c in self.councils}
        ]
        for rx, name in patterns:
            if rx.search(question):
                return name
        return None

    def expansions(self, question: str) -> list[str]:
        """The documents' words for every staff term the question uses, in file order."""
        return [documents for rx, documents in self._patterns if rx.search(question)]

    def expand(self, question: str) -> str:
        """The question followed by the documents' words for the terms it uses."""
        extra = self.expansions(question)
        return f"{question} ({'; '.join(extra)})" if extra else question


def load_vocabulary(path: Path | None) -> Vocabulary:
    """The vocabulary file, or an empty vocabulary when there is none."""
    if path is None or not path.exists():
        return Vocabulary()
    return load_yaml_model(path, Vocabulary, what="the vocabulary", empty={})
