"""Graded judgements of what answers show (qrels), and the figures they give. Pure but for loading.

Expected provisions say what an answer should hold; they cannot say whether the
rest of what it shows is any use. For the frozen test set, helpers graded every
item any system showed (the project, the project without its relevance judge, and
both baselines), blind to which showed it: `on` point, `related` (same topic, no
help here) or `off` point. A folder of cases may hold them as `qrels.yaml`:

    grades:
      CASE_ID:
        - {grade: on, text: "the item's words, as shown"}

An item is matched by its words (`evals.cases.normalise`). One no helper graded
(a system changed since) is counted as unjudged, never as right.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from provision_assistant.evals.cases import QRELS_FILE, EvalDataError, normalise
from provision_assistant.ingest.datafile import load_yaml_model

Grade = Literal["on", "related", "off"]
GAIN = {"on": 2, "related": 1, "off": 0}
MAX_CHUNKS = 10  # a baseline's "shown" items: its first ranked chunks


class Judged(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    grade: Grade
    text: str = Field(min_length=1)


class QrelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grades: dict[str, list[Judged]]


Qrels = dict[str, dict[str, str]]  # case id → normalised text → grade


def load_qrels(paths: Iterable[Path]) -> Qrels:
    """The judgements in every given folder's qrels.yaml (folders without one add nothing)."""
    out: Qrels = {}
    for path in paths:
        file = path / QRELS_FILE if path.is_dir() else path.parent / QRELS_FILE
        if not file.is_file():
            continue
        parsed = load_yaml_model(file, QrelsFile, what="the judgements", error=EvalDataError)
        for case, items in parsed.grades.items():
            out.setdefault(case, {}).update({normalise(i.text): i.grade for i in items})
    return out


def shown_texts(answer: dict, judges_suggestions: bool) -> list[str]:
    """What a reader sees, in order: the suggestions, or a baseline's first ranked chunks."""
    if judges_suggestions:
        return [s["text"] for s in answer.get("suggestions", [])]
    return [s.get("text", "") for s in answer.get("sources", [])[:MAX_CHUNKS]]


def grades_of(texts: Sequence[str], judged: dict[str, str]) -> list[str | None]:
    return [judged.get(normalise(t)) for t in texts]


def graded_ndcg(grades: Sequence[str | None], judged: dict[str, str], cutoff: int = 10) -> float | None:
    """nDCG@cutoff of what was shown (on 2, related 1, off or unjudged 0) against the best the
    graded pool allows; None when nothing in the pool is on point or related."""
    ideal_gains = sorted((GAIN[g] for g in judged.values()), reverse=True)[:cutoff]
    ideal = sum(g / math.log2(r + 2) for r, g in enumerate(ideal_gains))
    if not ideal:
        return None
    dcg = sum(GAIN.get(g or "off", 0) / math.log2(r + 2) for r, g in enumerate(grades[:cutoff]))
    return dcg / ideal
