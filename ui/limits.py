"""Limits every request meets before it reaches the answer service: body size and request rate."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyCheck:
    """Refuses a request body over `max_bytes` (413) or not UTF-8 (400), before anything parses it.

    Only under `prefixes` (the API): the chat sends its whole conversation back
    to its own endpoints, which set their own limits.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, prefixes: tuple[str, ...] = ("/api/", "/v1/")) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "").removeprefix(scope.get("root_path", ""))
        if scope["type"] != "http" or not path.startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await refuse(send, 413, self._too_large)
            return
        # Bodies here are small (a question): read it whole, counting, then replay it.
        try:
            body = await whole_body(receive, self.max_bytes)
        except BodyTooLarge:
            await refuse(send, 413, self._too_large)
            return
        if body is None:
            return
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Otherwise FastAPI answers "There was an error parsing the body", which names nothing.
            detail = f"the request body is not UTF-8 text (byte {exc.start}); send JSON encoded as UTF-8"
            await refuse(send, 400, detail)
            return
        await self.app(scope, replaying(body, receive), send)

    @property
    def _too_large(self) -> str:
        return (
            f"the request body is larger than the limit of {self.max_bytes} bytes (PROVISIONS_MAX_BODY_BYTES)"
        )


class ChatQueueCheck:
    """Refuses a join of the chat's queue naming a function the chat does not have (422).

    Gradio looks the index up unchecked and answers, for one, -1 with a 500 and a traceback
    in the log; everything else about a join Gradio validates itself.
    """

    def __init__(self, app: ASGIApp, functions: Callable[[str | None], Collection[int]]) -> None:
        """`functions(session_hash)`: the indexes that session may call (a page's `gr.render` adds
        functions to the session that rendered them)."""
        self.app = app
        self.functions = functions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope.get("method") != "POST" or not path.endswith("/queue/join"):
            await self.app(scope, receive, send)
            return
        body = await whole_body(receive)
        if body is None:
            return
        try:
            joined = json.loads(body)
            index, session = joined.get("fn_index"), joined.get("session_hash")
        except (ValueError, AttributeError):
            index = session = None  # not a JSON object: Gradio's own validation names the fault
        session = session if isinstance(session, str) else None
        if isinstance(index, int) and not isinstance(index, bool) and index not in self.functions(session):
            await refuse(send, 422, f"fn_index {index} names no function of the chat")
            return
        await self.app(scope, replaying(body, receive), send)


class BodyTooLarge(Exception):
    """The body went past the limit `whole_body` was given."""


async def whole_body(receive: Receive, max_bytes: int | None = None) -> bytes | None:
    """The request's whole body, or None when the client went away first."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then whatever the connection sends next."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class HeaderCheck:
    """Refuses a request whose headers together are over `max_bytes` (431), naming the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope.get("headers", []))
            if size > self.max_bytes:
                detail = (
                    f"the request headers are {size} bytes; the limit is {self.max_bytes} bytes"
                    " (PROVISIONS_MAX_HEADER_BYTES)"
                )
                await refuse(send, 431, detail)
                return
        await self.app(scope, receive, send)


async def refuse(send: Send, status: int, detail: str) -> None:
    """A JSON refusal sent straight from a middleware, shaped as FastAPI's own."""
    payload = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def add_rate_limit(
    app: FastAPI, rate: str, api_key_of: Callable[[Request], str | None], database: str | None = None
):
    """Limit requests per API key (per address without one); 429 naming the limit and which was counted.

    The address is the one the request came from, or, behind a proxy listed in
    PROVISIONS_TRUSTED_PROXIES, the one the proxy forwarded (uvicorn reads it; see `ui.server`).
    `database`: count in that database (PROVISIONS_SHARED_RATE_LIMIT), so every replica shares
    one limit; None: in this process's memory.
    """
    from slowapi import Limiter
    from slowapi.errors import RateLimitExceeded
    from slowapi.middleware import SlowAPIMiddleware
    from slowapi.util import get_remote_address

    def key(request: Request) -> str:
        api_key = api_key_of(request)
        # The limiter keeps its keys in memory or the database: a digest, never the key itself,
        # nor a member of staff's address.
        if api_key:
            return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:16]
        return "addr:" + hashlib.sha256(get_remote_address(request).encode()).hexdigest()[:16]

    if database is None:
        limiter = Limiter(key_func=key, default_limits=[rate])
    else:
        from provision_assistant.ui.rate_limit_store import SCHEME

        # The database away for a moment: count in memory meanwhile rather than refuse every request.
        limiter = Limiter(
            key_func=key,
            default_limits=[rate],
            storage_uri=f"{SCHEME}://",
            storage_options={"database": database},
            in_memory_fallback_enabled=True,
        )
    app.state.limiter = limiter

    def too_many(
        request: Request, exc: RateLimitExceeded
    ) -> JSONResponse:  # sync: SlowAPIMiddleware calls it
        counted = "this API key" if api_key_of(request) else "this address (no API key was sent)"
        return JSONResponse(
            status_code=429,
            content={
                "detail": f"too many requests from {counted}: the limit is {rate} (PROVISIONS_RATE_LIMIT)"
            },
        )

    app.add_exception_handler(RateLimitExceeded, too_many)
    app.add_middleware(SlowAPIMiddleware)
    return limiter
