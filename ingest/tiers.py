"""Recover the tier of provisions whose table column was lost in flattening.

A framework theme was a three-column table (Universal | Targeted | Specialist).
When such a table is flattened to text, one table row comes out as its cells in
column order, so along a flattened row the tier never goes down. Which cell
each paragraph came from is then a monotone segmentation: we score each
paragraph against wording typical of each tier and pick the best
non-decreasing assignment. The cue lists are data, kept short and general, so
that another council's framework is read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from provision_assistant.ingest.model import Tier

ROW_TIERS: tuple[Tier, ...] = (Tier.UNIVERSAL, Tier.TARGETED, Tier.SPECIALIST)

_CUES: dict[Tier, tuple[str, ...]] = {
    Tier.UNIVERSAL: (
        r"\ball (staff|pupils|schools|children)\b",
        r"\bwhole[- ](school|class|staff)\b",
        r"\bpolic(y|ies)\b",
        r"\b(school|student) council\b",
        r"\bassembl(y|ies)\b",
        r"\bculture\b",
        r"\bstaff (training|awareness|have an awareness|understanding)\b",
        r"\bknowledge of\b",
        r"\bfor all\b",
        r"\bopportunities for pupils\b",
        r"\bwell managed\b",
        r"\bgood communication\b",
    ),
    Tier.TARGETED: (
        r"\bidentified\b",
        r"\bvulnerable\b",
        r"\bsmall[- ]group|\bgroup (work|sessions?|activities|intervention)",
        r"\b(focus|key) groups|\bgroups of pupils",
        r"\bat risk\b",
        r"\badditional\b",
        r"\bconsultation\b",
        r"\bnamed (member|contact)\b",
        r"\bcheck-?ins?\b",
        r"\bintervention\b",
        r"\bstruggle\b",
    ),
    Tier.SPECIALIST: (
        r"\b1\s?[:-]\s?1\b",
        r"\bindividual\b",
        r"\breferral\b",
        r"\bbespoke\b",
        r"\bmulti-?agency\b",
        r"\bteam around the child\b",
        r"\breintegration\b",
        r"\bnon-attending\b|\bnot attending\b|\beven if\b",
        r"\bexternal support\b",
        r"\b(back to school|transition|reintegration|health care|safety) plan\b",
        r"\bassessment\b",
        r"\bformulation\b",
        r"\bperson-centred\b",
        r"(?-i:\bPATH\b)",  # the planning tool; lowercase "path" is not it
        r"\bafter absence\b",
    ),
}

_COMPILED = {tier: [re.compile(p, re.IGNORECASE) for p in pats] for tier, pats in _CUES.items()}

# A weak prior for a run with no cues at all: earlier cells lean Universal,
# later ones Specialist, exactly as the columns are laid out.
_POSITION_WEIGHT = 0.4


# A paragraph that names a tier itself ("Targeted parental support") outweighs other cues.
_NAMED = {tier: re.compile(rf"\b{tier.value}\b", re.IGNORECASE) for tier in ROW_TIERS}
_NAMED_WEIGHT = 2.0


def cue_scores(text: str) -> dict[Tier, float]:
    """How strongly the wording of one paragraph suggests each tier."""
    return {
        tier: sum(1.0 for rx in rxs if rx.search(text)) + _NAMED_WEIGHT * bool(_NAMED[tier].search(text))
        for tier, rxs in _COMPILED.items()
    }


def assign_row(paragraphs: Sequence[str], required: Collection[Tier] = ()) -> list[Tier]:
    """Best non-decreasing tier for each paragraph of one flattened table row.

    `required` names tiers the row must contain: a label that stands empty in
    the text tells us its cell's content came out in this row.
    """
    n = len(paragraphs)
    if n == 0:
        return []
    need = {t for t in required if t in ROW_TIERS}
    if len(need) > n:
        need = set()
    scores = [_scores(text, i, n) for i, text in enumerate(paragraphs)]

    # A state is (tier index, tiers used so far); the tier never goes down.
    State = tuple[int, frozenset[int]]
    best: dict[State, tuple[float, list[int]]] = {}
    for k in range(3):
        best[(k, frozenset({k}))] = (scores[0][k], [k])
    for i in range(1, n):
        step: dict[State, tuple[float, list[int]]] = {}
        for (k, used), (total, path) in best.items():
            for k2 in range(k, 3):
                state = (k2, used | {k2})
                candidate = (total + scores[i][k2], [*path, k2])
                if state not in step or candidate[0] > step[state][0]:
                    step[state] = candidate
        best = step
    wanted = {ROW_TIERS.index(t) for t in need}
    finals = [v for (_, used), v in best.items() if wanted <= used]
    _, path = max(finals, key=lambda v: v[0])
    return [ROW_TIERS[k] for k in path]


def _scores(text: str, i: int, n: int) -> list[float]:
    cues = cue_scores(text)
    frac = i / (n - 1) if n > 1 else 0.5
    prior = (1 - frac, 1 - abs(2 * frac - 1), frac)
    return [cues[t] + _POSITION_WEIGHT * p for t, p in zip(ROW_TIERS, prior, strict=True)]
