"""The HTTP API on a real uvicorn server on a loopback port, read with httpx and the openai client."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from provision_assistant.ingest.settings import Settings
from provision_assistant.ui.api import create_app
from provision_assistant.ui.server import server_config
from tests.live_server import ThreadedServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CANTEEN = "Year 8 pupil anxious about the canteen"
DISCLOSURE = "a Y5 pupil just told me her stepdad hits her with a belt and she's scared to go home tonight"


class LiveServer(ThreadedServer):
    """The app as `provisions serve` configures it, on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, app, settings: Settings) -> None:
        super().__init__(server_config(app, settings, host="127.0.0.1", port=0, log_level="warning"))


def serve(settings, service=None, **overrides):
    settings = settings.model_copy(update=overrides)
    return LiveServer(create_app(settings, service), settings)


@pytest.fixture(scope="module")
def base(corpus_index, service):
    with serve(corpus_index, service) as url:
        yield url


def test_health_and_the_same_answer_as_the_command_line(base, service):
    assert httpx.get(f"{base}/healthz").json()["status"] == "ready"
    answer = httpx.post(f"{base}/api/ask", json={"question": CANTEEN}, timeout=30).json()
    assert answer == service.ask(CANTEEN).to_json()
    primary = httpx.post(f"{base}/api/ask", json={"question": CANTEEN, "phase": "primary"}, timeout=30)
    assert primary.json()["phase"] == "primary"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": "   "}, "the question is empty"),
        ({"question": "x" * 1001}, "the limit is 1000"),
        ({"question": CANTEEN, "council": "Kent"}, "council must be one the documents name"),
        ({"question": CANTEEN, "phase": "sixth form"}, "phase"),
        ({"question": CANTEEN, "pupil": "Sam"}, "pupil"),
        ({}, "question"),
    ],
)
def test_bad_questions_get_a_4xx_that_names_the_problem(base, body, message):
    response = httpx.post(f"{base}/api/ask", json=body, timeout=30)
    assert response.status_code == 422
    assert message in json.dumps(response.json())


def test_a_body_over_the_limit_is_refused_before_parsing(base):
    response = httpx.post(f"{base}/api/ask", content=b'{"question": "' + b"x" * 20_000 + b'"}')
    assert response.status_code == 413 and "16384 bytes" in response.json()["detail"]


def stream_events(base: str, question: str) -> list[tuple[str, dict]]:
    with httpx.stream("POST", f"{base}/api/ask/stream", json={"question": question}, timeout=30) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = []
        for block in response.read().decode().split("\n\n"):
            if block.strip():
                name, data = block.split("\n", 1)
                events.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def test_streaming_sends_the_answer_in_sections_and_the_sources_at_the_end(base, service):
    events = stream_events(base, CANTEEN)
    names = [name for name, _ in events]
    assert names[0] == "status" and names[-2:] == ["result", "done"] and set(names[1:-2]) == {"answer"}
    expected = service.ask(CANTEEN).to_json()
    assert "".join(d["text"] for n, d in events if n == "answer").strip() == expected["answer"].strip()
    assert events[-2][1]["sources"] == expected["sources"]


def test_a_safeguarding_route_is_the_first_thing_both_streams_send(base, service):
    from openai import OpenAI

    expected = service.ask(DISCLOSURE).to_json()
    route = expected["safeguarding"]["route"]
    events = stream_events(base, DISCLOSURE)
    assert [name for name, _ in events][:3] == ["safeguarding", "status", "answer"]
    assert events[0][1]["route"] == route and events[0][1]["immediate"] is True
    assert events[2][1]["text"].startswith(route) and expected["safeguarding"]["why"] in events[2][1]["text"]
    assert "".join(d["text"] for n, d in events if n == "answer").strip() == expected["answer"].strip()

    client = OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
    messages = [{"role": "user", "content": DISCLOSURE}]
    chunks = list(client.chat.completions.create(model="provision-assistant", messages=messages, stream=True))
    first = next(c.choices[0].delta.content for c in chunks if c.choices[0].delta.content)
    assert first.startswith(route)
    reply = client.chat.completions.create(model="provision-assistant", messages=messages)
    assert reply.model_extra["provision_assistant"]["safeguarding"]["category"] == "physical abuse"


def test_catalogue_filters_and_documents(base):
    rows = httpx.get(
        f"{base}/api/catalogue", params={"tier": "targeted", "area": "School Climate and Safety"}
    )
    assert rows.status_code == 200 and rows.json()
    assert {(r["tier"], r["area"]) for r in rows.json()} == {("targeted", "School Climate and Safety")}
    docs = {d["document"]: d for d in httpx.get(f"{base}/api/documents").json()}
    assert docs["northumberland-belonging-and-attending-framework-2025"]["provisions"] > 300


