"""Answer latency under concurrent load against one request at a time, on the real server.

Starts `provisions serve` as staff would run it (see `evals.serving`), with the
rate limit raised to PROVISIONS_RATE_LIMIT=1000000/minute so that the limiter
does not refuse the test's own traffic. After a warm-up it asks the gold
questions one at a time, then all at once from `--concurrency` clients; the
ratio of the loaded p95 to the single p95 is the figure to watch. Every phase
is bounded in count, each request has a timeout and the run a deadline, so it
always stops by itself. Exits 1 if any request failed (not 200, or an error).

    .venv/bin/python -m provision_assistant.evals.bench_load [--requests 500] [--concurrency 20] [--single N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from provision_assistant.evals.cases import load_cases
from provision_assistant.evals.metrics import percentile
from provision_assistant.evals.serving import serving
from provision_assistant.evals.suite import DEV_CASES, TEST_CASES

RATE_LIMIT = "1000000/minute"
REQUEST_TIMEOUT = 60.0  # seconds, for the whole request, not just each read
WARM_UP = 5


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)  # ms, successful requests only
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


async def send(
    bases: Sequence[str], questions: list[str], total: int, concurrency: int, deadline: float
) -> Phase:
    """Send `total` questions from `concurrency` clients, cycling through the gold questions and
    through the servers at `bases` (request i to server i mod n, as a round-robin balancer)."""
    phase = Phase()
    indices = iter(range(total))  # shared by the workers, so each request is sent once
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # trust_env=False: a proxy from the environment must never carry loopback traffic.
    async with httpx.AsyncClient(limits=limits, timeout=None, trust_env=False) as client:

        async def worker() -> None:
            for i in indices:
                if time.monotonic() > deadline:
                    phase.failures["not sent: deadline passed"] += 1
                    continue
                question = questions[i % len(questions)]
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT):
                        url = f"{bases[i % len(bases)]}/api/ask"
                        response = await client.post(url, json={"question": question})
                except Exception as exc:  # every exception is a failure to count, not to crash on
                    phase.failures[type(exc).__name__] += 1
                    continue
                if response.status_code == 200:
                    phase.latencies.append((time.perf_counter() - started) * 1000)
                else:
                    phase.failures[f"HTTP {response.status_code}"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        phase.seconds = time.perf_counter() - started
    return phase


def _stats(values: list[float]) -> tuple[float, float, float] | None:
    if not values:
        return None
    return percentile(values, 0.5), percentile(values, 0.95), max(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests sent under load")
    parser.add_argument("--concurrency", type=int, default=20, help="clients sending at once under load")
    parser.add_argument(
        "--single", type=int, help="requests sent one at a time (default: each gold question once)"
    )
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds before no more are sent")
    args = parser.parse_args(argv)
    questions = [c.question for c in load_cases([DEV_CASES, TEST_CASES])]
    args.single = args.single or len(questions)  # the same questions as under load, for a fair ratio
    if min(args.requests, args.concurrency, args.single) < 1:
        parser.error("--requests, --concurrency and --single must be at least 1")
    with serving({"PROVISIONS_RATE_LIMIT": RATE_LIMIT}) as server:
        base = server.base
        deadline = time.monotonic() + args.deadline
        phases = {
            "warm-up": asyncio.run(send([base], questions, WARM_UP, 1, deadline)),
            "single": asyncio.run(send([base], questions, args.single, 1, deadline)),
            "loaded": asyncio.run(send([base], questions, args.requests, args.concurrency, deadline)),
        }

    print(f"server {base}, rate limit raised to {RATE_LIMIT} for this test")
    print(
        f"{len(questions)} gold questions; {WARM_UP} warm-up, {args.single} single, "
        f"{args.requests} at concurrency {args.concurrency}"
    )
    print(f"{'':8}{'ok':>6}{'failed':>8}")
    for name, phase in phases.items():
        print(f"{name:8}{len(phase.latencies):>6}{phase.failures.total():>8}")
    failures = [f"{name}: {kind} x{n}" for name, p in phases.items() for kind, n in p.failures.items()]
    print("failures: " + ("; ".join(sorted(failures)) or "none"))
    print(f"{'':8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name in ("single", "loaded"):
        stats = _stats(phases[name].latencies)
        print(f"{name:8}" + ("".join(f"{v:>10.1f}" for v in stats) if stats else f"{'n/a':>10}"))
    loaded = phases["loaded"]
    print(
        f"throughput under load: {len(loaded.latencies) / loaded.seconds:.2f} requests/s "
        f"({len(loaded.latencies)} ok in {loaded.seconds:.1f} s)"
    )
    single_stats, loaded_stats = _stats(phases["single"].latencies), _stats(loaded.latencies)
    if single_stats and loaded_stats:
        print(f"loaded p95 / single p95: {loaded_stats[1] / single_stats[1]:.2f}x")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
