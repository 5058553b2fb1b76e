"""`provisions eval`: the terminal side of the eval suite (printing and exit codes)."""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from ingest.settings import PROJECT_ROOT, Settings

EXIT_OK, EXIT_FAILED = 0, 1
MAX_LISTED = 20


def _shown(path: Path) -> str:
    """A path as the report names it: relative to the project when inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(PROJECT_ROOT) if resolved.is_relative_to(PROJECT_ROOT) else path)


def run_eval_command(args: argparse.Namespace, settings: Settings) -> int:
    from evals.cases import EvalDataError, load_cases, missing_quotes
    from evals.report import gates_table, question_table, regressions_text, summary_table
    from evals.runner import run_eval
    from evals.suite import DEFAULT_CASES, DEFAULT_GATES, DEFAULT_REFERENCE, build_systems, write_outputs
    from ingest.store import make_embeddings

    if args.compare is not None and not args.compare.is_file():
        raise EvalDataError(f"{args.compare}: no such run.json to compare with")
    case_paths = args.cases or [DEFAULT_CASES]
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

    systems = build_systems(settings, make_embeddings(settings), baselines=not args.no_baselines)
    run = run_eval(cases, systems, [_shown(p) for p in case_paths])
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_dir = args.out or PROJECT_ROOT / "evals" / "runs" / stamp
    compare = args.compare or DEFAULT_REFERENCE
    # The bundled gates are set on the bundled cases: on an evaluator's own
    # cases they apply only when asked for with --gates.
    gates = args.gates or (None if args.cases else DEFAULT_GATES)
    outcome = write_outputs(run, out_dir, gates_path=None if args.no_gates else gates, compare_with=compare)

    print(question_table(outcome.run))
    print()
    print(summary_table(outcome.run))
    if outcome.gates:
        print("\nGates:")
        print(gates_table(outcome.run["gates"]))
    elif args.cases and not args.no_gates:
        print("\nGates: not applied to your own cases (add --gates FILE to apply them).")
    print(f"\nQuestions that got worse than {outcome.compared_with or '(no earlier run)'}:")
    print(regressions_text(outcome.regressions))
    print(f"\nReport: {out_dir / 'report.html'}\nResults: {out_dir / 'run.json'}")
    print(
        f"Exports for LLM judges: {out_dir / 'ragas.jsonl'} (RAGAS), {out_dir / 'deepeval.json'} (DeepEval)"
    )
    if args.save_reference:
        shutil.copyfile(out_dir / "run.json", DEFAULT_REFERENCE)
        print(f"Saved as the reference run: {DEFAULT_REFERENCE}")
    if outcome.failed:
        names = ", ".join(g.metric for g in outcome.failed)
        print(f"provisions: eval gate(s) failed: {names}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
