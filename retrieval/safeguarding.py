"""Safeguarding rules: which words in a message suggest harm, and which say there is danger now. Pure.

The rules are data (`prompts/safeguarding.yaml`): patterns per category of harm,
patterns for ordinary worries that share their words, and named signs of danger
right now. Every finding keeps the words that matched, so an answer can say
why it was routed. Whether a message is routed at all is decided in
`retrieval.triage`, which weighs these findings against a classifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from provision_assistant.ingest.datafile import load_yaml_model
from provision_assistant.retrieval.templates import check_placeholders

# Evidence longer than this is shown shortened: a pattern spanning a sentence says little more.
MAX_EVIDENCE_CHARS = 80


def _compile(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid pattern ({exc}): {pattern[:80]}") from exc
    return patterns


# A list of regular expressions, each checked on load so a typo names the file, not a chat.
Patterns = Annotated[list[str], AfterValidator(_compile)]


def _flags(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in patterns]


def tidy(message: str) -> str:
    return " ".join(message.split())


def shorten(words: str, limit: int = MAX_EVIDENCE_CHARS) -> str:
    words = words.strip(" ,.;:")
    if len(words) <= limit:
        return words
    half = (limit - 1) // 2
    return f"{words[:half].rstrip()}…{words[-half:].lstrip()}"


@dataclass(frozen=True)
class Evidence:
    """Words of the message that led to a finding, and what they were read as."""

    words: str
    what: str


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    patterns: Patterns = Field(min_length=1)
    unless: Patterns = []  # a match with one of these is not this kind of harm
    home: bool = False  # concerns of this kind are usually about someone at home
    services: str = ""  # words that find the documents' contacts for it (default: `services`)
    # The classifier learnt disclosures, not emergencies: a match of a trusted category is certain
    # (and may lead with 999) however unsure it is, unless it is sure the message is ordinary.
    trusted: bool = False


class Sign(BaseModel):
    """One kind of danger right now, e.g. "a weapon or means on hand"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    patterns: Patterns = Field(min_length=1)
    unless: Patterns = []  # e.g. the event is clearly past or already treated
    category: str = ""  # the kind of harm this sign shows by itself, if any


class Combination(Sign):
    """Danger now only together with a category: a suicide signal and a child not arriving."""

    categories: list[str] = Field(min_length=1)


class DangerNow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    signs: dict[str, Sign] = Field(min_length=1)
    # Broad words that say when or how danger is now ("now", "tonight", "choking"): the classifier
    # may lead with 999 only when the message holds one, and they are what the answer quotes.
    words: dict[str, Patterns] = {}
    combinations: dict[str, Combination] = {}
    # An event that is over or habitual ("came back", "last tuesday", "every night") is no danger now
    # unless the message also says it still is (`still`: "right now", "tonight", "still missing").
    over: Patterns = []
    still: Patterns = []


