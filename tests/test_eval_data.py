"""Cases and gates files, the comparison with an earlier run, and the report: no model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provision_assistant.evals.cases import EvalDataError, load_cases, missing_quotes
from provision_assistant.evals.gates import check_gates, gates_failed, load_gates, regressions
from provision_assistant.evals.report import (
    deepeval_rows,
    gates_table,
    question_table,
    ragas_rows,
    render_html,
    summary_table,
)
from provision_assistant.evals.suite import ALL_CASES, DEFAULT_GATES, DEV_CASES, write_outputs
from provision_assistant.ingest.settings import PACKAGE_ROOT

pytestmark = pytest.mark.unit

CASE = """
cases:
  - id: {id}
    kind: recommend
    question: "yr 4 lad left out at break"
    phase: primary
    expected:
      - quote: "{quote}"
        document: doc.txt
        tier: targeted
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_every_gold_quote_is_in_its_document_word_for_word():
    cases = load_cases(ALL_CASES)
    assert missing_quotes(cases, PACKAGE_ROOT / "corpus") == []


def test_the_development_set_has_what_the_suite_promises():
    cases = load_cases([DEV_CASES])
    kinds = {
        k: sum(c.kind == k for c in cases) for k in ("recommend", "lookup", "out_of_scope", "safeguarding")
    }
    assert kinds["recommend"] >= 40 and kinds["lookup"] >= 8
    assert kinds["out_of_scope"] >= 6 and kinds["safeguarding"] >= 6
    recommend = [c for c in cases if c.kind == "recommend"]
    assert {c.phase for c in recommend} >= {"early years", "primary", "secondary"}
    assert len({c.area for c in recommend if c.area}) >= 11
    assert any(c.question == "Year 8 pupil anxious about the canteen" for c in cases)


def test_a_quote_missing_from_its_document_is_named(tmp_path):
    (tmp_path / "corpus").mkdir()
    write(tmp_path / "corpus" / "doc.txt", "Named adult to check in each morning.\n")
    cases = load_cases(
        [write(tmp_path / "c.yaml", CASE.format(id="c1", quote="Named adult to check in at lunch"))]
    )
    (problem,) = missing_quotes(cases, tmp_path / "corpus")
    assert "c1" in problem and "doc.txt" in problem and "check in at lunch" in problem


def test_a_document_that_is_not_there_is_named(tmp_path):
    cases = load_cases([write(tmp_path / "c.yaml", CASE.format(id="c1", quote="Named adult to check in"))])
    (problem,) = missing_quotes(cases, tmp_path)
    assert "no readable document 'doc.txt'" in problem


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cases: [", "cannot read"),
        (CASE.format(id="Bad Id", quote="Named adult to check in"), "cases.0.id"),
        (CASE.format(id="c1", quote="short"), "cases.0.expected.0.quote"),
        (
            CASE.replace("recommend", "recommendation").format(id="c1", quote="Named adult to check in"),
            "kind",
        ),
        ("cases:\n  - id: c1\n    kind: lookup\n    question: what is the number\n", "at least one expected"),
        (
            "cases:\n  - id: c1\n    kind: out_of_scope\n    question: fractions\n    expected:\n"
            "      - {quote: Named adult to check in, document: doc.txt}\n",
            "expects nothing",
        ),
        (CASE.format(id="c1", quote="Named adult to check in") + "    colour: red\n", "colour"),
    ],
)
def test_bad_cases_files_name_the_file_and_field(tmp_path, text, message):
    path = write(tmp_path / "mine.yaml", text)
    with pytest.raises(EvalDataError, match=message) as err:
        load_cases([path])
    assert "mine.yaml" in str(err.value)


def test_case_ids_are_unique_across_files_and_folders_are_read(tmp_path):
    write(tmp_path / "a.yaml", CASE.format(id="c1", quote="Named adult to check in"))
    write(tmp_path / "b.yaml", CASE.format(id="c1", quote="Named adult to check in"))
    with pytest.raises(EvalDataError, match=r"'c1' is already used in .*a\.yaml"):
        load_cases([tmp_path])
    with pytest.raises(EvalDataError, match="no such cases file"):
        load_cases([tmp_path / "nope.yaml"])


