"""What the optional language model adds to an answer, never taking anything away from it.

The summary: two to four sentences above the tiered list, each citing suggestions by number,
checked against the quotes (`summary_check`) before anyone sees them. The model sees the
staff member's words redacted and the documents' words as quoted data only. A safeguarding
answer never goes to the model: its route stands as the triage wrote it. When the model is
slow, failing or says nothing that survives the check, the answer is the extractive one with
a short note saying so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from provision_assistant.ingest.privacy import redact
from provision_assistant.retrieval.answer_model import Answer, Summary
from provision_assistant.retrieval.language_model import LanguageModel, LanguageModelError
from provision_assistant.retrieval.model_prompts import (
    ModelPrompts,
    Shown,
    load_model_prompts,
    summary_messages,
    with_summary,
)
from provision_assistant.retrieval.summary_check import check_summary, lower_case_words

if TYPE_CHECKING:
    from provision_assistant.ingest.settings import Settings
    from provision_assistant.retrieval.templates import AnswerTemplates

log = logging.getLogger(__name__)


def make_summariser(
    settings: Settings, templates: AnswerTemplates, document_texts: Iterable[str]
) -> Summariser | None:
    """The summariser when a model is configured and `summary` is among its uses; else None."""
    model = LanguageModel.from_settings(settings)
    if model is None or "summary" not in settings.llm_uses:
        return None
    return Summariser(model, load_model_prompts(settings.prompts_dir), templates, document_texts)


def model_status(settings: Settings) -> dict:
    """Whether a language model is in use and for what (never its address or key), for /healthz."""
    if not settings.language_model_configured:
        return {"in_use": False, "model": None, "uses": []}
    return {"in_use": True, "model": settings.llm_model, "uses": list(settings.llm_uses)}


class Summariser:
    """Adds the checked summary to an ordinary answer, or the note that the model could not."""

    def __init__(
        self,
        model: LanguageModel,
        prompts: ModelPrompts,
        templates: AnswerTemplates,
        document_texts: Iterable[str],
    ) -> None:
        texts = list(document_texts)
        if not texts:
            raise ValueError("the summariser needs the documents' words to tell names from ordinary words")
        self.model, self.prompts, self.templates = model, prompts, templates
        self._ordinary = lower_case_words(texts)
        # Before anything leaves the machine, a capitalised word stays only if the documents also
        # write it in lower case (acronyms are never taken for names): their case studies name
        # people too, so being a word of the documents is not enough, as it is for feedback.
        self._known = self._ordinary | {w.casefold() for w in prompts.allowed_words}

    def __call__(self, answer: Answer) -> Answer:
        if answer.status != "answered" or not answer.suggestions:
            return answer
        question = redact(answer.question, self._known)
        shown = [Shown(n, s.tier, s.citation, s.text) for n, s in enumerate(answer.suggestions, start=1)]
        started = time.perf_counter()
        try:
            reply = self.model.complete(
                summary_messages(question, shown, self.prompts), self.prompts.summary.max_tokens
            )
        except LanguageModelError as exc:
            return self._fell_back(answer, exc.reason)
        checked = check_summary(
            reply, [s.text for s in shown], question, self._ordinary, self.prompts.allowed_words
        )
        log.info(
            "summary: %d sentence(s) kept, %d removed, %.0f ms",
            checked.kept,
            checked.removed,
            (time.perf_counter() - started) * 1000,
        )
        if not checked.kept:
            return self._fell_back(answer, self.prompts.nothing_kept)
        summary = Summary(text=checked.text, removed=checked.removed, model=self.model.model)
        markdown = with_summary(answer.answer, self.templates.summary_block.format(text=checked.text))
        return answer.model_copy(update={"summary": summary, "answer": markdown})

    def _fell_back(self, answer: Answer, reason: str) -> Answer:
        note = self.templates.model_fell_back.format(reason=reason)
        return answer.model_copy(update={"model_note": note, "answer": with_summary(answer.answer, note)})
