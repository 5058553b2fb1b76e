"""The staff chat: a Gradio app mounted in the same FastAPI server as the API.

It asks the same `AnswerService` as every other front end and shows the answer
with `ui.chat_render`, a tier section at a time.
"""

from __future__ import annotations

import html
import logging
import os
import tempfile
from collections.abc import Collection, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.ingest.errors import ProvisionsError
from provision_assistant.ingest.settings import Settings
from provision_assistant.retrieval.answer_model import Answer, Summary
from provision_assistant.retrieval.conversation import read_conversation
from provision_assistant.retrieval.templates import load_templates
from provision_assistant.ui.answer_stream import following
from provision_assistant.ui.chat_render import (
    answer_sections,
    answered_question,
    load_chat_templates,
    message_text,
    pin_text,
    support_plan,
    user_questions,
)

if TYPE_CHECKING:
    import gradio as gr

    from provision_assistant.ui.service_holder import ServiceHolder

log = logging.getLogger(__name__)
ANY_PHASE, NO_COUNCIL = "any", "(not set)"
PHASE_CHOICES = [ANY_PHASE, "early years", "primary", "secondary"]
STATIC = Path(__file__).parent / "static"


def page_assets() -> dict[str, str]:
    """The CSS and script the chat page needs (for `gr.mount_gradio_app`)."""
    return {
        "css": (STATIC / "chat.css").read_text(encoding="utf-8"),
        "js": (STATIC / "chat.js").read_text(encoding="utf-8"),
    }


def page_functions(blocks: gr.Blocks, session: str | None) -> Collection[int]:
    """The functions a session may call: the pages' own, and those its `gr.render` made (never
    creating a session's state for a hash Gradio does not know)."""
    if session is not None and session in blocks.state_holder:
        return blocks.state_holder[session].blocks_config.fns
    return blocks.fns


def _plain_user_chat(gr: object) -> type:
    """gr.ChatInterface showing what staff type as text: markup typed into a question is escaped,
    never rendered (an <img> would otherwise fetch its address). The answers stay Markdown."""

    class PlainUserChat(gr.ChatInterface):
        # Gradio turns every message into the history's dicts here, typed ones and examples alike.
        def _message_as_message_dict(self, message, role):
            dicts = super()._message_as_message_dict(message, role)
            if role == "user":
                for d in dicts:
                    if isinstance(d.get("content"), str):
                        d["content"] = html.escape(d["content"], quote=False)
            return dicts

    return PlainUserChat


