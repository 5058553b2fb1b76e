"""An audit's action plan as Markdown, CSV and PDF, with templates from `prompts/audit.yaml`.

Markdown and CSV are pure functions of the plan. The PDF is the Markdown made HTML by
markdown-it and drawn by fpdf2's HTML renderer, with the coverage chart as SVG, in Debian's
DejaVu Sans where it is installed (every character of the framework's words) and the core
Helvetica otherwise.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from provision_assistant.ingest.datafile import load_yaml_model
from provision_assistant.retrieval.audit import STATUSES
from provision_assistant.retrieval.audit_plan import ActionPlan, Comparison
from provision_assistant.retrieval.candidate import TIER_ORDER
from provision_assistant.retrieval.links import show_links
from provision_assistant.retrieval.templates import check_keys, check_placeholders
from provision_assistant.ui.audit_chart import coverage_svg, shown_score

_ALLOWED = {
    "page_intro": set(),
    "started": {"id", "code", "link", "provisions"},
    "plan_heading": {"audit", "title", "phase", "date"},
    "progress": {"answered", "provisions"},
    "coverage_heading": set(),
    "coverage_rule": set(),
    "gaps_heading": set(),
    "gaps_rule": set(),
    "plan_item": {"n", "text", "status", "citation", "note"},
    "note": {"note"},
    "no_gaps": set(),
    "stale_heading": set(),
    "stale_rule": set(),
    "stale_item": {"status", "wording"},
    "plan_footer": set(),
    "chart_title": set(),
}
FORMATS = {"md": "text/markdown", "csv": "text/csv", "pdf": "application/pdf"}
_FONTS = Path("/usr/share/fonts/truetype/dejavu")


class AuditTemplates(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    statuses: dict[str, str]
    tiers: dict[str, str]
    page_intro: str
    started: str
    plan_heading: str
    progress: str
    coverage_heading: str
    coverage_rule: str
    gaps_heading: str
    gaps_rule: str
    plan_item: str
    note: str
    no_gaps: str
    stale_heading: str
    stale_rule: str
    stale_item: str
    plan_footer: str
    chart_title: str

    @model_validator(mode="after")
    def _complete(self) -> AuditTemplates:
        check_placeholders(self, _ALLOWED)
        check_keys(self.statuses, STATUSES, "statuses")
        check_keys(self.tiers, TIER_ORDER, "tiers")
        return self


def load_audit_templates(prompts_dir: Path) -> AuditTemplates:
    return load_yaml_model(Path(prompts_dir) / "audit.yaml", AuditTemplates, what="the audit templates")


def chart(plan: ActionPlan, t: AuditTemplates) -> str:
    return coverage_svg(plan.by_tier, plan.by_area, t.tiers, t.chart_title)


def _heading(plan: ActionPlan, t: AuditTemplates, day: str) -> str:
    phase = plan.phase or "all phases"
    return t.plan_heading.format(audit=plan.audit, title=plan.title, phase=phase, date=day)


def markdown(plan: ActionPlan, t: AuditTemplates, day: str) -> str:
    """The plan as Markdown: heading, coverage table, the chosen gaps in the framework's words."""
    lines = [
        _heading(plan, t, day),
        "",
        t.progress.format(answered=plan.answered, provisions=plan.provisions),
    ]
    lines += ["", t.coverage_heading, "", "| | Coverage | Answered |", "|---|---|---|"]
    for row in [*plan.by_tier, *plan.by_area]:
        name = t.tiers.get(row.name, row.name)
        lines.append(f"| {name} | {shown_score(row)} | {row.answered} of {row.provisions} |")
    lines += ["", t.coverage_rule, "", t.gaps_heading, "", t.gaps_rule, ""]
    for n, item in enumerate(plan.items, 1):
        note = t.note.format(note=item.note) if item.note else ""
        status = t.statuses[item.status]
        text = show_links(item.text, "").replace("\n", "\n   ")  # a link with no address: its words
        lines.append(t.plan_item.format(n=n, text=text, status=status, citation=item.citation, note=note))
    if not plan.items:
        lines.append(t.no_gaps)
    if plan.stale:
        lines += ["", t.stale_heading, "", t.stale_rule, ""]
        lines += [
            t.stale_item.format(status=t.statuses[s.status], wording=s.wording or s.id) for s in plan.stale
        ]
    return "\n".join([*lines, "", t.plan_footer, ""])


