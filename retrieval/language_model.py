"""An optional language model behind any OpenAI-compatible endpoint (Azure OpenAI, Ollama, vLLM,
llama.cpp's server): the thin I/O edge, through the `openai` client.

Nothing here decides what staff see; `model_pass` does, and the quoted answer stands
whenever the model is slow, failing, rate-limited or answers nonsense. Every fault is one
`LanguageModelError` with a short reason a person can read; the call costs at most the
timeout (the client's retries are off: a retry would double it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from provision_assistant.ingest.errors import ProvisionsError

if TYPE_CHECKING:
    from openai import OpenAI

    from provision_assistant.ingest.settings import Settings

log = logging.getLogger(__name__)
Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}


class LanguageModelError(ProvisionsError):
    """The language model did not give a usable reply; `reason` says why, for staff."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LanguageModel:
    """One model at one endpoint. The client is made at first use, not at start-up."""

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 10.0) -> None:
        if not base_url.strip().startswith(("http://", "https://")):
            raise ValueError(
                f"the language model's address must start with http:// or https://; got {base_url!r}"
            )
        if not model.strip():
            raise ValueError("the language model needs a model name")
        if timeout <= 0:
            raise ValueError("the timeout must be positive")
        self.base_url, self.model, self.timeout = base_url.strip(), model.strip(), timeout
        self._api_key = api_key
        self._client: OpenAI | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LanguageModel | None:
        """The configured model, or None: nothing is sent anywhere unless address and model are set."""
        if not settings.language_model_configured:
            return None
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            settings.llm_api_key.get_secret_value(),
            settings.llm_timeout_seconds,
        )

    @property
    def client(self) -> OpenAI:
        if self._client is None:
            from openai import OpenAI

            # A local server needs no key, but the client insists on one.
            self._client = OpenAI(
                base_url=self.base_url, api_key=self._api_key or "none", timeout=self.timeout, max_retries=0
            )
        return self._client

    def complete(self, messages: Sequence[Message], max_tokens: int, timeout: float | None = None) -> str:
        """The model's reply to `messages`, whole, within `timeout` (default: the model's own)."""
        with _translated_errors(self.timeout):
            reply = self._create(messages, max_tokens, timeout)
            choices = getattr(reply, "choices", None)
            content = choices[0].message.content if choices else None
            if not isinstance(content, str):
                raise LanguageModelError("its reply could not be read")
            return content

    def stream(
        self, messages: Sequence[Message], max_tokens: int, timeout: float | None = None
    ) -> Iterator[str]:
        """The model's reply to `messages`, piece by piece as it writes it (`timeout`: for the
        reply to start and between pieces; the caller keeps any overall deadline)."""
        with _translated_errors(self.timeout):
            chunks = self._create(messages, max_tokens, timeout, stream=True)
            for chunk in chunks:
                choices = getattr(chunk, "choices", None)
                piece = choices[0].delta.content if choices else None
                if piece:
                    yield piece

    def _create(self, messages: Sequence[Message], max_tokens: int, timeout: float | None, **stream: bool):
        # Never beyond the model's own timeout; temperature 0, so the same question reads the same.
        return self.client.chat.completions.create(
            model=self.model,
            messages=list(messages),
            max_tokens=max_tokens,
            temperature=0,
            timeout=min(timeout or self.timeout, self.timeout),
            **stream,
        )


@contextmanager
def _translated_errors(timeout: float) -> Iterator[None]:
    """The client's exceptions as one `LanguageModelError` with a reason staff can read."""
    import openai

    try:
        yield
    except openai.APITimeoutError as exc:
        raise _fault(f"it did not answer within {timeout:g} s", exc) from exc
    except openai.RateLimitError as exc:
        raise _fault("it is busy (rate limited)", exc) from exc
    except openai.APIStatusError as exc:
        raise _fault(f"it answered with an error ({exc.status_code})", exc) from exc
    except openai.APIConnectionError as exc:
        raise _fault("it could not be reached", exc) from exc
    except openai.APIError as exc:  # a reply the client could not parse
        raise _fault("its reply could not be read", exc) from exc


def _fault(reason: str, exc: Exception) -> LanguageModelError:
    log.warning("language model: %s (%s)", reason, type(exc).__name__)
    return LanguageModelError(reason)
