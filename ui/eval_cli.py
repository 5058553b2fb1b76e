"""`provisions eval`: the terminal side of the eval suite (printing and exit codes)."""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.ingest.settings import DATA_HOME, IN_CHECKOUT, PACKAGE_ROOT, Settings

if TYPE_CHECKING:
    from provision_assistant.evals.suite import Outcome

EXIT_OK, EXIT_FAILED = 0, 1
MAX_LISTED = 20

SAVE_REFERENCE_HELP = (
    "save this run as the new reference (the --compare file, by default evals/reference-run-test-4.json), "
    "accepting the questions "
    "that got worse: they are reported but do not fail the run"
)
ALLOW_REGRESSIONS_HELP = (
    "report questions that got worse than the reference run without failing; "
    "without this (or --save-reference) they fail the run with exit status 1, as a failed gate does"
)


def add_reference_arguments(parser: argparse.ArgumentParser) -> None:
    """The eval options that accept questions that got worse; for the `eval` parser in ui/cli.py."""
    parser.add_argument("--save-reference", action="store_true", help=SAVE_REFERENCE_HELP)
    parser.add_argument("--allow-regressions", action="store_true", help=ALLOW_REGRESSIONS_HELP)


def _shown(path: Path) -> str:
    """A path as the report names it: relative to the project (or installed package) when inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(PACKAGE_ROOT) if resolved.is_relative_to(PACKAGE_ROOT) else path)


def run_eval_command(args: argparse.Namespace, settings: Settings) -> int:
    from provision_assistant.evals.cases import EvalDataError, load_cases, missing_quotes, verify_frozen
    from provision_assistant.evals.qrels import load_qrels
    from provision_assistant.evals.report import gates_table, question_table, regressions_text, summary_table
    from provision_assistant.evals.runner import run_eval
    from provision_assistant.evals.suite import (
        DEFAULT_CASES,
        DEFAULT_GATES,
        DEFAULT_REFERENCE,
        EVALS_DIR,
        build_systems,
        write_outputs,
    )
    from provision_assistant.evals.tier_labels import lost_in_cases
    from provision_assistant.ingest.store import make_embeddings

    if args.compare is not None and not args.compare.is_file():
        raise EvalDataError(f"{args.compare}: no such run.json to compare with")
    case_paths = args.cases or [DEFAULT_CASES]
    verify_frozen(case_paths)
    cases = load_cases(case_paths)
    problems = missing_quotes(cases, settings.corpus_dir)
    if problems:
        print(f"provisions: {len(problems)} quote(s) are not in their documents:", file=sys.stderr)
        for problem in problems[:MAX_LISTED]:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_FAILED
    if args.check_cases:
        print(f"{len(cases)} case(s); every quote is in its document.")
        return EXIT_OK

    systems = build_systems(
        settings, make_embeddings(settings), baselines=not args.no_baselines, with_model=args.with_model
    )
    lost = lost_in_cases(cases, settings.corpus_dir)
    run = run_eval(cases, systems, [_shown(p) for p in case_paths], load_qrels(case_paths), lost)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    # evals/runs in a checkout (beside the reference runs), the data folder when installed.
    runs = EVALS_DIR / "runs" if IN_CHECKOUT else DATA_HOME / "eval-runs"
    out_dir = args.out or runs / stamp
    compare = args.compare or DEFAULT_REFERENCE
    # The bundled gates are set on the bundled cases: on an evaluator's own
    # cases they apply only when asked for with --gates.
    gates = args.gates or (None if args.cases else DEFAULT_GATES)
    allowed = args.allow_regressions or args.save_reference
    outcome = write_outputs(
        run,
        out_dir,
        gates_path=None if args.no_gates else gates,
        compare_with=compare,
        allow_regressions=allowed,
    )

    print(question_table(outcome.run))
    print()
    print(summary_table(outcome.run))
    if outcome.gates:
        print("\nGates:")
        print(gates_table(outcome.run["gates"]))
    elif args.cases and not args.no_gates:
        print("\nGates: not applied to your own cases (add --gates FILE to apply them).")
    accepted = " (accepted, not failing the run)" if outcome.regressions and not outcome.regressed else ""
    print(f"\nQuestions that got worse than {outcome.compared_with or '(no earlier run)'}{accepted}:")
    print(regressions_text(outcome.regressions))
    print(f"\nReport: {out_dir / 'report.html'}\nResults: {out_dir / 'run.json'}")
    print(
        f"Exports for LLM judges: {out_dir / 'ragas.jsonl'} (RAGAS), {out_dir / 'deepeval.json'} (DeepEval)"
    )
    if args.save_reference:
        shutil.copyfile(out_dir / "run.json", compare)
        print(f"Saved as the reference run: {compare}")
    return exit_status(outcome)


def exit_status(outcome: Outcome) -> int:
    """EXIT_FAILED when a gate failed or questions got worse and were not accepted, saying why on stderr."""
    status = EXIT_OK
    if outcome.failed:
        names = ", ".join(g.metric for g in outcome.failed)
        print(f"provisions: eval gate(s) failed: {names}", file=sys.stderr)
        for gate in outcome.failed:
            if gate.message:
                print(f"  {gate.message}", file=sys.stderr)
        status = EXIT_FAILED
    if outcome.regressed:
        print(
            f"provisions: {len(outcome.regressions)} question(s) got worse than {outcome.compared_with}; "
            "accept them with --save-reference, or report them without failing with --allow-regressions",
            file=sys.stderr,
        )
        status = EXIT_FAILED
    return status
