"""Throughput with one and with two app processes over the same Chroma server, and the resident
memory of each process.

    .venv/bin/python -m provision_assistant.evals.bench_replicas [--requests 120] [--concurrency 4]

Starts a Chroma server (`chroma run`) in a scratch folder and ingests the bundled corpus into it;
then starts one `provisions serve` and sends --requests development questions from --concurrency
clients; then two processes over the same server, the requests spread over both in turn, as a
round-robin balancer would. A few warm-up questions go to each process first. Prints requests per
second for each, the ratio of two to one, answer p50 and p95, and each process's resident memory
after its run. Every request has a timeout and the run a deadline, so it stops by itself; exits 1
if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from pathlib import Path

from provision_assistant.evals.bench_load import RATE_LIMIT, Phase, send
from provision_assistant.evals.cases import load_cases
from provision_assistant.evals.metrics import percentile
from provision_assistant.evals.serving import resident_mb, running_chroma, serving
from provision_assistant.evals.suite import DEV_CASES
from provision_assistant.ingest.settings import get_settings

WARM_UP = 3


def _ingest(chroma_url: str, scratch: Path) -> None:
    from provision_assistant.ingest.pipeline import ingest
    from provision_assistant.ingest.store import make_embeddings

    settings = get_settings().model_copy(update={"chroma_url": chroma_url, "index_dir": scratch / "index"})
    report = ingest([settings.corpus_dir], settings, lambda: make_embeddings(settings))
    if not report.ok:
        raise SystemExit(f"the bundled corpus did not ingest: {report.failures}")


def measure(env: dict[str, str], processes: int, questions: list[str], args, scratch: Path):
    """(the loaded phase, each process's resident MB) with `processes` servers."""
    with contextlib.ExitStack() as stack:
        served = [
            stack.enter_context(serving(env, log_path=scratch / f"serve-{processes}-{n}.log"))
            for n in range(processes)
        ]
        bases = [s.base for s in served]
        deadline = time.monotonic() + args.deadline
        for base in bases:
            asyncio.run(send([base], questions, WARM_UP, 1, deadline))
        phase = asyncio.run(send(bases, questions, args.requests, args.concurrency, deadline))
        return phase, [resident_mb(s.pid) for s in served]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=120, help="questions sent in each run")
    parser.add_argument("--concurrency", type=int, default=4, help="clients sending at once")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds before no more are sent")
    args = parser.parse_args(argv)
    if min(args.requests, args.concurrency) < 1:
        parser.error("--requests and --concurrency must be at least 1")
    questions = [c.question for c in load_cases([DEV_CASES])]
    runs: dict[int, tuple[Phase, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
        scratch = Path(tmp)
        with running_chroma(scratch / "chroma") as chroma_url:
            _ingest(chroma_url, scratch)
            env = {
                "PROVISIONS_CHROMA_URL": chroma_url,
                "PROVISIONS_INDEX_DIR": str(scratch / "index"),
                "PROVISIONS_RATE_LIMIT": RATE_LIMIT,
            }
            for processes in (1, 2):
                runs[processes] = measure(env, processes, questions, args, scratch)

    print(f"{args.requests} development questions from {args.concurrency} clients; one Chroma server")
    columns = f"{'processes':>9} {'ok':>5} {'failed':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}"
    print(f"{columns}  resident MB each")
    for processes, (phase, rss) in runs.items():
        ok = phase.latencies
        p50, p95 = (percentile(ok, 0.5), percentile(ok, 0.95)) if ok else (float("nan"),) * 2
        print(
            f"{processes:>9} {len(ok):>5} {phase.failures.total():>6} {len(ok) / phase.seconds:>7.2f}"
            f" {p50:>8.0f} {p95:>8.0f}  {', '.join(f'{m:.0f}' for m in rss)}"
        )
    one, two = (len(runs[n][0].latencies) / runs[n][0].seconds for n in (1, 2))
    print(f"throughput, two processes / one: {two / one:.2f}x")
    failed = sum(phase.failures.total() for phase, _ in runs.values())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
