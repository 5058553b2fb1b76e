"""What an evaluator reads: a terminal table, an HTML report with charts, and exports.

Rendering is pure (run JSON in, text out); writing files is left to the caller.
"""

from __future__ import annotations

import json
from pathlib import Path

from provision_assistant.evals.cases import Case
from provision_assistant.evals.metrics import METRICS

TEMPLATE = Path(__file__).with_name("report.html.j2")
CHART_METRICS = ("recall@5", "recall@10", "mrr", "ndcg@10", "all_found@10", "abstention_recall")


def _fmt(value: float | None, metric: str = "") -> str:
    if value is None:
        return "–"
    if metric.endswith("_ms") or metric == "suggestions_mean":
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    return f"{value:.2f}"


def question_table(run: dict) -> str:
    """One line per question: status, recall@10 of every system, and what staff saw."""
    systems = list(run["systems"])
    rows = {name: {q["case_id"]: q for q in run["systems"][name]["questions"]} for name in systems}
    width = max(len("case"), *(len(c) for c in run["questions"]))
    header = f"{'case':<{width}} {'kind':<12} {'status':<24} " + " ".join(
        f"{'R@10 ' + n:>13}" for n in systems
    )
    header += f" {'sugg':>5} {'tier':>5} {'avoid':>5} {'ms':>6}"
    lines = [header, "-" * len(header)]
    for case_id, meta in run["questions"].items():
        mine = rows.get("project", rows[systems[0]])[case_id]
        mark = "ok" if mine["status_ok"] else "WRONG"
        status = f"{mine['status']} {mark}"
        recalls = " ".join(f"{_fmt(rows[n][case_id].get('recall@10')):>13}" for n in systems)
        tier = f"{mine['tier_correct']}/{mine['tier_checked']}" if mine["tier_checked"] else "–"
        avoid = len(mine["avoid_hits"]) if mine.get("avoid_hits") else 0
        lines.append(
            f"{case_id:<{width}} {meta['kind']:<12} {status[:24]:<24} {recalls} "
            f"{_fmt(mine.get('suggestion_recall')):>5} {tier:>5} {avoid:>5} {mine['latency_ms']:>6.0f}"
        )
    return "\n".join(lines)


def summary_table(run: dict) -> str:
    systems = list(run["systems"])
    header = f"{'metric':<52}" + "".join(f"{n:>12}" for n in systems)
    lines = [header, "-" * len(header)]
    for metric, (_, label) in METRICS.items():
        values = [run["systems"][n]["aggregates"].get(metric) for n in systems]
        lines.append(f"{label:<52}" + "".join(f"{_fmt(v, metric):>12}" for v in values))
    return "\n".join(lines)


def gates_table(gates: list[dict]) -> str:
    lines = []
    for g in gates:
        if g["passed"] is None:
            verdict = "not measured by these cases"
        elif g.get("message"):
            verdict = "FAIL: not measured by these cases"
        elif not g["enforced"]:
            verdict = f"pending ({g['pending']}): {'pass' if g['passed'] else 'fail'}"
        else:
            verdict = "pass" if g["passed"] else "FAIL"
        lines.append(f"  {g['metric']:<32} {g['bound']:>8}  {_fmt(g['value'], g['metric']):>8}  {verdict}")
    return "\n".join(lines)


def regressions_text(regressions: list[dict]) -> str:
    if not regressions:
        return "  none"
    lines = []
    for r in regressions:
        changes = ", ".join(
            f"{name} {_fmt(c['before'])}→{_fmt(c['after'])}" for name, c in r["changes"].items()
        )
        lines.append(f"  {r['case_id']}: {changes}")
    return "\n".join(lines)


def render_html(run: dict, gates: list[dict], regressions: list[dict], compared_with: str | None) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATE.parent),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
    )
    env.filters["fmt"] = _fmt
    return env.get_template(TEMPLATE.name).render(
        run=run,
        metrics=METRICS,
        chart_metrics=CHART_METRICS,
        systems=list(run["systems"]),
        gates=gates,
        regressions=regressions,
        compared_with=compared_with,
    )


def _reference(case: Case) -> str:
    if case.status == "not_covered":
        return "The documents do not cover this question."
    lines = [f"{q.quote} ({q.document}{', ' + q.tier if q.tier != 'none' else ''})" for q in case.expected]
    if case.status == "safeguarding":
        lines.insert(
            0, "Follow the school's safeguarding procedure and tell the Designated Safeguarding Lead."
        )
    return "\n".join(lines)


def ragas_rows(cases: list[Case], answers: dict[str, dict]) -> list[dict]:
    """RAGAS's single-turn sample: user_input, retrieved_contexts, response, reference."""
    return [
        {
            "user_input": case.question,
            "retrieved_contexts": [s.get("text", "") for s in answers[case.id].get("sources", [])],
            "response": answers[case.id].get("answer", ""),
            "reference": _reference(case),
            "reference_contexts": [q.quote for q in case.expected],
        }
        for case in cases
    ]


def deepeval_rows(cases: list[Case], answers: dict[str, dict]) -> list[dict]:
    """DeepEval's LLMTestCase fields: input, actual_output, expected_output, retrieval_context, context."""
    return [
        {
            "input": row["user_input"],
            "actual_output": row["response"],
            "expected_output": row["reference"],
            "retrieval_context": row["retrieved_contexts"],
            "context": row["reference_contexts"],
            "name": case.id,
        }
        for case, row in zip(cases, ragas_rows(cases, answers), strict=True)
    ]


def jsonl(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
