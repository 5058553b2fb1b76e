"""Tests for the prose parser: small inline texts for each rule, then the real corpus files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from provision_assistant.ingest.model import Block, Kind, Page, Tier
from provision_assistant.ingest.prose import parse_prose

CORPUS = Path(__file__).parents[1] / "corpus"
RSA = "rsa-inclusive-and-nurturing-schools-toolkit.txt"
WESTMORLAND = "westmorland-furness-belonging-and-inclusion-strategy-2026-2029.txt"
PROSE_FILES = [
    RSA,
    WESTMORLAND,
    "northumberland-attendance-strategy-2023-2028.txt",
    "ncb-belonging-matters-programme-2025.txt",
]
GRADUATED = "Priorities are reinforced through the graduated response"


def parse(text: str, **kwargs: int) -> list[Block]:
    return parse_prose([Page(text)], **kwargs)


def texts(blocks: list[Block]) -> list[str]:
    return [block.text for block in blocks]


def normalise(text: str) -> str:
    """Undo line-end hyphenation before a lower-case letter, then collapse whitespace."""
    text = re.sub(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[a-z])", "-", text)
    return " ".join(text.split())


def is_single_sentence(text: str) -> bool:
    return "\n" not in text and not re.search(r"[.!?][”’\"')]?\s+[“‘\"'(]?[A-Z]", text)


@pytest.fixture(scope="module")
def corpus() -> dict[str, tuple[str, list[Block]]]:
    out = {}
    for name in PROSE_FILES:
        text = (CORPUS / name).read_text(encoding="utf-8")
        out[name] = (text, parse_prose([Page(text)]))
    return out


# Rule 1: rejoining hard line breaks


@pytest.mark.unit
def test_lines_within_a_paragraph_are_joined_with_one_space() -> None:
    blocks = parse("the RSA in partnership with the \nMayor of London   has investigated\nhow schools work.")
    assert texts(blocks) == [
        "the RSA in partnership with the Mayor of London has investigated how schools work."
    ]


@pytest.mark.unit
def test_line_end_hyphen_before_lower_case_is_kept_without_a_space() -> None:
    blocks = parse("London schools, multi-\nacademy trusts and local authorities.")
    assert texts(blocks) == ["London schools, multi-academy trusts and local authorities."]


@pytest.mark.unit
def test_line_end_hyphen_before_a_digit_keeps_the_space() -> None:
    blocks = parse("Attendance rose in Key Stage 2 between 2022-\n23 and later years.")
    assert texts(blocks) == ["Attendance rose in Key Stage 2 between 2022- 23 and later years."]


@pytest.mark.unit
def test_blank_lines_separate_paragraphs() -> None:
    text = "First paragraph runs on\nover two lines.\n\nSecond paragraph here."
    assert texts(parse(text)) == ["First paragraph runs on over two lines.\n\nSecond paragraph here."]
    assert texts(parse(text, max_chars=50)) == [
        "First paragraph runs on over two lines.",
        "Second paragraph here.",
    ]


@pytest.mark.unit
def test_pdf_paragraph_split_by_a_stray_blank_line_is_rejoined() -> None:
    blocks = parse("• What could be improved in how players work with \n\none another? \n")
    assert texts(blocks) == ["- What could be improved in how players work with one another?"]


# Rule 2: headings


@pytest.mark.unit
def test_markdown_headings_nest_and_are_not_block_text() -> None:
    text = (
        "# Strategy\n\n## Culture\n\nCulture text.\n\n"
        "## Access\n\nAccess text.\n\n# Appendix\n\nAppendix text."
    )
    blocks = parse(text)
    assert [(b.section, b.text) for b in blocks] == [
        (("Strategy", "Culture"), "Culture text."),
        (("Strategy", "Access"), "Access text."),
        (("Appendix",), "Appendix text."),
    ]


@pytest.mark.unit
def test_wholly_bold_line_is_a_heading() -> None:
    blocks = parse("**Key messages**\n\nBelonging underpins attendance.")
    assert [(b.section, b.text) for b in blocks] == [(("Key messages",), "Belonging underpins attendance.")]


CONTEXT = "We are the most sparsely populated area in England, which makes it harder to sustain services."
TRAINING = "Attachment and trauma-informed practice training will be offered to whole staff teams."


@pytest.mark.unit
def test_short_standalone_lines_are_headings_and_only_the_latest_is_kept() -> None:
    text = (
        "# Belonging Strategy\n\nEvidence Base\n\nOur Context\n\n"
        f"{CONTEXT}\n\n"
        "Attachment and trauma training for whole school communities\n\n"
        f"{TRAINING}"
    )
    blocks = parse(text)
    assert [(b.section, b.text) for b in blocks] == [
        (("Belonging Strategy", "Our Context"), CONTEXT),
        (("Belonging Strategy", "Attachment and trauma training for whole school communities"), TRAINING),
    ]


@pytest.mark.unit
def test_lines_that_are_not_headings() -> None:
    text = (
        "Foreword\n\n"
        "Opening paragraph of the foreword.\n\n"
        "It pervades everything we do\n\n"  # pull-quote fragment: lower-case end, no body after it
        "What practitioners say\n\n"
        "Practitioners told us many things.\n\n"
        "This line ends with a full stop.\n\n"
        "Bring together key stakeholders to consider:\n\n"
        "- [Working together to improve school attendance](#)\n\n"
        "[Family Help Strategy](#)\n\n"
        "More body text follows the link."
    )
    blocks = parse(text)
    assert [b.section for b in blocks] == [("Foreword",), ("What practitioners say",)]
    assert "It pervades everything we do" in blocks[0].text
    assert "This line ends with a full stop." in blocks[1].text
    assert "[Family Help Strategy](#)" in blocks[1].text


@pytest.mark.unit
def test_run_of_one_line_sentences_is_not_split_by_a_heading() -> None:
    text = (
        "In summary:\n\nBelonging is the foundation.\n\nInclusion is the practice\n\n"
        "Achievement is the outcome."
    )
    blocks = parse(text)
    assert len(blocks) == 1
    assert blocks[0].section == ()
    assert "Inclusion is the practice" in blocks[0].text


# Rule 3: debris


@pytest.mark.unit
def test_quote_marks_page_numbers_and_empty_bullets_are_dropped() -> None:
    text = "“\n“\n\nI think nurture is in everything.\n\n”\n\n>\n–\n\n12\n\n•\n-\n\n– Hackney Education\n"
    assert texts(parse(text)) == ["I think nurture is in everything.\n\n– Hackney Education"]


@pytest.mark.unit
def test_bare_url_lines_that_repeat_a_url_are_dropped() -> None:
    text = (
        "1. Nurture UK. What is nurture? [online] https://www.nurtureuk.org/what-\nis-nurture/\n\n"
        "https://www.nurtureuk.org/what-is-nurture/\n"
        "https://medium.com/tools-for-systems-thinkers\n"
        "https://medium.com/tools-for-systems-thinkers\n"
    )
    blocks = parse(text)
    joined = "\n".join(texts(blocks))
    assert joined.count("https://www.nurtureuk.org/what-") == 1
    assert joined.count("https://medium.com/tools-for-systems-thinkers") == 1


@pytest.mark.unit
def test_running_heads_repeated_on_three_pages_are_dropped() -> None:
    pages = [
        Page(f"Belonging Strategy 2026\n\nBody of page {n} ends here.\n\n{n}", number=n) for n in range(1, 4)
    ]
    blocks = parse_prose(pages)
    # Passages never span pages, so each keeps the page it cites.
    assert [(b.text, b.page) for b in blocks] == [(f"Body of page {n} ends here.", n) for n in range(1, 4)]


@pytest.mark.unit
def test_repeated_line_in_a_single_file_is_not_a_running_head() -> None:
    text = "\n\n".join([f"How to do it yourself\n\n{TRAINING}"] * 3)
    blocks = parse(text)
    assert [b.section for b in blocks] == [("How to do it yourself",)] * 3


# Rule 4: bullets


@pytest.mark.unit
def test_lead_in_and_its_bullets_form_one_block() -> None:
    text = (
        "Bring together key stakeholders to consider:\n\n"
        "• What is happening where you are to support \npupils at risk of exclusion?\n\n"
        "\uf0b7 Which agencies could be key partners?\n"
        "* Who depends on them?\n"
        "- [Working together to improve school attendance](#) (DfE May 2022)\n"
        "1. Ask participants to vote\n"
        "2) Discuss the results"
    )
    blocks = parse(text)
    assert texts(blocks) == [
        "Bring together key stakeholders to consider:\n"
        "- What is happening where you are to support pupils at risk of exclusion?\n"
        "- Which agencies could be key partners?\n"
        "- Who depends on them?\n"
        "- [Working together to improve school attendance](#) (DfE May 2022)\n"
        "1. Ask participants to vote\n"
        "2) Discuss the results"
    ]
    assert blocks[0].kind is Kind.PASSAGE and blocks[0].tier is Tier.NONE


# Rule 5: tiered lists

TIERED = """Priorities are reinforced through the graduated response

