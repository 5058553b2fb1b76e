"""Safeguarding triage: does a message suggest a child may be at risk of harm? Pure.

Runs before retrieval on every question. The rules are data
(`prompts/safeguarding.yaml`): patterns per category of harm, patterns for
danger right now, and patterns for ordinary worries that share their words.
A message no pattern catches may still read like a known disclosure
(`retrieval.triage_examples`); it is then a possible concern, and its answer
leads with a gentler form of the same route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ingest.datafile import load_yaml_model
from retrieval.triage_examples import ExampleSettings


@dataclass(frozen=True)
class Concern:
    """Why a message was routed to safeguarding."""

    category: str
    immediate: bool
    certain: bool = True  # False: no pattern matched, but it reads like a known disclosure

    def to_json(self) -> dict:
        return {"category": self.category, "immediate": self.immediate, "certain": self.certain}


def _compile(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid pattern ({exc}): {pattern[:80]}") from exc
    return patterns


class SafeguardingRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    route: str = Field(min_length=20)
    possible_route: str = Field(min_length=20)
    immediate: str = Field(min_length=10)
    provisions_heading: str
    immediate_patterns: list[str]
    categories: dict[str, list[str]] = Field(min_length=1)
    not_risk: list[str] = []
    examples: ExampleSettings = ExampleSettings()

    @field_validator("immediate_patterns", "not_risk")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        return _compile(value)

    @field_validator("categories")
    @classmethod
    def _category_patterns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in value.values():
            _compile(patterns)
        return value

    @cached_property
    def _compiled(self) -> tuple[list, list, list]:
        def flags(patterns: list[str]) -> list[re.Pattern[str]]:
            return [re.compile(p, re.IGNORECASE) for p in patterns]

        categories = [(name, flags(patterns)) for name, patterns in self.categories.items()]
        return categories, flags(self.immediate_patterns), flags(self.not_risk)

    def triage(self, message: str) -> Concern | None:
        """The first category of harm the message suggests, or None for an ordinary question."""
        text = " ".join(message.split())
        categories, _, ordinary = self._compiled
        if any(rx.search(text) for rx in ordinary):
            return None
        for name, patterns in categories:
            if any(rx.search(text) for rx in patterns):
                return Concern(name, self.immediate_in(text))
        return None

    def immediate_in(self, message: str) -> bool:
        """Whether the message suggests danger right now."""
        text = " ".join(message.split())
        return any(rx.search(text) for rx in self._compiled[1])


def load_rules(prompts_dir: Path) -> SafeguardingRules:
    return load_yaml_model(
        Path(prompts_dir) / "safeguarding.yaml", SafeguardingRules, what="the safeguarding rules"
    )


def lead_with_safeguarding(answer: dict, concern: Concern, rules: SafeguardingRules) -> dict:
    """The answer with the safeguarding route first; the documents' provisions follow it."""
    route = rules.route if concern.certain else rules.possible_route
    if concern.immediate:
        route = f"{rules.immediate}\n\n{route}"
    parts = [route]
    if answer.get("status") == "answered":
        parts += [rules.provisions_heading, answer["answer"]]
    return {
        **answer,
        "status": "safeguarding",
        "safeguarding": {**concern.to_json(), "route": route},
        "answer": "\n\n".join(parts),
    }
