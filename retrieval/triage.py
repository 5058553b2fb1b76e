"""Does a message suggest a child may be at risk of harm, and is there danger now? The decision is pure.

Two judgements meet here:
- the rules (`retrieval.safeguarding`) name the words that suggest a kind of
  harm, and the words that say there is danger right now;
- the disclosure classifier (`retrieval.triage_model`) weighs the whole message
  against the examples, and so catches wording no pattern foresaw and tells an
  ordinary worry from a disclosure that shares its words.

A pattern match routes unless the classifier is sure it is an ordinary worry;
the classifier alone routes only when it is sure and the message is not about a
harm as a topic, and then with the gentler lead. 999 leads only on words of the
message itself (a named sign of danger now, or a danger word when the classifier
reads the message as danger now), never when the two judgements disagree, and
never for harm the message tells of as over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from provision_assistant.retrieval.safeguarding import ClassifierSettings, Evidence, SafeguardingRules


@dataclass(frozen=True)
class Concern:
    """Why a message was routed to safeguarding."""

    category: str
    certain: bool  # a pattern named the harm and the classifier agrees
    immediate: bool  # the message states danger now: lead with 999
    evidence: tuple[Evidence, ...] = ()  # the words that led to the route
    danger: tuple[Evidence, ...] = ()  # the words that led to 999 (empty unless immediate)
    about_home: bool = False  # the concern is about someone in the child's household
    probability: float | None = None  # the classifier's, when it was asked

    def to_json(self) -> dict:
        return {
            "category": self.category,
            "immediate": self.immediate,
            "certain": self.certain,
            "about_home": self.about_home,
            "evidence": [{"words": e.words, "what": e.what} for e in self.evidence],
            "danger": [{"words": e.words, "what": e.what} for e in self.danger],
        }


@dataclass(frozen=True)
class Judgement:
    """The classifier's: how likely a message is a disclosure, and if so that it says danger is now."""

    disclosure: float
    immediate: float


@dataclass(frozen=True)
class Decision:
    by_pattern: bool  # a rule named the harm (else the classifier alone found it)
    certain: bool
    danger: tuple[Evidence, ...] = ()  # the words that lead with 999; empty: no 999

    @property
    def immediate(self) -> bool:
        return bool(self.danger)


def decide(
    found: tuple[str, Evidence] | None,
    judgement: Judgement,
    signs: Sequence[Evidence],
    words: Sequence[Evidence],
    settings: ClassifierSettings,
    trusted: bool = False,
) -> Decision | None:
    """Whether a message is a concern, how sure, and which of its words lead with 999.

    `found` is the rules' category and words; `signs` the named signs of danger now
    in the message and `words` its broad danger words; `trusted` whether the found
    category is certain however unsure the classifier is (it learnt disclosures, not emergencies).
    """
    p = judgement.disclosure
    if found is not None and p >= settings.veto:
        by_pattern, certain = True, trusted or p >= settings.certain
    elif p >= settings.route:
        by_pattern, certain = False, False
    else:
        return None
    # 999 only on words of the message itself, and never when the two judgements disagree.
    if not (certain or p >= settings.sure):
        return Decision(by_pattern, certain)
    if signs and (trusted or judgement.immediate >= settings.sign_floor):
        return Decision(by_pattern, certain, tuple(signs))
    if words and judgement.immediate >= settings.immediate:
        return Decision(by_pattern, certain, tuple(words))
    return Decision(by_pattern, certain)


class Triage:
    """Rules, classifier and category model together: a message in, a `Concern` or None out."""

    def __init__(
        self,
        rules: SafeguardingRules,
        judge: Callable[[str], Judgement],
        category_of: Callable[[Sequence[float]], str],
        weigh_words: Callable[[str], list[str]],
    ) -> None:
        self.rules = rules
        self._judge = judge
        self._category_of = category_of
        self._weigh = weigh_words

    def __call__(self, text: str, vector: Sequence[float]) -> Concern | None:
        """`vector` is the message's embedding (for the category of a concern no rule names)."""
        rules, settings = self.rules, self.rules.classifier
        found = rules.find(text)
        judgement = self._judge(text)
        trusted = found is not None and rules.trusted(found[0])
        named = found is not None and judgement.disclosure >= settings.veto
        if not named and (judgement.disclosure < settings.route or rules.topic(text)):
            return None
        category = found[0] if named else self._category_of(vector)
        if rules.over_in(text):  # told of as over: no sign or word of it is danger now
            signs, words = [], []
        else:
            signs, words = rules.danger_now_in(text, category), rules.danger_words_in(text)
        decision = decide(found, judgement, signs, words, settings, trusted)
        if decision is None:
            return None
        if decision.by_pattern:
            evidence = (found[1],)
        else:
            evidence = tuple(Evidence(w, "weighed most") for w in self._weigh(text))
        return Concern(
            category=category,
            certain=decision.certain,
            immediate=decision.immediate,
            evidence=evidence,
            danger=decision.danger,
            about_home=rules.about_home(text, category),
            probability=round(judgement.disclosure, 4),
        )
