"""Ingest while serving: clients keep asking while `provisions ingest` changes the index three times.

On a private copy of the bundled corpus and its own index, it starts the real
server (see `evals.serving`), sets `--clients` askers going, and then runs
`provisions ingest` as a separate process, as an IT team would:

1. a new document is added: the server must move to the new index by itself;
2. a damaged PDF and a decompression bomb are added: the ingest must fail for
   those files alone and the served index must not change;
3. all three are removed: the server must move again.

It reports every failed request, latency before and during the ingests, and
how long the server took to serve each new index. Bounded in time, it stops by
itself; exits 1 if any request failed or any step did not behave as above.

    .venv/bin/python -m provision_assistant.evals.bench_ingest_while_serving [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from provision_assistant.evals.cases import load_cases
from provision_assistant.evals.hostile_pdf import bomb_pdf
from provision_assistant.evals.metrics import percentile
from provision_assistant.evals.serving import OFFLINE, serving
from provision_assistant.evals.suite import DEV_CASES, TEST_CASES
from provision_assistant.ingest.settings import PACKAGE_ROOT

STEP_TIMEOUT = 600.0  # seconds for one ingest, and for the server to pick up its result
NEW_DOCUMENT = "# Breakfast club\n\nA free breakfast club from 8am helps pupils who arrive late and hungry.\n"


class Askers:
    """Clients asking the gold questions in turn until stopped; each request is timed."""

    def __init__(self, base: str, questions: list[str], clients: int) -> None:
        self.base, self.questions = base, questions
        self.results: list[tuple[float, int | str, float]] = []  # (when, status or error, ms)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._ask, args=(n,), daemon=True) for n in range(clients)]

    def _ask(self, offset: int) -> None:
        with httpx.Client(base_url=self.base, timeout=60, trust_env=False) as client:
            n = offset
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    status: int | str = client.post(
                        "/api/ask", json={"question": self.questions[n % len(self.questions)]}
                    ).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                self.results.append((time.monotonic(), status, (time.perf_counter() - started) * 1000))
                n += len(self._threads)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=90)


def _served_index(base: str) -> str | None:
    return httpx.get(f"{base}/healthz", timeout=10, trust_env=False).json().get("index")


def _ingest(corpus: Path, env: dict[str, str]) -> tuple[int, float, str]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "provision_assistant.ui.cli", "ingest", "--quiet", str(corpus)],
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    return done.returncode, time.monotonic() - started, (done.stdout + done.stderr).strip()


def _wait_for_new_index(base: str, old: str | None) -> float:
    started = time.monotonic()
    while _served_index(base) == old:
        if time.monotonic() - started > STEP_TIMEOUT:
            raise RuntimeError(f"the server was still serving {old} after {STEP_TIMEOUT:.0f} s")
        time.sleep(0.1)
    return time.monotonic() - started


def _change_the_index(base: str, corpus: Path, env: dict[str, str]) -> list[str]:
    """The three ingests; what did not behave as it should."""
    problems = []
    first = _served_index(base)
    (corpus / "breakfast-club.md").write_text(NEW_DOCUMENT, encoding="utf-8")
    code, seconds, _ = _ingest(corpus, env)
    picked_up = _wait_for_new_index(base, first)
    print(f"1. new document: ingest exit {code} in {seconds:.1f} s; served {picked_up:.1f} s later")
    problems += [f"step 1: ingest exited {code}"] if code else []

    second = _served_index(base)
    (corpus / "damaged.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    bomb_pdf(corpus / "bomb.pdf")
    code, seconds, output = _ingest(corpus, env)
    time.sleep(3)  # three reload checks: the server must still serve the same index
    unchanged = _served_index(base) == second
    print(f"2. bad files: ingest exit {code} in {seconds:.1f} s; the served index unchanged: {unchanged}")
    print("   " + "\n   ".join(line for line in output.splitlines() if "not ingested" in line))
    problems += [] if code == 1 and unchanged else ["step 2: the failed ingest changed something"]

    for name in ("breakfast-club.md", "damaged.pdf", "bomb.pdf"):
        (corpus / name).unlink()
    code, seconds, _ = _ingest(corpus, env)
    picked_up = _wait_for_new_index(base, second)
    print(f"3. removed again: ingest exit {code} in {seconds:.1f} s; served {picked_up:.1f} s later")
    return problems + ([f"step 3: ingest exited {code}"] if code else [])


def _report(results: list[tuple[float, int | str, float]], began: float, clients: int) -> list[str]:
    quiet = [ms for when, status, ms in results if status == 200 and when < began]
    busy = [ms for when, status, ms in results if status == 200 and when >= began]
    failed = Counter(str(status) for _, status, _ in results if status != 200)
    print(f"{len(results)} requests from {clients} clients; failed: {dict(failed) or 'none'}")
    for name, values in (("before the ingests", quiet), ("during the ingests", busy)):
        if values:
            p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
            print(f"{name}: {len(values)} ok, p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    return [f"{n} request(s) failed with {kind}" for kind, n in failed.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4, help="clients asking at once")
    parser.add_argument("--quiet-seconds", type=float, default=10.0, help="asking before any ingest")
    args = parser.parse_args(argv)
    questions = [c.question for c in load_cases([DEV_CASES, TEST_CASES])]
    with tempfile.TemporaryDirectory(prefix="provisions-ingest-bench-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(PACKAGE_ROOT / "corpus", corpus)
        env = {
            **os.environ,
            **OFFLINE,
            "PROVISIONS_INDEX_DIR": str(index),
            "PROVISIONS_CORPUS_DIR": str(corpus),
        }
        code, seconds, _ = _ingest(corpus, env)
        print(f"first ingest of the bundled corpus: exit {code}, {seconds:.0f} s")
        server_env = {**env, "PROVISIONS_RELOAD_SECONDS": "1", "PROVISIONS_RATE_LIMIT": "1000000/minute"}
        with serving(server_env) as server:
            base = server.base
            askers = Askers(base, questions, args.clients)
            askers.start()
            time.sleep(args.quiet_seconds)
            began = time.monotonic()
            try:
                problems = _change_the_index(base, corpus, env)
            finally:
                askers.stop()
    problems += _report(askers.results, began, args.clients)
    print("problems: " + ("; ".join(problems) or "none"))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
