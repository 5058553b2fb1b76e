"""The answer's shape, once, as pydantic models: what `/api/ask` returns and `/openapi.json`
documents, so that an intranet team can generate a client from the schema.

Composing stays pure functions over plain dicts (`compose`, `compose_safeguarding`); the
service checks their result against this contract (`Answer.model_validate`) and hands every
front end the model. Fields are in the order the JSON gives them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TierName = Literal["universal", "targeted", "specialist"]
# "none": background from a document's prose, outside the graduated response.
ShownTier = Literal["universal", "targeted", "specialist", "none"]
PhaseName = Literal["early years", "primary", "secondary"]
Status = Literal["answered", "not_covered", "safeguarding"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Suggestion(_Strict):
    """One suggestion: a provision or passage quoted word for word, with where it is from."""

    tier: ShownTier = Field(description="the document's tier; none for background prose")
    text: str = Field(description="the document's own words (Markdown)")
    citation: str = Field(description="document (council) — area › theme, page")
    source_ids: list[str] = Field(description="ids of the sources that hold the words, first cited first")
    unit_ids: list[str] = Field(description="the stored units shown (one, or several with the same words)")
    left_out: int = Field(
        0,
        description="items of the provision's list left out of `text` as for another age, phase or"
        " subject than the question's (whole lines: the rest is word for word)",
    )


class Source(_Strict):
    """A cited passage: a whole framework theme (every tier) or one prose passage."""

    id: str
    text: str
    document: str
    title: str
    section: str = Field(description="area › theme, or the prose heading")
    tier: ShownTier
    page: int | None
    kind: str = Field(description="theme, or the unit's own kind (passage, provision)")
    local_authority: str = Field(description="the council the document is from, or national")
    phase: list[PhaseName] = Field(description="the phases its lines are marked for; empty: any")
    score: float
    units: list[str]
    url: str | None = Field(None, description="where the document itself can be opened, if its manifest says")


class Evidence(_Strict):
    words: str = Field(description="the words of the message that led to it")
    what: str


class Safeguarding(_Strict):
    """Why the answer leads with the safeguarding route, and the documents' contacts."""

    category: str
    immediate: bool = Field(description="danger now: emergency services first")
    certain: bool
    about_home: bool
    evidence: list[Evidence]
    danger: list[Evidence]
    route: str
    why: str
    contacts_heading: str
    contacts: list[Suggestion]
    left_out: int = Field(description="family-facing provisions left out of a disclosure about home")
    left_out_note: str


class Summary(_Strict):
    """What the optional language model wrote above the tiered list, after the check."""

    text: str = Field(
        description="two to four sentences, each citing suggestions by number ([2]); a sentence citing"
        " no suggestion, one that does not exist, or naming what no cited suggestion holds was removed"
    )
    removed: int = Field(description="sentences of the model's reply removed by that check")
    model: str = Field(description="the model that wrote it")


class AuditOffer(_Strict):
    """A question asked what a school should have in place: the answer lists one framework area's
    Universal offer, and a whole-school audit of that framework can start from it."""

    document: str = Field(description="the framework document, as /api/documents and /api/audits name it")
    title: str
    area: str


class Answer(_Strict):
    """The tiered answer to one question."""

    question: str = Field(description="the question as answered (tidied; a follow-up with what it continues)")
    phase: PhaseName | None
    status: Status
    suggestions: list[Suggestion]
    sources: list[Source]
    answer: str = Field(description="the whole answer as Markdown, as staff read it")
    lead: ShownTier | None = Field(
        None, description="the tier shown first when it holds what a lookup asked for"
    )
    safeguarding: Safeguarding | None = None
    audit_offer: AuditOffer | None = Field(
        None, description="when the answer is an area's Universal offer as a checklist (start an audit)"
    )
    follows: str | None = Field(None, description="the earlier question a follow-up was read with")
    summary: Summary | None = Field(None, description="only when a language model is configured for it")
    model_note: str | None = Field(
        None,
        description="why the language model's part is missing though it was asked: the quoted answer stands",
    )

    @model_validator(mode="after")
    def _route_with_its_status(self) -> Answer:
        # A client that reads `status` and one that reads `safeguarding` must never disagree.
        if (self.status == "safeguarding") != (self.safeguarding is not None):
            raise ValueError("a safeguarding answer carries its route, and only a safeguarding answer does")
        return self

    def to_json(self) -> dict:
        """The answer JSON every front end gives: the fields that apply to this answer only
        (no `safeguarding: null` on an ordinary answer), as `/api/ask` documents it."""
        return self.model_dump(mode="json", exclude_unset=True)

    def shows_route(self) -> bool:
        return self.safeguarding is not None
