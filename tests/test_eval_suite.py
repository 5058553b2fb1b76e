"""`provisions eval` end to end: real model, real Chroma, real files, both baselines."""

from __future__ import annotations

import json
import shutil

import pytest

from provision_assistant.evals.suite import (
    GOLD_SETS,
    build_systems,
    write_outputs,
)
from provision_assistant.ingest.settings import PACKAGE_ROOT
from provision_assistant.ui.cli import main
from tests.conftest import CORPUS
from tests.pdfs import SCHOOL_POLICY_PAGES, make_pdf

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CASES = """
cases:
  - id: dining-hall
    kind: recommend
    question: "y8 finds the dining hall too much, what can we do"
    phase: secondary
    area: ""
    expected:
      - quote: "may eat in the library with a member of staff"
        document: lunchtime-policy.pdf
  - id: who-funds
    kind: lookup
    question: "who pays for NCB's belonging matters?"
    expected:
      - quote: "Funded by the Kusuma Trust"
        document: ncb-belonging-matters-programme-2025.txt
  - id: sims-password
    kind: out_of_scope
    question: "how do I reset my SIMS password"
"""


@pytest.fixture
def small_eval(settings, tmp_path, capsys):
    """A two-document index and an evaluator's own cases file for it."""
    settings.corpus_dir.mkdir()
    shutil.copy(CORPUS / "ncb-belonging-matters-programme-2025.txt", settings.corpus_dir)
    make_pdf(settings.corpus_dir / "lunchtime-policy.pdf", SCHOOL_POLICY_PAGES)
    assert main(["ingest", "--quiet"], settings=settings) == 0
    cases = tmp_path / "mine.yaml"
    cases.write_text(CASES, encoding="utf-8")
    capsys.readouterr()
    return settings, cases


def test_eval_on_an_evaluators_own_cases_writes_every_output(small_eval, tmp_path, capsys):
    settings, cases = small_eval
    out = tmp_path / "run1"
    assert main(["eval", "--cases", str(cases), "--out", str(out)], settings=settings) == 0
    printed = capsys.readouterr().out
    assert "dining-hall" in printed and "Recall@10 (sources)" in printed
    assert "not applied to your own cases" in printed

    run = json.loads((out / "run.json").read_text("utf-8"))
    assert set(run["systems"]) == {"project", "tutorial", "bm25"}
    assert run["kinds"] == {"lookup": 1, "out_of_scope": 1, "recommend": 1}
    project = run["systems"]["project"]["aggregates"]
    assert project["citation_validity"] == 1.0
    assert run["systems"]["bm25"]["aggregates"]["recall@10"] == 1.0  # both quotes are keyword hits
    html = (out / "report.html").read_text("utf-8")
    assert "tutorial" in html and "Recall@10 per phase" in html
    ragas = [json.loads(line) for line in (out / "ragas.jsonl").read_text("utf-8").splitlines()]
    assert ragas[0]["user_input"] == "y8 finds the dining hall too much, what can we do"
    assert len(json.loads((out / "deepeval.json").read_text("utf-8"))) == 3


def test_a_failed_gate_exits_non_zero_and_regressions_fail_the_run_too(small_eval, tmp_path, capsys):
    settings, cases = small_eval
    first = tmp_path / "run1"
    assert main(["eval", "--cases", str(cases), "--out", str(first), "--no-baselines"], settings) == 0
    earlier = json.loads((first / "run.json").read_text("utf-8"))
    for row in earlier["systems"]["project"]["questions"]:
        if row["case_id"] == "who-funds":
            row["mrr"] = 2.0  # better than any real run can be
    (first / "run.json").write_text(json.dumps(earlier), "utf-8")
    gates = tmp_path / "gates.yaml"
    gates.write_text("gates:\n  citation_validity: {min: 1.0}\n  recall@10: {min: 1.01}\n", "utf-8")
    capsys.readouterr()

    argv = ["eval", "--cases", str(cases), "--out", str(tmp_path / "run2"), "--no-baselines"]
    code = main([*argv, "--gates", str(gates), "--compare", str(first / "run.json")], settings)
    out, err = capsys.readouterr()
    assert code == 1
    assert "eval gate(s) failed: recall@10" in err
    assert "who-funds: mrr 2.00→" in out
    assert "1 question(s) got worse" in err and "--allow-regressions" in err
    assert "citation_validity" in out and "FAIL" in out


def test_check_cases_names_a_quote_that_is_not_in_its_document(small_eval, tmp_path, capsys):
    settings, cases = small_eval
    cases.write_text(CASES.replace("Kusuma Trust", "Lottery Fund"), encoding="utf-8")
    assert main(["eval", "--cases", str(cases), "--check-cases"], settings=settings) == 1
    err = capsys.readouterr().err
    assert "who-funds" in err and "Funded by the Lottery Fund" in err


def test_a_missing_earlier_run_is_named(small_eval, tmp_path, capsys):
    settings, cases = small_eval
    argv = ["eval", "--cases", str(cases), "--compare", str(tmp_path / "old" / "run.json")]
    assert main(argv, settings=settings) == 1
    assert "old/run.json: no such run.json to compare with" in capsys.readouterr().err


def test_a_bad_cases_file_is_a_clear_message_not_a_traceback(small_eval, tmp_path, capsys):
    settings, _ = small_eval
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - id: x1\n    kind: guess\n    question: hello\n", encoding="utf-8")
    assert main(["eval", "--cases", str(bad)], settings=settings) == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "kind" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def gold_systems(corpus_index, embeddings):
    """The project and both baselines, built once for the three gold sets (the tutorial baseline
    embeds the whole corpus)."""
    return build_systems(corpus_index, embeddings)


@pytest.mark.eval
@pytest.mark.parametrize(
    ("cases_dir", "gates", "reference"),
    list(GOLD_SETS.values()),
    ids=list(GOLD_SETS),
)
def test_the_gold_sets_meet_every_gate(gold_systems, cases_dir, gates, reference):
    """CI's eval: the frozen test set and the development sets, the project beside both baselines,
    graded by each set's judgements (where it has them), the gates enforced."""
    from provision_assistant.evals.cases import load_cases, verify_frozen
    from provision_assistant.evals.qrels import load_qrels
    from provision_assistant.evals.report import gates_table, regressions_text, summary_table
    from provision_assistant.evals.runner import run_eval
    from provision_assistant.evals.tier_labels import lost_in_cases

    verify_frozen([cases_dir])
    cases = load_cases([cases_dir])
    lost = lost_in_cases(cases, PACKAGE_ROOT / "corpus")
    run = run_eval(cases, gold_systems, [cases_dir.name], load_qrels([cases_dir]), lost)
    out = PACKAGE_ROOT / "test-artefacts" / f"eval-{cases_dir.name}"
    outcome = write_outputs(run, out, gates_path=gates, compare_with=reference)
    print(summary_table(outcome.run), gates_table(outcome.run["gates"]), sep="\n\n")
    print("Worse than the reference run:", regressions_text(outcome.regressions), sep="\n")
    assert all(g.value is not None for g in outcome.gates), "a gate measures nothing on the gold set"
    assert not outcome.failed, gates_table([g.to_json() for g in outcome.failed])


def test_the_latency_benchmark_prints_the_ratio_to_the_floor(small_eval, capsys):
    from provision_assistant.evals.bench_latency import main as bench

    settings, cases = small_eval
    assert bench(["--rounds", "1", "--cases", str(cases)], settings=settings) == 0
    out = capsys.readouterr().out
    assert "3 questions x 1 rounds" in out and "answer / floor: p50" in out
