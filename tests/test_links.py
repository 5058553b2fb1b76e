"""Links in the documents' words as answers show them (issue 13: every link was href="#")."""

from __future__ import annotations

import pytest

from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.links import show_links, shown_words
from provision_assistant.retrieval.templates import load_templates

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


def test_a_lead_in_whose_list_was_lost_says_the_list_is_in_the_source():
    """Issue 13: "Regular 'pupil spotlight' time so that staff feel up to date:" ended the suggestion."""
    templates = load_templates(PACKAGE_ROOT / "prompts")
    cut = "Regular [pupil spotlight](#) time so that staff feel up to date:"
    assert shown_words(cut, templates) == (
        "Regular *pupil spotlight* time so that staff feel up to date:"
        + templates.cut_list
        + templates.dead_links
    )
    kept = "Workshops on:\n- Transition\n- Friendships"
    assert shown_words(kept, templates) == kept
