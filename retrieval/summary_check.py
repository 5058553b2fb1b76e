"""Check a language model's summary against the suggestions it was given. Pure.

A sentence stays only if it says something (four words or more besides its citations), cites
suggestions that exist ([2], [1][3]), and every name in it
(a service, person, tool, website, email or phone number) stands in a suggestion it cites, in
the question, or among the allowed words. A name is a word the documents never write in lower
case ("Kooth", "CAMHS"), a run of capitalised words ("Early Help"), an address or a number to
ring. A sentence with words addressed to a language model ("ignore your instructions"), or
citing a passage that has such words (a planted instruction), is removed too: the passage is
still quoted below, but the model's reading of it is not shown. What a small model tacks on
(role labels, end-of-turn markers) is cleaned away first. At most four sentences are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

MAX_SENTENCES = 4
MIN_WORDS = 4  # besides its citations: "[1] Targeted." says nothing
_CITATION = re.compile(r"\[(\d{1,3})\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MARKERS = re.compile(r"<\|[^|>]{0,40}\|>|</?s>|^\s*(?:assistant|answer|summary)\s*:\s*", re.I | re.M)
_CONTACTS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+|(?<!\w)(?:\+44\s?|0)(?:\d[\s-]?){9,10}\b"
)
_TO_A_MODEL = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|prompts?|rules|guidelines)\b"
    r"|\bsystem (?:prompt|message)\b|\byou are (?:now )?(?:an? )?(?:ai|assistant|language model|chatbot)\b"
    r"|<<<|>>>",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of|and|for|&)?\s*[A-Z][\w'’-]*)+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def lower_case_words(texts: Iterable[str]) -> frozenset[str]:
    """Every word the documents write in lower case somewhere: ordinary words, not names."""
    return frozenset(w for text in texts for w in _WORD.findall(text) if w.islower())


def capitalised_words(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(w for text in texts for w in _WORD.findall(text) if w[0].isupper())


def _names(sentence: str, ordinary: frozenset[str], allowed: frozenset[str]) -> list[str]:
    text = _CITATION.sub(" ", sentence)
    names = [m.group(0).rstrip(".,;:") for m in _CONTACTS.finditer(text)]
    text = _CONTACTS.sub(" ", text)
    for run in _CAPITALISED_RUN.finditer(text):
        words = [w for w in _WORD.findall(run.group(0)) if w not in allowed and w.lower() != "i"]
        if len(words) > 1:
            names.append(run.group(0))
    for word in _WORD.findall(text):
        if word[0].isupper() and word not in allowed and word.lower() not in ordinary:
            names.append(word)
    return names


def _holds(haystacks: Sequence[str], name: str) -> bool:
    wanted = " ".join(name.casefold().split())
    return any(wanted in " ".join(h.casefold().split()) for h in haystacks)


class SummaryCheck:
    """The check of one reply, sentence by sentence (whole or as it streams): a sentence that
    stands is kept, up to four; the others are counted as removed."""

    def __init__(
        self,
        suggestions: Sequence[str],
        question: str,
        ordinary: frozenset[str],
        allowed: frozenset[str] = frozenset(),
    ) -> None:
        self.suggestions, self.question = list(suggestions), question
        self.ordinary, self.allowed = ordinary, allowed
        self.kept_sentences: list[str] = []
        self.removed = 0

    def __call__(self, sentence: str) -> bool:
        """Whether `sentence` is kept."""
        if len(self.kept_sentences) < MAX_SENTENCES and sentence_stands(
            sentence, self.suggestions, self.question, self.ordinary, self.allowed
        ):
            self.kept_sentences.append(sentence)
            return True
        self.removed += 1
        return False

    @property
    def kept(self) -> int:
        return len(self.kept_sentences)

    @property
    def text(self) -> str:
        return " ".join(self.kept_sentences)


def check_summary(
    reply: str,
    suggestions: Sequence[str],
    question: str,
    ordinary: frozenset[str],
    allowed: frozenset[str] = frozenset(),
) -> SummaryCheck:
    """The sentences of a whole `reply` that cite existing suggestions and name only what those hold."""
    check = SummaryCheck(suggestions, question, ordinary, allowed)
    for sentence in sentences(cleaned(reply)):
        check(sentence)
    return check


def cleaned(reply: str) -> str:
    """A reply without what a small model tacks on, on one line."""
    return " ".join(_MARKERS.sub(" ", reply).split())


def sentence_stands(
    sentence: str,
    suggestions: Sequence[str],
    question: str,
    ordinary: frozenset[str],
    allowed: frozenset[str] = frozenset(),
) -> bool:
    """One sentence's check (see the module's docstring), so a streamed reply is checked as it comes."""
    cited = {int(n) for n in _CITATION.findall(sentence)}
    if not cited or not cited <= set(range(1, len(suggestions) + 1)):
        return False
    if len(_WORD.findall(_CITATION.sub(" ", sentence))) < MIN_WORDS:
        return False
    holding = [suggestions[n - 1] for n in sorted(cited)] + [question]
    if any(_TO_A_MODEL.search(t) for t in [sentence, *holding[:-1]]):
        return False
    return all(_holds(holding, name) for name in _names(sentence, ordinary, allowed))


def complete_sentences(text: str) -> tuple[list[str], str]:
    """The sentences a reply written so far has finished (cleaned), and the rest as written."""
    parts = _SENTENCE_END.split(text)
    done = [cleaned(p) for p in parts[:-1]]
    return [p for p in done if p], parts[-1]


_LABEL = re.compile(r"^\s*(?:standalone question|question|rewritten)\s*:\s*", re.I)
_ROLE = re.compile(r"(?:assistant|user|system)\s*:?", re.I)  # a chat template's role line


def checked_question(reply: str, max_chars: int) -> str | None:
    """A follow-up rewritten as a standalone question: its first line, without a label or quotes;
    None when empty, longer than `max_chars`, or addressed to a model."""
    lines = [
        line.strip()
        for line in _MARKERS.sub(" ", reply).splitlines()
        if line.strip() and not _ROLE.fullmatch(line.strip())
    ]
    if not lines:
        return None
    question = " ".join(_LABEL.sub("", lines[0]).strip().strip("\"'“”‘’").split())
    if len(question) < 3 or len(question) > max_chars or _TO_A_MODEL.search(question):
        return None
    return question
