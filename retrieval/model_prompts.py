"""What the optional language model is asked: validated data from `prompts/language_model.yaml`,
rendered by pure functions into chat messages. Document text goes in only as quoted data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from provision_assistant.ingest.datafile import load_yaml_model
from provision_assistant.retrieval.language_model import Message
from provision_assistant.retrieval.templates import check_placeholders


class ModelPrompt(BaseModel):
    """One use of the model: its system message, the user message, and how a suggestion is listed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tokens: int = Field(220, ge=16, le=2000)
    system: str = Field(min_length=20)
    user: str
    suggestion: str

    @model_validator(mode="after")
    def _placeholders(self) -> ModelPrompt:
        check_placeholders(
            self,
            {
                "system": set(),
                "user": {"question", "suggestions"},
                "suggestion": {"n", "tier", "citation", "quoted"},
            },
        )
        return self


class FollowUpPrompt(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_tokens: int = Field(80, ge=16, le=500)
    system: str = Field(min_length=20)
    user: str

    @model_validator(mode="after")
    def _placeholders(self) -> FollowUpPrompt:
        check_placeholders(self, {"system": set(), "user": {"earlier", "message"}})
        return self


class ModelPrompts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    quote_open: str = Field(min_length=3)
    quote_close: str = Field(min_length=3)
    summary: ModelPrompt
    rerank: ModelPrompt
    follow_up: FollowUpPrompt
    nothing_kept: str
    nothing_ranked: str
    bad_rewrite: str
    allowed_words: frozenset[str] = frozenset()


def load_model_prompts(prompts_dir: Path) -> ModelPrompts:
    return load_yaml_model(
        prompts_dir / "language_model.yaml", ModelPrompts, what="the language model prompts"
    )


@dataclass(frozen=True)
class Shown:
    """A suggestion as the model is shown it: its number in the answer, tier, citation and words."""

    n: int
    tier: str
    citation: str
    text: str


def quoted(text: str, prompts: ModelPrompts) -> str:
    """`text` between the quote marks, with any copy of the marks inside it taken out, so a
    document cannot close the quote and speak as the instructions."""
    for mark in (prompts.quote_open, prompts.quote_close):
        text = text.replace(mark, "")
    return f"{prompts.quote_open}\n{text.strip()}\n{prompts.quote_close}"


def messages(
    prompt: ModelPrompt, question: str, shown: Sequence[Shown], prompts: ModelPrompts
) -> list[Message]:
    """The chat messages asking `prompt` of these suggestions (the question already redacted)."""
    p = prompt
    listed = "\n\n".join(
        p.suggestion.format(
            n=s.n, tier=s.tier.capitalize(), citation=s.citation, quoted=quoted(s.text, prompts)
        )
        for s in shown
    )
    return [
        {"role": "system", "content": p.system},
        {"role": "user", "content": p.user.format(question=question, suggestions=listed)},
    ]


def follow_up_messages(earlier: Sequence[str], message: str, prompts: ModelPrompts) -> list[Message]:
    """The chat messages asking for a follow-up as a standalone question (all of it redacted)."""
    p = prompts.follow_up
    return [
        {"role": "system", "content": p.system},
        {"role": "user", "content": p.user.format(earlier="\n".join(earlier), message=message)},
    ]


def with_summary(markdown: str, block: str) -> str:
    """The answer's Markdown with `block` after its heading, above the tiers."""
    heading, _, rest = markdown.partition("\n\n")
    return f"{heading}\n\n{block}\n\n{rest}" if rest else f"{heading}\n\n{block}"
