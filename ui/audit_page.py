"""The whole-school audit page, beside the chat (same Gradio app, its own route: /audit).

Staff start an audit or open one with its id and access code (a link carries the id), go
through the checklist area by area (each answer saved as it is given), then see the coverage
chart and the ranked gaps, download the action plan, and compare with an earlier audit.
Everything goes through `AuditBook`, as the API does; domain errors become a message here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.retrieval.audit import STATUSES, AuditItem
from provision_assistant.retrieval.audit_plan import cite
from provision_assistant.retrieval.links import show_links
from provision_assistant.retrieval.phase import PHASES
from provision_assistant.ui.audit_export import (
    AuditTemplates,
    chart,
    comparison_markdown,
    exported,
    load_audit_templates,
    markdown,
)

if TYPE_CHECKING:
    import gradio as gr

    from provision_assistant.ingest.settings import Settings
    from provision_assistant.retrieval.templates import AnswerTemplates
    from provision_assistant.ui.audit_book import AuditBook
    from provision_assistant.ui.audit_store import Audit
    from provision_assistant.ui.service_holder import ServiceHolder

ALL_PHASES = "all phases"
_FORMATS = {"PDF": "pdf", "Markdown": "md", "CSV (spreadsheet)": "csv"}


def item_markdown(item: AuditItem, t: AuditTemplates, answers: AnswerTemplates) -> str:
    """One provision as the checklist shows it: tier, the framework's words, where it is from."""
    words = show_links(item.text, answers.dead_links)
    return f"**{t.tiers[item.tier]}**  \n{words}  \n*{cite(item, answers)}*"


