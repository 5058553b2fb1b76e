"""Templates, trimming, phase and tier reading: pure logic, no model."""

from __future__ import annotations

import pytest

from provision_assistant.ingest.model import Tier
from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.ingest.tiers import assign_row
from provision_assistant.retrieval.compose import trim
from provision_assistant.retrieval.phase import fits_phase, question_phase
from provision_assistant.retrieval.templates import AnswerTemplates, load_templates

pytestmark = pytest.mark.unit
TEMPLATES = load_templates(PACKAGE_ROOT / "prompts")


def test_trim_cuts_at_a_sentence_and_never_rewrites():
    text = "First sentence is here. " * 40
    short = trim(text, 100)
    assert text.startswith(short) and short.endswith(".") and len(short) <= 100
    assert trim("Short.", 100) == "Short."


def test_templates_reject_unknown_placeholders():
    data = TEMPLATES.model_dump()
    data["suggestion"] = "{n}. {text} {pupil_name}"
    with pytest.raises(ValueError, match="pupil_name"):
        AnswerTemplates.model_validate(data)


@pytest.mark.parametrize(
    ("question", "phase"),
    [
        ("Year 8 pupil anxious about the canteen", "secondary"),
        ("y3 boy hiding under tables", "primary"),
        ("KS3 girl refusing school", "secondary"),
        ("KS1 pupil", "primary"),
        ("4yo in reception won't settle", "early years"),
        ("nursery child bitten", "early years"),
        ("new pupil struggling with friendships", None),
        ("Primary Mental Health Team number?", None),
    ],
)
def test_question_phase(question, phase):
    assert question_phase(question) == phase


def test_fits_phase():
    assert fits_phase("", "secondary") and fits_phase("early years", None)
    assert not fits_phase("early years", "secondary") and fits_phase("primary, secondary", "secondary")


def test_a_flattened_row_reads_universal_to_specialist():
    row = [
        "All staff are aware of child exploitation.",
        "Targeted parental support via Cygnus.",
        "Referral for 1:1 support from SORTED.",
    ]
    assert assign_row(row) == [Tier.UNIVERSAL, Tier.TARGETED, Tier.SPECIALIST]


def test_a_row_never_goes_back_down_a_tier():
    tiers = assign_row(["Bespoke 1:1 referral.", "All staff whole school policy."])
    assert tiers == sorted(tiers, key=[Tier.UNIVERSAL, Tier.TARGETED, Tier.SPECIALIST].index)


def test_an_empty_label_forces_its_tier_into_the_row():
    row = ["Whole school wellbeing policy.", "Internal intervention support for identified pupils."]
    assert assign_row(row)[-1] is Tier.TARGETED
    assert assign_row(row, required={Tier.SPECIALIST})[-1] is Tier.SPECIALIST


def test_word_stems_are_the_same_when_many_threads_ask_at_once():
    # The server answers several questions at once and rebuilds the keyword index in another
    # thread after an ingest; one shared Snowball stemmer raised IndexError (found under load).
    from concurrent.futures import ThreadPoolExecutor

    from provision_assistant.retrieval.keyword import tokens

    text = (PACKAGE_ROOT / "corpus" / "northumberland-belonging-and-attending-framework-2025.txt").read_text(
        encoding="utf-8"
    )[:200_000]
    expected = tokens(text)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(tokens, [text] * 16))
    assert all(result == expected for result in results)


def test_keyword_scores_are_rank_bm25s_exactly():
    import numpy as np
    from langchain_core.documents import Document

    from provision_assistant.retrieval.keyword import KeywordRetriever, tokens

    texts = ["Quiet area at lunchtimes", "Peer mentors at break", "Lunchtime clubs and quiet games", "Maps"]
    docs = [Document(page_content=t, id=str(i), metadata={"theme": "Lunch"}) for i, t in enumerate(texts)]
    keyword = KeywordRetriever(documents=docs, k=3)
    for query in ("quiet lunchtime", "mentors mentors", "nothing here", "the of"):
        expected = keyword._bm25.get_scores(tokens(query)) if tokens(query) else np.zeros(len(docs))
        assert np.array_equal(keyword.scores(query), expected), query
