"""A small OpenAI-protocol server on loopback, scripted reply by reply, for the language model tests.

It speaks what the `openai` client reads (`POST /v1/chat/completions`, whole or streamed as
server-sent events) and keeps every request it was sent, so a test can check what left the
machine. A reply is text, or a fault: a delay past the client's timeout, a status code (429),
or a body that is not the protocol.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from tests.live_server import ThreadedServer


@dataclass
class Reply:
    text: str = ""
    delay: float = 0.0  # seconds before answering (past the client's timeout: a timeout)
    status: int = 200  # anything else: an error with that status
    malformed: bool = False  # 200 with a body that is not a chat completion


@dataclass
class FakeModel:
    """The script (replies, in order; the last repeats) and what was asked."""

    replies: deque[Reply] = field(default_factory=deque)
    requests: list[dict] = field(default_factory=list)
    # A reply by what is asked: the first key found in the system message chooses (else the script).
    by_system: dict[str, Reply] = field(default_factory=dict)

    def script(self, *replies: Reply | str) -> None:
        self.replies = deque(r if isinstance(r, Reply) else Reply(r) for r in replies)
        self.by_system = {}

    def next(self, system: str = "") -> Reply:
        for key, reply in self.by_system.items():
            if key in system:
                return reply
        return self.replies.popleft() if len(self.replies) > 1 else self.replies[0]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/chat/completions")
        async def completions(request: Request):
            body = await request.json()
            self.requests.append(body)
            system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
            reply = self.next(system)
            await asyncio.sleep(reply.delay)
            if reply.status != 200:
                error = {"error": {"message": "scripted", "type": "scripted", "code": reply.status}}
                return JSONResponse(error, status_code=reply.status)
            if reply.malformed:
                return PlainTextResponse("<html>proxy error</html>")
            if body.get("stream"):
                return StreamingResponse(_events(reply.text, body["model"]), media_type="text/event-stream")
            return JSONResponse(_completion(reply.text, body["model"]))

        return app


def _completion(text: str, model: str) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


async def _events(text: str, model: str):
    words = text.split(" ")
    for i, word in enumerate(words):
        piece = word if i == len(words) - 1 else word + " "
        chunk = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        yield f"data: {json.dumps(chunk)}\n\n"
    yield "data: [DONE]\n\n"


class FakeModelServer(ThreadedServer):
    """A `FakeModel` on 127.0.0.1 and a free port, in a thread; its URL ends in /v1."""

    def __init__(self, model: FakeModel) -> None:
        super().__init__(uvicorn.Config(model.app(), host="127.0.0.1", port=0, log_level="warning"), "/v1")
