"""The HTTP API: one FastAPI application over the same `AnswerService` as the command line.

`create_app(settings)` loads the model and index in the background at start-up;
`/healthz` says "ready" once they are loaded, and the API answers 503 until then.
Tests pass a loaded `service` in.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from provision_assistant.ingest.errors import InvalidQuestionError
from provision_assistant.ingest.settings import Settings
from provision_assistant.retrieval.answer_model import Answer, TierName
from provision_assistant.retrieval.catalogue import catalogue_rows, documents
from provision_assistant.retrieval.model_pass import model_status
from provision_assistant.ui.answer_stream import answer_events, markdown_pieces
from provision_assistant.ui.api_models import REFUSALS, AskRequest, FeedbackRequest
from provision_assistant.ui.audit_api import audit_router
from provision_assistant.ui.database import DatabaseError
from provision_assistant.ui.limits import BodyCheck, ChatQueueCheck, HeaderCheck, add_rate_limit
from provision_assistant.ui.service_holder import ServiceHolder

if TYPE_CHECKING:
    from provision_assistant.retrieval.service import AnswerService

log = logging.getLogger(__name__)
API_KEY_HEADER = "X-API-Key"


def api_key_of(request: Request) -> str | None:
    if key := request.headers.get(API_KEY_HEADER):
        return key
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def create_app(settings: Settings, service: AnswerService | None = None, *, chat: bool = True) -> FastAPI:
    holder = ServiceHolder(settings.database, service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if holder.service is None:
            threading.Thread(target=holder.load, args=(settings,), name="load-service", daemon=True).start()
        stop = threading.Event()
        if settings.reload_seconds > 0:
            threading.Thread(
                target=holder.watch, args=(settings, stop), name="watch-index", daemon=True
            ).start()
        yield
        stop.set()

    app = FastAPI(
        title="Provision Assistant",
        summary="Graduated-response provisions (Universal, Targeted, Specialist) quoted from the documents.",
        version="0.1.0",
        lifespan=lifespan,
        responses=REFUSALS,
    )
    app.state.holder = holder
    app.state.settings = settings
    app.add_middleware(BodyCheck, max_bytes=settings.max_body_bytes)
    app.add_middleware(HeaderCheck, max_bytes=settings.max_header_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=[
                API_KEY_HEADER,
                "Authorization",
                "Content-Type",
                "X-Audit-Code",
                "X-Earlier-Audit-Code",
            ],
        )
    shared = settings.database if settings.shared_rate_limit else None
    limiter = add_rate_limit(app, settings.rate_limit, api_key_of, shared)

    def require_key(request: Request) -> None:
        if not settings.api_keys:
            return
        key = api_key_of(request) or ""
        if not any(secrets.compare_digest(key, allowed) for allowed in settings.api_keys):
            raise HTTPException(
                status_code=401,
                detail=f"a valid API key is needed: send it in the {API_KEY_HEADER} header",
                headers={"WWW-Authenticate": "Bearer"},
            )

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes the input, and a lone surrogate in it makes a 500.
        errors = [{k: readable(e[k]) for k in ("type", "loc", "msg", "ctx") if k in e} for e in exc.errors()]
        return JSONResponse(status_code=422, content={"detail": errors})

    @app.exception_handler(InvalidQuestionError)
    async def _invalid_question(request: Request, exc: InvalidQuestionError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(DatabaseError)
    async def _database_unavailable(request: Request, exc: DatabaseError) -> JSONResponse:
        # Feedback and audits wait on the database; its message names it, never its password.
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    @app.get("/healthz", tags=["service"], summary="Ready once the model and index are loaded")
    @limiter.exempt
    def healthz() -> JSONResponse:
        if holder.service is not None:
            service = holder.service
            return JSONResponse(
                {
                    "status": "ready",
                    "units": len(service.units),
                    "index": service.generation,
                    "language_model": model_status(settings),
                }
            )
        status = "error" if holder.error else "loading"
        return JSONResponse(status_code=503, content={"status": status, "detail": holder.error or ""})

    keyed = [Depends(require_key)]

    @app.post(
        "/api/ask",
        tags=["answers"],
        dependencies=keyed,
        summary="The tiered answer, as JSON",
        response_model=Answer,
        response_model_exclude_unset=True,  # as Answer.to_json: only the fields that apply
    )
    def ask(body: AskRequest, request: Request) -> Answer:
        """The same JSON as `provisions ask --json`: status, suggestions by tier, cited sources, Markdown."""
        return holder.require().ask(body.question, phase=body.phase, council=body.council, scope=body.scope)

    @app.post(
        "/api/ask/stream",
        tags=["answers"],
        dependencies=keyed,
        summary="The tiered answer as server-sent events",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
        """Events: `safeguarding` first when the message suggests a risk of harm (the route, why,
        the category and whether danger is immediate), then `status`, then `answer` (the Markdown,
        section by section, the route first; a language model's summary sentence by sentence as
        each passes the check), then `result` (status, suggestions, sources, safeguarding,
        summary and model_note as in `/api/ask`), then `done`."""
        service = holder.require()
        made = await run_in_threadpool(
            service.ask_stream, body.question, phase=body.phase, council=body.council, scope=body.scope
        )
        # A sync iterator: Starlette runs it in a worker thread, so a model's reply may block it.
        events = answer_events(markdown_pieces(made, service.templates))
        return StreamingResponse(events, media_type="text/event-stream")

    @app.post(
        "/api/feedback", tags=["answers"], dependencies=keyed, status_code=201, summary="Did an answer help?"
    )
    def feedback(body: FeedbackRequest, request: Request) -> dict:
        """Kept in the database (PROVISIONS_DATABASE_URL), names, dates, contact details and UPNs
        removed."""
        row = holder.feedback().add(
            question=body.question,
            answer=body.answer,
            helpful=body.helpful,
            reason=body.reason,
            channel="api",
        )
        return {"id": row}

    @app.get(
        "/api/catalogue", tags=["documents"], dependencies=keyed, summary="Stored provisions and passages"
    )
    def catalogue(
        request: Request,
        document: str | None = Query(
            None, examples=["northumberland-belonging-and-attending-framework-2025"]
        ),
        area: str | None = Query(None, examples=["School Climate and Safety"]),
        theme: str | None = Query(None, examples=["The sensory environment"]),
        tier: Annotated[TierName | None, Query(examples=["targeted"])] = None,
    ) -> list[dict]:
        filters = {"document": document, "area": area, "theme": theme, "tier": tier}
        return catalogue_rows(holder.require().units, **filters)

    @app.get("/api/documents", tags=["documents"], dependencies=keyed, summary="The documents answered from")
    def list_documents(request: Request) -> list[dict]:
        return documents(catalogue_rows(holder.require().units))

    from provision_assistant.ui.openai_api import openai_router

    app.include_router(openai_router(holder), dependencies=keyed)
    app.include_router(audit_router(holder, settings), dependencies=keyed)
    if chat:
        import gradio as gr

        from provision_assistant.ui.audit_page import add_audit_page
        from provision_assistant.ui.chat import build_chat, page_assets, page_functions

        blocks = build_chat(holder, settings)
        add_audit_page(blocks, holder, settings)
        app.add_middleware(ChatQueueCheck, functions=lambda session: page_functions(blocks, session))
        # Mounted last, at the root: the API routes above match first.
        gr.mount_gradio_app(
            app,
            blocks,
            path="/",
            root_path=settings.base_path or None,
            footer_links=[],
            **page_assets(),
        )
    return app


def readable(value: object) -> object:
    """The value with every string encodable as UTF-8 (a lone surrogate shown as \\udXXX)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {readable(k): readable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [readable(v) for v in value]
    return value if isinstance(value, int | float | bool | None) else readable(str(value))
