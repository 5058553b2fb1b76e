"""What a question may be answered from: some documents, councils, tiers or phases. Pure.

A scope is a filter, unlike the phase read from a question and the user's council, which only
weigh what is found. The dense search takes it as a Chroma metadata filter (`where`), so Chroma
searches only the units in scope; the keyword search and the judge, which work over units kept
in memory, drop what is out of it (`admits`).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import permutations

from pydantic import BaseModel, ConfigDict, Field

from provision_assistant.ingest.units import encode_phases
from provision_assistant.retrieval.answer_model import PhaseName, TierName
from provision_assistant.retrieval.phase import PHASES, fits_phase


class Scope(BaseModel):
    """Each list, when given, admits only units with one of its values; empty lists admit all."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    documents: tuple[str, ...] = Field((), description="document ids, as /api/documents lists them")
    councils: tuple[str, ...] = Field((), description="local authorities, as the documents name them")
    tiers: tuple[TierName, ...] = Field((), description="Universal, Targeted or Specialist")
    phases: tuple[PhaseName, ...] = Field(
        (), description="phases; a passage the documents mark for no phase is for every phase"
    )

    @property
    def everything(self) -> bool:
        return not (self.documents or self.councils or self.tiers or self.phases)


EVERYTHING = Scope()


def _phase_values(phases: tuple[str, ...]) -> list[str]:
    """Every stored phase value that admits one of `phases`: unmarked, or marked with it."""
    values = {""}
    for size in range(1, len(PHASES) + 1):
        for combination in permutations(PHASES, size):
            if any(p in combination for p in phases):
                values.add(encode_phases(combination))
    return sorted(values)


def where(scope: Scope) -> dict | None:
    """The scope as a Chroma metadata filter, or None for everything."""
    clauses = [
        {key: {"$in": list(values)}}
        for key, values in (
            ("document", scope.documents),
            ("local_authority", scope.councils),
            ("tier", scope.tiers),
            ("phase", _phase_values(scope.phases) if scope.phases else ()),
        )
        if values
    ]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def admits(scope: Scope, metadata: Mapping[str, object]) -> bool:
    """Whether a unit with this metadata is in scope (the same rule as `where`)."""
    return (
        (not scope.documents or metadata.get("document") in scope.documents)
        and (not scope.councils or metadata.get("local_authority") in scope.councils)
        and (not scope.tiers or metadata.get("tier") in scope.tiers)
        and (not scope.phases or any(fits_phase(str(metadata.get("phase", "")), p) for p in scope.phases))
    )
