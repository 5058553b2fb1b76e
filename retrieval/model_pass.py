"""What the optional language model adds to an ordinary answer, never adding a provision to it.

- **Follow-ups** (before searching): a follow-up ("and what about at home?") is rewritten from
  the conversation into a standalone question; the rule-based reading is used when the model's
  is unusable. The safeguarding triage reads the messages as typed, never the rewriting.
- **Reranking** (before the answer is composed): the model is shown the suggestions chosen, with
  their tier and place, and names those that help, most helpful first; the others are dropped
  and the rest reordered within their tiers. It cannot add one: a number not listed is ignored.
- **Summary** (after): two to four sentences above the tiered list, each citing suggestions by
  number, checked against the quotes (`summary_check`) before anyone sees them.

The model sees the staff member's words redacted and the documents' words as quoted data only.
A safeguarding answer never comes here: its route stands as the triage wrote it. All the calls
for one answer share one timeout; when the model is slow, failing, or says nothing usable, the
answer is the extractive one with a short note saying so.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provision_assistant.ingest.privacy import redact
from provision_assistant.retrieval.answer_model import Answer, Summary
from provision_assistant.retrieval.candidate import shown_order
from provision_assistant.retrieval.language_model import LanguageModel, LanguageModelError
from provision_assistant.retrieval.model_prompts import (
    ModelPrompts,
    Shown,
    follow_up_messages,
    load_model_prompts,
    messages,
    with_summary,
)
from provision_assistant.retrieval.relevance_examples import load_relevance_examples
from provision_assistant.retrieval.select import Pick, Selection
from provision_assistant.retrieval.summary_check import (
    SummaryCheck,
    capitalised_words,
    checked_question,
    cleaned,
    complete_sentences,
    lower_case_words,
    sentences,
)

if TYPE_CHECKING:
    from provision_assistant.ingest.settings import Settings
    from provision_assistant.retrieval.templates import AnswerTemplates

log = logging.getLogger(__name__)
_NUMBER = re.compile(r"\d{1,3}")


def model_status(settings: Settings) -> dict:
    """Whether a language model is in use and for what (never its address or key), for /healthz."""
    if not settings.language_model_configured:
        return {"in_use": False, "model": None, "uses": []}
    return {"in_use": True, "model": settings.llm_model, "uses": list(settings.llm_uses)}


def make_model_pass(
    settings: Settings, templates: AnswerTemplates, document_texts: Iterable[str]
) -> ModelPass | None:
    """The model's pass when one is configured for reranking or a summary; else None."""
    model = LanguageModel.from_settings(settings)
    if model is None or not settings.llm_uses:
        return None
    # Staff's own questions hold the everyday words ("start", "speak") a council's few documents
    # may never write, so that a summary's ordinary words are not taken for names.
    staff = [q.q for q in load_relevance_examples(settings.relevance_examples_path).questions]
    return ModelPass(
        model,
        load_model_prompts(settings.prompts_dir),
        templates,
        document_texts,
        set(settings.llm_uses),
        staff,
    )


def in_order(selection: Selection) -> list[tuple[str, Pick]]:
    """The suggestions as the answer numbers them: tier by tier, in display order."""
    return [(tier, pick) for tier in shown_order(selection.lead) for pick in selection.picks.get(tier, [])]


def ranked_numbers(reply: str, count: int) -> list[int]:
    """The suggestion numbers a ranking names, in its order, each once; any other number is ignored."""
    return list(dict.fromkeys(n for n in map(int, _NUMBER.findall(reply)) if 1 <= n <= count))


def reranked(selection: Selection, numbers: list[int]) -> Selection:
    """Only the suggestions `numbers` names, in that order within each tier; nothing added."""
    numbered = in_order(selection)
    picks: dict[str, list[Pick]] = {tier: [] for tier in selection.picks}
    for n in numbers:
        tier, pick = numbered[n - 1]
        picks[tier].append(pick)
    return Selection(
        selection.question, selection.phase, picks, selection.sources, selection.council, selection.lead
    )


@dataclass
class Turn:
    """One answer's use of the model: every call shares one deadline, and after a fault the
    model is not asked again for this answer (`note` says why, for staff)."""

    deadline: float
    note: str | None = None


