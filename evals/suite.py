"""The eval around `run_eval`: `build_systems` makes the systems, `write_outputs` judges and saves.

Used by `provisions eval` and by the eval test, so both give the same figures.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from provision_assistant.evals.cases import EvalDataError
from provision_assistant.evals.gates import GateResult, check_gates, gates_failed, load_gates, regressions
from provision_assistant.evals.report import deepeval_rows, jsonl, ragas_rows, render_html
from provision_assistant.evals.runner import EvalRun, ProjectSystem, System
from provision_assistant.ingest.settings import Settings, SettingsError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)
MODEL_SYSTEM = "project+model"  # the project with the configured language model (`--with-model`)

# The cases, gates and reference runs travel with the package (package data), so an installed
# `provisions eval` measures the same sets as a checkout.
EVALS_DIR = Path(str(resources.files("provision_assistant.evals")))
# The frozen test set (written blind, run to report) is what `provisions eval` measures and
# gates; development cases (tuned on) have their own gates and reference runs.
TEST_CASES = EVALS_DIR / "cases" / "test-4"
DEV_CASES = EVALS_DIR / "cases" / "dev"
# The first three blind sets: each a frozen test set until something was changed after its run
# (their READMEs say what); development data since.
DEV_BLIND_CASES = tuple(EVALS_DIR / "cases" / f"dev-blind-{n}" for n in (1, 2, 3))
ALL_CASES = (DEV_CASES, *DEV_BLIND_CASES, TEST_CASES)
DEFAULT_CASES = TEST_CASES
DEFAULT_GATES = EVALS_DIR / "gates-test-4.yaml"
DEFAULT_REFERENCE = EVALS_DIR / "reference-run-test-4.json"
# Each set CI measures, with its gates and the reference run it is compared with: the test set, the
# original development cases and the latest blind set that became development data. The two older
# blind sets are measured by command (`provisions eval --cases evals/cases/dev-blind-1 ...`, README),
# to keep the whole test run within its time.
GOLD_SETS: dict[str, tuple[Path, Path, Path]] = {
    "test-4": (TEST_CASES, DEFAULT_GATES, DEFAULT_REFERENCE),
    **{
        dev.name: (dev, EVALS_DIR / f"gates-{dev.name}.yaml", EVALS_DIR / f"reference-run-{dev.name}.json")
        for dev in (DEV_CASES, DEV_BLIND_CASES[-1])
    },
}


def build_systems(
    settings: Settings, embeddings: Embeddings, *, baselines: bool = True, with_model: bool = False
) -> list[System]:
    """The project on the served index (with its latency floor) as it answers without a language
    model, the same with the configured model (`with_model`), and the two baselines over the raw corpus."""
    from provision_assistant.evals.baselines import BM25Baseline, TutorialBaseline, tutorial_chunks
    from provision_assistant.evals.bench_latency import search_floor
    from provision_assistant.ingest.store import ephemeral_client
    from provision_assistant.retrieval.service import AnswerService

    if with_model and not settings.language_model_configured:
        raise SettingsError(
            "--with-model needs a language model: set PROVISIONS_LLM_BASE_URL and PROVISIONS_LLM_MODEL"
        )
    # The figures, gates and references are the extractive answer's, whatever the environment sets.
    extractive = settings.model_copy(update={"llm_base_url": ""})
    service = AnswerService.from_settings(extractive, embeddings)
    systems: list[System] = [ProjectSystem(service, floor=search_floor(settings, embeddings))]
    if with_model:
        modelled = AnswerService.from_settings(settings, embeddings)
        systems.append(ProjectSystem(modelled, floor=search_floor(settings, embeddings), name=MODEL_SYSTEM))
    if baselines:
        chunks = tutorial_chunks(settings.corpus_dir, max_bytes=settings.max_file_bytes)
        systems.append(TutorialBaseline(chunks, embeddings, ephemeral_client()))
        systems.append(BM25Baseline(chunks))
    return systems


@dataclass
class Outcome:
    run: dict
    gates: list[GateResult]
    regressions: list[dict]
    compared_with: str | None
    out_dir: Path
    regressions_allowed: bool = False

    @property
    def failed(self) -> list[GateResult]:
        return gates_failed(self.gates)

    @property
    def regressed(self) -> bool:
        """Questions got worse than the earlier run and nobody accepted it: fails the run, as a gate does."""
        return bool(self.regressions) and not self.regressions_allowed


def write_outputs(
    run: EvalRun,
    out_dir: Path,
    *,
    gates_path: Path | None,
    compare_with: Path | None,
    allow_regressions: bool = False,
) -> Outcome:
    """run.json, report.html, the RAGAS and DeepEval exports, and the verdicts.

    `allow_regressions` reports questions that got worse without failing the run
    (`--allow-regressions`, or `--save-reference`, which accepts them as the new reference).
    """
    data = run.to_json()
    gates = check_gates(data, load_gates(gates_path)) if gates_path else []
    data["gates"] = [g.to_json() for g in gates]
    previous, compared = None, None
    if compare_with is not None and compare_with.is_file():
        try:
            previous = json.loads(compare_with.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise EvalDataError(f"{compare_with}: cannot read the earlier run: {exc}") from exc
        compared = str(compare_with)
    worse = regressions(previous, data) if previous else []
    data["regressions"] = worse
    data["regressions_allowed"] = allow_regressions
    data["compared_with"] = compared

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "run.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "report.html").write_text(render_html(data, data["gates"], worse, compared), encoding="utf-8")
    project = run.systems.get("project")
    if project is not None:
        (out_dir / "ragas.jsonl").write_text(jsonl(ragas_rows(run.cases, project.answers)), encoding="utf-8")
        (out_dir / "deepeval.json").write_text(
            json.dumps(deepeval_rows(run.cases, project.answers), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    log.info("eval outputs written to %s", out_dir)
    return Outcome(data, gates, worse, compared, out_dir, allow_regressions)