def test_status_defaults_by_kind(tmp_path):
    (case,) = load_cases([write(tmp_path / "c.yaml", CASE.format(id="c1", quote="Named adult to check in"))])
    assert case.status == "answered" and case.question == "yr 4 lad left out at break"


def run_json(**aggregates) -> dict:
    return {"systems": {"project": {"aggregates": aggregates, "questions": []}}}


def test_gates_pass_fail_pending_and_unmeasured(tmp_path):
    gates = load_gates(
        write(
            tmp_path / "g.yaml",
            "gates:\n  recall@10: {min: 0.8}\n  latency_p95_ms: {max: 500}\n"
            "  safeguarding_recall: {min: 1.0, pending: issue 6}\n  abstention_recall: {min: 0.5}\n",
        )
    )
    results = check_gates(
        run_json(**{"recall@10": 0.7, "latency_p95_ms": 120, "safeguarding_recall": 0.0}), gates
    )
    verdicts = {r.metric: (r.passed, r.enforced) for r in results}
    assert verdicts == {
        "recall@10": (False, True),
        "latency_p95_ms": (True, True),
        "safeguarding_recall": (False, False),
        "abstention_recall": (False, True),
    }
    assert [r.metric for r in gates_failed(results)] == ["recall@10", "abstention_recall"]


def test_an_enforced_gate_on_a_metric_with_no_value_fails_and_says_why(tmp_path):
    gates = load_gates(
        write(
            tmp_path / "g.yaml",
            "gates:\n  abstention_recall: {min: 0.5}\n  mrr: {min: 0.5, pending: later}\n",
        )
    )
    unmeasured, pending = check_gates(run_json(), gates)
    assert (unmeasured.passed, unmeasured.enforced) == (False, True)
    assert unmeasured.message == "abstention_recall of project was not measured by these cases"
    assert gates_failed([unmeasured, pending]) == [unmeasured]
    assert pending.passed is None and not pending.message  # reported, never enforced
    assert "FAIL: not measured by these cases" in gates_table([unmeasured.to_json()])


def test_the_latency_gate_is_a_ratio_to_the_floor_not_milliseconds():
    gates = load_gates(DEFAULT_GATES)
    assert "latency_p95_ms" not in gates
    assert gates["latency_p95_ratio"].max <= 4.5 and not gates["latency_p95_ratio"].pending


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gates:\n  recal@10: {min: 0.8}\n", "unknown metric.*recal@10"),
        ("gates:\n  recall@10: {min: 0.8, max: 0.9}\n", "exactly one of min or max"),
        ("gates: [", "cannot read"),
    ],
)
def test_bad_gates_files_are_named(tmp_path, text, message):
    with pytest.raises(EvalDataError, match=message) as err:
        load_gates(write(tmp_path / "gates.yaml", text))
    assert "gates.yaml" in str(err.value)


def question(cid: str, **figures) -> dict:
    row = {
        "case_id": cid,
        "status_ok": True,
        "recall@10": 1.0,
        "mrr": 1.0,
        "suggestion_recall": 1.0,
        "tier_correct": 2,
        "avoid_hits": [],
        "citations_total": 3,
        "citations_valid": 3,
    }
    row.update(figures)
    return row


def test_regressions_list_every_question_that_got_worse_and_nothing_else():
    before = {"systems": {"project": {"questions": [question("a"), question("b"), question("c")]}}}
    after = {
        "systems": {
            "project": {
                "questions": [
                    question("a", **{"recall@10": 0.5}, avoid_hits=[0]),
                    question("b", mrr=1.0, suggestion_recall=None),  # not measured now: not a regression
                    question("c", citations_valid=2, status_ok=False),
                    question("new", **{"recall@10": 0.0}),
                ]
            }
        }
    }
    worse = {r["case_id"]: set(r["changes"]) for r in regressions(before, after)}
    assert worse == {"a": {"recall@10", "avoid_hits"}, "c": {"citations_invalid", "status_ok"}}


