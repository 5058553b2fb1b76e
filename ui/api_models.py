"""The HTTP API's request bodies: validated by FastAPI, documented in OpenAPI with examples."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from provision_assistant.retrieval.answer_model import PhaseName
from provision_assistant.retrieval.scope import Scope

CANTEEN = "Year 8 pupil anxious about the canteen"


class AskRequest(BaseModel):
    """A question as staff type it, with optional phase and council."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"question": CANTEEN},
                {"question": CANTEEN, "council": "Northumberland"},
                {"question": CANTEEN, "scope": {"councils": ["Northumberland"], "tiers": ["targeted"]}},
            ]
        },
    )

    question: str = Field(
        description="the situation in a few words; at most PROVISIONS_MAX_QUESTION_CHARS (1,000) characters"
    )
    phase: PhaseName | None = Field(
        None, description="overrides the phase read from the question (Y8, KS3, 4yo)"
    )
    council: str | None = Field(None, description="your local authority, as the documents name it")
    scope: Scope | None = Field(
        None,
        description="answer only from these documents, councils, tiers or phases (a filter, where phase and "
        "council above only weigh); the safeguarding route is never narrowed by it",
    )


class FeedbackRequest(BaseModel):
    """Whether an answer helped. Names and other identifying details are removed before storing."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"question": CANTEEN, "helpful": True, "reason": "the quiet area idea"}]
        },
    )

    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field("", max_length=10_000, description="the answer shown, if the client kept it")
    helpful: StrictBool = Field(description='true or false; not "yes", 1 or a string')
    reason: str = Field("", max_length=1000)

    @field_validator("question")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not any(ch.isprintable() and not ch.isspace() for ch in value):
            raise ValueError("the question is empty")
        return value


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """The OpenAI chat-completions request; sampling options are accepted and ignored."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [{"model": "provision-assistant", "messages": [{"role": "user", "content": CANTEEN}]}]
        },
    )

    model: str = "provision-assistant"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    phase: PhaseName | None = None
    council: str | None = None


class Problem(BaseModel):
    """Why a request was refused: a sentence, or FastAPI's list naming each field."""

    detail: str | list[dict[str, Any]] = Field(description="names the field, file or limit at fault")


class OpenAIErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    """The OpenAI error shape, so SDKs raise their usual BadRequestError."""

    error: OpenAIErrorBody


# Every API operation can meet these before or instead of its answer; documented once for all.
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "the body is not UTF-8 text"},
    401: {"model": Problem, "description": "an API key is needed (when PROVISIONS_API_KEYS is set)"},
    413: {"model": Problem, "description": "the body is over PROVISIONS_MAX_BODY_BYTES"},
    422: {"model": Problem, "description": "a field is missing or unusable; the detail names it"},
    429: {"model": Problem, "description": "over PROVISIONS_RATE_LIMIT for this API key or address"},
    503: {"model": Problem, "description": "the model and index are still loading, or there is no index"},
}