def add_audit_page(blocks: gr.Blocks, holder: ServiceHolder, settings: Settings) -> None:
    import gradio as gr

    t = load_audit_templates(settings.prompts_dir)
    choices = [(t.statuses[s], s) for s in STATUSES]

    def book() -> AuditBook:
        """Audits over the index being served; a message, not an error page, while it loads."""
        if holder.service is None:
            raise gr.Error(holder.error or "The assistant is still starting up; try again in a few seconds.")
        return holder.audit_book()

    def opened(state: dict | None) -> Audit:
        if not state:
            raise gr.Error("Start an audit or open one first.")
        try:
            return book().store.open(state["id"], state["code"])
        except ProvisionsError as exc:
            raise gr.Error(str(exc)) from None

    def start(name: str, document: str, phase: str, wanted: str | None) -> tuple:
        try:
            audit, code, listed = book().create(name, document or "", None if phase == ALL_PHASES else phase)
        except ProvisionsError as exc:
            raise gr.Error(str(exc)) from None
        told = t.started.format(
            id=audit.id, code=code, link=f"[open this audit](?audit={audit.id})", provisions=listed
        )
        return {"id": audit.id, "code": code}, told, *_areas(audit, wanted)

    def open_audit(audit_id: str, code: str) -> tuple:
        try:
            audit = book().store.open(audit_id.strip(), code.strip())
        except ProvisionsError as exc:
            raise gr.Error(str(exc)) from None
        return {"id": audit.id, "code": code.strip()}, f"**Opened:** {audit.name}", *_areas(audit)

    def _areas(audit: Audit, wanted: str | None = None) -> tuple[gr.Dropdown, dict]:
        """The area list, and the view: the audit and the area its checklist shows (one change,
        so the checklist is drawn once)."""
        listed = book().checklist(audit.document, audit.phase)
        areas = list(dict.fromkeys(i.area for i in listed))
        first = wanted if wanted in areas else (areas[0] if areas else None)
        return gr.Dropdown(choices=areas, value=first, interactive=True), {"id": audit.id, "area": first}

    def saver(item: AuditItem) -> Callable[..., str]:
        """The save for one provision's status, note and plan box."""

        def save(state: dict | None, status: str | None, note: str, in_plan: bool) -> str:
            if not status:
                return gr.skip()
            try:
                book().answer(opened(state), item.id, status, note or "", in_plan=in_plan)
            except ProvisionsError as exc:
                raise gr.Error(str(exc)) from None
            words = " ".join(item.text.split())
            return f"Saved: {t.statuses[status]}: {words[:60]}{'…' if len(words) > 60 else ''}"

        return save

    def results(state: dict | None) -> tuple[str, str]:
        plan = book().plan(opened(state))
        return chart(plan, t), markdown(plan, t, date.today().strftime("%d %B %Y"))

    def download(state: dict | None, shown: str) -> gr.File:
        audit = opened(state)
        plan = book().plan(audit)
        fmt = _FORMATS[shown]
        path = Path(tempfile.mkdtemp(prefix="action-plan-")) / f"action-plan-{audit.id}.{fmt}"
        path.write_bytes(exported(plan, t, fmt, date.today().strftime("%d %B %Y")))
        return gr.File(value=str(path), visible=True)

    def compared(state: dict | None, earlier_id: str, earlier_code: str) -> str:
        try:
            earlier = book().store.open(earlier_id.strip(), earlier_code.strip())
            return comparison_markdown(book().compare(earlier, opened(state)), t)
        except ProvisionsError as exc:
            raise gr.Error(str(exc)) from None

    def on_load(request: gr.Request) -> tuple:
        """The frameworks to choose from; a link's audit id, or (from the chat's offer) its
        framework, phase and area."""
        asked = request.query_params
        documents = book().documents() if holder.service else []
        framework = asked["document"] if asked.get("document") in documents else next(iter(documents), None)
        phase = asked.get("phase") if asked.get("phase") in PHASES else ALL_PHASES
        return (
            gr.Dropdown(choices=documents, value=framework),
            phase,
            asked.get("audit", ""),
            asked.get("area"),
        )

    # Gradio passes the request by the parameter's type; postponed annotations are only strings.
    on_load.__annotations__["request"] = gr.Request

    with blocks.route("Audit", "/audit") as page:
        gr.Navbar(main_page_name="Chat")  # each page names the chat in its own navigation bar
        gr.Markdown(f"# Whole-school audit\n\n{t.page_intro}", elem_id="audit-intro")
        state = gr.State(None)
        wanted_area = gr.State(None)  # the area the chat's offer named, shown first
        with gr.Accordion("Start an audit", open=True):
            with gr.Row():
                name = gr.Textbox(label="Name", placeholder="Autumn 2026", elem_id="audit-name")
                document = gr.Dropdown([], label="Framework", elem_id="audit-document")
                phase = gr.Dropdown(
                    [ALL_PHASES, "early years", "primary", "secondary"],
                    value=ALL_PHASES,
                    label="Phase",
                    elem_id="audit-phase",
                )
            start_button = gr.Button("Start the audit", variant="primary", elem_id="audit-start")
        with gr.Accordion("Open an audit", open=False):
            with gr.Row():
                audit_id = gr.Textbox(label="Audit id", elem_id="audit-id")
                code = gr.Textbox(label="Access code", type="password", elem_id="audit-code")
            open_button = gr.Button("Open", elem_id="audit-open")
        told = gr.Markdown(elem_id="audit-told")
        area = gr.Dropdown([], label="Area", elem_id="audit-area")
        saved = gr.Markdown(elem_id="audit-saved")

        view = gr.State(None)

        @gr.render(inputs=[state, view], triggers=[view.change])
        def checklist_area(state_value: dict | None, shown: dict | None) -> None:
            if not state_value or not shown or not shown["area"]:
                return
            chosen = shown["area"]
            audit = opened(state_value)
            audits = book()
            answers = audits.store.answers(audit)
            for item in audits.checklist(audit.document, audit.phase):
                if item.area != chosen:
                    continue
                given = answers.get(item.id)
                with gr.Group(elem_classes=["audit-item"]):
                    gr.Markdown(item_markdown(item, t, audits.templates))
                    with gr.Row():
                        # Keyed by audit and provision: without keys Gradio kept the previous area's
                        # choices on the controls drawn in the same places.
                        key = f"{audit.id}-{item.id}"
                        status = gr.Radio(
                            choices, value=given.status if given else None, label="Status", key=f"s-{key}"
                        )
                        note = gr.Textbox(
                            value=given.note if given else "",
                            label="Note on the school's practice (optional; never a pupil)",
                            key=f"n-{key}",
                        )
                        in_plan = gr.Checkbox(
                            value=given.in_plan if given else True,
                            label="In the action plan",
                            key=f"p-{key}",
                        )
                    save, inputs = saver(item), [state, status, note, in_plan]
                    status.input(save, inputs, saved, show_progress="hidden")
                    note.blur(save, inputs, saved, show_progress="hidden")
                    in_plan.input(save, inputs, saved, show_progress="hidden")

        gr.Markdown("## Coverage and gaps")
        show = gr.Button("Show the coverage and the gaps", elem_id="audit-results")
        picture = gr.HTML(elem_id="audit-chart")
        gaps = gr.Markdown(elem_id="audit-gaps")
        with gr.Row():
            fmt = gr.Radio(list(_FORMATS), value="PDF", label="Action plan format", elem_id="audit-format")
            export_button = gr.Button("Download the action plan", elem_id="audit-export")
        plan_file = gr.File(label="Action plan", interactive=False, visible=False, elem_id="audit-file")
        with gr.Accordion("Compare with an earlier audit", open=False):
            with gr.Row():
                earlier_id = gr.Textbox(label="Earlier audit id", elem_id="audit-earlier-id")
                earlier_code = gr.Textbox(
                    label="Its access code", type="password", elem_id="audit-earlier-code"
                )
            compare_button = gr.Button("Compare", elem_id="audit-compare")
            comparison = gr.Markdown(elem_id="audit-comparison")

        start_button.click(start, [name, document, phase, wanted_area], [state, told, area, view])
        open_button.click(open_audit, [audit_id, code], [state, told, area, view])
        area.input(lambda s, a: {"id": s["id"], "area": a} if s else None, [state, area], view)
        show.click(results, state, [picture, gaps])
        export_button.click(download, [state, fmt], plan_file)
        compare_button.click(compared, [state, earlier_id, earlier_code], comparison)
        page.load(on_load, None, [document, phase, audit_id, wanted_area])
