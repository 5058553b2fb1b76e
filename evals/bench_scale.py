"""How answer latency and ingest cost grow with the corpus: 1×, 5× and 20× the bundled documents.

    .venv/bin/python -m provision_assistant.evals.bench_scale [--sizes 1,5,20] [--questions 30]
        [--index embedded,server]

For each size, a scratch corpus holds the bundled documents and, for a size of n, n-1 generated
councils' copies of every one (each copy its own document and its own council, as a region
serving many councils would hold). It is ingested into a scratch index, embedded or on a Chroma
server started for it (`--index`; both by default), with the real model (timed), ingested again
unchanged (timed: the share of a full ingest it costs), then the development questions are
answered, each timed beside the floor (one query embedding and one vector search in the same
index), alternately after a warm-up. Prints, per size: units, full
and unchanged ingest, answer p50 and p95, the floor's p95, p95 / floor, and p95 against the
smallest size's, the process's resident memory with that index's service loaded (the
services of earlier sizes are closed, though Python may keep some of their memory), and the p95
of the same questions scoped to one council's documents (a Chroma filter: the same two
documents at every size). Stops by
itself; it takes minutes (20× embeds about 14,000 units).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml

from provision_assistant.evals.bench_latency import search_floor
from provision_assistant.evals.cases import load_cases
from provision_assistant.evals.metrics import percentile
from provision_assistant.evals.runner import timed
from provision_assistant.evals.serving import resident_mb, running_chroma
from provision_assistant.evals.suite import DEV_CASES
from provision_assistant.ingest.settings import Settings, get_settings
from provision_assistant.retrieval.scope import Scope

# A scope to one council's documents, the same two at every size: the copies are other councils'.
SCOPED_COUNCIL = "Northumberland"


def scaled_corpus(source: Path, folder: Path, size: int) -> Path:
    """The bundled corpus and `size - 1` councils' copies of each document, with their manifest."""
    folder.mkdir(parents=True)
    manifest = yaml.safe_load((source / "manifest.yaml").read_text(encoding="utf-8"))
    entries = dict(manifest["documents"])
    for path in sorted(source.glob("*.txt")):
        shutil.copy(path, folder / path.name)
        for n in range(1, size):
            copy = f"{path.stem}-council-{n}{path.suffix}"
            shutil.copy(path, folder / copy)
            entry = dict(entries.get(path.name, {"title": path.stem}))
            entry["local_authority"] = f"Generated Council {n}"
            entries[copy] = entry
    (folder / "manifest.yaml").write_text(yaml.safe_dump({"documents": entries}), encoding="utf-8")
    return folder


def measure(settings: Settings, embeddings, questions: list[str]) -> dict[str, float]:
    from provision_assistant.ingest.pipeline import ingest
    from provision_assistant.retrieval.service import AnswerService

    def ingested():
        return ingest([settings.corpus_dir], settings, lambda: embeddings, progress=False)

    report, full_ms = timed(ingested)
    _, again_ms = timed(ingested)  # unchanged: nothing to embed
    service = AnswerService.from_settings(settings, embeddings)
    floor = search_floor(settings, embeddings)
    service.ask(questions[0])  # warm-up: lazy loading
    floor(questions[0])
    answers, floors, scoped = [], [], []
    one_council = Scope(councils=(SCOPED_COUNCIL,))
    for question in questions:
        answers.append(timed(lambda q=question: service.ask(q))[1])
        floors.append(timed(lambda q=question: floor(q))[1])
        scoped.append(timed(lambda q=question: service.ask(q, scope=one_council))[1])
    rss = resident_mb()
    service.close()
    return {
        "units": float(report.added),
        "ingest_s": full_ms / 1000,
        "again_s": again_ms / 1000,
        "p50": percentile(answers, 0.5),
        "p95": percentile(answers, 0.95),
        "floor_p95": percentile(floors, 0.95),
        "scoped_p95": percentile(scoped, 0.95),
        "rss_mb": rss,
    }


@contextlib.contextmanager
def _index(where: str, scratch: Path) -> Iterator[str]:
    """The Chroma server's URL for `where` == "server" (a fresh one), else "" (the embedded index)."""
    if where == "server":
        with running_chroma(scratch / "chroma") as url:
            yield url
    else:
        yield ""


def main(argv: list[str] | None = None) -> int:
    from provision_assistant.ingest.store import make_embeddings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,5,20", help="multiples of the bundled corpus (default 1,5,20)")
    parser.add_argument("--questions", type=int, default=30, help="development questions answered")
    parser.add_argument(
        "--index", default="embedded,server", help="embedded (a folder), server (a Chroma server), or both"
    )
    args = parser.parse_args(argv)
    wheres = [w.strip() for w in args.index.split(",")]
    if not set(wheres) <= {"embedded", "server"}:
        parser.error("--index takes embedded, server or both, separated by a comma")
    sizes = [int(s) for s in args.sizes.split(",")]
    base = get_settings()
    cases = [c for c in load_cases([DEV_CASES]) if c.kind in ("recommend", "lookup")]
    questions = [c.question for c in cases[: args.questions]]
    embeddings = make_embeddings(base)
    print(f"{len(questions)} development questions; times: ingest in s, answers in ms")
    header = f"{'index':>8} {'size':>5} {'units':>7} {'ingest':>8} {'again':>7} {'share':>6}"
    print(
        header + f" {'p50':>7} {'p95':>7} {'floor95':>8} {'p95/floor':>10} {'p95/1x':>7} {'RSS MB':>7}"
        f" {'scoped95':>9}",
        flush=True,
    )
    first: dict[str, dict] = {}
    for where in wheres:
        for size in sizes:
            with tempfile.TemporaryDirectory() as scratch, _index(where, Path(scratch)) as chroma_url:
                corpus = scaled_corpus(base.corpus_dir, Path(scratch) / "corpus", size)
                settings = base.model_copy(
                    update={
                        "corpus_dir": corpus,
                        "index_dir": Path(scratch) / "index",
                        "chroma_url": chroma_url,
                    }
                )
                m = measure(settings, embeddings, questions)
            first.setdefault(where, m)
            print(
                f"{where:>8} {size:>4}× {m['units']:>7.0f} {m['ingest_s']:>8.1f} {m['again_s']:>7.2f}"
                f" {m['again_s'] / m['ingest_s']:>6.1%} {m['p50']:>7.1f} {m['p95']:>7.1f}"
                f" {m['floor_p95']:>8.1f} {m['p95'] / m['floor_p95']:>10.2f}"
                f" {m['p95'] / first[where]['p95']:>7.2f} {m['rss_mb']:>7.0f} {m['scoped_p95']:>9.1f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
