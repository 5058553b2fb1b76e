"""Seeded identifying details, sent through every front end, reach no log and no store.

The real `provisions -v serve` runs in a subprocess with its output in a file; questions,
feedback and query strings carry a name, dates of birth, a UPN, an address, a postcode,
a phone number and an email. Afterwards no detail, raw or URL-encoded, may be in the
server's output, the feedback SQLite file or any file under the index folder or the
test's temporary folder. `provisions -v ask` must not log the question either.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from provision_assistant.evals.serving import OFFLINE, serving
from provision_assistant.ingest.settings import PACKAGE_ROOT
from tests.test_privacy import SEEDED

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DETAILS = [*SEEDED, "Jayden Smith"]
ALL_DETAILS = "Jayden Smith in Y8 is anxious about the canteen; " + "; ".join(SEEDED.values())
DISCLOSURE = "Jayden Smith (DOB 12/03/2012) told me his stepdad hits him, mum's number 07700 900123"
TOO_LONG = (ALL_DETAILS + " ") * 6  # over the 1,000-character limit, under the 16 KB body limit
PERCENT_URL = "/api/catalogue?theme=Jayden%20Smith&area=07700%20900123"
STARTUP_SECONDS, REQUEST_SECONDS = 120, 30


def _forms(detail: str) -> set[str]:
    """The detail as typed and as it looks inside a URL."""
    return {detail, quote(detail), quote(detail, safe=""), quote_plus(detail)}


FORMS = {form: detail for detail in DETAILS for form in _forms(detail)}


def leaks_in(text: str) -> list[tuple[str, str]]:
    """(form found, line) for every seeded detail in the text."""
    return [(form, line) for line in text.splitlines() for form in FORMS if form in line]


def _env(index_dir: Path, corpus_dir: Path, tmp: Path, feedback: Path | None = None) -> dict[str, str]:
    env = {
        **os.environ,
        **OFFLINE,
        "PROVISIONS_INDEX_DIR": str(index_dir),
        "PROVISIONS_CORPUS_DIR": str(corpus_dir),
        # Any temporary file the server writes lands where the scan below looks.
        "TMPDIR": str(tmp / "tmpdir"),
        "GRADIO_TEMP_DIR": str(tmp / "gradio"),
    }
    if feedback is not None:
        env["PROVISIONS_FEEDBACK_FILE"] = str(feedback)
    (tmp / "tmpdir").mkdir(exist_ok=True)
    return env


@dataclass
class Served:
    output_path: Path
    output: str
    tmp: Path
    index_dir: Path
    feedback: Path
    statuses: dict[str, int] = field(default_factory=dict)
    answers: dict[str, dict] = field(default_factory=dict)
    query_urls: list[str] = field(default_factory=list)


def _send_everything(client: httpx.Client, served: Served) -> None:
    """Every API route that takes text, with the details in bodies and in query strings."""

    def post(name: str, path: str, body: dict) -> httpx.Response:
        response = client.post(path, json=body)
        response.read()
        served.statuses[name] = response.status_code
        return response

    served.answers["ask"] = post("ask", "/api/ask", {"question": ALL_DETAILS}).json()
    served.answers["disclosure"] = post("disclosure", "/api/ask", {"question": DISCLOSURE}).json()
    post("ask too long", "/api/ask", {"question": TOO_LONG})
    post("ask unknown field", "/api/ask", {"question": DISCLOSURE, "pupil": "Jayden Smith"})
    post("stream", "/api/ask/stream", {"question": ALL_DETAILS})
    post("stream disclosure", "/api/ask/stream", {"question": DISCLOSURE})
    post("stream too long", "/api/ask/stream", {"question": TOO_LONG})
    chat = {"model": "provision-assistant", "messages": [{"role": "user", "content": ALL_DETAILS}]}
    post("chat", "/v1/chat/completions", chat)
    disclosure = {"messages": [{"role": "user", "content": DISCLOSURE}], "stream": True}
    post("chat stream disclosure", "/v1/chat/completions", disclosure)
    post("chat too long", "/v1/chat/completions", {"messages": [{"role": "user", "content": TOO_LONG}]})
    answer = served.answers["ask"].get("answer", "")
    post(
        "feedback",
        "/api/feedback",
        {
            "question": ALL_DETAILS,
            "answer": f"{answer}\n\nFor {ALL_DETAILS}",
            "helpful": False,
            "reason": f"Jayden Smith's mum Sarah Jones (07700 900123) said no; {ALL_DETAILS}",
        },
    )
    post(
        "feedback disclosure",
        "/api/feedback",
        {"question": DISCLOSURE, "answer": served.answers["disclosure"].get("answer", ""), "helpful": True},
    )
    post("feedback too long", "/api/feedback", {"question": TOO_LONG * 2, "helpful": True})
    for detail in DETAILS:  # httpx encodes a space as '+'
        response = client.get("/api/catalogue", params={"theme": detail})
        served.statuses[f"catalogue theme={detail}"] = response.status_code
        served.query_urls.append(f"{response.request.url.path}?{response.request.url.query.decode()}")
    response = client.get(PERCENT_URL)  # and as a browser does, '%20'
    served.statuses["catalogue %20"] = response.status_code
    served.query_urls.append(f"{response.request.url.path}?{response.request.url.query.decode()}")


@pytest.fixture(scope="module")
def served(tmp_path_factory, corpus_index) -> Served:
    """The server started, asked everything, and stopped; what it left behind."""
    tmp = tmp_path_factory.mktemp("privacy-serve")
    output_path = tmp / "server-output.log"
    feedback = tmp / "feedback" / "feedback.sqlite3"
    env = _env(corpus_index.index_dir, corpus_index.corpus_dir, tmp, feedback)
    result = Served(output_path, "", tmp, corpus_index.index_dir, feedback)
    with (
        serving(env, timeout=STARTUP_SECONDS, log_path=output_path, verbose=True) as server,
        # trust_env=False: no proxy may carry loopback traffic.
        httpx.Client(base_url=server.base, trust_env=False, timeout=REQUEST_SECONDS) as client,
    ):
        _send_everything(client, result)
    result.output = output_path.read_text(errors="replace")
    return result


def test_every_request_reached_the_application(served):
    """Not vacuous: the questions were answered, refused where too long, and the feedback stored."""
    assert served.statuses == {
        "ask": 200,
        "disclosure": 200,
        "ask too long": 422,
        "ask unknown field": 422,
        "stream": 200,
        "stream disclosure": 200,
        "stream too long": 422,
        "chat": 200,
        "chat stream disclosure": 200,
        "chat too long": 400,
        "feedback": 201,
        "feedback disclosure": 201,
        "feedback too long": 422,
        **{f"catalogue theme={d}": 200 for d in DETAILS},
        "catalogue %20": 200,
    }
    assert served.answers["disclosure"]["status"] == "safeguarding"
    assert "Provision Assistant is starting" in served.output and "model and index loaded" in served.output
    with contextlib.closing(sqlite3.connect(f"file:{served.feedback}?mode=ro", uri=True)) as db:
        rows = db.execute("SELECT question, reason FROM feedback ORDER BY id").fetchall()
    assert len(rows) == 2 and "[name]" in rows[0][0] and "anxious about the canteen" in rows[0][0]


def test_the_server_output_holds_no_detail_sent_in_a_request_body(served):
    # The access-log lines of the catalogue GETs carry their query strings; the next test covers them.
    leaks = [(form, line) for form, line in leaks_in(served.output) if '"GET /api/catalogue?' not in line]
    assert not leaks, "\n".join(f"{form!r} in: {line}" for form, line in leaks)


def test_the_server_output_holds_no_detail_sent_in_a_query_string(served):
    # uvicorn's access log wrote each request line with its query string until DropQueryStrings.
    assert "/api/catalogue?[query removed]" in served.output
    assert PERCENT_URL in served.query_urls and "/api/catalogue?theme=Jayden+Smith" in served.query_urls
    leaks = leaks_in(served.output)
    assert not leaks, "\n".join(f"{form!r} in: {line}" for form, line in leaks)


def test_the_feedback_store_holds_no_detail_in_its_files(served):
    files = [p for p in served.feedback.parent.iterdir() if p.name.startswith(served.feedback.name)]
    assert served.feedback in files  # with any -wal, -shm or -journal beside it
    for path in files:
        raw = path.read_bytes()
        found = sorted({form for form in FORMS if form.encode() in raw})
        assert not found, f"{path.name} holds {found}"


def test_no_file_under_the_index_or_the_temporary_folder_holds_a_detail(served):
    scanned, found = 0, []
    for root in (served.index_dir, served.tmp):
        for path in root.rglob("*"):
            if not path.is_file() or path == served.output_path:  # the output has its own tests
                continue
            raw = path.read_bytes()
            scanned += 1
            found += [(str(path), form) for form in FORMS if form.encode() in raw]
    assert scanned > 1 and not found, found


def test_the_command_line_logs_no_detail_of_the_question(corpus_index, tmp_path):
    """`provisions -v ask`: stdout is the answer for the person asking; stderr (the logs) keeps no detail."""
    env = _env(corpus_index.index_dir, corpus_index.corpus_dir, tmp_path)
    asked = subprocess.run(
        [sys.executable, "-m", "provision_assistant.ui.cli", "-v", "ask", f"{ALL_DETAILS}. {DISCLOSURE}"],
        env=env,
        cwd=PACKAGE_ROOT,
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
    )
    assert asked.returncode == 0, asked.stderr[-3000:]
    assert "loading embedding model" in asked.stderr  # -v took effect: INFO logs are on stderr
    assert asked.stdout.strip()  # the answer, shown to the person who asked; it may echo the question
    leaks = leaks_in(asked.stderr)
    assert not leaks, "\n".join(f"{form!r} in: {line}" for form, line in leaks)
