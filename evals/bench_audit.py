"""What a whole-school audit costs at the bundled framework's size and with 10 frameworks indexed.

    .venv/bin/python -m provision_assistant.evals.bench_audit [--repeat 20]

Reads the catalogue of the index in PROVISIONS_INDEX_DIR (no model is loaded), then for one
framework and for the same catalogue with nine copies of every framework under other names
(each its own document, as ten councils' frameworks would be): starts an audit of the whole
framework in a scratch SQLite file, answers every provision, and times what staff wait for:
loading the audit (its checklist and every answer), saving one answer, the plan, and each
export. Prints p50 and p95 in ms and the ratio of 10 frameworks to 1 (the catalogue is scanned
per request, so that ratio is what grows with the corpus).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from provision_assistant.evals.metrics import percentile
from provision_assistant.evals.runner import timed
from provision_assistant.ingest.settings import get_settings
from provision_assistant.retrieval.audit import STATUSES
from provision_assistant.retrieval.catalogue import read_catalogue
from provision_assistant.retrieval.templates import load_templates
from provision_assistant.ui.audit_book import AuditBook
from provision_assistant.ui.audit_export import exported, load_audit_templates
from provision_assistant.ui.audit_store import AuditStore

COPIES = 10


def with_copies(rows: list[dict], copies: int) -> list[dict]:
    """The catalogue with every framework document `copies` times, each copy its own document."""
    frameworks = {r["document"] for r in rows if r["kind"] == "provision" and r["tier"] != "none"}
    out = list(rows)
    for n in range(1, copies):
        out += [
            {**r, "document": f"{r['document']}-copy-{n}", "id": f"{r['id']}-{n}"}
            for r in rows
            if r["document"] in frameworks
        ]
    return out


def repeated(call: Callable[[], object], repeat: int) -> list[float]:
    """`repeat` timings of the call, in ms."""
    return [timed(call)[1] for _ in range(repeat)]


def measure(rows: list[dict], folder: Path, repeat: int) -> dict[str, list[float]]:
    settings = get_settings()
    book = AuditBook(rows, AuditStore(folder / "audits.sqlite3"), load_templates(settings.prompts_dir))
    shown = load_audit_templates(settings.prompts_dir)
    document = next(d for d in book.documents() if "copy" not in d)
    audit, _, _ = book.create("Benchmark", document, None)
    items = book.checklist(document, None)
    for n, item in enumerate(items):
        book.answer(audit, item.id, STATUSES[n % len(STATUSES)], "Our practice, in a sentence or two.")

    def load() -> None:
        book.checklist(audit.document, audit.phase)
        book.store.answers(audit)

    results = {
        "load the audit": repeated(load, repeat),
        "save one answer": repeated(lambda: book.answer(audit, items[0].id, "partly", "Reviewed."), repeat),
        "make the plan": repeated(lambda: book.plan(audit), repeat),
    }
    plan = book.plan(audit)
    for fmt in ("md", "csv", "pdf"):
        results[f"export {fmt}"] = repeated(lambda f=fmt: exported(plan, shown, f, "1 December 2026"), repeat)
    results["provisions"] = [float(len(items))]
    results["plan items"] = [float(len(plan.items))]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="times each operation is timed")
    args = parser.parse_args(argv)
    rows = read_catalogue(get_settings())
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as ten:
        small = measure(rows, Path(one), args.repeat)
        large = measure(with_copies(rows, COPIES), Path(ten), args.repeat)
    print(f"catalogue rows: {len(rows)} (1 framework) and {len(with_copies(rows, COPIES))} ({COPIES})")
    print(
        f"audit of the whole framework: {small['provisions'][0]:.0f} provisions, all answered;"
        f" {small['plan items'][0]:.0f} in the plan"
    )
    print(f"{'operation':<18} {'1: p50':>9} {'p95':>9} {f'{COPIES}: p50':>9} {'p95':>9} {'ratio p50':>10}")
    for name in small:
        if name in ("provisions", "plan items"):
            continue
        a50, a95 = percentile(small[name], 0.5), percentile(small[name], 0.95)
        b50, b95 = percentile(large[name], 0.5), percentile(large[name], 0.95)
        print(f"{name:<18} {a50:>9.1f} {a95:>9.1f} {b50:>9.1f} {b95:>9.1f} {b50 / a50:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
