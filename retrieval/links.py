"""The documents' words as an answer shows them: what flattening lost, said plainly. Pure.

The bundled documents were flattened from PDFs and web pages and kept their link texts
but not their targets ("[Kooth](#)"). Drawn as links, they jumped to the top of the page;
they are shown as words in italics, with a note that the source links them. A real target
(a council's own PDF or Markdown with addresses) stays a link. A lead-in whose list the
flattening lost ("...so that staff feel up to date:") says that the list is in the source.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provision_assistant.retrieval.templates import AnswerTemplates

_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_REAL_TARGET = re.compile(r"(?:https?://|mailto:|www\.)\S+", re.IGNORECASE)


def show_links(text: str, note: str) -> str:
    """`text` with each link that has no real target as italic words, and `note` after them if any."""
    dead = False

    def replace(match: re.Match[str]) -> str:
        nonlocal dead
        label, target = match.group(1), match.group(2).strip()
        if _REAL_TARGET.fullmatch(target):
            return match.group(0)
        dead = True
        return f"*{label.strip()}*" if label.strip() else ""

    shown = _LINK.sub(replace, text)
    return shown + note if dead else shown


def show_cut_list(text: str, note: str) -> str:
    """`text` with `note` after it when it ends in a colon: a lead-in whose list is not there (a
    kept list is part of the provision, so the text ends in the list)."""
    return text + note if text.rstrip().endswith(":") else text


def shown_words(text: str, templates: AnswerTemplates, left_out: int = 0) -> str:
    """A provision's words as every answer shows them (the answer, the chat, the support plan),
    saying how many of its list items were left out as for other pupils."""
    shown = show_links(show_cut_list(text, templates.cut_list), templates.dead_links)
    return shown + templates.left_out.format(n=left_out) if left_out else shown
