"""Which expected provisions stand under a tier label in their document: pure logic, no model."""

from __future__ import annotations

import pytest

from provision_assistant.evals.cases import normalise
from provision_assistant.evals.tier_labels import labelled_lines, lost_labels

pytestmark = pytest.mark.unit

FRAMEWORK = """1. Pupil choice

UNIVERSAL

Pupils are given choices where possible.

TARGETED

Focus groups to seek pupil voice.

SPECIALIST**2. Pupil voice**

Student Council that is fully representative.

Suggestion boxes checked regularly.

3. Transition

Staff awareness of change.

UNIVERSAL

Transitions are well managed.""".splitlines()


def test_a_label_holds_until_the_next_theme_even_one_glued_to_it():
    labelled = dict(zip(FRAMEWORK, labelled_lines(FRAMEWORK), strict=True))
    assert (
        labelled["Pupils are given choices where possible."] and labelled["Focus groups to seek pupil voice."]
    )
    # The SPECIALIST label closed theme 1; theme 2 has no label of its own.
    assert not labelled["Student Council that is fully representative."]
    assert not labelled["Staff awareness of change."] and labelled["Transitions are well managed."]


def test_lost_labels_are_the_quotes_found_only_where_no_label_stands_above():
    quotes = [normalise(q) for q in ("student council that is fully", "Focus groups", "staff awareness")]
    assert lost_labels(FRAMEWORK, quotes) == {quotes[0], quotes[2]}
    # Prose names its tiers in words: nothing is lost there.
    assert lost_labels(["Universal offer: open to all.", "Targeted support meetings."], quotes) == set()