class ModelPass:
    """Rewrites follow-ups, reranks the suggestions of an ordinary answer, adds the checked summary."""

    def __init__(
        self,
        model: LanguageModel,
        prompts: ModelPrompts,
        templates: AnswerTemplates,
        document_texts: Iterable[str],
        uses: Collection[str],
        everyday_texts: Iterable[str] = (),
    ) -> None:
        texts = list(document_texts)
        if not texts:
            raise ValueError("the model pass needs the documents' words to tell names from ordinary words")
        known = {"follow_ups", "rerank", "summary"}
        if not set(uses) <= known:
            raise ValueError(f"unknown uses: {sorted(set(uses) - known)}")
        self.model, self.prompts, self.templates, self.uses = model, prompts, templates, frozenset(uses)
        # A word the documents write only capitalised is a name even where staff type it in lower case.
        names = {w.casefold() for w in capitalised_words(texts)} - lower_case_words(texts)
        self._ordinary = lower_case_words(texts) | (lower_case_words(everyday_texts) - names)
        # Before anything leaves the machine, a capitalised word stays only if the documents also
        # write it in lower case (acronyms are never taken for names): their case studies name
        # people too, so being a word of the documents is not enough, as it is for feedback.
        self._known = self._ordinary | {w.casefold() for w in prompts.allowed_words}

    def start(self) -> Turn:
        return Turn(time.monotonic() + self.model.timeout)

    def standalone(
        self, turn: Turn, earlier: Sequence[str], message: str, fallback: str, max_chars: int
    ) -> str:
        """`message`, a follow-up to the `earlier` messages, as a standalone question; `fallback`
        (the rule-based reading) when the model's is unusable."""
        if "follow_ups" not in self.uses or turn.note is not None:
            return fallback
        try:
            sent = follow_up_messages(
                [redact(m, self._known) for m in earlier], redact(message, self._known), self.prompts
            )
            reply = self._call("follow_up", sent, self.prompts.follow_up.max_tokens, turn)
            question = checked_question(reply, max_chars)
            if question is None:
                raise LanguageModelError(self.prompts.bad_rewrite)
        except LanguageModelError as exc:
            turn.note = exc.reason
            return fallback
        return question

    def answer_stream(
        self, selection: Selection, compose: Callable[[Selection], Answer], turn: Turn
    ) -> Iterator[Answer | str]:
        """The answer as it is made: first the composed answer (reranked, without a summary), then
        each summary sentence as soon as the model has written it and it passed the check, then
        the final answer (with the summary of those sentences, or the note)."""
        question = redact(selection.question, self._known)
        # An area's Universal offer is a checklist: all of it, in the framework's order.
        checklist = selection.area_checklist is not None
        if "rerank" in self.uses and turn.note is None and len(in_order(selection)) > 1 and not checklist:
            try:
                selection = self._rerank(question, selection, turn)
            except LanguageModelError as exc:
                turn.note = exc.reason
        draft = compose(selection)
        yield draft
        if "summary" in self.uses and turn.note is None and draft.suggestions:
            check = SummaryCheck(
                [s.text for s in draft.suggestions], question, self._ordinary, self.prompts.allowed_words
            )
            try:
                yield from filter(check, self._summary_sentences(question, draft, turn))
            except LanguageModelError as exc:
                turn.note = exc.reason  # what was already shown stands: it passed the check
            log.info("summary: %d sentence(s) kept, %d removed", check.kept, check.removed)
            if check.kept:
                summary = Summary(text=check.text, removed=check.removed, model=self.model.model)
                markdown = with_summary(draft.answer, self.templates.summary_block.format(text=check.text))
                yield draft.model_copy(update={"summary": summary, "answer": markdown})
                return
            turn.note = turn.note or self.prompts.nothing_kept
        if turn.note is None:
            yield draft
            return
        shown = self.templates.model_fell_back.format(reason=turn.note)
        yield draft.model_copy(update={"model_note": shown, "answer": with_summary(draft.answer, shown)})

    def _time_left(self, turn: Turn) -> float:
        """What is left of the answer's deadline for the next call, or the fault if nothing is."""
        left = turn.deadline - time.monotonic()
        if left <= 0.05:
            raise LanguageModelError(f"it did not answer within {self.model.timeout:g} s")
        return left

    def _call(self, use: str, sent: list, max_tokens: int, turn: Turn) -> str:
        left = self._time_left(turn)
        started = time.perf_counter()
        reply = self.model.complete(sent, max_tokens, left)
        log.info("language model %s: %.0f ms", use, (time.perf_counter() - started) * 1000)
        return reply

    def _rerank(self, question: str, selection: Selection, turn: Turn) -> Selection:
        numbered = in_order(selection)
        shown = [Shown(n, tier, _place(pick), pick.text) for n, (tier, pick) in enumerate(numbered, start=1)]
        prompt = self.prompts.rerank
        reply = self._call("rerank", messages(prompt, question, shown, self.prompts), prompt.max_tokens, turn)
        numbers = ranked_numbers(reply, len(numbered))
        if not numbers:
            raise LanguageModelError(self.prompts.nothing_ranked)
        log.info("rerank: %d of %d suggestions kept", len(numbers), len(numbered))
        return reranked(selection, numbers)

    def _summary_sentences(self, question: str, answer: Answer, turn: Turn) -> Iterator[str]:
        """The summary's sentences as the model finishes each, within the answer's deadline."""
        shown = [Shown(n, s.tier, s.citation, s.text) for n, s in enumerate(answer.suggestions, start=1)]
        prompt = self.prompts.summary
        written = ""
        sent = messages(prompt, question, shown, self.prompts)
        pieces = self.model.stream(sent, prompt.max_tokens, self._time_left(turn))
        for piece in pieces:
            if time.monotonic() > turn.deadline:
                pieces.close()
                raise LanguageModelError(f"it did not finish within {self.model.timeout:g} s")
            done, written = complete_sentences(written + piece)
            yield from done
        yield from sentences(cleaned(written))


def _place(pick: Pick) -> str:
    meta = pick.shown.metadata
    return meta.get("section") or meta.get("title", "")
