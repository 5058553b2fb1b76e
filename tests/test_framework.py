"""The framework parser reads flattened tables back into areas, themes and tiers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from provision_assistant.ingest.framework import looks_like_framework, parse_framework
from provision_assistant.ingest.model import Kind, Page, Tier
from tests.conftest import CORPUS, FRAMEWORK

pytestmark = pytest.mark.unit

AREAS = [
    "Attendance Matters",
    "School Climate and Safety",
    "Teacher-Pupil Relationships",
    "Peer Relationships and Support",
    "Partnership with Families",
    "Individual Traits",
    "Pupil Health, Wellbeing and Resilience",
    "Academic Achievement",
    "Pupil Aspirations",
    "Extracurricular Activities",
    "Transition",
]
THEMES_PER_AREA = [3, 3, 4, 2, 2, 4, 3, 2, 1, 1, 3]
GOLD = yaml.safe_load((Path(__file__).parent / "data" / "framework_tiers.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def blocks():
    return parse_framework([Page(FRAMEWORK.read_text(encoding="utf-8"))])


def _provisions(blocks):
    return [b for b in blocks if b.kind is Kind.PROVISION]


def test_finds_all_eleven_areas_in_order_including_untitled_ones(blocks):
    seen = list(dict.fromkeys(b.section[0] for b in _provisions(blocks)))
    assert seen == AREAS


def test_finds_every_numbered_theme(blocks):
    themes = {}
    for b in _provisions(blocks):
        themes.setdefault(b.section[0], dict.fromkeys([]))[b.section[1]] = None
    assert [len(themes[a]) for a in AREAS] == THEMES_PER_AREA
    assert "Transition within school" in themes["Transition"]  # glued to a label in the text


def test_every_provision_has_a_tier_and_every_tier_occurs_in_each_area(blocks):
    provisions = _provisions(blocks)
    assert all(b.tier is not Tier.NONE for b in provisions)
    for area in AREAS:
        tiers = {b.tier for b in provisions if b.section[0] == area}
        assert tiers == {Tier.UNIVERSAL, Tier.TARGETED, Tier.SPECIALIST}, area


@pytest.mark.parametrize("case", GOLD, ids=[f"{g['layout']}:{g['text'][:30]}" for g in GOLD])
def test_provision_carries_the_tier_of_its_column(blocks, case):
    """Gold tiers written by reading the framework, independently of the parser."""
    matches = [
        b
        for b in _provisions(blocks)
        if case["text"] in b.text and b.section[0] == case["area"] and b.section[1].startswith(case["theme"])
    ]
    assert len(matches) == 1, f"{len(matches)} units contain {case['text']!r}"
    assert matches[0].tier.value == case["tier"], case["why"]


def test_gold_set_covers_flattened_and_unlabelled_themes():
    layouts = Counter(g["layout"] for g in GOLD)
    assert layouts["before-labels"] >= 5 and layouts["no-labels"] >= 5
    assert {g["area"] for g in GOLD} == set(AREAS)


def test_link_lists_stay_with_the_provision_above(blocks):
    rating = [b for b in blocks if b.text.startswith("Rating areas or colour coding the map")]
    assert rating and all("[Blob tree](#)" in b.text and "[Scaling](#)" in b.text for b in rating)
    voice = next(b for b in blocks if b.text.startswith("1:1 Sessions / Small Group Activities"))
    assert "[Incredible 5 Point Scale and Anxiety Curve](#)" in voice.text


def test_a_list_split_from_its_lead_in_by_the_labels_is_rejoined(blocks):
    comms = next(b for b in blocks if b.text.startswith("A communication supportive environment"))
    assert "[Early years](#)" in comms.text and "[Primary Schools](#)" in comms.text


def test_a_line_that_only_says_whom_to_contact_joins_the_provision_above(blocks):
    """Issue 13: "Contact beyou@northumberland.gov.uk for more information." stood alone."""
    texts = [b.text for b in _provisions(blocks)]
    assert "Contact beyou@northumberland.gov.uk for more information." not in texts
    workshop = "- [Looking after your child's emotional wellbeing workshop](#)"
    workshops = next(t for t in texts if workshop in t)
    assert workshops.endswith("\n\nContact beyou@northumberland.gov.uk for more information.")
    # A contact that is itself the provision stays one.
    assert any(t.startswith("Contact with [Early Help](#) for support") for t in texts)


def test_contents_introductions_and_closing_matter_are_not_provisions(blocks):
    texts = [b.text for b in _provisions(blocks)]
    assert not any("Page 4" in t or "With thanks to" in t or "Sarah Wintringham" in t for t in texts)
    intro = next(b for b in blocks if b.text.startswith("A positive school climate"))
    assert intro.kind is Kind.PASSAGE and intro.section == ("School Climate and Safety",)


def test_only_the_framework_looks_like_a_framework():
    verdicts = {p.name: looks_like_framework(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}
    assert [name for name, yes in verdicts.items() if yes] == [FRAMEWORK.name]


def test_pdf_pages_are_kept_per_provision():
    pages = [
        Page("Contents:\n\nFirst Area\tPage 1\nSecond Area\tPage 2\nThird\tPage 3\n\n", 1),
        Page(
            "Intro to the first area, long enough to read as a paragraph of prose. " * 3
            + "\n\n1. Theme one\n\nUNIVERSAL\n\nAll staff know the plan.\n\nTARGETED\n\nGroup work.",
            2,
        ),
        Page(
            "Intro to the second area, long enough to read as a paragraph of prose. " * 3
            + "\n\n1. Theme two\n\nSPECIALIST\n\nA 1:1 plan for the pupil.\n\nUNIVERSAL\n\nTARGETED",
            3,
        ),
    ]
    blocks = parse_framework(pages)
    found = {b.text: (b.page, b.tier, b.section) for b in blocks if b.kind is Kind.PROVISION}
    assert found["All staff know the plan."] == (2, Tier.UNIVERSAL, ("First Area", "Theme one"))
    assert found["A 1:1 plan for the pupil."] == (3, Tier.SPECIALIST, ("Second Area", "Theme two"))
