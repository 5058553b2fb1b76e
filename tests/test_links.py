"""Links in the documents' words as answers show them (issue 13: every link was href="#")."""

from __future__ import annotations

import pytest

from provision_assistant.retrieval.links import show_links

NOTE = " (links in the source)"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Refer to [Kooth](#) or [Young Minds]()", "Refer to *Kooth* or *Young Minds*" + NOTE),
        (
            "See [the guide](https://example.org/guide.pdf).",
            "See [the guide](https://example.org/guide.pdf).",
        ),
        ("Email [the team](mailto:team@example.org)", "Email [the team](mailto:team@example.org)"),
        (
            "[Local offer](#) and [map](https://example.org/map)",
            "*Local offer* and [map](https://example.org/map)" + NOTE,
        ),
        ("No links at all.", "No links at all."),
        ("An empty [](#) link", "An empty  link" + NOTE),
        ("[javascript](javascript:alert(1))", "*javascript*)" + NOTE),  # never a script link
    ],
)
def test_links_without_a_real_target_become_words_with_a_note(text, shown):
    assert show_links(text, NOTE) == shown
