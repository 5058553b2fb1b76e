"""The HTTP API's request bodies: validated by FastAPI, documented in OpenAPI with examples."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PhaseName = Literal["early years", "primary", "secondary"]
CANTEEN = "Year 8 pupil anxious about the canteen"


class AskRequest(BaseModel):
    """A question as staff type it, with optional phase and council."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"question": CANTEEN}, {"question": CANTEEN, "council": "Northumberland"}]
        },
    )

    question: str = Field(
        description="the situation in a few words; at most PROVISIONS_MAX_QUESTION_CHARS (1,000) characters"
    )
    phase: PhaseName | None = Field(
        None, description="overrides the phase read from the question (Y8, KS3, 4yo)"
    )
    council: str | None = Field(None, description="your local authority, as the documents name it")


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
    helpful: bool
    reason: str = Field("", max_length=1000)


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