@pytest.fixture
def small_run() -> tuple[dict, list]:
    from provision_assistant.evals.runner import run_eval

    cases = load_cases([write_tmp_case()])

    class Fixed:
        def __init__(self, name, judges, text):
            self.name, self.judges_suggestions, self._text = name, judges, text

        def answer(self, question):
            src = {"id": "s1", "text": self._text}
            sugg = [{"tier": "targeted", "text": self._text, "source_ids": ["s1"]}]
            return {
                "status": "answered",
                "answer": "## Targeted\n1. " + self._text,
                "sources": [src],
                "suggestions": sugg,
            }

    run = run_eval(
        cases, [Fixed("project", True, "Named adult to check in"), Fixed("bm25", False, "<b>x</b>")]
    )
    return run.to_json(), run


def write_tmp_case() -> Path:
    import tempfile

    folder = Path(tempfile.mkdtemp())
    return write(folder / "c.yaml", CASE.format(id="c1", quote="Named adult to check in"))


def test_report_and_tables_show_every_system_and_escape_text(small_run):
    data, _ = small_run
    html = render_html(data, [], [], None)
    assert "project" in html and "bm25" in html and "Recall@10 per phase" in html
    assert "<b>x</b>" not in html  # passages never inject markup into the report
    assert "c1" in question_table(data) and "Citation validity" in summary_table(data)
    assert json.loads(json.dumps(data))["systems"]["project"]["aggregates"]["citation_validity"] == 1.0


def test_exports_have_the_fields_ragas_and_deepeval_read(small_run):
    _, run = small_run
    (ragas,) = ragas_rows(run.cases, run.systems["project"].answers)
    assert set(ragas) >= {"user_input", "retrieved_contexts", "response", "reference"}
    assert ragas["retrieved_contexts"] == ["Named adult to check in"]
    (deep,) = deepeval_rows(run.cases, run.systems["project"].answers)
    assert set(deep) >= {"input", "actual_output", "expected_output", "retrieval_context"}


def test_the_readme_example_case_is_valid_and_quotes_the_corpus(tmp_path):
    readme = (PACKAGE_ROOT / "README.md").read_text("utf-8")
    example = readme.split("**Adding cases.**", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    cases = load_cases([write(tmp_path / "example.yaml", example)])
    assert missing_quotes(cases, PACKAGE_ROOT / "corpus") == []


def _worse_than_before(run, tmp_path: Path) -> Path:
    earlier = run.to_json()
    earlier["systems"]["project"]["questions"][0]["mrr"] = 2.0  # better than any run can be
    return write(tmp_path / "earlier.json", json.dumps(earlier))


def test_questions_that_got_worse_fail_the_run(small_run, tmp_path, capsys):
    from provision_assistant.ui.eval_cli import EXIT_FAILED, exit_status

    _, run = small_run
    outcome = write_outputs(
        run, tmp_path / "out", gates_path=None, compare_with=_worse_than_before(run, tmp_path)
    )
    assert outcome.regressed and not outcome.failed
    assert exit_status(outcome) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "1 question(s) got worse" in err and "--save-reference" in err and "--allow-regressions" in err


def test_questions_that_got_worse_are_reported_without_failing_when_allowed(small_run, tmp_path):
    from provision_assistant.ui.eval_cli import EXIT_OK, exit_status

    _, run = small_run
    earlier = _worse_than_before(run, tmp_path)
    outcome = write_outputs(
        run, tmp_path / "out", gates_path=None, compare_with=earlier, allow_regressions=True
    )
    assert outcome.regressions and not outcome.regressed
    assert exit_status(outcome) == EXIT_OK
    saved = json.loads((tmp_path / "out" / "run.json").read_text("utf-8"))
    assert saved["regressions"] and saved["regressions_allowed"] is True


def test_the_eval_help_says_how_to_accept_questions_that_got_worse():
    import argparse

    from provision_assistant.ui.eval_cli import add_reference_arguments

    parser = argparse.ArgumentParser()
    add_reference_arguments(parser)
    text = " ".join(parser.format_help().split())
    assert "--allow-regressions" in text and "without failing" in text
    assert "--save-reference" in text and "accepting the questions that got worse" in text
    assert parser.parse_args(["--allow-regressions"]).allow_regressions
