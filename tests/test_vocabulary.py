"""School vocabulary and keyword tokens: pure logic, no model."""

from __future__ import annotations

import pytest

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.retrieval.keyword import tokens
from provision_assistant.retrieval.vocabulary import Vocabulary, load_vocabulary

pytestmark = pytest.mark.unit
BUNDLED = load_vocabulary(PACKAGE_ROOT / "corpus" / "vocabulary.yaml")
_ABBREVIATIONS = (
    "EBSA EBSNA SEMH ASD ASC ADHD EAL CLA LAC CiC cared-for PP FSM SENCO DSL TA RA PEX PA canteen"
)
STAFF_WORDS = [
    *_ABBREVIATIONS.split(),
    *("dining hall", "dysregulated", "shut down", "meltdown", "new arrival", "suspension", "exclusion"),
]


def vocab(**terms) -> Vocabulary:
    return Vocabulary.model_validate(
        {"terms": [{"staff": staff.split("|"), "documents": docs} for docs, staff in terms.items()]}
    )


def test_expansion_adds_the_documents_words_and_keeps_the_question():
    v = vocab(lunchtimes="canteen|dining hall", anxiety="anxious")
    assert (
        v.expand("Y8 anxious about the Dining  Hall")
        == "Y8 anxious about the Dining  Hall (lunchtimes; anxiety)"
    )
    assert v.expand("nothing to add") == "nothing to add"


def test_staff_words_match_whole_words_only():
    v = vocab(assistant="TA", persistent="PA")
    assert v.expansions("my TA says") == ["assistant"]
    assert v.expansions("the total attendance, papers") == []


@pytest.mark.parametrize(
    "staff_word",
    STAFF_WORDS,
)
def test_the_bundled_vocabulary_knows_the_words_staff_use(staff_word):
    assert BUNDLED.expansions(f"pupil {staff_word} help"), staff_word


def test_a_missing_file_is_an_empty_vocabulary_and_a_bad_one_is_named(tmp_path):
    assert load_vocabulary(tmp_path / "none.yaml").expand("q") == "q"
    bad = tmp_path / "vocabulary.yaml"
    bad.write_text("terms:\n  - staff: []\n    documents: x\n", encoding="utf-8")
    with pytest.raises(ProvisionsError, match=r"vocabulary\.yaml: terms\.0\.staff"):
        load_vocabulary(bad)


def test_keyword_tokens_are_stemmed_and_skip_filler_words():
    assert tokens("Anxious pupils and anxiety about the ELSA's sessions") == [
        "anxious",
        "anxieti",
        "elsa",
        "session",
    ]


def test_every_vocabulary_entry_is_used_by_a_staff_phrasing_that_is_no_gold_question():
    """Issue 12: an entry is kept only where staff words it so; the relevance examples are staff
    phrasings written without the gold cases, so each entry must fire on one of them."""
    from provision_assistant.evals.cases import load_cases
    from provision_assistant.evals.suite import ALL_CASES
    from provision_assistant.ingest.settings import get_settings
    from provision_assistant.retrieval.relevance_examples import load_relevance_examples

    settings = get_settings()
    vocabulary = load_vocabulary(settings.vocabulary_path)
    gold = {c.question for c in load_cases(ALL_CASES)}
    phrasings = [q.q for q in load_relevance_examples(settings.relevance_examples_path).questions]
    assert not gold & set(phrasings)
    unused = [
        t.documents
        for t in vocabulary.terms
        if not any(Vocabulary(terms=[t]).expansions(p) for p in phrasings)
    ]
    assert unused == []
