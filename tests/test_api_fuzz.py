"""The HTTP API fuzzed from the OpenAPI schema it serves, and fed hostile input, on a real uvicorn server.

Schemathesis's own pytest integration for a schema known only at run time (`schemathesis.pytest.from_fixture`)
fails under pytest 9.2: it rewrites `request.node._nodeid`, which pytest 9.2 no longer has. So the schema
is loaded from the live server in a fixture and each operation's Hypothesis strategies are driven here.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from provision_assistant.ui.api import create_app
from tests.test_api import LiveServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CANTEEN = "Year 8 pupil anxious about the canteen"

# Every operation the API serves; a test below fails if the schema gains or loses one.
OPERATIONS = [
    "GET /healthz",
    "POST /api/ask",
    "POST /api/ask/stream",
    "POST /api/feedback",
    "GET /api/catalogue",
    "GET /api/documents",
    "GET /v1/models",
    "POST /v1/chat/completions",
    "POST /api/audits",
    "GET /api/audits/{audit_id}",
    "PUT /api/audits/{audit_id}/answers/{unit_id}",
    "GET /api/audits/{audit_id}/summary",
    "GET /api/audits/{audit_id}/plan",
    "GET /api/audits/{audit_id}/export",
    "GET /api/audits/{audit_id}/compare",
]
NOT_UTF8_BODY = b'{"question": "\xff\xfe"}'
# Always tried, besides the generated cases: a real answer, and the requests that show the gaps below.
SEEDS = {
    "POST /api/ask": [{"question": CANTEEN}, {"question": ""}, NOT_UTF8_BODY],
    "POST /api/ask/stream": [{"question": CANTEEN}, {"question": ""}, NOT_UTF8_BODY],
    "POST /api/feedback": [
        {"question": CANTEEN, "helpful": True},
        # within the documented 10,000 characters, but over PROVISIONS_MAX_BODY_BYTES once encoded
        {"question": CANTEEN, "helpful": True, "answer": "é" * 10_000},
        NOT_UTF8_BODY,
    ],
    "POST /v1/chat/completions": [
        {"messages": [{"role": "user", "content": CANTEEN}]},
        {"messages": [{"role": "user", "content": CANTEEN}], "stream": True},
        {"messages": [{"role": "tool"}]},
        NOT_UTF8_BODY,
    ],
}
# Bounded and the same on every run: at most 30 generated cases per operation (valid and invalid
# together), no example database.
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def fuzz_base(corpus_index, service, tmp_path_factory):
    """The API alone (the Gradio chat is not part of the OpenAPI contract), with no rate limit to speak of."""
    fuzz_settings = corpus_index.model_copy(
        update={
            "rate_limit": "1000000/minute",  # so 429s never mask an answer
            # fuzzed feedback goes to a store of its own, not the session's
            "feedback_file": tmp_path_factory.mktemp("fuzz-feedback") / "feedback.sqlite3",
        }
    )
    with LiveServer(create_app(fuzz_settings, service, chat=False), fuzz_settings) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(fuzz_base):
    # An oversize body is refused with 413 before it is parsed: a rejection of invalid data all the same.
    rejections = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
    config = schemathesis.Config.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": rejections}}}
    )
    return schemathesis.openapi.from_url(f"{fuzz_base}/openapi.json", config=config, timeout=30)


def fuzz(api_schema, label: str, check: Callable[[Case], None]) -> int:
    """Run `check` on the seeds and on generated valid and invalid cases for one operation; how many ran."""
    method, path = label.split(" ")
    operation = api_schema[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )
    ran = 0

    def run(case: Case) -> None:
        nonlocal ran
        ran += 1
        check(case)

    test = given(case=cases)(FUZZ(run))
    for body in SEEDS.get(label, []):
        test = example(case=operation.Case(body=body, media_type="application/json"))(test)
    test()
    print(f"{label}: {ran} cases")
    return ran


def test_the_fuzzed_operations_are_all_the_served_ones(api_schema):
    served = [op.ok().label for op in api_schema.get_all_operations()]
    assert sorted(served) == sorted(OPERATIONS)


def no_server_error(case: Case) -> None:
    case.call_and_validate(checks=[not_a_server_error], timeout=60)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_generated_request_gets_a_server_error(api_schema, label):
    assert fuzz(api_schema, label, no_server_error)


# The schema cannot say what the answer service alone knows (which councils the documents name; that a
# question needs printable text within PROVISIONS_MAX_QUESTION_CHARS; that a chat needs a user message),
# so a schema-valid request it rejects is not a conformance failure.
NOT_CONFORMANCE = [positive_data_acceptance]


def conforms(case: Case) -> None:
    case.call_and_validate(excluded_checks=NOT_CONFORMANCE, timeout=60)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_response_conforms_to_the_schema(api_schema, label):
    assert fuzz(api_schema, label, conforms)


# Hostile and odd input, each with the message that must name the problem.
JSON = {"content-type": "application/json"}
OVERSIZE = b'{"question": "' + b"x" * 20_000 + b'"}'


def ask(question: str) -> dict:
    return {"json": {"question": question}}


def chat(content: str) -> dict:
    return {"json": {"model": "provision-assistant", "messages": [{"role": "user", "content": content}]}}


def raw(body: bytes) -> dict:
    return {"content": body, "headers": JSON}


ZERO_WIDTH = "\u200b\u202e"  # zero-width space, right-to-left override


@pytest.mark.parametrize(
    ("path", "request_kwargs", "message"),
    [
        pytest.param("/api/ask", ask(""), "the question is empty", id="ask-empty"),
        pytest.param("/api/ask", ask("  \t\n "), "the question is empty", id="ask-whitespace"),
        pytest.param("/api/ask", ask("x" * 2000), "2000 characters long; the limit is 1000", id="ask-2000"),
        pytest.param("/api/ask", ask("\x00\x01\x02"), "the question is empty", id="ask-control-chars"),
        pytest.param("/api/ask", ask(ZERO_WIDTH), "the question is empty", id="ask-zero-width-rtl"),
        pytest.param(
            "/api/ask", raw(b'{"question": "\\ud800"}'), "the question is empty", id="ask-lone-surrogate"
        ),
        pytest.param(
            "/api/ask",
            raw(b'{"question": "canteen", "phase": "\\ud800"}'),
            "phase",
            id="ask-lone-surrogate-phase",
        ),
        pytest.param(
            "/api/ask",
            raw(b'{"question": "\xff\xfe"}'),
            "UTF-8",
            id="ask-invalid-utf8",
        ),
        pytest.param(
            "/api/ask",
            raw(b'{"question": "\xed\xa0\x80"}'),  # a surrogate encoded as if it were UTF-8
            "UTF-8",
            id="ask-encoded-surrogate",
        ),
        pytest.param(
            "/api/ask",
            {"json": [{"question": CANTEEN}]},
            "valid dictionary or object",
            id="ask-json-array",
        ),
        pytest.param("/api/ask", raw(b"question=canteen"), "JSON decode error", id="ask-not-json"),
        pytest.param("/api/ask", raw(OVERSIZE), "larger than the limit of 16384 bytes", id="ask-oversize"),
        # The OpenAI-compatible endpoint's own errors are OpenAI's {"error": {"message": ...}}.
        pytest.param("/v1/chat/completions", chat(""), "no user message", id="chat-empty"),
        pytest.param("/v1/chat/completions", chat("  \t\n "), "no user message", id="chat-whitespace"),
        pytest.param(
            "/v1/chat/completions",
            chat("x" * 2000),
            "2000 characters long; the limit is 1000",
            id="chat-2000",
        ),
        pytest.param(
            "/v1/chat/completions", chat("\x00\x01\x02"), "the question is empty", id="chat-control-chars"
        ),
        pytest.param(
            "/v1/chat/completions", chat(ZERO_WIDTH), "the question is empty", id="chat-zero-width-rtl"
        ),
        pytest.param(
            "/v1/chat/completions",
            raw(b'{"messages": [{"role": "user", "content": "\\ud800"}]}'),
            "the question is empty",
            id="chat-lone-surrogate",
        ),
        pytest.param(
            "/v1/chat/completions",
            raw(b'{"messages": [{"role": "user", "content": "canteen"}], "phase": "\\ud800"}'),
            "phase",
            id="chat-lone-surrogate-phase",
        ),
        pytest.param(
            "/v1/chat/completions",
            raw(b'{"messages": [{"role": "user", "content": "\xff\xfe"}]}'),
            "UTF-8",
            id="chat-invalid-utf8",
        ),
        pytest.param(
            "/v1/chat/completions",
            {"json": [{"messages": [{"role": "user", "content": CANTEEN}]}]},
            "valid dictionary or object",
            id="chat-json-array",
        ),
        pytest.param(
            "/v1/chat/completions", raw(b"question=canteen"), "JSON decode error", id="chat-not-json"
        ),
        pytest.param(
            "/v1/chat/completions",
            raw(b'{"messages": [{"role": "user", "content": "' + b"x" * 20_000 + b'"}]}'),
            "larger than the limit of 16384 bytes",
            id="chat-oversize",
        ),
        # Not /api/ask, but the same fault where it hurts most: the question field itself.
        pytest.param(
            "/api/feedback",
            raw(b'{"question": "\\ud800", "helpful": true}'),
            "question",
            id="feedback-lone-surrogate",
        ),
        pytest.param(
            "/api/feedback",
            {"json": {"question": ZERO_WIDTH + "  ", "helpful": True}},
            "the question is empty",
            id="feedback-no-words",
        ),
        # JSON has true and false; a client sending "yes" or 1 has a bug the API should show it.
        pytest.param(
            "/api/feedback", {"json": {"question": CANTEEN, "helpful": "yes"}}, "boolean", id="feedback-yes"
        ),
        pytest.param(
            "/api/feedback", {"json": {"question": CANTEEN, "helpful": 1}}, "boolean", id="feedback-1"
        ),
    ],
)
def test_hostile_input_gets_a_4xx_that_names_the_problem(fuzz_base, path, request_kwargs, message):
    response = httpx.post(f"{fuzz_base}{path}", timeout=30, **request_kwargs)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    problem = body["error"]["message"] if "error" in body else body["detail"]
    assert message in json.dumps(problem, ensure_ascii=False), body


def test_an_unknown_tier_in_the_catalogue_is_refused_naming_the_tiers(fuzz_base):
    response = httpx.get(f"{fuzz_base}/api/catalogue", params={"tier": "superduper"})
    assert response.status_code == 422
    assert "'universal', 'targeted' or 'specialist'" in json.dumps(response.json()["detail"])


def test_a_zero_width_space_inside_a_word_is_dropped_not_spaced(fuzz_base):
    """Pasted from a document or a phone, "bul\u200blied" must be read as "bullied"."""
    plain = httpx.post(f"{fuzz_base}/api/ask", json={"question": "Y5 pupil being bullied"}, timeout=30)
    pasted = httpx.post(f"{fuzz_base}/api/ask", json={"question": "Y5 pupil being bul\u200blied"}, timeout=30)
    assert pasted.json()["question"] == "Y5 pupil being bullied"
    assert pasted.json()["suggestions"] == plain.json()["suggestions"]
