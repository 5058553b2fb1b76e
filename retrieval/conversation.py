"""How a conversation is read: which question a message asks, given the ones before it. Pure.

The chat and the OpenAI-compatible endpoint read a conversation the same way. A follow-up
("and what about at home?", "in PE?") is answered as the question it continues: the earlier
question's situation (and so the phase it names) with the new aspect in place of the earlier
one's setting, so that "Year 8 pupil anxious about the canteen" then "and what about at
home?" is answered as "Year 8 pupil anxious at home", not as the canteen question again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from provision_assistant.retrieval.phase import question_phase, without_phase

# A message that leans on the one before: it starts with a connective, or is a few words.
_JOINING = r"and|also|plus|but|or"
_ASKING = r"(?:what|how)\s+about|what\s+if|same\s+for"
_LEANS = re.compile(rf"^\s*(?:{_JOINING}|{_ASKING})\b", re.IGNORECASE)
# What is taken off a follow-up to leave its new aspect ("and what about at home?" -> "at home").
_CONNECTIVE = re.compile(rf"^\s*(?:(?:{_JOINING}|ok|so)\b[\s,]*)*(?:{_ASKING})?\b[\s,]*", re.IGNORECASE)
_SHORT = 3  # words: "at home?", "KS2?"
_PLACE = r"(?:at|in|on|during|about|around|with|outside|before|after)"
# The setting that closes a question: "about the canteen", "at lunchtime", "in PE lessons".
_SETTING = re.compile(rf"\s+{_PLACE}\s+(?:[\w'’-]+\s*){{1,4}}[?.!]*\s*$", re.IGNORECASE)
_ASPECT_IS_SETTING = re.compile(rf"^{_PLACE}\s+\S", re.IGNORECASE)


@dataclass(frozen=True)
class Asked:
    """The question to answer, and the earlier question it continues (None if it stands alone).

    `thread`: the messages as typed since the last question that stood alone, this one excepted.
    Rewriting a follow-up can drop earlier words ("…came in with a black eye" + "at lunch?"), so
    the safeguarding triage reads these with it: a risk named earlier still leads the answer.
    `message`: this one as typed (what a language model rewrites, when one is configured).
    """

    question: str
    follows: str | None = None
    thread: tuple[str, ...] = ()
    message: str = ""


def is_follow_up(message: str) -> bool:
    return bool(_LEANS.match(message)) or len(message.split()) <= _SHORT


def continued(context: str, message: str) -> str:
    """`message` read as a follow-up to `context`."""
    aspect = _CONNECTIVE.sub("", message.strip(), count=1).strip().rstrip("?").strip()
    if not aspect:
        return context
    # "what about KS3?" after a Year 5 question: the new phase replaces the old one.
    named = question_phase(aspect)
    if named and question_phase(context) not in (None, named):
        context = without_phase(context)
    setting = _SETTING.search(context)
    if setting and _ASPECT_IS_SETTING.match(aspect):
        return f"{context[: setting.start()]} {aspect}"
    return f"{context.rstrip('?').rstrip()} {aspect}"


def read_conversation(questions: Sequence[str]) -> Asked:
    """The last of `questions` (oldest first) as it is to be answered."""
    asked, typed = Asked(""), ""
    for message in (q.strip() for q in questions):
        if not message:
            continue
        if asked.question and is_follow_up(message):
            thread = (*asked.thread, typed)
            asked = Asked(continued(asked.question, message), asked.question, thread, message)
        else:
            asked = Asked(message, message=message)
        typed = message
    return asked
