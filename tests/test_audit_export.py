"""The action plan and its exports: Markdown, CSV and a PDF read back with pypdf. No model."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from provision_assistant.retrieval.audit import checklist
from provision_assistant.retrieval.audit_plan import AnswerState, action_plan
from provision_assistant.retrieval.templates import load_templates
from provision_assistant.ui.audit_export import csv_text, exported, load_audit_templates, markdown

pytestmark = pytest.mark.unit

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
ROWS = [
    {
        "id": "u1",
        "document": "framework",
        "kind": "provision",
        "area": "Attendance",
        "theme": "Monitoring",
        "tier": "universal",
        "text": "Use the [Attendance toolkit](https://example.org/toolkit) and [Kooth](#) — café.",
        "position": 1,
        "phase": [],
        "title": "A Framework",
        "section": "Attendance › Monitoring",
        "page": 4,
    },
    {
        "id": "t1",
        "document": "framework",
        "kind": "provision",
        "area": "Belonging",
        "theme": "Pupil voice",
        "tier": "targeted",
        "text": '=HYPERLINK("x") small groups:\n- one\n- two',
        "position": 2,
        "phase": [],
        "title": "A Framework",
        "section": "Belonging › Pupil voice",
        "page": None,
    },
    {
        "id": "u2",
        "document": "framework",
        "kind": "provision",
        "area": "Belonging",
        "theme": "Pupil voice",
        "tier": "universal",
        "text": "A school council.",
        "position": 3,
        "phase": [],
        "title": "A Framework",
        "section": "Belonging › Pupil voice",
        "page": 9,
    },
]
AUDIT = {"name": "Autumn 2026", "document": "framework", "phase": "primary", "created": "2026-12-02"}


@pytest.fixture
def plan():
    answers = {
        "t1": AnswerState(status="not_yet"),
        "u1": AnswerState(status="partly", note="Half the year groups"),
        "u2": AnswerState(status="not_yet", in_plan=False),  # a gap the school left out of the plan
        "gone": AnswerState(status="in_place", wording="Words the framework no longer has."),
    }
    return action_plan(AUDIT, checklist(ROWS, "framework", "primary"), answers, load_templates(PROMPTS))


def test_the_plan_lists_the_chosen_gaps_universal_first_with_citations_and_stale_answers(plan):
    assert [i.id for i in plan.items] == ["u1", "t1"]
    assert plan.items[0].citation == "A Framework — Attendance › Monitoring, p. 4"
    assert plan.items[1].citation == "A Framework — Belonging › Pupil voice"
    assert [s.wording for s in plan.stale] == ["Words the framework no longer has."]
    assert (plan.answered, plan.provisions) == (3, 3)
    assert [(r.name, r.score) for r in plan.by_tier] == [("universal", 0.25), ("targeted", 0.0)]


def test_markdown_keeps_the_frameworks_words_links_and_sources(plan):
    text = markdown(plan, load_audit_templates(PROMPTS), "2 December 2026")
    assert "[Attendance toolkit](https://example.org/toolkit)" in text and "*Kooth*" in text  # no "(#)"
    assert "*Source: A Framework — Attendance › Monitoring, p. 4*" in text
    assert text.index("Partly in place") < text.index("Not yet")  # the universal gap first
    assert "Our note: Half the year groups" in text and "A school council" not in text.split("## Actions")[1]
    assert "Words the framework no longer has." in text.split("## Answers to check again")[1]


def test_csv_has_one_row_per_action_and_never_a_formula(plan):
    rows = list(csv.reader(io.StringIO(csv_text(plan, load_audit_templates(PROMPTS)))))
    assert rows[0][:3] == ["rank", "tier", "area"] and len(rows) == 3
    assert rows[2][5].startswith("'=HYPERLINK") and rows[2][5].endswith("- two")
    assert exported(plan, load_audit_templates(PROMPTS), "csv", "").startswith("\ufeffrank".encode())


def test_the_pdf_reads_back_with_its_actions_sources_chart_and_characters(plan):
    body = exported(plan, load_audit_templates(PROMPTS), "pdf", "2 December 2026")
    reader = PdfReader(io.BytesIO(body))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Action plan: Autumn 2026" in text and "Prepared: 2 December 2026" in text
    assert "Attendance toolkit and Kooth — café." in text  # the link's words and every character
    assert "Source: A Framework — Attendance › Monitoring, p. 4" in text
    assert "Coverage by tier and area" in text and "Universal 25%" in text  # the chart's own words
    assert text.index("1. Partly in place") < text.index("2. Not yet")
    links = [a.get_object()["/A"]["/URI"] for p in reader.pages for a in p.get("/Annots", [])]
    assert "https://example.org/toolkit" in links  # a real address stays a link


def test_a_format_that_is_not_offered_is_refused(plan):
    with pytest.raises(ValueError, match="md, csv, pdf"):
        exported(plan, load_audit_templates(PROMPTS), "docx", "")


def test_the_chart_says_each_figure_in_words_and_tells_not_applicable_from_not_answered():
    from provision_assistant.retrieval.audit_plan import CoverageRow
    from provision_assistant.ui.audit_chart import coverage_svg

    rows = [
        CoverageRow(name="universal", provisions=4, answered=2, applicable=2, score=0.75),
        CoverageRow(name="targeted", provisions=3, answered=1, applicable=0, score=None),
        CoverageRow(name="specialist", provisions=2, answered=0, applicable=0, score=None),
    ]
    svg = coverage_svg(rows, [], {"universal": "Universal"}, "Coverage <by> tier")
    assert ">75%<" in svg and ">not applicable<" in svg and ">not answered<" in svg
    assert 'width="255.0"' in svg  # three quarters of the bar
    assert "Coverage &lt;by&gt; tier" in svg  # words are escaped, never markup


def test_a_comparison_reads_tier_by_tier_then_what_moved():
    from provision_assistant.retrieval.audit_plan import Comparison, Movement
    from provision_assistant.ui.audit_export import comparison_markdown

    moved = Movement(
        id="u1",
        tier="universal",
        area="Attendance",
        text="First-day calls.",
        earlier="not_yet",
        later="in_place",
    )
    fresh = Movement(
        id="t1", tier="targeted", area="Belonging", text="Mentors.", earlier=None, later="partly"
    )
    text = comparison_markdown(
        Comparison(
            earlier="Spring",
            later="Autumn",
            by_tier={"universal": [0.0, 1.0], "targeted": [None, 0.5]},
            better=[moved],
            worse=[],
            still_open=[],
            new=[fresh],
        ),
        load_audit_templates(PROMPTS),
    )
    assert "**Spring** → **Autumn**" in text and "| Universal | 0% | 100% |" in text
    assert "| Targeted | not answered | 50% |" in text
    assert "**Better: 1**" in text and "Not yet → In place: First-day calls." in text
    assert "**Worse: 0**" in text and "not answered → Partly in place: Mentors." in text


def test_audit_templates_missing_a_status_or_tier_are_refused_naming_it():
    import yaml
    from pydantic import ValidationError

    from provision_assistant.ui.audit_export import AuditTemplates

    data = yaml.safe_load((PROMPTS / "audit.yaml").read_text(encoding="utf-8"))
    del data["statuses"]["partly"]
    with pytest.raises(ValidationError, match=r"statuses is missing \['partly'\]"):
        AuditTemplates.model_validate(data)
    data = yaml.safe_load((PROMPTS / "audit.yaml").read_text(encoding="utf-8"))
    del data["tiers"]["specialist"]
    with pytest.raises(ValidationError, match=r"tiers is missing \['specialist'\]"):
        AuditTemplates.model_validate(data)
