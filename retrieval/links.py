"""Links in the documents' words, as an answer shows them. Pure.

The bundled documents were flattened from PDFs and web pages and kept their link texts
but not their targets ("[Kooth](#)"). Drawn as links, they jumped to the top of the page;
they are shown as words in italics, with a note that the source links them. A real target
(a council's own PDF or Markdown with addresses) stays a link.
"""

from __future__ import annotations

import re

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