def test_the_openai_client_reads_the_chat_completion_endpoint(base, service):
    from openai import OpenAI

    client = OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
    expected = service.ask(CANTEEN).to_json()
    reply = client.chat.completions.create(
        model="provision-assistant", messages=[{"role": "user", "content": CANTEEN}]
    )
    assert reply.choices[0].message.content == expected["answer"]
    assert reply.model_extra["provision_assistant"]["suggestions"] == expected["suggestions"]
    stream = client.chat.completions.create(
        model="provision-assistant", messages=[{"role": "user", "content": CANTEEN}], stream=True
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks).strip() == expected["answer"].strip()
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert [m.id for m in client.models.list()] == ["provision-assistant"]


def test_the_schema_documents_the_answer_so_a_client_can_be_generated(base):
    """Issue 13: /openapi.json documented /api/ask's answer as {}."""
    schema = httpx.get(f"{base}/openapi.json").json()
    ok = schema["paths"]["/api/ask"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    answer = schema["components"]["schemas"][ok["$ref"].rsplit("/", 1)[-1]]
    assert {"question", "status", "suggestions", "sources", "answer"} <= set(answer["required"])
    suggestion = schema["components"]["schemas"]["Suggestion"]
    assert suggestion["properties"]["tier"]["enum"] == ["universal", "targeted", "specialist", "none"]


def test_a_client_generated_from_the_schema_reads_an_answer(base, service, tmp_path, monkeypatch):
    """What an intranet team does: generate a typed client from /openapi.json (openapi-python-client)
    and read an answer with it."""
    import subprocess
    import sys
    from pathlib import Path

    schema = tmp_path / "openapi.json"
    schema.write_text(httpx.get(f"{base}/openapi.json").text, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")  # no formatter needed to use it
    generator = Path(sys.executable).with_name("openapi-python-client")
    output = ["--output-path", tmp_path / "provisions_client"]
    subprocess.run(
        [generator, "generate", "--path", schema, "--meta", "none", "--config", config, *output],
        check=True,
        capture_output=True,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from provisions_client import Client
    from provisions_client.api.answers import ask_api_ask_post
    from provisions_client.models import Answer, AskRequest

    answer = ask_api_ask_post.sync(
        client=Client(base_url=base, timeout=30), body=AskRequest(question=CANTEEN)
    )
    assert isinstance(answer, Answer) and answer.status == "answered"
    expected = service.ask(CANTEEN).suggestions
    assert [(s.tier, s.text, s.citation) for s in answer.suggestions] == [
        (s.tier, s.text, s.citation) for s in expected
    ]


def test_the_openai_endpoint_reads_a_follow_up_as_the_chat_does(base, service):
    """Issue 13: /v1/chat/completions answered "and what about at home?" on its own."""
    from openai import OpenAI

    client = OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
    messages = [
        {"role": "user", "content": CANTEEN},
        {"role": "assistant", "content": "(the earlier answer)"},
        {"role": "user", "content": "and what about at home?"},
    ]
    reply = client.chat.completions.create(model="provision-assistant", messages=messages)
    extra = reply.model_extra["provision_assistant"]
    assert extra["follows"] == CANTEEN
    assert extra["suggestions"] == service.ask("Year 8 pupil anxious at home").to_json()["suggestions"]
    assert reply.choices[0].message.content.startswith(f"*Read as a follow-up to: {CANTEEN}*")
    # A route called for earlier still leads, whatever the follow-up's rewrite kept.
    told = [{"role": "user", "content": DISCLOSURE}, {"role": "user", "content": "and at lunchtime?"}]
    reply = client.chat.completions.create(model="provision-assistant", messages=told)
    extra = reply.model_extra["provision_assistant"]
    assert extra["status"] == "safeguarding"
    assert reply.choices[0].message.content.startswith(extra["safeguarding"]["route"])


def test_the_openai_client_sees_a_bad_question_as_a_bad_request(base):
    import openai

    client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError, match="the limit is 1000"):
        client.chat.completions.create(
            model="provision-assistant", messages=[{"role": "user", "content": "x" * 2000}]
        )


def test_api_keys_when_configured(corpus_index, service):
    import openai

    with serve(corpus_index, service, api_keys=["k-one", "k-two"]) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        missing = httpx.post(f"{url}/api/ask", json={"question": CANTEEN})
        assert missing.status_code == 401 and "X-API-Key" in missing.json()["detail"]
        wrong = httpx.post(f"{url}/api/ask", json={"question": CANTEEN}, headers={"X-API-Key": "nope"})
        assert wrong.status_code == 401
        ok = httpx.post(
            f"{url}/api/ask", json={"question": CANTEEN}, headers={"X-API-Key": "k-two"}, timeout=30
        )
        assert ok.status_code == 200
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="k-one", max_retries=0)
        assert client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": CANTEEN}]
        ).choices
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"{url}/v1", api_key="bad", max_retries=0).models.list()


