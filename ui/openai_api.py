"""An OpenAI-compatible chat-completions endpoint, so intranet chat tools and SDKs need no custom code.

The reply's message is the tiered answer in Markdown, with its citations; the
structured answer (status, suggestions, sources) rides along in the
`provision_assistant` field, which OpenAI clients keep as an extra field.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from provision_assistant.ingest.errors import InvalidQuestionError
from provision_assistant.retrieval.answer_model import Answer
from provision_assistant.retrieval.conversation import read_conversation
from provision_assistant.ui.answer_stream import markdown_pieces
from provision_assistant.ui.api_models import ChatCompletionRequest, OpenAIError, Problem

if TYPE_CHECKING:
    from provision_assistant.ui.service_holder import ServiceHolder

MODEL = "provision-assistant"


def _error(message: str, param: str | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}
    return JSONResponse(status_code=400, content=body)


def _extra(answer: Answer) -> dict:
    keys = ("status", "phase", "suggestions", "sources", "safeguarding", "follows")
    shown = answer.to_json()
    return {k: shown[k] for k in keys if shown.get(k) is not None}


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None, **extra) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [choice],
    }
    return f"data: {json.dumps({**body, **extra}, ensure_ascii=False)}\n\n"


def _stream(pieces: Iterable[Answer | str], model: str) -> Iterator[str]:
    """Chunks from `markdown_pieces`: a safeguarding route is the first content chunk, whole."""
    cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""})
    answer = None
    for item in pieces:
        if isinstance(item, str):
            yield _chunk(cid, created, model, {"content": item})
        else:
            answer = item
    yield _chunk(cid, created, model, {}, "stop", provision_assistant=_extra(answer))
    yield "data: [DONE]\n\n"


def openai_router(holder: ServiceHolder) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

    @router.get("/models", summary="The one model this server offers")
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": MODEL}]}

    @router.post(
        "/chat/completions",
        summary="The tiered answer as an OpenAI chat completion (streaming too)",
        response_model=None,
        responses={
            200: {"content": {"application/json": {}, "text/event-stream": {}}},
            # The OpenAI shape for the question; the body check before it says {"detail": ...}.
            400: {"model": OpenAIError | Problem, "description": "no usable question, or a body not UTF-8"},
        },
    )
    async def chat_completions(body: ChatCompletionRequest) -> JSONResponse | StreamingResponse:
        """The last user message is the question, a follow-up read with the one it continues (as the
        chat reads it); `phase` and `council` may be sent as extra fields."""
        questions = [m.text for m in body.messages if m.role == "user" and m.text.strip()]
        if not questions:
            return _error("the messages hold no user message to answer", "messages")
        service = holder.require()
        # Read as the chat reads it: a follow-up is answered with the question it continues.
        asked = read_conversation(questions)
        typed = asked.message if asked.follows else None
        try:
            made = await run_in_threadpool(
                service.ask_stream,
                asked.question,
                phase=body.phase,
                council=body.council,
                earlier=asked.thread,
                typed=typed,
            )
        except InvalidQuestionError as exc:
            return _error(str(exc), "messages")
        pieces = markdown_pieces(made, service.templates, asked.follows)
        if body.stream:
            return StreamingResponse(_stream(pieces, body.model), media_type="text/event-stream")
        *_, answer = await run_in_threadpool(list, pieces)
        return JSONResponse(
            {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.answer},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                "provision_assistant": _extra(answer),
            }
        )

    return router
