"""The staff chat: a Gradio app mounted in the same FastAPI server as the API.

It asks the same `AnswerService` as every other front end and shows the answer
with `ui.chat_render`, a tier section at a time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ingest.errors import ProvisionsError
from ingest.settings import Settings
from retrieval.templates import load_templates
from ui.chat_render import answer_sections, contextual_question, load_chat_templates, user_questions

if TYPE_CHECKING:
    import gradio as gr

    from ui.api import ServiceHolder

log = logging.getLogger(__name__)
ANY_PHASE, NO_COUNCIL = "any", "(not set)"
PHASE_CHOICES = [ANY_PHASE, "early years", "primary", "secondary"]


def build_chat(holder: ServiceHolder, settings: Settings) -> gr.Blocks:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no internet, and no tracking
    import gradio as gr

    chat = load_chat_templates(settings.prompts_dir)
    templates = load_templates(settings.prompts_dir)

    def respond(message: str, history: list[dict], phase: str, council: str) -> Iterator[str]:
        service = holder.service
        if service is None:
            yield holder.error or "The assistant is still starting up; please try again in a few seconds."
            return
        question = contextual_question(message, user_questions(history))
        try:
            answer = service.ask(
                question,
                phase=None if phase == ANY_PHASE else phase,
                council=None if council in ("", NO_COUNCIL) else council,
            )
        except ProvisionsError as exc:  # a message staff can act on, never a traceback
            yield str(exc)
            return
        shown = ""
        for section in answer_sections(answer, chat, templates):
            shown += section
            yield shown

    def councils() -> gr.Dropdown:
        known = holder.service.councils if holder.service else []
        value = settings.council if settings.council in known else NO_COUNCIL
        return gr.Dropdown(choices=[NO_COUNCIL, *known], value=value)

    with gr.Blocks(title=chat.title, fill_height=True) as blocks:
        gr.Markdown(f"# {chat.title}\n\n{chat.intro}\n\n*{chat.privacy}*", elem_id="intro")
        with gr.Row():
            phase = gr.Dropdown(PHASE_CHOICES, value=ANY_PHASE, label="Phase", elem_id="phase")
            council = gr.Dropdown([NO_COUNCIL], value=NO_COUNCIL, label="Council", elem_id="council")
        gr.ChatInterface(
            respond,
            chatbot=gr.Chatbot(
                elem_id="answers",
                label="Answers",
                height=620,
                sanitize_html=True,
                placeholder=chat.privacy,
                layout="panel",
            ),
            textbox=gr.Textbox(placeholder="Describe the situation in a few words", elem_id="question"),
            additional_inputs=[phase, council],
            examples=[[q, ANY_PHASE, NO_COUNCIL] for q in chat.examples],
            api_visibility="private",
        )
        blocks.load(councils, outputs=council)
    return blocks
