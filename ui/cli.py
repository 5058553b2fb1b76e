"""`provisions`: ingest documents, ask questions, browse the catalogue.

Domain errors become one clear line on stderr and a non-zero exit here, and
nowhere deeper.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from provision_assistant.ingest.errors import IndexNotReadyError, InvalidQuestionError, ProvisionsError
from provision_assistant.ingest.settings import Settings, get_settings
from provision_assistant.retrieval.phase import PHASES
from provision_assistant.ui.audit_cli import add_audit_arguments, run_audit_command
from provision_assistant.ui.db_cli import add_db_arguments, run_db_command
from provision_assistant.ui.eval_cli import add_reference_arguments

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="provisions", description="Provision Assistant")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help="read documents into the index (default: the corpus folder)")
    ingest.add_argument("paths", nargs="*", type=Path, help="files or folders (.txt, .md, .pdf)")
    ingest.add_argument("--quiet", action="store_true", help="no progress bars")

    ask = sub.add_parser("ask", help="answer a question from the documents")
    ask.add_argument("question", nargs="?", help="omit to read one question per line from standard input")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON (one object per line)")
    ask.add_argument(
        "--phase", choices=PHASES, help="phase of education (default: read from the question, e.g. Y8)"
    )
    ask.add_argument("--council", help="your local authority, as the documents name it (default: setting)")

    triage = sub.add_parser(
        "triage",
        help="show how messages are triaged (first trains the safeguarding classifier if needed)",
    )
    triage.add_argument("messages", nargs="*", help="messages to triage (none: only prepare the classifier)")

    relevance = sub.add_parser(
        "relevance",
        help="prepare the relevance judge: trained from prompts/relevance_examples.yaml if needed",
    )
    relevance.add_argument(
        "--retrain", action="store_true", help="train it again from the examples (same seed, same judge)"
    )

    catalogue = sub.add_parser("catalogue", help="list every stored provision and passage")
    catalogue.add_argument("--json", action="store_true", help="print a JSON array")

    serve = sub.add_parser("serve", help="serve the HTTP API on localhost (PROVISIONS_HOST, PROVISIONS_PORT)")
    serve.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: 8000)")

    ev = sub.add_parser("eval", help="measure answers against the gold cases and the baselines")
    ev.add_argument("--cases", action="append", type=Path, help="cases file or folder (repeatable)")
    ev.add_argument(
        "--gates",
        type=Path,
        help="gate thresholds (default: evals/gates-test-4.yaml, for the bundled test set only)",
    )
    ev.add_argument("--no-gates", action="store_true", help="report only; never fail on a gate")
    ev.add_argument("--out", type=Path, help="folder for run.json, report.html and exports")
    ev.add_argument(
        "--compare", type=Path, help="earlier run.json (default: evals/reference-run-test-4.json)"
    )
    add_reference_arguments(ev)
    ev.add_argument("--no-baselines", action="store_true", help="run the project only (faster)")
    ev.add_argument(
        "--with-model",
        action="store_true",
        help="also run the project with the language model PROVISIONS_LLM_* configures, reported beside it",
    )
    ev.add_argument(
        "--check-cases", action="store_true", help="only check that every quote is in its document"
    )
    add_audit_arguments(sub)
    add_db_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = settings or get_settings()
        commands = {
            "ingest": _ingest,
            "ask": _ask,
            "triage": _triage,
            "relevance": _relevance,
            "catalogue": _catalogue,
            "serve": _serve,
            "eval": _eval,
            "audit": run_audit_command,
            "db": run_db_command,
        }
        command = commands[args.command]
        return command(args, settings)
    except IndexNotReadyError as exc:
        print(f"provisions: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ProvisionsError as exc:
        print(f"provisions: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.ingest.pipeline import ingest
    from provision_assistant.ingest.store import make_embeddings

    paths = args.paths or [settings.corpus_dir]
    report = ingest(paths, settings, lambda: make_embeddings(settings), progress=not args.quiet)
    for failure in report.failures:
        print(f"provisions: not ingested: {failure}", file=sys.stderr)
    if report.generation is None:
        print(f"Index unchanged: {report.documents} document(s) already up to date.")
    else:
        print(
            f"Indexed {report.documents} document(s): {report.added} unit(s) added, "
            f"{report.updated} updated, {report.removed} removed, {report.kept} kept unchanged"
            + (
                f"; removed document(s): {', '.join(report.removed_documents)}"
                if report.removed_documents
                else ""
            )
            + "."
        )
    if report.failures:
        print(
            f"{len(report.failures)} file(s) failed; the index still serves everything else.", file=sys.stderr
        )
        return EXIT_FAILED
    return EXIT_OK


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.retrieval.service import AnswerService

    questions = [args.question] if args.question is not None else None
    service = AnswerService.from_settings(settings)
    options = {"phase": args.phase, "council": args.council}
    if questions is not None:
        answer = service.ask(questions[0], **options)
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else answer.answer)
        return EXIT_OK
    # One question per line, model loaded once: for scripts and evaluators.
    status = EXIT_OK
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = service.ask(line, **options)
            row, text = answer.to_json(), answer.answer
        except InvalidQuestionError as exc:
            row = {"question": line.strip()[:200], "status": "invalid", "error": str(exc)}
            text = str(exc)
            status = EXIT_FAILED
        print(json.dumps(row, ensure_ascii=False) if args.json else text)
        sys.stdout.flush()
    return status


def _triage(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.ingest.store import make_embeddings
    from provision_assistant.retrieval.safeguarding import load_rules
    from provision_assistant.retrieval.service import make_triage

    # Say when it trains, and how far.
    logging.getLogger("provision_assistant.retrieval.triage_model").setLevel(logging.INFO)
    embeddings = make_embeddings(settings)
    triage = make_triage(settings, embeddings, load_rules(settings.prompts_dir))
    if not args.messages:
        print("The safeguarding classifier is ready.")
    for message in args.messages:
        concern = triage(message, embeddings.embed_query(message))
        print(f"\n{message}")
        if concern is None:
            print("  not routed: no sign of a risk of harm")
            continue
        kind = "certain" if concern.certain else "possible"
        print(
            f"  safeguarding ({kind}): {concern.category}; 999 first: {'yes' if concern.immediate else 'no'}"
        )
        for label, evidence in (("because of", concern.evidence), ("999 because of", concern.danger)):
            for e in evidence:
                print(f"  {label}: “{e.words}” ({e.what})")
    return EXIT_OK


def _relevance(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.ingest.store import make_embeddings
    from provision_assistant.retrieval.relevance_judge import relevance_model

    # Say when it trains.
    logging.getLogger("provision_assistant.retrieval.relevance_train").setLevel(logging.INFO)
    model = relevance_model(settings, make_embeddings(settings), retrain=args.retrain)
    print(
        f"The relevance judge is ready: learnt from {len(model.on_point)} example questions "
        f"({settings.relevance_examples_path})."
    )
    return EXIT_OK


def _catalogue(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.retrieval.catalogue import read_catalogue

    units = read_catalogue(settings)
    if args.json:
        print(json.dumps(units, ensure_ascii=False, indent=1))
        return EXIT_OK
    last = None
    for unit in units:
        heading = (unit["title"], unit["section"])
        if heading != last:
            print(f"\n## {unit['title']} › {unit['section']}")
            last = heading
        tier = unit["tier"].upper() if unit["tier"] != "none" else "-"
        first_line = unit["text"].splitlines()[0]
        print(f"  [{tier:<10}] {first_line[:110]}")
    return EXIT_OK


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from provision_assistant.ingest.privacy import DropQueryStrings
    from provision_assistant.ui.api import create_app
    from provision_assistant.ui.server import server_config

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = settings.model_copy(update=overrides)
    # The proxy takes the base path off, so locally the server answers at its root.
    address = f"http://{settings.host}:{settings.port}"
    print(
        f"Provision Assistant is starting. Open {address}/ for the staff chat; "
        f"the API's documentation is at {address}/docs. Stop with Ctrl+C.",
        flush=True,
    )
    config = server_config(create_app(settings), settings)
    logging.getLogger("uvicorn.access").addFilter(DropQueryStrings())  # after Config set up logging
    uvicorn.Server(config).run()
    return EXIT_OK


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.ui.eval_cli import run_eval_command

    return run_eval_command(args, settings)


if __name__ == "__main__":
    sys.exit(main())