class Why(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    certain: str
    possible: str
    danger: str
    quote: str

    @model_validator(mode="after")
    def _placeholders(self) -> Why:
        allowed = {
            "certain": {"evidence"},
            "possible": {"evidence", "category"},
            "danger": {"evidence"},
            "quote": {"words", "what"},
        }
        check_placeholders(self, allowed)
        return self


class ClassifierSettings(BaseModel):
    """How the disclosure classifier is trained, and the thresholds on its probability."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    examples: str = "safeguarding_examples.yaml"
    epochs: int = Field(4, ge=1, le=20)
    learning_rate: float = Field(5e-5, gt=0, lt=1)
    batch_size: int = Field(16, ge=1, le=256)
    max_tokens: int = Field(96, ge=16, le=512)
    seed: int = 0
    route: float = Field(0.95, ge=0, le=1)
    veto: float = Field(0.002, ge=0, le=1)
    certain: float = Field(0.5, ge=0, le=1)
    sure: float = Field(0.95, ge=0, le=1)
    # On its probability that a disclosure says danger is now: with a danger word in the message it
    # leads with 999 at or above `immediate`; below `sign_floor` it overrules a named sign.
    immediate: float = Field(0.5, ge=0, le=1)
    sign_floor: float = Field(0.02, ge=0, le=1)
    # Inverse regularisation of the category model for concerns no rule names (5-fold CV: 0.73).
    category_strength: float = Field(16.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> ClassifierSettings:
        if not self.veto <= self.certain <= self.sure or self.route > self.sure:
            raise ValueError("thresholds must keep veto <= certain <= sure and route <= sure")
        return self

    def training_key(self) -> dict:
        """What changes the trained model (thresholds do not)."""
        return self.model_dump(include={"epochs", "learning_rate", "batch_size", "max_tokens", "seed"})


class SafeguardingRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    route: str = Field(min_length=20)
    possible_route: str = Field(min_length=20)
    immediate: str = Field(min_length=10)
    why: Why
    contacts_heading: str
    provisions_heading: str
    left_out: str
    classifier: ClassifierSettings = ClassifierSettings()
    services: str = Field(min_length=3)
    contact_patterns: Patterns = Field(min_length=1)
    reach_patterns: Patterns = Field(min_length=1)
    household: Patterns = Field(min_length=1)
    family_patterns: Patterns = Field(min_length=1)
    statutory: Patterns = []
    categories: dict[str, Category] = Field(min_length=1)
    not_risk: Patterns = []
    topics: Patterns = []
    danger_now: DangerNow

    @model_validator(mode="after")
    def _consistent(self) -> SafeguardingRules:
        check_placeholders(self, {"left_out": {"n"}})
        for name, combination in self.danger_now.combinations.items():
            unknown = set(combination.categories) - set(self.categories)
            if unknown:
                raise ValueError(f"danger_now.combinations.{name}: unknown categories {sorted(unknown)}")
        for name, sign in self.danger_now.signs.items():
            if sign.category and sign.category not in self.categories:
                raise ValueError(f"danger_now.signs.{name}: unknown category {sign.category!r}")
        return self

    @cached_property
    def _compiled(self) -> dict:
        return {
            "categories": [(n, _flags(c.patterns), _flags(c.unless)) for n, c in self.categories.items()],
            "ordinary": _flags(self.not_risk),
            "topics": _flags(self.topics),
            "signs": [(n, _flags(s.patterns), _flags(s.unless)) for n, s in self.danger_now.signs.items()],
            "combinations": [
                (n, set(c.categories), _flags(c.patterns), _flags(c.unless))
                for n, c in self.danger_now.combinations.items()
            ],
            "words": [(n, _flags(ps)) for n, ps in self.danger_now.words.items()],
            "over": _flags(self.danger_now.over),
            "still": _flags(self.danger_now.still),
            "household": _flags(self.household),
            "family": _flags(self.family_patterns),
            "statutory": _flags(self.statutory),
            "contact": _flags(self.contact_patterns),
            "reach": _flags(self.reach_patterns),
        }

    def find(self, message: str) -> tuple[str, Evidence] | None:
        """The first category of harm the message suggests, with the words; None for none, or for
        an ordinary worry (a `not_risk` match).

        A category's own patterns come first; then a sign of danger now that shows a kind of harm
        by itself (a child missing now, a child not safe to go home).
        """
        text = tidy(message)
        if self.ordinary(text):
            return None
        for name, patterns, unless in self._compiled["categories"]:
            if any(rx.search(text) for rx in unless):
                continue
            for rx in patterns:
                if m := rx.search(text):
                    return name, Evidence(shorten(m.group(0)), name)
        for sign in self.danger_now_in(text, None):  # without a category, no combination: signs only
            if category := self.danger_now.signs[sign.what].category:
                return category, Evidence(sign.words, category)
        return None

    def ordinary(self, message: str) -> bool:
        """Whether the message reads as an ordinary worry that shares words with harm (`not_risk`),
        or asks about a harm as a topic (`topics`)."""
        return self.topic(message) or any(rx.search(tidy(message)) for rx in self._compiled["ordinary"])

    def topic(self, message: str) -> bool:
        """Whether the message asks about a harm as a subject (a lesson, training, a policy)."""
        text = tidy(message)
        return any(rx.search(text) for rx in self._compiled["topics"])

    def trusted(self, category: str) -> bool:
        known = self.categories.get(category)
        return bool(known and known.trusted)

    def danger_now_in(self, message: str, category: str | None) -> list[Evidence]:
        """The signs of danger right now that the message itself states, with their words."""
        compiled = self._compiled
        groups = list(compiled["signs"])
        groups += [(n, ps, un) for n, cats, ps, un in compiled["combinations"] if category in cats]
        return _first_in_each(tidy(message), groups)

    def over_in(self, message: str) -> bool:
        """Whether the message tells of harm that is over or habitual, and nothing still happening."""
        text = tidy(message)
        compiled = self._compiled
        return any(rx.search(text) for rx in compiled["over"]) and not any(
            rx.search(text) for rx in compiled["still"]
        )

    def danger_words_in(self, message: str) -> list[Evidence]:
        """The words of the message that say when or how danger is now, one per kind."""
        return _first_in_each(tidy(message), [(n, ps, []) for n, ps in self._compiled["words"]])

    def about_home(self, message: str, category: str) -> bool:
        """Whether the concern is about someone in the child's household."""
        known = self.categories.get(category)
        return bool(known and known.home) or any(rx.search(message) for rx in self._compiled["household"])

    def services_for(self, category: str) -> str:
        known = self.categories.get(category)
        return (known.services if known else "") or self.services

    def involves_family(self, text: str) -> bool:
        """A provision that would involve or alert the family (a statutory service does not count)."""
        compiled = self._compiled
        return any(rx.search(text) for rx in compiled["family"]) and not any(
            rx.search(text) for rx in compiled["statutory"]
        )

    def names_contact(self, text: str, provision: bool = True) -> bool:
        """Whether a passage names a way to get help: a provision may name a service; a background
        passage must give a link, an email address or a phone number."""
        compiled = self._compiled
        if any(rx.search(text) for rx in compiled["reach"]):
            return True
        return provision and any(rx.search(text) for rx in compiled["contact"])


def _first_in_each(text: str, groups: list[tuple[str, list, list]]) -> list[Evidence]:
    """For each (name, patterns, unless) group that no `unless` rules out, its first match's words."""
    found = []
    for name, patterns, unless in groups:
        if any(rx.search(text) for rx in unless):
            continue
        if m := next((m for rx in patterns if (m := rx.search(text))), None):
            found.append(Evidence(shorten(m.group(0)), name))
    return found


def load_rules(prompts_dir: Path) -> SafeguardingRules:
    return load_yaml_model(
        Path(prompts_dir) / "safeguarding.yaml", SafeguardingRules, what="the safeguarding rules"
    )