def build_chat(holder: ServiceHolder, settings: Settings) -> gr.Blocks:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no internet, and no tracking
    import gradio as gr

    chat = load_chat_templates(settings.prompts_dir)
    templates = load_templates(settings.prompts_dir)

    def respond(message: str, history: list[dict], phase: str, council: str) -> Iterator[tuple]:
        """Yields the answer so far, the answer (for the plan) and the pinned route (kept until dismissed)."""
        service = holder.service
        if service is None:
            busy = holder.error or "The assistant is still starting up; please try again in a few seconds."
            yield busy, None, gr.skip(), gr.skip()
            return
        asked = read_conversation([*user_questions(history), message])
        try:
            made = iter(
                service.ask_stream(
                    asked.question,
                    phase=None if phase == ANY_PHASE else phase,
                    council=None if council in ("", NO_COUNCIL) else council,
                    earlier=asked.thread,
                    typed=asked.message if asked.follows else None,
                )
            )
            answer = following(next(made), asked.follows, templates.follow_up)
            pinned = pin_text(answer, chat)
            pin = (gr.Column(visible=True), pinned) if pinned else (gr.skip(), gr.skip())
            shown = ""
            for section in answer_sections(answer, chat, templates):
                shown += section
                yield shown, answer, *pin
            # A language model's summary: each sentence shown above the tiers as it passes the check.
            said: list[str] = []
            for item in made:
                if isinstance(item, str):
                    said.append(item)
                    partial = answer.model_copy(
                        update={"summary": Summary(text=" ".join(said), removed=0, model="")}
                    )
                    yield "".join(answer_sections(partial, chat, templates)), answer, *pin
                else:
                    answer = following(item, asked.follows, templates.follow_up)
                    yield "".join(answer_sections(answer, chat, templates)), answer, *pin
        except ProvisionsError as exc:  # a message staff can act on, never a traceback
            yield str(exc), None, gr.skip(), gr.skip()

    def export(answer: Answer | None) -> gr.File:
        if answer is None:
            gr.Warning("Ask a question first: the plan is made from the last answer.")
            return gr.skip()
        folder = Path(tempfile.mkdtemp(prefix="support-plan-"))
        path = folder / "support-plan.md"
        path.write_text(support_plan(answer, chat, templates, date.today().strftime("%d %B %Y")), "utf-8")
        return gr.File(value=str(path), visible=True)

    def on_feedback(history: list[dict], reason: str, data: gr.LikeData) -> str:
        """Thumbs up or down on an answer: stored redacted, with the question it answered."""
        index = data.index if isinstance(data.index, int) else data.index[0]
        answer = history[index].get("content") if 0 <= index < len(history) else data.value
        helpful = data.liked is True or data.liked == "Like"
        try:
            holder.feedback().add(
                question=answered_question(history[:index]),
                answer=message_text(answer),
                helpful=helpful,
                reason=reason or "",
                channel="chat",
            )
        except ProvisionsError as exc:
            log.warning("feedback not stored: %s", exc)
        gr.Info("Thank you: your feedback was saved without pupils' details.")
        return ""

    # Gradio passes the LikeData by the parameter's type; with postponed annotations
    # it would see only the string "gr.LikeData", so give it the class itself.
    on_feedback.__annotations__["data"] = gr.LikeData

    def councils() -> gr.Dropdown:
        known = holder.service.councils if holder.service else []
        value = settings.council if settings.council in known else NO_COUNCIL
        return gr.Dropdown(choices=[NO_COUNCIL, *known], value=value)

    with gr.Blocks(title=chat.title, fill_height=True) as blocks:
        gr.Navbar(main_page_name="Chat")  # beside the audit page (ui/audit_page.py), which names it too
        in_use = (
            f"\n\n*{chat.model_in_use.format(model=settings.llm_model)}*"
            if settings.language_model_configured
            else ""
        )
        gr.Markdown(f"# {chat.title}\n\n{chat.intro}\n\n*{chat.privacy}*{in_use}", elem_id="intro")
        with gr.Row():
            phase = gr.Dropdown(PHASE_CHOICES, value=ANY_PHASE, label="Phase", elem_id="phase")
            council = gr.Dropdown([NO_COUNCIL], value=NO_COUNCIL, label="Council", elem_id="council")
        # A safeguarding answer pins its route here, above every answer, until staff dismiss it.
        with gr.Column(visible=False, elem_id="route-pin") as pin:
            pin_message = gr.Markdown(elem_id="route-pin-text")
            dismiss = gr.Button(chat.pin_dismiss, size="sm", elem_id="route-pin-dismiss")
        dismiss.click(lambda: gr.Column(visible=False), outputs=pin)
        chatbot = gr.Chatbot(
            elem_id="answers",
            label="Answers",
            show_label=False,  # the label sat on the panel's first line; screen readers still read it
            height=620,
            sanitize_html=True,
            placeholder=chat.privacy,
            layout="panel",
            feedback_options=("Like", "Dislike"),
            autoscroll=False,  # the page script shows each answer from its start instead
        )
        last_answer = gr.State(None)
        _plain_user_chat(gr)(
            respond,
            chatbot=chatbot,
            additional_outputs=[last_answer, pin, pin_message],
            textbox=gr.Textbox(placeholder="Describe the situation in a few words", elem_id="question"),
            additional_inputs=[phase, council],
            # Without values for the phase and council, Gradio shows the examples as questions in the
            # empty panel (with values, as a table whose "any / (not set)" columns mean nothing).
            examples=[[q] for q in chat.examples],
            api_visibility="private",
        )
        reason = gr.Textbox(
            label="Was an answer useful? Add a reason here (optional), then press thumbs up or down on it.",
            elem_id="feedback-reason",
            max_lines=2,
        )
        chatbot.like(on_feedback, inputs=[chatbot, reason], outputs=reason)
        with gr.Row():
            plan_button = gr.Button("Save the last answer as a support plan (Markdown)", elem_id="export")
            # Shown once there is a plan: empty, it took half the screen.
            plan_file = gr.File(
                label="Support plan", elem_id="plan", interactive=False, height=90, visible=False
            )
        plan_button.click(export, inputs=last_answer, outputs=plan_file)
        blocks.load(councils, outputs=council)
    return blocks