def comparison_markdown(c: Comparison, t: AuditTemplates) -> str:
    """What moved between two audits, tier by tier, then the provisions that moved or stayed open."""

    def score(value: float | None) -> str:
        return f"{round(100 * value)}%" if value is not None else "not answered"

    lines = [f"**{c.earlier}** → **{c.later}**", "", "| | Before | Now |", "|---|---|---|"]
    lines += [f"| {t.tiers[tier]} | {score(a)} | {score(b)} |" for tier, (a, b) in c.by_tier.items()]
    for heading, moved in (
        ("Better", c.better),
        ("Worse", c.worse),
        ("Still open", c.still_open),
        ("Answered for the first time", c.new),
    ):
        lines += ["", f"**{heading}: {len(moved)}**"]
        for m in moved:
            before = t.statuses[m.earlier] if m.earlier else "not answered"
            after = t.statuses[m.later] if m.later else "not answered"
            words = " ".join(m.text.split())
            lines.append(f"- {t.tiers[m.tier]}, {m.area}: {before} → {after}: {words[:160]}")
    return "\n".join(lines)


def csv_text(plan: ActionPlan, t: AuditTemplates) -> str:
    """One row per chosen gap, in the plan's order, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank", "tier", "area", "theme", "status", "provision", "source", "note", "id"])
    for n, i in enumerate(plan.items, 1):
        row = [n, t.tiers[i.tier], i.area, i.theme, t.statuses[i.status], i.text, i.citation, i.note, i.id]
        writer.writerow([_spreadsheet_safe(str(v)) for v in row])
    return out.getvalue()


def _spreadsheet_safe(value: str) -> str:
    # A cell starting =, +, - or @ is a formula to a spreadsheet: a document's words never run.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def pdf_bytes(plan: ActionPlan, t: AuditTemplates, day: str) -> bytes:
    """The Markdown plan as a PDF (one wording for both), with the coverage chart drawn where the
    coverage section starts."""
    from fpdf import FPDF
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).enable("table")  # a document's markup stays text
    pdf = FPDF(format="A4")
    pdf.set_title(f"Action plan: {plan.audit}")
    pdf.set_creator("Provision Assistant")
    family = _font(pdf)
    pdf.add_page()
    pdf.set_font(family, size=10)

    def write(text: str) -> None:
        body = html.render(text)
        if family == "helvetica":  # the core fonts hold Latin-1 only
            body = body.encode("latin-1", "replace").decode("latin-1")
        pdf.write_html(body, font_family=family)

    head, coverage = markdown(plan, t, day).split(t.coverage_heading, 1)
    write(head)
    pdf.image(io.BytesIO(chart(plan, t).encode("utf-8")), w=pdf.epw)
    write(t.coverage_heading + coverage)
    return bytes(pdf.output())


def exported(plan: ActionPlan, t: AuditTemplates, format: str, day: str) -> bytes:
    """The plan in one of FORMATS."""
    if format == "pdf":
        return pdf_bytes(plan, t, day)
    if format == "csv":
        return csv_text(plan, t).encode("utf-8-sig")  # the BOM: Excel then reads UTF-8
    if format == "md":
        return markdown(plan, t, day).encode("utf-8")
    raise ValueError(f"an action plan exports as {', '.join(FORMATS)}; not {format!r}")


def _font(pdf: object) -> str:
    styles = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
    styles["BI"] = "DejaVuSans-BoldOblique.ttf"
    if not all((_FONTS / f).is_file() for f in styles.values()):
        return "helvetica"
    for style, file in styles.items():
        pdf.add_font("dejavu", style=style, fname=str(_FONTS / file))
    return "dejavu"