The graduated response describes how early identification of need enables children to thrive.

Universal (for all our children and young people)

Every child experiences, every day:

- Warm, respectful relationships with trusted adults
- Calm, safe and predictable environments

Outcome: Children feel safe, valued and ready to learn

TARGETED

Additional support when barriers begin to emerge:

- Early identification of need

Specialist (for children and young people with more complex needs)

- Multi agency working (education, health and care)

Measuring Impact

We will monitor key performance indicators:

- Fewer children experience suspension or exclusion
"""


@pytest.mark.unit
def test_bullets_under_tier_headings_are_provisions() -> None:
    blocks = parse(TIERED)
    universal = (GRADUATED, "Universal (for all our children and young people)")
    assert [(b.text, b.section, b.tier, b.kind) for b in blocks] == [
        (
            "The graduated response describes how early identification of need enables children to thrive.",
            (GRADUATED,),
            Tier.NONE,
            Kind.PASSAGE,
        ),
        ("Every child experiences, every day:", universal, Tier.NONE, Kind.PASSAGE),
        ("Warm, respectful relationships with trusted adults", universal, Tier.UNIVERSAL, Kind.PROVISION),
        ("Calm, safe and predictable environments", universal, Tier.UNIVERSAL, Kind.PROVISION),
        ("Outcome: Children feel safe, valued and ready to learn", universal, Tier.NONE, Kind.PASSAGE),
        (
            "Additional support when barriers begin to emerge:",
            (GRADUATED, "TARGETED"),
            Tier.NONE,
            Kind.PASSAGE,
        ),
        ("Early identification of need", (GRADUATED, "TARGETED"), Tier.TARGETED, Kind.PROVISION),
        (
            "Multi agency working (education, health and care)",
            (GRADUATED, "Specialist (for children and young people with more complex needs)"),
            Tier.SPECIALIST,
            Kind.PROVISION,
        ),
        (
            "We will monitor key performance indicators:\n"
            "- Fewer children experience suspension or exclusion",
            ("Measuring Impact",),
            Tier.NONE,
            Kind.PASSAGE,
        ),
    ]


@pytest.mark.unit
def test_markdown_tier_heading_keeps_its_tier_for_deeper_headings_only() -> None:
    text = (
        "# Offer\n\n## Targeted support\n\n### Attendance\n\n- Mentoring\n\n## Next steps\n\n- Review termly"
    )
    blocks = parse(text)
    assert [(b.text, b.section, b.tier) for b in blocks] == [
        ("Mentoring", ("Offer", "Targeted support", "Attendance"), Tier.TARGETED),
        ("- Review termly", ("Offer", "Next steps"), Tier.NONE),
    ]


@pytest.mark.unit
def test_sentences_starting_with_a_tier_word_do_not_open_a_tier() -> None:
    text = "Universal offer of support from Education Welfare to all schools\n\n- Termly meetings\n"
    blocks = parse(text)
    assert all(b.tier is Tier.NONE and b.kind is Kind.PASSAGE for b in blocks)


# Rule 6: chunking


@pytest.mark.unit
def test_paragraphs_merge_up_to_max_chars_and_sections_start_new_blocks() -> None:
    paragraph = "This sentence is exactly fifty characters long ok."
    text = "\n\n".join([paragraph] * 5) + "\n\nNext Section\n\n" + paragraph
    blocks = parse(text, max_chars=160)
    assert [len(b.text) for b in blocks] == [154, 102, 50]
    assert [b.section for b in blocks] == [(), (), ("Next Section",)]


@pytest.mark.unit
def test_long_paragraph_is_split_at_sentence_boundaries() -> None:
    sentences = [f"Sentence number {n} talks about belonging in school." for n in range(10)]
    blocks = parse(" ".join(sentences), max_chars=120)
    assert all(len(b.text) <= 120 for b in blocks)
    assert " ".join(texts(blocks)) == " ".join(sentences)
    assert all(b.text.endswith(".") for b in blocks)


@pytest.mark.unit
def test_single_sentence_longer_than_max_chars_stays_whole() -> None:
    sentence = "A single very long sentence " + "that keeps going " * 20 + "until it ends."
    assert texts(parse(sentence, max_chars=100)) == [sentence]


@pytest.mark.unit
def test_provisions_are_never_merged() -> None:
    blocks = parse("Universal\n\n- One\n- Two\n- Three\n", max_chars=1000)
    assert texts(blocks) == ["One", "Two", "Three"]


# Rule 7: pages


@pytest.mark.unit
def test_paragraph_running_across_a_page_break_is_rejoined() -> None:
    pages = [
        Page("Opening words.\n\nOver the last 11 months, the RSA in partnership with the\n\n14", number=1),
        Page("mayor's office has investigated exclusions.\n\nA new paragraph.", number=2),
    ]
    blocks = parse_prose(pages, max_chars=90)
    assert [(b.text, b.page) for b in blocks] == [
        ("Opening words.", 1),
        (
            "Over the last 11 months, the RSA in partnership with the mayor's office "
            "has investigated exclusions.",
            1,
        ),
        ("A new paragraph.", 2),
    ]


@pytest.mark.unit
def test_page_break_after_a_finished_sentence_is_a_paragraph_break() -> None:
    pages = [Page("The first page ends here.", number=1), Page("the second page starts afresh.", number=2)]
    blocks = parse_prose(pages, max_chars=30)
    assert [(b.text, b.page) for b in blocks] == [
        ("The first page ends here.", 1),
        ("the second page starts afresh.", 2),
    ]


@pytest.mark.unit
def test_page_is_none_for_a_whole_file() -> None:
    assert [b.page for b in parse("Some text.\n\nSection Two\n\nMore text.")] == [None, None]


@pytest.mark.unit
def test_empty_input_gives_no_blocks() -> None:
    assert parse_prose([]) == []
    assert parse("\n \n“\n") == []


# Real files


@pytest.mark.unit
def test_westmorland_graduated_response_tiers(corpus: dict[str, tuple[str, list[Block]]]) -> None:
    _, blocks = corpus[WESTMORLAND]
    provisions = {tier: [b.text for b in blocks if b.tier is tier] for tier in Tier}
    assert provisions[Tier.UNIVERSAL] == [
        "Warm, respectful relationships with trusted adults",
        "Calm, safe and predictable environments",
        "High quality, adaptive teaching with reasonable adjustments as needed",
        "Clear, inclusive, relational behaviour approaches",
        "Partnership working with families",
        "A strong sense of belonging within the school community",
    ]
    assert "Early identification of need" in provisions[Tier.TARGETED]
    assert "Multi agency working (education, health and care)" in provisions[Tier.SPECIALIST]
    for block in blocks:
        if block.tier is not Tier.NONE:
            assert block.kind is Kind.PROVISION
            assert block.section[0] == GRADUATED
    targeted = next(b for b in blocks if b.text == "Early identification of need")
    assert targeted.section == (GRADUATED, "Targeted (for children and young people with emerging needs)")
    outcome = next(b for b in blocks if b.text.startswith("Outcome: Needs are addressed early"))
    assert (outcome.tier, outcome.kind) == (Tier.NONE, Kind.PASSAGE)


@pytest.mark.unit
def test_rsa_opening_paragraph_is_rejoined(corpus: dict[str, tuple[str, list[Block]]]) -> None:
    _, blocks = corpus[RSA]
    start = "Over the last 11 months, the RSA in partnership with the Mayor of London has investigated"
    matches = [b for b in blocks if start in b.text]
    assert len(matches) == 1
    assert "multi-academy trusts" in matches[0].text


@pytest.mark.unit
def test_rsa_has_no_quote_mark_blocks(corpus: dict[str, tuple[str, list[Block]]]) -> None:
    _, blocks = corpus[RSA]
    assert not [b.text for b in blocks if re.fullmatch(r"[\s“”\"'‘’>–—]*", b.text)]


@pytest.mark.unit
def test_rsa_blocks_respect_max_chars(corpus: dict[str, tuple[str, list[Block]]]) -> None:
    _, blocks = corpus[RSA]
    assert not [b.text[:80] for b in blocks if len(b.text) > 1200 and not is_single_sentence(b.text)]


@pytest.mark.unit
def test_rsa_practitioners_heading_is_a_section(corpus: dict[str, tuple[str, list[Block]]]) -> None:
    _, blocks = corpus[RSA]
    assert any(b.section and b.section[-1] == "What practitioners say" for b in blocks)
    assert not any("What practitioners say" in b.text for b in blocks)


@pytest.mark.unit
@pytest.mark.parametrize("name", PROSE_FILES)
def test_block_text_is_found_in_the_source(corpus: dict[str, tuple[str, list[Block]]], name: str) -> None:
    # Checked line by line: merged paragraphs may have had debris (a quote mark, a repeated URL)
    # between them in the source.
    text, blocks = corpus[name]
    source = normalise(text)
    assert blocks
    for block in blocks:
        for line in block.text.split("\n"):
            line = normalise(line.removeprefix("- "))
            assert line in source, line


@pytest.mark.unit
@pytest.mark.parametrize("name", PROSE_FILES)
def test_parsing_is_repeatable(corpus: dict[str, tuple[str, list[Block]]], name: str) -> None:
    text, blocks = corpus[name]
    assert parse_prose([Page(text)]) == blocks