def test_rate_limit_per_key_and_cors_allowlist(corpus_index, service):
    origin = "https://intranet.example-school.sch.uk"
    with serve(corpus_index, service, rate_limit="2/minute", cors_origins=[origin]) as url:
        codes = [httpx.get(f"{url}/api/documents", headers={"X-API-Key": "a"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        detail = httpx.get(f"{url}/api/documents", headers={"X-API-Key": "a"}).json()["detail"]
        assert "2/minute" in detail and "this API key" in detail
        assert httpx.get(f"{url}/api/documents", headers={"X-API-Key": "b"}).status_code == 200
        preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        allowed = httpx.options(f"{url}/api/ask", headers=preflight)
        assert allowed.headers.get("access-control-allow-origin") == origin
        other = httpx.options(f"{url}/api/ask", headers={**preflight, "Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


def test_forwarded_addresses_are_believed_only_from_a_trusted_proxy(corpus_index, service):
    """From loopback, any X-Forwarded-For used to escape the per-address limit (issue 13)."""

    def codes(url: str, addresses: list[str]) -> list[int]:
        return [
            httpx.get(f"{url}/api/documents", headers={"X-Forwarded-For": a}).status_code for a in addresses
        ]

    with serve(corpus_index, service, rate_limit="2/minute") as url:
        assert codes(url, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [200, 200, 429]
        refused = httpx.get(f"{url}/api/documents", headers={"X-Forwarded-For": "203.0.113.4"})
        assert "from this address" in refused.json()["detail"]
    # Behind a proxy the school names, each forwarded address has its own limit.
    with serve(corpus_index, service, rate_limit="2/minute", trusted_proxies=["127.0.0.1"]) as url:
        one, two = "203.0.113.1", "203.0.113.2"
        assert codes(url, [one, one, two, one]) == [200, 200, 200, 429]


def test_oversized_headers_are_refused_naming_the_limit(base):
    response = httpx.get(f"{base}/api/documents", headers={"X-Padding": "x" * 100_000})
    assert response.status_code == 431
    assert "PROVISIONS_MAX_HEADER_BYTES" in response.json()["detail"]


def test_without_an_index_health_says_why_and_the_api_answers_503(settings):
    with serve(settings) as url:
        deadline = time.monotonic() + 30
        while (health := httpx.get(f"{url}/healthz").json())["status"] == "loading":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert health["status"] == "error" and "provisions ingest" in health["detail"]
        response = httpx.post(f"{url}/api/ask", json={"question": CANTEEN})
        assert response.status_code == 503 and "provisions ingest" in response.json()["detail"]


def test_provisions_serve_starts_one_server_that_reports_ready(corpus_index, tmp_path):
    from provision_assistant.evals.serving import serving

    output = tmp_path / "server.log"
    env = {"PROVISIONS_INDEX_DIR": str(corpus_index.index_dir), "PROVISIONS_CORPUS_DIR": "corpus"}
    with serving(env, timeout=120, log_path=output) as server:  # waits for "ready"
        base = server.base
        assert httpx.get(f"{base}/openapi.json").json()["info"]["title"] == "Provision Assistant"
    assert f"{base}/docs" in output.read_text()


def test_feedback_is_stored_without_the_pupils_details(base, corpus_index):
    from provision_assistant.ui.feedback import FeedbackStore

    body = {
        "question": "Jayden (Y8) anxious about the canteen, mum 07700 900123",
        "helpful": True,
        "reason": "good",
    }
    response = httpx.post(f"{base}/api/feedback", json=body)
    assert response.status_code == 201
    row = next(r for r in FeedbackStore(corpus_index.database).all() if r["id"] == response.json()["id"])
    assert row["question"] == "[name] (Y8) anxious about the canteen, mum [phone]" and row["channel"] == "api"
    assert httpx.post(f"{base}/api/feedback", json={"question": "x", "helpful": "maybe"}).status_code == 422


def test_behind_a_reverse_proxy_links_carry_the_base_path(corpus_index, service):
    # The proxy takes /provisions/... off before passing requests on, as uvicorn's root path expects.
    with serve(corpus_index, service, base_path="/provisions") as url:
        assert httpx.get(f"{url}/healthz").json()["status"] == "ready"
        answer = httpx.post(f"{url}/api/ask", json={"question": CANTEEN}, timeout=30)
        assert answer.status_code == 200 and answer.json()["status"] == "answered"
        assert httpx.get(f"{url}/openapi.json").json()["servers"][0]["url"] == "/provisions"
        chat = httpx.get(f"{url}/")
        assert chat.status_code == 200 and re.search(r'"root":"[^"]*/provisions"', chat.text)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{}",
        b'{"fn_index": "x", "session_hash": 5}',
        b'{"data": [], "fn_index": 999999, "session_hash": "a"}',
        b'{"data": [], "fn_index": -1, "session_hash": "a"}',
    ],
    ids=["not-json", "empty", "wrong-types", "no-such-function", "negative-function"],
)
def test_a_malformed_join_of_the_chat_queue_is_refused_not_a_server_error(base, body):
    """Issue 13: the chat's own queue endpoint answered a malformed join with a 500."""
    response = httpx.post(
        f"{base}/gradio_api/queue/join", content=body, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
