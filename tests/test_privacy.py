"""Redaction before storing: seeded identifying details never reach the feedback store."""

from __future__ import annotations

import pytest

from provision_assistant.ingest.privacy import redact, vocabulary_words
from provision_assistant.ui.feedback import FeedbackStore

pytestmark = pytest.mark.unit
KNOWN = vocabulary_words(["Designated quiet area", "ELSA and Thrive in Northumberland", "Emotion Coaching"])
SEEDED = {
    "Jayden": "Jayden in Y8 is anxious about the canteen",
    "Sarah Jones": "mum is Sarah Jones",
    "sarah.jones@example.com": "email sarah.jones@example.com",
    "07700 900123": "ring 07700 900123",
    "A12345678901B": "UPN A12345678901B",
    "12/03/2012": "born 12/03/2012",
    "3rd March 2015": "born 3rd March 2015",
    "14 Oak Tree Road": "lives at 14 Oak Tree Road",
    "NE61 2AB": "postcode NE61 2AB",
}


@pytest.mark.parametrize(("detail", "text"), list(SEEDED.items()))
def test_identifying_details_are_replaced(detail, text):
    assert detail not in redact(text, KNOWN)


def test_the_documents_words_and_school_words_stay():
    text = "Year 8 pupil in Northumberland: ELSA, Thrive, Emotion Coaching, the Designated quiet area"
    assert redact(text, KNOWN) == text


def test_the_store_keeps_no_seeded_detail_anywhere_in_its_file(tmp_path):
    store = FeedbackStore(f"sqlite:///{tmp_path / 'feedback.sqlite3'}", KNOWN)
    question = " ".join(SEEDED.values())
    store.add(
        question=question, answer=f"Suggestions for: {question}", helpful=False, reason="Jayden's mum said no"
    )
    (row,) = store.all()
    assert (
        row["helpful"] == 0 and "[name]" in row["question"] and "anxious about the canteen" in row["question"]
    )
    raw = (tmp_path / "feedback.sqlite3").read_bytes()
    for detail in [*SEEDED, "Jayden"]:
        assert detail.encode() not in raw, detail
